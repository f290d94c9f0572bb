import { FieldType, dateTime, toDataFrame, type DataQueryRequest, type DataQueryResponse, type DataSourceInstanceSettings } from '@grafana/data';
import type { DataSourceSrv, TemplateSrv } from '@grafana/runtime';
import { lastValueFrom, of, toArray } from 'rxjs';
import { UsageDataSource } from './datasource';
import type { UsageDataQuery, UsageDataSourceOptions } from './types';

const DAY = 86_400_000;
const FROM = Date.UTC(2025, 5, 2);
const TO = FROM + DAY;

/** A stand-in for the Athena/DuckDB data source: records what it was asked, answers with frames. */
function sqlStub(answer: (request: DataQueryRequest) => DataQueryResponse[] | Error) {
  const requests: DataQueryRequest[] = [];
  const ds = {
    query: (request: DataQueryRequest) => {
      requests.push(request);
      const result = answer(request);
      if (result instanceof Error) throw result;
      return of(...result);
    },
  };
  const srv = { get: jest.fn(async () => ds) } as unknown as jest.Mocked<Pick<DataSourceSrv, 'get'>>;
  return { srv, requests };
}

function templates(variables: Array<{ name: string; value: string | string[] }> = []): TemplateSrv {
  return {
    getVariables: () => variables.map((v) => ({ name: v.name, current: { value: v.value } })),
    replace: (text: string) => text,
    containsTemplate: () => false,
    updateTimeRange: () => undefined,
  } as unknown as TemplateSrv;
}

function settings(jsonData: UsageDataSourceOptions): DataSourceInstanceSettings<UsageDataSourceOptions> {
  return { id: 1, uid: 'usage', type: 'hyperpod-usage-datasource', name: 'Usage', jsonData, meta: {} as never, access: 'proxy', readOnly: false };
}

const ATHENA: UsageDataSourceOptions = { sqlDatasource: { uid: 'athena-1', type: 'grafana-athena-datasource' }, database: 'hyperpod_usage', clusters: ['demo'] };

