/**
 * Keeps only the fields the collector reads, in place.
 *
 * Informer caches hold every watched object for the life of the process. Real pods carry
 * managedFields, env, volumes and probes that are many times larger than what usage accounting
 * needs; dropping them as objects arrive keeps a 20,000-pod cluster within a small memory budget.
 * The cache compares objects only by resourceVersion, so pruning does not disturb it.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function keep(obj: Json, fields: readonly string[]): void {
  for (const k of Object.keys(obj)) if (!fields.includes(k)) delete obj[k];
}

const META_FIELDS = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'labels',
  'annotations',
  'creationTimestamp',
  'deletionTimestamp',
  'ownerReferences',
] as const;

/** Annotations the collector reads; everything else (last-applied configurations, ...) goes. */
const KEPT_ANNOTATION_PREFIXES = ['kueue.x-k8s.io/', 'sagemaker.amazonaws.com/'];

function pruneMeta(obj: Json): void {
  const meta = obj.metadata;
  if (!isObject(meta)) return;
  keep(meta, META_FIELDS);
  if (isObject(meta.annotations)) {
    for (const k of Object.keys(meta.annotations)) {
      if (!KEPT_ANNOTATION_PREFIXES.some((p) => k.startsWith(p))) delete meta.annotations[k];
    }
  }
}

function pruneContainers(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const c of list) if (isObject(c)) keep(c, ['name', 'resources', 'restartPolicy']);
}

function prunePodSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  keep(spec, ['containers', 'initContainers', 'overhead', 'nodeName', 'priorityClassName']);
  pruneContainers(spec.containers);
  pruneContainers(spec.initContainers);
}

function prunePodStatus(status: unknown): void {
  if (!isObject(status)) return;
  keep(status, ['phase', 'conditions', 'startTime', 'containerStatuses', 'initContainerStatuses']);
  for (const key of ['containerStatuses', 'initContainerStatuses']) {
    const list = status[key];
    if (!Array.isArray(list)) continue;
    for (const cs of list) {
      if (!isObject(cs)) continue;
      keep(cs, ['name', 'state']);
      if (isObject(cs.state)) keep(cs.state, ['terminated']);
      if (isObject(cs.state) && isObject(cs.state.terminated)) keep(cs.state.terminated, ['finishedAt', 'exitCode', 'reason']);
    }
  }
  if (Array.isArray(status.conditions)) {
    for (const c of status.conditions) if (isObject(c)) keep(c, ['type', 'status', 'reason', 'lastTransitionTime']);
  }
}

export function pruneObject(kind: string, obj: unknown): void {
  if (!isObject(obj)) return;
  pruneMeta(obj);
  switch (kind) {
    case 'Pod':
      prunePodSpec(obj.spec);
      prunePodStatus(obj.status);
      break;
    case 'Node':
      if (isObject(obj.spec)) keep(obj.spec, ['unschedulable', 'taints']);
      if (isObject(obj.status)) {
        keep(obj.status, ['capacity', 'allocatable', 'conditions']);
        if (Array.isArray(obj.status.conditions)) {
          // Only Ready matters; kubelet heartbeats touch the others constantly.
          obj.status.conditions = obj.status.conditions.filter((c) => isObject(c) && c.type === 'Ready');
          for (const c of obj.status.conditions as Json[]) keep(c, ['type', 'status', 'reason', 'lastTransitionTime']);
        }
      }
      break;
    case 'Workload':
      if (isObject(obj.spec) && Array.isArray(obj.spec.podSets)) {
        for (const ps of obj.spec.podSets) {
          if (!isObject(ps)) continue;
          keep(ps, ['name', 'count', 'template']);
          if (isObject(ps.template)) {
            keep(ps.template, ['spec']);
            prunePodSpec(ps.template.spec);
          }
        }
      }
      if (isObject(obj.status)) {
        keep(obj.status, [
          'admission',
          'conditions',
          'requeueState',
          'accumulatedPastExexcutionTimeSeconds',
          'accumulatedPastExecutionTimeSeconds',
        ]);
        if (Array.isArray(obj.status.conditions)) {
          for (const c of obj.status.conditions) if (isObject(c)) keep(c, ['type', 'status', 'reason', 'lastTransitionTime']);
        }
      }
      break;
    default:
      // Queues, flavors, priority classes and namespaces are few and small.
      break;
  }
}
