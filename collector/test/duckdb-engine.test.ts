// The embedded engine's memory settings: a memory limit and a spill folder, whatever the caller.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { DAY_MS, HOUR_MS, rawPartitionPath, sqlString } from '@hyperpod-usage/model';
import { oldLayoutHeartbeats } from '../src/aggregate/old-heartbeats.js';
import { openEngine } from '../src/commands/engine-options.js';
import { ConfigError } from '../src/config.js';
import { defaultMemoryLimit, DuckDbEngine, parseMemoryLimit } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';

describe('DuckDB engine settings', () => {
  it('bounds memory by default and spills into a folder of its own, removed on close', async () => {
    const engine = await DuckDbEngine.open('/nonexistent-empty-dir');
    const settings = await engine.settings();
    await engine.close();
    const limitMiB = Number(/^(\d+)MiB$/.exec(defaultMemoryLimit())?.[1]);
    assert.ok(limitMiB >= 256 && limitMiB <= totalmem() / 2 / 2 ** 20, `default limit ${defaultMemoryLimit()}: at most half of ${totalmem()} bytes`);
    // The engine runs with that default (DuckDB shows it cut to a tenth of a GiB).
    const shownGiB = Number(/^(\d+(?:\.\d+)?) GiB$/.exec(settings.memory_limit ?? '')?.[1]);
    assert.ok(limitMiB - shownGiB * 1024 >= 0 && limitMiB - shownGiB * 1024 < 0.1 * 1024, `memory_limit ${settings.memory_limit} vs default ${limitMiB}MiB`);
    assert.equal(settings.preserve_insertion_order, 'false');
    assert.equal(settings.enable_external_file_cache, 'false');
    const spill = settings.temp_directory ?? '';
    assert.ok(spill.startsWith(join(tmpdir(), 'hpu-duckdb-')), spill);
    assert.equal(existsSync(spill), false, 'the spill folder is removed on close');
  });

  it('takes a memory limit and a spill folder from the caller, and keeps a folder it did not make', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hpu-duckdb-test-'));
    try {
      const engine = await DuckDbEngine.open('/nonexistent-empty-dir', { memoryLimit: '1GiB', tempDirectory: folder });
      const settings = await engine.settings();
      await engine.close();
      assert.equal(settings.memory_limit, '1.0 GiB');
      assert.equal(settings.temp_directory, folder);
      assert.ok(existsSync(folder));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('makes views over the rollups only, when told to leave the raw files alone', async () => {
    const engine = await DuckDbEngine.open('/nonexistent-empty-dir', { rawViews: false });
    try {
      assert.deepEqual((await engine.query('SELECT count(*) AS n FROM team_hourly')).rows, [{ n: 0 }]);
      await assert.rejects(engine.query('SELECT count(*) FROM workload'), /workload does not exist/);
      await engine.refreshViews();
      await assert.rejects(engine.query('SELECT count(*) FROM workload'), /workload does not exist/);
    } finally {
      await engine.close();
    }
  });

  it("does not read what an interrupted rollup writer left: its staging folders are hidden", async () => {
    const root = mkdtempSync(join(tmpdir(), 'hpu-staging-'));
    try {
      const day = join(root, 'rollups/team_hourly/year=2025/month=04/day=16');
      mkdirSync(join(day, '.cluster=c1.staging-1-2'), { recursive: true });
      writeFileSync(join(day, '.cluster=c1.staging-1-2', 'part-00000.parquet'), 'half a file');
      const engine = await DuckDbEngine.open(root);
      try {
        assert.deepEqual((await engine.query('SELECT count(*) AS n FROM team_hourly')).rows, [{ n: 0 }]);
      } finally {
        await engine.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a size it cannot read, from a flag or from DUCKDB_MEMORY_LIMIT', async () => {
    assert.equal(parseMemoryLimit(' 8GB '), '8GB');
    assert.equal(parseMemoryLimit('512MiB'), '512MiB');
    assert.throws(() => parseMemoryLimit('8'), /expected a size such as 8GB/);
    assert.throws(() => parseMemoryLimit("1GB'; DROP"), /expected a size/);
    await assert.rejects(openEngine({ engine: 'local', data: '/nonexistent-empty-dir', 'memory-limit': 'lots' }, silentLogger), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /^--memory-limit: expected a size/);
      return true;
    });
    const before = process.env.DUCKDB_MEMORY_LIMIT;
    process.env.DUCKDB_MEMORY_LIMIT = '2 GB';
    try {
      const opened = await openEngine({ engine: 'local', data: '/nonexistent-empty-dir' }, silentLogger);
      const settings = await (opened.engine as DuckDbEngine).settings();
      await opened.close();
      assert.equal(settings.memory_limit, '1.8 GiB');
      process.env.DUCKDB_MEMORY_LIMIT = 'half';
      await assert.rejects(openEngine({ engine: 'local', data: '/nonexistent-empty-dir' }, silentLogger), /^Error: DUCKDB_MEMORY_LIMIT: expected a size/);
    } finally {
      if (before === undefined) delete process.env.DUCKDB_MEMORY_LIMIT;
      else process.env.DUCKDB_MEMORY_LIMIT = before;
    }
  });
});

describe('DuckDB raw relations scoped to hours', () => {
  it('read only the hour folders asked for (whole days by one glob), and an empty table where none has files', async () => {
    // A quote in the path: globs enter the SQL as escaped literals.
    const root = mkdtempSync(join(tmpdir(), "hpu-scoped-it's-"));
    const day = Date.parse('2025-04-16T00:00:00Z');
    const engine = await DuckDbEngine.open(root);
    try {
      for (const [offset, rows] of [[-DAY_MS, 1], [0, 2], [DAY_MS + 5 * HOUR_MS, 3]] as const) {
        const folder = join(root, rawPartitionPath('heartdub', day + offset, 'c1'));
        mkdirSync(folder, { recursive: true });
        await engine.execute(
          `COPY (SELECT TIMESTAMP '2025-04-16 00:00:00' AS "timestamp", true AS snapshot FROM range(${rows}))
             TO ${sqlString(join(folder, 'part-0.parquet'))} (FORMAT parquet)`,
        );
      }
      const count = async (relation: string): Promise<unknown> => (await engine.query(`SELECT count(*) AS n FROM ${relation}`)).rows[0]?.n;
      assert.equal(await count(engine.rawRelationsFor(day, day + DAY_MS).heartdub), 2);
      // A day's read window ends an hour into the next day: the next day's 05:00 is not read.
      assert.equal(await count(engine.rawRelationsFor(day - DAY_MS, day + DAY_MS + HOUR_MS).heartdub), 3);
      assert.equal(await count(engine.rawRelationsFor(day - DAY_MS, day + DAY_MS + 6 * HOUR_MS).heartdub), 6);
      assert.equal(await count(engine.rawRelationsFor(day + DAY_MS + 5 * HOUR_MS, day + DAY_MS + 5 * HOUR_MS + 1).heartdub), 3);
      assert.equal(await count(engine.rawRelationsFor(day + 5 * DAY_MS, day + 6 * DAY_MS).heartdub), 0);
      // Partition values are strings, as in Glue; a table without files still has its columns.
      const { rows } = await engine.query(`SELECT year, month, day, hour, cluster FROM ${engine.rawRelationsFor(day, day + DAY_MS).heartdub} LIMIT 1`);
      assert.deepEqual(rows, [{ year: '2025', month: '04', day: '16', hour: '00', cluster: 'c1' }]);
      const empty = await engine.query(`SELECT uid, gpu, cluster, day FROM ${engine.rawRelationsFor(day, day + DAY_MS).workload} WHERE day = '16'`);
      assert.deepEqual(empty.rows, []);
    } finally {
      await engine.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('heartbeats written before they had a cluster folder', () => {
  it('are read, with their cluster, once moved into the folder of the cluster their rows name (docs/collector.md, Upgrading)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hpu-old-heartbeats-'));
    const day = Date.parse('2025-04-16T00:00:00Z');
    const engine = await DuckDbEngine.open(root);
    try {
      // Old layout: raw/heartdub/year=/month=/day=/hour=/<file>, the cluster a column of the rows.
      const oldFolder = dirname(rawPartitionPath('heartdub', day, 'c1'));
      const oldFile = join(root, oldFolder, 'collector-0-old-00000001.parquet');
      mkdirSync(dirname(oldFile), { recursive: true });
      await engine.execute(
        `COPY (SELECT TIMESTAMP '2025-04-16 00:00:00' AS "timestamp", 'c1' AS cluster, true AS snapshot) TO ${sqlString(oldFile)} (FORMAT parquet)`,
      );
      // New layout, an hour later: the cluster is the folder only.
      const newFolder = join(root, rawPartitionPath('heartdub', day + HOUR_MS, 'c1'));
      mkdirSync(newFolder, { recursive: true });
      await engine.execute(
        `COPY (SELECT TIMESTAMP '2025-04-16 01:00:00' AS "timestamp", false AS snapshot) TO ${sqlString(join(newFolder, 'collector-0-new-00000001.parquet'))} (FORMAT parquet)`,
      );
      const clusters = async (): Promise<unknown[]> =>
        (await engine.query(`SELECT cluster, count(*) AS n FROM ${engine.rawRelationsFor(day, day + DAY_MS).heartdub} GROUP BY cluster`)).rows.map((r) => [r.cluster, r.n]);
      // Left where it was, the old file is not read (as on Athena, whose projection names the cluster folder)...
      assert.deepEqual(await clusters(), [['c1', 1]]);
      // ...and a day holding only old files reads as empty, rather than failing on a glob that matches nothing.
      const later = day + 2 * DAY_MS;
      const oldOnly = join(root, dirname(rawPartitionPath('heartdub', later, 'c1')), 'collector-0-old-00000002.parquet');
      mkdirSync(dirname(oldOnly), { recursive: true });
      await engine.execute(`COPY (SELECT TIMESTAMP '2025-04-18 00:00:00' AS "timestamp", 'c1' AS cluster) TO ${sqlString(oldOnly)} (FORMAT parquet)`);
      assert.deepEqual((await engine.query(`SELECT count(*) AS n FROM ${engine.rawRelationsFor(later, later + DAY_MS).heartdub}`)).rows, [{ n: 0 }]);
      // hpu aggregate warns about them, for the days whose rollups would read them.
      assert.deepEqual(oldLayoutHeartbeats(root, [day]), [join(oldFolder, 'collector-0-old-00000001.parquet')]);
      assert.deepEqual(oldLayoutHeartbeats(root, [day - 3 * DAY_MS]), []);

      const moved = join(root, rawPartitionPath('heartdub', day, 'c1'), 'collector-0-old-00000001.parquet');
      mkdirSync(dirname(moved), { recursive: true });
      renameSync(oldFile, moved);
      assert.deepEqual(await clusters(), [['c1', 2]]);
      assert.deepEqual(oldLayoutHeartbeats(root, [day]), []);
      await engine.refreshViews();
      const { rows } = await engine.query(`SELECT cluster, hour, snapshot FROM heartdub ORDER BY hour`);
      assert.deepEqual(rows, [{ cluster: 'c1', hour: '00', snapshot: true }, { cluster: 'c1', hour: '01', snapshot: false }]);
    } finally {
      await engine.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
