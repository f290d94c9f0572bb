/**
 * Column names of the rollup tables as the query compiler uses them, checked against
 * rollup-schema.ts when a statement is built: a renamed or removed column fails at compile time
 * with one line, instead of producing SQL that fails on Athena.
 */
import type { ResourceKey } from '../resources.js';
import { ROLLUP_PARTITION_KEYS, ROLLUP_TABLES, rollupStem, type RollupTableName } from '../rollup-schema.js';
import { QueryModelError } from './types.js';

const known = new Map<RollupTableName, Set<string>>(
  Object.values(ROLLUP_TABLES).map((t) => [t.name, new Set([...t.columns.map((c) => c.name), ...t.partitionKeys])]),
);

/** `name`, after checking that `table` has such a column. */
export function column(table: RollupTableName, name: string): string {
  if (!known.get(table)?.has(name)) throw new QueryModelError(`the ${table} rollup has no column ${name}`);
  return name;
}

/** A resource's column with a suffix: `gpu_own_hours`, `memory_gib_hours`, ... */
export function resourceColumn(table: RollupTableName, resource: ResourceKey, suffix: string): string {
  return column(table, `${rollupStem(resource)}_${suffix}`);
}

/** The hour every hourly rollup is keyed by. */
export const HOUR_COLUMN = 'hour';

/**
 * task_daily's date column. Another branch renames it from `day` (which clashes with the `day`
 * partition key) to `usage_date`: change it here only.
 */
export const TASK_DAILY_DATE_COLUMN = ROLLUP_TABLES.task_daily.columns.some((c) => c.name === 'usage_date') ? 'usage_date' : 'day';

export const PARTITION_COLUMNS: readonly string[] = ROLLUP_PARTITION_KEYS;
