import type { DataQuery, DataSourceJsonData } from '@grafana/data';
import type { AnnotationQuery as UsageAnnotationQuery, PageQuery, QueryFormat, UsageQuery, VariableQuery } from '@hyperpod-usage/model';

/** The SQL data sources the usage data source runs its statements through. */
export const ATHENA_TYPE = 'grafana-athena-datasource';
export const DUCKDB_TYPE = 'motherduck-duckdb-datasource';
export type SqlDatasourceType = typeof ATHENA_TYPE | typeof DUCKDB_TYPE;
export const SQL_DATASOURCE_TYPES: readonly SqlDatasourceType[] = [ATHENA_TYPE, DUCKDB_TYPE];

export interface UsageDataSourceOptions extends DataSourceJsonData {
  sqlDatasource?: { uid: string; type: SqlDatasourceType };
  /** Athena: the Glue database of the stack (DatabaseName output). */
  database?: string;
  /** Athena connection arguments; `__default` means the Athena data source's own setting. */
  region?: string;
  catalog?: string;
  /** DuckDB: the folder that holds `rollups/` and `reports/` (the demo's `out/demo/usage-data`). */
  dataPath?: string;
  /** Clusters to show; empty means all. */
  clusters?: string[];
  /** Prometheus data source with the DCGM, Neuron and collector metrics. */
  prometheusUid?: string;
  /** Data older than this many hours makes the health check fail. */
  maxAgeHours?: number;
}

/** 'page': one statement of an app page's batch (pages.ts), compiled over the page's range. */
export type UsageQueryType = 'usage' | 'annotations' | 'page';

export interface UsageDataQuery extends DataQuery {
  queryType?: UsageQueryType;
  /** The structured query (builder mode). */
  usage?: UsageQuery;
  /** Raw SQL mode: the statement as the user edited it, starting from the compiled one. */
  rawMode?: boolean;
  rawSql?: string;
  rawFormat?: QueryFormat;
  /** Annotation queries: preemptions and evictions of these teams (template variables allowed). */
  annotation?: UsageAnnotationQuery;
  /** App pages: the page statement this target runs. */
  page?: PageQuery;
}

export type UsageVariableQuery = VariableQuery & { refId?: string };

export const DEFAULT_USAGE_QUERY: UsageQuery = {
  measures: ['own_hours', 'borrowed_hours'],
  resource: 'gpu',
  groupBy: ['team'],
  filters: [],
  interval: 'auto',
  format: 'time_series',
};

export { DIMENSION_LABEL as DIMENSION_LABELS } from '@hyperpod-usage/model';
