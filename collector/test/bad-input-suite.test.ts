// Bad input never stops recording: malformed objects go through the Kubernetes API test server
// into a real `hpu collect` process. After each one the test waits for the collector to count a
// skip for it (an object or a field skipped, or a value written as null), then creates a
// canary workload and waits until its record is in the written Parquet files (no stall). The
// process must stay up throughout (no crash) and stop cleanly.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { RAW_TABLE_NAMES, sqlIdentifier, sqlString, type RawTableName } from '@hyperpod-usage/model';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { FakeApiServer, KUEUE_V1BETA1, NAMESPACES, NODES, PODS } from '../src/simulator/api-server.js';
import {
  CLUSTER_QUEUE,
  NAMESPACE,
  clusterQueueObject,
  malformedCases,
  namespaceObject,
  nodeObject,
  podObject,
  workloadObject,
} from './support/malformed-objects.js';

const CANARY_QUEUE = 'cq-canary';
/** Real time the collector gets to count a skip (one by the encoder waits for a 1 s flush). */
const SKIP_WAIT_MS = 4000;
/** Real time a canary gets to reach the records: a flush, an upload, on a busy machine. */
const CANARY_WAIT_MS = 15_000;
/** An unreadable object or field (objects_skipped, reason names which), or a value the encoder wrote as null. */
const SKIP_COUNTERS = ['hyperpod_usage_collector_objects_skipped_total', 'hyperpod_usage_collector_values_nulled_total'];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sums a metric's samples (all label sets) in Prometheus text; a label filter narrows them. */
function metricSum(text: string, name: string, labelFilter = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labelFilter && !line.includes(labelFilter)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const skipsIn = (text: string): number => SKIP_COUNTERS.reduce((sum, name) => sum + metricSum(text, name), 0);
const healthLines = (text: string): string =>
  text
    .split('\n')
    .filter((l) => !l.startsWith('#') && /workloads|skipped|nulled|dropped|flush_failures|events_total|watch_restarts/.test(l))
    .join('\n');

function canary(name: string) {
  const object = workloadObject(name);
  object.status.admission.clusterQueue = CANARY_QUEUE;
  return object;
}

/** Every directory name under root, recursively. */
function folderNames(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

describe('bad input through the API server into a collector process', () => {
  const root = mkdtempSync(join(tmpdir(), 'hpu-bad-input-'));
  const dataDir = join(root, 'data');
  const server = new FakeApiServer({ kueueVersions: ['v1beta1'] });
  let child: ChildProcess;
  let metricsUrl: string;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stderr = '';

  const scrape = async (): Promise<string> => {
    assert.equal(exited, undefined, `the collector exited (${JSON.stringify(exited)}):\n${stderr.slice(-4000)}`);
    const res = await fetch(`${metricsUrl}/metrics`);
    return res.text();
  };
  /** Polls until check() holds; false when the time is up. */
  const waitFor = async (check: () => Promise<boolean>, ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (await check()) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let engine: DuckDbEngine | undefined;
  /** Whether an object's record is in the Parquet files the collector wrote. */
  const recorded = async (name: string, table: RawTableName = 'workload', column = 'workload_name'): Promise<boolean> => {
    await scrape(); // fails at once when the process is gone
    engine ??= await DuckDbEngine.open(dataDir);
    await engine.refreshViews();
    const { rows } = await engine.query(
      `SELECT count(*) AS n FROM ${sqlIdentifier(table)} WHERE ${sqlIdentifier(column)} = ${sqlString(name)}`,
    );
    return Number(rows[0]?.n) > 0;
  };

  before(async () => {
    const url = await server.start();
    server.create(NAMESPACES, namespaceObject(NAMESPACE));
    server.create(KUEUE_V1BETA1.clusterQueues, clusterQueueObject(CLUSTER_QUEUE));
    server.create(KUEUE_V1BETA1.clusterQueues, clusterQueueObject(CANARY_QUEUE));
    server.create(NODES, nodeObject('node-good'));
    const kubeconfig = join(root, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]\n` +
        `users: [{name: u, user: {token: t}}]\ncontexts: [{name: fake, context: {cluster: fake, user: u}}]\ncurrent-context: fake\n`,
    );
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    child = spawn(
      process.execPath,
      ['--conditions=development', '--import', 'tsx', cli, 'collect',
        '--cluster-name', 'bad-input', '--storage-url', dataDir, '--spool-dir', join(root, 'spool'),
        '--kubeconfig', kubeconfig, '--leader-elect', 'false', '--flush-interval', '1s',
        '--metrics-address', '127.0.0.1', '--metrics-port', String(port), '--log-level', process.env.BAD_INPUT_LOG_LEVEL ?? 'error'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    // The log (stdout) and errors (stderr), kept for the failure messages.
    const keepOutput = (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keepOutput);
    child.stderr?.on('data', keepOutput);
    child.once('exit', (code, signal) => {
      exited = { code, signal };
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      assert.equal(exited, undefined, `the collector did not start:\n${stderr}`);
      const ready = await fetch(`${metricsUrl}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      assert.ok(Date.now() < deadline, `the collector was not ready within 60 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(async () => {
    await engine?.close();
    if (exited === undefined) child.kill('SIGKILL');
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('counts a skip for each of 55 malformed objects (or keeps a plain key), never crashes or stalls, and records every canary', async () => {
    const cases = malformedCases();
    assert.ok(cases.length >= 50, `${cases.length} cases`);
    const uncounted: string[] = [];
    for (const [i, c] of cases.entries()) {
      const before = skipsIn(await scrape());
      server.create(c.type, c.object);
      if (c.expect === 'skip' && !(await waitFor(async () => skipsIn(await scrape()) > before, SKIP_WAIT_MS))) {
        uncounted.push(c.what);
      }
      const name = `canary-${i}`;
      server.create(KUEUE_V1BETA1.workloads, canary(name));
      if (!(await waitFor(() => recorded(name), CANARY_WAIT_MS))) {
        assert.fail(`stalled after "${c.what}": ${name} was not recorded\n${healthLines(await scrape())}\n${stderr.slice(-3000)}`);
      }
    }
    // Every watch still delivers: a good object of each other kind is recorded too.
    server.create(PODS, podObject('canary-pod'));
    server.create(NODES, nodeObject('canary-node'));
    server.create(KUEUE_V1BETA1.clusterQueues, clusterQueueObject('canary-cq'));
    for (const [name, table, column] of [
      ['canary-pod', 'pod', 'pod'],
      ['canary-node', 'node', 'name'],
      ['canary-cq', 'clusterqueue', 'cluster_queue'],
    ] as const) {
      assert.ok(await waitFor(() => recorded(name, table, column), CANARY_WAIT_MS), `${name} was not recorded in ${table}`);
    }

    // SIGTERM: the last flush writes what is buffered; a clean exit, not a crash.
    child.kill('SIGTERM');
    await new Promise((r) => (exited ? r(undefined) : child.once('exit', r)));
    assert.deepEqual(exited, { code: 0, signal: null }, stderr.slice(-4000));

    // Keys such as `constructor` stay names: nothing read from Object.prototype reaches a record.
    const db = engine ?? (await DuckDbEngine.open(dataDir));
    await db.refreshViews();
    for (const table of RAW_TABLE_NAMES) {
      const { rows } = await db.query(`SELECT * FROM ${sqlIdentifier(table)}`);
      const text = JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
      assert.doesNotMatch(text, /native code|\[object Object\]|function Object/, `${table} holds a value read from Object.prototype`);
    }
    // Times outside the years the tables cover must not become partitions.
    const years = folderNames(dataDir).filter((n) => n.startsWith('year=')).map((n) => Number(n.slice(5)));
    assert.ok(years.length > 0);
    assert.deepEqual(years.filter((y) => y < 1970 || y > 9999), [], 'no year=0001 or year=10000 partitions');
    // Last, so a missing count does not hide a crash, a stall or a leak.
    const expected = cases.filter((c) => c.expect === 'skip').length;
    assert.deepEqual(uncounted, [], `no skip was counted for ${uncounted.length} of ${expected} malformed objects`);
  });
});
