// The usage query compiler on DuckDB as Grafana's DuckDB data source runs it: a plain DuckDB (no
// views, no macros, a non-UTC session time zone) reading the rollups through parquetRelations.
// The rollups are those the aggregation made of the task-governance walkthrough the simulator
// played; the expected numbers are the walkthrough's hand-computed answers
// (collector/scenarios/task-governance-walkthrough.yaml, docs/attribution.md), never numbers
// computed by the code under test.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, DuckDBTimestampValue, DuckDBTimestampTZValue, DuckDBDateValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import fc from 'fast-check';
import {
  DIMENSIONS,
  MEASURES,
  QUERY_FORMATS,
  QUERY_INTERVALS,
  QueryModelError,
  RESOURCE_KEYS,
  ROLLUP_TABLES,
  TEAM_PAGE_QUERIES,
  PAGE_MAX_DATA_POINTS,
  OVERVIEW_PAGE_QUERIES,
  TASKS_PAGE_QUERIES,
  compileAnnotationQuery,
  compilePage,
  compileTaskListQuery,
  compileUsageQuery,
  compileVariableQuery,
  healthCheckQueries,
  healthCheckVerdict,
  interpolateFilters,
  localRelations,
  parquetRelations,
  type Dimension,
  type DimensionFilter,
  type QueryScope,
  type Relations,
  type TemplateVariableLookup,
  type UsageQuery,
} from '@hyperpod-usage/model';
import { DUCKDB_TYPE } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { runSimulation } from '../src/simulator/simulation.js';
import { aggregateRun } from './support/aggregation.js';
import { expandLikeGrafanaAndAthena } from '../../usage-model/test/support/grafana-expand.js';

type Row = Record<string, string | number | boolean | null>;

function cell(v: DuckDBValue): string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return Number(v.micros / 1000n);
  if (v instanceof DuckDBDateValue) return v.toString();
  return Number(String(v));
}

async function rows(connection: DuckDBConnection, sql: string): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql);
  const names = reader.columnNames();
  return reader.getRows().map((r) => Object.fromEntries(r.map((v, i) => [names[i] as string, cell(v)])));
}

