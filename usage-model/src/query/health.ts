/**
 * The data source's health check: two cheap statements and what their rows mean. The first
 * lists which rollup tables exist (Athena: the Glue catalog; DuckDB: whether the folder holds
 * Parquet files, without reading any); the second reads the latest hour of capacity per cluster
 * from the last few day partitions only. `healthCheckVerdict` turns the rows into one message.
 */
import { DAY_MS, HOUR_MS } from '../layout.js';
import { ROLLUP_TABLES, type RollupTableName } from '../rollup-schema.js';
import { sqlText, sqlTimestamp } from '../sql/dialect.js';
import { dayPartitionPredicate } from '../sql/partitions.js';
import { scopeClusterPredicate } from './range.js';
import { HOUR_COLUMN, column } from './columns.js';
import { parquetGlob } from './parquet-relations.js';
import type { CompiledQuery, QueryScope } from './types.js';

/** Tables the pages read. */
export const REQUIRED_TABLES: readonly RollupTableName[] = ['team_hourly', 'task_hourly', 'capacity_hourly', 'detailed_report', 'prices'];

/** Where the tables are: a Glue database (Athena) or a data path (DuckDB over local Parquet). */
export type HealthTarget = { dialect: 'athena'; database: string } | { dialect: 'duckdb'; dataPath: string };

export interface HealthCheckOptions {
  /** Data older than this is stale (default 3 hours: the aggregation runs hourly). */
  maxAgeHours?: number;
  /** Now, epoch ms (for tests). */
  now?: number;
}

export interface HealthCheckQueries {
  /** Rows: `table_name` of each required table that exists. */
  tables: CompiledQuery;
  /** Rows: `cluster`, `last_hour` (latest hour with capacity) per cluster with recent data. */
  freshness: CompiledQuery;
}

const DEFAULT_MAX_AGE_HOURS = 3;
const lookbackMs = (maxAgeHours: number): number => Math.ceil((maxAgeHours * HOUR_MS + 2 * DAY_MS) / DAY_MS) * DAY_MS;

export function healthCheckQueries(scope: QueryScope, target: HealthTarget, options: HealthCheckOptions = {}): HealthCheckQueries {
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS;
  const tables =
    target.dialect === 'athena'
      ? `SELECT table_name FROM information_schema.tables
 WHERE table_schema = ${sqlText(target.database)} AND table_name IN (${REQUIRED_TABLES.map(sqlText).join(', ')})
 ORDER BY 1`
      : `SELECT table_name FROM (
${REQUIRED_TABLES.map((t) => `SELECT ${sqlText(t)} AS table_name, count(*) AS files FROM glob(${sqlText(parquetGlob(target.dataPath, ROLLUP_TABLES[t].location, ROLLUP_TABLES[t].partitionKeys))})`).join('\n UNION ALL\n')}
) present WHERE files > 0
 ORDER BY 1`;
  const start = now - lookbackMs(maxAge);
  const hour = `c.${column('capacity_hourly', HOUR_COLUMN)}`;
  const freshness = `SELECT c.cluster AS "cluster", max(${hour}) AS "last_hour"
  FROM ${scope.relations.capacity_hourly} c
 WHERE ${dayPartitionPredicate(start, now + DAY_MS, 'c')}
   AND ${scopeClusterPredicate(scope, 'c')}
   AND ${hour} >= ${sqlTimestamp(start)}
 GROUP BY 1
 ORDER BY 1`;
  return {
    tables: { sql: tables, fields: [{ name: 'table_name', type: 'string' }] },
    freshness: {
      sql: freshness,
      fields: [
        { name: 'cluster', type: 'string' },
        { name: 'last_hour', type: 'time' },
      ],
      scans: [{ table: 'capacity_hourly', columns: ['year', 'month', 'day', 'cluster', HOUR_COLUMN] }],
    },
  };
}

export interface HealthVerdict {
  ok: boolean;
  /** One line for people: what is missing, or that all is well. */
  message: string;
}

/**
 * What the rows of the two statements mean. `tables` are the table names the first returned;
 * `freshness` the rows of the second (undefined when it was not run because tables are missing).
 */
export function healthCheckVerdict(
  scope: Pick<QueryScope, 'clusters'>,
  tables: readonly string[],
  freshness: ReadonlyArray<{ cluster: string; lastHour: number }> | undefined,
  options: HealthCheckOptions = {},
): HealthVerdict {
  const now = options.now ?? Date.now();
  const maxAge = options.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS;
  const missing = REQUIRED_TABLES.filter((t) => !tables.includes(t));
  if (missing.length === REQUIRED_TABLES.length) return { ok: false, message: 'No usage tables found: deploy the stack (or run the aggregation) and check the database or data path.' };
  if (missing.length > 0) return { ok: false, message: `Usage tables missing: ${missing.join(', ')}. Run the aggregation, or update the stack.` };
  const rows = freshness ?? [];
  const wanted = scope.clusters.length ? scope.clusters : rows.map((r) => r.cluster);
  const lookbackDays = lookbackMs(maxAge) / DAY_MS;
  if (wanted.length === 0 || rows.length === 0) {
    const which = scope.clusters.length ? `cluster ${scope.clusters.join(', ')}` : 'any cluster';
    return { ok: false, message: `No usage data for ${which} in the last ${lookbackDays} days: is the collector running and the aggregation scheduled?` };
  }
  const absent = wanted.filter((c) => !rows.some((r) => r.cluster === c));
  if (absent.length > 0) return { ok: false, message: `No usage data for cluster ${absent.join(', ')} in the last ${lookbackDays} days.` };
  const stale = rows.filter((r) => wanted.includes(r.cluster) && now - (r.lastHour + HOUR_MS) > maxAge * HOUR_MS);
  if (stale.length > 0) {
    const ages = stale.map((r) => `${r.cluster} ${Math.floor((now - r.lastHour - HOUR_MS) / HOUR_MS)} h`).join(', ');
    return { ok: false, message: `Usage data is older than ${maxAge} hours (${ages}): check the aggregation schedule.` };
  }
  return { ok: true, message: `Usage data is current for ${wanted.join(', ')}.` };
}

/**
 * The newest hour with capacity per cluster inside the scope's range: the pages' "data up to"
 * (the health check's freshness looks back from now instead, which says nothing about an old range).
 */
export function compileRangeFreshnessQuery(scope: QueryScope): CompiledQuery {
  const hour = `c.${column('capacity_hourly', HOUR_COLUMN)}`;
  const sql = `SELECT c.cluster AS "cluster", max(${hour}) AS "last_hour"
  FROM ${scope.relations.capacity_hourly} c
 WHERE ${dayPartitionPredicate(scope.from, scope.to, 'c')}
   AND ${scopeClusterPredicate(scope, 'c')}
   AND ${hour} >= ${sqlTimestamp(scope.from)}
   AND ${hour} < ${sqlTimestamp(scope.to)}
 GROUP BY 1
 ORDER BY 1`;
  return {
    sql,
    fields: [
      { name: 'cluster', type: 'string', displayName: 'Cluster' },
      { name: 'last_hour', type: 'time', displayName: 'Data up to' },
    ],
    scans: [{ table: 'capacity_hourly', columns: ['year', 'month', 'day', 'cluster', HOUR_COLUMN] }],
  };
}
