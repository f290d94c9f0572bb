// The task-governance walkthrough played end to end: simulator → API test server → real
// client-node informers → collector → Parquet in a local directory, read back with DuckDB.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RAW_TABLES, RAW_TABLE_NAMES, type ColumnType } from '@hyperpod-usage/model';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { resolveScenario } from '../src/simulator/builtin.js';
import type { ClusterSimulator } from '../src/simulator/engine.js';
import { runSimulation } from '../src/simulator/simulation.js';
import { readIntervals, teamHours, trueWorkloadIntervals } from './support/intervals.js';

/**
 * AWS's raw table columns, as its Glue tables declare them (sagemaker-hyperpod-usage-report,
 * cloudformation/usage-report.yaml; see shared/reference/upstream-usage-report.md §3.3). Written
 * out here, not derived from our schema, so the test can catch a drift of the schema.
 */
const UPSTREAM_COLUMNS: Record<string, Array<[string, string]>> = {
  clusterqueue: [
    ['instance_type', 'string'], ['timestamp', 'timestamp'], ['namespace', 'string'], ['resource_version', 'string'],
    ['team', 'string'], ['gpu_total', 'double'], ['gpu_borrowed', 'double'], ['cpu_total', 'double'],
    ['cpu_borrowed', 'double'], ['neuron_core_total', 'double'], ['neuron_core_borrowed', 'double'],
  ],
  workload: [
    ['workload_name', 'string'], ['timestamp', 'timestamp'], ['namespace', 'string'], ['resource_version', 'string'],
    ['team', 'string'], ['status', 'string'], ['task_priority_class', 'string'], ['instance_type', 'string'],
    ['cpu', 'double'], ['gpu', 'double'], ['neuron_core', 'double'], ['admitted', 'boolean'], ['finished', 'boolean'],
  ],
  pod: [
    ['pod', 'string'], ['timestamp', 'timestamp'], ['namespace', 'string'], ['resource_version', 'string'],
    ['status', 'string'], ['owner', 'string'], ['instance_type', 'string'], ['job_type', 'string'],
    ['assigned_node', 'string'], ['cpu', 'double'], ['gpu', 'double'], ['neuron_core', 'double'], ['priority_class', 'string'],
  ],
  heartdub: [['timestamp', 'timestamp'], ['cluster', 'string']],
};

/** Upstream columns that are partition keys here (string, as Athena reads every partition key). */
const UPSTREAM_AS_PARTITION: Partial<Record<string, string[]>> = { heartdub: ['cluster'] };

