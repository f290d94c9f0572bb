// Recording must never stop: a value the Parquet types cannot hold is written as null (counted and
// logged), a failed spool write keeps its records for the next flush, an unreadable spool file is
// quarantined, and the memory buffer is bounded in bytes. Each case failed before its fix.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { RAW_TABLES } from '@hyperpod-usage/model';
import type { Clock } from '../src/clock.js';
import { createLogger, silentLogger } from '../src/log.js';
import { Recorder, defaultBufferLimitBytes, type RecordOutput } from '../src/recorder.js';
import type { Row } from '../src/records/rows.js';
import { encodeParquet } from '../src/sink/parquet.js';
import type { ObjectStore } from '../src/sink/object-store.js';
import { Spool } from '../src/sink/spool.js';
import { Uploader } from '../src/sink/uploader.js';
import { ClusterState, type TypedObject } from '../src/state/cluster-state.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';

const T0 = Date.parse('2025-04-16T08:00:00Z');

const clock: Clock = { now: () => T0, realDelay: (ms) => ms };

async function rowsOf(files: Map<string, Uint8Array>, table: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const [key, body] of files) {
    if (!key.startsWith(`raw/${table}/`)) continue;
    const buffer = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    out.push(...((await parquetReadObjects({ file: buffer })) as Record<string, unknown>[]));
  }
  return out;
}

function emptyRow(table: keyof typeof RAW_TABLES): Row {
  return Object.fromEntries(RAW_TABLES[table].columns.map((c) => [c.name, null])) as Row;
}

function hugeWorkload(uid: string): unknown {
  const podSet = (name: string) => ({
    name,
    count: 1_000_000,
    template: { spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '1' } } }] } },
  });
  return {
    metadata: { name: `wl-${uid}`, namespace: 'hyperpod-ns-a', uid, resourceVersion: '1' },
    // 3,000 pod sets of a million pods: each count is readable, their sum (3e9) is beyond an int column.
    spec: { priority: 2 ** 63, podSets: Array.from({ length: 3000 }, (_, i) => podSet(`p${i}`)) },
    status: { requeueState: { count: 2 ** 31 }, accumulatedPastExecutionTimeSeconds: 1e300 },
  };
}

function hugeClusterQueue(): unknown {
  return {
    metadata: { name: 'cq', uid: 'cq-1', resourceVersion: '1' },
    spec: { resourceGroups: [{ coveredResources: ['nvidia.com/gpu'], flavors: [{ name: 'f', resources: [{ name: 'nvidia.com/gpu', nominalQuota: '8' }] }] }] },
    status: { pendingWorkloads: 2 ** 31, admittedWorkloads: -(2 ** 40), reservingWorkloads: 1 },
  };
}

describe('the Parquet encoder', () => {
  it('writes values its column type cannot hold as null and reports each one', async () => {
    const nulled: string[] = [];
    const row = {
      ...emptyRow('workload'),
      timestamp: T0,
      pod_count: 3e9,
      requeue_count: 2 ** 31,
      priority: 2n ** 63n,
      gpu: Number.POSITIVE_INFINITY,
      cpu: Number.NaN,
      created_at: 1e300,
      workload_name: 'ok',
    };
    const body = encodeParquet(RAW_TABLES.workload, [row], 'test', (column) => nulled.push(column));
    assert.deepEqual(nulled.sort(), ['cpu', 'created_at', 'gpu', 'pod_count', 'priority', 'requeue_count']);
    const [read] = await rowsOf(new Map([['raw/workload/x.parquet', body]]), 'workload');
    assert.equal(read?.pod_count, null);
    assert.equal(read?.priority, null);
    assert.equal(read?.gpu, null);
    assert.equal(read?.workload_name, 'ok');
  });
});

