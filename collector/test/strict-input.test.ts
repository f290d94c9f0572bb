// Bad input gets a clear error or a counted skip, never a wrong number. Each case failed before its fix.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LocalRollupWriter } from '../src/aggregate/rollup-writer.js';
import { describeError, exitCodeOf } from '../src/cli-errors.js';
import { aggregateCommand, daysOf } from '../src/commands/aggregate.js';
import { loadKubeConfig } from '../src/commands/collect.js';
import { ConfigError } from '../src/config.js';
import type { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { parseQuantityMilli, QuantityError } from '../src/kube/quantity.js';
import { readClusterQueue, readNamespace, readNode, readPod, readWorkload } from '../src/kube/objects.js';
import { workloadRows, podRow } from '../src/records/rows.js';
import { ClusterState } from '../src/state/cluster-state.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';

const T0 = Date.parse('2025-04-16T08:00:00Z');

describe('quantities', () => {
  it('refuses negative, oversized and absurd quantities', () => {
    for (const bad of ['-3', '-1m', `1${'0'.repeat(200_000)}`, '9999999999999999999Ki', '1e40', '99999999999999999999']) {
      assert.throws(() => parseQuantityMilli(bad), QuantityError, bad.slice(0, 30));
    }
    assert.equal(parseQuantityMilli('8'), 8000n);
    assert.equal(parseQuantityMilli('2Ti'), 2n ** 41n * 1000n);
    assert.equal(parseQuantityMilli('0'), 0n);
  });

  it('skips a bad quantity as a noted problem, keeping the rest of the object', () => {
    const wl = readWorkload({
      metadata: { name: 'w', namespace: 'hyperpod-ns-a', uid: 'u' },
      spec: { podSets: [{ name: 'main', count: 1, template: { spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '-3', cpu: '4' } } }] } } }] },
    });
    assert.equal(wl.requests.get('nvidia.com/gpu'), undefined);
    assert.equal(wl.requests.get('cpu'), 4000n);
    assert.equal(wl.problems.length, 1);
  });
});

describe('fields of the wrong shape or range', () => {
  const meta = { name: 'x', namespace: 'ns', uid: 'u' };
  const pods = (count: unknown) => ({ metadata: meta, spec: { podSets: [{ name: 'main', count }] } });
  const cases: Array<[string, () => { problems: string[] }]> = [
    ['pod set count -1', () => readWorkload(pods(-1))],
    ['pod set count "many"', () => readWorkload(pods('many'))],
    ['pod set count 2.5', () => readWorkload(pods(2.5))],
    ['pod set count 1,500,000,000', () => readWorkload(pods(1_500_000_000))],
    ['podSets a string', () => readWorkload({ metadata: meta, spec: { podSets: 'a' } })],
    ['priority "high"', () => readWorkload({ metadata: meta, spec: { priority: 'high' } })],
    ['priority 2^63', () => readWorkload({ metadata: meta, spec: { priority: 2 ** 63 } })],
    ['conditions an object', () => readWorkload({ metadata: meta, status: { conditions: { type: 'Admitted' } } })],
    ['Admitted without a ClusterQueue', () => readWorkload({ metadata: meta, status: { conditions: [{ type: 'Admitted', status: 'True' }] } })],
    ['past admitted -5', () => readWorkload({ metadata: meta, status: { accumulatedPastExecutionTimeSeconds: -5 } })],
    ['past admitted 1e300', () => readWorkload({ metadata: meta, status: { accumulatedPastExecutionTimeSeconds: 1e300 } })],
    ['spec null', () => readWorkload({ metadata: meta, spec: null })],
    ['labels a list', () => readWorkload({ metadata: { ...meta, labels: ['a'] } })],
    ['pendingWorkloads -1', () => readClusterQueue({ metadata: meta, status: { pendingWorkloads: -1 } })],
    ['pendingWorkloads 2^31', () => readClusterQueue({ metadata: meta, status: { pendingWorkloads: 2 ** 31 } })],
    ['resourceGroups a number', () => readClusterQueue({ metadata: meta, spec: { resourceGroups: 3 } })],
    ['containers a string', () => readPod({ metadata: meta, spec: { containers: 'c' } })],
    ['pod spec a number', () => readPod({ metadata: meta, spec: 7 })],
    ['capacity a list', () => readNode({ metadata: meta, status: { capacity: ['1'] } })],
    ['namespace labels a string', () => readNamespace({ metadata: { ...meta, labels: 'team=a' } })],
  ];
  for (const [what, read] of cases) {
    it(`${what}: read as unset, noted as a problem (counted as an unreadable field)`, () => {
      assert.ok(read().problems.length >= 1, what);
    });
  }

  it('Go nil maps and lists (null) are not problems', () => {
    const wl = readWorkload({ metadata: { ...meta, labels: null, ownerReferences: null }, spec: { podSets: null }, status: { conditions: null } });
    assert.deepEqual(wl.problems, []);
  });
});

