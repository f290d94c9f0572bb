// Configuration: flags over environment, defaults, and one clear line for every mistake.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, parseCollectorConfig } from '../src/config.js';
import { parseTeamMapping } from '../src/state/teams.js';

const base = { CLUSTER_NAME: 'ml-cluster', STORAGE_URL: 's3://usage-bucket/hyperpod' };

function rejects(args: string[], env: NodeJS.ProcessEnv, pattern: RegExp): void {
  assert.throws(
    () => parseCollectorConfig(args, env),
    (e: Error) => e instanceof ConfigError && pattern.test(e.message) && !e.message.includes('\n'),
    `expected ${pattern}`,
  );
}

describe('collector configuration', () => {
  it('reads the environment, lets flags win, and fills defaults', () => {
    const c = parseCollectorConfig(['--flush-interval', '30s'], { ...base, FLUSH_INTERVAL: '5m', POD_NAME: 'collector-0' });
    assert.equal(c.clusterName, 'ml-cluster');
    assert.deepEqual(c.storage, { kind: 's3', bucket: 'usage-bucket', prefix: 'hyperpod' });
    assert.equal(c.flushIntervalMs, 30_000);
    assert.equal(c.identity, 'collector-0');
    assert.equal(c.spoolMaxBytes, 1024 ** 3);
    assert.equal(c.leaderElect, true);
    assert.equal(c.leaseDurationMs, 15_000);
    assert.equal(c.metricsPort, 8080);
    assert.equal(c.kueueVersion, 'auto');
  });

  it('takes a local directory as storage (the embedded default)', () => {
    const c = parseCollectorConfig([], { ...base, STORAGE_URL: 'file:///var/lib/usage' });
    assert.deepEqual(c.storage, { kind: 'local', directory: '/var/lib/usage' });
  });

  it('refuses bad configuration with one line that names the problem', () => {
    rejects([], { STORAGE_URL: 's3://b/p' }, /--cluster-name \(or CLUSTER_NAME\) is required/);
    rejects([], { CLUSTER_NAME: 'c' }, /--storage-url \(or STORAGE_URL\) is required/);
    rejects([], { ...base, CLUSTER_NAME: 'bad/name' }, /invalid cluster name/);
    rejects([], { ...base, STORAGE_URL: 's3://Bad_Bucket/x' }, /invalid S3 bucket name/);
    rejects([], { ...base, STORAGE_URL: 'gs://bucket' }, /unsupported storage URL/);
    rejects([], { ...base, FLUSH_INTERVAL: 'soon' }, /--flush-interval: invalid duration/);
    rejects([], { ...base, SPOOL_MAX_BYTES: '10' }, /at least 1Mi/);
    rejects([], { ...base, METRICS_PORT: '70000' }, /--metrics-port/);
    rejects([], { ...base, LEADER_ELECT: 'maybe' }, /--leader-elect: expected true or false/);
    rejects([], { ...base, LEASE_DURATION: '5s', RENEW_DEADLINE: '10s' }, /lease timing/);
    rejects([], { ...base, KUEUE_API_VERSION: 'v1' }, /--kueue-api-version: expected one of auto, v1beta1, v1beta2/);
    rejects(['--bogus', 'x'], base, /Unknown option '--bogus'/);
    rejects([], { ...base, TEAM_MAPPING_FILE: '/does/not/exist.yaml' }, /team mapping: cannot read/);
  });

  it('bounds the flush interval to 1 s .. 1 h (0.0001ms once wrote 16,615 files in 20 s)', () => {
    rejects([], { ...base, FLUSH_INTERVAL: '0.0001ms' }, /--flush-interval: must be between 1s and 1h/);
    rejects([], { ...base, FLUSH_INTERVAL: '999ms' }, /--flush-interval: must be between 1s and 1h/);
    rejects([], { ...base, FLUSH_INTERVAL: '61m' }, /--flush-interval: must be between 1s and 1h/);
    assert.equal(parseCollectorConfig([], { ...base, FLUSH_INTERVAL: '1s' }).flushIntervalMs, 1000);
    assert.equal(parseCollectorConfig([], { ...base, FLUSH_INTERVAL: '1h' }).flushIntervalMs, 3_600_000);
  });

  it('reads the liveness flush age and a separate probe port', () => {
    const c = parseCollectorConfig([], base);
    assert.equal(c.maxFlushAgeMs, 600_000);
    assert.equal(c.probePort, undefined);
    const d = parseCollectorConfig(['--max-flush-age', '3m', '--probe-port', '8081'], base);
    assert.equal(d.maxFlushAgeMs, 180_000);
    assert.equal(d.probePort, 8081);
    rejects(['--max-flush-age', '30s', '--flush-interval', '60s'], base, /--max-flush-age: must be at least twice --flush-interval/);
    rejects(['--probe-port', '8080'], base, /--probe-port: must differ from --metrics-port/);
    rejects(['--probe-port', 'x'], base, /--probe-port: expected a port number/);
  });

  it('validates the team mapping file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpu-config-'));
    try {
      const file = join(dir, 'teams.yaml');
      writeFileSync(file, 'namespacePattern: "^ns-(?<team>.+)$"\nnamespaces:\n  shared: platform\n');
      const c = parseCollectorConfig([], { ...base, TEAM_MAPPING_FILE: file });
      assert.equal(c.teamMapping.namespacePattern, '^ns-(?<team>.+)$');
      assert.deepEqual(c.teamMapping.namespaces, { shared: 'platform' });
      writeFileSync(file, 'namespacePattern: "^ns-(.+)$"\n');
      rejects([], { ...base, TEAM_MAPPING_FILE: file }, /needs a named group/);
      writeFileSync(file, 'namespaces: [a, b]\n');
      rejects([], { ...base, TEAM_MAPPING_FILE: file }, /namespaces must be a map/);
      writeFileSync(file, 'nameSpaces: {}\n');
      rejects([], { ...base, TEAM_MAPPING_FILE: file }, /unknown field nameSpaces/);
      writeFileSync(file, 'a: [\n');
      rejects([], { ...base, TEAM_MAPPING_FILE: file }, /not valid YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.throws(() => parseTeamMapping({ clusterQueuePattern: '(' }), /not a valid regular expression/);
  });
});
