// The recorder: change records with Kubernetes times, no records for noise, snapshots, and a
// full spool that holds records in memory instead of losing them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import type { Clock } from '../src/clock.js';
import { createLogger, silentLogger } from '../src/log.js';
import { Recorder, type RecordOutput } from '../src/recorder.js';
import { Spool, SpoolFullError } from '../src/sink/spool.js';
import { ClusterState, type TypedObject } from '../src/state/cluster-state.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';

const T0 = Date.parse('2025-04-16T08:00:00Z');

function fixedClock(): Clock & { set(t: number): void } {
  let now = T0;
  return { now: () => now, realDelay: (ms) => ms, set: (t) => (now = t) };
}

function memoryOutput(): RecordOutput & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return { files, write: async (key, body) => void files.set(key, body) };
}

async function rowsOf(files: Map<string, Uint8Array>, table: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const [key, body] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!key.startsWith(`raw/${table}/`)) continue;
    const buffer = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    out.push(...((await parquetReadObjects({ file: buffer })) as Record<string, unknown>[]));
  }
  return out;
}

function workload(rv: string, conditions: Array<[string, string, string]>, extra: Record<string, unknown> = {}): unknown {
  return {
    metadata: { name: 'job', namespace: 'hyperpod-ns-a', uid: 'wl-1', resourceVersion: rv, labels: extra.labels ?? {} },
    spec: { podSets: [{ name: 'main', count: 1, template: { spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '2' } } }] } } }] },
    status: {
      conditions: conditions.map(([type, status, time]) => ({ type, status, reason: type, lastTransitionTime: time })),
      ...(extra.admitted
        ? { admission: { clusterQueue: 'hyperpod-ns-a-clusterqueue', podSetAssignments: [{ name: 'main', flavors: { 'nvidia.com/gpu': 'ml.p5.48xlarge' }, resourceUsage: { 'nvidia.com/gpu': '2' }, count: 1 }] } }
        : {}),
    },
  };
}

function setup() {
  const clock = fixedClock();
  const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
  const output = memoryOutput();
  const recorder = new Recorder({ cluster: 'c1', writerId: 'w1', version: 'test', flushIntervalMs: 60_000, state, clock, log: silentLogger, output });
  const apply = (type: 'add' | 'update' | 'delete', raw: unknown) => {
    const typed = state.apply('Workload', type, raw) as TypedObject;
    recorder.recordChange(typed, type);
  };
  return { clock, state, output, recorder, apply };
}

describe('change records', () => {
  it('carry the Kubernetes transition time, even when seen late', async () => {
    const { clock, output, recorder, apply } = setup();
    clock.set(T0 + 5 * 60_000); // the collector sees the admission five minutes after it happened
    apply('add', workload('1', [['QuotaReserved', 'True', '2025-04-16T08:00:00Z']], { admitted: true }));
    await recorder.flush(clock.now());
    const [row] = await rowsOf(output.files, 'workload');
    assert.equal((row?.timestamp as Date).toISOString(), '2025-04-16T08:00:00.000Z');
    assert.equal((row?.observed_at as Date).toISOString(), '2025-04-16T08:05:00.000Z');
    assert.equal(row?.status, 'QuotaReserved-True');
    assert.equal(row?.admitted, true);
  });

  it('are not written for changes that touch no recorded field', async () => {
    const { clock, output, recorder, apply } = setup();
    apply('add', workload('1', [['QuotaReserved', 'True', '2025-04-16T08:00:00Z']], { admitted: true }));
    apply('update', workload('2', [['QuotaReserved', 'True', '2025-04-16T08:00:00Z']], { admitted: true, labels: { noise: 'x' } }));
    clock.set(T0 + 600_000);
    apply('update', workload('3', [['QuotaReserved', 'True', '2025-04-16T08:00:00Z'], ['Finished', 'True', '2025-04-16T08:10:00Z']], { admitted: true }));
    await recorder.flush(clock.now());
    const rows = await rowsOf(output.files, 'workload');
    assert.deepEqual(rows.map((r) => [r.resource_version, r.status, r.admitted]), [
      ['1', 'QuotaReserved-True', true],
      ['3', 'Finished-True', false],
    ]);
  });

  it('a deletion found only by a relist has no known time', async () => {
    const { clock, output, recorder, state } = setup();
    const raw = workload('1', [['QuotaReserved', 'True', '2025-04-16T08:00:00Z']], { admitted: true });
    recorder.recordChange(state.apply('Workload', 'add', raw) as TypedObject, 'add');
    clock.set(T0 + 3_600_000);
    const cacheStub = { metadata: { name: 'job', namespace: 'hyperpod-ns-a', uid: 'wl-1', resourceVersion: '1' } };
    recorder.recordChange(state.apply('Workload', 'delete', cacheStub, true) as TypedObject, 'delete', true);
    await recorder.flush(clock.now());
    const deleted = (await rowsOf(output.files, 'workload')).find((r) => r.record_kind === 'delete');
    assert.equal(deleted?.deleted_at, null);
    assert.equal((deleted?.observed_at as Date).toISOString(), '2025-04-16T09:00:00.000Z');
    assert.equal(deleted?.admitted, false);
    assert.equal(deleted?.cluster_queue, 'hyperpod-ns-a-clusterqueue', 'the deletion carries the last state kept');
    assert.equal(state.workloads.size, 0);
  });
});

