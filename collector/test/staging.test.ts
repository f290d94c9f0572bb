// The rollups read from a day's staged tables (held intervals and quota segments built once, with
// DuckDB's own SQL forms) give exactly the rows of the portable rollup queries that build
// everything from the raw records themselves.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DAY_MS, ROLLUP_TABLE_NAMES, rollupSql, sharedRangeCtes, stagingSelects, STAGED_CTES, type IntervalOptions, type RollupTableName } from '@hyperpod-usage/model';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { loadScenario, type Scenario } from '../src/simulator/scenario.js';
import { runSimulation } from '../src/simulator/simulation.js';

const fixtures = fileURLToPath(new URL('fixtures/aggregation/', import.meta.url));
const DAILY = ROLLUP_TABLE_NAMES.filter((t): t is Exclude<RollupTableName, 'prices'> => t !== 'prices');

/** Rows as sorted JSON lines: the rollups' ORDER BY leaves ties in any order. */
async function rowsOf(engine: DuckDbEngine, sql: string): Promise<string[]> {
  const { rows } = await engine.query(sql);
  return rows.map((r) => JSON.stringify(r)).sort();
}

async function compareStaged(scenario: Scenario): Promise<number> {
  const root = mkdtempSync(join(tmpdir(), `hpu-staging-${scenario.name}-`));
  const dataDir = join(root, 'data');
  let compared = 0;
  try {
    await runSimulation({ scenario, clusterName: 'hand', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    const engine = await DuckDbEngine.open(dataDir, { rawViews: false });
    try {
      for (let day = Math.floor(scenario.start / DAY_MS) * DAY_MS; day < scenario.end; day += DAY_MS) {
        const options: IntervalOptions = { relations: engine.rawRelationsFor(day - DAY_MS, day + 2 * DAY_MS), range: { start: day, end: day + DAY_MS }, clusters: ['hand'] };
        const unstaged = new Map<string, string[]>();
        for (const table of DAILY) unstaged.set(table, await rowsOf(engine, rollupSql(table, options)));
        // Staged as the aggregation stages on DuckDB: with DuckDB's own forms, against the portable queries.
        const duckdb: IntervalOptions = { ...options, dialect: 'duckdb' };
        for (const { name, select } of stagingSelects(sharedRangeCtes(duckdb))) await engine.execute(`CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`);
        const staged = new Set<string>(STAGED_CTES);
        for (const table of DAILY) {
          const sql = rollupSql(table, { ...duckdb, staged });
          for (const name of ['wl_cycles', 'pod_spans', 'member_split']) {
            if (table !== 'task_daily' && table !== 'capacity_hourly') assert.doesNotMatch(sql, new RegExp(`\\b${name} AS \\(`), `${table} builds ${name} again`);
          }
          const expected = unstaged.get(table) ?? [];
          assert.deepEqual(await rowsOf(engine, sql), expected, `${scenario.name} ${new Date(day).toISOString().slice(0, 10)} ${table}`);
          compared += expected.length;
        }
        for (const name of STAGED_CTES) await engine.execute(`DROP TABLE IF EXISTS ${name}`);
      }
    } finally {
      await engine.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return compared;
}

describe('staged rollups', () => {
  const scenarios: Array<[string, () => Scenario]> = [
    ['task-governance-walkthrough', () => resolveScenario('task-governance-walkthrough')],
    ...readdirSync(fixtures)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f): [string, () => Scenario] => [f, () => loadScenario(join(fixtures, f))]),
  ];
  for (const [name, load] of scenarios) {
    it(`give the rows of the unstaged queries: ${name}`, async () => {
      const compared = await compareStaged(load());
      assert.ok(compared > 0, 'the scenario gives rollup rows to compare');
    });
  }
});
