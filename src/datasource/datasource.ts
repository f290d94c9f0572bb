/**
 * The usage data source: a frontend data source that compiles structured usage queries into SQL
 * with the shared model and runs them through a configured Amazon Athena (or, on one machine,
 * DuckDB) data source instance. The delegate's own query flow is kept — Athena's asynchronous
 * polling, its loading states, its credentials on the server — this class only writes the SQL and
 * types the frames that come back.
 */
import {
  DataSourceApi,
  dateTime,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type LegacyMetricFindQueryOptions,
  type MetricFindValue,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getDataSourceSrv, getTemplateSrv, type DataSourceSrv, type TemplateSrv } from '@grafana/runtime';
import {
  athenaRelations,
  compileAnnotationQuery,
  compilePageQuery,
  compileUsageQuery,
  compileVariableQuery,
  healthCheckQueries,
  healthCheckVerdict,
  interpolateClusters,
  interpolateFilters,
  interpolateValues,
  pageScope,
  parquetRelations,
  sqlLiterals,
  type CompiledQuery,
  type QueryScope,
  type TemplateVariableLookup,
} from '@hyperpod-usage/model';
import { lastValueFrom, from, of, map, mergeMap, type Observable } from 'rxjs';
import { applyCompiledFields } from './frames';
import { sqlTarget } from './sql-targets';
import { variableLookup } from './template-variables';
import { ATHENA_TYPE, DEFAULT_USAGE_QUERY, type UsageDataQuery, type UsageDataSourceOptions, type UsageVariableQuery } from './types';

/** A setting that is missing or wrong, said in one line that tells what to do. */
export class UsageConfigError extends Error {}

interface PreparedTarget {
  refId: string;
  compiled: CompiledQuery;
  format: 'time_series' | 'table';
}

export class UsageDataSource extends DataSourceApi<UsageDataQuery, UsageDataSourceOptions> {
  readonly options: UsageDataSourceOptions;

  constructor(
    settings: DataSourceInstanceSettings<UsageDataSourceOptions>,
    private readonly dataSources: Pick<DataSourceSrv, 'get'> = getDataSourceSrv(),
    private readonly templates: TemplateSrv = getTemplateSrv(),
  ) {
    super(settings);
    this.options = settings.jsonData ?? {};
    this.annotations = {};
  }

  getDefaultQuery(): Partial<UsageDataQuery> {
    return { queryType: 'usage', usage: DEFAULT_USAGE_QUERY };
  }

  filterQuery(query: UsageDataQuery): boolean {
    return !query.hide;
  }

  /** Where and over what a statement runs; throws UsageConfigError when the settings cannot say. */
  scope(range: { from: number; to: number }, lookup: TemplateVariableLookup, maxDataPoints?: number): QueryScope {
    const sql = this.options.sqlDatasource;
    if (!sql?.uid) throw new UsageConfigError('No SQL data source chosen: open the usage data source settings and pick an Amazon Athena or DuckDB data source.');
    let relations;
    if (sql.type === ATHENA_TYPE) {
      if (!this.options.database) throw new UsageConfigError('No Athena database set: enter the stack\'s DatabaseName output in the usage data source settings.');
      relations = athenaRelations(this.options.database);
    } else {
      if (!this.options.dataPath) throw new UsageConfigError('No data path set: enter the folder that holds rollups/ (for the demo, out/demo/usage-data) in the usage data source settings.');
      relations = parquetRelations(this.options.dataPath);
    }
    return {
      dialect: sql.type === ATHENA_TYPE ? 'athena' : 'duckdb',
      relations,
      from: range.from,
      to: range.to,
      clusters: interpolateClusters(this.options.clusters ?? [], lookup),
      maxDataPoints,
    };
  }

