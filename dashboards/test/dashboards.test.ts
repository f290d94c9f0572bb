// The generated dashboards: every panel has a query; every SQL parses as Trino (portable) and, in
// DuckDB dialect (local), runs on the walkthrough's rollups with the variables and range macros
// filled in as Grafana and the data sources would, returning the hand-computed numbers; every
// PromQL is one promql.test.ts evaluates; every variable, data source and link resolves; the
// files are what the generator writes; and the panel list matches its snapshot.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrinoSQL } from 'dt-sql-parser';
import { DASHBOARD_KEYS, dashboardUid, sqlString, type DashboardVariant } from '@hyperpod-usage/model';
import type { DuckDbEngine } from '../../collector/src/engine/duckdb-engine.js';
import { silentLogger } from '../../collector/src/log.js';
import { resolveScenario } from '../../collector/src/simulator/builtin.js';
import { runSimulation } from '../../collector/src/simulator/simulation.js';
import { aggregateRun } from '../../collector/test/support/aggregation.js';
import { dashboardText, generateDashboards, type GeneratedDashboard } from '../src/build.js';
import { ALL_PROMQL } from '../src/promql.js';
import { LOCAL_DATA_PATH } from '../src/variants.js';
import { interpolateGrafanaVariables } from './grafana-interpolation.js';

const root = new URL('../../', import.meta.url).pathname;
const generated = generateDashboards();
const of = (variant: DashboardVariant) => generated.filter((d) => d.variant === variant);

interface Target {
  refId: string;
  datasource?: { type: string; uid: string };
  rawSQL?: string;
  rawSql?: string;
  expr?: string;
  usage?: { measures?: string[] };
  format?: number | string;
}
interface Panel {
  type: string;
  title: string;
  targets?: Target[];
  datasource?: { type: string; uid: string };
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  datasource?: { type: string; uid: string };
}

const panelsOf = (d: GeneratedDashboard) => (d.json.panels as Panel[]).filter((p) => p.type !== 'row');
const variablesOf = (d: GeneratedDashboard) => (d.json.templating as { list: Variable[] }).list;

// The walkthrough's day and what Grafana sends for it.
const FROM = '2025-04-16 00:00:00';
const TO = '2025-04-17 00:00:00';
/** As the Athena data source's backend expands them: TIMESTAMP literals, and bare digits for `$__rawTime…(yyyyMMdd)`. */
const athenaMacros = (sql: string) =>
  sql
    .split('$__timeFrom()').join(`TIMESTAMP '${FROM}'`)
    .split('$__timeTo()').join(`TIMESTAMP '${TO}'`)
    .split('$__rawTimeFrom(yyyyMMdd)').join('20250416')
    .split('$__rawTimeTo(yyyyMMdd)').join('20250417');
const duckdbMacros = (sql: string) => sql.split('$__timeFrom()').join("'2025-04-16T00:00:00Z'").split('$__timeTo()').join("'2025-04-17T00:00:00Z'");
/** Grafana's `sqlstring` format: each value quoted, quotes doubled, joined by commas. */
const sqlstring = (values: readonly string[]) => values.map(sqlString).join(',');

