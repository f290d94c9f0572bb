/**
 * Rows of the raw tables, built from typed objects. One function per table; each row has exactly
 * the table's columns (see usage-model raw-schema). Timestamps are epoch milliseconds here; the
 * Parquet encoder writes them as UTC millisecond timestamps.
 */
import { RESOURCE_KEYS, resourceKeyOf, type RawTableName, type ResourceKey } from '@hyperpod-usage/model';
import { milliToNumber } from '../kube/quantity.js';
import { controllerOf, type Amounts, type ClusterQueue, type Node, type Pod, type Workload } from '../kube/objects.js';
import type { ClusterState } from '../state/cluster-state.js';

export type CellValue = string | number | boolean | bigint | null;
export type Row = Record<string, CellValue>;
export type RecordKind = 'change' | 'snapshot' | 'delete';

export interface RowContext {
  state: ClusterState;
  writerId: string;
  recordKind: RecordKind;
  /** Record time: partition and `timestamp` column. */
  timestamp: number;
  observedAt: number;
  /** Deletion time when known; null for live objects and for deletions of unknown time. */
  deletedAt: number | null;
}

export interface TableRows {
  table: RawTableName;
  rows: Row[];
}

interface SplitAmounts {
  known: Record<ResourceKey, number | null>;
  otherJson: string | null;
}

/** Quantities by our resource keys, plus a JSON object of the rest. */
function splitAmounts(amounts: Amounts | undefined): SplitAmounts {
  const known = Object.fromEntries(RESOURCE_KEYS.map((k) => [k, null])) as Record<ResourceKey, number | null>;
  const milli = new Map<ResourceKey, bigint>();
  // Resource names come from the cluster: no prototype, so `__proto__` is a key like any other.
  const other = Object.create(null) as Record<string, number>;
  for (const [name, value] of amounts ?? []) {
    const key = resourceKeyOf(name);
    if (key) milli.set(key, (milli.get(key) ?? 0n) + value);
    else other[name] = milliToNumber(value);
  }
  for (const [k, v] of milli) known[k] = milliToNumber(v);
  return { known, otherJson: Object.keys(other).length ? JSON.stringify(other) : null };
}

const orZero = (v: number | null): number => v ?? 0;

function provenance(ctx: RowContext): Row {
  return { record_kind: ctx.recordKind, observed_at: ctx.observedAt, writer_id: ctx.writerId };
}

// ---------------------------------------------------------------------------------------------

export function clusterQueueRows(cq: ClusterQueue, ctx: RowContext): Row[] {
  const name = cq.meta.name;
  const team = ctx.state.teams.teamOfClusterQueue(name);
  const namespace = ctx.state.teams.namespaceOfClusterQueue(name);
  const flavors = new Set([...cq.quotas.keys(), ...cq.usage.keys()]);
  return [...flavors].sort().map((flavor) => {
    const quota = cq.quotas.get(flavor) ?? new Map();
    const usage = cq.usage.get(flavor) ?? new Map();
    const total = splitAmounts(new Map([...usage].map(([r, u]) => [r, u.total])));
    const borrowed = splitAmounts(new Map([...usage].map(([r, u]) => [r, u.borrowed])));
    const nominal = splitAmounts(new Map([...quota].map(([r, q]) => [r, q.nominal])));
    const limitOf = (pick: 'borrowingLimit' | 'lendingLimit') =>
      splitAmounts(new Map([...quota].filter(([, q]) => q[pick] !== null).map(([r, q]) => [r, q[pick] as bigint])));
    const borrowingLimit = limitOf('borrowingLimit');
    const lendingLimit = limitOf('lendingLimit');
    const other = mergeOther({
      total: total.otherJson,
      borrowed: borrowed.otherJson,
      nominal: nominal.otherJson,
      borrowing_limit: borrowingLimit.otherJson,
      lending_limit: lendingLimit.otherJson,
    });
    const row: Row = {
      instance_type: ctx.state.instanceTypeOfFlavor(flavor),
      timestamp: ctx.timestamp,
      namespace,
      resource_version: cq.meta.resourceVersion,
      team,
      gpu_total: orZero(total.known.gpu),
      gpu_borrowed: orZero(borrowed.known.gpu),
      cpu_total: orZero(total.known.cpu),
      cpu_borrowed: orZero(borrowed.known.cpu),
      neuron_core_total: orZero(total.known.neuron_core),
      neuron_core_borrowed: orZero(borrowed.known.neuron_core),
      cluster_queue: name,
      uid: cq.meta.uid,
      flavor,
      cohort: cq.cohort,
      memory_bytes_total: orZero(total.known.memory_bytes),
      neuron_device_total: orZero(total.known.neuron_device),
      efa_total: orZero(total.known.efa),
      memory_bytes_borrowed: orZero(borrowed.known.memory_bytes),
      neuron_device_borrowed: orZero(borrowed.known.neuron_device),
      efa_borrowed: orZero(borrowed.known.efa),
    };
    for (const key of RESOURCE_KEYS) {
      row[`${key}_nominal`] = orZero(nominal.known[key]);
      // No limit configured means unlimited: null, not zero.
      row[`${key}_borrowing_limit`] = borrowingLimit.known[key];
      row[`${key}_lending_limit`] = lendingLimit.known[key];
    }
    Object.assign(row, {
      other_resources: other,
      pending_workloads: cq.pendingWorkloads,
      reserving_workloads: cq.reservingWorkloads,
      admitted_workloads: cq.admittedWorkloads,
      deleted_at: ctx.deletedAt,
      ...provenance(ctx),
    });
    return row;
  });
}