describe('the recorder', () => {
  function setup(output: RecordOutput, extra: Partial<ConstructorParameters<typeof Recorder>[0]> = {}) {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    const lines: string[] = [];
    const nulled: Array<[string, string]> = [];
    const failures: unknown[] = [];
    const recorder = new Recorder({
      cluster: 'c1',
      writerId: 'w1',
      version: 'test',
      flushIntervalMs: 60_000,
      state,
      clock,
      log: createLogger({ format: 'json', write: (l) => lines.push(l) }),
      output,
      observer: { valuesNulled: (table, column) => nulled.push([table, column]), flushFailed: (e) => failures.push(e) },
      ...extra,
    });
    const apply = (kind: 'Workload' | 'ClusterQueue', raw: unknown) => recorder.recordChange(state.apply(kind, 'add', raw) as TypedObject, 'add');
    return { recorder, lines, nulled, failures, apply };
  }

  it('keeps recording after objects with values no Parquet column holds (3e9 pods, priority 2^63, pending 2^31)', async () => {
    const files = new Map<string, Uint8Array>();
    const { recorder, lines, nulled, apply } = setup({ write: async (k, b) => void files.set(k, b) });
    apply('Workload', hugeWorkload('bad-1'));
    apply('ClusterQueue', hugeClusterQueue());
    await recorder.flush(T0);
    apply('Workload', { metadata: { name: 'canary', namespace: 'hyperpod-ns-a', uid: 'canary', resourceVersion: '2' } });
    await recorder.flush(T0 + 60_000);
    const workloads = await rowsOf(files, 'workload');
    assert.deepEqual(workloads.map((r) => r.workload_name).sort(), ['canary', 'wl-bad-1']);
    const bad = workloads.find((r) => r.workload_name === 'wl-bad-1');
    assert.equal(bad?.pod_count, null);
    assert.equal(bad?.priority, null);
    const [cq] = await rowsOf(files, 'clusterqueue');
    assert.equal(cq?.pending_workloads, null);
    assert.equal(cq?.admitted_workloads, null);
    assert.equal(cq?.reserving_workloads, 1);
    assert.ok(nulled.some(([t, c]) => t === 'workload' && c === 'pod_count'));
    assert.ok(lines.some((l) => l.includes('written as null')));
    assert.equal(recorder.buffered, 0);
  });

  it('keeps the records of a failed spool write (EIO, ENOSPC) and writes them at the next flush', async () => {
    const files = new Map<string, Uint8Array>();
    let failing = 2;
    const { recorder, failures, apply } = setup({
      write: async (k, b) => {
        if (failing > 0) {
          failing--;
          throw Object.assign(new Error(failing ? 'EIO: i/o error, write' : 'ENOSPC: no space left on device, write'), { code: failing ? 'EIO' : 'ENOSPC' });
        }
        files.set(k, b);
      },
    });
    apply('Workload', { metadata: { name: 'a', namespace: 'hyperpod-ns-a', uid: 'a', resourceVersion: '1' } });
    await assert.rejects(recorder.flush(T0), /EIO/);
    assert.ok(recorder.buffered >= 1);
    await assert.rejects(recorder.flush(T0 + 60_000), /ENOSPC/);
    apply('Workload', { metadata: { name: 'b', namespace: 'hyperpod-ns-a', uid: 'b', resourceVersion: '1' } });
    await recorder.flush(T0 + 120_000);
    assert.equal(failures.length, 2);
    const names = (await rowsOf(files, 'workload')).map((r) => r.workload_name).sort();
    assert.deepEqual(names, ['a', 'b']);
    assert.equal((await rowsOf(files, 'heartdub')).length, 3);
    assert.equal(recorder.buffered, 0);
  });

  it('bounds its buffer in bytes: past the limit the oldest records are dropped, counted and logged', async () => {
    const dropped: number[] = [];
    const { recorder, lines, apply } = setup(
      { write: async () => Promise.reject(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })) },
      { observer: { dropped: (_t, n) => dropped.push(n) }, maxBufferedBytes: 200 * 1024 },
    );
    for (let i = 0; i < 2000; i++) {
      apply('Workload', { metadata: { name: `w${i}`, namespace: 'hyperpod-ns-a', uid: `u${i}`, resourceVersion: '1' } });
      if (i % 100 === 99) await recorder.flush(T0 + i * 1000).catch(() => undefined);
    }
    assert.ok(recorder.bufferedBytes <= 200 * 1024, `buffer holds ${recorder.bufferedBytes} bytes`);
    assert.ok(dropped.reduce((a, b) => a + b, 0) > 0);
    assert.ok(lines.some((l) => l.includes('dropping records')));
  });

  it('derives its default limit from the V8 heap limit', () => {
    assert.equal(defaultBufferLimitBytes(100 * 2 ** 20), 15 * 2 ** 20);
    assert.equal(defaultBufferLimitBytes(4 * 2 ** 30), Math.floor(0.15 * 4 * 2 ** 30));
  });
});

