// Budget alert rules: their SQL runs on DuckDB over the walkthrough's rollups (team-a 13.041667
// GPU-hours and $39.91, team-b 2.983333 GPU-hours and $9.13 on 2025-04-16, hand-computed in
// reports.test.ts), and Grafana's reduce(last) → threshold(> 0) picks exactly the teams over
// budget or forecast over it. The Athena text of the same rules parses as Trino once Grafana's
// backend has expanded its one macro, and is what the provisioning file carries.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrinoSQL } from 'dt-sql-parser';
import { ATHENA_NOW_MACRO, budgetAlertRules, budgetAlertSql, localRelations, parseAlertSettings, sqlTimestamp, type BudgetAlertRule } from '@hyperpod-usage/model';
import type { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { budgetAlertGroup } from '../src/grafana/alert-files.js';
import { silentLogger } from '../src/log.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { runSimulation } from '../src/simulator/simulation.js';
import { aggregateRun } from './support/aggregation.js';

const settings = parseAlertSettings({
  budget: { forecastAfterDays: 3 },
  budgets: [
    { team: 'team-a', monthlyGpuHours: 12, monthlyCost: 50 },
    { team: 'team-b', monthlyGpuHours: 4, monthlyCost: 20 },
    // Budgets that must never fire: a cluster without team-b's usage, and a team with no usage.
    { team: 'team-b', cluster: 'elsewhere', monthlyGpuHours: 1 },
    { team: 'team-c', monthlyGpuHours: 1, monthlyCost: 1 },
  ],
});
const rules = budgetAlertRules(settings);
const rule = (uid: string) => rules.find((r) => r.uid === uid) as BudgetAlertRule;

// 2025-04-20 00:00 UTC: 19 of April's 30 days have passed, so the forecast scales by 30/19.
const NOW = Date.parse('2025-04-20T00:00:00Z');
const SCALE = 30 / 19;
const A_GPU = 13.041667;
const B_GPU = 2.983333;
const A_COST = 13.041667 * 3.06;

/** The alert instances Grafana would raise: per team and cluster, the last value if above 0. */
async function firing(engine: DuckDbEngine, r: BudgetAlertRule, now: number): Promise<Record<string, number>> {
  const sql = budgetAlertSql(r, { dialect: 'duckdb', relations: localRelations(), now: sqlTimestamp(now), forecastAfterDays: settings.budget.forecastAfterDays });
  const { rows } = await engine.query(sql);
  const times = rows.map((row) => new Date(String(row.time)).getTime());
  assert.deepEqual(times, [...times].sort((x, y) => x - y), 'time ascending');
  const last = new Map<string, number>();
  for (const row of rows) last.set(`${String(row.team)}@${String(row.cluster)}`, Number(row.over_budget));
  return Object.fromEntries([...last].filter(([, v]) => v > 0));
}

function near(actual: Record<string, number>, expected: Record<string, number>, what: string) {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: which teams fire`);
  for (const [k, v] of Object.entries(expected)) assert.ok(Math.abs((actual[k] as number) - v) < 1e-4, `${what} ${k}: ${actual[k]} ≠ ${v}`);
}

describe('budget alert rules on the rollups', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpu-budget-'));
  let engine: DuckDbEngine;
  before(async () => {
    const scenario = resolveScenario('task-governance-walkthrough');
    const dataDir = join(root, 'data');
    await runSimulation({ scenario, clusterName: 'walkthrough', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    engine = await aggregateRun(dataDir, scenario.start, scenario.end);
  });
  after(async () => {
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('one rule per metric and check, each covering the teams with such a budget', () => {
    assert.deepEqual(rules.map((r) => r.uid), ['hpu-budget-gpu-hours-month-to-date', 'hpu-budget-gpu-hours-forecast', 'hpu-budget-cost-month-to-date', 'hpu-budget-cost-forecast']);
    assert.deepEqual(rule('hpu-budget-cost-forecast').budgets.map((b) => b.team), ['team-a', 'team-b', 'team-c']);
  });

  it('month to date: only team-a is over its GPU-hour budget, and nobody over cost', async () => {
    near(await firing(engine, rule('hpu-budget-gpu-hours-month-to-date'), NOW), { 'team-a@all': A_GPU - 12 }, 'GPU-hours');
    near(await firing(engine, rule('hpu-budget-cost-month-to-date'), NOW), {}, 'cost');
  });

  it('forecast: team-a and team-b head over their GPU-hour budgets, team-a over its cost budget', async () => {
    near(await firing(engine, rule('hpu-budget-gpu-hours-forecast'), NOW), { 'team-a@all': A_GPU * SCALE - 12, 'team-b@all': B_GPU * SCALE - 4 }, 'GPU-hours');
    near(await firing(engine, rule('hpu-budget-cost-forecast'), NOW), { 'team-a@all': A_COST * SCALE - 50 }, 'cost');
  });

  it('a budget for one cluster counts only that cluster', async () => {
    const perCluster = parseAlertSettings({ budgets: [{ team: 'team-a', cluster: 'walkthrough', monthlyGpuHours: 10 }, { team: 'team-b', cluster: 'elsewhere', monthlyGpuHours: 1 }] });
    const r = budgetAlertRules(perCluster).find((x) => x.check === 'month_to_date') as BudgetAlertRule;
    near(await firing(engine, r, NOW), { 'team-a@walkthrough': A_GPU - 10 }, 'per cluster');
  });

  it('reads only the month of the evaluation time, and forecasts nothing in its first days', async () => {
    const may = Date.parse('2025-05-01T06:00:00Z');
    for (const r of rules) near(await firing(engine, r, may), {}, `${r.uid} in May`);
    const early = Date.parse('2025-04-02T12:00:00Z');
    near(await firing(engine, rule('hpu-budget-gpu-hours-forecast'), early), {}, 'forecast on April 2');
    // Month to date still counts on April 2 (the records of the 16th are "in the month" here).
    near(await firing(engine, rule('hpu-budget-gpu-hours-month-to-date'), early), { 'team-a@all': A_GPU - 12 }, 'month to date on April 2');
  });

  it('the Athena SQL has no dashboard variables, parses as Trino once the macro is expanded, and prunes partitions', () => {
    const parser = new TrinoSQL();
    const group = budgetAlertGroup(settings, { athenaUid: 'athena', variant: 'portable' });
    assert.equal(group.rules.length, 4);
    for (const r of group.rules) {
      const model = r.data[0]?.model as unknown as { rawSQL: string; format: number };
      assert.equal(model.format, 0, 'time series');
      assert.equal(model.rawSQL.split(ATHENA_NOW_MACRO).join(''), model.rawSQL.split(ATHENA_NOW_MACRO).join('').replace(/\$/g, ''), `${r.uid}: only the ${ATHENA_NOW_MACRO} macro`);
      const expanded = model.rawSQL.split(ATHENA_NOW_MACRO).join(sqlTimestamp(NOW));
      assert.deepEqual(parser.validate(expanded).map((e) => e.message), [], r.uid);
      assert.match(model.rawSQL, /WHERE s\.year = format_datetime\(\$__timeTo\(\), 'yyyy'\) AND s\.month = format_datetime\(\$__timeTo\(\), 'MM'\)/);
      assert.doesNotMatch(model.rawSQL, /team_hourly|task_hourly|raw/, 'reads the daily summary only');
    }
  });
});
