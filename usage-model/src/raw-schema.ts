/**
 * The raw usage tables written by the collector: the data contract.
 *
 * A superset of AWS's sagemaker-hyperpod-usage-report raw tables: every upstream column keeps its
 * name (lower case) and type, so the upstream Glue tables and queries keep working on our data, and
 * our extra columns come after them. Athena maps Parquet columns by name, so order is cosmetic.
 */
import { RESOURCES, type ResourceKey } from './resources.js';

/** Glue/Hive column types used by the contract. */
export type ColumnType = 'string' | 'double' | 'boolean' | 'timestamp' | 'bigint' | 'int' | 'date';

export interface Column {
  name: string;
  type: ColumnType;
  description: string;
  /** True when AWS's usage report has this column (same name and type). */
  upstream?: boolean;
}

export type RawTableName = 'clusterqueue' | 'workload' | 'pod' | 'heartdub' | 'node';

export interface RawTable {
  name: RawTableName;
  description: string;
  columns: readonly Column[];
  /** Hive partition keys, all strings, zero-padded. */
  partitionKeys: readonly string[];
  /** True for AWS's tables (ours add columns to them); false for tables only we have. */
  upstream: boolean;
}

export const TIME_PARTITION_KEYS = ['year', 'month', 'day', 'hour'] as const;
export const CLUSTER_PARTITION_KEYS = [...TIME_PARTITION_KEYS, 'cluster'] as const;

const col = (name: string, type: ColumnType, description: string): Column => ({ name, type, description });
const up = (name: string, type: ColumnType, description: string): Column => ({
  name,
  type,
  description,
  upstream: true,
});

/** Columns every record of ours carries, after the table's own. */
const provenanceColumns: readonly Column[] = [
  col('record_kind', 'string', "Why the record was written: 'change' (the object changed), 'snapshot' (hourly or start-up state of every live object) or 'delete'."),
  col('observed_at', 'timestamp', 'When the collector saw this state (UTC); `timestamp` may be earlier when Kubernetes states the transition time.'),
  col('writer_id', 'string', 'Collector process that wrote the record (pod name and boot id).'),
];

function resourceColumns(suffix: string, describe: (label: string, unit: string) => string, only?: ResourceKey[]): Column[] {
  return RESOURCES.filter((r) => !only || only.includes(r.key)).map((r) =>
    col(`${r.key}_${suffix}`, 'double', describe(r.label, r.unit)),
  );
}

const otherResourcesColumn = col(
  'other_resources',
  'string',
  'JSON object of the quantities of Kubernetes resources without a column of their own (MIG slices, hugepages, ...), keyed by resource name.',
);

const clusterqueue: RawTable = {
  name: 'clusterqueue',
  upstream: true,
  description:
    'One row per ClusterQueue and flavor, on every change of the ClusterQueue and in every snapshot: quota usage (flavorsUsage), nominal quota and limits.',
  partitionKeys: CLUSTER_PARTITION_KEYS,
  columns: [
    up('instance_type', 'string', 'Instance type of the flavor (the flavor name on HyperPod, else its instance-type node label).'),
    up('timestamp', 'timestamp', 'Record time (UTC); the partition is derived from it.'),
    up('namespace', 'string', "The team's namespace (from the LocalQueues that point to the ClusterQueue, or the naming convention)."),
    up('resource_version', 'string', 'metadata.resourceVersion of the ClusterQueue.'),
    up('team', 'string', 'Team that owns the ClusterQueue.'),
    up('gpu_total', 'double', 'GPUs in use by admitted workloads (flavorsUsage total, including borrowed).'),
    up('gpu_borrowed', 'double', 'GPUs in use above the nominal quota (flavorsUsage borrowed).'),
    up('cpu_total', 'double', 'vCPUs in use by admitted workloads.'),
    up('cpu_borrowed', 'double', 'vCPUs in use above the nominal quota.'),
    up('neuron_core_total', 'double', 'NeuronCores in use by admitted workloads.'),
    up('neuron_core_borrowed', 'double', 'NeuronCores in use above the nominal quota.'),
    col('cluster_queue', 'string', 'ClusterQueue name.'),
    col('uid', 'string', 'metadata.uid of the ClusterQueue.'),
    col('flavor', 'string', 'ResourceFlavor name.'),
    col('cohort', 'string', 'Cohort the ClusterQueue borrows from and lends to (spec.cohort, v1beta2 spec.cohortName).'),
    ...resourceColumns('total', (l, u) => `${l} in use (${u}), including borrowed.`, ['memory_bytes', 'neuron_device', 'efa']),
    ...resourceColumns('borrowed', (l, u) => `${l} in use above the nominal quota (${u}).`, ['memory_bytes', 'neuron_device', 'efa']),
    ...resourceColumns('nominal', (l, u) => `Nominal quota of ${l} (${u}).`),
    ...resourceColumns('borrowing_limit', (l, u) => `Borrowing limit of ${l} (${u}); null when unlimited.`),
    ...resourceColumns('lending_limit', (l, u) => `Lending limit of ${l} (${u}); null when unlimited.`),
    otherResourcesColumn,
    col('pending_workloads', 'int', 'Workloads waiting in the ClusterQueue (status.pendingWorkloads).'),
    col('reserving_workloads', 'int', 'Workloads holding a quota reservation (status.reservingWorkloads).'),
    col('admitted_workloads', 'int', 'Admitted workloads (status.admittedWorkloads).'),
    col('deleted_at', 'timestamp', 'When the ClusterQueue was deleted; null while it exists.'),
    ...provenanceColumns,
  ],
};

