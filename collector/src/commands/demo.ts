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
import { teamLabel, teamTotals } from '../reports/team-totals.js';
import type { ReportData, ReportFormat, ReportType } from '../reports/report-data.js';
import { resolveScenario } from '../simulator/builtin.js';
import type { Scenario } from '../simulator/scenario.js';
import { runSimulation } from '../simulator/simulation.js';
import { writeDemoGrafanaFiles } from '../grafana/demo-files.js';

/** The walkthrough (hand-checked answers) and a generated cluster with six teams. */
const DEMO_SCENARIOS = ['task-governance-walkthrough', 'demo-small'];

export const DEMO_USAGE = `Usage: hpu demo [--out DIR]
  Plays ${DEMO_SCENARIOS.join(' and ')} through a test Kubernetes API server and a real
  collector, aggregates the records with DuckDB, writes the reports and the generated Grafana
  dashboards and alert rules, and prints hours and cost per team and where to look.
  --out DIR   where to put everything (default ./out/demo; emptied first)`;

const dayOf = (t: number): string => new Date(t).toISOString().slice(0, 10);

/** Per team over the report: own and borrowed GPU-hours, lent, vCPU and NeuronCore hours, cost. */
function teamTable(data: ReportData): string {
  const lent = new Map<string, number>();
  for (const l of data.lent) lent.set(teamLabel(l.team), (lent.get(teamLabel(l.team)) ?? 0) + l.gpuHours);
  const money = (v: number, known: boolean) => (known ? `$${v.toFixed(2)}` : 'n/a');
  const rows = teamTotals(data, [])
    .sort((a, b) => a.team.localeCompare(b.team))
    .map((t) => [t.team, t.own.toFixed(2), t.borrowed.toFixed(2), (lent.get(t.team) ?? 0).toFixed(2), t.vcpu.toFixed(1), t.neuron.toFixed(1), money(t.cost, t.priced), money(t.idleShare, t.shared)]);
  const sum = (pick: (i: ReportData['idle'][number]) => number) => data.idle.reduce((a, i) => a + pick(i), 0);
  const idleCostKnown = data.idle.some((i) => i.costUsd !== null);
  rows.push(['(idle capacity)', sum((i) => i.gpuHours).toFixed(2), '', '', sum((i) => i.vcpuHours).toFixed(1), sum((i) => i.neuronCoreHours).toFixed(1), money(sum((i) => i.costUsd ?? 0), idleCostKnown), '']);
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
      rawRelationsFor: (start, end) => engine.rawRelationsFor(start, end),
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
    const range = { from: Math.min(...played.map((p) => p.start)), to: Math.max(...played.map((p) => p.end)) };
    const grafana = await writeDemoGrafanaFiles(join(out, 'grafana'), range);
    const rel = (p: string) => relative(process.cwd(), p);
    process.stdout.write(`\nGrafana dashboards and alert rules, generated from code (${grafana.written.length} files):
  ${rel(join(out, 'grafana/dashboards/local'))}      DuckDB over the data above (what docker compose shows)
  ${rel(join(out, 'grafana/dashboards/portable'))}   Athena + Prometheus, for any Grafana: hpu grafana install --url URL --token TOKEN
  ${rel(join(out, 'grafana/alerting'))}              Grafana alert rules; hyperpod-usage-rules.yaml for Amazon Managed Service for Prometheus
To look at them: docker compose up (the app plugin needs npm run build first), then open
${grafana.urls.map((u) => `  ${u}`).join('\n')}
`);
    process.stdout.write(`Done in ${((Date.now() - began) / 1000).toFixed(0)} s.\n`);
  } finally {
    await engine.close();
  }
}
