/**
 * `npm run bench:kill-proof`: what three SIGKILLs of `hpu collect` cost in recorded usage.
 *
 * A generated scenario is played by the simulator into the Kubernetes API test server and watched
 * by one `hpu collect` process (the real CLI). At three simulated times the process is killed with
 * SIGKILL and, a few simulated minutes later, started again on the same spool folder, as a pod
 * restart would. The collector is blind from each kill until the new process holds the Lease
 * (its caches are synced then), plus the reconnect slack; and from up to two flush intervals
 * before each kill, as records not yet flushed to the spool die with the process.
 *
 * The admitted intervals the aggregation reconstructs from the records are compared with the
 * simulator's truth, per resource, in resource-seconds:
 *   exact    intervals whose start and end match the truth, with an end Kubernetes stated;
 *   bounded  every other recorded interval (its end, or more, fell into a blind window);
 *   lost     truth that no recorded interval accounts for (truth − exact − bounded; negative
 *            means over-counted).
 * Checks (exit code 1 when one fails): every interval that is not exact is marked not stated;
 * every bounded interval's recorded and true end lie within a blind window; every truth interval
 * without a record lies within a blind window; no recorded interval has no truth at its start.
 *
 * Options: --seed N (1), --speed N simulated seconds per real second (60), --blind-minutes N
 * before the restart (8), --keep (leave the data folder).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { horizonCtes, workloadIntervalCtes, withClause } from '@hyperpod-usage/model';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { LEASES } from '../src/simulator/api-server.js';
import { generateScenario } from '../src/simulator/generator.js';
import { collectorSettings, runDrill, type DrillContext } from '../test/support/drill.js';

const MINUTE = 60_000;
/** Simulated time after a process holds the Lease until its watches have certainly delivered. */
const RECONNECT_SLACK_MS = 15 * MINUTE;
const KILL_MINUTES = [20, 50, 80];
/** The collector flushes every simulated minute (its default); what the last two held may be lost. */
const UNFLUSHED_MS = 2 * MINUTE;
/** Real time for the first `hpu collect` to start, sync and lead before the scenario starts. */
const STARTUP_ALLOWANCE_MS = 30_000;
const RESOURCES = [
  { key: 'gpu', kube: 'nvidia.com/gpu', label: 'GPU-seconds' },
  { key: 'cpu', kube: 'cpu', label: 'vCPU-seconds' },
] as const;

interface Window {
  from: number;
  to: number;
}

interface RecordedInterval {
  uid: string;
  start: number;
  end: number;
  stated: boolean;
  /** Still held at the end of the data. */
  open: boolean;
  amounts: Record<string, number>;
}

interface TrueInterval {
  uid: string;
  name: string;
  start: number;
  end: number;
  open: boolean;
  amounts: Record<string, number>;
}

function leaseHolder(ctx: DrillContext): string | undefined {
  const lease = ctx.server.get(LEASES, 'hyperpod-usage', 'hyperpod-usage-collector') as { spec?: { holderIdentity?: string } } | undefined;
  return lease?.spec?.holderIdentity || undefined;
}

