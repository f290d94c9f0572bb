/**
 * Child process of the heap-cap test: a real spool that is full (its uploads are down), a recorder
 * with its default byte bound, and a stream of workload changes far larger than the heap. Prints
 * one JSON line with what happened; an out-of-memory crash shows as a non-zero exit instead.
 *
 * argv: <spool dir> <records to produce>
 */
import { getHeapStatistics } from 'node:v8';
import type { Clock } from '../../src/clock.js';
import { silentLogger } from '../../src/log.js';
import { Recorder } from '../../src/recorder.js';
import { Spool } from '../../src/sink/spool.js';
import { ClusterState, type TypedObject } from '../../src/state/cluster-state.js';
import { DEFAULT_TEAM_MAPPING } from '../../src/state/teams.js';

const [directory = '', total = '0'] = process.argv.slice(2);
const T0 = Date.parse('2025-04-16T08:00:00Z');
let now = T0;
const clock: Clock = { now: () => now, realDelay: (ms) => ms };

const spool = new Spool(directory, 1024 * 1024);
await spool.open();
// Fill the spool to its limit, as a long storage outage would.
while (spool.bytes + 64 * 1024 <= spool.maxBytes) await spool.add(`raw/filler/${spool.count}.parquet`, new Uint8Array(64 * 1024));

const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
let dropped = 0;
let peakHeap = 0;
const recorder = new Recorder({
  cluster: 'heap-cap',
  writerId: 'w1',
  version: 'test',
  flushIntervalMs: 60_000,
  state,
  clock,
  log: silentLogger,
  output: { write: (key, body) => spool.add(key, body), freeBytes: () => spool.freeBytes },
  observer: { dropped: (_table, n) => (dropped += n) },
});

for (let i = 0; i < Number(total); i++) {
  const raw = {
    // 5,000 live workloads, each changing again and again (a recorded field, the priority, moves).
    metadata: { name: `training-job-${i % 5000}`, namespace: `hyperpod-ns-team-${i % 50}`, uid: `uid-${i % 5000}-${'x'.repeat(24)}`, resourceVersion: String(i) },
    spec: {
      priority: i,
      queueName: `hyperpod-ns-team-${i % 50}-localqueue`,
      priorityClassName: 'training-priority',
      podSets: [{ name: 'main', count: 4, template: { spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '8', cpu: '180', memory: '1800Gi' } } }] } } }],
    },
  };
  recorder.recordChange(state.apply('Workload', 'add', raw) as TypedObject, 'add');
  if (i % 5000 === 4999) {
    now += 60_000;
    await recorder.flush(now);
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  }
}
await recorder.flush(now + 60_000);
const heap = getHeapStatistics();
console.log(
  JSON.stringify({
    dropped,
    buffered: recorder.buffered,
    bufferedBytes: recorder.bufferedBytes,
    heapLimit: heap.heap_size_limit,
    peakHeap,
    spoolBytes: spool.bytes,
  }),
);
