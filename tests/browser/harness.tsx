/**
 * The browser harness: mounts the plugin's query editor, config editor and app pages with the real
 * @grafana/ui in a plain page, with Grafana's runtime services replaced by small stand-ins. The
 * SQL data source stand-in POSTs each statement to the test's local server, which runs it in
 * DuckDB over simulator rollups; everything between (the usage data source, the query model, the
 * pages) is the plugin's own code.
 */
// Grafana's boot data first: @grafana/runtime reads it when first imported.
import './boot-data';
import React, { useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import {
  createTheme,
  dateTime,
  PluginType,
  toDataFrame,
  type AppPluginMeta,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type DataSourcePluginMeta,
  type DataSourceSettings,
} from '@grafana/data';
import { setBackendSrv, setDataSourceSrv, setTemplateSrv, type BackendSrv, type DataSourceSrv, type PluginPageProps, type TemplateSrv } from '@grafana/runtime';
import { GlobalStyles, ThemeContext } from '@grafana/ui';
import { setPluginPage } from 'hpu-harness-plugin-page';
import { from, of, type Observable } from 'rxjs';
import App from '../../src/components/App/App';
import { DataTable } from '../../src/components/Viz/Viz';
import type { AppSettings } from '../../src/constants';
import { ConfigEditor } from '../../src/datasource/components/ConfigEditor';
import { QueryEditor } from '../../src/datasource/components/QueryEditor';
import { UsageDataSource } from '../../src/datasource/datasource';
import { ATHENA_TYPE, DUCKDB_TYPE, DEFAULT_USAGE_QUERY, type UsageDataQuery, type UsageDataSourceOptions } from '../../src/datasource/types';

/** What the test's server tells the page (see support/harness-server.ts). */
interface HarnessConfig {
  dataPath: string;
  emptyDataPath: string;
  cluster: string;
}

/** What the page tells the test. */
interface HarnessRecord {
  sqlRequests: Array<{ refId: string; format: unknown }>;
  promExprs: string[];
  queries: UsageDataQuery[];
  options?: DataSourceSettings<UsageDataSourceOptions>;
}

declare global {
  interface Window {
    __HPU_CONFIG__: HarnessConfig;
    __hpu: HarnessRecord;
  }
}

const config = window.__HPU_CONFIG__;
const record: HarnessRecord = (window.__hpu = { sqlRequests: [], promExprs: [], queries: [] });
const params = new URLSearchParams(window.location.search);

function meta(id: string, name: string): DataSourcePluginMeta {
  return { id, name, type: PluginType.datasource, module: '', baseUrl: '', info: { author: { name: '' }, description: '', links: [], logos: { small: '', large: '' }, screenshots: [], updated: '', version: '' } } as DataSourcePluginMeta;
}

function instance<T extends object>(uid: string, type: string, name: string, jsonData: T): DataSourceInstanceSettings<T & { [k: string]: unknown }> {
  return { id: uid.length, uid, type, name, meta: meta(type, name), jsonData: jsonData as T & { [k: string]: unknown }, access: 'proxy', readOnly: false };
}

const usageJson = (dataPath: string, extra: Partial<UsageDataSourceOptions> = {}): UsageDataSourceOptions => ({
  sqlDatasource: { uid: 'duckdb', type: DUCKDB_TYPE },
  dataPath,
  clusters: [config.cluster],
  prometheusUid: 'prometheus',
  ...extra,
});

const settingsByUid: Record<string, DataSourceInstanceSettings> = {
  usage: instance('usage', 'hyperpod-usage-datasource', 'HyperPod Usage (walkthrough)', usageJson(config.dataPath)),
  'usage-empty': instance('usage-empty', 'hyperpod-usage-datasource', 'HyperPod Usage (no tables)', usageJson(config.emptyDataPath)),
  'usage-unset': instance('usage-unset', 'hyperpod-usage-datasource', 'HyperPod Usage (not set up)', {}),
  duckdb: instance('duckdb', DUCKDB_TYPE, 'DuckDB (local rollups)', {}),
  athena: instance('athena', ATHENA_TYPE, 'Amazon Athena', {}),
  prometheus: instance('prometheus', 'prometheus', 'Prometheus (DCGM)', {}),
};

/** The SQL data source: every statement goes to the test's server and runs in DuckDB there. */
const sqlDatasource = {
  uid: 'duckdb',
  type: DUCKDB_TYPE,
  query(request: DataQueryRequest): Observable<DataQueryResponse> {
    const queries = (request.targets as unknown as Array<{ refId: string; rawSql: string; format: unknown }>).map((t) => ({ refId: t.refId, sql: t.rawSql, format: t.format }));
    record.sqlRequests.push(...queries.map((q) => ({ refId: q.refId, format: q.format })));
    return from(
      fetch('/sql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queries }) })
        .then((r) => r.json())
        .then((body: { frames: Array<Parameters<typeof toDataFrame>[0]>; error?: string }) =>
          body.error ? { data: [], error: { message: body.error } } : { data: body.frames.map((f) => toDataFrame(f)) },
        ),
    );
  },
};

/**
 * Prometheus: nothing here scrapes a DCGM exporter, so it answers the utilization query with a
 * flat 70 % per namespace the expression names, and records the expression for the test.
 */
const prometheusDatasource = {
  uid: 'prometheus',
  type: 'prometheus',
  query(request: DataQueryRequest): Observable<DataQueryResponse> {
    const frames: DataFrame[] = [];
    for (const target of request.targets as unknown as Array<{ refId: string; expr: string }>) {
      record.promExprs.push(target.expr);
      const namespaces = /namespace=~"([^"]*)"/.exec(target.expr)?.[1]?.split('|').map((n) => n.replace(/\\\\(.)/g, '$1')) ?? [];
      const step = Math.max(60_000, Math.floor((request.range.to.valueOf() - request.range.from.valueOf()) / 60));
      const times: number[] = [];
      for (let t = request.range.from.valueOf(); t <= request.range.to.valueOf(); t += step) times.push(t);
      for (const namespace of namespaces) {
        frames.push({ refId: target.refId, length: times.length, fields: [
          { name: 'Time', type: 'time', values: times, config: {} },
          { name: 'Value', type: 'number', values: times.map(() => 70), labels: { namespace }, config: {} },
        ] } as unknown as DataFrame);
      }
    }
    return of({ data: frames });
  },
};

