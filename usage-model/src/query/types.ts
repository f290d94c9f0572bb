/**
 * The usage query model: what a panel, a page or a template variable asks of the rollups, and
 * what the compiler hands back. Shared by the Grafana data source, the dashboards and the
 * benchmarks; pure TypeScript (the browser bundle imports it).
 */
import type { ResourceKey } from '../resources.js';
import type { RollupTableName } from '../rollup-schema.js';
import type { Dialect } from '../sql/dialect.js';
import type { Relations } from '../sql/relations.js';

export type Measure =
  | 'hours'
  | 'own_hours'
  | 'borrowed_hours'
  | 'lent_hours'
  | 'unused_hours'
  | 'nominal_hours'
  | 'idle_hours'
  | 'cost'
  | 'quota_share';

export type Dimension = 'cluster' | 'team' | 'namespace' | 'task' | 'priority_class' | 'instance_type';
export type QueryInterval = 'auto' | 'hour' | 'day' | 'week' | 'month';
export type QueryFormat = 'time_series' | 'table';

export const MEASURES: readonly Measure[] = [
  'hours',
  'own_hours',
  'borrowed_hours',
  'lent_hours',
  'unused_hours',
  'nominal_hours',
  'idle_hours',
  'cost',
  'quota_share',
];
export const DIMENSIONS: readonly Dimension[] = ['cluster', 'team', 'namespace', 'task', 'priority_class', 'instance_type'];
export const QUERY_INTERVALS: readonly QueryInterval[] = ['auto', 'hour', 'day', 'week', 'month'];
export const QUERY_FORMATS: readonly QueryFormat[] = ['time_series', 'table'];

export interface DimensionFilter {
  dimension: Dimension;
  values: readonly string[];
  /** true: NOT IN (values). */
  exclude?: boolean;
  /**
   * For SQL that a Grafana SQL data source interpolates itself (portable dashboards on
   * grafana-athena-datasource): the name of a dashboard variable. The filter becomes
   * `IN (${name:sqlstring})` — Grafana's format that quotes each value and doubles its quotes,
   * one literal per value — and `values` are not used. The usage data source never sets it: it
   * resolves variables with interpolateFilters.
   */
  variable?: string;
}

/** What a panel asks for. Several measures in one query = one column each (pages batch panels). */
export interface UsageQuery {
  measures: readonly Measure[];
  resource: ResourceKey;
  groupBy: readonly Dimension[];
  filters: readonly DimensionFilter[];
  interval: QueryInterval;
  format: QueryFormat;
  /** Keep the N largest groups over the range (by the first measure), the rest summed into {@link OTHER_GROUP}. */
  topN?: number;
}

/** Where and over what the query runs. */
export interface QueryScope {
  dialect: Dialect;
  /** athenaRelations(db), or parquetRelations(dataPath) for DuckDB inside Grafana. */
  relations: Relations;
  /** Epoch ms, [from, to). */
  from: number;
  to: number;
  /** [] = all clusters. */
  clusters: readonly string[];
  /** For interval 'auto'. */
  maxDataPoints?: number;
  /**
   * Athena only: leave the range to grafana-athena-datasource's macros (`$__timeFrom()`,
   * `$__rawTimeFrom(yyyyMMdd)`, ...) instead of literals, for SQL stored in portable dashboards
   * and alert rules. `from`/`to` then only choose the 'auto' interval.
   */
  timeMacros?: boolean;
}

export type FieldType = 'time' | 'string' | 'number';

export interface CompiledField {
  name: string;
  type: FieldType;
  /** Grafana unit id: 'h', 'currencyUSD', 'percentunit', 'suffix:…'. */
  unit?: string;
  displayName?: string;
}

/** A table the statement reads, and the columns of it that it references (for scan estimates). */
export interface TableScan {
  table: RollupTableName;
  columns: readonly string[];
}

export interface CompiledQuery {
  sql: string;
  fields: readonly CompiledField[];
  /** Rollup tables read and their referenced columns (partition keys included). */
  scans?: readonly TableScan[];
  /** The interval the buckets use, once 'auto' is resolved (time series only). */
  interval?: Exclude<QueryInterval, 'auto'>;
}

/** A query the rollups cannot answer, or a malformed one: the message is one line for people. */
export class QueryModelError extends Error {
  override name = 'QueryModelError';
}

/**
 * The group that holds everything below the top N. Kubernetes names (teams, namespaces, tasks,
 * priority classes) are lower case and instance types start with `ml.`, so no real group is
 * called this.
 */
export const OTHER_GROUP = 'Other';
