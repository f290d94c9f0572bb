/**
 * The collector's view of the cluster: every watched object, read into typed shapes, with the
 * indexes that attribution needs (queues to namespaces, flavors to instance types, which pods
 * Kueue governs). Fed by informer events; read by the record builders, snapshots and metrics.
 */
import type { Logger } from '../log.js';
import { KUEUE_POD_LABELS, type WatchedKindName } from '../kube/api.js';
import {
  ObjectError,
  readClusterQueue,
  readLocalQueue,
  readNamespace,
  readNode,
  readPod,
  readResourceFlavor,
  readWorkload,
  readWorkloadPriorityClass,
  type ClusterQueue,
  type LocalQueue,
  type Namespace,
  type Node,
  type Pod,
  type ResourceFlavor,
  type Workload,
  type WorkloadPriorityClass,
} from '../kube/objects.js';
import { QUOTA_ALLOCATION_LABEL, TeamResolver, type TeamLookup, type TeamMappingConfig } from './teams.js';

export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

const KUEUE_POD_ANNOTATIONS = ['kueue.x-k8s.io/workload'];

export type TypedObject =
  | { kind: 'Namespace'; object: Namespace }
  | { kind: 'Node'; object: Node }
  | { kind: 'ResourceFlavor'; object: ResourceFlavor }
  | { kind: 'WorkloadPriorityClass'; object: WorkloadPriorityClass }
  | { kind: 'LocalQueue'; object: LocalQueue }
  | { kind: 'ClusterQueue'; object: ClusterQueue }
  | { kind: 'Workload'; object: Workload }
  | { kind: 'Pod'; object: Pod };

export interface SkipCounter {
  (kind: WatchedKindName, reason: string): void;
}

export class ClusterState implements TeamLookup {
  readonly namespaces = new Map<string, Namespace>();
  readonly nodes = new Map<string, Node>();
  readonly flavors = new Map<string, ResourceFlavor>();
  readonly priorityClasses = new Map<string, WorkloadPriorityClass>();
  readonly localQueues = new Map<string, LocalQueue>(); // by uid
  readonly clusterQueues = new Map<string, ClusterQueue>(); // by name
  readonly workloads = new Map<string, Workload>(); // by uid
  /** Pods Kueue does not govern, by uid. Governed pods are not kept: their Workload counts them. */
  readonly pods = new Map<string, Pod>();
  readonly teams: TeamResolver;
  /** Owner UIDs of workloads (the jobs Kueue manages) → how many workloads they own. */
  private readonly workloadOwnerUids = new Map<string, number>();
  private readonly reportedProblems = new Map<string, string>();

  constructor(
    teamMapping: TeamMappingConfig,
    private readonly log: Logger,
    private readonly onSkip: SkipCounter = () => undefined,
  ) {
    this.teams = new TeamResolver(teamMapping, this);
  }

  /**
   * Applies a watch event. Returns the typed object (for a delete: its last state), or null when
   * the object is unreadable (logged and counted), is a pod that Kueue governs, or is a deletion
   * found by a relist of an object never kept. Such a deletion carries only metadata keys, so
   * its last state is the one kept here.
   */
  apply(kind: WatchedKindName, type: 'add' | 'update' | 'delete', raw: unknown, fromRelist = false): TypedObject | null {
    let typed: TypedObject;
    if (type === 'delete' && fromRelist) {
      const known = this.lastKnown(kind, raw);
      if (!known) return null;
      typed = known;
    } else {
      try {
        typed = read(kind, raw);
      } catch (e) {
        if (!(e instanceof ObjectError)) throw e;
        this.onSkip(kind, e.reason);
        this.log.warn('skipping unreadable object', { kind, reason: e.reason, error: e.message });
        return null;
      }
      this.reportProblems(typed);
    }
    const remove = type === 'delete';
    switch (typed.kind) {
      case 'Namespace':
        setOrDelete(this.namespaces, typed.object.meta.name, typed.object, remove);
        break;
      case 'Node':
        setOrDelete(this.nodes, typed.object.meta.name, typed.object, remove);
        break;
      case 'ResourceFlavor':
        setOrDelete(this.flavors, typed.object.meta.name, typed.object, remove);
        break;
      case 'WorkloadPriorityClass':
        setOrDelete(this.priorityClasses, typed.object.meta.name, typed.object, remove);
        break;
      case 'LocalQueue':
        setOrDelete(this.localQueues, typed.object.meta.uid, typed.object, remove);
        break;
      case 'ClusterQueue':
        setOrDelete(this.clusterQueues, typed.object.meta.name, typed.object, remove);
        break;
      case 'Workload':
        this.indexWorkloadOwners(this.workloads.get(typed.object.meta.uid), -1);
        setOrDelete(this.workloads, typed.object.meta.uid, typed.object, remove);
        if (!remove) this.indexWorkloadOwners(typed.object, +1);
        break;
      case 'Pod':
        if (this.isGovernedPod(typed.object)) {
          this.pods.delete(typed.object.meta.uid);
          return null;
        }
        setOrDelete(this.pods, typed.object.meta.uid, typed.object, remove);
        break;
    }
    if (remove) this.reportedProblems.delete(typed.object.meta.uid);
    return typed;
  }