function mergeOther(parts: Record<string, string | null>): string | null {
  const present = Object.entries(parts).filter(([, v]) => v !== null) as Array<[string, string]>;
  if (!present.length) return null;
  return JSON.stringify(Object.fromEntries(present.map(([k, v]) => [k, JSON.parse(v) as unknown])));
}

// ---------------------------------------------------------------------------------------------

/**
 * The condition that best describes a workload, as AWS's usage report spells it. Holding quota
 * wins over an eviction in progress: the quota is held until Kueue releases it.
 */
function workloadStatus(wl: Workload, deleted: boolean): string {
  if (deleted) return 'Deleted';
  const finished = wl.conditions.get('Finished');
  if (finished?.status === 'True') return finished.reason === 'Failed' ? 'Failed' : 'Finished-True';
  if (wl.conditions.get('QuotaReserved')?.status === 'True') return 'QuotaReserved-True';
  return wl.conditions.get('Evicted')?.status === 'True' ? 'Evicted-True' : 'QuotaReserved-False';
}

/** True while the workload holds quota. */
function holdsQuota(wl: Workload, deleted: boolean): boolean {
  return (
    !deleted && wl.conditions.get('QuotaReserved')?.status === 'True' && wl.conditions.get('Finished')?.status !== 'True'
  );
}

interface FlavorShare {
  amounts: Amounts;
  pods: number;
}

/**
 * Splits an admitted workload by flavor. Each pod set assignment maps resources to flavors; a
 * resource without a mapping goes to the pod set's only flavor when it has exactly one.
 */
function sharesByFlavor(wl: Workload): Map<string, FlavorShare> {
  const shares = new Map<string, FlavorShare>();
  for (const psa of wl.assignments) {
    const distinct = [...new Set(Object.values(psa.flavors))];
    const fallback = distinct.length === 1 ? (distinct[0] as string) : '';
    const used = new Set<string>();
    for (const [resource, qty] of psa.resourceUsage) {
      const flavor = psa.flavors[resource] ?? fallback;
      const share = shares.get(flavor) ?? { amounts: new Map(), pods: 0 };
      share.amounts.set(resource, (share.amounts.get(resource) ?? 0n) + qty);
      shares.set(flavor, share);
      used.add(flavor);
    }
    if (used.size === 0) used.add(fallback);
    for (const flavor of used) {
      const share = shares.get(flavor) ?? { amounts: new Map(), pods: 0 };
      share.pods += psa.count;
      shares.set(flavor, share);
    }
  }
  return shares;
}

export function workloadRows(wl: Workload, ctx: RowContext): Row[] {
  const deleted = ctx.deletedAt !== null || ctx.recordKind === 'delete';
  const cond = (type: string) => wl.conditions.get(type);
  const isTrue = (type: string) => cond(type)?.status === 'True';
  const team = ctx.state.teams.teamOfWorkload(wl.meta.namespace, wl.clusterQueue, wl.queueName);
  const shares = wl.assignments.length
    ? sharesByFlavor(wl)
    : new Map<string, FlavorShare>([['', { amounts: wl.requests, pods: wl.podCount }]]);
  const common: Row = {
    workload_name: wl.meta.name,
    timestamp: ctx.timestamp,
    namespace: wl.meta.namespace,
    resource_version: wl.meta.resourceVersion,
    team,
    status: workloadStatus(wl, deleted),
    task_priority_class: wl.priorityClass,
  };
  const tail: Row = {
    admitted: holdsQuota(wl, deleted),
    finished: isTrue('Finished'),
    uid: wl.meta.uid,
    cluster_queue: wl.clusterQueue,
    queue_name: wl.queueName,
  };
  return [...shares].map(([flavor, share]) => {
    const amounts = splitAmounts(share.amounts);
    return {
      ...common,
      instance_type: flavor ? ctx.state.instanceTypeOfFlavor(flavor) : '',
      cpu: orZero(amounts.known.cpu),
      gpu: orZero(amounts.known.gpu),
      neuron_core: orZero(amounts.known.neuron_core),
      ...tail,
      flavor,
      priority: wl.priority === null ? null : BigInt(wl.priority),
      memory_bytes: orZero(amounts.known.memory_bytes),
      neuron_device: orZero(amounts.known.neuron_device),
      efa: orZero(amounts.known.efa),
      other_resources: amounts.otherJson,
      pod_count: share.pods,
      job_kind: wl.job?.kind ?? '',
      job_name: wl.job?.name ?? '',
      job_uid: wl.job?.uid ?? '',
      created_at: wl.meta.creationMs,
      quota_transition_at: cond('QuotaReserved')?.transitionMs ?? null,
      admitted_at: isTrue('Admitted') ? (cond('Admitted')?.transitionMs ?? null) : null,
      evicted_at: isTrue('Evicted') ? (cond('Evicted')?.transitionMs ?? null) : null,
      eviction_reason: isTrue('Evicted') ? (cond('Evicted')?.reason ?? '') : '',
      preemption_reason: isTrue('Preempted') ? (cond('Preempted')?.reason ?? '') : '',
      finished_at: isTrue('Finished') ? (cond('Finished')?.transitionMs ?? null) : null,
      finished_reason: isTrue('Finished') ? (cond('Finished')?.reason ?? '') : '',
      requeue_count: wl.requeueCount,
      past_admitted_seconds: wl.pastAdmittedSeconds,
      active: wl.active,
      deleted_at: ctx.deletedAt,
      ...provenance(ctx),
    };
  });
}

