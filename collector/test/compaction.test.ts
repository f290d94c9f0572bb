// Compaction of closed raw hours: a hand-computed scenario recorded by the real collector, its
// hours compacted locally and on S3 (s3rver), and the rollups compared with those of the files as
// the collector wrote them; an interrupted pass (inputs left next to their compacted file) and a
// file replayed into a compacted hour.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DAY_MS, HOUR_MS, ROLLUP_TABLE_NAMES, sqlString } from '@hyperpod-usage/model';
import { closedHours, compactHours } from '../src/aggregate/compaction.js';
import { LocalRawStore, S3RawStore } from '../src/aggregate/raw-store.js';
import { aggregateCommand } from '../src/commands/aggregate.js';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { loadScenario, type Scenario } from '../src/simulator/scenario.js';
import { runSimulation } from '../src/simulator/simulation.js';
import { aggregateRun, checkExpected, type Expected } from './support/aggregation.js';
import { mirrorPrefix, startS3, type TestS3 } from './support/s3.js';

const scenario: Scenario = loadScenario(fileURLToPath(new URL('fixtures/aggregation/crossing-midnight.yaml', import.meta.url)));
// Every hour the recording may have written, from a day before it to a day after.
const everyHour = Array.from({ length: Math.ceil((scenario.end - scenario.start) / HOUR_MS) + 48 }, (_, i) => Math.floor(scenario.start / HOUR_MS) * HOUR_MS - DAY_MS + i * HOUR_MS);

/** Parquet files under `dir`, by folder (relative to `dir`). */
function folders(dir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.parquet')) out.set(relative(join(dir, 'raw'), d), [...(out.get(relative(join(dir, 'raw'), d)) ?? []), e.name]);
    }
  };
  walk(join(dir, 'raw'));
  // Keys relative to raw/: <table>/year=/month=/day=/hour=/cluster=.
  return out;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

/** Every rollup's rows, in a stable order; numbers to 1e-6 (sums may add in another order). */
async function rollups(dataDir: string): Promise<Record<string, unknown[]>> {
  const engine = await aggregateRun(dataDir, scenario.start, scenario.end);
  try {
    await checkExpected(engine, scenario.expected as Expected);
    const out: Record<string, unknown[]> = {};
    for (const table of ROLLUP_TABLE_NAMES) {
      const { rows } = await engine.query(`SELECT * FROM ${table} ORDER BY ALL`);
      out[table] = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v])));
    }
    return out;
  } finally {
    await engine.close();
  }
}

async function rawRowCounts(engine: DuckDbEngine, dataDir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  // The tables this recording has files of (a scenario without pods outside Kueue has none).
  for (const table of new Set([...folders(dataDir).keys()].map((f) => f.split('/')[0] as string))) {
    const { rows } = await engine.query(`SELECT count(*) AS n FROM read_parquet(${sqlString(join(dataDir, 'raw', table, '**', '*.parquet'))}, union_by_name = true)`);
    out[table] = Number(rows[0]?.n);
  }
  return out;
}