  /** The statement a target runs, compiled (builder mode) or as the user wrote it (raw mode). */
  compileTarget(target: UsageDataQuery, scope: QueryScope, lookup: TemplateVariableLookup, request?: DataQueryRequest<UsageDataQuery>): PreparedTarget {
    if (target.queryType === 'page' && target.page) {
      // Pages pass values they picked themselves; the model escapes each one.
      const format = target.page.kind === 'usage' ? target.page.query.format : 'table';
      return { refId: target.refId, compiled: compilePageQuery(target.page, pageScope(target.page.range, scope)), format };
    }
    if (target.queryType === 'annotations') {
      const teams = interpolateValues(target.annotation?.teams ?? [], lookup);
      return { refId: target.refId, compiled: compileAnnotationQuery({ teams: teams === 'all' ? [] : teams }, scope), format: 'table' };
    }
    const usage = target.usage ?? DEFAULT_USAGE_QUERY;
    if (target.rawMode && target.rawSql) {
      // Raw SQL keeps Athena's own macros ($__timeFilter…); variables become escaped literals.
      const sql = this.templates.replace(target.rawSql, request?.scopedVars, sqlLiterals);
      return { refId: target.refId, compiled: { sql, fields: [] }, format: target.rawFormat ?? usage.format };
    }
    const query = { ...usage, filters: interpolateFilters(usage.filters, lookup) };
    return { refId: target.refId, compiled: compileUsageQuery(query, scope), format: usage.format };
  }

  query(request: DataQueryRequest<UsageDataQuery>): Observable<DataQueryResponse> {
    const targets = request.targets.filter((t) => this.filterQuery(t));
    if (targets.length === 0) return of({ data: [] });
    let prepared: PreparedTarget[];
    try {
      const lookup = variableLookup(this.templates, request.scopedVars);
      const scope = this.scope({ from: request.range.from.valueOf(), to: request.range.to.valueOf() }, lookup, request.maxDataPoints);
      prepared = targets.map((t) => this.compileTarget(t, scope, lookup, request));
    } catch (error) {
      return of({ data: [], error: { message: (error as Error).message } });
    }
    return this.runSql(request, prepared);
  }

  /** Runs prepared statements through the SQL data source, passing on every emission. */
  private runSql(request: DataQueryRequest<UsageDataQuery>, prepared: readonly PreparedTarget[]): Observable<DataQueryResponse> {
    const ref = this.options.sqlDatasource!;
    const byRefId = new Map(prepared.map((p) => [p.refId, p]));
    return from(this.dataSources.get({ uid: ref.uid, type: ref.type })).pipe(
      mergeMap((sql) => {
        const sqlRequest = {
          ...request,
          targets: prepared.map((p) => sqlTarget(p.refId, p.compiled.sql, p.format, ref, this.options)),
        } as unknown as DataQueryRequest;
        return sql.query(sqlRequest) as Observable<DataQueryResponse>;
      }),
      map((response) => ({
        ...response,
        data: response.data.map((frame) => {
          const p = byRefId.get(frame.refId);
          return p ? applyCompiledFields(frame, p.compiled.fields) : frame;
        }),
      })),
    );
  }

  /** One statement, its final answer only (for variables and the health check). */
  private async runOnce(compiled: CompiledQuery, range: { from: number; to: number }, format: 'table' | 'time_series' = 'table'): Promise<DataQueryResponse> {
    const request = {
      requestId: `hyperpod-usage-${Date.now()}`,
      app: 'hyperpod-usage',
      interval: '1h',
      intervalMs: 3_600_000,
      range: { from: dateTime(range.from), to: dateTime(range.to), raw: { from: dateTime(range.from), to: dateTime(range.to) } },
      scopedVars: {},
      targets: [],
      timezone: 'utc',
      startTime: Date.now(),
    } as unknown as DataQueryRequest<UsageDataQuery>;
    const empty: DataQueryResponse = { data: [] };
    const response = await lastValueFrom(this.runSql(request, [{ refId: 'A', compiled, format }]), { defaultValue: empty });
    if (response.error || response.errors?.length) throw new Error((response.error ?? response.errors?.[0])?.message ?? 'query failed');
    return response;
  }