  /** The kept state of the object a stub (metadata keys only) names, if any. */
  private lastKnown(kind: WatchedKindName, stub: unknown): TypedObject | undefined {
    const meta = (stub as { metadata?: { name?: unknown; uid?: unknown } } | null)?.metadata;
    const name = typeof meta?.name === 'string' ? meta.name : '';
    const uid = typeof meta?.uid === 'string' ? meta.uid : '';
    const byName = <T extends { meta: { uid: string } }>(map: Map<string, T>): T | undefined => {
      const kept = map.get(name);
      return kept?.meta.uid === uid ? kept : undefined;
    };
    const found = (typed: { kind: WatchedKindName; object: object | undefined }): TypedObject | undefined =>
      typed.object ? (typed as TypedObject) : undefined;
    switch (kind) {
      case 'Namespace':
        return found({ kind, object: byName(this.namespaces) });
      case 'Node':
        return found({ kind, object: byName(this.nodes) });
      case 'ResourceFlavor':
        return found({ kind, object: byName(this.flavors) });
      case 'WorkloadPriorityClass':
        return found({ kind, object: byName(this.priorityClasses) });
      case 'ClusterQueue':
        return found({ kind, object: byName(this.clusterQueues) });
      case 'LocalQueue':
        return found({ kind, object: this.localQueues.get(uid) });
      case 'Workload':
        return found({ kind, object: this.workloads.get(uid) });
      case 'Pod':
        return found({ kind, object: this.pods.get(uid) });
    }
  }

  /** True when Kueue admits the pod: Kueue/HyperPod labels, or an owner that is a Workload's job. */
  isGovernedPod(pod: Pod): boolean {
    if (KUEUE_POD_LABELS.some((l) => pod.meta.labels[l] !== undefined)) return true;
    if (KUEUE_POD_ANNOTATIONS.some((a) => pod.meta.annotations[a] !== undefined)) return true;
    return pod.meta.owners.some((o) => o.uid && this.workloadOwnerUids.has(o.uid));
  }

  /** Instance type a flavor stands for: its instance-type node label, else its name (HyperPod names flavors after instance types). */
  instanceTypeOfFlavor(flavor: string): string {
    return this.flavors.get(flavor)?.nodeLabels[INSTANCE_TYPE_LABEL] ?? flavor;
  }

  instanceTypeOfNode(nodeName: string): string {
    return this.nodes.get(nodeName)?.meta.labels[INSTANCE_TYPE_LABEL] ?? '';
  }

  // TeamLookup ---------------------------------------------------------------------------------

  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined {
    return this.namespaces.get(namespace)?.meta.labels;
  }

  namespacesOfClusterQueue(clusterQueue: string): readonly string[] {
    const out = new Set<string>();
    for (const lq of this.localQueues.values()) if (lq.clusterQueue === clusterQueue) out.add(lq.meta.namespace);
    return [...out].sort();
  }

  namespacesWithAllocationId(id: string): readonly string[] {
    const out: string[] = [];
    for (const ns of this.namespaces.values()) if (ns.meta.labels[QUOTA_ALLOCATION_LABEL] === id) out.push(ns.meta.name);
    return out.sort();
  }

  clusterQueueOfLocalQueue(namespace: string, localQueue: string): string | undefined {
    if (!localQueue) return undefined;
    for (const lq of this.localQueues.values()) {
      if (lq.meta.namespace === namespace && lq.meta.name === localQueue) return lq.clusterQueue || undefined;
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------

  private indexWorkloadOwners(workload: Workload | undefined, delta: 1 | -1): void {
    if (!workload) return;
    const uids = new Set(workload.meta.owners.map((o) => o.uid).filter(Boolean));
    if (workload.job?.uid) uids.add(workload.job.uid);
    for (const uid of uids) {
      const n = (this.workloadOwnerUids.get(uid) ?? 0) + delta;
      if (n > 0) this.workloadOwnerUids.set(uid, n);
      else this.workloadOwnerUids.delete(uid);
    }
  }

  /** Logs an object's unreadable fields once per distinct set of problems. */
  private reportProblems(typed: TypedObject): void {
    const problems = 'problems' in typed.object ? typed.object.problems : [];
    const uid = typed.object.meta.uid;
    const key = problems.join('; ');
    if (!key) {
      this.reportedProblems.delete(uid);
      return;
    }
    if (this.reportedProblems.get(uid) === key) return;
    this.reportedProblems.set(uid, key);
    this.onSkip(typed.kind, 'unreadable-field');
    this.log.warn('ignoring unreadable fields', {
      kind: typed.kind,
      namespace: typed.object.meta.namespace || undefined,
      name: typed.object.meta.name.slice(0, 253),
      problems: key.slice(0, 500),
    });
  }
}

function setOrDelete<K, V>(map: Map<K, V>, key: K, value: V, remove: boolean): void {
  if (remove) map.delete(key);
  else map.set(key, value);
}

function read(kind: WatchedKindName, raw: unknown): TypedObject {
  switch (kind) {
    case 'Namespace':
      return { kind, object: readNamespace(raw) };
    case 'Node':
      return { kind, object: readNode(raw) };
    case 'ResourceFlavor':
      return { kind, object: readResourceFlavor(raw) };
    case 'WorkloadPriorityClass':
      return { kind, object: readWorkloadPriorityClass(raw) };
    case 'LocalQueue':
      return { kind, object: readLocalQueue(raw) };
    case 'ClusterQueue':
      return { kind, object: readClusterQueue(raw) };
    case 'Workload':
      return { kind, object: readWorkload(raw) };
    case 'Pod':
      return { kind, object: readPod(raw) };
  }
}
