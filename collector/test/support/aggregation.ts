/**
 * Running the aggregation on DuckDB over a simulated run's records, and reading rollups back in
 * the shape of the scenarios' hand-computed `expected` blocks.
 */
import assert from 'node:assert/strict';
import { DAY_MS, DEFAULT_PRICES, effectivePrices, localRelations, ROLLUP_TABLE_NAMES, sqlString, sqlTimestamp } from '@hyperpod-usage/model';
import { aggregate } from '../../src/aggregate/aggregator.js';
import { LocalRollupWriter } from '../../src/aggregate/rollup-writer.js';
import { DuckDbEngine } from '../../src/engine/duckdb-engine.js';
import { silentLogger } from '../../src/log.js';

export interface Measures {
  total?: number;
  own?: number;
  borrowed?: number;
  lent?: number;
  nominal?: number;
  unused?: number;
}

export interface Expected {
  range?: { start: string; end: string };
  teams?: Record<string, { gpu?: Measures; cpu?: Measures }>;
  days?: Record<string, Record<string, { gpu?: number; cpu?: number }>>;
  capacity?: Record<string, { gpuCapacity: number; gpuUsed: number; gpuIdle: number }>;
  tasks?: Record<string, { gpuHours?: number; admissions?: number; preemptions?: number; queueWaitSeconds?: number; requeueWaitSeconds?: number; pendingSeconds?: number; status?: string }>;
  detailed?: Array<{ task: string; start: string; end: string; status: string }>;
  /** Per UTC day, every task_daily row of that day (no other task may have one). */
  taskDays?: Record<
    string,
    Array<{ task: string; status: string; admissions: number; preemptions?: number; queueWaitSeconds?: number; requeueWaitSeconds?: number; instanceType?: string; firstAdmittedAt: string | null; endedAt: string | null; gpuHours: number }>
  >;
}

export async function aggregateRun(dataDir: string, start: number, end: number, options: { readWholeDayBefore?: boolean } = {}): Promise<DuckDbEngine> {
  const engine = await DuckDbEngine.open(dataDir);
  const days: number[] = [];
  for (let d = Math.floor(start / DAY_MS) * DAY_MS; d < end; d += DAY_MS) days.push(d);
  await aggregate({
    writer: new LocalRollupWriter(engine, dataDir),
    relations: localRelations(),
    rawRelationsFor: (start, end) => engine.rawRelationsFor(start, end),
    days,
    clusters: [],
    prices: effectivePrices('us-east-1', DEFAULT_PRICES),
    costSplit: 'accelerator',
    log: silentLogger,
    ...options,
  });
  await engine.refreshViews();
  return engine;
}

/** Every row of every daily rollup, in one order: for comparing two aggregations of the same records. */
export async function allRollupRows(engine: DuckDbEngine): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ROLLUP_TABLE_NAMES.filter((t) => t !== 'prices')) {
    const { rows } = await engine.query(`SELECT * FROM ${table} ORDER BY ALL`);
    out[table] = rows.map((r) => JSON.stringify(r));
  }
  return out;
}

