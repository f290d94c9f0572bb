/**
 * The Kubernetes API surface the collector reads: which collections, at which paths, and a raw
 * JSON GET that authenticates exactly like client-node's own Watch.
 *
 * Lists are fetched raw rather than through the typed API clients: watch events arrive as plain
 * JSON, so raw lists keep one object shape in the caches and skip a costly deserialisation of
 * every pod at start-up and on every relist.
 */
import { HttpMethod, RequestContext, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import { fetch } from 'undici';

export const KUEUE_GROUP = 'kueue.x-k8s.io';
export const KUEUE_VERSIONS = ['v1beta1', 'v1beta2'] as const;
export type KueueVersion = (typeof KUEUE_VERSIONS)[number];

export type WatchedKindName =
  | 'Namespace'
  | 'Node'
  | 'Pod'
  | 'ResourceFlavor'
  | 'WorkloadPriorityClass'
  | 'LocalQueue'
  | 'ClusterQueue'
  | 'Workload';

export interface WatchedKind {
  name: WatchedKindName;
  /** Collection path across all namespaces. */
  path: string;
  labelSelector?: string;
}

/** Labels Kueue or HyperPod put on pods that Kueue admits; such pods are counted through their Workload. */
export const KUEUE_POD_LABELS = ['kueue.x-k8s.io/queue-name', 'kueue.x-k8s.io/podset', 'kueue.x-k8s.io/managed'];

/**
 * Pods without those labels: on a busy cluster most pods are Kueue's, and their status changes
 * would be most of the events handled. A pod that gains one of the labels leaves the watch with a
 * DELETED event, which ends its row as a pod outside Kueue; from then on its Workload counts it.
 */
const POD_SELECTOR = KUEUE_POD_LABELS.map((label) => `!${label}`).join(',');

/** The collections to watch, in the order their caches should fill (referenced kinds first). */
export function watchedKinds(kueueVersion: KueueVersion): WatchedKind[] {
  const kueue = (plural: string): string => `/apis/${KUEUE_GROUP}/${kueueVersion}/${plural}`;
  return [
    { name: 'Namespace', path: '/api/v1/namespaces' },
    { name: 'Node', path: '/api/v1/nodes' },
    { name: 'ResourceFlavor', path: kueue('resourceflavors') },
    { name: 'WorkloadPriorityClass', path: kueue('workloadpriorityclasses') },
    { name: 'LocalQueue', path: kueue('localqueues') },
    { name: 'ClusterQueue', path: kueue('clusterqueues') },
    { name: 'Workload', path: kueue('workloads') },
    { name: 'Pod', path: '/api/v1/pods', labelSelector: POD_SELECTOR },
  ];
}

class KubeHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** GET a JSON document from the API server with the KubeConfig's credentials. */
async function kubeGetJson<T = unknown>(kubeConfig: KubeConfig, path: string, signal?: AbortSignal): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const ctx = new RequestContext(cluster.server + path, HttpMethod.GET);
  ctx.setHeaderParam('Accept', 'application/json');
  await kubeConfig.applySecurityAuthentication(ctx);
  const response = await fetch(ctx.getUrl(), {
    method: 'GET',
    headers: ctx.getHeaders(),
    dispatcher: ctx.getDispatcher(),
    signal: signal ?? AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== 200) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const status = JSON.parse(text) as { message?: unknown };
      if (typeof status.message === 'string') message += `: ${status.message}`;
    } catch {
      // not a Status object; the HTTP status says enough
    }
    throw new KubeHttpError(response.status, `GET ${path}: ${message.slice(0, 300)}`);
  }
  return JSON.parse(text) as T;
}

/** Objects per list page, as client-go's informers ask for. */
export const LIST_PAGE_SIZE = 500;

/** A list as the API server sends it (`continue`, not the typed client's `_continue`). */
interface RawList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubernetesObject[];
}

/**
 * Lists a collection in pages, so a 20,000-pod list is never one huge response held as text.
 * Every page comes from the first page's revision; if the server has compacted that revision
 * away before the last page (410), the list is taken again whole, as client-go's pager does.
 */
export async function listCollection(
  kubeConfig: KubeConfig,
  kind: WatchedKind,
  pageSize = LIST_PAGE_SIZE,
): Promise<KubernetesListObject<KubernetesObject>> {
  const url = (extra: Record<string, string>): string => {
    const query = new URLSearchParams({ ...(kind.labelSelector ? { labelSelector: kind.labelSelector } : {}), ...extra });
    return query.size ? `${kind.path}?${query}` : kind.path;
  };
  const first = await kubeGetJson<RawList>(kubeConfig, url({ limit: String(pageSize) }));
  const items = first.items ?? [];
  let token = first.metadata?.continue;
  while (token) {
    let page: RawList;
    try {
      page = await kubeGetJson<RawList>(kubeConfig, url({ limit: String(pageSize), continue: token }));
    } catch (e) {
      if (!(e instanceof KubeHttpError && e.statusCode === 410)) throw e;
      const whole = await kubeGetJson<RawList>(kubeConfig, url({}));
      return { metadata: { resourceVersion: whole.metadata?.resourceVersion }, items: whole.items ?? [] };
    }
    for (const item of page.items ?? []) items.push(item);
    token = page.metadata?.continue;
  }
  return { metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
}

/**
 * The Kueue API version to read: the one asked for, or with `auto` the server's preferred one
 * when the collector understands it (v1beta1 up to Kueue 0.14 and on HyperPod today, v1beta2 later).
 */
export async function resolveKueueVersion(kubeConfig: KubeConfig, wanted: KueueVersion | 'auto'): Promise<KueueVersion> {
  if (wanted !== 'auto') return wanted;
  let group: { preferredVersion?: { version?: string }; versions?: Array<{ version?: string }> };
  try {
    group = await kubeGetJson(kubeConfig, `/apis/${KUEUE_GROUP}`);
  } catch (e) {
    if (e instanceof KubeHttpError && e.statusCode === 404) {
      throw new Error(`the API server does not serve ${KUEUE_GROUP}: is Kueue (HyperPod task governance) installed?`);
    }
    throw e;
  }
  const served = (group.versions ?? []).map((v) => v.version);
  const preferred = group.preferredVersion?.version;
  const known = (v: string | undefined): v is KueueVersion => KUEUE_VERSIONS.includes(v as KueueVersion);
  if (known(preferred)) return preferred;
  const fallback = KUEUE_VERSIONS.find((v) => served.includes(v));
  if (fallback) return fallback;
  throw new Error(`${KUEUE_GROUP} serves ${served.join(', ') || 'no versions'}; this collector reads ${KUEUE_VERSIONS.join(' or ')}`);
}