describe('keys that come from the cluster', () => {
  it('a resource named constructor or __proto__ is a resource, not a property of Object', () => {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    const wl = readWorkload({
      metadata: { name: 'w', namespace: 'constructor', uid: 'u' },
      spec: { podSets: [{ name: 'main', count: 1 }] },
      status: {
        admission: {
          clusterQueue: 'toString',
          podSetAssignments: [{ name: 'main', count: 1, flavors: { 'nvidia.com/gpu': 'ml.p5' }, resourceUsage: { constructor: '1', 'nvidia.com/gpu': '8', ['__proto__']: '2' } }],
        },
      },
    });
    const rows = workloadRows(wl, { state, writerId: 'w', recordKind: 'change', timestamp: T0, observedAt: T0, deletedAt: null });
    assert.deepEqual(rows.map((r) => r.flavor), ['ml.p5']);
    assert.equal(rows[0]?.gpu, 8);
    assert.deepEqual(JSON.parse(rows[0]?.other_resources as string), { constructor: 1, ['__proto__']: 2 });
    assert.equal(rows[0]?.team, '');
    assert.equal(typeof rows[0]?.team, 'string');
  });

  it('a namespace or ClusterQueue named like an Object property gets no team from the mapping', () => {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assert.equal(state.teams.teamOfNamespace(name), '');
      assert.equal(state.teams.teamOfClusterQueue(name), '');
    }
  });
});

describe('times', () => {
  it("Go's zero time (0001-01-01) and other impossible times are unset, not a year=0001 partition", () => {
    const pod = readPod({
      metadata: { name: 'p', namespace: 'ns', uid: 'u', creationTimestamp: '0001-01-01T00:00:00Z' },
      status: { phase: 'Running', startTime: '0001-01-01T00:00:00Z', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '1969-12-31T23:59:59Z' }] },
    });
    assert.equal(pod.meta.creationMs, null);
    assert.equal(pod.startMs, null);
    assert.equal(pod.scheduledMs, null);
    assert.ok(pod.problems.length >= 2);
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    const row = podRow(pod, { state, writerId: 'w', recordKind: 'change', timestamp: T0, observedAt: T0, deletedAt: null });
    assert.equal(row.started_at, null);
  });
});