  async metricFindQuery(query: UsageVariableQuery, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const range = options?.range ? { from: options.range.from.valueOf(), to: options.range.to.valueOf() } : defaultRange();
    const lookup = variableLookup(this.templates, options?.scopedVars);
    const scope = this.scope(range, lookup);
    const compiled = compileVariableQuery({ dimension: query.dimension, filters: interpolateFilters(query.filters ?? [], lookup) }, scope);
    const response = await this.runOnce(compiled, range);
    const values = new Set<string>();
    for (const frame of response.data) {
      const field = frame.fields.find((f: { name: string }) => f.name === compiled.fields[0]?.name) ?? frame.fields[0];
      for (const v of field?.values ?? []) if (v !== null && v !== undefined && v !== '') values.add(String(v));
    }
    return [...values].map((text) => ({ text }));
  }

  async testDatasource(): Promise<TestDataSourceResponse> {
    const now = Date.now();
    const maxAgeHours = this.options.maxAgeHours;
    try {
      const lookup = variableLookup(this.templates);
      const scope = this.scope({ from: now - 86_400_000, to: now }, lookup);
      try {
        await this.dataSources.get({ uid: this.options.sqlDatasource!.uid });
      } catch {
        throw new UsageConfigError(`The chosen SQL data source (uid ${this.options.sqlDatasource!.uid}) no longer exists: pick another one.`);
      }
      const target =
        scope.dialect === 'athena' ? { dialect: 'athena' as const, database: this.options.database! } : { dialect: 'duckdb' as const, dataPath: this.options.dataPath! };
      const queries = healthCheckQueries(scope, target, { maxAgeHours, now });
      const tables = columnValues(await this.runOnce(queries.tables, scope), 'table_name');
      let freshness: Array<{ cluster: string; lastHour: number }> | undefined;
      if (tables.length > 0) {
        const response = await this.runOnce(queries.freshness, scope);
        const clusters = columnValues(response, 'cluster');
        const hours = columnValues(response, 'last_hour');
        freshness = clusters.map((cluster, i) => ({ cluster, lastHour: toEpoch(hours[i]) }));
      }
      const verdict = healthCheckVerdict(scope, tables, freshness, { maxAgeHours, now });
      return { status: verdict.ok ? 'success' : 'error', message: verdict.message };
    } catch (error) {
      return { status: 'error', message: explainFailure(error as Error) };
    }
  }
}

function defaultRange(): { from: number; to: number } {
  const now = Date.now();
  return { from: now - 30 * 86_400_000, to: now };
}

function columnValues(response: DataQueryResponse, name: string): string[] {
  const out: string[] = [];
  for (const frame of response.data) {
    const field = frame.fields.find((f: { name: string }) => f.name === name);
    for (const v of field?.values ?? []) if (v !== null && v !== undefined) out.push(String(v));
  }
  return out;
}

function toEpoch(value: string | undefined): number {
  if (value === undefined) return Number.NaN;
  const n = Number(value);
  if (Number.isFinite(n)) return n;
  return Date.parse(/[zZ]$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** Athena's and DuckDB's failures, said as what the user should do. */
export function explainFailure(error: Error): string {
  const message = error.message;
  if (error instanceof UsageConfigError) return message;
  if (/AccessDenied|not authorized|UnauthorizedOperation|403/i.test(message)) {
    return `No permission to read the usage tables: give Grafana's role the stack's GrafanaReaderPolicyArn policy (${message.split('\n')[0]}).`;
  }
  if (/does not exist|not found|No files found|TABLE_NOT_FOUND|SCHEMA_NOT_FOUND/i.test(message)) {
    return `Usage tables not found: deploy the stack or run the aggregation, and check the database or data path (${message.split('\n')[0]}).`;
  }
  return `The SQL data source failed: ${message.split('\n')[0]}`;
}