// ---------------------------------------------------------------------------------------------

export function podRow(pod: Pod, ctx: RowContext): Row {
  const owner = controllerOf(pod.meta);
  const amounts = splitAmounts(pod.requests);
  return {
    pod: pod.meta.name,
    timestamp: ctx.timestamp,
    namespace: pod.meta.namespace,
    resource_version: pod.meta.resourceVersion,
    status: pod.phase,
    owner: owner?.name ?? pod.meta.name,
    instance_type: pod.nodeName ? ctx.state.instanceTypeOfNode(pod.nodeName) : '',
    job_type: owner?.kind ?? '',
    assigned_node: pod.nodeName,
    cpu: orZero(amounts.known.cpu),
    gpu: orZero(amounts.known.gpu),
    neuron_core: orZero(amounts.known.neuron_core),
    priority_class: pod.priorityClass,
    uid: pod.meta.uid,
    team: ctx.state.teams.teamOfNamespace(pod.meta.namespace),
    owner_uid: owner?.uid ?? '',
    memory_bytes: orZero(amounts.known.memory_bytes),
    neuron_device: orZero(amounts.known.neuron_device),
    efa: orZero(amounts.known.efa),
    other_resources: amounts.otherJson,
    created_at: pod.meta.creationMs,
    scheduled_at: pod.scheduledMs,
    started_at: pod.startMs,
    finished_at: pod.finishedMs,
    deleted_at: ctx.deletedAt,
    ...provenance(ctx),
  };
}

// ---------------------------------------------------------------------------------------------

const NODE_LABELS = {
  instanceGroup: 'sagemaker.amazonaws.com/instance-group-name',
  health: 'sagemaker.amazonaws.com/node-health-status',
  deepHealth: 'sagemaker.amazonaws.com/deep-health-check-status',
  faultTypes: 'sagemaker.amazonaws.com/fault-types',
  faultReasons: 'sagemaker.amazonaws.com/fault-reasons',
} as const;

export function nodeRow(node: Node, ctx: RowContext): Row {
  const labels = node.meta.labels;
  const capacity = splitAmounts(node.capacity);
  const allocatable = splitAmounts(node.allocatable);
  const row: Row = {
    name: node.meta.name,
    timestamp: ctx.timestamp,
    resource_version: node.meta.resourceVersion,
    uid: node.meta.uid,
    instance_type: ctx.state.instanceTypeOfNode(node.meta.name) || (labels['node.kubernetes.io/instance-type'] ?? ''),
    instance_group: labels[NODE_LABELS.instanceGroup] ?? '',
  };
  for (const key of RESOURCE_KEYS) row[`${key}_capacity`] = orZero(capacity.known[key]);
  for (const key of RESOURCE_KEYS) row[`${key}_allocatable`] = orZero(allocatable.known[key]);
  return Object.assign(row, {
    other_resources: mergeOther({ capacity: capacity.otherJson, allocatable: allocatable.otherJson }),
    ready: node.ready,
    ready_transition_at: node.readyTransitionMs,
    unschedulable: node.unschedulable,
    health_status: labels[NODE_LABELS.health] ?? '',
    deep_health_check_status: labels[NODE_LABELS.deepHealth] ?? '',
    fault_types: labels[NODE_LABELS.faultTypes] ?? '',
    fault_reasons: labels[NODE_LABELS.faultReasons] ?? '',
    created_at: node.meta.creationMs,
    deleted_at: ctx.deletedAt,
    ...provenance(ctx),
  });
}

/** A heartbeat; its cluster is the partition folder it is written to, as for every raw table. */
export function heartbeatRow(timestamp: number, writerId: string, version: string, snapshot: boolean, flushIntervalMs: number): Row {
  return {
    timestamp,
    writer_id: writerId,
    collector_version: version,
    snapshot,
    flush_interval_seconds: flushIntervalMs / 1000,
  };
}
