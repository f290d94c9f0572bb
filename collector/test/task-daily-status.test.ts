// task_daily's status from hand-written raw records on DuckDB: records of one moment in either
// order give the same status, and an interval that only a later snapshot ended is not `running`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RAW_TABLES, RAW_TABLE_NAMES, sqlString, taskDailySql } from '@hyperpod-usage/model';
import { DUCKDB_TYPE, DuckDbEngine } from '../src/engine/duckdb-engine.js';

const DAY = Date.parse('2025-06-01T00:00:00Z');

type Row = Record<string, string | number | boolean | null>;

const ts = (hhmmss: string) => `2025-06-01 ${hhmmss}`;

/** A workload record: the fields the status depends on, the rest left NULL. */
function workloadRow(fields: Row): Row {
  return {
    year: '2025', month: '06', day: '01', hour: String(fields.timestamp).slice(11, 13), cluster: 'c1',
    uid: 'wl-1', workload_name: 'job', namespace: 'ns', team: 'team', cluster_queue: 'cq', flavor: 'f', instance_type: 'ml.g5.8xlarge',
    task_priority_class: '', job_kind: 'PyTorchJob', job_name: 'job', created_at: ts('09:00:00'), finished: false,
    finished_at: null, finished_reason: '', deleted_at: null, record_kind: 'change', preemption_reason: '', gpu: 1,
    ...fields,
  };
}

function heartbeat(time: string, snapshot: boolean): Row {
  return { year: '2025', month: '06', day: '01', hour: time.slice(0, 2), timestamp: ts(time), cluster: 'c1', writer_id: 'w', snapshot };
}

async function statusOf(engine: DuckDbEngine, workloads: Row[], heartbeats: Row[]): Promise<string> {
  const rows: Record<string, Row[]> = { workload: workloads, heartdub: heartbeats };
  for (const name of RAW_TABLE_NAMES) {
    const table = RAW_TABLES[name];
    const columns = [...table.columns.map((c) => [c.name, DUCKDB_TYPE[c.type]] as const), ...table.partitionKeys.filter((k) => !table.columns.some((c) => c.name === k)).map((k) => [k, 'VARCHAR'] as const)];
    await engine.execute(`CREATE OR REPLACE TABLE ${name} (${columns.map(([n, t]) => `"${n}" ${t}`).join(', ')})`);
    for (const row of rows[name] ?? []) {
      const keys = Object.keys(row);
      const literal = (v: Row[string]) => (v === null ? 'NULL' : typeof v === 'string' ? sqlString(v) : String(v));
      await engine.execute(`INSERT INTO ${name} (${keys.map((k) => `"${k}"`).join(', ')}) VALUES (${keys.map((k) => literal(row[k] ?? null)).join(', ')})`);
    }
  }
  const relations = { workload: 'workload', pod: 'pod', node: 'node', clusterqueue: 'clusterqueue', heartdub: 'heartdub' };
  const { rows: result } = await engine.query(taskDailySql({ relations, range: { start: DAY, end: DAY + 86_400_000 }, clusters: [] }));
  assert.equal(result.length, 1, JSON.stringify(result));
  return String(result[0]?.status);
}

describe('task_daily status', () => {
  let root: string;
  let engine: DuckDbEngine;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hpu-task-status-'));
    engine = await DuckDbEngine.open(root, { rawViews: false, memoryLimit: '512MB' });
  });
  after(async () => {
    await engine.close();
    rmSync(root, { recursive: true, force: true });
  });

  const admitted = workloadRow({ timestamp: ts('10:00:00'), observed_at: ts('10:00:00'), resource_version: '100', admitted: true, quota_transition_at: ts('10:00:00'), status: 'QuotaReserved-True' });
  // The eviction (still holding quota) and the release, both stamped with the release time and seen in one flush.
  const evicted = (rv: string) =>
    workloadRow({ timestamp: ts('12:00:00'), observed_at: ts('12:00:05'), resource_version: rv, admitted: true, quota_transition_at: ts('10:00:00'), status: 'QuotaReserved-True', preemption_reason: 'InClusterQueue' });
  const released = (rv: string) =>
    workloadRow({ timestamp: ts('12:00:00'), observed_at: ts('12:00:05'), resource_version: rv, admitted: false, quota_transition_at: ts('12:00:00'), status: 'Evicted-True', preemption_reason: 'InClusterQueue' });
  const beats = [heartbeat('10:00:00', true), heartbeat('12:30:00', false)];

  it('an eviction and the release of one moment: the later resourceVersion wins, in either order of the records', async () => {
    assert.equal(await statusOf(engine, [admitted, evicted('200'), released('201')], beats), 'preempted');
    assert.equal(await statusOf(engine, [admitted, released('201'), evicted('200')], beats), 'preempted');
    // resourceVersions compare as numbers: 1000 is after 999.
    assert.equal(await statusOf(engine, [admitted, evicted('999'), released('1000')], beats), 'preempted');
    assert.equal(await statusOf(engine, [admitted, released('1000'), evicted('999')], beats), 'preempted');
  });

  it('the same resourceVersion too: the release comes after the admission', async () => {
    assert.equal(await statusOf(engine, [admitted, evicted('300'), released('300')], beats), 'preempted');
    assert.equal(await statusOf(engine, [admitted, released('300'), evicted('300')], beats), 'preempted');
  });

  it('a workload last recorded as admitted that a later snapshot no longer lists ended then: deleted, not running', async () => {
    const snapshots = [heartbeat('10:00:00', true), heartbeat('11:00:00', true), heartbeat('12:00:00', false)];
    assert.equal(await statusOf(engine, [admitted, workloadRow({ ...admitted, timestamp: ts('10:30:00'), observed_at: ts('10:30:00'), resource_version: '150' })], snapshots), 'deleted');
    // Still listed by the snapshot: running.
    const listed = workloadRow({ ...admitted, timestamp: ts('11:00:00'), observed_at: ts('11:00:00'), resource_version: '150', record_kind: 'snapshot' });
    assert.equal(await statusOf(engine, [admitted, listed], snapshots), 'running');
  });
});
