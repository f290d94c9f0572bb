/**
 * Queries behind the CSV/PDF reports: they read the rollup tables for a range of UTC days, one
 * cluster, and optionally one namespace or task. Every value enters the SQL as an escaped literal.
 */
import { DAY_MS } from '../layout.js';
import { sqlString } from './dialect.js';
import { neuronCores, neuronCoresTable } from './neuron.js';
import { dayPartitionPredicate } from './partitions.js';
import type { Relations } from './relations.js';

export interface ReportScope {
  relations: Relations;
  /** UTC midnight of the first day and of the last day (both included), epoch ms. */
  firstDay: number;
  lastDay: number;
  cluster: string;
  namespace?: string;
  task?: string;
}

function where(scope: ReportScope, options: { namespace?: boolean; task?: boolean } = {}): string {
  const conditions = [dayPartitionPredicate(scope.firstDay, scope.lastDay + DAY_MS), `cluster = ${sqlString(scope.cluster)}`];
  if (options.namespace !== false && scope.namespace !== undefined) conditions.push(`namespace = ${sqlString(scope.namespace)}`);
  if (options.task && scope.task !== undefined) conditions.push(`task_name = ${sqlString(scope.task)}`);
  return conditions.join(' AND ');
}


export function summaryRowsSql(scope: ReportScope): string {
  return `SELECT CAST(report_date AS VARCHAR) AS report_date, namespace, team, instance_type,
       total_neuron_core_utilization_hours, allocated_neuron_core_utilization_hours, borrowed_neuron_core_utilization_hours,
       total_gpu_utilization_hours, allocated_gpu_utilization_hours, borrowed_gpu_utilization_hours,
       total_vcpu_utilization_hours, allocated_vcpu_utilization_hours, borrowed_vcpu_utilization_hours
  FROM ${scope.relations.summary_report}
 WHERE ${where(scope)}
 ORDER BY report_date, namespace, team, instance_type`;
}

export function detailedRowsSql(scope: ReportScope): string {
  return `SELECT CAST(report_date AS VARCHAR) AS report_date, period_start, period_end, namespace, team, task_name, instance, status,
       utilized_neuron_core_hours, utilized_neuron_core_count, utilized_gpu_hours, utilized_gpu_count,
       utilized_vcpu_hours, utilized_vcpu_count, priority_class
  FROM ${scope.relations.detailed_report}
 WHERE ${where(scope, { task: true })}
 ORDER BY report_date, period_start, namespace, team, task_name`;
}

/** Per task and day it waited for quota: its wait before the first admission and after evictions. */
export function waitRowsSql(scope: ReportScope): string {
  return `SELECT CAST(usage_date AS VARCHAR) AS report_date, namespace, team, task_name, kind, status, preemptions,
       pending_seconds, requeue_wait_seconds
  FROM ${scope.relations.task_daily}
 WHERE ${where(scope, { task: true })} AND pending_seconds > 0
 ORDER BY report_date, namespace, team, task_name, task_uid`;
}

/** Idle capacity per day and instance type (cluster-wide: idle belongs to no namespace). */
export function idleRowsSql(scope: ReportScope): string {
  return `SELECT CAST(CAST(hour AS DATE) AS VARCHAR) AS report_date, c.instance_type,
       sum(gpu_idle_hours) AS gpu_hours, sum(cpu_idle_hours) AS vcpu_hours,
       sum(${neuronCores('neuron_core_idle_hours', 'neuron_device_idle_hours')}) AS neuron_core_hours,
       sum(neuron_device_idle_hours) AS neuron_device_hours
  FROM ${scope.relations.capacity_hourly} c LEFT JOIN ${neuronCoresTable()} nc ON nc.instance_type = c.instance_type
 WHERE ${where(scope, { namespace: false })}
 GROUP BY CAST(hour AS DATE), c.instance_type
HAVING sum(gpu_idle_hours) + sum(cpu_idle_hours) + sum(neuron_device_idle_hours) + sum(neuron_core_idle_hours) > 0
 ORDER BY 1, 2`;
}

/** Per day, team and instance type: lent quota, and the bases for sharing idle cost. */
export function teamQuotaRowsSql(scope: ReportScope): string {
  return `SELECT CAST(CAST(hour AS DATE) AS VARCHAR) AS report_date, namespace, team, t.instance_type,
       sum(gpu_lent_hours) AS lent_gpu_hours, sum(cpu_lent_hours) AS lent_vcpu_hours,
       sum(${neuronCores('neuron_core_lent_hours', 'neuron_device_lent_hours')}) AS lent_neuron_core_hours,
       sum(gpu_nominal_hours) AS nominal_gpu_hours, sum(cpu_nominal_hours) AS nominal_vcpu_hours,
       sum(neuron_device_nominal_hours) AS nominal_neuron_device_hours,
       sum(gpu_hours) AS used_gpu_hours, sum(cpu_hours) AS used_vcpu_hours, sum(neuron_device_hours) AS used_neuron_device_hours
  FROM ${scope.relations.team_hourly} t LEFT JOIN ${neuronCoresTable()} nc ON nc.instance_type = t.instance_type
 WHERE ${where(scope)}
 GROUP BY CAST(hour AS DATE), namespace, team, t.instance_type
 ORDER BY 1, 2, 3, 4`;
}

export function pricesSql(relations: Relations): string {
  return `SELECT instance_type, region, price_per_hour, unit_resource, units_per_instance, unit_price_per_hour, source
  FROM ${relations.prices} ORDER BY instance_type`;
}

/** Hours that have a heartbeat, for finding the periods without data. */
export function heartbeatHoursSql(scope: ReportScope): string {
  return `SELECT DISTINCT year, month, day, hour FROM ${scope.relations.heartdub}
 WHERE ${dayPartitionPredicate(scope.firstDay, scope.lastDay + DAY_MS)} AND cluster = ${sqlString(scope.cluster)}`;
}
