/**
 * `hpu demo` (`npm run demo`): the whole pipeline on the embedded default, on one machine and
 * without an AWS account: the built-in scenarios through the Kubernetes API test server and a
 * real collector into a local directory in the S3 layout, the aggregation on DuckDB, and the
 * reports. Prints a per-team table and says where the reports are.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DAY_MS, DEFAULT_PRICES, effectivePrices, localRelations } from '@hyperpod-usage/model';
import { aggregate } from '../aggregate/aggregator.js';
import { LocalRollupWriter } from '../aggregate/rollup-writer.js';
import { DuckDbEngine } from '../engine/duckdb-engine.js';
import { createLogger } from '../log.js';
import { buildReportData } from '../reports/build-report.js';
import { renderReport } from '../reports/index.js';
import type { ReportData, ReportFormat, ReportType } from '../reports/report-data.js';
import { resolveScenario } from '../simulator/builtin.js';
import type { Scenario } from '../simulator/scenario.js';
import { runSimulation } from '../simulator/simulation.js';

/** The walkthrough (hand-checked answers) and a generated cluster with six teams. */
export const DEMO_SCENARIOS = ['task-governance-walkthrough', 'demo-small'];

export const DEMO_USAGE = `Usage: hpu demo [--out DIR]
  Plays ${DEMO_SCENARIOS.join(' and ')} through a test Kubernetes API server and a real
  collector, aggregates the records with DuckDB, writes the reports, and prints hours and cost
  per team.
  --out DIR   where to put everything (default ./out/demo; emptied first)`;

const dayOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Per team over the report: own and borrowed GPU-hours, vCPU and NeuronCore hours, lent, cost. */
export function teamTable(data: ReportData): string {
  interface Line {
    team: string;
    own: number;
    borrowed: number;
    vcpu: number;
    neuron: number;
    lent: number;
    cost: number | null;
    idleShare: number | null;
  }
  const lines = new Map<string, Line>();
  const line = (team: string): Line => {
    const l = lines.get(team) ?? { team, own: 0, borrowed: 0, vcpu: 0, neuron: 0, lent: 0, cost: null, idleShare: null };
    lines.set(team, l);
    return l;
  };
  for (const t of data.teamDays) {
    const l = line(t.team);
    l.own += t.ownGpuHours;
    l.borrowed += t.borrowedGpuHours;
    l.vcpu += t.vcpuHours;
    l.neuron += t.neuronCoreHours;
    if (t.costUsd !== null) l.cost = (l.cost ?? 0) + t.costUsd;
    if (t.idleShareUsd !== null) l.idleShare = (l.idleShare ?? 0) + t.idleShareUsd;
  }
  for (const lent of data.lent) line(lent.team).lent += lent.gpuHours;
  const money = (v: number | null) => (v === null ? 'n/a' : `$${v.toFixed(2)}`);
  const rows = [...lines.values()]
    .sort((a, b) => a.team.localeCompare(b.team))
    .map((l) => [l.team || '(no team)', l.own.toFixed(2), l.borrowed.toFixed(2), l.lent.toFixed(2), l.vcpu.toFixed(1), l.neuron.toFixed(1), money(l.cost), money(l.idleShare)]);
  const idleGpu = data.idle.reduce((a, i) => a + i.gpuHours, 0);
  const idleCost = data.idle.some((i) => i.costUsd !== null) ? data.idle.reduce((a, i) => a + (i.costUsd ?? 0), 0) : null;
  rows.push(['(idle capacity)', '', '', '', data.idle.reduce((a, i) => a + i.vcpuHours, 0).toFixed(1), data.idle.reduce((a, i) => a + i.neuronCoreHours, 0).toFixed(1), money(idleCost), '']);
  rows[rows.length - 1]?.splice(1, 1, idleGpu.toFixed(2));
  const header = ['team', 'GPU h own', 'GPU h borrowed', 'GPU h lent', 'vCPU h', 'NeuronCore h', 'cost', 'idle share'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

export async function demo(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...args], options: { out: { type: 'string', default: 'out/demo' } }, strict: true });
  const out = resolve(values.out);
  await rm(out, { recursive: true, force: true });
  const dataDir = join(out, 'usage-data');
  const log = createLogger({ level: 'warn' });
  const began = Date.now();

  const played: Scenario[] = [];
  for (const name of DEMO_SCENARIOS) {
    const scenario = resolveScenario(name);
    process.stdout.write(`Simulating ${scenario.name} on cluster "${scenario.name}": ${scenario.description}\n`);
    const result = await runSimulation({ scenario, clusterName: scenario.name, storage: { kind: 'local', directory: dataDir }, spoolDir: join(out, 'spool'), speed: 3600, log });
    process.stdout.write(`  the collector wrote ${result.recordsWritten} records in ${result.realSeconds.toFixed(1)} s\n`);
    played.push(scenario);
  }

  const engine = await DuckDbEngine.open(dataDir);
  try {
    const days = new Set<number>();
    for (const s of played) for (let d = Math.floor(s.start / DAY_MS) * DAY_MS; d < s.end; d += DAY_MS) days.add(d);
    const aggregated = await aggregate({
      writer: new LocalRollupWriter(engine, dataDir),
      relations: localRelations(),
      days: [...days],
      clusters: played.map((s) => s.name),
      prices: effectivePrices('us-east-1', DEFAULT_PRICES),
      costSplit: 'accelerator',
      log,
    });
    await engine.refreshViews();
    process.stdout.write(`Aggregated ${aggregated.partitions} rollup partitions with DuckDB in ${aggregated.seconds.toFixed(1)} s.\n`);

    const reportDir = join(out, 'reports');
    await mkdir(reportDir, { recursive: true });
    const written: string[] = [];
    for (const scenario of played) {
      const base = { startDate: dayOf(scenario.start), endDate: dayOf(scenario.end - 1), clusterName: scenario.name, generatedAt: new Date() };
      let summary: ReportData | undefined;
      for (const [type, format] of [['summary', 'csv'], ['summary', 'pdf'], ['detailed', 'csv'], ['detailed', 'pdf']] as Array<[ReportType, ReportFormat]>) {
        const data = await buildReportData({ request: { ...base, type, format }, engine, relations: localRelations(), idleSharing: 'quota' });
        summary ??= data;
        const rendered = await renderReport(data);
        const folder = join(reportDir, scenario.name);
        await mkdir(folder, { recursive: true });
        await writeFile(join(folder, rendered.fileName), rendered.body);
        written.push(relative(process.cwd(), join(folder, rendered.fileName)));
      }
      process.stdout.write(`\n${scenario.name}, ${base.startDate}${base.endDate !== base.startDate ? ` to ${base.endDate}` : ''} (cost at the default prices; idle cost shared by quota):\n`);
      process.stdout.write(`${teamTable(summary as ReportData)}\n`);
    }
    process.stdout.write(`\nReports:\n${written.map((w) => `  ${w}`).join('\n')}\n`);
    process.stdout.write(`Raw records and rollups (Parquet, S3 layout): ${relative(process.cwd(), dataDir) || '.'}\n`);
    process.stdout.write(`Done in ${((Date.now() - began) / 1000).toFixed(0)} s.\n`);
  } finally {
    await engine.close();
  }
}
