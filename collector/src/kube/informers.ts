/**
 * Informers that stay up: client-node's informer relists on 410 Gone and re-watches after a clean
 * end of stream, but it stops for good after a network error or a failed list. This wrapper
 * restarts it with exponential backoff and jitter, prunes objects as they arrive, and tells when
 * every cache has completed its first list.
 *
 * The collector keeps its own typed copy of every object (ClusterState), so once an event has been
 * handled the informer's cache needs only what client-node itself reads: namespace and name (its
 * keys), resourceVersion (to skip unchanged objects on a relist) and uid (to tell which deletions
 * a relist found). Shrinking cached objects to that cuts the cache of a 20,000-pod cluster from
 * over a hundred MiB to a few.
 */
import { makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import { sleepReal } from '../clock.js';
import type { Logger } from '../log.js';
import { listCollection, type WatchedKind, type WatchedKindName } from './api.js';

export type WatchEventType = 'add' | 'update' | 'delete';

export interface InformerEvents {
  /**
   * `fromRelist`: a deletion found by a relist rather than watched, so its time is unknown and
   * `obj` holds only its metadata keys (namespace, name, uid, resourceVersion).
   */
  onEvent(kind: WatchedKindName, type: WatchEventType, obj: KubernetesObject, fromRelist: boolean): void;
  onRestart?(kind: WatchedKindName, error: unknown): void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export interface WatchBackoffOptions extends BackoffOptions {
  /** A watch that stayed open this long ended because the server closed it, not because it failed. */
  healthyWatchMs: number;
}

const DEFAULT_BACKOFF: WatchBackoffOptions = { initialMs: 1000, maxMs: 30_000, healthyWatchMs: 5000 };

/** Full jitter: a uniform wait in [0, min(max, initial × 2^attempt)]; spreads reconnect storms. */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

/**
 * Leaves a cached object with its metadata keys only. Fields are reassigned, never deleted:
 * `delete` turns a V8 object into a slow dictionary that takes about twice the memory.
 */
export function shrinkToCacheKeys(obj: KubernetesObject): void {
  const meta = obj.metadata;
  obj.metadata = { name: meta?.name, namespace: meta?.namespace, uid: meta?.uid, resourceVersion: meta?.resourceVersion };
  const fields = obj as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (key !== 'metadata' && key !== 'apiVersion' && key !== 'kind') fields[key] = undefined;
}

/** client-node's ListWatch field (2.x) holding the wait before its next re-watch. */
export interface ReconnectDelay {
  reconnectDelayMs: number;
}

class KindInformer {
  private informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private stopped = false;
  private failures = 0;
  private restartAbort = new AbortController();
  private lastConnectAt = 0;
  /** UIDs a relist found gone; client-node reports them as deletes right after the list. */
  private readonly relistGone = new Set<string>();
  synced = false;

  constructor(
    readonly kind: WatchedKind,
    kubeConfig: KubeConfig,
    private readonly events: InformerEvents,
    private readonly log: Logger,
    private readonly backoff: WatchBackoffOptions,
  ) {
    const listFn = async () => {
      const list = await listCollection(kubeConfig, kind);
      const present = new Set<string>();
      for (const item of list.items ?? []) if (item.metadata?.uid) present.add(item.metadata.uid);
      if (this.synced) {
        for (const cached of this.informer.list()) {
          const uid = cached.metadata?.uid;
          if (uid && !present.has(uid)) this.relistGone.add(uid);
        }
      }
      this.synced = true;
      this.failures = 0;
      this.resetReconnectDelay();
      return list;
    };
    this.informer = makeInformer<KubernetesObject>(kubeConfig, kind.path, listFn, kind.labelSelector);
    this.informer.on('connect', () => {
      if (Date.now() - this.lastConnectAt >= this.backoff.healthyWatchMs) this.resetReconnectDelay();
      this.lastConnectAt = Date.now();
    });
    const forward = (type: WatchEventType) => (obj: KubernetesObject) => {
      this.failures = 0;
      const fromRelist = type === 'delete' && this.relistGone.delete(obj.metadata?.uid ?? '');
      this.events.onEvent(kind.name, type, obj, fromRelist);
      if (type !== 'delete') shrinkToCacheKeys(obj);
    };
    this.informer.on('add', forward('add'));
    this.informer.on('update', forward('update'));
    this.informer.on('delete', forward('delete'));
    this.informer.on('error', (err: unknown) => this.restartAfterError(err));
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  /**
   * client-node waits before every re-watch, doubling the wait (1 s to 30 s) each time a watch ends
   * without having delivered an event, and resets it only on an event. A quiet collection (few
   * pods outside Kueue, namespaces, flavors) whose watch the server ended normally, or that was
   * just listed successfully, would then stay unwatched for up to 30 s, and what changed meanwhile
   * would be recorded late. After a healthy watch or a good list there is nothing to back off from.
   */
  private resetReconnectDelay(): void {
    (this.informer as unknown as ReconnectDelay).reconnectDelayMs = 0;
  }

  private restartAfterError(err: unknown): void {
    if (this.stopped) return; // stop() aborts the watch, which reports an AbortError
    const delay = backoffDelay(this.failures++, this.backoff);
    this.log.warn('watch failed; restarting', { kind: this.kind.name, error: err, retryInMs: delay });
    this.events.onRestart?.(this.kind.name, err);
    void sleepReal(delay, this.restartAbort.signal).then(async () => {
      if (this.stopped) return;
      try {
        await this.informer.start();
      } catch (e) {
        this.restartAfterError(e);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.restartAbort.abort();
    await this.informer.stop();
  }
}

export class InformerSet {
  private readonly informers: Map<WatchedKindName, KindInformer>;

  constructor(
    kinds: readonly WatchedKind[],
    kubeConfig: KubeConfig,
    events: InformerEvents,
    log: Logger,
    backoff: WatchBackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.informers = new Map(kinds.map((k) => [k.name, new KindInformer(k, kubeConfig, events, log, backoff)]));
  }

  /** Starts every informer; a failed first list is retried in the background like any watch error. */
  async start(): Promise<void> {
    for (const informer of this.informers.values()) await informer.start();
  }

  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
