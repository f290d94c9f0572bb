// The Athena staging plan (intervals and quota segments built once as tables, read by the rollups
// through alias CTEs) gives exactly the rows of the unstaged rollup queries. Athena cannot run
// here, so the plan's SQL runs on DuckDB, staged tables as DuckDB tables of the plan's names.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ATHENA_STAGED_CTES,
  athenaStagedRollupSql,
  athenaStagingSelects,
  DAY_MS,
  ROLLUP_TABLE_NAMES,
  rollupSql,
  type IntervalOptions,
  type RollupTableName,
} from '@hyperpod-usage/model';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { loadScenario, type Scenario } from '../src/simulator/scenario.js';
import { runSimulation } from '../src/simulator/simulation.js';

const fixtures = fileURLToPath(new URL('fixtures/aggregation/', import.meta.url));
const DAILY = ROLLUP_TABLE_NAMES.filter((t): t is Exclude<RollupTableName, 'prices'> => t !== 'prices');

async function rowsOf(engine: DuckDbEngine, sql: string): Promise<string[]> {
  const { rows } = await engine.query(sql);
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function compareAthenaStaged(scenario: Scenario): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), `hpu-athena-staging-${scenario.name}-`));
  const dataDir = join(root, 'data');
  let compared = 0;
  try {
    await runSimulation({ scenario, clusterName: 'hand', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    const engine = await DuckDbEngine.open(dataDir, { rawViews: false });
    try {
      for (let day = Math.floor(scenario.start / DAY_MS) * DAY_MS; day < scenario.end; day += DAY_MS) {
        const options: IntervalOptions = { relations: engine.rawRelationsFor(day - DAY_MS, day + 2 * DAY_MS), range: { start: day, end: day + DAY_MS }, clusters: ['hand'] };
        const steps = athenaStagingSelects(options, (cte) => `hpu_stage_test_${cte}`);
        assert.deepEqual(steps.map((s) => s.cte), [...ATHENA_STAGED_CTES]);
        // quota_segments is built from the staged intervals, not from the raw chain again.
        const segments = steps.find((s) => s.cte === 'quota_segments')?.select ?? '';
        assert.doesNotMatch(segments, /\bwl_rows AS \(/);
        assert.match(segments, /\bintervals AS \(\nSELECT \* FROM hpu_stage_test_intervals\n\)/);
        for (const { relation, select } of steps) await engine.execute(`CREATE OR REPLACE TEMP TABLE ${relation} AS ${select}`);
        const staged = new Map(steps.map((s) => [s.cte as string, s.relation]));
        for (const table of DAILY) {
          const sql = athenaStagedRollupSql(table, options, staged);
          for (const name of ['wl_cycles', 'pod_spans', 'member_split']) assert.doesNotMatch(sql, new RegExp(`\\b${name} AS \\(`), `${table} builds ${name} again`);
          assert.match(sql, /\bhpu_stage_test_(intervals|quota_segments)\b/, `${table} reads a staged table`);
          const expected = await rowsOf(engine, rollupSql(table, options));
          assert.deepEqual(await rowsOf(engine, sql), expected, `${scenario.name} ${new Date(day).toISOString().slice(0, 10)} ${table}`);
          compared += expected.length;
        }
        for (const { relation } of steps) await engine.execute(`DROP TABLE IF EXISTS ${relation}`);
      }
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return compared;
}

describe('rollups read from the Athena staging plan', () => {
  const scenarios: Array<[string, () => Scenario]> = [
    ['task-governance-walkthrough', () => resolveScenario('task-governance-walkthrough')],
    ...readdirSync(fixtures)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f): [string, () => Scenario] => [f, () => loadScenario(join(fixtures, f))]),
  ];
  for (const [name, load] of scenarios) {
    it(`give the rows of the unstaged queries: ${name}`, async () => {
      const compared = await compareAthenaStaged(load());
      assert.ok(compared > 0, 'the scenario gives rollup rows to compare');
    });
  }
});