const near = (actual: unknown, expected: number, what: string): void => {
  assert.equal(typeof actual, 'number', `${what}: expected a number, got ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) < 1e-6, `${what}: ${String(actual)} ≠ ${expected}`);
};

/** A DuckDB as Grafana's motherduck-duckdb-datasource gives it: nothing created, the host's time zone. */
async function grafanaLikeDuckDb(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // Not UTC: the statements must not depend on the session zone.
  await connection.run("SET TimeZone = 'America/New_York'");
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

// The walkthrough's hand-computed answers, as the scenario file states them.
const HAND = {
  teamA: { gpu: { total: 13.041666667, own: 8.025, borrowed: 5.016666667, lent: 0, nominal: 10, unused: 1.975 }, cpu: 84.3 },
  teamB: { gpu: { total: 2.983333333, own: 2.983333333, borrowed: 0, lent: 5.016666667, nominal: 10, unused: 2 }, cpu: 23.866666667 },
  capacity: { gpuUsed: 16.025, gpuIdle: 3.975 },
  tasks: {
    'pytorchjob-a-pretrain-7f3a1': { gpuHours: 8.033333333, admissions: 2, preemptions: 1, queueWaitSeconds: 0, status: 'finished' },
    'pytorchjob-a-eval-52be0': { gpuHours: 3.516666667, admissions: 2, preemptions: 1, queueWaitSeconds: 0, status: 'finished' },
    'pod-a-serve-6d8f4': { gpuHours: 1.491666667, admissions: 1, preemptions: 0, queueWaitSeconds: 30, status: 'deleted' },
    'pytorchjob-b-finetune-1c9d2': { gpuHours: 2.983333333, admissions: 1, preemptions: 0, queueWaitSeconds: 30, status: 'finished' },
  },
  /**
   * Team A's GPU-hours per hour, from the timeline: 08 4 GPUs; 09 4 GPUs for 30 s + 2 for 45 min;
   * 10 2 for 30 s + 1 for 29.5 min + 3 for 30 min; 11 3 for 30 min + 4 for 30 min; 12 4 for 30 min.
   */
  teamAHourly: [4, 4 / 120 + 1.5, 2 / 120 + 29.5 / 60 + 1.5, 3.5, 2],
  /** Preemptions: a-pretrain reclaimed by team B at 09:00:30, a-eval preempted by a-serve at 10:00:30. */
  preemptions: [
    { time: '2025-04-16T09:00:30.000Z', task: 'pytorchjob-a-pretrain-7f3a1' },
    { time: '2025-04-16T10:00:30.000Z', task: 'pytorchjob-a-eval-52be0' },
  ],
};
/** ml.g5.8xlarge in us-east-1 costs $3.06 an hour (the default price) and has one GPU: $3.06 per GPU-hour. */
const G5_GPU_HOUR_USD = 3.06;
const CLUSTER = 'walkthrough';

describe('usage queries on DuckDB over the walkthrough rollups', () => {
  const scenario = resolveScenario('task-governance-walkthrough');
  const root = mkdtempSync(join(tmpdir(), 'hpu-query-model-'));
  const dataDir = join(root, 'data');
  let db: Awaited<ReturnType<typeof grafanaLikeDuckDb>>;
  let scope: QueryScope;
  const run = (sql: string) => rows(db.connection, sql);
  const usage = (q: Partial<UsageQuery>, s: Partial<QueryScope> = {}) =>
    run(compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: [], filters: [], interval: 'hour', format: 'table', ...q }, { ...scope, ...s }).sql);

  before(async () => {
    await runSimulation({ scenario, clusterName: CLUSTER, storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    const engine = await aggregateRun(dataDir, scenario.start, scenario.end);
    await engine.close();
    db = await grafanaLikeDuckDb();
    scope = { dialect: 'duckdb', relations: parquetRelations(dataDir), from: scenario.start, to: scenario.end, clusters: [CLUSTER] };
  });
  after(() => {
    db?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('quota measures per team equal the hand-computed hours', async () => {
    const result = await usage({ measures: ['hours', 'own_hours', 'borrowed_hours', 'lent_hours', 'nominal_hours', 'unused_hours', 'quota_share'], groupBy: ['team'] });
    const byTeam = new Map(result.map((r) => [r.team, r]));
    for (const [team, hand] of [['team-a', HAND.teamA.gpu], ['team-b', HAND.teamB.gpu]] as const) {
      const r = byTeam.get(team) ?? {};
      near(r.hours, hand.total, `${team} hours`);
      near(r.own_hours, hand.own, `${team} own`);
      near(r.borrowed_hours, hand.borrowed, `${team} borrowed`);
      near(r.lent_hours, hand.lent, `${team} lent`);
      near(r.nominal_hours, hand.nominal, `${team} nominal`);
      near(r.unused_hours, hand.unused, `${team} unused`);
      near(r.quota_share, hand.total / hand.nominal, `${team} share of quota`);
    }
    const cpu = await usage({ resource: 'cpu', groupBy: ['team'] });
    near(cpu.find((r) => r.team === 'team-a')?.hours, HAND.teamA.cpu, 'team-a vCPU-hours');
    near(cpu.find((r) => r.team === 'team-b')?.hours, HAND.teamB.cpu, 'team-b vCPU-hours');
  });

  it('a time series per hour: time first and ascending, team A hour by hour as worked out by hand', async () => {
    const compiled = compileUsageQuery(
      { measures: ['hours'], resource: 'gpu', groupBy: ['team'], filters: [{ dimension: 'team', values: ['team-a'] }], interval: 'auto', format: 'time_series' },
      { ...scope, maxDataPoints: 1000 },
    );
    assert.equal(compiled.interval, 'hour');
    const result = await run(compiled.sql);
    assert.deepEqual(Object.keys(result[0] ?? {}), ['time', 'team', 'hours']);
    assert.deepEqual(
      result.map((r) => new Date(r.time as number).toISOString()),
      ['08', '09', '10', '11', '12'].map((h) => `2025-04-16T${h}:00:00.000Z`),
    );
    result.forEach((r, i) => near(r.hours, HAND.teamAHourly[i] as number, `team-a at ${new Date(r.time as number).toISOString()}`));
    // A day bucket holds the whole run.
    const daily = await usage({ groupBy: ['team'], interval: 'day', format: 'time_series' });
    near(daily.find((r) => r.team === 'team-a')?.hours, HAND.teamA.gpu.total, 'team-a in the day bucket');
    assert.equal(new Date(daily[0]?.time as number).toISOString(), '2025-04-16T00:00:00.000Z');
  });

  it('cost at the unit price, idle capacity and its cost', async () => {
    const cost = await usage({ measures: ['hours', 'cost'], groupBy: ['team'] });
    near(cost.find((r) => r.team === 'team-a')?.cost, HAND.teamA.gpu.total * G5_GPU_HOUR_USD, 'team-a cost');
    near(cost.find((r) => r.team === 'team-b')?.cost, HAND.teamB.gpu.total * G5_GPU_HOUR_USD, 'team-b cost');
    const idle = await usage({ measures: ['hours', 'idle_hours', 'cost'], groupBy: ['instance_type'] });
    assert.equal(idle.length, 1);
    near(idle[0]?.hours, HAND.capacity.gpuUsed, 'GPU-hours held of the capacity');
    near(idle[0]?.idle_hours, HAND.capacity.gpuIdle, 'idle GPU-hours');
    near(idle[0]?.cost, HAND.capacity.gpuIdle * G5_GPU_HOUR_USD, 'idle cost');
  });

  it('tasks, priority classes and top N with Other', async () => {
    const tasks = await usage({ groupBy: ['task'] });
    for (const [task, hand] of Object.entries(HAND.tasks)) near(tasks.find((r) => r.task === task)?.hours, hand.gpuHours, task);
    const top = await usage({ groupBy: ['task'], topN: 2 });
    assert.deepEqual(top.map((r) => r.task), ['pytorchjob-a-pretrain-7f3a1', 'pytorchjob-a-eval-52be0', 'Other']);
    near(top[2]?.hours, HAND.tasks['pytorchjob-b-finetune-1c9d2'].gpuHours + HAND.tasks['pod-a-serve-6d8f4'].gpuHours, 'Other');
    const priority = await usage({ groupBy: ['priority_class'], filters: [{ dimension: 'priority_class', values: [''], exclude: true }] });
    const t = HAND.tasks;
    near(priority.find((r) => r.priority_class === 'training-priority')?.hours, t['pytorchjob-a-pretrain-7f3a1'].gpuHours + t['pytorchjob-a-eval-52be0'].gpuHours + t['pytorchjob-b-finetune-1c9d2'].gpuHours, 'training');
    near(priority.find((r) => r.priority_class === 'inference-priority')?.hours, t['pod-a-serve-6d8f4'].gpuHours, 'inference');
    // Top N over a time series: the kept groups and Other per bucket, Other summed from its parts.
    const series = await usage({ measures: ['hours', 'quota_share'], groupBy: ['team'], topN: 1, interval: 'day', format: 'time_series' });
    assert.deepEqual(series.map((r) => r.team), ['team-a', 'Other']);
    near(series[1]?.quota_share, HAND.teamB.gpu.total / HAND.teamB.gpu.nominal, 'Other share of quota');
  });

  it('over whole UTC days, task_daily gives the same task and priority hours', async () => {
    const day = { from: Date.parse('2025-04-16T00:00:00Z'), to: Date.parse('2025-04-17T00:00:00Z') };
    const compiled = compileUsageQuery({ measures: ['hours', 'cost'], resource: 'gpu', groupBy: ['task'], filters: [], interval: 'day', format: 'time_series' }, { ...scope, ...day });
    assert.equal(compiled.scans?.[0]?.table, 'task_daily');
    const tasks = await run(compiled.sql);
    for (const [task, hand] of Object.entries(HAND.tasks)) {
      const r = tasks.find((x) => x.task === task);
      assert.equal(new Date(r?.time as number).toISOString(), '2025-04-16T00:00:00.000Z');
      near(r?.hours, hand.gpuHours, `${task} from task_daily`);
      near(r?.cost, hand.gpuHours * G5_GPU_HOUR_USD, `${task} cost from task_daily`);
    }
    const t = HAND.tasks;
    const priority = await usage({ groupBy: ['priority_class'], format: 'table' }, day);
    near(priority.find((r) => r.priority_class === 'inference-priority')?.hours, t['pod-a-serve-6d8f4'].gpuHours, 'inference from task_daily');
    const month = await usage({ groupBy: ['task'], topN: 2, interval: 'month', format: 'time_series' }, day);
    assert.deepEqual(month.map((r) => r.task), ['pytorchjob-a-pretrain-7f3a1', 'pytorchjob-a-eval-52be0', 'Other']);
    assert.equal(new Date(month[0]?.time as number).toISOString(), '2025-04-01T00:00:00.000Z');
  });

  it('variables, annotations, the task list and the health check', async () => {
    const values = async (dimension: Dimension, filters: DimensionFilter[] = []) =>
      (await run(compileVariableQuery({ dimension, filters }, scope).sql)).map((r) => r[dimension]);
    assert.deepEqual(await values('team'), ['team-a', 'team-b']);
    assert.deepEqual(await values('cluster'), [CLUSTER]);
    assert.deepEqual(await values('instance_type'), ['ml.g5.8xlarge']);
    assert.deepEqual(await values('priority_class'), ['inference-priority', 'training-priority']);
    assert.deepEqual(await values('task', [{ dimension: 'team', values: ['team-a'] }]), ['pod-a-serve-6d8f4', 'pytorchjob-a-eval-52be0', 'pytorchjob-a-pretrain-7f3a1']);
    assert.ok((await values('namespace')).length >= 2);

    const annotations = await run(compileAnnotationQuery({ teams: ['team-a'] }, scope).sql);
    assert.deepEqual(
      annotations.map((r) => ({ time: new Date(r.time as number).toISOString(), task: r.task })),
      HAND.preemptions,
    );
    assert.match(String(annotations[0]?.text), /^pytorchjob-a-pretrain-7f3a1 preempted \(/);
    assert.deepEqual(await run(compileAnnotationQuery({ teams: ['team-b'] }, scope).sql), []);

    const list = await run(compileTaskListQuery({ resource: 'gpu', filters: [{ dimension: 'team', values: ['team-a', 'team-b'] }] }, scope).sql);
    for (const [task, hand] of Object.entries(HAND.tasks)) {
      const r = list.find((x) => x.task === task) ?? {};
      near(r.hours, hand.gpuHours, `${task} hours`);
      assert.equal(r.admissions, hand.admissions, `${task} admissions`);
      assert.equal(r.preemptions, hand.preemptions, `${task} preemptions`);
      near(r.queue_wait_seconds, hand.queueWaitSeconds, `${task} queue wait`);
      assert.equal(r.status, hand.status, `${task} status`);
      near(r.cost, hand.gpuHours * G5_GPU_HOUR_USD, `${task} cost`);
    }
    assert.deepEqual((await run(compileTaskListQuery({ resource: 'gpu', filters: [], search: 'EVAL' }, scope).sql)).map((r) => r.task), ['pytorchjob-a-eval-52be0']);

    const now = Date.parse('2025-04-16T14:30:00Z');
    const health = healthCheckQueries(scope, { dialect: 'duckdb', dataPath: dataDir }, { now });
    const tables = (await run(health.tables.sql)).map((r) => String(r.table_name));
    const fresh = (await run(health.freshness.sql)).map((r) => ({ cluster: String(r.cluster), lastHour: r.last_hour as number }));
    assert.deepEqual(fresh, [{ cluster: CLUSTER, lastHour: Date.parse('2025-04-16T12:00:00Z') }]);
    assert.equal(healthCheckVerdict(scope, tables, fresh, { now }).ok, true);
    assert.match(healthCheckVerdict(scope, tables, fresh, { now: now + 5 * 3_600_000 }).message, /older than 3 hours/);
    const empty = healthCheckQueries(scope, { dialect: 'duckdb', dataPath: join(root, 'nothing-here') }, { now });
    assert.match(healthCheckVerdict(scope, (await run(empty.tables.sql)).map((r) => String(r.table_name)), undefined).message, /^No usage tables found/);
  });

  it('every statement the compiler can produce runs, for every resource', async () => {
    const groupBys: Dimension[][] = [[], ...DIMENSIONS.map((d) => [d]), ...DIMENSIONS.flatMap((a, i) => DIMENSIONS.slice(i + 1).map((b) => [a, b]))];
    const measureSets = [...MEASURES.map((m) => [m]), ['hours', 'own_hours', 'borrowed_hours', 'lent_hours', 'nominal_hours', 'unused_hours', 'cost', 'quota_share'], ['hours', 'idle_hours', 'cost']] as const;
    const seen = new Set<string>();
    // Whole days too: task and priority statements then read task_daily.
    const wholeDay = { ...scope, from: Date.parse('2025-04-16T00:00:00Z'), to: Date.parse('2025-04-17T00:00:00Z') };
    for (const resource of RESOURCE_KEYS) {
      // GPU and NeuronCores (the two expression shapes) in full; other resources once per shape without intervals.
      const full = resource === 'gpu' || resource === 'neuron_core';
      for (const measures of measureSets) {
        for (const groupBy of groupBys) {
          for (const format of QUERY_FORMATS) {
            for (const interval of format === 'table' || !full ? (['day'] as const) : QUERY_INTERVALS) {
              for (const topN of full ? [undefined, 1] : [undefined]) {
                const filters: DimensionFilter[] = groupBy.length ? [{ dimension: groupBy[0] as Dimension, values: ['nothing'], exclude: true }] : [];
                for (const s of [scope, wholeDay]) {
                  let sql: string;
                  try {
                    sql = compileUsageQuery({ measures, resource, groupBy, filters, interval, format, ...(topN ? { topN } : {}) }, s).sql;
                  } catch (e) {
                    assert.ok(e instanceof QueryModelError, String(e));
                    continue;
                  }
                  if (seen.has(sql)) continue;
                  seen.add(sql);
                  const result = await run(sql);
                  assert.ok(result.length > 0, `no rows: ${sql}`);
                }
              }
            }
          }
        }
      }
    }
    assert.ok(seen.size > 500, `only ${seen.size} statements ran`);
  });

  it('with the Athena time macros expanded as its backend does, the same numbers', async () => {
    const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}'`;
    const digits = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
    const expand = (sql: string) =>
      sql
        .replaceAll('$__timeFrom()', ts(scope.from))
        .replaceAll('$__timeTo()', ts(scope.to))
        .replaceAll('$__rawTimeFrom(yyyyMMdd)', digits(scope.from))
        .replaceAll('$__rawTimeTo(yyyyMMdd)', digits(scope.to));
    const query: UsageQuery = { measures: ['hours', 'own_hours', 'borrowed_hours'], resource: 'gpu', groupBy: ['team'], filters: [], interval: 'day', format: 'table' };
    // The macro form is Athena's; its relations here are the local Parquet.
    const sql = compileUsageQuery(query, { ...scope, dialect: 'athena', timeMacros: true }).sql;
    const result = await run(expand(sql));
    near(result.find((r) => r.team === 'team-a')?.own_hours, HAND.teamA.gpu.own, 'team-a own, macro range');
    near(result.find((r) => r.team === 'team-a')?.borrowed_hours, HAND.teamA.gpu.borrowed, 'team-a borrowed, macro range');
    const annotations = await run(expand(compileAnnotationQuery({ teams: ['team-a'] }, { ...scope, dialect: 'athena', timeMacros: true }).sql));
    assert.equal(annotations.length, HAND.preemptions.length);
  });

  it('the page query sets run', async () => {
    for (const queries of [OVERVIEW_PAGE_QUERIES(), TEAM_PAGE_QUERIES('team-a'), TASKS_PAGE_QUERIES([{ dimension: 'team', values: ['team-a'] }])]) {
      for (const q of compilePage(queries, scope)) await run(q.compiled.sql);
    }
    const team = compilePage(TEAM_PAGE_QUERIES('team-a'), scope);
    const quota = await run(team.find((q) => q.id === 'quota')?.compiled.sql as string);
    near(quota.reduce((a, r) => a + (r.own_hours as number), 0), HAND.teamA.gpu.own, 'team page: own quota hours');
    const priority = await run(team.find((q) => q.id === 'priority')?.compiled.sql as string);
    const t = HAND.tasks;
    const byClass = (c: string) => priority.filter((r) => r.priority_class === c).reduce((a, r) => a + (r.hours as number), 0);
    near(byClass('training-priority'), t['pytorchjob-a-pretrain-7f3a1'].gpuHours + t['pytorchjob-a-eval-52be0'].gpuHours, 'team page: training hours');
    near(byClass('inference-priority'), t['pod-a-serve-6d8f4'].gpuHours, 'team page: inference hours');
  });

  it('over a range of a few hours, every chart statement of every page puts its buckets inside the range', async () => {
    // The walkthrough runs 08:00 to 13:00: day buckets at midnight would fall outside the chart.
    const scoped = { ...scope, maxDataPoints: PAGE_MAX_DATA_POINTS };
    for (const queries of [OVERVIEW_PAGE_QUERIES(), TEAM_PAGE_QUERIES('team-a'), TASKS_PAGE_QUERIES()]) {
      for (const q of compilePage(queries, scoped).filter((c) => c.compiled.interval)) {
        const times = (await run(q.compiled.sql)).map((r) => r.time as number);
        assert.ok(times.length > 0, `${q.id}: rows`);
        for (const time of times) assert.ok(time >= scope.from && time < scope.to, `${q.id}: bucket ${new Date(time).toISOString()} outside the range`);
      }
    }
  });
});