const workload: RawTable = {
  name: 'workload',
  upstream: true,
  description:
    'One row per Kueue Workload and assigned flavor (one row with an empty instance_type while pending), on every change and in every snapshot.',
  partitionKeys: CLUSTER_PARTITION_KEYS,
  columns: [
    up('workload_name', 'string', 'Workload name (the task).'),
    up('timestamp', 'timestamp', 'Record time (UTC): the Kubernetes transition time of the change when it states one, else the observation time.'),
    up('namespace', 'string', 'Workload namespace.'),
    up('resource_version', 'string', 'metadata.resourceVersion of the Workload.'),
    up('team', 'string', 'Team: of the admitting ClusterQueue, else of the namespace.'),
    up('status', 'string', "'<Condition>-<Status>' of the defining condition: QuotaReserved-True, QuotaReserved-False, Evicted-True, Finished-True; 'Failed' when it finished with a failure; 'Deleted'."),
    up('task_priority_class', 'string', 'WorkloadPriorityClass (or PriorityClass) name.'),
    up('instance_type', 'string', 'Instance type of the assigned flavor; empty while pending.'),
    up('cpu', 'double', 'vCPUs of the workload on this flavor (admission resourceUsage, else the pod sets requests).'),
    up('gpu', 'double', 'GPUs of the workload on this flavor.'),
    up('neuron_core', 'double', 'NeuronCores of the workload on this flavor.'),
    up('admitted', 'boolean', 'True while the workload holds quota: QuotaReserved=True, not finished, not deleted.'),
    up('finished', 'boolean', 'True once Finished=True.'),
    col('uid', 'string', 'metadata.uid of the Workload.'),
    col('cluster_queue', 'string', 'Admitting ClusterQueue (status.admission.clusterQueue).'),
    col('queue_name', 'string', 'LocalQueue (spec.queueName).'),
    col('flavor', 'string', 'ResourceFlavor name of this row.'),
    col('priority', 'bigint', 'Priority value (spec.priority).'),
    col('memory_bytes', 'double', 'Memory of the workload on this flavor, bytes.'),
    col('neuron_device', 'double', 'Neuron devices of the workload on this flavor.'),
    col('efa', 'double', 'EFA interfaces of the workload on this flavor.'),
    otherResourcesColumn,
    col('pod_count', 'int', 'Pods of the workload on this flavor.'),
    col('job_kind', 'string', 'Kind of the owning job (PyTorchJob, Job, HyperPodPyTorchJob, Pod, ...).'),
    col('job_name', 'string', 'Name of the owning job.'),
    col('job_uid', 'string', 'UID of the owning job.'),
    col('created_at', 'timestamp', 'metadata.creationTimestamp (submission).'),
    col('quota_transition_at', 'timestamp', 'lastTransitionTime of the QuotaReserved condition: when the quota was last reserved (admitted=true) or released.'),
    col('admitted_at', 'timestamp', 'lastTransitionTime of Admitted=True; null otherwise.'),
    col('evicted_at', 'timestamp', 'lastTransitionTime of Evicted=True; null otherwise.'),
    col('eviction_reason', 'string', 'Reason of Evicted=True (Preempted, PodsReadyTimeout, NodeFailures, ...).'),
    col('preemption_reason', 'string', 'Reason of Preempted=True (InClusterQueue, InCohortReclamation, ...).'),
    col('finished_at', 'timestamp', 'lastTransitionTime of Finished=True; null otherwise.'),
    col('finished_reason', 'string', 'Reason of Finished=True (Succeeded, Failed, ...).'),
    col('requeue_count', 'int', 'status.requeueState.count.'),
    col('past_admitted_seconds', 'double', 'Seconds admitted in earlier admit/evict cycles (status.accumulatedPastExexcutionTimeSeconds).'),
    col('active', 'boolean', 'spec.active (false when deactivated).'),
    col('deleted_at', 'timestamp', 'deletionTimestamp, or when the deletion was observed; null while it exists.'),
    ...provenanceColumns,
  ],
};