const templateSrv = {
  getVariables: () => [],
  replace: (text: string) => text,
  containsTemplate: () => false,
  updateTimeRange: () => undefined,
} as unknown as TemplateSrv;

const dataSourceSrv: DataSourceSrv = {
  async get(ref) {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    if (uid === 'duckdb') return sqlDatasource as never;
    if (uid === 'prometheus') return prometheusDatasource as never;
    const settings = uid ? settingsByUid[uid] : undefined;
    if (!settings) throw new Error(`Data source ${uid} was not found`);
    return new UsageDataSource(settings as DataSourceInstanceSettings<UsageDataSourceOptions>, dataSourceSrv, templateSrv) as never;
  },
  getList(filters = {}) {
    const types = filters.type === undefined ? undefined : Array.isArray(filters.type) ? filters.type : [filters.type];
    return Object.values(settingsByUid).filter((s) => !types || types.includes(s.type));
  },
  getInstanceSettings(ref) {
    // Like Grafana's, by uid or by name (the legacy picker's options carry names).
    // No reference means Grafana's default data source (here Prometheus, as on many stacks).
    const key = typeof ref === 'string' ? ref : ref?.uid;
    return key ? (settingsByUid[key] ?? Object.values(settingsByUid).find((s) => s.name === key)) : settingsByUid.prometheus;
  },
  reload() {},
  registerRuntimeDataSource() {},
} as DataSourceSrv;

setDataSourceSrv(dataSourceSrv);
setTemplateSrv(templateSrv);
setBackendSrv({
  get: async () => ({}),
  post: async () => ({}),
  fetch: () => of({ data: {}, status: 200, ok: true }),
} as unknown as BackendSrv);

/** The page frame Grafana draws around an app page: title, subtitle, content. */
function PageFrame({ children, subTitle }: PluginPageProps) {
  const title = { overview: 'Overview', team: 'Team', tasks: 'Tasks', settings: 'Settings' }[(params.get('path') ?? '').split('/')[3]?.split('?')[0] ?? ''] ?? 'HyperPod Usage';
  return (
    <main style={{ padding: '16px 24px' }}>
      <h1 style={{ marginBottom: 4 }}>{title}</h1>
      {subTitle ? <div style={{ marginBottom: 16, opacity: 0.8 }}>{subTitle}</div> : null}
      {children}
    </main>
  );
}
setPluginPage(PageFrame);