/** How DuckDB names the Parquet types the collector writes for each Glue type. */
const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  int: 'INTEGER',
  bigint: 'BIGINT',
  date: 'DATE',
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('task-governance walkthrough, local directory', () => {
  const scenario = resolveScenario('task-governance-walkthrough');
  const root = mkdtempSync(join(tmpdir(), 'hpu-walkthrough-'));
  const dataDir = join(root, 'data');
  let simulator: ClusterSimulator;

  before(async () => {
    const result = await runSimulation({
      scenario,
      clusterName: 'walkthrough',
      storage: { kind: 'local', directory: dataDir },
      spoolDir: join(root, 'spool'),
      speed: 3600,
      log: silentLogger,
    });
    simulator = result.simulator;
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('writes Hive-partitioned Snappy Parquet under raw/<table>/year=/month=/day=/hour=/cluster=/', async () => {
    const files = filesUnder(dataDir).map((f) => relative(dataDir, f));
    assert.ok(files.length > 0);
    for (const f of files) {
      // Heartbeats too: every key lies under the cluster's own folder.
      const path = /^raw\/(clusterqueue|workload|pod|node|heartdub)\/year=\d{4}\/month=\d\d\/day=\d\d\/hour=\d\d\/cluster=walkthrough\/[^/]+\.parquet$/;
      assert.ok(path.test(f), `unexpected path ${f}`);
    }
    const engine = await DuckDbEngine.open(dataDir);
    try {
      const sample = join(dataDir, files.find((f) => f.startsWith('raw/workload/')) as string);
      const { rows } = await engine.query(`SELECT DISTINCT compression FROM parquet_metadata('${sample}')`);
      assert.deepEqual(rows.map((r) => r.compression), ['SNAPPY']);
    } finally {
      await engine.close();
    }
  });

  it('every file has exactly the shared schema, a superset of every upstream column with its type', async () => {
    const engine = await DuckDbEngine.open(dataDir);
    try {
      for (const table of RAW_TABLE_NAMES) {
        const files = filesUnder(join(dataDir, 'raw', table));
        assert.ok(files.length > 0, `no ${table} files`);
        for (const file of files) {
          const { rows } = await engine.query(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
          const actual = rows.map((r) => [r.column_name, r.column_type]);
          const expected = RAW_TABLES[table].columns.map((c) => [c.name, DUCKDB_TYPE[c.type]]);
          assert.deepEqual(actual, expected, `${table}: ${relative(dataDir, file)}`);
          for (const [name, type] of UPSTREAM_COLUMNS[table] ?? []) {
            if (UPSTREAM_AS_PARTITION[table]?.includes(name) && type === 'string') {
              assert.ok(RAW_TABLES[table].partitionKeys.includes(name), `${table}.${name} must be a partition key`);
              continue;
            }
            const column = RAW_TABLES[table].columns.find((c) => c.name === name);
            assert.ok(column, `${table} lacks upstream column ${name}`);
            assert.equal(column.type, type, `${table}.${name} must stay ${type}`);
          }
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('the records reproduce every admitted interval to the second, as worked out by hand', async () => {
    const expected = (scenario.expected as { workloads: Record<string, Array<{ start: string; end: string }>> }).workloads;
    const { workloads } = await readIntervals(dataDir, scenario.start, scenario.end);
    const byTask = (task: string) => workloads.filter((w) => w.task === task).map((w) => ({ start: w.start, end: w.end }));
    for (const [task, intervals] of Object.entries(expected)) {
      assert.deepEqual(
        byTask(task),
        intervals.map((i) => ({ start: new Date(i.start).toISOString(), end: new Date(i.end).toISOString() })),
        task,
      );
    }
    assert.ok(workloads.every((w) => w.stated), 'every end was stated by Kubernetes');
    assert.deepEqual(
      workloads.map(({ task, start, end }) => ({ task, start, end })),
      trueWorkloadIntervals(simulator),
      'the simulator agrees',
    );
  });

  it('pods outside Kueue are recorded in the pod table and nothing Kueue governs is', async () => {
    const { pods } = await readIntervals(dataDir, scenario.start, scenario.end);
    assert.deepEqual(
      pods.map(({ task, start, end }) => ({ task, start, end })),
      [{ task: 'notebook', start: '2025-04-16T08:01:00.000Z', end: '2025-04-16T12:01:00.000Z' }],
    );
  });

  it('team GPU and vCPU hours match the hand-computed totals', async () => {
    const expected = scenario.expected as { teams: Record<string, { gpu: { total: number }; cpu: { total: number } }> };
    const hours = await teamHours(dataDir, scenario.start, scenario.end);
    for (const team of ['team-a', 'team-b']) {
      assert.ok(Math.abs((hours[team]?.gpu ?? NaN) - (expected.teams[team]?.gpu.total ?? NaN)) < 1e-6, `${team} GPU hours`);
      assert.ok(Math.abs((hours[team]?.cpu ?? NaN) - (expected.teams[team]?.cpu.total ?? NaN)) < 1e-6, `${team} vCPU hours`);
    }
  });

  it('a snapshot opens every hour, and heartbeats cover every hour of the run', async () => {
    const engine = await DuckDbEngine.open(dataDir);
    try {
      const hours = await engine.query(
        `SELECT DISTINCT hour FROM heartdub WHERE snapshot AND "timestamp" = date_trunc('hour', "timestamp") ORDER BY hour`,
      );
      // The collector starts before the scenario does, so earlier hours may have snapshots too.
      const scenarioHours = hours.rows.map((r) => r.hour).filter((h) => String(h) >= '08');
      assert.deepEqual(scenarioHours, ['08', '09', '10', '11', '12', '13']);
      const { rows } = await engine.query(`SELECT count(*) AS n FROM workload WHERE record_kind = 'snapshot' AND hour = '10'`);
      assert.ok(Number(rows[0]?.n) > 0, 'workloads are in the 10:00 snapshot');
    } finally {
      await engine.close();
    }
  });
});
