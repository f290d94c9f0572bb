// The aggregation on DuckDB against scenarios whose answers were worked out by hand: each
// scenario is played through the API test server and a real collector, the records are
// aggregated, and every number the scenario's `expected` block states is checked.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DAY_MS } from '@hyperpod-usage/model';
import { snapshotReadFrom } from '../src/aggregate/aggregator.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { loadScenario, type Scenario } from '../src/simulator/scenario.js';
import { runSimulation } from '../src/simulator/simulation.js';
import { silentLogger } from '../src/log.js';
import { aggregateCommand } from '../src/commands/aggregate.js';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { aggregateRun, allRollupRows, checkExpected, type Expected } from './support/aggregation.js';
import { runOutage } from './support/drill.js';
import { readIntervals } from './support/intervals.js';

const fixture = (name: string): Scenario => loadScenario(fileURLToPath(new URL(`fixtures/aggregation/${name}.yaml`, import.meta.url)));

async function simulateAndAggregate(scenario: Scenario): Promise<{ dataDir: string; cleanup(): void; engine: Awaited<ReturnType<typeof aggregateRun>> }> {
  const root = mkdtempSync(join(tmpdir(), `hpu-agg-${scenario.name}-`));
  const dataDir = join(root, 'data');
  await runSimulation({ scenario, clusterName: 'hand', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
  const engine = await aggregateRun(dataDir, scenario.start, scenario.end);
  return { dataDir, engine, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Each day's records read from its last snapshot give the rollups that reading from a day before
 * gives: what came before the snapshot says nothing the snapshot does not.
 */
async function assertSameAsFromTheDayBefore(
  engine: DuckDbEngine,
  dataDir: string,
  scenario: Scenario,
  cluster = 'hand',
  // The collector snapshots at every hour boundary: each day after the first reads from the hour before its midnight.
  expectedReadFrom = (day: number) => day - 3_600_000,
): Promise<void> {
  for (let day = Math.floor(scenario.start / DAY_MS) * DAY_MS + DAY_MS; day < scenario.end; day += DAY_MS) {
    const readFrom = await snapshotReadFrom(engine, 'heartdub', day, cluster);
    assert.equal(new Date(readFrom).toISOString(), new Date(expectedReadFrom(day)).toISOString(), 'where the day reads from');
  }
  const fromSnapshots = await allRollupRows(engine);
  const wide = await aggregateRun(dataDir, scenario.start, scenario.end, { readWholeDayBefore: true });
  try {
    const fromTheDayBefore = await allRollupRows(wide);
    for (const table of Object.keys(fromSnapshots)) assert.deepEqual(fromSnapshots[table], fromTheDayBefore[table], `${table}: read from the last snapshot and from the day before`);
  } finally {
    await wide.close();
  }
}

describe('aggregation against hand-computed scenarios', () => {
  const scenarios: Array<[string, () => Scenario]> = [
    ['the task-governance walkthrough', () => resolveScenario('task-governance-walkthrough')],
    ['a preemption chain', () => fixture('preemption-chain')],
    ['work crossing midnight, and a job still running', () => fixture('crossing-midnight')],
    ['a team borrowing beyond its nominal quota from two lenders', () => fixture('borrowing-beyond-nominal')],
    ['a task running for days after a preemption on its first', () => fixture('long-lived-task')],
    ['a task waiting two days for quota after a preemption', () => fixture('starved-after-preemption')],
  ];
  for (const [title, load] of scenarios) {
    it(title, async () => {
      const scenario = load();
      const run = await simulateAndAggregate(scenario);
      try {
        await checkExpected(run.engine, scenario.expected as Expected);
        await assertSameAsFromTheDayBefore(run.engine, run.dataDir, scenario);
      } finally {
        await run.engine.close();
        run.cleanup();
      }
    });
  }

  it('a collector outage: the walkthrough with the collector down from 09:30 to 10:45 gives the same answers', async () => {
    const scenario = resolveScenario('task-governance-walkthrough');
    // While it is down: a-eval is preempted and released, b-finetune finishes, a-serve is
    // admitted and a-eval admitted again. Kubernetes keeps the times of all of that but the
    // eviction, which the past admitted seconds recover.
    const ctx = await runOutage(scenario, { from: 90, to: 165 });
    const engine = await aggregateRun(ctx.dataDir, scenario.start, scenario.end);
    try {
      // a-eval's preemption at 10:00:30 happened while the collector was blind: its records show
      // that it was evicted and admitted again (the 2730 s), not that a preemption evicted it.
      const expected = structuredClone(scenario.expected) as Expected;
      delete expected.tasks?.['pytorchjob-a-eval-52be0']?.preemptions;
      await checkExpected(engine, expected);
    } finally {
      await engine.close();
      rmSync(ctx.root, { recursive: true, force: true });
    }
  });

  it('a collector outage across midnight (down from 23:40 to 00:45): the same answers, from the snapshot before it', async () => {
    const scenario = fixture('crossing-midnight');
    const ctx = await runOutage(scenario, { from: 220, to: 285 });
    const engine = await aggregateRun(ctx.dataDir, scenario.start, scenario.end);
    try {
      await checkExpected(engine, scenario.expected as Expected);
      // No snapshot at midnight: the 11th reads from the hour before the one at 23:00.
      await assertSameAsFromTheDayBefore(engine, ctx.dataDir, scenario, 'drill', (day) => day - 2 * 3_600_000);
    } finally {
      await engine.close();
      rmSync(ctx.root, { recursive: true, force: true });
    }
  });

  it('several admissions inside one blind window: bounded by the admitted seconds Kueue counted, and not stated', async () => {
    const scenario = fixture('blind-readmission');
    const ctx = await runOutage(scenario, { from: 30, to: 150 });
    const engine = await aggregateRun(ctx.dataDir, scenario.start, scenario.end);
    try {
      await checkExpected(engine, scenario.expected as Expected);
      await engine.close();
      const { workloads } = await readIntervals(ctx.dataDir, scenario.start, scenario.end);
      assert.deepEqual(workloads, [
        { task: 'flaky', start: '2025-05-12T00:00:00.000Z', end: '2025-05-12T01:31:00.000Z', stated: false },
        { task: 'flaky', start: '2025-05-12T03:00:00.000Z', end: '2025-05-12T04:00:00.000Z', stated: true },
      ]);
    } finally {
      await engine.close();
      rmSync(ctx.root, { recursive: true, force: true });
    }
  });

  it('hpu aggregate gives the same answers (raw records read day by day, no views over the raw files)', async () => {
    const scenario = resolveScenario('task-governance-walkthrough');
    const root = mkdtempSync(join(tmpdir(), 'hpu-agg-cli-'));
    const dataDir = join(root, 'data');
    try {
      await runSimulation({ scenario, clusterName: 'hand', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
      const day = new Date(scenario.start).toISOString().slice(0, 10);
      await aggregateCommand(['--data', dataDir, '--from', day, '--to', day, '--memory-limit', '1GB', '--log-level', 'warn']);
      const engine = await DuckDbEngine.open(dataDir);
      try {
        await checkExpected(engine, scenario.expected as Expected);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is idempotent: aggregating a day again replaces its partitions with the same rows', async () => {
    const scenario = fixture('preemption-chain');
    const run = await simulateAndAggregate(scenario);
    try {
      const snapshot = async () => {
        const tables = ['team_hourly', 'task_hourly', 'capacity_hourly', 'task_daily', 'summary_report', 'detailed_report'];
        return Promise.all(tables.map(async (t) => (await run.engine.query(`SELECT * FROM ${t} ORDER BY ALL`)).rows));
      };
      const first = await snapshot();
      await run.engine.close();
      const again = await aggregateRun(run.dataDir, scenario.start, scenario.end);
      const second = await (async () => {
        const tables = ['team_hourly', 'task_hourly', 'capacity_hourly', 'task_daily', 'summary_report', 'detailed_report'];
        return Promise.all(tables.map(async (t) => (await again.query(`SELECT * FROM ${t} ORDER BY ALL`)).rows));
      })();
      await again.close();
      assert.deepEqual(second, first);
      const partition = join(run.dataDir, 'rollups/team_hourly/year=2025/month=05/day=10/cluster=hand');
      assert.deepEqual(readdirSync(partition), ['part-00000.parquet'], 'one file per partition, never appended');
    } finally {
      run.cleanup();
    }
  });
});