export const near = (actual: unknown, expected: number, what: string): void => {
  assert.equal(typeof actual, 'number', `${what}: expected a number, got ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) < 1e-6, `${what}: ${String(actual)} ≠ ${expected}`);
};

/** Checks every number an `expected` block states against the rollups. */
export async function checkExpected(engine: DuckDbEngine, expected: Expected): Promise<void> {
  if (expected.teams && expected.range) {
    const range = `hour >= ${sqlTimestamp(Date.parse(expected.range.start))} AND hour < ${sqlTimestamp(Date.parse(expected.range.end))}`;
    for (const [team, resources] of Object.entries(expected.teams)) {
      for (const [resource, measures] of Object.entries(resources) as Array<[string, Measures]>) {
        const { rows } = await engine.query(
          `SELECT sum(${resource}_hours) AS total, sum(${resource}_own_hours) AS own, sum(${resource}_borrowed_hours) AS borrowed,
                  sum(${resource}_lent_hours) AS lent, sum(${resource}_nominal_hours) AS nominal, sum(${resource}_unused_hours) AS unused
             FROM team_hourly WHERE team = ${sqlString(team)} AND ${range}`,
        );
        for (const [measure, value] of Object.entries(measures)) near(rows[0]?.[measure], value as number, `${team} ${resource} ${measure}`);
      }
    }
  }
  if (expected.capacity && expected.range) {
    const range = `hour >= ${sqlTimestamp(Date.parse(expected.range.start))} AND hour < ${sqlTimestamp(Date.parse(expected.range.end))}`;
    for (const [instanceType, c] of Object.entries(expected.capacity)) {
      const { rows } = await engine.query(
        `SELECT sum(gpu_capacity_hours) AS cap, sum(gpu_used_hours) AS used, sum(gpu_idle_hours) AS idle
           FROM capacity_hourly WHERE instance_type = ${sqlString(instanceType)} AND ${range}`,
      );
      near(rows[0]?.cap, c.gpuCapacity, `${instanceType} GPU capacity`);
      near(rows[0]?.used, c.gpuUsed, `${instanceType} GPU used`);
      near(rows[0]?.idle, c.gpuIdle, `${instanceType} GPU idle`);
    }
  }
  for (const [day, teams] of Object.entries(expected.days ?? {})) {
    for (const [team, hours] of Object.entries(teams)) {
      const { rows } = await engine.query(
        `SELECT sum(gpu_hours) AS gpu, sum(cpu_hours) AS cpu FROM task_hourly WHERE team = ${sqlString(team)} AND CAST(hour AS DATE) = DATE ${sqlString(day)}`,
      );
      if (hours.gpu !== undefined) near(rows[0]?.gpu, hours.gpu, `${team} GPU hours on ${day}`);
      if (hours.cpu !== undefined) near(rows[0]?.cpu, hours.cpu, `${team} vCPU hours on ${day}`);
    }
  }
  for (const [task, facts] of Object.entries(expected.tasks ?? {})) {
    const { rows } = await engine.query(
      `SELECT sum(gpu_hours) AS gpu, max(admissions) AS admissions, max(preemptions) AS preemptions,
              max(queue_wait_seconds) AS wait, max_by(status, usage_date) AS status,
              sum(requeue_wait_seconds) AS requeue_wait, sum(pending_seconds) AS pending
         FROM task_daily WHERE task_name = ${sqlString(task)}`,
    );
    const r = rows[0] ?? {};
    if (facts.gpuHours !== undefined) near(r.gpu, facts.gpuHours, `${task} GPU hours`);
    if (facts.admissions !== undefined) assert.equal(r.admissions, facts.admissions, `${task} admissions`);
    if (facts.preemptions !== undefined) assert.equal(r.preemptions, facts.preemptions, `${task} preemptions`);
    if (facts.queueWaitSeconds !== undefined) near(r.wait, facts.queueWaitSeconds, `${task} queue wait`);
    if (facts.requeueWaitSeconds !== undefined) near(r.requeue_wait, facts.requeueWaitSeconds, `${task} requeue wait`);
    if (facts.pendingSeconds !== undefined) near(r.pending, facts.pendingSeconds, `${task} pending seconds`);
    if (facts.status !== undefined) assert.equal(r.status, facts.status, `${task} status`);
  }
  for (const [day, tasks] of Object.entries(expected.taskDays ?? {})) {
    const { rows } = await engine.query(
      `SELECT task_name, status, admissions, preemptions, queue_wait_seconds, requeue_wait_seconds, instance_type, first_admitted_at, ended_at, gpu_hours FROM task_daily
        WHERE usage_date = CAST(${sqlString(day)} AS DATE) ORDER BY task_name`,
    );
    // Epoch ms from DuckDB, a date from the YAML: both as ISO text.
    const iso = (time: unknown) => (time === null ? null : new Date(time as number | string).toISOString());
    assert.deepEqual(
      rows.map((r) => ({ task: r.task_name, status: r.status, admissions: r.admissions, firstAdmittedAt: iso(r.first_admitted_at), endedAt: iso(r.ended_at) })),
      [...tasks]
        .sort((a, b) => (a.task < b.task ? -1 : 1))
        .map((t) => ({ task: t.task, status: t.status, admissions: t.admissions, firstAdmittedAt: iso(t.firstAdmittedAt), endedAt: iso(t.endedAt) })),
      `task_daily rows of ${day}`,
    );
    for (const t of tasks) {
      const row = rows.find((r) => r.task_name === t.task);
      near(row?.gpu_hours, t.gpuHours, `${t.task} GPU hours on ${day}`);
      if (t.preemptions !== undefined) assert.equal(row?.preemptions, t.preemptions, `${t.task} preemptions on ${day}`);
      if (t.queueWaitSeconds !== undefined) near(row?.queue_wait_seconds, t.queueWaitSeconds, `${t.task} queue wait on ${day}`);
      if (t.requeueWaitSeconds !== undefined) near(row?.requeue_wait_seconds, t.requeueWaitSeconds, `${t.task} requeue wait on ${day}`);
      if (t.instanceType !== undefined) assert.equal(row?.instance_type, t.instanceType, `${t.task} instance type on ${day}`);
    }
  }
  if (expected.detailed) {
    const { rows } = await engine.query(`SELECT task_name, period_start, period_end, status FROM detailed_report ORDER BY period_start, task_name`);
    assert.deepEqual(
      rows.map((r) => ({ task: r.task_name, start: new Date(r.period_start as number).toISOString(), end: new Date(r.period_end as number).toISOString(), status: r.status })),
      expected.detailed.map((d) => ({ ...d, start: new Date(d.start).toISOString(), end: new Date(d.end).toISOString() })),
    );
  }
}