describe('the uploader', () => {
  it('quarantines a spool file it cannot read, logs it, and goes on with the next one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpu-spool-'));
    try {
      const spool = new Spool(join(dir, 'spool'), 10 * 1024 * 1024);
      await spool.open();
      await spool.add('raw/workload/a.parquet', new Uint8Array([1]));
      await spool.add('raw/workload/b.parquet', new Uint8Array([2]));
      // The file is gone and a directory took its name: reading it fails.
      rmSync(join(dir, 'spool/raw/workload/a.parquet'));
      mkdirSync(join(dir, 'spool/raw/workload/a.parquet'));
      const uploaded: string[] = [];
      const quarantined: string[] = [];
      const lines: string[] = [];
      const store: ObjectStore = { description: 'memory', put: async (key) => void uploaded.push(key) } as ObjectStore;
      const uploader = new Uploader(spool, store, createLogger({ format: 'json', write: (l) => lines.push(l) }), {
        uploaded: () => undefined,
        failed: () => undefined,
        quarantined: (key) => quarantined.push(key),
      });
      uploader.start();
      assert.equal(await uploader.drain(5000), true);
      await uploader.stop();
      assert.deepEqual(uploaded, ['raw/workload/b.parquet']);
      assert.deepEqual(quarantined, ['raw/workload/a.parquet']);
      assert.ok(lines.some((l) => l.includes('quarantined')));
      assert.deepEqual(readdirSync(join(dir, 'spool/.quarantine/raw/workload')), ['a.parquet']);
      // A restart does not take the quarantined file back into the queue.
      const reopened = new Spool(join(dir, 'spool'), 10 * 1024 * 1024);
      assert.equal(await reopened.open(), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a full spool under the Deployment heap cap', () => {
  it('drops the oldest records (counted) instead of running out of heap', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const deployment = readFileSync(fileURLToPath(new URL('../deploy/base/deployment.yaml', import.meta.url)), 'utf8');
    const heapFlag = /--max-old-space-size=\d+/.exec(deployment)?.[0];
    assert.equal(heapFlag, '--max-old-space-size=128');
    const dir = mkdtempSync(join(tmpdir(), 'hpu-heapcap-'));
    try {
      // 30,000 records take about 67 MiB of heap (2.2 KB each, collector/bench/buffer-memory.ts):
      // more than the buffer's share (15%) of the heap limit, so the drop path runs.
      const out = execFileSync(
        process.execPath,
        [heapFlag as string, '--conditions=development', '--import', 'tsx', fileURLToPath(new URL('./support/buffer-under-heap-cap.ts', import.meta.url)), dir, '30000'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const result = JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number>;
      assert.ok((result.dropped ?? 0) > 0, 'records were dropped on purpose');
      assert.ok((result.dropped ?? 0) + (result.buffered ?? 0) === 30_000 + 7, `every record is either buffered or counted as dropped: ${out}`);
      assert.ok((result.bufferedBytes ?? Infinity) <= (result.heapLimit ?? 0) * 0.15);
      assert.ok((result.peakHeap ?? Infinity) < (result.heapLimit ?? 0), out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
