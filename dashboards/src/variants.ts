/**
 * The three variants of every dashboard, from the same panel definitions:
 *
 * - app: bundled with the app plugin; usage panels query the app's usage data source with the
 *   UsageQuery object itself (the data source compiles it and resolves `$team` & co.);
 * - portable: for Amazon Managed Grafana and any Grafana without the app; the same compiled SQL
 *   aimed at grafana-athena-datasource, with Grafana's range macros and `${var:sqlstring}`;
 * - local: the same SQL in DuckDB dialect on motherduck-duckdb-datasource, over the demo's
 *   Parquet mounted into the local Grafana (docker-compose.yaml).
 *
 * Exporter panels query Prometheus in every variant.
 */
import {
  USAGE_DATASOURCE_TYPE,
  compileUsageQuery,
  compileVariableQuery,
  localRelations,
  parquetRelations,
  type CompiledQuery,
  type Dialect,
  type Dimension,
  type DashboardVariant,
  type QueryScope,
  type UsageQuery,
} from '@hyperpod-usage/model';
import { SENTINEL_FROM, SENTINEL_TO, templateSql, variableSentinel } from './sql-template.js';

/** Where docker-compose.yaml mounts the demo's usage data (out/demo/usage-data) in the Grafana container. */
export const LOCAL_DATA_PATH = '/var/lib/grafana/hyperpod-usage-data';

export const ATHENA_DATASOURCE_TYPE = 'grafana-athena-datasource';
export const DUCKDB_DATASOURCE_TYPE = 'motherduck-duckdb-datasource';

/** Names of the data source variables; panels refer to `${usage}` and `${prometheus}`. */
export const USAGE_DS_VARIABLE = 'usage';
export const PROMETHEUS_DS_VARIABLE = 'prometheus';

export interface DatasourceRef {
  type: string;
  uid: string;
}

/** A filter on a dashboard variable: the team filter follows `$team`. */
export interface VariableFilter {
  dimension: Dimension;
  variable: string;
}

/** A usage query as the dashboards define it: filters name variables, never literal values. */
export interface UsagePanelQuery extends Omit<UsageQuery, 'filters'> {
  filters: readonly VariableFilter[];
}

export interface Variant {
  name: DashboardVariant;
  usageDatasourceType: string;
  usageDatasource: DatasourceRef;
  prometheus: DatasourceRef;
  /** The panel target for a usage query. */
  usageTarget(refId: string, query: UsagePanelQuery): Record<string, unknown>;
  /** The `query` of a template variable listing a dimension's values. */
  variableQuery(dimension: Dimension, filters: readonly VariableFilter[]): string | Record<string, unknown>;
  /** The compiled query (fields, and SQL for the SQL variants), for units and tests. */
  compiled(query: UsagePanelQuery): CompiledQuery;
}

const usageDs = (type: string): DatasourceRef => ({ type, uid: `\${${USAGE_DS_VARIABLE}}` });
const prometheus: DatasourceRef = { type: 'prometheus', uid: `\${${PROMETHEUS_DS_VARIABLE}}` };

function sentinelScope(dialect: Dialect): QueryScope {
  // Athena: unqualified tables (the data source's database) and the range left to its macros.
  if (dialect === 'athena') return { dialect, relations: localRelations(), from: SENTINEL_FROM, to: SENTINEL_TO, clusters: [], timeMacros: true };
  return { dialect, relations: parquetRelations(LOCAL_DATA_PATH), from: SENTINEL_FROM, to: SENTINEL_TO, clusters: [] };
}

const asSentinels = (filters: readonly VariableFilter[]) => filters.map((f) => ({ dimension: f.dimension, values: [variableSentinel(f.variable)] }));
const variablesOf = (filters: readonly VariableFilter[]) => filters.map((f) => f.variable);

/** The SQL of a usage query with the dashboard's range and variables left to Grafana. */
export function templatedUsageSql(query: UsagePanelQuery, dialect: Dialect): CompiledQuery {
  const compiled = compileUsageQuery({ ...query, filters: asSentinels(query.filters) }, sentinelScope(dialect));
  return { ...compiled, sql: templateSql(compiled.sql, dialect, variablesOf(query.filters)) };
}

export function templatedVariableSql(dimension: Dimension, filters: readonly VariableFilter[], dialect: Dialect): string {
  const compiled = compileVariableQuery({ dimension, filters: asSentinels(filters) }, sentinelScope(dialect));
  return templateSql(compiled.sql, dialect, variablesOf(filters));
}

/** Athena: format is a number (0 time series, 1 table); the frontend defaults to table, so always set it. */
const ATHENA_CONNECTION = { region: '__default', catalog: '__default', database: '__default', resultReuseEnabled: true, resultReuseMaxAgeInMinutes: 60 };

const app: Variant = {
  name: 'app',
  usageDatasourceType: USAGE_DATASOURCE_TYPE,
  usageDatasource: usageDs(USAGE_DATASOURCE_TYPE),
  prometheus,
  // The usage data source's target (src/datasource/types.ts): the structured query under `usage`.
  usageTarget: (refId, query) => ({
    refId,
    datasource: usageDs(USAGE_DATASOURCE_TYPE),
    queryType: 'usage',
    usage: { ...query, filters: query.filters.map((f) => ({ dimension: f.dimension, values: [`$${f.variable}`] })) },
  }),
  variableQuery: (dimension, filters) => ({ dimension, filters: filters.map((f) => ({ dimension: f.dimension, values: [`$${f.variable}`] })) }),
  // The app's data source compiles at run time; the fields are the same as Athena's.
  compiled: (query) => templatedUsageSql(query, 'athena'),
};

const portable: Variant = {
  name: 'portable',
  usageDatasourceType: ATHENA_DATASOURCE_TYPE,
  usageDatasource: usageDs(ATHENA_DATASOURCE_TYPE),
  prometheus,
  usageTarget: (refId, query) => ({
    refId,
    datasource: usageDs(ATHENA_DATASOURCE_TYPE),
    format: query.format === 'time_series' ? 0 : 1,
    rawSQL: templatedUsageSql(query, 'athena').sql,
    connectionArgs: ATHENA_CONNECTION,
  }),
  variableQuery: (dimension, filters) => ({ refId: 'variable', format: 1, rawSQL: templatedVariableSql(dimension, filters, 'athena'), connectionArgs: ATHENA_CONNECTION }),
  compiled: (query) => templatedUsageSql(query, 'athena'),
};

const local: Variant = {
  name: 'local',
  usageDatasourceType: DUCKDB_DATASOURCE_TYPE,
  usageDatasource: usageDs(DUCKDB_DATASOURCE_TYPE),
  prometheus,
  usageTarget: (refId, query) => ({
    refId,
    datasource: usageDs(DUCKDB_DATASOURCE_TYPE),
    format: query.format,
    rawSql: templatedUsageSql(query, 'duckdb').sql,
    editorMode: 'code',
  }),
  variableQuery: (dimension, filters) => ({ refId: 'variable', format: 'table', rawSql: templatedVariableSql(dimension, filters, 'duckdb'), editorMode: 'code' }),
  compiled: (query) => templatedUsageSql(query, 'duckdb'),
};

export const VARIANTS: Readonly<Record<DashboardVariant, Variant>> = { app, portable, local };