function spawnCollector(ctx: DrillContext, identity: string, spoolDir: string): ChildProcess {
  const kubeconfig = join(ctx.root, 'kubeconfig.yaml');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "${ctx.url}", insecure-skip-tls-verify: true}}]\n` +
      `users: [{name: u, user: {token: t}}]\ncontexts: [{name: fake, context: {cluster: fake, user: u}}]\ncurrent-context: fake\n`,
  );
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  return spawn(
    process.execPath,
    ['--conditions=development', '--import', 'tsx', cli, 'collect',
      '--cluster-name', 'drill', '--storage-url', ctx.dataDir, '--spool-dir', spoolDir,
      '--kubeconfig', kubeconfig, '--identity', identity, '--lease-namespace', 'hyperpod-usage',
      '--lease-duration', '1500ms', '--renew-deadline', '1s', '--retry-period', '200ms',
      '--metrics-port', '0', '--simulated-clock', ctx.clock.toSpec(), '--log-level', 'error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function recordedIntervals(dataDir: string, start: number, end: number): Promise<RecordedInterval[]> {
  const engine = await DuckDbEngine.open(dataDir);
  try {
    const relations = { workload: 'workload', pod: 'pod', node: 'node', clusterqueue: 'clusterqueue', heartdub: 'heartdub' };
    const options = { relations, range: { start, end }, clusters: [] };
    const { rows } = await engine.query(
      `${withClause([...horizonCtes(options), ...workloadIntervalCtes(options)])}
       SELECT uid, start_at, end_at, bool_and(end_stated) AS stated, ${RESOURCES.map((r) => `sum(coalesce(${r.key}, 0)) AS ${r.key}`).join(', ')}
         FROM workload_intervals GROUP BY uid, start_at, end_at ORDER BY uid, start_at`,
    );
    return rows.map((r) => ({
      uid: String(r.uid),
      start: Number(r.start_at),
      end: Math.min(r.end_at === null ? end : Number(r.end_at), end),
      stated: r.stated === true,
      open: r.end_at === null,
      amounts: Object.fromEntries(RESOURCES.map((res) => [res.key, Number(r[res.key])])),
    }));
  } finally {
    await engine.close();
  }
}

function trueIntervals(ctx: DrillContext, end: number): TrueInterval[] {
  return ctx.simulator.workloadTruths().flatMap((w) =>
    w.admissions.map((a) => ({
      uid: w.uid,
      name: w.name,
      start: a.start,
      end: Math.min(a.end ?? end, end),
      open: a.end === null || a.end > end,
      amounts: Object.fromEntries(RESOURCES.map((r) => [r.key, Number(w.amounts.get(r.kube) ?? 0n) / 1000])),
    })),
  );
}

const seconds = (i: { start: number; end: number }): number => Math.max(0, i.end - i.start) / 1000;
const iso = (t: number): string => new Date(t).toISOString().slice(11, 19);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      speed: { type: 'string', default: '60' },
      'blind-minutes': { type: 'string', default: '8' },
      keep: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  const speed = Number(values.speed);
  const blindMs = Number(values['blind-minutes']) * MINUTE;
  if (!Number.isSafeInteger(seed) || !(speed > 0 && speed <= 3600) || !(blindMs > 0 && blindMs <= 20 * MINUTE)) {
    console.error('kill-proof: --seed is an integer, --speed 1..3600, --blind-minutes 1..20');
    return 2;
  }
  const scenario = generateScenario({
    name: 'kill-proof',
    seed,
    nodes: 24,
    instanceMix: { 'ml.p5.48xlarge': 1, 'ml.g5.12xlarge': 1, 'ml.g5.8xlarge': 1 },
    teams: 6,
    teamsPerCohort: 2,
    workloads: 40,
    pods: 160,
    eventsPerSecond: 2,
    targetUtilization: 0.95,
    durationMs: 110 * MINUTE,
    maxJobNodes: 4,
    daemonPodsPerNode: 2,
    notebooks: 4,
  });
  const windows: Window[] = [];
  const syncs: Array<Promise<void>> = [];
  let current: ChildProcess | undefined;
  let generation = 0;
  const spool = (ctx: DrillContext) => collectorSettings(ctx, 'kill-proof').spoolDir;
  const faults = KILL_MINUTES.flatMap((minute) => [
    {
      at: scenario.start + minute * MINUTE,
      run: (ctx: DrillContext) => {
        current?.kill('SIGKILL');
        // Records not yet flushed to the spool die with the process.
        windows.push({ from: ctx.clock.now() - UNFLUSHED_MS, to: Number.NaN });
        console.error(`SIGKILL at ${iso(ctx.clock.now())}`);
      },
    },
    {
      at: scenario.start + minute * MINUTE + blindMs,
      run: (ctx: DrillContext) => {
        generation++;
        const identity = `kill-proof-${generation}`;
        current = spawnCollector(ctx, identity, spool(ctx));
        const window = windows[windows.length - 1] as Window;
        // The drill keeps playing the scenario meanwhile: the window closes once the new process leads.
        syncs.push(
          waitFor(() => leaseHolder(ctx) === identity, 120_000, `${identity} to take the Lease`).then(() => {
            window.to = ctx.clock.now() + RECONNECT_SLACK_MS;
            console.error(`restarted, synced at ${iso(ctx.clock.now())}`);
          }),
        );
      },
    },
  ]);
  const ctx = await runDrill({
    scenario,
    speed,
    startupAllowanceMs: STARTUP_ALLOWANCE_MS,
    start: async (c) => {
      current = spawnCollector(c, 'kill-proof-0', spool(c));
      await waitFor(() => leaseHolder(c) === 'kill-proof-0', 120_000, 'the collector to take the Lease');
      // On a busy machine the first process may sync after the scenario began: blind until then.
      if (c.clock.now() > scenario.start) windows.push({ from: scenario.start, to: c.clock.now() + RECONNECT_SLACK_MS });
      return async () => {
        await new Promise((r) => setTimeout(r, 1000));
        const child = current;
        if (child && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await new Promise((r) => child.once('exit', r));
        }
      };
    },
    faults,
  });
  await Promise.all(syncs);
  try {
    const end = scenario.end;
    // An admission at the very end of the data holds nothing yet, on either side.
    const recorded = (await recordedIntervals(ctx.dataDir, scenario.start, end)).filter((i) => i.end > i.start);
    const truth = trueIntervals(ctx, end).filter((t) => t.end > t.start);
    const inWindow = (t: number) => windows.find((w) => t >= w.from && t <= w.to);
    const problems: string[] = [];
    const totals = Object.fromEntries(RESOURCES.map((r) => [r.key, { truth: 0, exact: 0, bounded: 0, boundedTruth: 0 }]));
    const unmatched = new Set(recorded);
    let exactCount = 0;
    let boundedCount = 0;
    let lostCount = 0;
    for (const t of truth) {
      for (const r of RESOURCES) (totals[r.key] as { truth: number }).truth += t.amounts[r.key]! * seconds(t);
      const got = recorded.find((i) => i.uid === t.uid && i.start === t.start);
      if (!got) {
        lostCount++;
        if (!inWindow(t.start) || !inWindow(t.end)) problems.push(`${t.name} ${iso(t.start)}-${iso(t.end)}: not recorded, and not inside a blind window`);
        continue;
      }
      unmatched.delete(got);
      // Exact: the end Kubernetes stated, or still held at the end on both sides.
      if (got.end === t.end && (got.stated || (got.open && t.open))) {
        exactCount++;
        for (const r of RESOURCES) (totals[r.key] as { exact: number }).exact += got.amounts[r.key]! * seconds(got);
        continue;
      }
      boundedCount++;
      for (const r of RESOURCES) {
        const total = totals[r.key] as { bounded: number; boundedTruth: number };
        total.bounded += got.amounts[r.key]! * seconds(got);
        total.boundedTruth += t.amounts[r.key]! * seconds(t);
      }
      if (got.stated) problems.push(`${t.name} ${iso(t.start)}: recorded end ${iso(got.end)} ≠ true end ${iso(t.end)}, yet marked stated`);
      if (!inWindow(got.end) || !inWindow(t.end)) {
        problems.push(`${t.name} ${iso(t.start)}: recorded end ${iso(got.end)} or true end ${iso(t.end)} outside every blind window`);
      }
    }
    for (const i of unmatched) problems.push(`recorded interval ${i.uid} from ${iso(i.start)} has no true admission at its start`);

    const out = (line: string) => console.log(line);
    out(`kill-proof: seed ${seed}, ${truth.length} true admissions, ${KILL_MINUTES.length} SIGKILLs, ${values['blind-minutes']} simulated minutes down each`);
    out(`blind windows (kill → synced + ${RECONNECT_SLACK_MS / MINUTE} min slack): ${windows.map((w) => `${iso(w.from)}–${iso(w.to)}`).join(', ')}`);
    out(`intervals: ${exactCount} exact, ${boundedCount} bounded, ${lostCount} lost`);
    out('');
    out('bounded = what the not-stated intervals recorded; (truth) = what they really held; excess = the difference,');
    out('all of it inside blind windows; lost = truth no recorded interval accounts for (admissions wholly while blind).');
    out(`${'resource'.padEnd(14)}${['truth', 'recorded', 'exact', 'bounded', '(truth)', 'excess', 'lost'].map((h) => h.padStart(12)).join('')}`);
    for (const r of RESOURCES) {
      const t = totals[r.key] as { truth: number; exact: number; bounded: number; boundedTruth: number };
      const cells = [t.truth, t.exact + t.bounded, t.exact, t.bounded, t.boundedTruth, t.bounded - t.boundedTruth, t.truth - t.exact - t.boundedTruth];
      out(`${r.label.padEnd(14)}${cells.map((c) => c.toFixed(0).padStart(12)).join('')}`);
    }
    out('');
    if (problems.length === 0) out('checks: every non-exact interval is marked not stated and lies within a blind window');
    for (const p of problems) out(`PROBLEM ${p}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    if (values.keep) console.error(`data kept in ${ctx.dataDir}`);
    else rmSync(ctx.root, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`kill-proof: ${(error as Error).message}`);
    process.exitCode = 1;
  },
);