function AppView() {
  const uid = params.get('uid') ?? 'usage';
  const jsonData: AppSettings = {
    ...(uid === 'none' ? {} : { usageDatasourceUid: uid }),
    alertSettings: {
      currency: 'USD',
      quota: { overNominalFor: '2h', atBorrowingLimitFor: '30m', borrowingLimitRatio: 1, pendingWhileLentFor: '15m', resources: ['gpu'] },
      budgets: [{ team: 'team-a', monthlyGpuHours: 400, monthlyCost: 800 }, { team: 'team-b', cluster: config.cluster, monthlyGpuHours: 200 }],
    },
  };
  const appMeta = { id: 'hyperpod-usage-app', name: 'HyperPod Usage', type: PluginType.app, enabled: true, jsonData } as unknown as AppPluginMeta<AppSettings>;
  return (
    <MemoryRouter initialEntries={[params.get('path') ?? '/a/hyperpod-usage-app/overview']}>
      <Routes>
        <Route path="/a/hyperpod-usage-app/*" element={<App meta={appMeta} path="/a/hyperpod-usage-app" query={{}} basename="/a/hyperpod-usage-app" onNavChanged={() => undefined} />} />
      </Routes>
    </MemoryRouter>
  );
}

function QueryEditorView() {
  const settings = settingsByUid.usage as DataSourceInstanceSettings<UsageDataSourceOptions>;
  const datasource = useMemo(() => new UsageDataSource(settings, dataSourceSrv, templateSrv), [settings]);
  const [query, setQuery] = useState<UsageDataQuery>({ refId: 'A', queryType: 'usage', usage: { ...DEFAULT_USAGE_QUERY, format: 'table' } });
  const [result, setResult] = useState<DataFrame | string>();
  const timeRange = useMemo(() => {
    const from = dateTime(Number(params.get('from')));
    const to = dateTime(Number(params.get('to')));
    return { from, to, raw: { from, to } };
  }, []);
  const latest = React.useRef(query);
  const run = () => {
    const request = { requestId: 'editor', app: 'harness', interval: '1h', intervalMs: 3_600_000, maxDataPoints: 400, range: timeRange, scopedVars: {}, targets: [latest.current], timezone: 'utc', startTime: Date.now() } as DataQueryRequest<UsageDataQuery>;
    datasource.query(request).subscribe((response) => setResult(response.error ? response.error.message ?? 'error' : (response.data[0] as DataFrame)));
  };
  return (
    <main style={{ padding: 24 }}>
      <h1>Query editor</h1>
      <QueryEditor
        datasource={datasource}
        query={query}
        range={timeRange}
        onChange={(q) => {
          latest.current = q;
          record.queries.push(q);
          setQuery(q);
        }}
        onRunQuery={() => setTimeout(run, 0)}
      />
      <div data-testid="query-result" style={{ marginTop: 16 }}>
        {typeof result === 'string' ? <div>{result}</div> : result ? <DataTable frame={result} /> : null}
      </div>
    </main>
  );
}

function ConfigEditorView() {
  const [options, setOptions] = useState<DataSourceSettings<UsageDataSourceOptions>>({
    id: 1, uid: 'new-usage', orgId: 1, name: 'HyperPod Usage', type: 'hyperpod-usage-datasource', typeName: 'HyperPod Usage', typeLogoUrl: '', access: 'proxy', url: '', user: '', database: '',
    basicAuth: false, basicAuthUser: '', isDefault: false, jsonData: {}, secureJsonFields: {}, readOnly: false, withCredentials: false,
  });
  return (
    <main style={{ padding: 24, maxWidth: 900 }}>
      <h1>Usage data source settings</h1>
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          record.options = o;
          setOptions(o);
        }}
      />
    </main>
  );
}

const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
const view = params.get('view') ?? 'app';
createRoot(document.getElementById('root') as HTMLElement).render(
  <ThemeContext.Provider value={theme}>
    <GlobalStyles />
    {view === 'query-editor' ? <QueryEditorView /> : view === 'config-editor' ? <ConfigEditorView /> : <AppView />}
  </ThemeContext.Provider>,
);
