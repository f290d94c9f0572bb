// Failure drills. Each plays the same busy scenario with a fault and checks that the records let
// the aggregation reproduce every admitted interval to the second, as the fault-free run does;
// where the collector could not see an end (a deletion while it was blind), the end is bounded
// and marked as not stated. docs/collector.md describes the guarantees tested here.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { loadScenario } from '../src/simulator/scenario.js';
import { LEASES } from '../src/simulator/api-server.js';
import type { Collector } from '../src/collector.js';
import { at, assertIntervals, collectorSettings, drillCollector, runDrill, type DrillContext } from './support/drill.js';
import { FaultProxy } from './support/fault-proxy.js';
import { readIntervals, truePodIntervals, trueWorkloadIntervals } from './support/intervals.js';
import { mirrorPrefix, startS3 } from './support/s3.js';

const scenario = loadScenario(fileURLToPath(new URL('fixtures/failure-drill.yaml', import.meta.url)));
/** 600 simulated seconds per real second: the 90-minute drill takes 9 s. */
const SPEED = 600;
/** Simulated time it may take after regaining sight to relist or snapshot (real backoff ≤ 1 s). */
const SLACK_MS = 15 * 60_000;
/**
 * After an outage the collector stays blind until its watches reconnect: up to the drill's watch
 * backoff maximum (1 s real, 10 simulated minutes at 600×), longer on a loaded machine.
 */
const RECONNECT_MS = 15 * 60_000;

async function singleCollector(ctx: DrillContext, holder: { collector?: Collector }): Promise<() => Promise<void>> {
  holder.collector = drillCollector(ctx, 'primary');
  await holder.collector.start();
  return () => (holder.collector as Collector).stop();
}

async function checkRecords(ctx: DrillContext, windows: Array<{ from: number; to: number }> = []): Promise<void> {
  const { workloads, pods } = await readIntervals(ctx.dataDir, scenario.start, scenario.end);
  assertIntervals(workloads, trueWorkloadIntervals(ctx.simulator), windows, SLACK_MS);
  assertIntervals(pods, truePodIntervals(ctx.simulator), windows, SLACK_MS);
}

