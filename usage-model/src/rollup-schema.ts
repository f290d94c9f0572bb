/**
 * The rollup tables the aggregation writes from the raw records: what dashboards, reports and
 * alerts read. Partitioned by UTC day and cluster, so a dashboard over 30 days reads 30 small
 * partitions. Upstream's `summary_report` and `detailed_report` keep AWS's exact columns so the
 * upstream report tool reads our data.
 *
 * Quantities are resource-hours. Memory is in GiB in rollups (GiB-hours), bytes in raw records.
 */
import type { Column, ColumnType } from './raw-schema.js';
import { RESOURCES, type ResourceKey } from './resources.js';

export type RollupTableName =
  | 'team_hourly'
  | 'task_hourly'
  | 'capacity_hourly'
  | 'task_daily'
  | 'summary_report'
  | 'detailed_report'
  | 'prices';

export interface RollupTable {
  name: RollupTableName;
  description: string;
  columns: readonly Column[];
  partitionKeys: readonly string[];
  /** Folder under the bucket (and prefix) that holds the table. */
  location: string;
  /** AWS's report tables, kept column for column. */
  upstream: boolean;
}

export const ROLLUP_PARTITION_KEYS = ['year', 'month', 'day', 'cluster'] as const;

/** Column stem of a resource in rollups: memory is counted in GiB there. */
export function rollupStem(key: ResourceKey): string {
  return key === 'memory_bytes' ? 'memory_gib' : key;
}

export const ROLLUP_STEMS: readonly string[] = RESOURCES.map((r) => rollupStem(r.key));

const col = (name: string, type: ColumnType, description: string): Column => ({ name, type, description });

function perResource(suffix: string, describe: (label: string) => string): Column[] {
  return RESOURCES.map((r) => col(`${rollupStem(r.key)}_${suffix}`, 'double', describe(r.label)));
}

const teamHourly: RollupTable = {
  name: 'team_hourly',
  upstream: false,
  location: 'rollups/team_hourly',
  description:
    "Quota view per hour, team (ClusterQueue) and flavor: usage split into own quota and borrowed, the team's quota lent to others, and quota nobody used.",
  partitionKeys: ROLLUP_PARTITION_KEYS,
  columns: [
    col('hour', 'timestamp', 'Start of the UTC hour.'),
    col('team', 'string', 'Team.'),
    col('namespace', 'string', "Team's namespace."),
    col('cluster_queue', 'string', 'ClusterQueue.'),
    col('cohort', 'string', 'Cohort.'),
    col('flavor', 'string', 'ResourceFlavor.'),
    col('instance_type', 'string', 'Instance type of the flavor.'),
    ...perResource('hours', (l) => `${l}-hours in use by the team's admitted workloads.`),
    ...perResource('own_hours', (l) => `${l}-hours in use within the team's nominal quota.`),
    ...perResource('borrowed_hours', (l) => `${l}-hours in use above the nominal quota (borrowed).`),
    ...perResource('lent_hours', (l) => `${l}-hours of the team's nominal quota used by other teams of the cohort.`),
    ...perResource('nominal_hours', (l) => `${l}-hours of nominal quota (quota × time).`),
    ...perResource('unused_hours', (l) => `${l}-hours of nominal quota neither used by the team nor lent.`),
  ],
};

const taskColumns: Column[] = [
  col('task_uid', 'string', 'UID of the Workload, or of the pod for pods outside Kueue.'),
  col('task_name', 'string', 'Workload name, or the owner name of a pod outside Kueue.'),
  col('kind', 'string', "'workload' (Kueue) or 'pod' (outside Kueue)."),
  col('namespace', 'string', 'Namespace.'),
  col('team', 'string', 'Team.'),
  col('cluster_queue', 'string', 'Admitting ClusterQueue; empty for pods outside Kueue.'),
  col('priority_class', 'string', 'Priority class.'),
  col('instance_type', 'string', 'Instance type.'),
  col('job_kind', 'string', 'Kind of the owning job.'),
  col('job_name', 'string', 'Name of the owning job.'),
];

const taskHourly: RollupTable = {
  name: 'task_hourly',
  upstream: false,
  location: 'rollups/task_hourly',
  description: 'Resource-hours per hour and task (Kueue workload or pod outside Kueue) and instance type.',
  partitionKeys: ROLLUP_PARTITION_KEYS,
  columns: [col('hour', 'timestamp', 'Start of the UTC hour.'), ...taskColumns, ...perResource('hours', (l) => `${l}-hours held.`)],
};

const capacityHourly: RollupTable = {
  name: 'capacity_hourly',
  upstream: false,
  location: 'rollups/capacity_hourly',
  description: 'Schedulable capacity per hour and instance type, what was held of it, and what stood idle.',
  partitionKeys: ROLLUP_PARTITION_KEYS,
  columns: [
    col('hour', 'timestamp', 'Start of the UTC hour.'),
    col('instance_type', 'string', 'Instance type.'),
    col('node_hours', 'double', 'Hours of Ready, schedulable nodes.'),
    ...perResource('capacity_hours', (l) => `${l}-hours of allocatable capacity on Ready, schedulable nodes.`),
    ...perResource('used_hours', (l) => `${l}-hours held by workloads and pods.`),
    ...perResource('idle_hours', (l) => `${l}-hours of capacity nobody held.`),
  ],
};

