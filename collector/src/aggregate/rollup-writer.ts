/**
 * Writes one rollup partition (table × day × cluster) so that a re-run replaces it instead of
 * appending: locally by writing next to it and swapping folders, on AWS by deleting the S3 prefix
 * and UNLOADing into it (Athena has no INSERT OVERWRITE for Hive tables).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { hourPartitionOf, ROLLUP_TABLES, sqlString, type RollupTableName } from '@hyperpod-usage/model';
import { AthenaEngine } from '../engine/athena-engine.js';
import type { DuckDbEngine } from '../engine/duckdb-engine.js';
import type { QueryEngine } from '../engine/query-engine.js';
import { deletePrefix } from '../engine/s3-prefix.js';
import type { Logger } from '../log.js';
import { AthenaStager, type RangeStager } from './stagers.js';

export interface RollupPartition {
  table: RollupTableName;
  /** UTC midnight of the day, epoch ms; undefined for unpartitioned tables. */
  day?: number;
  cluster?: string;
}

export interface RollupWriter {
  readonly engine: QueryEngine;
  /** Builds a day's shared intermediate results where the writer's engine needs more than SQL for it. */
  readonly stager?: RangeStager;
  /** Replaces the partition with the rows the SELECT returns. */
  replace(partition: RollupPartition, select: string): Promise<void>;
  /**
   * The rows a partition holds now, as a relation with a `cluster` column, or undefined when it
   * has none. Without this method the table's relation is filtered to the partition (Athena).
   */
  partitionRelation?(partition: RollupPartition): string | undefined;
}

/** A local partition is one file: a re-run replaces it, never appends. */
const PARTITION_FILE = 'part-00000.parquet';

/** `rollups/team_hourly/year=2025/month=04/day=16/cluster=demo` (no trailing slash). */
function partitionPath(partition: RollupPartition): string {
  const table = ROLLUP_TABLES[partition.table];
  if (table.partitionKeys.length === 0) return table.location;
  if (partition.day === undefined || partition.cluster === undefined) throw new Error(`${partition.table} needs a day and a cluster`);
  const p = hourPartitionOf(partition.day);
  return `${table.location}/year=${p.year}/month=${p.month}/day=${p.day}/cluster=${partition.cluster}`;
}

/** The partition folder under the data directory; refuses one that would land anywhere else. */
function insideRoot(root: string, path: string): string {
  const base = resolve(root);
  const target = resolve(base, path);
  const rel = relative(base, target);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || resolve(base, rel) !== target || path.split('/').includes('..')) {
    throw new Error(`refusing to write rollup partition ${JSON.stringify(path)}: it is outside ${base}`);
  }
  return target;
}

export class LocalRollupWriter implements RollupWriter {
  constructor(
    readonly engine: DuckDbEngine,
    private readonly dataDir: string,
  ) {}

  /** The partition's own file, read directly: the engine's views were made before this run wrote any. */
  partitionRelation(partition: RollupPartition): string | undefined {
    const file = join(insideRoot(this.dataDir, partitionPath(partition)), PARTITION_FILE);
    if (!existsSync(file)) return undefined;
    return `(SELECT *, ${sqlString(partition.cluster ?? '')} AS cluster FROM read_parquet(${sqlString(file)}))`;
  }

  async replace(partition: RollupPartition, select: string): Promise<void> {
    const target = insideRoot(this.dataDir, partitionPath(partition));
    // Hidden names beside the partition: the views' globs (`cluster=*`) never match them, so an
    // interrupted run leaves no half-written file in a table.
    const beside = (what: string) => join(dirname(target), `.${basename(target)}.${what}-${process.pid}-${Date.now()}`);
    const staging = beside('staging');
    await mkdir(staging, { recursive: true });
    try {
      const file = join(staging, PARTITION_FILE);
      await this.engine.execute(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`);
      // Readers see the old partition or the new one, never a mix.
      await mkdir(dirname(target), { recursive: true });
      const old = beside('old');
      if (existsSync(target)) await rename(target, old);
      await rename(staging, target);
      await rm(old, { recursive: true, force: true });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}

export class AthenaRollupWriter implements RollupWriter {
  readonly stager?: RangeStager;

  constructor(
    readonly engine: QueryEngine,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    log?: Logger,
  ) {
    // Staging needs the catalog (table locations), which only the real engine can ask.
    if (engine instanceof AthenaEngine) this.stager = new AthenaStager(engine, s3, bucket, log);
  }

  async replace(partition: RollupPartition, select: string): Promise<void> {
    const key = `${this.prefix ? `${this.prefix}/` : ''}${partitionPath(partition)}/`;
    // UNLOAD refuses a non-empty target; deleting first also removes a failed run's partial files.
    await deletePrefix(this.s3, this.bucket, key);
    await this.engine.query(
      `UNLOAD (${select}) TO ${sqlString(`s3://${this.bucket}/${key}`)} WITH (format = 'PARQUET', compression = 'SNAPPY')`,
    );
  }
}