describe('snapshots and heartbeats', () => {
  it('a snapshot lists live and recently finished workloads with the snapshot time, and says so in its heartbeat', async () => {
    const { clock, output, recorder, state } = setup();
    state.apply('Workload', 'add', workload('1', [['QuotaReserved', 'True', '2025-04-16T07:00:00Z']], { admitted: true }));
    state.apply('Workload', 'add', {
      ...(workload('1', [['QuotaReserved', 'True', '2025-04-16T01:00:00Z'], ['Finished', 'True', '2025-04-16T02:00:00Z']]) as object),
      metadata: { name: 'old', namespace: 'hyperpod-ns-a', uid: 'wl-old', resourceVersion: '1' },
    });
    recorder.recordSnapshot(T0);
    await recorder.flush(clock.now(), false);
    const rows = await rowsOf(output.files, 'workload');
    assert.deepEqual(rows.map((r) => [r.uid, r.record_kind, (r.timestamp as Date).toISOString()]), [['wl-1', 'snapshot', '2025-04-16T08:00:00.000Z']]);
    const heartbeats = await rowsOf(output.files, 'heartdub');
    assert.deepEqual(heartbeats.map((h) => [h.snapshot, (h.timestamp as Date).toISOString()]), [[true, '2025-04-16T08:00:00.000Z']]);
    assert.ok([...output.files.keys()].at(-1)?.startsWith('raw/heartdub/'), 'the heartbeat is written after the snapshot it vouches for');
  });

  it("writes heartbeats only under its own cluster's folder, the one the collector role may write", async () => {
    const { clock, output, recorder } = setup();
    recorder.recordSnapshot(T0);
    await recorder.flush(clock.now());
    clock.set(T0 + 90 * 60_000);
    await recorder.flush(clock.now());
    const keys = [...output.files.keys()].filter((k) => k.startsWith('raw/heartdub/'));
    assert.ok(keys.length >= 2, keys.join('\n'));
    for (const key of keys) assert.match(key, /^raw\/heartdub\/year=2025\/month=04\/day=16\/hour=(08|09)\/cluster=c1\/[^/]+\.parquet$/);
    // The cluster is the folder, as for the other raw tables: no column of the same name.
    assert.ok((await rowsOf(output.files, 'heartdub')).every((h) => !('cluster' in h)));
  });
});

describe('a full spool', () => {
  it('keeps records in memory, says so once, and writes them when there is room again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpu-spool-'));
    try {
      const spool = new Spool(dir, 2 * 1024 * 1024);
      await spool.open();
      let room = false;
      const lines: string[] = [];
      const events: string[] = [];
      const clock = fixedClock();
      const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
      const recorder = new Recorder({
        cluster: 'c1',
        writerId: 'w1',
        version: 'test',
        flushIntervalMs: 60_000,
        state,
        clock,
        log: createLogger({ format: 'json', write: (l) => lines.push(l) }),
        output: {
          write: async (key, body) => {
            if (!room) throw new SpoolFullError(spool.bytes, spool.maxBytes);
            await spool.add(key, body);
          },
        },
        observer: { spoolFull: (full) => events.push(`full=${full}`) },
      });
      recorder.recordChange(state.apply('Workload', 'add', workload('1', [['QuotaReserved', 'True', '2025-04-16T08:00:00Z']], { admitted: true })) as TypedObject, 'add');
      await recorder.flush(T0);
      await recorder.flush(T0 + 60_000);
      assert.equal(spool.count, 0);
      assert.equal(recorder.buffered, 3, 'one workload row and two heartbeats wait in memory');
      assert.deepEqual(events, ['full=true']);
      assert.equal(lines.filter((l) => l.includes('spool full')).length, 1);
      room = true;
      await recorder.flush(T0 + 120_000);
      assert.equal(recorder.buffered, 0);
      assert.deepEqual(events, ['full=true', 'full=false']);
      assert.ok(spool.count >= 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('drops the oldest records only past the memory limit, and loudly', async () => {
    const dropped: Array<[string, number]> = [];
    const lines: string[] = [];
    const clock = fixedClock();
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    const recorder = new Recorder({
      cluster: 'c1',
      writerId: 'w1',
      version: 'test',
      flushIntervalMs: 60_000,
      state,
      clock,
      log: createLogger({ format: 'json', write: (l) => lines.push(l) }),
      output: { write: async () => Promise.reject(new SpoolFullError(1, 1)) },
      observer: { dropped: (table, n) => dropped.push([table, n]) },
      maxBufferedRecords: 2,
    });
    for (let i = 0; i < 3; i++) await recorder.flush(T0 + i * 3_600_000);
    assert.ok(recorder.buffered <= 2);
    assert.ok(dropped.length > 0);
    assert.ok(lines.some((l) => l.includes('dropping records')));
  });
});

describe('the spool', () => {
  it('survives a restart: files left behind are picked up oldest first, half-written ones removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpu-spool-'));
    try {
      const first = new Spool(dir, 10 * 1024 * 1024);
      await first.open();
      await first.add('raw/workload/a.parquet', new Uint8Array([1]));
      await new Promise((r) => setTimeout(r, 20));
      await first.add('raw/workload/b.parquet', new Uint8Array([2, 2]));
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'raw/workload/c.parquet.tmp'), 'partial');
      const second = new Spool(dir, 10 * 1024 * 1024);
      assert.equal(await second.open(), 2);
      assert.equal(second.bytes, 3);
      assert.equal((await second.peek())?.key, 'raw/workload/a.parquet');
      await second.removeOldest('raw/workload/a.parquet');
      assert.equal((await second.peek())?.key, 'raw/workload/b.parquet');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that would pass its limit, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpu-spool-'));
    try {
      const spool = new Spool(dir, 4);
      await spool.open();
      await spool.add('x', new Uint8Array(3));
      await assert.rejects(spool.add('y', new Uint8Array(2)), SpoolFullError);
      assert.equal(spool.count, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