const taskDaily: RollupTable = {
  name: 'task_daily',
  upstream: false,
  location: 'rollups/task_daily',
  description: 'One row per task and day it held capacity or waited: lifecycle facts and resource-hours of that day.',
  partitionKeys: ROLLUP_PARTITION_KEYS,
  columns: [
    // Not `day`: that is a partition key, and Athena rejects a table whose column repeats one.
    col('usage_date', 'date', 'UTC day.'),
    ...taskColumns,
    col('created_at', 'timestamp', 'Submission (creation) time.'),
    col('first_admitted_at', 'timestamp', 'First admission (or scheduling, for pods).'),
    col('ended_at', 'timestamp', 'When it last released its capacity; null while running.'),
    col('status', 'string', 'finished, failed, preempted, running, pending or deleted, at the end of the day.'),
    col('admissions', 'int', 'Admissions so far.'),
    col('preemptions', 'int', 'Preemptions so far.'),
    col('queue_wait_seconds', 'double', 'Seconds from creation to first admission.'),
    col('requeue_wait_seconds', 'double', 'Seconds of the day spent pending again after an eviction or preemption (waiting to be admitted again).'),
    col('pending_seconds', 'double', 'Seconds of the day spent pending: before the first admission and after every eviction.'),
    ...perResource('hours', (l) => `${l}-hours held that day.`),
  ],
};

const summaryReport: RollupTable = {
  name: 'summary_report',
  upstream: true,
  location: 'reports/summary',
  description: "AWS's summary report table: hours per day, namespace, team and instance type.",
  partitionKeys: ROLLUP_PARTITION_KEYS,
  columns: [
    col('report_date', 'date', 'UTC day.'),
    col('namespace', 'string', 'Namespace.'),
    col('team', 'string', 'Team.'),
    col('instance_type', 'string', 'Instance type.'),
    ...['neuron_core', 'gpu', 'vcpu'].flatMap((r) => [
      col(`total_${r}_utilization_hours`, 'double', `${r} hours in use.`),
      col(`allocated_${r}_utilization_hours`, 'double', `${r} hours within the team's quota.`),
      col(`borrowed_${r}_utilization_hours`, 'double', `${r} hours borrowed.`),
    ]),
  ],
};

const detailedReport: RollupTable = {
  name: 'detailed_report',
  upstream: true,
  location: 'reports/detailed',
  description: "AWS's detailed report table: one row per continuous admitted interval of a task within a day.",
  partitionKeys: ROLLUP_PARTITION_KEYS,
  columns: [
    col('report_date', 'date', 'UTC day.'),
    col('period_start', 'timestamp', 'Start of the interval.'),
    col('period_end', 'timestamp', 'End of the interval (the next midnight when it runs on).'),
    col('namespace', 'string', 'Namespace.'),
    col('team', 'string', 'Team.'),
    col('task_name', 'string', 'Task.'),
    col('instance', 'string', 'Instance type.'),
    col('instance_count', 'int', 'Tasks in the row (1).'),
    col('status', 'string', 'Finished, Failed, Preempted or Running (Succeeded for pods).'),
    col('utilized_neuron_core_hours', 'double', 'NeuronCore-hours.'),
    col('utilized_neuron_core_count', 'double', 'NeuronCores held.'),
    col('utilized_gpu_hours', 'double', 'GPU-hours.'),
    col('utilized_gpu_count', 'double', 'GPUs held.'),
    col('utilized_vcpu_hours', 'double', 'vCPU-hours.'),
    col('utilized_vcpu_count', 'double', 'vCPUs held.'),
    col('priority_class', 'string', 'Priority class.'),
  ],
};

const prices: RollupTable = {
  name: 'prices',
  upstream: false,
  location: 'reference/prices',
  description:
    'The price table the aggregation used: hourly price per instance type and how it splits per accelerator or vCPU. Written whole on every run that aggregates a day (an incremental run with nothing changed writes nothing).',
  partitionKeys: [],
  columns: [
    col('instance_type', 'string', 'Instance type.'),
    col('region', 'string', 'AWS region the price applies to.'),
    col('price_per_hour', 'double', 'Price of one instance-hour.'),
    col('currency', 'string', 'ISO currency code.'),
    col('unit_resource', 'string', "Resource the price is charged on: 'gpu', 'neuron_device' or 'cpu'."),
    col('units_per_instance', 'double', 'Units of that resource per instance.'),
    col('unit_price_per_hour', 'double', 'Price per unit-hour (price_per_hour / units_per_instance).'),
    col('source', 'string', "Where the price comes from ('default', 'price-list', 'cur' or 'override'), a colon, and its reference."),
    col('as_of', 'date', 'Date the price was taken.'),
  ],
};

export const ROLLUP_TABLES: Readonly<Record<RollupTableName, RollupTable>> = {
  team_hourly: teamHourly,
  task_hourly: taskHourly,
  capacity_hourly: capacityHourly,
  task_daily: taskDaily,
  summary_report: summaryReport,
  detailed_report: detailedReport,
  prices,
};

export const ROLLUP_TABLE_NAMES: readonly RollupTableName[] = Object.keys(ROLLUP_TABLES) as RollupTableName[];

/**
 * Columns of a table that share a name with one of its partition keys. Athena rejects (or
 * misreads) such a table and DuckDB's Hive reader shadows one with the other, so it must be empty.
 */
export function columnsNamedLikePartitionKeys(table: { columns: readonly { name: string }[]; partitionKeys: readonly string[] }): string[] {
  const keys = new Set(table.partitionKeys.map((k) => k.toLowerCase()));
  return table.columns.map((c) => c.name).filter((name) => keys.has(name.toLowerCase()));
}
