// /metrics, /healthz and /readyz of a collector watching the walkthrough, frozen at 08:30 when
// team A runs four GPUs on two of its own and two borrowed from team B.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QUOTA_METRICS } from '@hyperpod-usage/model';
import { ScaledClock, sleepReal } from '../src/clock.js';
import { Collector } from '../src/collector.js';
import { kubeConfigForUrl } from '../src/kube/kubeconfig.js';
import { silentLogger } from '../src/log.js';
import { FakeApiServer } from '../src/simulator/api-server.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import { ClusterSimulator } from '../src/simulator/engine.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';

const scenario = resolveScenario('task-governance-walkthrough');
const frozenAt = Date.parse('2025-04-16T08:30:00Z');

/** Value of a sample in Prometheus text exposition, matched by name and labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('collector metrics and health', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpu-metrics-'));
  const server = new FakeApiServer({ kueueVersions: ['v1beta1'] });
  let collector: Collector;
  let metrics = '';

  before(async () => {
    const url = await server.start();
    const simulator = new ClusterSimulator(scenario, server, 'metrics');
    simulator.applyUntil(frozenAt);
    collector = new Collector(
      {
        clusterName: 'metrics',
        storage: { kind: 'local', directory: join(root, 'data') },
        flushIntervalMs: 60_000,
        spoolDir: join(root, 'spool'),
        spoolMaxBytes: 64 * 1024 * 1024,
        teamMapping: DEFAULT_TEAM_MAPPING,
        metricsAddress: '127.0.0.1',
        metricsPort: 0,
        identity: 'metrics-test',
        kueueVersion: 'auto',
      },
      { kubeConfig: kubeConfigForUrl(url), log: silentLogger, clock: new ScaledClock(frozenAt, Date.now(), 1, frozenAt) },
    );
    await collector.start();
    for (let i = 0; i < 100 && !collector.ready; i++) await sleepReal(50);
    await sleepReal(200);
    metrics = await (await fetch(`${collector.url}/metrics`)).text();
  });
  after(async () => {
    await collector.stop();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('exports live quota per team, flavor and resource, with the lent share', () => {
    const a = { team: 'team-a', resource: 'gpu', instance_type: 'ml.g5.8xlarge', cohort: 'shared-g5' };
    const b = { ...a, team: 'team-b' };
    assert.equal(sample(metrics, QUOTA_METRICS.nominal.name, a), 2);
    assert.equal(sample(metrics, QUOTA_METRICS.usage.name, a), 4);
    assert.equal(sample(metrics, QUOTA_METRICS.borrowed.name, a), 2);
    assert.equal(sample(metrics, QUOTA_METRICS.lent.name, a), 0);
    assert.equal(sample(metrics, QUOTA_METRICS.borrowingLimit.name, a), 2);
    assert.equal(sample(metrics, QUOTA_METRICS.usage.name, b), 0);
    assert.equal(sample(metrics, QUOTA_METRICS.lent.name, b), 2, "team B's two idle GPUs are what team A borrows");
    assert.equal(sample(metrics, QUOTA_METRICS.lendingLimit.name, b), undefined, 'no lending limit: no sample');
    assert.equal(sample(metrics, QUOTA_METRICS.usage.name, { team: 'team-a', resource: 'cpu' }), 32);
    assert.equal(sample(metrics, QUOTA_METRICS.usage.name, { team: 'team-a', resource: 'memory_bytes' }), 128 * 1024 ** 3);
    assert.equal(sample(metrics, QUOTA_METRICS.workloads.name, { team: 'team-a', state: 'admitted' }), 1);
  });

  it('exports its own health', () => {
    assert.equal(sample(metrics, 'hyperpod_usage_collector_leader', { cluster: 'metrics' }), 1);
    assert.ok((sample(metrics, 'hyperpod_usage_collector_events_total', { kind: 'Workload', type: 'add' }) ?? 0) >= 1);
    assert.match(metrics, /^hyperpod_usage_collector_spool_bytes\{cluster="metrics"\} \d+/m);
    const heapUsed = sample(metrics, 'hyperpod_usage_collector_heap_used_bytes', { cluster: 'metrics' }) ?? 0;
    const heapLimit = sample(metrics, 'hyperpod_usage_collector_heap_limit_bytes', { cluster: 'metrics' }) ?? 0;
    assert.ok(heapUsed > 0 && heapUsed < heapLimit, `heap ${heapUsed} of ${heapLimit}`);
  });

  it('is valid Prometheus exposition (promtool check metrics)', (t) => {
    const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
    if (check.error && (check.error as NodeJS.ErrnoException).code === 'ENOENT') {
      assert.fail('promtool is not installed (apt-get install prometheus); .ci/run installs it');
    }
    t.diagnostic(check.stdout + check.stderr);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it('answers health and readiness probes', async () => {
    assert.equal((await fetch(`${collector.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${collector.url}/readyz`)).status, 200);
    assert.equal((await fetch(`${collector.url}/nope`)).status, 404);
  });
});