// Hostile text, as in usage-model/test/query-model.test.ts (the Trino side of the same proof).
const fragment = fc.oneof(
  fc.constantFrom("'", "''", "\\'", '\\', '"', '`', '$__all', '$__timeFilter(hour)', '${}', '${team}', '$team', '[[team]]', '--', '/*', '*/', ';', "'; DROP TABLE team_hourly; --", 'é', 'e\u0301', '\u202e', '😀', '\u2028', 'NULL', ' OR 1=1', '%', '_'),
  fc.string({ maxLength: 6, unit: 'grapheme' }),
);
// eslint-disable-next-line no-control-regex
const hostile = fc.array(fragment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('')).filter((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(v));

describe('hostile values on DuckDB: the query runs and returns exactly the rows of that value', () => {
  let db: Awaited<ReturnType<typeof grafanaLikeDuckDb>>;
  const relations: Relations = localRelations();
  const scope: QueryScope = { dialect: 'duckdb', relations, from: Date.parse('2025-01-31T00:00:00Z'), to: Date.parse('2025-02-01T00:00:00Z'), clusters: [] };

  before(async () => {
    db = await grafanaLikeDuckDb();
    for (const t of ['team_hourly', 'task_hourly', 'task_daily', 'detailed_report', 'prices'] as const) {
      const table = ROLLUP_TABLES[t];
      // task_daily's `day` column shares its name with the partition key: the key wins, as in the Hive layout.
      const columns = [
        ...table.columns.filter((c) => !table.partitionKeys.includes(c.name)).map((c) => `"${c.name}" ${DUCKDB_TYPE[c.type]}`),
        ...table.partitionKeys.map((k) => `"${k}" VARCHAR`),
      ];
      await db.connection.run(`CREATE TABLE ${t} (${columns.join(', ')})`);
    }
  });
  after(() => db?.close());

  /** Rows for the value and for decoys that differ by a character, inserted with bound parameters (not our escaping). */
  async function insert(values: readonly string[]): Promise<void> {
    for (const t of ['team_hourly', 'task_hourly', 'task_daily', 'detailed_report']) await db.connection.run(`DELETE FROM ${t}`);
    const decoys = values.flatMap((v) => [`${v}x`, `x${v}`, v.slice(1), v.toUpperCase() === v ? `${v}a` : v.toUpperCase()]);
    const all = [...new Set([...values, ...decoys])];
    for (const [i, team] of all.entries()) {
      const task = `${team}#task`;
      await db.connection.run(
        `INSERT INTO team_hourly (hour, team, instance_type, gpu_hours, gpu_nominal_hours, year, month, day, cluster) VALUES (TIMESTAMP '2025-01-31 10:00:00', $1, 'ml.g5.8xlarge', $2, 10, '2025', '01', '31', 'c')`,
        [team, i + 1],
      );
      await db.connection.run(
        `INSERT INTO task_hourly (hour, team, task_name, instance_type, priority_class, gpu_hours, year, month, day, cluster) VALUES (TIMESTAMP '2025-01-31 10:00:00', $1, $2, 'ml.g5.8xlarge', $1, $3, '2025', '01', '31', 'c')`,
        [team, task, i + 1],
      );
      await db.connection.run(
        `INSERT INTO task_daily (team, task_name, instance_type, priority_class, gpu_hours, year, month, day, cluster) VALUES ($1, $2, 'ml.g5.8xlarge', $1, $3, '2025', '01', '31', 'c')`,
        [team, task, i + 1],
      );
      await db.connection.run(
        `INSERT INTO detailed_report (report_date, period_start, period_end, team, task_name, status, year, month, day, cluster) VALUES (DATE '2025-01-31', TIMESTAMP '2025-01-31 09:00:00', TIMESTAMP '2025-01-31 10:00:00', $1, $2, 'Preempted', '2025', '01', '31', 'c')`,
        [team, task],
      );
    }
  }

  it('filters, variables and annotations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostile, { minLength: 1, maxLength: 3 }), fc.constantFrom('$team', '${team}', '[[team]]'), async (values, ref) => {
        await insert(values);
        const expected = [...values].sort();
        const lookup: TemplateVariableLookup = (name) => (name === 'team' ? { values, all: false } : undefined);
        const filters = interpolateFilters([{ dimension: 'team', values: [ref] }], lookup);
        const sorted = (rs: Row[], key: string) => rs.map((r) => String(r[key])).sort();
        // Each statement as the data source would run it: after Grafana's and Athena's rewriting, which must change nothing.
        const rowsOf = async (sql: string): Promise<Row[]> => {
          assert.equal(expandLikeGrafanaAndAthena(sql), sql, 'rewriting changed the statement');
          return rows(db.connection, expandLikeGrafanaAndAthena(sql));
        };

        const byTeam = await rowsOf(compileUsageQuery({ measures: ['hours', 'quota_share'], resource: 'gpu', groupBy: ['team'], filters, interval: 'day', format: 'table' }, scope).sql);
        assert.deepEqual(sorted(byTeam, 'team'), expected);
        const byPriority = await rowsOf(
          compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: ['priority_class'], filters: [{ dimension: 'priority_class', values }], interval: 'day', format: 'time_series' }, scope).sql,
        );
        assert.deepEqual(sorted(byPriority, 'priority_class'), expected);
        const byTask = await rowsOf(
          compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: ['task'], filters: [{ dimension: 'task', values: values.map((v) => `${v}#task`) }], interval: 'hour', format: 'time_series' }, scope).sql,
        );
        assert.deepEqual(sorted(byTask, 'task'), expected.map((v) => `${v}#task`).sort(), 'task_hourly');
        const tasks = await rowsOf(compileVariableQuery({ dimension: 'task', filters }, scope).sql);
        assert.deepEqual(sorted(tasks, 'task'), expected.map((v) => `${v}#task`).sort());
        const teams = await rowsOf(compileVariableQuery({ dimension: 'team', filters: [{ dimension: 'team', values }] }, scope).sql);
        // An empty team (pods outside Kueue) is no choice to offer.
        assert.deepEqual(sorted(teams, 'team'), expected.filter((v) => v !== ''));
        const annotations = await rowsOf(compileAnnotationQuery({ teams: values }, scope).sql);
        assert.deepEqual(sorted(annotations, 'team'), expected);
        const searched = await rowsOf(compileTaskListQuery({ resource: 'gpu', filters: [{ dimension: 'team', values }], search: `${values[0] as string}#task` }, scope).sql);
        assert.ok(searched.some((r) => r.task === `${values[0] as string}#task`), 'search finds the task');
        // Excluding the values leaves exactly the decoys.
        const others = await rowsOf(compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: ['team'], filters: [{ dimension: 'team', values, exclude: true }], interval: 'day', format: 'table' }, scope).sql);
        assert.ok(others.every((r) => !values.includes(String(r.team))));
        assert.equal(others.length + byTeam.length, (await rows(db.connection, 'SELECT DISTINCT team FROM team_hourly')).length);
      }),
      { numRuns: 40 },
    );
  });
});