describe('generated dashboards', () => {
  it('are the files the generator writes (npm run dashboards:generate)', () => {
    for (const d of generated) assert.equal(readFileSync(join(root, d.path), 'utf8'), dashboardText(d.json), `${d.path} is stale: run npm run dashboards:generate`);
  });

  it('every panel has a query, on the data source its variant names', () => {
    for (const d of generated) {
      for (const p of panelsOf(d)) {
        const what = `${d.path}: ${p.title}`;
        assert.ok(p.targets && p.targets.length > 0, `${what} has no query`);
        for (const t of p.targets) {
          const query = t.rawSQL ?? t.rawSql ?? t.expr ?? (t.usage?.measures?.length ? 'usage' : '');
          assert.ok(query.trim().length > 0, `${what} ${t.refId}: empty query`);
          assert.deepEqual(t.datasource, p.datasource, `${what}: target and panel use one data source`);
          if (t.datasource?.type === 'grafana-athena-datasource') assert.ok(t.format === 0 || t.format === 1, `${what}: Athena format set explicitly`);
          if (t.datasource?.type === 'motherduck-duckdb-datasource') assert.ok(t.format === 'time_series' || t.format === 'table', `${what}: DuckDB format set`);
        }
      }
    }
  });

  it('the three variants have the same panels, and the app variant queries with the UsageQuery object', () => {
    const titles = (v: DashboardVariant) => of(v).map((d) => panelsOf(d).map((p) => p.title));
    assert.deepEqual(titles('portable'), titles('app'));
    assert.deepEqual(titles('local'), titles('app'));
    const appTargets = of('app').flatMap(panelsOf).flatMap((p) => p.targets ?? []).filter((t) => t.datasource?.type === 'hyperpod-usage-datasource');
    assert.ok(appTargets.length > 20);
    for (const t of appTargets) assert.ok(Array.isArray(t.usage?.measures) && !('rawSQL' in t), 'a UsageQuery, not SQL');
  });

  it('every PromQL target is one of the expressions promql.test.ts evaluates', () => {
    const known = new Set(Object.values(ALL_PROMQL).map((e) => e.expr));
    const used = generated.flatMap(panelsOf).flatMap((p) => p.targets ?? []).filter((t) => t.expr !== undefined);
    assert.ok(used.length > 50);
    for (const t of used) assert.ok(known.has(t.expr as string), `unknown PromQL ${t.expr}`);
  });

  it('every variable, data source and dashboard link resolves', () => {
    const uids = new Set(generated.map((d) => d.json.uid as string));
    for (const d of generated) {
      const variables = variablesOf(d);
      const names = new Set(variables.map((v) => v.name));
      const text = JSON.stringify(d.json);
      for (const m of text.matchAll(/\$\{([A-Za-z_]\w*)(?::[a-z]+)?\}|\$([A-Za-z_]\w*)/g)) {
        const name = (m[1] ?? m[2]) as string;
        if (name.startsWith('__')) continue; // Grafana's own ($__range, $__timeFrom(), ${__value.raw}, ...)
        assert.ok(names.has(name), `${d.path}: ${m[0]} is not a variable of the dashboard`);
      }
      const dsVars = new Map(variables.filter((v) => v.type === 'datasource').map((v) => [v.name, v.query as string]));
      for (const p of panelsOf(d)) {
        for (const ref of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
          const name = /^\$\{(\w+)\}$/.exec(ref?.uid ?? '')?.[1];
          assert.ok(name && dsVars.get(name) === ref?.type, `${d.path}: ${p.title} uses ${JSON.stringify(ref)}, not a data source variable of that type`);
        }
      }
      for (const v of variables.filter((x) => x.type === 'query')) {
        const name = /^\$\{(\w+)\}$/.exec(v.datasource?.uid ?? '')?.[1];
        assert.ok(name && dsVars.get(name) === v.datasource?.type, `${d.path}: variable ${v.name} has no resolvable data source`);
      }
      for (const m of text.matchAll(/\/d\/([A-Za-z0-9-]+)/g)) assert.ok(uids.has(m[1] as string), `${d.path}: link to unknown dashboard ${m[1]}`);
      for (const key of DASHBOARD_KEYS.filter((k) => k !== d.key)) assert.ok(text.includes(`/d/${dashboardUid(key, d.variant)}`), `${d.path} links to ${key}`);
    }
  });

  it('every portable SQL parses as Trino once the macros and variables are filled in', () => {
    const parser = new TrinoSQL();
    const values = { 'cluster:sqlstring': "'walkthrough','it''s'", 'team:sqlstring': "'team-a'", 'instance_type:sqlstring': "'ml.g5.8xlarge'", 'namespace:sqlstring': "'hyperpod-ns-team-a'" };
    let count = 0;
    for (const d of of('portable')) {
      const sqls = [...panelsOf(d).flatMap((p) => p.targets ?? []).map((t) => t.rawSQL), ...variablesOf(d).map((v) => (v.query as { rawSQL?: string }).rawSQL)].filter((s): s is string => !!s);
      for (const sql of sqls) {
        const expanded = athenaMacros(interpolateGrafanaVariables(sql, values));
        assert.deepEqual(parser.validate(expanded).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`), [], `${d.path}:\n${expanded}`);
        count++;
      }
    }
    assert.ok(count > 30, `${count} statements`);
  });
});

describe('local dashboards on the walkthrough rollups (DuckDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpu-dashboards-'));
  const dataDir = join(dir, 'data');
  let engine: DuckDbEngine;
  before(async () => {
    const scenario = resolveScenario('task-governance-walkthrough');
    await runSimulation({ scenario, clusterName: 'walkthrough', storage: { kind: 'local', directory: dataDir }, spoolDir: join(dir, 'spool'), speed: 3600, log: silentLogger });
    engine = await aggregateRun(dataDir, scenario.start, scenario.end);
  });
  after(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The SQL as the DuckDB data source runs it, over the test's copy of the data. */
  const runnable = (sql: string, values: Record<string, string>) =>
    duckdbMacros(interpolateGrafanaVariables(sql, values)).split(sqlString(LOCAL_DATA_PATH).slice(0, -1)).join(sqlString(dataDir).slice(0, -1));

  async function rows(sql: string, values: Record<string, string>) {
    return (await engine.query(runnable(sql, values))).rows as Array<Record<string, unknown>>;
  }

  /** The variables' values as Grafana would offer them, each query run in order (cluster, then team, ...), All selected. */
  async function allValues(d: GeneratedDashboard): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    for (const v of variablesOf(d).filter((x) => x.type === 'query')) {
      const found = (await rows((v.query as { rawSql: string }).rawSql, values)).map((r) => String(Object.values(r)[0]));
      assert.ok(found.length > 0, `${d.path}: variable ${v.name} lists no values`);
      values[`${v.name}:sqlstring`] = sqlstring(found);
      values[v.name] = `(${found.join('|')})`;
    }
    return values;
  }

  it('the variables list the walkthrough cluster, its teams, instance type and namespaces', async () => {
    const efficiency = of('local').find((d) => d.key === 'team-efficiency') as GeneratedDashboard;
    const values = await allValues(efficiency);
    assert.equal(values['cluster:sqlstring'], "'walkthrough'");
    assert.equal(values['team:sqlstring'], "'team-a','team-b'");
    assert.equal(values['instance_type:sqlstring'], "'ml.g5.8xlarge'");
    assert.match(values['namespace:sqlstring'] as string, /'hyperpod-ns-team-a','hyperpod-ns-team-b'/);
  });

  it('every local SQL panel runs', async () => {
    for (const d of of('local')) {
      const values = await allValues(d);
      for (const p of panelsOf(d)) for (const t of p.targets ?? []) if (t.rawSql) await rows(t.rawSql, values);
    }
  });

  it('the team usage table shows the hand-computed hours and cost', async () => {
    const d = of('local').find((x) => x.key === 'team-usage') as GeneratedDashboard;
    const values = await allValues(d);
    const table = panelsOf(d).find((p) => p.title === 'Per team') as Panel;
    const result = await rows((table.targets?.[0] as Target).rawSql as string, values);
    const byTeam = Object.fromEntries(result.map((r) => [r.team, r]));
    const near = (a: unknown, e: number, what: string) => assert.ok(Math.abs(Number(a) - e) < 1e-4, `${what}: ${String(a)} ≠ ${e}`);
    // From the walkthrough's expected block and reports.test.ts: team-a 13.041667 GPU-h (8.025 own,
    // 5.016667 borrowed), $39.91 at $3.06; team-b 2.983333 GPU-h, all own, $9.13.
    near(byTeam['team-a']?.hours, 13.041667, 'team-a hours');
    near(byTeam['team-a']?.own_hours, 8.025, 'team-a own');
    near(byTeam['team-a']?.borrowed_hours, 5.016667, 'team-a borrowed');
    near(byTeam['team-a']?.cost, 13.041667 * 3.06, 'team-a cost');
    near(byTeam['team-b']?.hours, 2.983333, 'team-b hours');
    near(byTeam['team-b']?.borrowed_hours, 0, 'team-b borrowed');
    near(byTeam['team-b']?.cost, 2.983333 * 3.06, 'team-b cost');
    // Narrowing the team variable narrows the panel.
    const onlyB = await rows((table.targets?.[0] as Target).rawSql as string, { ...values, 'team:sqlstring': "'team-b'" });
    assert.deepEqual(onlyB.map((r) => r.team), ['team-b']);
  });

  it('the own-vs-borrowed time series is one row per day, time ascending', async () => {
    const d = of('local').find((x) => x.key === 'team-usage') as GeneratedDashboard;
    const values = await allValues(d);
    const panel = panelsOf(d).find((p) => p.title.startsWith('GPU-hours per day: own')) as Panel;
    const result = await rows((panel.targets?.[0] as Target).rawSql as string, values);
    assert.equal(result.length, 1);
    assert.ok(Math.abs(Number(result[0]?.own_hours) - (8.025 + 2.983333)) < 1e-4);
  });
});

describe('panel list snapshot', () => {
  it('matches dashboards/test/panel-list.snapshot.txt (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    const lines = of('app').flatMap((d) => [
      `# ${d.json.title as string} (${d.key})`,
      ...(d.json.panels as Panel[]).map((p) => (p.type === 'row' ? `## ${p.title}` : `- ${p.title} [${p.type}; ${(p.targets ?? []).map((t) => (t.expr !== undefined ? 'promql' : 'usage')).join(', ')}]`)),
    ]);
    const file = join(root, 'dashboards/test/panel-list.snapshot.txt');
    const text = `${lines.join('\n')}\n`;
    if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(file, text);
    assert.equal(text, readFileSync(file, 'utf8'));
  });
});
