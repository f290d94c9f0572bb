/**
 * Failure drills: a scenario played on a simulated clock, with faults fired at given simulated
 * times, watched by collectors the test starts. The simulator keeps changing the cluster while
 * the collector is blind, as a real cluster would.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaledClock, sleepReal } from '../../src/clock.js';
import { Collector, type CollectorDeps, type CollectorSettings } from '../../src/collector.js';
import { kubeConfigForUrl } from '../../src/kube/kubeconfig.js';
import { silentLogger } from '../../src/log.js';
import { FakeApiServer } from '../../src/simulator/api-server.js';
import { ClusterSimulator } from '../../src/simulator/engine.js';
import type { Scenario } from '../../src/simulator/scenario.js';
import { DEFAULT_TEAM_MAPPING } from '../../src/state/teams.js';
import type { Interval } from './intervals.js';

export interface DrillContext {
  server: FakeApiServer;
  url: string;
  clock: ScaledClock;
  simulator: ClusterSimulator;
  root: string;
  dataDir: string;
}

export interface Fault {
  /** Simulated time (epoch ms) at which it fires. */
  at: number;
  run(ctx: DrillContext): void | Promise<void>;
}

export interface Drill {
  scenario: Scenario;
  speed: number;
  faults?: Fault[];
  /** Starts the collectors; returns how to stop them at the end. */
  start(ctx: DrillContext): Promise<() => Promise<void>>;
  /** Real time from the drill's start until the scenario's start, for the collectors to sync. */
  startupAllowanceMs?: number;
}

const STARTUP_ALLOWANCE_MS = 2500;

export async function runDrill(drill: Drill): Promise<DrillContext> {
  const { scenario } = drill;
  const server = new FakeApiServer({ kueueVersions: [scenario.kueueApiVersion], historySize: 100_000 });
  const url = await server.start();
  const root = mkdtempSync(join(tmpdir(), `hpu-drill-${scenario.name}-`));
  const ctx: DrillContext = {
    server,
    url,
    clock: new ScaledClock(scenario.start, Date.now() + (drill.startupAllowanceMs ?? STARTUP_ALLOWANCE_MS), drill.speed, scenario.end),
    simulator: new ClusterSimulator(scenario, server, 'drill'),
    root,
    dataDir: join(root, 'data'),
  };
  try {
    const stop = await drill.start(ctx);
    const faults = [...(drill.faults ?? [])].sort((a, b) => a.at - b.at);
    while (ctx.clock.now() < scenario.end || faults.length) {
      const now = ctx.clock.now();
      ctx.simulator.applyUntil(now);
      while (faults.length && (faults[0] as Fault).at <= now) await (faults.shift() as Fault).run(ctx);
      await sleepReal(5);
    }
    ctx.simulator.applyUntil(scenario.end);
    await sleepReal(500);
    await stop();
    return ctx;
  } finally {
    if (server.isUp) await server.stop();
  }
}

export function collectorSettings(ctx: DrillContext, name: string): CollectorSettings {
  return {
    clusterName: 'drill',
    storage: { kind: 'local', directory: ctx.dataDir },
    flushIntervalMs: 60_000,
    spoolDir: join(ctx.root, `spool-${name}`),
    spoolMaxBytes: 256 * 1024 * 1024,
    teamMapping: DEFAULT_TEAM_MAPPING,
    metricsAddress: '127.0.0.1',
    metricsPort: 0,
    identity: name,
    kueueVersion: 'auto',
  };
}

/** An in-process collector on the drill's clock, with short watch backoff. */
export function drillCollector(
  ctx: DrillContext,
  name: string,
  deps: Partial<CollectorDeps> = {},
  settings: Partial<CollectorSettings> = {},
): Collector {
  return new Collector({ ...collectorSettings(ctx, name), ...settings }, {
    kubeConfig: kubeConfigForUrl(ctx.url, { token: name }),
    log: silentLogger,
    clock: ctx.clock,
    // Scaled like the clock (600x): a watch open for 100 ms real has lived a simulated minute.
    watchBackoff: { initialMs: 100, maxMs: 1000, healthyWatchMs: 100 },
    ...deps,
  });
}

/**
 * A scenario played with one collector that is killed (no flush, no goodbye) `from` minutes after
 * the scenario's start and replaced by a new one `to` minutes after it.
 */
export async function runOutage(scenario: Scenario, outage: { from: number; to: number }): Promise<DrillContext> {
  let current: Collector | undefined;
  return runDrill({
    scenario,
    speed: 1200,
    start: async (c) => {
      current = drillCollector(c, 'before');
      await current.start();
      return () => (current as Collector).stop();
    },
    faults: [
      { at: at(scenario, outage.from), run: () => (current as Collector).kill() },
      {
        at: at(scenario, outage.to),
        run: async (c) => {
          current = drillCollector(c, 'after');
          await current.start();
        },
      },
    ],
  });
}

/** A simulated duration from the scenario start. */
export const at = (scenario: Scenario, minutes: number, seconds = 0): number => scenario.start + minutes * 60_000 + seconds * 1000;

export interface BlindWindow {
  from: number;
  /** When the collector could see again; ends discovered after that may be bounded later by this much. */
  to: number;
}

/**
 * Compares intervals read from the records with the truth. Outside blind windows every interval
 * must match to the second with an end Kubernetes stated. An interval that ended while the
 * collector was blind may carry a bounded end instead: not before the true end, and no later than
 * the window's end plus `slackMs` (the time to relist or snapshot after regaining sight).
 */
export function assertIntervals(
  actual: readonly Interval[],
  truth: ReadonlyArray<Omit<Interval, 'stated'>>,
  windows: readonly BlindWindow[] = [],
  slackMs = 0,
): void {
  const remaining = [...actual];
  const inWindow = (t: number) => windows.find((w) => t >= w.from && t <= w.to);
  for (const expected of truth) {
    const i = remaining.findIndex((a) => a.task === expected.task && a.start === expected.start);
    assert.ok(i >= 0, `missing interval ${expected.task} from ${expected.start}`);
    const [got] = remaining.splice(i, 1) as [Interval];
    if (got.end === expected.end) continue;
    const trueEnd = expected.end === null ? NaN : Date.parse(expected.end);
    const window = inWindow(trueEnd);
    assert.ok(window, `${expected.task} from ${expected.start}: end ${got.end} differs from ${expected.end} outside any blind window`);
    assert.equal(got.stated, false, `${expected.task}: a bounded end must not claim to be stated`);
    const end = Date.parse(got.end ?? '');
    assert.ok(end >= trueEnd && end <= window.to + slackMs, `${expected.task}: end ${got.end} outside [${expected.end}, window end + slack]`);
  }
  assert.deepEqual(remaining, [], 'intervals that never happened');
}
