/**
 * `npm run bench:buffer`: heap bytes one buffered record really takes, beside the estimate the
 * recorder bounds its buffer with (recorder.ts estimateRowBytes). Run with --expose-gc.
 * Prints figures; asserts nothing.
 */
import type { Clock } from '../src/clock.js';
import { silentLogger } from '../src/log.js';
import { Recorder } from '../src/recorder.js';
import { ClusterState, type TypedObject } from '../src/state/cluster-state.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const RECORDS = Number(process.argv[2] ?? 20_000);
const clock: Clock = { now: () => Date.parse('2025-04-16T08:00:00Z'), realDelay: (ms) => ms };
const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
const recorder = new Recorder({
  cluster: 'bench',
  writerId: 'w1',
  version: 'bench',
  flushIntervalMs: 60_000,
  state,
  clock,
  log: silentLogger,
  output: { write: async () => undefined },
  maxBufferedBytes: Number.MAX_SAFE_INTEGER,
});
const typed: TypedObject[] = [];
for (let i = 0; i < RECORDS; i++) {
  const raw = {
    metadata: { name: `training-job-${i}`, namespace: `hyperpod-ns-team-${i % 50}`, uid: `uid-${i}-${'x'.repeat(24)}`, resourceVersion: String(i) },
    spec: {
      queueName: `hyperpod-ns-team-${i % 50}-localqueue`,
      priorityClassName: 'training-priority',
      podSets: [{ name: 'main', count: 4, template: { spec: { containers: [{ resources: { requests: { 'nvidia.com/gpu': '8', cpu: '180', memory: '1800Gi' } } }] } } }],
    },
  };
  typed.push(state.apply('Workload', 'add', raw) as TypedObject);
}
gc();
const before = process.memoryUsage().heapUsed;
for (const t of typed) recorder.recordChange(t, 'add');
gc();
const after = process.memoryUsage().heapUsed;
const measured = (after - before) / RECORDS;
const estimated = recorder.bufferedBytes / RECORDS;
console.log(`records buffered:        ${recorder.buffered}`);
console.log(`heap per record (real):  ${measured.toFixed(0)} bytes`);
console.log(`estimate per record:     ${estimated.toFixed(0)} bytes (${((estimated / measured) * 100).toFixed(0)}% of real)`);