function request(targets: UsageDataQuery[]): DataQueryRequest<UsageDataQuery> {
  return {
    requestId: 'r1',
    app: 'dashboard',
    interval: '1h',
    intervalMs: 3_600_000,
    maxDataPoints: 500,
    range: { from: dateTime(FROM), to: dateTime(TO), raw: { from: 'now-1d', to: 'now' } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    startTime: 0,
  } as DataQueryRequest<UsageDataQuery>;
}

const TEAM_HOURS: UsageDataQuery = {
  refId: 'A',
  usage: { measures: ['own_hours', 'borrowed_hours'], resource: 'gpu', groupBy: ['team'], filters: [{ dimension: 'team', values: ['$team'] }], interval: 'hour', format: 'table' },
};

describe('UsageDataSource.query', () => {
  it('compiles each visible target and hands Athena its own query model, keeping every emission', async () => {
    const frame = toDataFrame({ refId: 'A', fields: [{ name: 'team', values: ['vision'] }, { name: 'own_hours', values: ['12.5'] }] });
    const { srv, requests } = sqlStub(() => [{ data: [], state: 'Loading' } as unknown as DataQueryResponse, { data: [frame] }]);
    const ds = new UsageDataSource(settings(ATHENA), srv, templates([{ name: 'team', value: ["o'brien", 'vision'] }]));

    const emissions = await lastValueFrom(ds.query(request([TEAM_HOURS, { ...TEAM_HOURS, refId: 'B', hide: true }])).pipe(toArray()));

    expect(srv.get).toHaveBeenCalledWith({ uid: 'athena-1', type: 'grafana-athena-datasource' });
    expect(emissions).toHaveLength(2);
    const targets = requests[0]!.targets as unknown as Array<Record<string, unknown>>;
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({ refId: 'A', format: 1, connectionArgs: { database: 'hyperpod_usage', region: '__default', catalog: '__default' } });
    const sql = targets[0]!.rawSQL as string;
    expect(sql).toContain('"hyperpod_usage"."team_hourly"');
    expect(sql).toContain("'o''brien'");
    expect(sql).toContain("'demo'");
    expect(sql).not.toContain('$team');

    const own = emissions[1]!.data[0].fields.find((f: { name: string }) => f.name === 'own_hours');
    expect(own.type).toBe(FieldType.number);
    expect(own.values).toEqual([12.5]);
    expect(own.config.unit).toBe('suffix: GPU-h');
  });

  it('sends DuckDB the plugin-ui SQL query model over the local Parquet', async () => {
    const { srv, requests } = sqlStub(() => [{ data: [] }]);
    const ds = new UsageDataSource(settings({ sqlDatasource: { uid: 'duck', type: 'motherduck-duckdb-datasource' }, dataPath: '/data/usage' }), srv, templates());
    await lastValueFrom(ds.query(request([{ ...TEAM_HOURS, usage: { ...TEAM_HOURS.usage!, filters: [], format: 'time_series' } }])));
    const target = requests[0]!.targets[0] as unknown as Record<string, unknown>;
    expect(target).toMatchObject({ refId: 'A', format: 'time_series', rawQuery: true, editorMode: 'code' });
    expect(target.rawSql as string).toContain("read_parquet('/data/usage/rollups/team_hourly/");
  });

  it('answers with one line that says what to set when no SQL data source is chosen', async () => {
    const { srv } = sqlStub(() => [{ data: [] }]);
    const ds = new UsageDataSource(settings({}), srv, templates());
    const response = await lastValueFrom(ds.query(request([TEAM_HOURS])));
    expect(response.error?.message).toMatch(/^No SQL data source chosen/);
    expect(srv.get).not.toHaveBeenCalled();
  });

  it('refuses a combination no rollup can answer, before any SQL runs', async () => {
    const { srv } = sqlStub(() => [{ data: [] }]);
    const ds = new UsageDataSource(settings(ATHENA), srv, templates());
    const idleByTeam: UsageDataQuery = { refId: 'A', usage: { measures: ['idle_hours'], resource: 'gpu', groupBy: ['team'], filters: [], interval: 'day', format: 'table' } };
    const response = await lastValueFrom(ds.query(request([idleByTeam])));
    expect(response.error?.message).toBeTruthy();
    expect(response.error?.message).not.toContain('\n');
    expect(srv.get).not.toHaveBeenCalled();
  });
});

describe('UsageDataSource.testDatasource', () => {
  const now = Date.now();
  const tables = (names: string[]) => toDataFrame({ refId: 'A', fields: [{ name: 'table_name', values: names }] });
  const fresh = (hoursAgo: number) =>
    toDataFrame({ refId: 'A', fields: [{ name: 'cluster', values: ['demo'] }, { name: 'last_hour', values: [Math.floor((now - hoursAgo * 3_600_000) / 3_600_000) * 3_600_000] }] });
  const ALL_TABLES = ['capacity_hourly', 'detailed_report', 'prices', 'task_hourly', 'team_hourly'];

  function withAnswers(...answers: Array<DataQueryResponse | Error>) {
    let i = 0;
    return sqlStub(() => {
      const a = answers[i++] ?? { data: [] };
      return a instanceof Error ? a : [a];
    });
  }

  it('says the data is current when tables exist and the last hour is recent', async () => {
    const { srv } = withAnswers({ data: [tables(ALL_TABLES)] }, { data: [fresh(1)] });
    const result = await new UsageDataSource(settings(ATHENA), srv, templates()).testDatasource();
    expect(result).toEqual({ status: 'success', message: expect.stringContaining('current for demo') });
  });

  it.each([
    ['no SQL data source', {}, [], /^No SQL data source chosen/],
    ['no tables', ATHENA, [{ data: [tables([])] }], /No usage tables found/],
    ['some tables missing', ATHENA, [{ data: [tables(['team_hourly'])] }], /Usage tables missing: task_hourly/],
    ['no data for the cluster', ATHENA, [{ data: [tables(ALL_TABLES)] }, { data: [] }], /No usage data for cluster demo/],
    ['stale data', ATHENA, [{ data: [tables(ALL_TABLES)] }, { data: [fresh(30)] }], /older than 3 hours/],
    ['no permission', ATHENA, [new Error('AccessDeniedException: User is not authorized to perform athena:StartQueryExecution')], /^No permission to read the usage tables/],
  ])('names what is missing: %s', async (_name, options, answers, message) => {
    const { srv } = withAnswers(...(answers as Array<DataQueryResponse | Error>));
    const result = await new UsageDataSource(settings(options as UsageDataSourceOptions), srv, templates()).testDatasource();
    expect(result.status).toBe('error');
    expect(result.message).toMatch(message);
  });
});

describe('UsageDataSource.metricFindQuery', () => {
  it('returns the distinct values of the dimension', async () => {
    const { srv, requests } = sqlStub(() => [{ data: [toDataFrame({ refId: 'A', fields: [{ name: 'team', values: ['nlp', 'vision', 'nlp'] }] })] }]);
    const ds = new UsageDataSource(settings(ATHENA), srv, templates());
    const values = await ds.metricFindQuery({ dimension: 'team' }, { range: { from: dateTime(FROM), to: dateTime(TO), raw: { from: '', to: '' } } });
    expect(values).toEqual([{ text: 'nlp' }, { text: 'vision' }]);
    expect((requests[0]!.targets[0] as unknown as { rawSQL: string }).rawSQL).toContain('team');
  });
});
