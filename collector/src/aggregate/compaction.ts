/**
 * Compaction of closed raw hours (`hpu aggregate --compact`). The collector writes one Parquet file
 * per table, hour, cluster and flush: 60 an hour per table at the default 60 s flush interval.
 * Every reader pays per file (DuckDB takes three times as long over 4,300 small files as over
 * their rows in one; Athena makes a split of each), so once an hour has closed, each of its
 * folders (table, hour, cluster) is merged into one file, `compacted-<digest>.parquet`, and the
 * files it was made from are deleted. The rows stay the same rows, so the rollups do not move.
 *
 * Crash-safe: the merged file appears whole (a rename; one S3 PUT) before any input is deleted,
 * and it names its inputs in its Parquet key-value metadata (`hpu.compacted_from`). A crash in
 * between leaves some rows twice, which the aggregation tolerates (records are states, grouped
 * by key, never counted), and which the next pass repairs first: it deletes the inputs a
 * compacted file names. A file that arrives later (a spool replayed into an old hour) is merged
 * with the compacted file on the next pass.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { HOUR_MS, RAW_TABLE_NAMES, sqlIdentifier, sqlString } from '@hyperpod-usage/model';
import { silentLogger, type Logger } from '../log.js';
import type { RawObject } from './incremental.js';
import type { RawStore } from './raw-store.js';

/** The name a merged file gets: a digest of the names it was made from, so a re-run makes the same name. */
const COMPACTED = /^compacted-[0-9a-f]{16}\.parquet$/;
const METADATA_KEY = 'hpu.compacted_from';
/**
 * An hour is closed this long after its end: the collector (flushing every minute by default) has
 * written its records. Short enough that the CronJob at :07 compacts the hour just ended before it
 * fingerprints the days: compacting an hour later would change a day's objects once more and
 * redo that day once more. A file that still arrives is merged by a later pass.
 */
export const DEFAULT_SETTLE_MS = 5 * 60_000;

export interface CompactionResult {
  /** Folders merged into one file on this pass. */
  folders: number;
  /** Files merged (and then deleted). */
  merged: number;
  /** Inputs of an earlier, interrupted pass found next to their compacted file and deleted. */
  repaired: number;
  /** Folders left as they were because they could not be merged (each logged). */
  failed: number;
}

/** Of the given hours (their starts), those that ended at least `settleMs` before `now`, each once, ascending. */
export function closedHours(hours: readonly number[], now: number, settleMs = DEFAULT_SETTLE_MS): number[] {
  return [...new Set(hours)].filter((h) => h + HOUR_MS + settleMs <= now).sort((a, b) => a - b);
}

/**
 * Merges the files of each folder of the given raw hours into one (see the module comment); with
 * `clusters`, only those clusters' folders.
 */
export async function compactHours(
  store: RawStore,
  hours: readonly number[],
  { clusters = [], log = silentLogger }: { clusters?: readonly string[]; log?: Logger } = {},
): Promise<CompactionResult> {
  const result: CompactionResult = { folders: 0, merged: 0, repaired: 0, failed: 0 };
  if (hours.length === 0) return result;
  const scratch = mkdtempSync(join(tmpdir(), 'hpu-compact-'));
  // A small engine of its own: one folder at a time, an hour of one table at most.
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: '256MB', threads: '1', temp_directory: join(scratch, 'spill') });
  const connection = await instance.connect();
  try {
    for (const hour of hours) {
      for (const table of RAW_TABLE_NAMES) {
        for (const [folder, objects] of byFolder(await store.listHour(table, hour))) {
          // Only cluster folders: heartbeats of the old layout (no cluster folder) stay as they are for the upgrade.
          const cluster = /\/cluster=([^/]+)$/.exec(folder)?.[1];
          if (cluster === undefined || (clusters.length > 0 && !clusters.includes(cluster))) continue;
          let done: { merged: number; repaired: number };
          try {
            done = await compactFolder(store, connection, scratch, folder, objects);
          } catch (error) {
            // An unreadable file (or a failed request) leaves its folder as it is; the others go on.
            log.warn('raw hour folder not compacted', { folder, error: (error as Error).message.split('\n')[0] });
            result.failed += 1;
            continue;
          }
          result.folders += done.merged > 0 ? 1 : 0;
          result.merged += done.merged;
          result.repaired += done.repaired;
        }
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
    rmSync(scratch, { recursive: true, force: true });
  }
  if (result.folders || result.repaired || result.failed) log.info('compacted raw hours', { hours: hours.length, ...result });
  return result;
}

/** The Parquet files of a listing (not a writer's hidden temporaries), by folder. */
function byFolder(objects: readonly RawObject[]): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  for (const { key } of objects) {
    const name = basename(key);
    if (name.startsWith('.') || !name.endsWith('.parquet')) continue;
    const folder = dirname(key);
    folders.set(folder, [...(folders.get(folder) ?? []), name]);
  }
  return folders;
}