describe('collector failure drills', { concurrency: false }, () => {
  it('without faults, the records reproduce every interval exactly', async () => {
    const ctx = await runDrill({ scenario, speed: SPEED, start: (c) => singleCollector(c, {}) });
    await checkRecords(ctx);
  });

  it('watch streams dropped mid-stream: the watches resume and nothing is lost', async () => {
    const holder: { collector?: Collector } = {};
    const ctx = await runDrill({
      scenario,
      speed: SPEED,
      start: (c) => singleCollector(c, holder),
      faults: [20, 30, 31, 55, 60, 70].map((m) => ({ at: at(scenario, m, 5), run: (c) => c.server.dropWatches() })),
    });
    await checkRecords(ctx);
    const restarts = await holder.collector?.metrics.watchRestarts.get();
    assert.ok((restarts?.values.reduce((s, v) => s + v.value, 0) ?? 0) > 0, 'the restarts are counted');
  });

  it('410 Gone: the caches relist and converge; every interval stays exact', async () => {
    const ctx = await runDrill({
      scenario,
      speed: SPEED,
      start: (c) => singleCollector(c, {}),
      faults: [25, 45, 65].map((m) => ({
        at: at(scenario, m),
        run: (c) => {
          c.server.expireHistory();
          c.server.endWatches();
        },
      })),
    });
    await checkRecords(ctx);
    assert.ok(ctx.server.counters.expiredWatches > 0, 'the server did answer 410');
  });

  it('API server down for a minute: the watches resume from their last version', async () => {
    const holder: { collector?: Collector } = {};
    const ctx = await runDrill({
      scenario,
      speed: SPEED,
      start: (c) => singleCollector(c, holder),
      faults: [
        // w5 is deleted at +60m while the collector cannot reach the server.
        { at: at(scenario, 59, 30), run: (c) => c.server.goDown() },
        { at: at(scenario, 60, 30), run: (c) => c.server.comeUp() },
      ],
    });
    await checkRecords(ctx);
    const restarts = await holder.collector?.metrics.watchRestarts.get();
    assert.ok((restarts?.values.reduce((s, v) => s + v.value, 0) ?? 0) > 0, 'the collector did lose its watches');
  });

  it('API server down for ten minutes, history lost: deletions in the gap get bounded ends', async () => {
    const from = at(scenario, 58);
    const to = at(scenario, 72);
    const ctx = await runDrill({
      scenario,
      speed: SPEED,
      start: (c) => singleCollector(c, {}),
      faults: [
        { at: from, run: (c) => c.server.goDown() },
        {
          at: to,
          run: (c) => {
            c.server.expireHistory();
            return c.server.comeUp();
          },
        },
      ],
    });
    // w5 (+60m) and w3 (+70m) were deleted while the collector was blind.
    await checkRecords(ctx, [{ from, to: to + RECONNECT_MS }]);
    const { workloads } = await readIntervals(ctx.dataDir, scenario.start, scenario.end);
    const bounded = workloads.filter((w) => !w.stated).map((w) => w.task);
    assert.deepEqual(bounded.sort(), ['w3-alpha-big', 'w5-beta-serve']);
  });

  it('S3 answering 503, 500, then timing out for a while: the spool holds the files until uploads succeed', async () => {
    const s3 = await startS3('usage-drill');
    const proxy = new FaultProxy(s3.endpoint);
    const proxyUrl = await proxy.start();
    let collector: Collector | undefined;
    try {
      const ctx = await runDrill({
        scenario,
        speed: SPEED,
        start: async (c) => {
          collector = drillCollector(
            c,
            's3-writer',
            // Short timeouts so the hanging endpoint costs the drill a second, not thirty.
            { storeOptions: { s3Endpoint: proxyUrl, s3ClientConfig: s3.clientConfig, s3Timeouts: { connectionMs: 500, requestMs: 1000 } } },
            { storage: { kind: 's3', bucket: 'usage-drill', prefix: 'hpu' } },
          );
          await collector.start();
          return () => (collector as Collector).stop(20_000);
        },
        faults: [
          { at: at(scenario, 15), run: () => void (proxy.fault = '503') },
          { at: at(scenario, 30), run: () => void (proxy.fault = '500') },
          { at: at(scenario, 45), run: () => void (proxy.fault = 'hang') },
          { at: at(scenario, 60), run: () => void (proxy.fault = 'none') },
        ],
      });
      assert.ok(proxy.counts.failed > 0, 'faults were served');
      const failures = await collector?.metrics.uploadFailures.get();
      assert.ok((failures?.values[0]?.value ?? 0) > 0, 'upload failures are counted');
      const keys = await mirrorPrefix(s3.client, 'usage-drill', 'hpu', ctx.dataDir);
      assert.ok(keys.every((k) => /^hpu\/raw\/(workload|clusterqueue|pod|node|heartdub)\//.test(k)));
      await checkRecords(ctx);
    } finally {
      await proxy.stop();
      await s3.stop();
    }
  });

  it('collector killed mid-hour and restarted: its spool is uploaded, and a deletion while it was down is bounded', async () => {
    const killedAt = at(scenario, 58);
    const restartedAt = at(scenario, 63);
    let current: Collector | undefined;
    const ctx = await runDrill({
      scenario,
      speed: SPEED,
      start: async (c) => {
        current = drillCollector(c, 'first');
        await current.start();
        return () => (current as Collector).stop();
      },
      faults: [
        { at: killedAt, run: () => (current as Collector).kill() },
        {
          at: restartedAt,
          run: async (c) => {
            // Same pod, new process: the spool on the emptyDir survived the container restart.
            current = drillCollector(c, 'second', {}, { spoolDir: collectorSettings(c, 'first').spoolDir });
            await current.start();
          },
        },
      ],
    });
    // w5 was deleted at +60m while no collector ran: its end is bounded by the restart's snapshot.
    await checkRecords(ctx, [{ from: killedAt, to: restartedAt }]);
    const { workloads } = await readIntervals(ctx.dataDir, scenario.start, scenario.end);
    assert.deepEqual(workloads.filter((w) => !w.stated).map((w) => w.task), ['w5-beta-serve']);
  });
});

/** Real time two collector processes get to start, sync and elect a leader. */
const PROCESS_STARTUP_MS = 15_000;

/**
 * Half the other drills' speed: the standby needs the Lease to expire (1.5 s) and a renewal round
 * to take over, and on a busy 2-core machine that real time must not grow past the 20 simulated
 * minutes before the next workload runs and finishes.
 */
const FAILOVER_SPEED = 300;

function leaseHolder(ctx: DrillContext): string | undefined {
  const lease = ctx.server.get(LEASES, 'hyperpod-usage', 'hyperpod-usage-collector') as { spec?: { holderIdentity?: string } } | undefined;
  return lease?.spec?.holderIdentity || undefined;
}

describe('leader failover between two collector processes', () => {
  it('the standby takes over when the leader dies; only the leader writes', async () => {
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const processes = new Map<string, ChildProcess>();
    const killedAt = at(scenario, 64);
    let killed: string | undefined;
    const ctx = await runDrill({
      scenario,
      speed: FAILOVER_SPEED,
      // Two Node processes boot, sync and elect a leader before the scenario starts, even on a busy machine.
      startupAllowanceMs: PROCESS_STARTUP_MS,
      start: async (c) => {
        const kubeconfig = join(c.root, 'kubeconfig.yaml');
        writeFileSync(
          kubeconfig,
          `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "${c.url}", insecure-skip-tls-verify: true}}]\n` +
            `users: [{name: u, user: {token: t}}]\ncontexts: [{name: fake, context: {cluster: fake, user: u}}]\ncurrent-context: fake\n`,
        );
        for (const name of ['replica-a', 'replica-b']) {
          const settings = collectorSettings(c, name);
          const child = spawn(
            process.execPath,
            ['--conditions=development', '--import', 'tsx', cli, 'collect',
              '--cluster-name', 'drill', '--storage-url', c.dataDir, '--spool-dir', settings.spoolDir,
              '--kubeconfig', kubeconfig, '--identity', name, '--lease-namespace', 'hyperpod-usage',
              '--lease-duration', '1500ms', '--renew-deadline', '1s', '--retry-period', '200ms',
              '--metrics-port', '0', '--simulated-clock', c.clock.toSpec(), '--log-level', 'warn'],
            { stdio: ['ignore', 'ignore', 'inherit'] },
          );
          processes.set(name, child);
        }
        // A replica takes the Lease only once its caches are synced, so from then on no event is missed.
        while (!leaseHolder(c)) {
          assert.ok(Date.now() < c.clock.realOrigin, 'no replica took the Lease before the scenario started');
          await new Promise((r) => setTimeout(r, 50));
        }
        return async () => {
          // On a busy machine the standby may take over only after the scenario's end; its snapshot
          // (the clock stands still at the end) then records what happened meanwhile.
          const deadline = Date.now() + 30_000;
          while ((!leaseHolder(c) || leaseHolder(c) === killed) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          await new Promise((r) => setTimeout(r, 1000));
          for (const child of processes.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await Promise.all(
            [...processes.values()].map((p) => (p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => p.once('exit', r)))),
          );
        };
      },
      faults: [
        {
          at: killedAt,
          run: (c) => {
            const leader = leaseHolder(c);
            assert.ok(leader && processes.has(leader), `a replica leads (lease holder: ${leader})`);
            processes.get(leader)?.kill('SIGKILL');
            killed = leader;
          },
        },
      ],
    });
    // The gap lasts until the standby notices the expired Lease (1.5 s real ≈ 7.5 simulated minutes).
    await checkRecords(ctx, [{ from: killedAt, to: killedAt + 20 * 60_000 }]);
    // Only the leader writes: heartbeats come from one replica, then from the other, never both.
    const engine = await DuckDbEngine.open(ctx.dataDir);
    try {
      const { rows } = await engine.query(
        `SELECT writer_id, min("timestamp") AS first, max("timestamp") AS last FROM heartdub GROUP BY writer_id ORDER BY first`,
      );
      assert.equal(rows.length, 2, `two writers, one after the other: ${JSON.stringify(rows)}`);
      assert.ok(Number(rows[0]?.last) < Number(rows[1]?.first), 'the second replica wrote only after the first stopped');
    } finally {
      await engine.close();
    }
  });
});