describe('hpu aggregate arguments', () => {
  it('refuses impossible dates instead of rolling over to the next month', () => {
    assert.throws(() => daysOf({ from: '2025-02-30', to: '2025-03-01' }), (e: Error) => e instanceof ConfigError && /--from: 2025-02-30 is not a date/.test(e.message));
    assert.throws(() => daysOf({ from: '2025-02-01', to: '2025-13-01' }), (e: Error) => e instanceof ConfigError && /--to: 2025-13-01 is not a date/.test(e.message));
    assert.equal(daysOf({ from: '2024-02-29', to: '2024-02-29' }).length, 1);
  });

  it('refuses a cluster name that is a path, before touching any directory', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hpu-victim-'));
    try {
      const victim = join(root, 'victim');
      mkdirSync(victim);
      writeFileSync(join(victim, 'keep.txt'), 'precious');
      await assert.rejects(
        aggregateCommand(['--data', join(root, 'data'), '--cluster', 'x/../../../victim', '--days', '1']),
        (e: Error) => e instanceof ConfigError && /--cluster: invalid cluster name/.test(e.message),
      );
      assert.ok(existsSync(join(victim, 'keep.txt')));
      assert.ok(!existsSync(join(root, 'data')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('the local rollup writer refuses a partition outside its root', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hpu-rollups-'));
    try {
      const engine = { execute: async () => assert.fail('no SQL may run for a refused partition') } as unknown as DuckDbEngine;
      const writer = new LocalRollupWriter(engine, join(root, 'data'));
      await assert.rejects(writer.replace({ table: 'team_hourly', day: T0, cluster: '../../../../victim' }, 'SELECT 1'), /outside/);
      assert.ok(!existsSync(join(root, 'data')));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('CLI errors', () => {
  it('classifies errors whose code is not a string (an API timeout) without throwing', () => {
    const timeout = Object.assign(new Error('request timed out'), { code: 504 });
    assert.equal(exitCodeOf(timeout), 1);
    assert.equal(exitCodeOf(Object.assign(new Error('x'), { code: undefined })), 1);
    assert.equal(exitCodeOf(new ConfigError('bad')), 2);
    assert.equal(exitCodeOf(Object.assign(new TypeError('Unknown option'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' })), 2);
    assert.equal(exitCodeOf('a string'), 1);
  });

  it('names the address when a connection is refused', () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 6443 }) });
    assert.match(describeError(refused), /fetch failed: connection refused by 127\.0\.0\.1:6443/);
  });

  it('a kubeconfig that is not YAML names the file and is a configuration error (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpu-kubeconfig-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, 'clusters: [\n  oops: {');
      assert.throws(
        () => loadKubeConfig(file),
        (e: Error) => e instanceof ConfigError && e.message.includes(file) && /not a valid kubeconfig/.test(e.message),
      );
      assert.throws(() => loadKubeConfig(join(dir, 'missing')), (e: Error) => e instanceof ConfigError && e.message.includes('missing'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('configuration errors exit 2 in every command, with one line', () => {
  it('simulate, aggregate, report and collect', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'hpu-exit-'));
    try {
      const notYaml = join(dir, 'kubeconfig');
      writeFileSync(notYaml, 'clusters: [\n  oops: {');
      const cases: Array<[string[], RegExp]> = [
        [['simulate', '--cluster-name', 'a/b'], /--cluster-name: invalid cluster name/],
        [['aggregate', '--engine', 'athena', '--storage-url', 'gs://x', '--database', 'd', '--workgroup', 'w', '--days', '1'], /--storage-url: unsupported storage URL/],
        [['aggregate', '--from', '2025-02-30', '--to', '2025-03-01'], /--from: 2025-02-30 is not a date/],
        [['aggregate', '--data', join(dir, 'none'), '--days', '1', '--cur-table', 'cur.hourly', '--price-region', 'xx-nowhere-1'], /--cur-table: no billing code is known for Region "xx-nowhere-1"/],
        [['report', '--type', 'summary', '--format', 'csv', '--start-date', '2025-02-30', '--end-date', '2025-03-01', '--cluster-name', 'c', '--output-report-location', dir], /--start-date: 2025-02-30 is not a date/],
        [['collect', '--cluster-name', 'c', '--storage-url', join(dir, 'data'), '--kubeconfig', notYaml], /not a valid kubeconfig .*kubeconfig/],
        [['collect', '--cluster-name', 'c', '--storage-url', join(dir, 'data'), '--flush-interval', '0.0001ms'], /--flush-interval: must be between 1s and 1h/],
      ];
      for (const [args, pattern] of cases) {
        const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', cli, ...args], { encoding: 'utf8', timeout: 120_000 });
        assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, pattern);
        assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