async function compactFolder(
  store: RawStore,
  connection: DuckDBConnection,
  scratch: string,
  folder: string,
  names: readonly string[],
): Promise<{ merged: number; repaired: number }> {
  let remaining = [...names].sort();
  if (remaining.length <= 1) return { merged: 0, repaired: 0 };
  const local = new Map<string, string>();
  const copy = async (name: string): Promise<string> => {
    const known = local.get(name);
    if (known) return known;
    const file = await store.localCopy(`${folder}/${name}`, scratch);
    local.set(name, file);
    return file;
  };
  try {
    // Repair first: inputs of an interrupted pass are already in their compacted file.
    let repaired = 0;
    for (const name of remaining.filter((n) => COMPACTED.test(n))) {
      const leftovers = (await compactedFrom(connection, await copy(name))).filter((n) => n !== name && remaining.includes(n));
      if (leftovers.length === 0) continue;
      await store.delete(leftovers.map((n) => `${folder}/${n}`));
      remaining = remaining.filter((n) => !leftovers.includes(n));
      repaired += leftovers.length;
    }
    if (remaining.length <= 1) return { merged: 0, repaired };
    const target = `compacted-${createHash('sha256').update(remaining.join('\0')).digest('hex').slice(0, 16)}.parquet`;
    const merged = join(scratch, target);
    const files: string[] = [];
    for (const name of remaining) files.push(await copy(name));
    await mergeFiles(connection, files, merged, remaining);
    await store.putFile(`${folder}/${target}`, merged);
    await store.delete(remaining.filter((n) => n !== target).map((n) => `${folder}/${n}`));
    rmSync(merged, { force: true });
    return { merged: remaining.length, repaired };
  } finally {
    for (const file of local.values()) if (file.startsWith(scratch)) rmSync(file, { force: true });
  }
}

/** The input names a compacted file lists; none for a file without the metadata. */
async function compactedFrom(connection: DuckDBConnection, file: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(
    `SELECT decode(value) AS v FROM parquet_kv_metadata(${sqlString(file)}) WHERE decode(key) = ${sqlString(METADATA_KEY)}`,
  );
  const value = reader.getRowObjects()[0]?.v;
  if (typeof value !== 'string') return [];
  const parsed: unknown = JSON.parse(value);
  return Array.isArray(parsed) ? parsed.filter((n): n is string => typeof n === 'string') : [];
}

/**
 * One file with every row of `files`, columns lined up by name (a file from before a column was
 * added reads NULL there, as Athena reads it), timestamps kept in milliseconds as the collector
 * writes them (DuckDB would write microseconds), Snappy as the collector compresses.
 */
async function mergeFiles(connection: DuckDBConnection, files: readonly string[], out: string, names: readonly string[]): Promise<void> {
  const source = `read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false)`;
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  // Column names are the schema's lower-case names; a file with any other is not ours and is refused.
  const columns = described.map((c) => {
    const name = sqlIdentifier(String(c.column_name));
    return String(c.column_type) === 'TIMESTAMP' ? `CAST(${name} AS TIMESTAMP_MS) AS ${name}` : name;
  });
  await connection.run(
    `COPY (SELECT ${columns.join(', ')} FROM ${source}) TO ${sqlString(out)}
       (FORMAT parquet, COMPRESSION snappy, KV_METADATA {"${METADATA_KEY}": ${sqlString(JSON.stringify(names))}})`,
  );
}
