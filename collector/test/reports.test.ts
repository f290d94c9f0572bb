// Reports end to end: the walkthrough's records aggregated on DuckDB, then `hpu report` run as a
// user would, its CSV checked cell by cell against the hand-computed answers, its PDF read back
// with pdftotext; and hostile names carried through aggregation and reports unchanged and harmless.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { sqlString } from '@hyperpod-usage/model';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { missingPeriods } from '../src/reports/build-report.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { runSimulation } from '../src/simulator/simulation.js';
import { aggregateRun } from './support/aggregation.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const scenario = resolveScenario('task-governance-walkthrough');

function hpu(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function csvRows(file: string): string[][] {
  return parse(readFileSync(file, 'utf8'), { relax_column_count: true, skip_empty_lines: false }) as string[][];
}

/** The data rows of a report table: the rows after the column header until a blank line. */
function table(rows: string[][], firstHeader: string): string[][] {
  const start = rows.findIndex((r) => r[0] === firstHeader);
  assert.ok(start >= 0, `no table starting with ${firstHeader}`);
  const out: string[][] = [];
  for (const r of rows.slice(start + 1)) {
    if (r.length === 1 && r[0] === '') break;
    out.push(r);
  }
  return out;
}

describe('reports from the walkthrough', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpu-reports-'));
  const dataDir = join(root, 'data');
  const out = join(root, 'reports');
  const base = ['report', '--data', dataDir, '--start-date', '2025-04-16', '--end-date', '2025-04-16', '--cluster-name', 'walkthrough', '--output-report-location', out];

  before(async () => {
    await runSimulation({ scenario, clusterName: 'walkthrough', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    const engine = await aggregateRun(dataDir, scenario.start, scenario.end);
    await engine.close();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the summary CSV has the hand-computed hours and cost, cell by cell', () => {
    const run = hpu([...base, '--type', 'summary', '--format', 'csv']);
    assert.equal(run.status, 0, run.stderr);
    const rows = csvRows(join(out, 'summary-report-2025-04-16.csv'));
    assert.deepEqual(rows.slice(0, 5), [
      ['Amazon SageMaker HyperPod'],
      ['Cluster Name: walkthrough'],
      ['Report Type: Summary Utilization Report'],
      [`Report Date Generated: ${new Date().toISOString().slice(0, 10)}`],
      ['Report Date Range (UTC): 2025-04-16 to 2025-04-16'],
    ]);
    // team-a: 13.041667 GPU-h, 8.025 own, 5.016667 borrowed, 84.3 vCPU-h; at $3.06 per GPU-hour $39.91.
    // team-b: 2.983333 GPU-h, all own, 23.866667 vCPU-h; $9.13. The notebook outside Kueue: 16 vCPU-h, no GPU cost.
    assert.deepEqual(table(rows, 'Date'), [
      ['2025-04-16', 'data-science', '', 'ml.g5.8xlarge', '0.00', '0.00', '0.00', '0.00', '0.00', '0.00', '16.00', '16.00', '0.00', '0.00'],
      ['2025-04-16', 'hyperpod-ns-team-a', 'team-a', 'ml.g5.8xlarge', '0.00', '0.00', '0.00', '13.04', '8.03', '5.02', '84.30', '84.30', '0.00', '39.91'],
      ['2025-04-16', 'hyperpod-ns-team-b', 'team-b', 'ml.g5.8xlarge', '0.00', '0.00', '0.00', '2.98', '2.98', '0.00', '23.87', '23.87', '0.00', '9.13'],
    ]);
    assert.deepEqual(table(rows, 'Lent quota'), [
      ['Date', 'Namespace', 'Team', 'Instance Type', 'Lent GPU (hours)', 'Lent vCPU (hours)', 'Lent NeuronCore (hours)'],
      ['2025-04-16', 'hyperpod-ns-team-b', 'team-b', 'ml.g5.8xlarge', '5.02', '0.00', '0.00'],
    ]);
  });

  it('the detailed CSV lists every interval with its status and times', () => {
    const run = hpu([...base, '--type', 'detailed', '--format', 'csv', '--namespace', 'hyperpod-ns-team-a']);
    assert.equal(run.status, 0, run.stderr);
    const rows = csvRows(join(out, 'detailed-report-2025-04-16-hyperpod-ns-team-a.csv'));
    assert.ok(rows.some((r) => r[0] === 'Namespace: hyperpod-ns-team-a'));
    const data = table(rows, 'Date').map((r) => [r[1], r[2], r[5], r[7], r[10], r[11]]);
    assert.deepEqual(data, [
      ['2025-04-16 08:00:00', '2025-04-16 09:00:30', 'pytorchjob-a-pretrain-7f3a1', 'Preempted', '4.03', '4.00'],
      ['2025-04-16 09:15:00', '2025-04-16 10:00:30', 'pytorchjob-a-eval-52be0', 'Preempted', '1.52', '2.00'],
      ['2025-04-16 10:00:30', '2025-04-16 11:30:00', 'pod-a-serve-6d8f4', 'Deleted', '1.49', '1.00'],
      ['2025-04-16 10:30:00', '2025-04-16 11:30:00', 'pytorchjob-a-eval-52be0', 'Finished', '2.00', '2.00'],
      ['2025-04-16 11:30:00', '2025-04-16 12:30:00', 'pytorchjob-a-pretrain-7f3a1', 'Finished', '4.00', '4.00'],
    ]);
  });

  it('the PDF reads back: header, teams, figures, and one section per namespace', (t) => {
    const run = hpu([...base, '--type', 'summary', '--format', 'pdf', '--share-idle', 'quota']);
    assert.equal(run.status, 0, run.stderr);
    const pdf = join(out, 'summary-report-2025-04-16.pdf');
    const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    if (text.error) {
      if (process.env.CI) assert.fail('pdftotext is missing (apt-get install poppler-utils)');
      t.skip('pdftotext is not installed');
      return;
    }
    const pages = text.stdout.split('\f');
    assert.match(pages[0] ?? '', /Cluster Name: walkthrough/);
    assert.match(pages[0] ?? '', /team-a/);
    assert.match(pages[0] ?? '', /5\.02/, 'borrowed GPU-hours on the summary page');
    for (const ns of ['hyperpod-ns-team-a', 'hyperpod-ns-team-b']) {
      assert.ok(pages.some((p) => p.includes(`Namespace: ${ns}`)), `a section for ${ns}`);
    }
    const png = join(root, 'page1');
    spawnSync('pdftoppm', ['-png', '-r', '50', '-f', '1', '-l', '1', pdf, png]);
    const image = readdirSync(root).find((f) => f.startsWith('page1') && f.endsWith('.png'));
    assert.ok(image && statSync(join(root, image)).size > 10_000, 'page 1 renders to a non-trivial PNG');
  });

  it("reads raw records only of the report's days: a broken raw file of another day is never opened", () => {
    const copy = join(root, 'data-with-broken-day');
    cpSync(dataDir, copy, { recursive: true });
    for (const table of ['heartdub', 'pod']) {
      const folder = join(copy, 'raw', table, 'year=2025', 'month=03', 'day=01', 'hour=00', 'cluster=walkthrough');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'broken.parquet'), 'not a parquet file');
    }
    const reportsOfCopy = join(root, 'reports-of-copy');
    const run = hpu(['report', '--data', copy, ...base.slice(3, -1), reportsOfCopy, '--type', 'summary', '--format', 'csv']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(hpu([...base, '--type', 'summary', '--format', 'csv']).status, 0);
    // The same report, missing-data periods included.
    const rowsOf = (dir: string) => csvRows(join(dir, 'summary-report-2025-04-16.csv'));
    assert.deepEqual(rowsOf(reportsOfCopy), rowsOf(out));
  });

  it('refuses --task on a summary report, and bad dates, with one line and exit code 2', () => {
    const task = hpu([...base, '--type', 'summary', '--format', 'csv', '--task', 'x']);
    assert.equal(task.status, 2);
    assert.equal(task.stderr.trim(), 'hpu report: --task applies to detailed reports only: a summary report has no task column');
    const dates = hpu([...base.slice(0, 3), '--start-date', '2025-04-17', '--end-date', '2025-04-16', ...base.slice(7), '--type', 'summary', '--format', 'csv']);
    assert.equal(dates.status, 2);
    assert.match(dates.stderr, /--end-date 2025-04-16 is before --start-date 2025-04-17/);
  });
});

describe('missing data periods', () => {
  const h = (iso: string) => Date.parse(iso);
  it('finds every hour without a heartbeat, whole days included, but not the future', () => {
    const present = new Set<number>();
    // Day 1: data 00:00-05:00 and 08:00-23:00; day 2: nothing at all; day 3: 00:00-11:00; now is day 3, 12:30.
    for (let x = h('2025-04-16T00:00:00Z'); x < h('2025-04-16T05:00:00Z'); x += 3_600_000) present.add(x);
    for (let x = h('2025-04-16T08:00:00Z'); x < h('2025-04-17T00:00:00Z'); x += 3_600_000) present.add(x);
    for (let x = h('2025-04-18T00:00:00Z'); x < h('2025-04-18T11:00:00Z'); x += 3_600_000) present.add(x);
    const periods = missingPeriods(present, h('2025-04-16T00:00:00Z'), h('2025-04-18T00:00:00Z'), h('2025-04-18T12:30:00Z'));
    assert.deepEqual(
      periods.map((p) => [new Date(p.start).toISOString(), new Date(p.end).toISOString()]),
      [
        ['2025-04-16T05:00:00.000Z', '2025-04-16T08:00:00.000Z'],
        ['2025-04-17T00:00:00.000Z', '2025-04-18T00:00:00.000Z'],
        ['2025-04-18T11:00:00.000Z', '2025-04-18T12:00:00.000Z'],
      ],
    );
  });
});

describe('hostile names', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpu-hostile-'));
  const dataDir = join(root, 'data');
  const hostile = {
    namespace: "ns'; DROP TABLE workload; --",
    team: "=cmd|' /C calc'!A0",
    task: 'tâche "ünïcødé" 🚀, with a comma\nand a newline',
  };

  before(async () => {
    await runSimulation({ scenario, clusterName: 'hostile', storage: { kind: 'local', directory: dataDir }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    // Kubernetes would refuse such names, but a team mapping file or another writer need not:
    // rewrite team A's names in the raw records themselves.
    const engine = await DuckDbEngine.open(dataDir);
    const replace = (column: string, from: string, to: string) => `replace(${column}, ${sqlString(from)}, ${sqlString(to)}) AS ${column}`;
    for (const table of ['workload', 'pod', 'clusterqueue']) {
      for (const file of readdirSync(join(dataDir, 'raw', table), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'))) {
        const path = join(dataDir, 'raw', table, file);
        const columns = [replace('namespace', 'hyperpod-ns-team-a', hostile.namespace), replace('team', 'team-a', hostile.team)];
        if (table === 'workload') columns.push(replace('workload_name', 'pytorchjob-a-eval-52be0', hostile.task));
        await engine.execute(`COPY (SELECT * REPLACE (${columns.join(', ')}) FROM read_parquet(${sqlString(path)})) TO ${sqlString(`${path}.new`)} (FORMAT parquet)`);
        await engine.execute(`COPY (SELECT * FROM read_parquet(${sqlString(`${path}.new`)})) TO ${sqlString(path)} (FORMAT parquet)`);
        rmSync(`${path}.new`);
      }
    }
    await engine.close();
    (await aggregateRun(dataDir, scenario.start, scenario.end)).close();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('go through aggregation unchanged', async () => {
    const engine = await DuckDbEngine.open(dataDir);
    try {
      const { rows } = await engine.query(`SELECT DISTINCT team, namespace FROM team_hourly WHERE team = ${sqlString(hostile.team)}`);
      assert.deepEqual(rows, [{ team: hostile.team, namespace: hostile.namespace }]);
      const tasks = await engine.query(`SELECT round(sum(gpu_hours), 6) AS gpu FROM task_hourly WHERE task_name = ${sqlString(hostile.task)}`);
      assert.equal(tasks.rows[0]?.gpu, 3.516667, "the renamed task keeps its hours");
      const summary = await engine.query(`SELECT round(sum(total_gpu_utilization_hours), 6) AS gpu FROM summary_report WHERE team = ${sqlString(hostile.team)}`);
      assert.equal(summary.rows[0]?.gpu, 13.041667);
    } finally {
      await engine.close();
    }
  });

  it('come out of the CSV reports harmless: quoted, formulas neutralised, filters escaped', () => {
    const out = join(root, 'reports');
    const run = hpu(['report', '--data', dataDir, '--start-date', '2025-04-16', '--end-date', '2025-04-16', '--cluster-name', 'hostile',
      '--output-report-location', out, '--type', 'detailed', '--format', 'csv', '--namespace', hostile.namespace]);
    assert.equal(run.status, 0, run.stderr);
    const [file] = readdirSync(out);
    assert.ok(file && !file.includes('/') && !file.includes("'") && file.startsWith('detailed-report-2025-04-16-'), `safe file name: ${file}`);
    const rows = csvRows(join(out, file as string));
    const data = table(rows, 'Date');
    assert.equal(data.length, 5, 'only the hostile namespace, found through an escaped filter');
    for (const row of rows) for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, `a cell starts a formula: ${JSON.stringify(cell)}`);
    assert.ok(data.every((r) => r[3] === hostile.namespace && r[4] === `'${hostile.team}`));
    assert.ok(data.some((r) => r[5] === hostile.task), 'the task name round-trips, newline and all');
  });
});
