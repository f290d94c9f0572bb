/**
 * The Tasks page's table: one row per task over the range, from task_daily — who ran it, what it
 * held, its status on the last day, how often it was admitted and preempted, and how long it
 * waited for its first admission. Searchable by task name, sortable by any column.
 */
import type { ResourceKey } from '../resources.js';
import { sqlNumber, sqlText } from '../sql/dialect.js';
import { rangePredicates } from './range.js';
import { PARTITION_COLUMNS, column, resourceColumn } from './columns.js';
import { checkScope, filterPredicate } from './compile-usage.js';
import { dimensionField, measureField } from './fields.js';
import { NEURON, PRICE, ROW, USAGE_SOURCES } from './sources.js';
import { neuronCores, neuronCoresTable } from '../sql/neuron.js';
import { unitPricesTable } from '../sql/cost.js';
import { DIMENSIONS, QueryModelError, type CompiledField, type CompiledQuery, type Dimension, type DimensionFilter, type QueryScope } from './types.js';

export type TaskListSort = 'hours' | 'cost' | 'preemptions' | 'queue_wait_seconds' | 'first_admitted_at' | 'task';

export interface TaskListQuery {
  resource: ResourceKey;
  filters: readonly DimensionFilter[];
  /** Part of the task name, any case. */
  search?: string;
  sort?: TaskListSort;
  /** Rows at most (default 500). */
  limit?: number;
}

const TASK_DIMENSIONS: Partial<Record<Dimension, string>> = {
  cluster: 'cluster',
  team: 'team',
  namespace: 'namespace',
  task: 'task_name',
  priority_class: 'priority_class',
  instance_type: 'instance_type',
};

export function compileTaskListQuery(query: TaskListQuery, scope: QueryScope): CompiledQuery {
  checkScope(scope);
  const limit = query.limit ?? 500;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= 10000)) throw new QueryModelError(`the row limit must be a whole number from 1 to 10000, got ${limit}`);
  const c = (name: string): string => `${ROW}.${column('task_daily', name)}`;
  const dim = (d: Dimension): string => {
    if (!DIMENSIONS.includes(d)) throw new QueryModelError(`unknown dimension ${JSON.stringify(d)}`);
    const name = TASK_DIMENSIONS[d] as string;
    return PARTITION_COLUMNS.includes(name) ? c(name) : `coalesce(${c(name)}, '')`;
  };
  // A row's day is its partition's: the day predicate is the range, in whole UTC days. The
  // partition strings are zero-padded, so they order as dates do (the date column itself,
  // TASK_DAILY_DATE_COLUMN, shares its name with the `day` partition key until it is renamed).
  const dayKey = `${c('year')} || ${c('month')} || ${c('day')}`;
  const where = [
    ...rangePredicates(scope, ROW, null),
    ...query.filters.map((f) => filterPredicate(dim(f.dimension), f)),
    ...(query.search ? [`strpos(lower(${c('task_name')}), lower(${sqlText(query.search)})) > 0`] : []),
  ];
  // NeuronCores count whole devices too, as everywhere else.
  const neuron = query.resource === 'neuron_core';
  const hours = neuron
    ? neuronCores(c(resourceColumn('task_daily', 'neuron_core', 'hours')), c(resourceColumn('task_daily', 'neuron_device', 'hours')), NEURON)
    : c(resourceColumn('task_daily', query.resource, 'hours'));
  // A task's cost is its instance type's unit resource priced, whatever resource the page shows.
  const cost = USAGE_SOURCES.find((s) => s.table === 'task_daily')?.measure('cost', query.resource);
  if (!cost) throw new Error('task_daily has no cost');
  const join = `
  LEFT JOIN ${neuronCoresTable()} ${NEURON} ON ${NEURON}.instance_type = ${c('instance_type')}
  LEFT JOIN ${unitPricesTable(scope.relations)} ${PRICE} ON ${PRICE}.instance_type = ${c('instance_type')}`;
  const order: Record<TaskListSort, string> = {
    hours: '"hours" DESC NULLS LAST',
    cost: '"cost" DESC NULLS LAST',
    preemptions: '"preemptions" DESC NULLS LAST',
    queue_wait_seconds: '"queue_wait_seconds" DESC NULLS LAST',
    first_admitted_at: '"first_admitted_at" DESC NULLS LAST',
    task: '"task"',
  };
  const sort = query.sort ?? 'hours';
  if (!(sort in order)) throw new QueryModelError(`unknown sort ${JSON.stringify(sort)}`);
  const sql = `SELECT coalesce(${c('task_name')}, '') AS "task", coalesce(${c('namespace')}, '') AS "namespace", coalesce(${c('team')}, '') AS "team",
       coalesce(${c('priority_class')}, '') AS "priority_class", coalesce(${c('instance_type')}, '') AS "instance_type",
       max_by(${c('status')}, ${dayKey}) AS "status", min(${c('created_at')}) AS "created_at", min(${c('first_admitted_at')}) AS "first_admitted_at",
       max(${c('ended_at')}) AS "ended_at", max(${c('admissions')}) AS "admissions", max(${c('preemptions')}) AS "preemptions",
       max(${c('queue_wait_seconds')}) AS "queue_wait_seconds", sum(${hours}) AS "hours", sum(${cost.parts[0]}) AS "cost"
  FROM ${scope.relations.task_daily} ${ROW}${join}
 WHERE ${where.join('\n   AND ')}
 GROUP BY ${c('task_uid')}, 1, 2, 3, 4, 5
 ORDER BY ${order[sort]}, "task", "namespace"
 LIMIT ${sqlNumber(limit)}`;
  const fields: CompiledField[] = [
    dimensionField('task'),
    dimensionField('namespace'),
    dimensionField('team'),
    dimensionField('priority_class'),
    dimensionField('instance_type'),
    { name: 'status', type: 'string', displayName: 'Status' },
    { name: 'created_at', type: 'time', displayName: 'Submitted' },
    { name: 'first_admitted_at', type: 'time', displayName: 'First admitted' },
    { name: 'ended_at', type: 'time', displayName: 'Ended' },
    { name: 'admissions', type: 'number', unit: 'none', displayName: 'Admissions' },
    { name: 'preemptions', type: 'number', unit: 'none', displayName: 'Preemptions' },
    { name: 'queue_wait_seconds', type: 'number', unit: 's', displayName: 'Queue wait' },
    measureField('hours', query.resource),
    measureField('cost', query.resource),
  ];
  const columns = [...PARTITION_COLUMNS, 'task_uid', 'task_name', 'namespace', 'team', 'priority_class', 'instance_type', 'status', 'created_at', 'first_admitted_at', 'ended_at', 'admissions', 'preemptions', 'queue_wait_seconds', resourceColumn('task_daily', query.resource, 'hours'), ...cost.columns];
  const prices = { table: 'prices' as const, columns: ['instance_type', 'unit_resource', 'unit_price_per_hour'] };
  return { sql, fields, scans: [{ table: 'task_daily', columns: [...new Set(columns)] }, prices] };
}