const pod: RawTable = {
  name: 'pod',
  upstream: true,
  description: 'One row per pod that Kueue does not govern, on every change and in every snapshot.',
  partitionKeys: CLUSTER_PARTITION_KEYS,
  columns: [
    up('pod', 'string', 'Pod name.'),
    up('timestamp', 'timestamp', 'Record time (UTC): the Kubernetes transition time of the change when it states one, else the observation time.'),
    up('namespace', 'string', 'Pod namespace.'),
    up('resource_version', 'string', 'metadata.resourceVersion of the Pod.'),
    up('status', 'string', 'status.phase: Pending, Running, Succeeded, Failed, Unknown.'),
    up('owner', 'string', 'Name of the controlling owner (the task), else the pod name.'),
    up('instance_type', 'string', 'Instance type of the node the pod runs on.'),
    up('job_type', 'string', 'Kind of the controlling owner (Job, ReplicaSet, DaemonSet, ...).'),
    up('assigned_node', 'string', 'spec.nodeName.'),
    up('cpu', 'double', 'vCPUs requested (containers summed, init containers as Kubernetes counts them, plus overhead).'),
    up('gpu', 'double', 'GPUs requested.'),
    up('neuron_core', 'double', 'NeuronCores requested.'),
    up('priority_class', 'string', 'spec.priorityClassName.'),
    col('uid', 'string', 'metadata.uid of the Pod.'),
    col('team', 'string', 'Team of the namespace; empty when the namespace belongs to no team.'),
    col('owner_uid', 'string', 'UID of the controlling owner.'),
    col('memory_bytes', 'double', 'Memory requested, bytes.'),
    col('neuron_device', 'double', 'Neuron devices requested.'),
    col('efa', 'double', 'EFA interfaces requested.'),
    otherResourcesColumn,
    col('created_at', 'timestamp', 'metadata.creationTimestamp.'),
    col('scheduled_at', 'timestamp', 'lastTransitionTime of PodScheduled=True: from here the node capacity is held.'),
    col('started_at', 'timestamp', 'status.startTime.'),
    col('finished_at', 'timestamp', 'When the last container terminated, for Succeeded/Failed pods.'),
    col('deleted_at', 'timestamp', 'deletionTimestamp, or when the deletion was observed; null while it exists.'),
    ...provenanceColumns,
  ],
};

const node: RawTable = {
  name: 'node',
  upstream: false,
  description: 'One row per node on every relevant change (capacity, readiness, schedulability, health labels) and in every snapshot.',
  partitionKeys: CLUSTER_PARTITION_KEYS,
  columns: [
    col('name', 'string', 'Node name.'),
    col('timestamp', 'timestamp', 'Record time (UTC).'),
    col('resource_version', 'string', 'metadata.resourceVersion of the Node.'),
    col('uid', 'string', 'metadata.uid of the Node.'),
    col('instance_type', 'string', 'node.kubernetes.io/instance-type label.'),
    col('instance_group', 'string', 'sagemaker.amazonaws.com/instance-group-name label.'),
    ...resourceColumns('capacity', (l, u) => `${l} capacity (${u}).`),
    ...resourceColumns('allocatable', (l, u) => `${l} allocatable (${u}).`),
    col('other_resources', 'string', 'JSON {"capacity": {...}, "allocatable": {...}} of resources without a column of their own.'),
    col('ready', 'boolean', 'Ready condition is True.'),
    col('ready_transition_at', 'timestamp', 'lastTransitionTime of the Ready condition.'),
    col('unschedulable', 'boolean', 'spec.unschedulable (cordoned).'),
    col('health_status', 'string', 'sagemaker.amazonaws.com/node-health-status label.'),
    col('deep_health_check_status', 'string', 'sagemaker.amazonaws.com/deep-health-check-status label.'),
    col('fault_types', 'string', 'sagemaker.amazonaws.com/fault-types label.'),
    col('fault_reasons', 'string', 'sagemaker.amazonaws.com/fault-reasons label.'),
    col('created_at', 'timestamp', 'metadata.creationTimestamp.'),
    col('deleted_at', 'timestamp', 'deletionTimestamp, or when the deletion was observed; null while it exists.'),
    ...provenanceColumns,
  ],
};

const heartdub: RawTable = {
  name: 'heartdub',
  upstream: true,
  description:
    "Heartbeat (AWS's name, sic): one row per flush of the leading collector. Hours without one are missing-data periods. " +
    "AWS's table has a `cluster` column and no cluster folder; here `cluster` is the partition key, as in the other raw tables " +
    "(queries read it as a column all the same), so that IAM can confine each collector to its own cluster's keys.",
  // The cluster folder lets the collector role's PutObject grant name its own cluster, heartbeats included.
  partitionKeys: CLUSTER_PARTITION_KEYS,
  columns: [
    up('timestamp', 'timestamp', 'Flush time (UTC).'),
    col('writer_id', 'string', 'Collector process that wrote the heartbeat.'),
    col('collector_version', 'string', 'Collector version.'),
    col('snapshot', 'boolean', 'True when a full snapshot of every live object was written with this timestamp.'),
    col('flush_interval_seconds', 'double', 'Configured flush interval: the expected gap between heartbeats.'),
  ],
};

export const RAW_TABLES: Readonly<Record<RawTableName, RawTable>> = { clusterqueue, workload, pod, node, heartdub };
export const RAW_TABLE_NAMES: readonly RawTableName[] = ['clusterqueue', 'workload', 'pod', 'heartdub', 'node'];

/** Column names of a table, in order. */
export function columnNames(table: RawTable): string[] {
  return table.columns.map((c) => c.name);
}
