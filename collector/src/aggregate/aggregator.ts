/**
 * The aggregation: raw records → rollups, one partition (table × UTC day × cluster) at a time,
 * each replaced whole, so re-running any day gives the same result and a backfill is just a range.
 */
import {
  assertClusterName,
  DAY_MS,
  dayPartitionPredicate,
  lastSnapshotSql,
  rawReadWindow,
  rawRelations,
  readFromSnapshot,
  rollupPartitionScan,
  rollupSql,
  ROLLUP_TABLE_NAMES,
  type CostSplit,
  type InstancePrice,
  type IntervalOptions,
  type RawRelations,
  type Relations,
  type RollupTableName,
} from '@hyperpod-usage/model';
import type { QueryEngine } from '../engine/query-engine.js';
import type { Logger } from '../log.js';
import { pricesSelect } from './prices.js';
import type { RollupWriter } from './rollup-writer.js';
import { duckDbStager, type RangeStager, type StagedRange } from './stagers.js';

export interface AggregateOptions {
  writer: RollupWriter;
  relations: Relations;
  /**
   * Raw tables read only where the UTC days overlapping [start, end) lie, where the engine gains
   * from it (DuckDB: `DuckDbEngine.rawRelationsFor`); by default the raw tables of `relations`.
   */
  rawRelationsFor?: (start: number, end: number) => RawRelations;
  /** UTC midnights of the days to (re)compute. */
  days: readonly number[];
  /** Clusters to aggregate; empty to take every cluster with heartbeats on those days. */
  clusters: readonly string[];
  prices: readonly InstancePrice[];
  costSplit: CostSplit;
  log: Logger;
  /**
   * Build each day's shared intermediate results (held intervals, quota segments) once and let
   * the rollups read them (stagers.ts): temporary tables on DuckDB, Parquet tables by CTAS on
   * Athena (the writer's stager). Default true; false builds every rollup from the raw tables.
   */
  stage?: boolean;
  /**
   * Read every day's raw records from a day before it, as earlier versions did, instead of from
   * its last snapshot (`readFromSnapshot`): for checking that both give the same rollups.
   */
  readWholeDayBefore?: boolean;
  /** Called with each rollup's (or the staging's) milliseconds, for benchmarks. */
  onTimed?: (step: RollupTableName | 'staging', ms: number) => void;
}

export interface AggregateResult {
  clusters: string[];
  partitions: number;
  seconds: number;
}

const DAILY_TABLES = ROLLUP_TABLE_NAMES.filter((t): t is Exclude<RollupTableName, 'prices'> => t !== 'prices');

/** Clusters that sent heartbeats on the days; names that could not be a cluster are skipped, loudly. */
async function discoverClusters(options: Pick<AggregateOptions, 'writer' | 'relations' | 'rawRelationsFor' | 'days' | 'log'>): Promise<string[]> {
  if (options.days.length === 0) return [];
  const first = Math.min(...options.days);
  const last = Math.max(...options.days) + DAY_MS;
  const heartdub = options.rawRelationsFor ? options.rawRelationsFor(first, last).heartdub : options.relations.heartdub;
  const { rows } = await options.writer.engine.query(
    `SELECT DISTINCT cluster FROM ${heartdub} WHERE ${dayPartitionPredicate(first, last)} ORDER BY cluster`,
  );
  const clusters: string[] = [];
  for (const r of rows) {
    try {
      clusters.push(assertClusterName(String(r.cluster)));
    } catch (e) {
      options.log.warn('skipping records of an invalid cluster name', { error: e });
    }
  }
  return clusters;
}

/** Where a day's raw records start for a cluster: the hour before its latest snapshot at or before midnight. */
export async function snapshotReadFrom(engine: QueryEngine, heartdub: string, day: number, cluster: string): Promise<number> {
  const { rows } = await engine.query(lastSnapshotSql(heartdub, { start: day, end: day + DAY_MS }, cluster));
  const ms = rows[0]?.snapshot_ms;
  return readFromSnapshot(day, ms === null || ms === undefined || ms === '' ? undefined : Number(ms));
}

export async function aggregate(options: AggregateOptions): Promise<AggregateResult> {
  const began = Date.now();
  const engine = options.writer.engine;
  const stager: RangeStager | undefined =
    options.stage === false ? undefined : (options.writer.stager ?? (engine.dialect === 'duckdb' ? duckDbStager(engine) : undefined));
  const clusters = options.clusters.length ? [...options.clusters] : await discoverClusters(options);
  await options.writer.replace({ table: 'prices' }, pricesSelect(options.prices, options.costSplit));
  let partitions = 1;
  for (const day of [...options.days].sort((a, b) => a - b)) {
    // The records a day's rollups may read (its partition predicates select the same hours).
    const window = rawReadWindow(day, day + DAY_MS);
    const relationsFor = (start: number) => (options.rawRelationsFor ? options.rawRelationsFor(start, window.end) : rawRelations(options.relations));
    const widest = relationsFor(window.start);
    for (const cluster of clusters) {
      const readFrom = options.readWholeDayBefore ? window.start : await snapshotReadFrom(engine, widest.heartdub, day, cluster);
      const raw = readFrom === window.start ? widest : relationsFor(readFrom);
      // Staged runs may use the engine's own faster SQL forms; unstaged ones stay the portable queries.
      const dayBefore = { table: 'task_daily', day: day - DAY_MS, cluster } as const;
      const previousTaskDaily = options.writer.partitionRelation
        ? options.writer.partitionRelation(dayBefore)
        : rollupPartitionScan(options.relations.task_daily, dayBefore.day, cluster);
      const range: IntervalOptions = {
        relations: raw,
        range: { start: day, end: day + DAY_MS },
        clusters: [cluster],
        readFrom,
        ...(previousTaskDaily ? { previousTaskDaily } : {}),
        ...(stager ? { dialect: engine.dialect } : {}),
      };
      const t0 = Date.now();
      const staged: StagedRange | undefined = stager ? await stager.stage(range, { day, cluster }) : undefined;
      if (stager) options.onTimed?.('staging', Date.now() - t0);
      try {
        for (const table of DAILY_TABLES) {
          const t1 = Date.now();
          await options.writer.replace({ table, day, cluster }, staged ? staged.rollupSql(table) : rollupSql(table, range));
          partitions++;
          options.onTimed?.(table, Date.now() - t1);
          options.log.debug('rollup partition written', { table, day: new Date(day).toISOString().slice(0, 10), cluster, ms: Date.now() - t1 });
        }
      } finally {
        await staged?.drop();
      }
      options.log.info('aggregated day', { day: new Date(day).toISOString().slice(0, 10), cluster });
    }
  }
  return { clusters, partitions, seconds: (Date.now() - began) / 1000 };
}

/** UTC midnights from `from` to `to` (YYYY-MM-DD, both included). */
export function daysFromTo(from: string, to: string): number[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || !/^\d{4}-\d\d-\d\d$/.test(from) || !/^\d{4}-\d\d-\d\d$/.test(to)) {
    throw new Error(`invalid date range ${JSON.stringify(from)} to ${JSON.stringify(to)}: use YYYY-MM-DD`);
  }
  if (end < start) throw new Error(`the range ends (${to}) before it starts (${from})`);
  if ((end - start) / DAY_MS > 3660) throw new Error('a range of more than ten years is surely a mistake');
  const days: number[] = [];
  for (let d = start; d <= end; d += DAY_MS) days.push(d);
  return days;
}

/** The last `count` UTC days up to and including the one that contains `now`. */
export function lastDays(count: number, now: number): number[] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: count }, (_, i) => today - (count - 1 - i) * DAY_MS);
}