describe('compaction of closed raw hours', () => {
  let root: string;
  let recorded: string;
  let expected: Record<string, unknown[]>;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hpu-compact-'));
    recorded = join(root, 'recorded');
    await runSimulation({ scenario, clusterName: 'hand', storage: { kind: 'local', directory: recorded }, spoolDir: join(root, 'spool'), speed: 3600, log: silentLogger });
    expected = await rollups(cpCopy(recorded, join(root, 'as-recorded')));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const cpCopy = (from: string, to: string): string => {
    cpSync(from, to, { recursive: true });
    return to;
  };

  it('merges each folder into one file with the same rows and column types, and the rollups do not move', async () => {
    const data = cpCopy(recorded, join(root, 'local'));
    const before = folders(data);
    assert.ok([...before.values()].some((files) => files.length > 1), 'the recording has folders of several files');
    const result = await compactHours(new LocalRawStore(data), everyHour);
    const merged = [...before.values()].filter((files) => files.length > 1);
    assert.deepEqual(result, { folders: merged.length, merged: merged.reduce((n, f) => n + f.length, 0), repaired: 0, failed: 0 });
    const after = folders(data);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [folder, files] of after) {
      assert.equal(files.length, 1, folder);
      if ((before.get(folder) ?? []).length > 1) assert.match(files[0] as string, /^compacted-[0-9a-f]{16}\.parquet$/);
    }

    const engine = await DuckDbEngine.open(data, { rawViews: false });
    try {
      assert.deepEqual(await rawRowCounts(engine, data), await rawRowCounts(engine, recorded));
      // Parquet types as the collector writes them (timestamps INT64 in milliseconds), read back as the same types.
      const [folder, files] = [...before].find(([, f]) => f.length > 1) as [string, string[]];
      const schema = async (file: string) => [
        ...(await engine.query(`SELECT name, type, repetition_type, CASE WHEN converted_type LIKE 'TIMESTAMP%' THEN converted_type END AS time_unit
                                FROM parquet_schema(${sqlString(file)}) WHERE type IS NOT NULL ORDER BY name`)).rows,
        ...(await engine.query(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`)).rows,
      ];
      assert.deepEqual(await schema(join(data, 'raw', folder, (after.get(folder) as string[])[0] as string)), await schema(join(recorded, 'raw', folder, files[0] as string)));
      // The compacted file names what it was made from.
      const { rows } = await engine.query(
        `SELECT decode(value) AS v FROM parquet_kv_metadata(${sqlString(join(data, 'raw', folder, (after.get(folder) as string[])[0] as string))}) WHERE decode(key) = 'hpu.compacted_from'`,
      );
      assert.deepEqual(JSON.parse(String(rows[0]?.v)), [...files].sort());
    } finally {
      await engine.close();
    }
    assert.deepEqual(await rollups(data), expected);
    // A second pass has nothing to do.
    assert.deepEqual(await compactHours(new LocalRawStore(data), everyHour), { folders: 0, merged: 0, repaired: 0, failed: 0 });
  });

  it('an interrupted pass (inputs still next to their compacted file) counts rows once and is repaired; a late file is merged next time', async () => {
    const data = cpCopy(recorded, join(root, 'interrupted'));
    const before = folders(data);
    await compactHours(new LocalRawStore(data), everyHour);
    // Put back every input of the two busiest folders, as a crash before the deletes leaves them.
    const busiest = [...before].sort(([, a], [, b]) => b.length - a.length).slice(0, 2);
    for (const [folder, files] of busiest) for (const f of files) cpSync(join(recorded, 'raw', folder, f), join(data, 'raw', folder, f));
    assert.deepEqual(await rollups(data), expected, 'rows present twice do not change the rollups');
    const restored = busiest.reduce((n, [, f]) => n + f.length, 0);
    assert.deepEqual(await compactHours(new LocalRawStore(data), everyHour), { folders: 0, merged: 0, repaired: restored, failed: 0 });
    for (const [folder] of busiest) assert.equal(folders(data).get(folder)?.length, 1);

    // A spool replayed into a compacted hour: merged with the compacted file on the next pass.
    const [folder, files] = busiest[0] as [string, string[]];
    cpSync(join(recorded, 'raw', folder, files[0] as string), join(data, 'raw', folder, 'replayed-00000001.parquet'));
    assert.deepEqual(await compactHours(new LocalRawStore(data), everyHour), { folders: 1, merged: 2, repaired: 0, failed: 0 });
    assert.equal(folders(data).get(folder)?.length, 1);
    assert.deepEqual(await rollups(data), expected);
  });

  it('hpu aggregate --compact compacts the closed hours of the days it aggregates, then aggregates them', async () => {
    const data = cpCopy(recorded, join(root, 'cli'));
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const before = folders(data);
    // Heartbeats of the old layout (no cluster folder) are left for the upgrade to move.
    const [heartbeats, files] = [...before].find(([f]) => f.startsWith('heartdub/')) as [string, string[]];
    const oldLayout = join(data, 'raw', heartbeats, '..');
    for (const n of ['old-1.parquet', 'old-2.parquet']) cpSync(join(data, 'raw', heartbeats, files[0] as string), join(oldLayout, n));
    const args = ['--data', data, '--from', day(scenario.start), '--to', day(scenario.end - 1), '--log-level', 'error'];
    await aggregateCommand([...args, '--compact', '--cluster', 'another']);
    assert.deepEqual(folders(data).get(heartbeats), files, "--cluster: another cluster's folders only");
    await aggregateCommand([...args, '--compact']);
    const after = folders(data);
    assert.deepEqual(after.get(relative(join(data, 'raw'), oldLayout)), ['old-1.parquet', 'old-2.parquet']);
    after.delete(relative(join(data, 'raw'), oldLayout));
    assert.ok([...after.values()].every((f) => f.length === 1), 'one file per folder');
    // Incremental runs fingerprint the days after compacting: a second run over the same data redoes nothing.
    await aggregateCommand([...args, '--compact', '--incremental']);
    const written = () => filesUnder(join(data, 'rollups')).map((f) => `${f} ${statSync(f).mtimeMs}`).sort();
    const first = written();
    await aggregateCommand([...args, '--compact', '--incremental']);
    assert.deepEqual(written(), first);
    assert.deepEqual(await rollups(data), expected);
  });

  it('a folder with a file that is not Parquet is left as it is, with a warning, and the others are compacted', async () => {
    const data = cpCopy(recorded, join(root, 'damaged'));
    const before = folders(data);
    const [folder, files] = [...before].find(([, f]) => f.length > 1) as [string, string[]];
    writeFileSync(join(data, 'raw', folder, 'damaged.parquet'), 'not parquet');
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push(`${message} ${String(fields?.folder)}`) };
    const result = await compactHours(new LocalRawStore(data), everyHour, { log });
    assert.equal(result.failed, 1);
    assert.ok(result.folders > 0);
    assert.deepEqual(folders(data).get(folder)?.sort(), [...files, 'damaged.parquet'].sort());
    assert.deepEqual(warnings, [`raw hour folder not compacted raw/${folder}`]);
  });

  it('closedHours: only hours that ended at least the settling time ago, each once', () => {
    const h = Date.parse('2025-04-16T10:00:00Z');
    assert.deepEqual(closedHours([h + 2 * HOUR_MS, h + HOUR_MS, h, h + HOUR_MS], h + 2 * HOUR_MS + 5 * 60_000), [h, h + HOUR_MS]);
    assert.deepEqual(closedHours([h], h + HOUR_MS + 4 * 60_000), []);
  });

  describe('on S3', () => {
    let s3: TestS3;
    before(async () => {
      s3 = await startS3('usage-compaction');
    });
    after(async () => s3.stop());

    it('merges through GET, PUT and DeleteObjects under the prefix, with the same rollups', async () => {
      for (const [folder, files] of folders(recorded)) {
        for (const f of files) {
          await s3.client.send(new PutObjectCommand({ Bucket: 'usage-compaction', Key: `usage/raw/${folder}/${f}`, Body: readFileSync(join(recorded, 'raw', folder, f)) }));
        }
      }
      const result = await compactHours(new S3RawStore(s3.client, 'usage-compaction', 'usage/'), everyHour);
      assert.ok(result.folders > 0 && result.merged > result.folders);
      const mirrored = join(root, 's3');
      const after = await mirrorPrefix(s3.client, 'usage-compaction', 'usage', mirrored);
      assert.equal(after.length, folders(recorded).size, 'one object per folder');
      assert.deepEqual(await rollups(mirrored), expected);
    });
  });
});
