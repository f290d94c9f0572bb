/**
 * Template-variable queries: the distinct values of a dimension over the dashboard's range and
 * clusters, optionally narrowed by other dimensions (tasks of the chosen teams). Each dimension
 * is read from the rollup that lists it most completely: clusters and instance types from the
 * capacity (every node counts), teams from the quota view (teams with quota and no use too),
 * namespaces, tasks and priority classes from the task view (pods outside Kueue too).
 */
import { rangePredicates } from './range.js';
import { HOUR_COLUMN, PARTITION_COLUMNS, column } from './columns.js';
import { checkScope, filterPredicate } from './compile-usage.js';
import { dimensionField } from './fields.js';
import { ROW, USAGE_SOURCES, type UsageSource } from './sources.js';
import { DIMENSIONS, QueryModelError, type CompiledQuery, type Dimension, type DimensionFilter, type QueryScope } from './types.js';

const PREFERRED: Record<Dimension, UsageSource['table']> = {
  cluster: 'capacity_hourly',
  instance_type: 'capacity_hourly',
  team: 'team_hourly',
  namespace: 'task_hourly',
  task: 'task_hourly',
  priority_class: 'task_hourly',
};

export interface VariableQuery {
  dimension: Dimension;
  filters?: readonly DimensionFilter[];
}

export function compileVariableQuery(query: VariableQuery, scope: QueryScope): CompiledQuery {
  checkScope(scope);
  const filters = query.filters ?? [];
  for (const d of [query.dimension, ...filters.map((f) => f.dimension)]) {
    if (!DIMENSIONS.includes(d)) throw new QueryModelError(`unknown dimension ${JSON.stringify(d)}`);
  }
  const needed = [query.dimension, ...filters.map((f) => f.dimension)];
  const has = (s: UsageSource): boolean => needed.every((d) => s.dimensions[d] !== undefined);
  const preferred = USAGE_SOURCES.find((s) => s.table === PREFERRED[query.dimension]) as UsageSource;
  const source = has(preferred) ? preferred : USAGE_SOURCES.find(has);
  if (!source) throw new QueryModelError(`no rollup lists ${needed.join(' with ')}`);
  const col = (d: Dimension): string => {
    const name = source.dimensions[d] as string;
    return PARTITION_COLUMNS.includes(name) ? `${ROW}.${name}` : `coalesce(${ROW}.${name}, '')`;
  };
  const hour = `${ROW}.${column(source.table, HOUR_COLUMN)}`;
  const value = col(query.dimension);
  const where = [
    ...rangePredicates(scope, ROW, hour),
    // Pods outside Kueue have no team: an empty value is no choice to offer.
    `${value} <> ''`,
    ...filters.map((f) => filterPredicate(col(f.dimension), f)),
  ];
  const sql = `SELECT DISTINCT ${value} AS "${query.dimension}"
  FROM ${scope.relations[source.table]} ${ROW}
 WHERE ${where.join('\n   AND ')}
 ORDER BY 1`;
  const columns = new Set([HOUR_COLUMN, ...PARTITION_COLUMNS, ...needed.map((d) => source.dimensions[d] as string)]);
  return { sql, fields: [dimensionField(query.dimension)], scans: [{ table: source.table, columns: [...columns] }] };
}
