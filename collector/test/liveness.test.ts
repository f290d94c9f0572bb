// /healthz fails when the leader has flushed nothing for --max-flush-age (its spool disk broke), so
// Kubernetes restarts a stuck pod; the failed flushes are counted, their records kept and written
// once the disk works again. Probes can live on their own port, apart from /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COLLECTOR_METRICS } from '@hyperpod-usage/model';
import { sleepReal, systemClock } from '../src/clock.js';
import { Collector } from '../src/collector.js';
import { kubeConfigForUrl } from '../src/kube/kubeconfig.js';
import { silentLogger } from '../src/log.js';
import { FakeApiServer } from '../src/simulator/api-server.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';

async function status(url: string): Promise<number> {
  return (await fetch(url)).status;
}

/** Polls until the condition holds; fails with the message after `attempts` tries. */
async function eventually(what: string, condition: () => Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await sleepReal(50);
  }
  assert.fail(`never happened: ${what}`);
}

function counterValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

describe('liveness', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpu-liveness-'));
  const spoolDir = join(root, 'spool');
  const server = new FakeApiServer({ kueueVersions: ['v1beta1'] });
  let collector: Collector;

  before(async () => {
    const url = await server.start();
    collector = new Collector(
      {
        clusterName: 'liveness',
        storage: { kind: 'local', directory: join(root, 'data') },
        flushIntervalMs: 200,
        maxFlushAgeMs: 1500,
        spoolDir,
        spoolMaxBytes: 64 * 1024 * 1024,
        teamMapping: DEFAULT_TEAM_MAPPING,
        metricsAddress: '127.0.0.1',
        metricsPort: 0,
        probePort: 0,
        identity: 'liveness-test',
        kueueVersion: 'auto',
      },
      { kubeConfig: kubeConfigForUrl(url), log: silentLogger, clock: systemClock },
    );
    await collector.start();
  });
  after(async () => {
    await collector.kill();
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves the probes on their own port and /metrics alone on the metrics port', async () => {
    assert.notEqual(collector.probeUrl, collector.url);
    await eventually('ready', async () => (await status(`${collector.probeUrl}/readyz`)) === 200);
    assert.equal(await status(`${collector.probeUrl}/healthz`), 200);
    assert.equal(await status(`${collector.probeUrl}/metrics`), 404);
    assert.equal(await status(`${collector.url}/healthz`), 404);
    assert.equal(await status(`${collector.url}/metrics`), 200);
  });

  it('fails /healthz once no flush has succeeded for --max-flush-age, and recovers with the records kept', async () => {
    await eventually('a first heartbeat uploaded', async () => filesUnder(join(root, 'data')).length > 0);
    // The spool's disk breaks: its folder is replaced by a file, so every write fails (ENOTDIR).
    rmSync(spoolDir, { recursive: true, force: true });
    writeFileSync(spoolDir, 'not a directory');
    const uploadedBefore = filesUnder(join(root, 'data')).length;
    await eventually('/healthz fails', async () => (await status(`${collector.probeUrl}/healthz`)) === 503);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    assert.ok(counterValue(metrics, COLLECTOR_METRICS.flushFailures.name) > 0);
    assert.ok(counterValue(metrics, COLLECTOR_METRICS.bufferedRecords.name) > 0, 'the failed flushes kept their heartbeats');
    // The disk is back: flushes succeed, the kept records are written and uploaded, /healthz recovers.
    rmSync(spoolDir, { force: true });
    await eventually('/healthz recovers', async () => (await status(`${collector.probeUrl}/healthz`)) === 200);
    await eventually('kept records uploaded', async () => filesUnder(join(root, 'data')).length > uploadedBefore);
  });
});
