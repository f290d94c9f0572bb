/**
 * `npm run bench:aggregate`: the daily aggregation at scale, on DuckDB, over 30 simulated days.
 *
 * 1. Record: a base window (default one simulated hour) of a generated scenario (default
 *    `scale-2000-nodes`) is played by the simulator into the Kubernetes API test server and watched
 *    by the real collector, which writes its Parquet files into a temporary directory.
 * 2. Tile: every hour of the target days gets a copy of the base hour's raw records (every raw
 *    table, heartbeats included), written by DuckDB into the Hive partition of its new time:
 *    timestamps shifted by the offset, workload and pod identities suffixed with the tile number so
 *    that each copy is a separate set of objects. Nodes and ClusterQueues keep their identity (a
 *    real cluster keeps its nodes and queues all month). By default each collector file becomes
 *    one tiled file, so a day holds as many files as the collector would have written.
 * 3. Aggregate: `aggregate()` with the `LocalRollupWriter`, day by day (all daily rollups and
 *    the price table), timed per day and per rollup table, on DuckDB opened as `hpu aggregate`
 *    opens it (its default memory limit unless --memory-limit; each day's raw partitions read
 *    through `rawRelationsFor`, or through views over every raw file with --glob-views). Each
 *    day is aggregated twice unless --skip-before: before (every rollup query builds the
 *    intervals and quota segments from the raw records itself) and after (the day's staged
 *    tables are built once and the rollups read them), timed side by side, their rows compared.
 * 4. Measure: rollup bytes per day; a 30-day team dashboard query, run on DuckDB and priced as
 *    Athena would scan it with partition projection (the referenced column chunks of the 30
 *    partitions); next to it, what AWS's upstream aggregation queries would scan over the same
 *    raw data (their ROW_NUMBER() over the whole raw tables comes before the day filter, so every
 *    run reads the referenced columns of every raw partition).
 * 5. Hourly runs on Athena: what the 24 runs of one day of the incremental CronJob would scan
 *    (each redoes the current day from the raw hours present, and at 00:07 and 01:07 the previous
 *    day), before (every rollup from the raw records) and after (the Athena staging tables,
 *    athena-staging.ts), with the scan estimate of 4, next to one full day's figure.
 *
 * Figures are printed, nothing is asserted. Progress goes to stderr, the report to stdout.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  ATHENA_STAGED_CTES,
  athenaStagedRollupSql,
  athenaStagingSelects,
  DAY_MS,
  DEFAULT_PRICES,
  HOUR_MS,
  RAW_TABLES,
  RAW_TABLE_NAMES,
  ROLLUP_TABLES,
  dayPartitionPredicate,
  effectivePrices,
  hourPartitionOf,
  localRelations,
  rawPartitionPath,
  lastSnapshotSql,
  rawReadWindow,
  rawRelations,
  rollupSql,
  sqlString,
  type RawTableName,
  type RollupTableName,
} from '@hyperpod-usage/model';
import { aggregate, snapshotReadFrom } from '../src/aggregate/aggregator.js';
import { compactHours } from '../src/aggregate/compaction.js';
import { LocalRawStore } from '../src/aggregate/raw-store.js';
import { LocalRollupWriter, type RollupPartition, type RollupWriter } from '../src/aggregate/rollup-writer.js';
import { DuckDbEngine, parseMemoryLimit } from '../src/engine/duckdb-engine.js';
import { footerBytes, parquetFiles } from './parquet-files.js';
import { diffRollupFiles, FLOAT_NOISE, type RollupDiff } from './rollup-diff.js';
import { createLogger, silentLogger } from '../src/log.js';
import { BUILTIN_GENERATED, generateScenario, isBuiltinGenerated, summarizeScenario, type BuiltinGeneratedName } from '../src/simulator/generator.js';
import { runSimulation } from '../src/simulator/simulation.js';

const USAGE = `Usage: npm run bench:aggregate -- [options]

  --scenario NAME      scale-2000-nodes (default) or demo-small (a quick check)
  --days N             simulated days to tile and aggregate (default 30)
  --base-hours N       simulated hours recorded for real and tiled (default 1; a divisor of 24)
  --speed N            simulated seconds per real second while recording (default 10: the
                       simulator and the collector keep up at 2,000 nodes on 2 cores)
  --layout L           collector (default): one tiled file per collector file, as many files per
                       hour as the collector writes; hourly: one file per table and hour;
                       compacted: tiled as collector, then every hour merged by \`hpu aggregate
                       --compact\`'s own compaction (timed)
  --base DIR           reuse the recording of an earlier --keep DIR instead of simulating again
  --keep DIR           keep the recording, the tiled records and the rollups in DIR
  --reuse-tiled        with --keep DIR: aggregate the tiled records an earlier run left in DIR
                       (same --scenario, --days, --base-hours, --layout) instead of tiling again,
                       with its recording too unless --base names another
  --glob-views         read raw records through the engine's views, which glob every raw file of
                       every day, instead of only the 3 day folders a day needs (what \`hpu aggregate\`
                       does since it scopes its reads; to compare both)
  --memory-limit SIZE  DuckDB memory_limit for the aggregation, e.g. 12GB (default: the engine's,
                       DUCKDB_MEMORY_LIMIT or half of the memory)
  --skip-before        aggregate each day only as \`hpu aggregate\` does now (staged tables); by
                       default each day is also aggregated before it, the way it was before
                       staging (every rollup from the raw records), timed, and its rows compared
  --before WHAT        what "before" is: unstaged (default, above) or whole-day (staged, each
                       day's records read from the whole day before instead of from the hour
                       before its last snapshot)
  --profile            also profile each rollup query of a middle day (DuckDB operator timings)
  --help`;

const CLUSTER = 'bench';
const MB = 1e6;
/** Athena: $5 per TB scanned, rounded up to the megabyte, 10 MB minimum per query. */
const USD_PER_TB = 5;
const TB = 1e12;
const MIN_BILLED = 10 * MB;
/** AWS's stack expires raw data after this many days unless told otherwise (DataRententionDays). */
const UPSTREAM_DEFAULT_RETENTION_DAYS = 180;

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Options

type Layout = 'collector' | 'hourly' | 'compacted';

interface Options {
  scenario: BuiltinGeneratedName;
  days: number;
  baseHours: number;
  speed: number;
  layout: Layout;
  base: string | null;
  keep: string | null;
  profile: boolean;
  reuseTiled: boolean;
  memoryLimit: string | null;
  globViews: boolean;
  skipBefore: boolean;
  before: 'unstaged' | 'whole-day';
}

function parseOptions(argv: string[]): Options | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scenario: { type: 'string', default: 'scale-2000-nodes' },
        days: { type: 'string', default: '30' },
        'base-hours': { type: 'string', default: '1' },
        speed: { type: 'string', default: '10' },
        layout: { type: 'string', default: 'collector' },
        base: { type: 'string' },
        keep: { type: 'string' },
        profile: { type: 'boolean', default: false },
        'reuse-tiled': { type: 'boolean', default: false },
        'memory-limit': { type: 'string' },
        'glob-views': { type: 'boolean', default: false },
        'skip-before': { type: 'boolean', default: false },
        before: { type: 'string', default: 'unstaged' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    throw new BenchError((e as Error).message);
  }
  if (values.help) return null;
  if (!isBuiltinGenerated(values.scenario)) {
    throw new BenchError(`--scenario: expected one of ${Object.keys(BUILTIN_GENERATED).join(', ')}, got ${JSON.stringify(values.scenario)}`);
  }
  const integer = (name: string, text: string, max: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new BenchError(`--${name}: expected a whole number from 1 to ${max}, got ${JSON.stringify(text)}`);
    return n;
  };
  const baseHours = integer('base-hours', values['base-hours'], 24);
  if (24 % baseHours !== 0) throw new BenchError(`--base-hours: expected a divisor of 24 (1, 2, 3, 4, 6, 8, 12, 24), got ${baseHours}`);
  const speed = Number(values.speed);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new BenchError(`--speed: expected a positive number, got ${JSON.stringify(values.speed)}`);
  const memoryLimit = values['memory-limit'];
  if (memoryLimit !== undefined) {
    try {
      parseMemoryLimit(memoryLimit, '--memory-limit');
    } catch (e) {
      throw new BenchError((e as Error).message);
    }
  }
  if (values.before !== 'unstaged' && values.before !== 'whole-day') {
    throw new BenchError(`--before: expected unstaged or whole-day, got ${JSON.stringify(values.before)}`);
  }
  if (values['reuse-tiled'] && !values.keep) throw new BenchError('--reuse-tiled needs --keep DIR (the folder of the earlier run)');
  if (values.layout !== 'collector' && values.layout !== 'hourly' && values.layout !== 'compacted') {
    throw new BenchError(`--layout: expected collector, hourly or compacted, got ${JSON.stringify(values.layout)}`);
  }
  return {
    scenario: values.scenario,
    days: integer('days', values.days, 366),
    baseHours,
    speed,
    layout: values.layout,
    // Tiled records come from the recording next to them: reuse that too rather than record again.
    base: values.base ? resolve(values.base) : values['reuse-tiled'] && values.keep ? resolve(values.keep) : null,
    keep: values.keep ? resolve(values.keep) : null,
    profile: values.profile,
    reuseTiled: values['reuse-tiled'],
    memoryLimit: memoryLimit ?? null,
    globViews: values['glob-views'],
    skipBefore: values['skip-before'],
    before: values.before,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const progress = (line: string): void => void process.stderr.write(`${line}\n`);

function fmtBytes(n: number): string {
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)} TB`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtS = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const fmtUsd = (n: number): string => (n >= 100 ? `$${n.toFixed(0)}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`);

function fmtDuration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(1)} s`;
  const m = Math.floor(seconds / 60);
  return m < 90 ? `${m} min ${Math.round(seconds - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Athena's bill for one query that scans `bytes`. */
function athenaUsd(bytes: number): number {
  const billed = Math.max(MIN_BILLED, Math.ceil(bytes / MB) * MB);
  return (billed / TB) * USD_PER_TB;
}

function stats(values: readonly number[]): { mean: number; min: number; max: number; p95: number; median: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return {
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    p95: at(0.95),
    median: at(0.5),
  };
}

/** A plain text table: first column left-aligned, the others right-aligned. */
function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '  '): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    indent + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const fileBytes = (files: readonly string[]): number => files.reduce((a, f) => a + statSync(f).size, 0);

/** Peak resident set size of this process (DuckDB runs in it) while `fn` runs, sampled every 100 ms. */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

async function rows(connection: DuckDBConnection, sql: string): Promise<Array<Record<string, unknown>>> {
  const reader = await connection.runAndReadAll(sql);
  const names = reader.columnNames();
  return reader.getRows().map((r) => Object.fromEntries(r.map((v, i) => [names[i] as string, typeof v === 'bigint' ? Number(v) : v])));
}

const listSql = (files: readonly string[]): string => `[${files.map(sqlString).join(', ')}]`;

/** Folder of one day's rollup partition, as the LocalRollupWriter lays it out: `<location>/year=/month=/day=/cluster=`. */
function rollupPartitionDir(dataDir: string, table: RollupTableName, day: number): string {
  const p = hourPartitionOf(day);
  return join(dataDir, ROLLUP_TABLES[table].location, `year=${p.year}`, `month=${p.month}`, `day=${p.day}`, `cluster=${CLUSTER}`);
}

// ---------------------------------------------------------------------------------------------
// Phases

interface Phase {
  name: string;
  seconds: number;
}

class Phases {
  readonly list: Phase[] = [];
  async run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    progress(`[${new Date().toISOString().slice(11, 19)}] ${name} ...`);
    try {
      return await fn();
    } finally {
      const seconds = (performance.now() - t0) / 1000;
      this.list.push({ name, seconds });
      progress(`[${new Date().toISOString().slice(11, 19)}] ${name}: ${fmtDuration(seconds)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Recording the base window

interface BaseRecording {
  dataDir: string;
  start: number;
  hours: number;
  simulated: boolean;
  realSeconds: number | null;
  nominalSeconds: number | null;
  recordsWritten: number | null;
  summary: string;
  /** Files per table and base hour. */
  files: Record<RawTableName, string[][]>;
}

function baseFilesOf(dataDir: string, start: number, hours: number): Record<RawTableName, string[][]> {
  const files = {} as Record<RawTableName, string[][]>;
  for (const t of RAW_TABLE_NAMES) {
    files[t] = Array.from({ length: hours }, (_, h) => parquetFiles(join(dataDir, rawPartitionPath(t, start + h * HOUR_MS, CLUSTER))));
  }
  return files;
}

async function recordBase(options: Options, root: string): Promise<BaseRecording> {
  const scenario = generateScenario({ ...BUILTIN_GENERATED[options.scenario], durationMs: options.baseHours * HOUR_MS });
  if (scenario.start % HOUR_MS !== 0) throw new BenchError(`scenario ${scenario.name} does not start on a full hour`);
  const s = summarizeScenario(scenario);
  const summary =
    `${s.name}: ${fmtInt(s.nodes)} nodes, ${s.teams} teams in ${s.cohorts} cohorts, ${fmtInt(s.workloads.atStart)} workloads and ` +
    `${fmtInt(s.pods.atStart)} pods at the start, ${fmtInt(s.workloads.total)} workloads in ${options.baseHours} h, ` +
    `${s.changesPerSecond.toFixed(1)} object changes/s`;

  let dataDir: string;
  if (options.base) {
    const candidates = [join(options.base, 'base', 'data'), options.base];
    const found = candidates.find((d) => existsSync(join(d, 'raw', 'heartdub')));
    if (!found) throw new BenchError(`--base ${options.base}: no recording there (expected base/data/raw/ from an earlier --keep)`);
    dataDir = found;
    const files = baseFilesOf(dataDir, scenario.start, options.baseHours);
    const missing = RAW_TABLE_NAMES.filter((t) => t !== 'node' && files[t].some((hour) => hour.length === 0));
    if (missing.length) throw new BenchError(`--base ${options.base}: no ${missing.join(', ')} records in the ${options.baseHours} h from ${new Date(scenario.start).toISOString()} (recorded with other options?)`);
    return { dataDir, start: scenario.start, hours: options.baseHours, simulated: false, realSeconds: null, nominalSeconds: null, recordsWritten: null, summary, files };
  }
  dataDir = join(root, 'base', 'data');
  mkdirSync(dataDir, { recursive: true });
  progress(`  ${summary}; playing at ${options.speed}x`);
  const result = await runSimulation({
    scenario,
    clusterName: CLUSTER,
    storage: { kind: 'local', directory: dataDir },
    spoolDir: join(root, 'base', 'spool'),
    speed: options.speed,
    log: createLogger({ level: 'warn' }),
  });
  // The clock starts a simulated minute before the scenario, two real seconds after the collector.
  const nominalSeconds = (options.baseHours * HOUR_MS + 60_000) / 1000 / options.speed + 2;
  return {
    dataDir,
    start: scenario.start,
    hours: options.baseHours,
    simulated: true,
    realSeconds: result.realSeconds,
    nominalSeconds,
    recordsWritten: result.recordsWritten,
    summary,
    files: baseFilesOf(dataDir, scenario.start, options.baseHours),
  };
}

interface BaseFacts {
  perTable: Record<RawTableName, { files: number; rows: number; bytes: number }>;
  /** Simulated seconds from a change's Kubernetes time to when the collector saw it (workload and pod change records after the first 5 minutes). */
  delay: { p50: number; p99: number; max: number; n: number };
  /** Simulated seconds after the start by which the collector had seen the changes stated at the start (the starting population). */
  burstSeconds: number;
  /** Workload and pod records whose lifecycle times lie before the base window (they would make tiles overlap). */
  earlierLifecycle: number;
}

async function inspectBase(connection: DuckDBConnection, base: BaseRecording): Promise<BaseFacts> {
  const perTable = {} as BaseFacts['perTable'];
  for (const t of RAW_TABLE_NAMES) {
    const files = base.files[t].flat();
    const n = files.length ? Number((await rows(connection, `SELECT count(*) AS n FROM read_parquet(${listSql(files)})`))[0]?.n ?? 0) : 0;
    perTable[t] = { files: files.length, rows: n, bytes: fileBytes(files) };
  }
  const changeFiles = [...base.files.workload.flat(), ...base.files.pod.flat()];
  const start = `TIMESTAMP '${new Date(base.start).toISOString().slice(0, 19).replace('T', ' ')}'`;
  // The scenario creates its whole starting population at once: that burst takes the collector a while;
  // after it, how late the collector sees a change shows whether the simulator and the collector kept up.
  const [d] = await rows(
    connection,
    `SELECT quantile_cont(s, 0.5) FILTER (WHERE after) AS p50, quantile_cont(s, 0.99) FILTER (WHERE after) AS p99,
            max(s) FILTER (WHERE after) AS max, count(*) FILTER (WHERE after) AS n,
            max(date_diff('millisecond', ${start}, observed_at) / 1000.0) FILTER (WHERE ts = ${start}) AS burst
       FROM (SELECT date_diff('millisecond', "timestamp", observed_at) / 1000.0 AS s, observed_at, "timestamp" AS ts,
                    "timestamp" >= ${start} + INTERVAL 5 MINUTE AS after
               FROM read_parquet(${listSql(changeFiles)}, union_by_name = true) WHERE record_kind = 'change')`,
  );
  const [w] = base.files.workload.flat().length
    ? await rows(
        connection,
        `SELECT count(*) AS n FROM read_parquet(${listSql(base.files.workload.flat())})
          WHERE created_at < ${start} OR quota_transition_at < ${start} OR finished_at < ${start}`,
      )
    : [{ n: 0 }];
  const [p] = base.files.pod.flat().length
    ? await rows(
        connection,
        `SELECT count(*) AS n FROM read_parquet(${listSql(base.files.pod.flat())})
          WHERE created_at < ${start} OR scheduled_at < ${start} OR finished_at < ${start}`,
      )
    : [{ n: 0 }];
  return {
    perTable,
    delay: { p50: Number(d?.p50 ?? 0), p99: Number(d?.p99 ?? 0), max: Number(d?.max ?? 0), n: Number(d?.n ?? 0) },
    burstSeconds: Number(d?.burst ?? 0),
    earlierLifecycle: Number(w?.n ?? 0) + Number(p?.n ?? 0),
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Tiling

/** Columns that name an object (or its owner): suffixed per tile, so each tile's workloads and pods are new objects. */
const RENAMED: Partial<Record<RawTableName, readonly string[]>> = {
  workload: ['uid', 'workload_name', 'job_name', 'job_uid'],
  pod: ['uid', 'pod', 'owner', 'owner_uid'],
};

function tileSelect(table: RawTableName, source: string, offsetMs: number, suffix: string): string {
  const replace: string[] = [];
  for (const c of RAW_TABLES[table].columns) {
    const q = `"${c.name}"`;
    // TIMESTAMP_MS: written as TIMESTAMP_MILLIS, like the collector's files (read back as TIMESTAMP).
    if (c.type === 'timestamp') replace.push(`CAST(${q} + to_milliseconds(${offsetMs}) AS TIMESTAMP_MS) AS ${q}`);
    else if (RENAMED[table]?.includes(c.name)) replace.push(`CASE WHEN ${q} IS NULL OR ${q} = '' THEN ${q} ELSE ${q} || ${sqlString(suffix)} END AS ${q}`);
  }
  return `SELECT * REPLACE (${replace.join(', ')}) FROM read_parquet(${source}, hive_partitioning = false)`;
}

interface TileResult {
  files: number;
  statements: number;
  hours: number;
  day0: number;
}

/** Column names and types of a base file and of its tiled copy; equal when the check passed. */
interface SchemaCheck {
  table: RawTableName;
  same: boolean;
  detail: string;
}

async function tile(instance: DuckDBInstance, base: BaseRecording, tiledDir: string, options: Options): Promise<TileResult> {
  const day0 = Math.floor(base.start / DAY_MS) * DAY_MS;
  const hours = options.days * 24;
  interface Job {
    sql: string;
  }
  const jobs: Job[] = [];
  let files = 0;
  for (let hourIndex = 0; hourIndex < hours; hourIndex++) {
    const tileNo = Math.floor(hourIndex / base.hours);
    const h = hourIndex % base.hours;
    const offset = day0 + tileNo * base.hours * HOUR_MS - base.start;
    const suffix = `-t${tileNo}`;
    for (const t of RAW_TABLE_NAMES) {
      const sources = base.files[t][h] ?? [];
      if (sources.length === 0) continue;
      const dir = join(tiledDir, rawPartitionPath(t, base.start + h * HOUR_MS + offset, CLUSTER));
      mkdirSync(dir, { recursive: true });
      if (options.layout !== 'hourly') {
        for (const src of sources) {
          const name = src.slice(src.lastIndexOf('/') + 1);
          jobs.push({ sql: `COPY (${tileSelect(t, sqlString(src), offset, suffix)}) TO ${sqlString(join(dir, name))} (FORMAT parquet, COMPRESSION snappy)` });
          files++;
        }
      } else {
        jobs.push({ sql: `COPY (${tileSelect(t, listSql(sources), offset, suffix)}) TO ${sqlString(join(dir, `tile-${tileNo}.parquet`))} (FORMAT parquet, COMPRESSION snappy)` });
        files++;
      }
    }
  }
  // Two connections keep both cores busy: each COPY of a small file is mostly per-statement work.
  const connections = await Promise.all([instance.connect(), instance.connect()]);
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  let lastReport = t0;
  await Promise.all(
    connections.map(async (c) => {
      while (next < jobs.length) {
        const job = jobs[next++] as Job;
        await c.run(job.sql);
        done++;
        const now = performance.now();
        if (now - lastReport > 15_000) {
          lastReport = now;
          const rate = done / ((now - t0) / 1000);
          progress(`  tiled ${fmtInt(done)} of ${fmtInt(jobs.length)} files (${rate.toFixed(0)}/s, about ${fmtDuration((jobs.length - done) / rate)} left)`);
        }
      }
    }),
  );
  for (const c of connections) c.closeSync();

  return { files, statements: jobs.length, hours, day0 };
}

/** The tiled files must have the collector's column names and types. */
async function checkTiledSchema(instance: DuckDBInstance, base: BaseRecording, tiledDir: string): Promise<SchemaCheck[]> {
  const check = await instance.connect();
  const schemaCheck: SchemaCheck[] = [];
  for (const t of RAW_TABLE_NAMES) {
    const src = base.files[t].flat()[0];
    if (!src) continue;
    const copy = parquetFiles(join(tiledDir, 'raw', t))[0];
    if (!copy) throw new BenchError(`no tiled ${t} file`);
    const describe = async (f: string): Promise<string> =>
      (await rows(check, `DESCRIBE SELECT * FROM read_parquet(${sqlString(f)}, hive_partitioning = false)`)).map((r) => `${String(r.column_name)} ${String(r.column_type)}`).join(', ');
    // Physical types, and the unit of timestamps (DuckDB adds INT_32/INT_64 annotations the collector leaves out: harmless).
    const physical = async (f: string): Promise<string> =>
      (await rows(check, `SELECT name, type, converted_type FROM parquet_schema(${sqlString(f)}) WHERE type IS NOT NULL`))
        .map((r) => `${String(r.name)} ${String(r.type)}${String(r.converted_type).startsWith('TIMESTAMP') ? ` ${String(r.converted_type)}` : ''}`)
        .join(', ');
    const [a, b, pa, pb] = [await describe(src), await describe(copy), await physical(src), await physical(copy)];
    const same = a === b && pa === pb;
    // On a mismatch, name the first column that differs (the whole schema would not fit a line).
    const firstDiff = (x: string, y: string): string => {
      const xs = x.split(', ');
      const ys = y.split(', ');
      const i = xs.findIndex((c, k) => c !== ys[k]);
      return i < 0 ? `${xs.length} vs ${ys.length} columns` : `collector's ${xs[i] ?? '(none)'} vs tiled ${ys[i] ?? '(none)'}`;
    };
    schemaCheck.push({ table: t, same, detail: same ? `${a.split(', ').length} columns` : a !== b ? firstDiff(a, b) : firstDiff(pa, pb) });
  }
  check.closeSync();
  return schemaCheck;
}

// ---------------------------------------------------------------------------------------------
// 3. Aggregation

class TimingWriter implements RollupWriter {
  readonly engine: DuckDbEngine;
  readonly ms = new Map<RollupTableName | 'staging', number>();
  constructor(private readonly inner: LocalRollupWriter) {
    this.engine = inner.engine;
  }

  async replace(partition: RollupPartition, select: string): Promise<void> {
    const t0 = performance.now();
    await this.inner.replace(partition, select);
    this.ms.set(partition.table, (this.ms.get(partition.table) ?? 0) + performance.now() - t0);
  }

  addStaging(ms: number): void {
    this.ms.set('staging', (this.ms.get('staging') ?? 0) + ms);
  }
}

interface DayRun {
  day: number;
  seconds: number;
  peakRss: number;
  perTable: Map<RollupTableName | 'staging', number>;
}

/** How a day is aggregated: every rollup from the raw records (before), or from staged tables (after). */
type Mode = 'unstaged' | 'staged';

/** Copies a day's rollup files aside (the rows before), to compare with the next run's in DuckDB. */
function keepDayRollups(dataDir: string, aside: string, tables: readonly RollupTableName[], day: number): void {
  rmSync(aside, { recursive: true, force: true });
  for (const t of tables) {
    const files = parquetFiles(rollupPartitionDir(dataDir, t, day));
    if (files.length) {
      mkdirSync(join(aside, t), { recursive: true });
      files.forEach((f, i) => copyFileSync(f, join(aside, t, `${i}.parquet`)));
    }
  }
}

/** Differences between the kept rollups and the day's current ones, summed over the daily tables (columns named table.column). */
async function differingRows(engine: DuckDbEngine, dataDir: string, aside: string, tables: readonly RollupTableName[], day: number): Promise<RollupDiff> {
  const diff: RollupDiff = { exact: 0, beyondNoise: 0, columnsOnlyBefore: [], columnsOnlyAfter: [] };
  for (const t of tables) {
    const now = parquetFiles(rollupPartitionDir(dataDir, t, day));
    const was = parquetFiles(join(aside, t));
    if (!now.length || !was.length) {
      diff.exact += now.length + was.length;
      diff.beyondNoise += now.length + was.length;
      continue;
    }
    const d = await diffRollupFiles(engine, was, now);
    diff.exact += d.exact;
    diff.beyondNoise += d.beyondNoise;
    diff.columnsOnlyBefore.push(...d.columnsOnlyBefore.map((c) => `${t}.${c}`));
    diff.columnsOnlyAfter.push(...d.columnsOnlyAfter.map((c) => `${t}.${c}`));
  }
  return diff;
}

// ---------------------------------------------------------------------------------------------
// Parquet column chunk sizes

/** Compressed bytes per (file, column) of the files, plus each file's footer. */
async function chunkBytes(
  connection: DuckDBConnection,
  files: readonly string[],
): Promise<{ byFileColumn: Map<string, Map<string, number>>; footer: Map<string, number>; size: Map<string, number> }> {
  const byFileColumn = new Map<string, Map<string, number>>();
  const footer = new Map<string, number>();
  const size = new Map<string, number>();
  for (const f of files) {
    footer.set(f, footerBytes(f));
    size.set(f, statSync(f).size);
  }
  // parquet_metadata over many files at once; batches keep the statement small.
  for (let i = 0; i < files.length; i += 2000) {
    const batch = files.slice(i, i + 2000);
    const result = await rows(
      connection,
      `SELECT file_name, path_in_schema, sum(total_compressed_size) AS bytes FROM parquet_metadata(${listSql(batch)}) GROUP BY ALL`,
    );
    for (const r of result) {
      const f = String(r.file_name);
      const m = byFileColumn.get(f) ?? new Map<string, number>();
      m.set(String(r.path_in_schema), Number(r.bytes));
      byFileColumn.set(f, m);
    }
  }
  return { byFileColumn, footer, size };
}

/** Bytes Athena reads for `columns` of `files`: their column chunks and every file's footer. */
function scanned(meta: Awaited<ReturnType<typeof chunkBytes>>, files: readonly string[], columns: readonly string[]): { chunks: number; footers: number; whole: number } {
  let chunks = 0;
  let footers = 0;
  let whole = 0;
  for (const f of files) {
    const m = meta.byFileColumn.get(f);
    for (const c of columns) chunks += m?.get(c) ?? 0;
    footers += meta.footer.get(f) ?? 0;
    whole += meta.size.get(f) ?? 0;
  }
  return { chunks, footers, whole };
}

/**
 * AWS's four daily queries (cloudformation/usage-report.yaml of awslabs/sagemaker-hyperpod-usage-report):
 * the table each ranks with ROW_NUMBER() over every partition, and the columns it references.
 */
const UPSTREAM_QUERIES: ReadonlyArray<{ name: string; table: RawTableName; columns: readonly string[] }> = [
  {
    name: 'CRESCENDO_SUMMARY',
    table: 'clusterqueue',
    columns: ['instance_type', 'timestamp', 'namespace', 'team', 'resource_version', 'gpu_total', 'gpu_borrowed', 'cpu_total', 'cpu_borrowed', 'neuron_core_total', 'neuron_core_borrowed'],
  },
  {
    name: 'CRESCENDO_DETAILED',
    table: 'workload',
    columns: ['workload_name', 'timestamp', 'namespace', 'team', 'instance_type', 'resource_version', 'status', 'task_priority_class', 'cpu', 'gpu', 'neuron_core', 'admitted', 'finished'],
  },
  {
    name: 'NON_CRESCENDO_SUMMARY',
    table: 'pod',
    columns: ['pod', 'timestamp', 'namespace', 'owner', 'instance_type', 'resource_version', 'status', 'job_type', 'cpu', 'gpu', 'neuron_core'],
  },
  {
    name: 'NON_CRESCENDO_DETAILED',
    table: 'pod',
    columns: ['namespace', 'pod', 'timestamp', 'status', 'owner', 'instance_type', 'job_type', 'assigned_node', 'cpu', 'gpu', 'neuron_core', 'priority_class', 'resource_version'],
  },
];

const dayOfPath = (file: string): string | null => {
  const m = /year=(\d{4})\/month=(\d\d)\/day=(\d\d)\//.exec(file);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
};

// ---------------------------------------------------------------------------------------------
// Our rollup queries on Athena: how often each scans each raw table if every CTE reference is inlined

/** The CTEs of a generated `WITH a AS (...), b AS (...) SELECT ...` and the final statement. */
function splitWith(sql: string): { ctes: Map<string, string>; main: string } {
  const ctes = new Map<string, string>();
  if (!sql.startsWith('WITH ')) return { ctes, main: sql };
  let i = 'WITH '.length;
  for (;;) {
    const header = /^\s*(\w+) AS \(/.exec(sql.slice(i));
    if (!header) break;
    const bodyStart = i + header[0].length;
    let j = bodyStart;
    let depth = 1;
    let quoted = false;
    for (; j < sql.length && depth > 0; j++) {
      const ch = sql[j];
      if (quoted) quoted = ch !== "'";
      else if (ch === '-' && sql[j + 1] === '-') {
        // A comment runs to the end of its line; a quote or parenthesis in it counts for nothing.
        const eol = sql.indexOf('\n', j);
        j = eol < 0 ? sql.length : eol;
      } else if (ch === "'") quoted = true;
      else if (ch === '(') depth++;
      else if (ch === ')') depth--;
    }
    ctes.set(header[1] as string, sql.slice(bodyStart, j - 1));
    i = j;
    const comma = /^\s*,/.exec(sql.slice(i));
    if (!comma) break;
    i += comma[0].length;
  }
  return { ctes, main: sql.slice(i) };
}

/** Raw table → number of scans of it a query makes when every CTE reference is evaluated again. */
function inlinedScans(sql: string): Map<RawTableName, number> {
  return inlinedScansOf(sql, RAW_TABLE_NAMES) as Map<RawTableName, number>;
}

/** Table (of `tables`) → number of scans of it a query makes when every CTE reference is evaluated again. */
function inlinedScansOf(sql: string, tables: readonly string[]): Map<string, number> {
  const { ctes, main } = splitWith(sql);
  const memo = new Map<string, Map<string, number>>();
  const refsOf = (body: string): string[] => [...body.matchAll(/\b(?:FROM|JOIN)\s+(\w+)/g)].map((m) => m[1] as string);
  const scansOf = (body: string): Map<string, number> => {
    const out = new Map<string, number>();
    for (const ref of refsOf(body)) {
      if (tables.includes(ref)) out.set(ref, (out.get(ref) ?? 0) + 1);
      else if (ctes.has(ref)) for (const [t, n] of cte(ref)) out.set(t, (out.get(t) ?? 0) + n);
    }
    return out;
  };
  const cte = (name: string): Map<string, number> => {
    const cached = memo.get(name);
    if (cached) return cached;
    memo.set(name, new Map());
    const result = scansOf(ctes.get(name) ?? '');
    memo.set(name, result);
    return result;
  };
  return scansOf(main);
}

/** Raw columns a query references at all (any CTE whose body scans the table names them). */
function referencedColumns(sql: string, table: RawTableName): string[] {
  const { ctes, main } = splitWith(sql);
  const words = new Set<string>();
  for (const body of [...ctes.values(), main]) {
    if (!new RegExp(`\\bFROM\\s+${table}\\s+WHERE\\b`).test(body)) continue;
    for (const m of body.matchAll(/"?([a-z_][a-z0-9_]*)"?/g)) words.add(m[1] as string);
  }
  return RAW_TABLES[table].columns.map((c) => c.name).filter((c) => words.has(c));
}

// ---------------------------------------------------------------------------------------------
// Profiling one rollup query

interface ProfileNode {
  operator_name?: string;
  operator_type?: string;
  operator_timing?: number;
  operator_cardinality?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

function flattenProfile(node: ProfileNode, out: ProfileNode[] = []): ProfileNode[] {
  out.push(node);
  for (const c of node.children ?? []) flattenProfile(c, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return;
  }
  const phases = new Phases();
  const began = performance.now();

  let root: string;
  if (options.keep) {
    root = options.keep;
    if (existsSync(root)) {
      // The recording, the tiled days, and the scratch folders an earlier run of the bench left.
      const entries = readdirSync(root).filter((e) => !['base', 'tiled', 'rollups-before', 'staged-bench'].includes(e));
      if (entries.length) throw new BenchError(`--keep ${root}: the folder holds other things (${entries.slice(0, 3).join(', ')}); give an empty or new folder`);
      if (!(options.base && resolve(options.base) === root)) rmSync(join(root, 'base'), { recursive: true, force: true });
      if (options.reuseTiled) {
        if (!existsSync(join(root, 'tiled', 'raw'))) throw new BenchError(`--reuse-tiled: no tiled records in ${root}`);
        // Keep the raw records, drop the outputs of the earlier aggregation.
        for (const entry of readdirSync(join(root, 'tiled'))) if (entry !== 'raw') rmSync(join(root, 'tiled', entry), { recursive: true, force: true });
      } else {
        rmSync(join(root, 'tiled'), { recursive: true, force: true });
      }
    }
    mkdirSync(root, { recursive: true });
  } else {
    root = mkdtempSync(join(tmpdir(), 'hpu-bench-aggregate-'));
    // Interrupted: still leave no temporary data behind.
    const temporary = root;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        rmSync(temporary, { recursive: true, force: true });
        console.error(`bench:aggregate: interrupted (${signal}); removed ${temporary}`);
        process.exit(130);
      });
    }
  }
  const tiledDir = join(root, 'tiled');
  const out: string[] = [];
  const say = (line = ''): void => void out.push(line);

  const instance = await DuckDBInstance.create(':memory:');
  const scratch = await instance.connect();
  await scratch.run("SET TimeZone = 'UTC'");
  let engine: DuckDbEngine | null = null;
  try {
    // 1. Record
    const base = await phases.run(options.base ? 'reuse the base recording' : `record ${options.baseHours} simulated h`, () => recordBase(options, root));
    const facts = await phases.run('inspect the base recording', () => inspectBase(scratch, base));
    const baseFilesPerHour = RAW_TABLE_NAMES.reduce((a, t) => a + facts.perTable[t].files, 0) / base.hours;

    // 2. Tile
    const day0 = Math.floor(base.start / DAY_MS) * DAY_MS;
    const tiled = options.reuseTiled
      ? { files: parquetFiles(join(tiledDir, 'raw')).length, statements: 0, hours: options.days * 24, day0 }
      : await phases.run(`tile to ${options.days} days`, () => tile(instance, base, tiledDir, options));
    // The collector's files merged per table, hour and cluster, by the compaction `hpu aggregate --compact` runs.
    const compaction =
      options.layout === 'compacted' && !options.reuseTiled
        ? {
            ...(await phases.run('compact the tiled hours', () =>
              compactHours(new LocalRawStore(tiledDir), Array.from({ length: options.days * 24 }, (_, i) => day0 + i * HOUR_MS)),
            )),
            seconds: (phases.list.at(-1) as { seconds: number }).seconds,
          }
        : undefined;
    const schemaCheck = await checkTiledSchema(instance, base, tiledDir);
    const badSchema = schemaCheck.filter((c) => !c.same);
    if (badSchema.length) throw new BenchError(`tiled files differ from the collector's: ${badSchema.map((c) => `${c.table}: ${c.detail}`).join('; ')}`);
    const days = Array.from({ length: options.days }, (_, i) => day0 + i * DAY_MS);
    if (options.reuseTiled) {
      const missing = days.filter((d) => !existsSync(join(tiledDir, rawPartitionPath('heartdub', d, CLUSTER))));
      if (missing.length) throw new BenchError(`--reuse-tiled: the tiled records in ${root} lack ${isoDay(missing[0] as number)} (tiled with other options?)`);
    }

    // Raw volume per day and per aggregated day's read window.
    const rawFiles = new Map<RawTableName, string[]>();
    for (const t of RAW_TABLE_NAMES) rawFiles.set(t, parquetFiles(join(tiledDir, 'raw', t)));
    const rawByDay = new Map<RawTableName, Map<string, { files: number; bytes: number }>>();
    for (const t of RAW_TABLE_NAMES) {
      const m = new Map<string, { files: number; bytes: number }>();
      for (const f of rawFiles.get(t) ?? []) {
        const d = dayOfPath(f) ?? '?';
        const e = m.get(d) ?? { files: 0, bytes: 0 };
        e.files++;
        e.bytes += statSync(f).size;
        m.set(d, e);
      }
      rawByDay.set(t, m);
    }

    // 3. Aggregate, day by day
    // As `hpu aggregate` opens it: no views over the raw files (unless --glob-views reads through them).
    const engineOptions = options.memoryLimit ? { memoryLimit: options.memoryLimit } : {};
    engine = await DuckDbEngine.open(tiledDir, { ...engineOptions, rawViews: options.globViews });
    const duckdbSettings = await engine.settings();
    const relations = localRelations();
    const prices = effectivePrices('us-east-1', DEFAULT_PRICES);
    const dailyTables = (Object.keys(ROLLUP_TABLES) as RollupTableName[]).filter((t) => t !== 'prices');
    const modes: Mode[] = options.skipBefore ? ['staged'] : ['unstaged', 'staged'];
    const runsByMode = new Map<Mode, DayRun[]>(modes.map((m) => [m, []]));
    const differingDays: string[] = [];
    const noiseDays: string[] = [];
    await phases.run(`aggregate ${options.days} days${modes.length > 1 ? ', before and after' : ''}`, async () => {
      for (const day of days) {
       for (const mode of modes) {
        const writer = new TimingWriter(new LocalRollupWriter(engine as DuckDbEngine, tiledDir));
        const t0 = performance.now();
        const { peakRss } = await withPeakRss(() =>
          aggregate({
            stage: mode === 'staged' || options.before === 'whole-day',
            readWholeDayBefore: mode === 'unstaged' && options.before === 'whole-day',
            onTimed: (step, ms) => {
              if (step === 'staging') writer.addStaging(ms);
            },
            writer,
            relations,
            ...(options.globViews ? {} : { rawRelationsFor: (start: number, end: number) => (engine as DuckDbEngine).rawRelationsFor(start, end) }),
            days: [day],
            clusters: [],
            prices,
            costSplit: 'accelerator',
            log: silentLogger,
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        runsByMode.get(mode)?.push({ day, seconds, peakRss, perTable: writer.ms });
        progress(
          `  ${isoDay(day)} ${mode}: ${seconds.toFixed(1)} s, peak RSS ${fmtBytes(peakRss)} (` +
            [...writer.ms].map(([t, ms]) => `${t} ${(ms / 1000).toFixed(1)}`).join(', ') +
            ')',
        );
        if (modes.length > 1) {
          const aside = join(root, 'rollups-before');
          if (mode === 'unstaged') keepDayRollups(tiledDir, aside, dailyTables, day);
          else {
            try {
              const d = await differingRows(engine as DuckDbEngine, tiledDir, aside, dailyTables, day);
              const columns = [
                ...(d.columnsOnlyBefore.length ? [`columns only before: ${d.columnsOnlyBefore.join(', ')}`] : []),
                ...(d.columnsOnlyAfter.length ? [`columns only after: ${d.columnsOnlyAfter.join(', ')}`] : []),
              ];
              if (d.beyondNoise > 0 || columns.length) differingDays.push(`${isoDay(day)} (${[`${d.beyondNoise} rows`, ...columns].join('; ')})`);
              else if (d.exact > 0) noiseDays.push(isoDay(day));
            } catch (e) {
              // The comparison is a check beside the timings: a failure is reported, not fatal.
              differingDays.push(`${isoDay(day)} (not compared: ${(e as Error).message.split('\n')[0]})`);
            }
          }
        }
       }
      }
    });
    const dayRuns = runsByMode.get('staged') ?? [];
    // The figures below read raw records through views over every file.
    await engine.close();
    engine = null;
    engine = await DuckDbEngine.open(tiledDir, engineOptions);

    // Rows each aggregated day reads: from the hour before its last snapshot to the day's next hour.
    const windowRows = new Map<RawTableName, number[]>();
    const readFromByDay = new Map<number, number>();
    await phases.run('count raw rows per read window', async () => {
      for (const d of days) readFromByDay.set(d, await snapshotReadFrom(engine as DuckDbEngine, rawRelations(relations).heartdub, d, CLUSTER));
      for (const t of RAW_TABLE_NAMES) {
        const perHour = await (engine as DuckDbEngine).query(`SELECT year, month, day, hour, count(*) AS n FROM ${t} GROUP BY ALL`);
        const count = new Map<number, number>();
        for (const r of perHour.rows) count.set(Date.parse(`${String(r.year)}-${String(r.month)}-${String(r.day)}T${String(r.hour)}:00:00Z`), Number(r.n));
        windowRows.set(
          t,
          days.map((d) => {
            let n = 0;
            for (let h = readFromByDay.get(d) ?? d - DAY_MS; h < d + DAY_MS + HOUR_MS; h += HOUR_MS) n += count.get(h) ?? 0;
            return n;
          }),
        );
      }
    });

    // 4a. Rollup bytes per day
    const rollupBytes = new Map<RollupTableName, number[]>();
    for (const t of dailyTables) rollupBytes.set(t, days.map((day) => fileBytes(parquetFiles(rollupPartitionDir(tiledDir, t, day)))));
    const rollupRows = new Map<RollupTableName, number>();
    for (const t of dailyTables) {
      const r = await engine.query(`SELECT count(*) AS n FROM ${t}`);
      rollupRows.set(t, Number(r.rows[0]?.n ?? 0) / options.days);
    }
    const pricesBytes = fileBytes(parquetFiles(join(tiledDir, ROLLUP_TABLES.prices.location)));

    // 4b. The 30-day team dashboard query
    const first = days[0] as number;
    const end = first + options.days * DAY_MS;
    const dashboardColumns = ['hour', 'team', 'gpu_hours', 'gpu_own_hours', 'gpu_borrowed_hours'];
    const dashboardSql = `SELECT CAST(hour AS DATE) AS day, team, sum(gpu_hours) AS gpu_hours, sum(gpu_own_hours) AS gpu_own_hours,
       sum(gpu_borrowed_hours) AS gpu_borrowed_hours
  FROM team_hourly
 WHERE ${dayPartitionPredicate(first, end)} AND cluster = ${sqlString(CLUSTER)}
 GROUP BY 1, 2`;
    const dashboard = await phases.run('dashboard query', async () => {
      const times: number[] = [];
      let resultRows = 0;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const r = await (engine as DuckDbEngine).query(dashboardSql);
        times.push((performance.now() - t0) / 1000);
        resultRows = r.rows.length;
      }
      const files = days.flatMap((day) => parquetFiles(rollupPartitionDir(tiledDir, 'team_hourly', day)));
      const meta = await chunkBytes(scratch, files);
      return { first: times[0] as number, warm: stats(times.slice(1)).median, resultRows, files: files.length, ...scanned(meta, files, dashboardColumns) };
    });

    // 4c. The upstream approach over the same raw records
    const upstream = await phases.run('upstream scan estimate', async () => {
      const perQuery: Array<{ name: string; table: RawTableName; perDay: Map<string, number>; columns: number }> = [];
      const metas = new Map<RawTableName, Awaited<ReturnType<typeof chunkBytes>>>();
      for (const t of ['clusterqueue', 'workload', 'pod'] as const) metas.set(t, await chunkBytes(scratch, rawFiles.get(t) ?? []));
      for (const q of UPSTREAM_QUERIES) {
        const meta = metas.get(q.table) as Awaited<ReturnType<typeof chunkBytes>>;
        const perDay = new Map<string, number>();
        for (const f of rawFiles.get(q.table) ?? []) {
          const s = scanned(meta, [f], q.columns);
          const d = dayOfPath(f) ?? '?';
          perDay.set(d, (perDay.get(d) ?? 0) + s.chunks + s.footers);
        }
        perQuery.push({ name: q.name, table: q.table, perDay, columns: q.columns.length });
      }
      const dayKeys = days.map(isoDay);
      /** Bytes and cost of one daily run when the raw tables hold the first `k` days. */
      const run = (k: number): { bytes: number; usd: number } => {
        let bytes = 0;
        let usd = 0;
        for (const q of perQuery) {
          const b = dayKeys.slice(0, k).reduce((a, d) => a + (q.perDay.get(d) ?? 0), 0);
          bytes += b;
          usd += athenaUsd(b);
        }
        return { bytes, usd };
      };
      const last = run(options.days);
      let allBytes = 0;
      let allUsd = 0;
      for (let k = 1; k <= options.days; k++) {
        const r = run(k);
        allBytes += r.bytes;
        allUsd += r.usd;
      }
      const perDayAll = last.bytes / options.days;
      const perQueryLast = perQuery.map((q) => ({ name: q.name, table: q.table, columns: q.columns, bytes: dayKeys.reduce((a, d) => a + (q.perDay.get(d) ?? 0), 0) }));
      const retention = UPSTREAM_DEFAULT_RETENTION_DAYS;
      const steady = perQuery.reduce(
        (a, q) => {
          const b = (dayKeys.reduce((s, d) => s + (q.perDay.get(d) ?? 0), 0) / options.days) * retention;
          return { bytes: a.bytes + b, usd: a.usd + athenaUsd(b) };
        },
        { bytes: 0, usd: 0 },
      );
      return { last, allBytes, allUsd, perDayAll, perQueryLast, steady, retention };
    });

    // 4d. Our own daily aggregation on Athena: each rollup query's scans of the raw read window
    const ours = await phases.run('our aggregation scan estimate', async () => {
      const middle = days[Math.floor(days.length / 2)] as number;
      const windowDays = [middle - DAY_MS, middle, middle + DAY_MS].map(isoDay);
      const metas = new Map<RawTableName, Awaited<ReturnType<typeof chunkBytes>>>();
      const windowFiles = new Map<RawTableName, string[]>();
      for (const t of RAW_TABLE_NAMES) {
        const files = (rawFiles.get(t) ?? []).filter((f) => windowDays.includes(dayOfPath(f) ?? ''));
        windowFiles.set(t, files);
        metas.set(t, await chunkBytes(scratch, files));
      }
      const perTable: Array<{ table: RollupTableName; scans: string; bytes: number; bytesOnce: number }> = [];
      for (const t of dailyTables) {
        const sql = rollupSql(t as Exclude<RollupTableName, 'prices'>, { relations: rawRelations(relations), range: { start: middle, end: middle + DAY_MS }, clusters: [CLUSTER] });
        const scans = inlinedScans(sql);
        let bytes = 0;
        let bytesOnce = 0;
        for (const [raw, n] of scans) {
          const cols = referencedColumns(sql, raw);
          const s = scanned(metas.get(raw) as Awaited<ReturnType<typeof chunkBytes>>, windowFiles.get(raw) ?? [], cols);
          bytes += n * (s.chunks + s.footers);
          bytesOnce += s.chunks + s.footers;
        }
        perTable.push({ table: t, scans: [...scans].map(([raw, n]) => `${raw}×${n}`).join(' '), bytes, bytesOnce });
      }
      return { day: middle, perTable };
    });

    // 4e. Hourly incremental runs on Athena, before (every rollup from the raw records) and
    // after (intervals and quota segments staged by CTAS, athena-staging.ts), priced with the
    // method of 4d: each query's inlined scans × the referenced columns' chunks of the files present.
    const hourly = await phases.run('hourly runs scan estimate', async () => {
      // The day D whose 24 runs are counted: its window (the day before, the day, the next hour)
      // and the previous day's (redone by the runs at 00:07 and 01:07) must be tiled.
      if (days.length < 3) return null;
      const dayD = days[days.length >= 4 ? days.length - 2 : days.length - 1] as number;
      const hourOf = (f: string): number | null => {
        const d = dayOfPath(f);
        const h = /\/hour=(\d\d)\//.exec(f)?.[1];
        return d && h ? Date.parse(`${d}T${h}:00:00Z`) : null;
      };
      const wanted = new Set([dayD - 2 * DAY_MS, dayD - DAY_MS, dayD, dayD + DAY_MS].map(isoDay));
      const filesByTable = new Map<RawTableName, Array<{ file: string; hour: number }>>();
      const metas = new Map<RawTableName, Awaited<ReturnType<typeof chunkBytes>>>();
      for (const t of RAW_TABLE_NAMES) {
        const files = (rawFiles.get(t) ?? []).filter((f) => wanted.has(dayOfPath(f) ?? '')).flatMap((f) => {
          const hour = hourOf(f);
          return hour === null ? [] : [{ file: f, hour }];
        });
        filesByTable.set(t, files);
        metas.set(t, await chunkBytes(scratch, files.map((f) => f.file)));
      }
      // The staged tables of day D, written by DuckDB as Parquet (snappy) to measure their column
      // chunks. Every run is priced with these full-day sizes: an upper bound for the partial days.
      // Two sets: the day's records read from the hour before its last snapshot, and from the whole day before.
      const stagedName = (cte: string, wide = false) => `hpu_stage_bench_${wide ? 'wide_' : ''}${cte}`;
      const stagedNames = [false, true].flatMap((wide) => ATHENA_STAGED_CTES.map((c) => stagedName(c, wide)));
      const stagedDir = join(root, 'staged-bench');
      mkdirSync(stagedDir, { recursive: true });
      const stagedMeta = new Map<string, { meta: Awaited<ReturnType<typeof chunkBytes>>; file: string; columns: string[]; rows: number }>();
      const duck = engine as DuckDbEngine;
      // Where each day's records start, as `aggregate` found it (counted above).
      const heartdub = rawRelations(relations).heartdub;
      const readFrom = (day: number) => readFromByDay.get(day) ?? rawReadWindow(day, day + DAY_MS).start;
      const window = rawReadWindow(dayD, dayD + DAY_MS);
      for (const wide of [false, true]) {
       const from = wide ? window.start : readFrom(dayD);
       const duckOptions = { relations: duck.rawRelationsFor(from, window.end), range: { start: dayD, end: dayD + DAY_MS }, clusters: [CLUSTER], readFrom: from };
       for (const { relation, select } of athenaStagingSelects(duckOptions, (c) => stagedName(c, wide))) {
        await duck.execute(`CREATE OR REPLACE TEMP TABLE ${relation} AS ${select}`);
        const file = join(stagedDir, `${relation}.parquet`);
        await duck.execute(`COPY ${relation} TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`);
        const described = await duck.query(`DESCRIBE ${relation}`);
        const count = await duck.query(`SELECT count(*) AS n FROM ${relation}`);
        stagedMeta.set(relation, { meta: await chunkBytes(scratch, [file]), file, columns: described.rows.map((r) => String(r.column_name)), rows: Number(count.rows[0]?.n ?? 0) });
       }
      }
      for (const name of stagedNames) await duck.execute(`DROP TABLE IF EXISTS ${name}`);
      // task_daily of the day before each aggregated day, which its task_daily query reads (as
      // aggregated above): priced like a staged table, the whole partition's files.
      const dayBeforeName = (day: number) => `hpu_bench_task_daily_${isoDay(day - DAY_MS).replaceAll('-', '')}`;
      for (const day of [dayD - DAY_MS, dayD]) {
        const files = parquetFiles(rollupPartitionDir(tiledDir, 'task_daily', day - DAY_MS));
        if (files.length === 0) continue;
        const described = await duck.query(`DESCRIBE SELECT * FROM read_parquet(${listSql(files)})`);
        const count = await duck.query(`SELECT count(*) AS n FROM read_parquet(${listSql(files)})`);
        stagedMeta.set(dayBeforeName(day), { meta: await chunkBytes(scratch, files), file: files[0] as string, columns: described.rows.map((r) => String(r.column_name)), rows: Number(count.rows[0]?.n ?? 0) });
      }

      /** Bytes one query scans over the raw files present (hours < `upTo`) and the staged tables. */
      const queryBytes = (sql: string, upTo: number, windowStart: number): number => {
        let bytes = 0;
        for (const [table, n] of inlinedScansOf(sql, [...RAW_TABLE_NAMES, ...stagedMeta.keys()])) {
          const staged = stagedMeta.get(table);
          if (staged) {
            const words = new Set([...sql.matchAll(/[a-z_][a-z0-9_]*/g)].map((m) => m[0]));
            const s1 = scanned(staged.meta, [staged.file], staged.columns.filter((c) => words.has(c)));
            bytes += n * (s1.chunks + s1.footers);
            continue;
          }
          const raw = table as RawTableName;
          const present = (filesByTable.get(raw) ?? []).filter((f) => f.hour >= windowStart && f.hour < upTo).map((f) => f.file);
          const s1 = scanned(metas.get(raw) as Awaited<ReturnType<typeof chunkBytes>>, present, referencedColumns(sql, raw));
          bytes += n * (s1.chunks + s1.footers);
        }
        return bytes;
      };
      // unstaged: every rollup from the raw records of the whole day before (the code before
      // staging); whole-day: staged, the same window; staged: from the hour before the last snapshot.
      const estimated = ['unstaged', 'whole-day', 'staged'] as const;
      type Estimated = (typeof estimated)[number];
      const localOptions = (day: number, mode: Estimated) => ({
        relations: rawRelations(relations),
        range: { start: day, end: day + DAY_MS },
        clusters: [CLUSTER],
        readFrom: mode === 'staged' ? readFrom(day) : rawReadWindow(day, day + DAY_MS).start,
        ...(stagedMeta.has(dayBeforeName(day)) ? { previousTaskDaily: dayBeforeName(day) } : {}),
      });
      /** The queries of aggregating `day` with the raw hours before `upTo`: bytes of each. */
      const aggregation = (day: number, upTo: number, mode: Estimated): number[] => {
        const o = localOptions(day, mode);
        const end = Math.min(upTo, rawReadWindow(day, day + DAY_MS).end);
        const wide = mode === 'whole-day';
        const stagedRelations = new Map(ATHENA_STAGED_CTES.map((c) => [c as string, stagedName(c, wide)]));
        const sqls =
          mode === 'unstaged'
            ? dailyTables.map((t) => rollupSql(t as Exclude<RollupTableName, 'prices'>, o))
            : [
                ...athenaStagingSelects(o, (c) => stagedName(c, wide)).map((x) => x.select),
                ...dailyTables.map((t) => athenaStagedRollupSql(t as Exclude<RollupTableName, 'prices'>, o, stagedRelations)),
              ];
        const bytes = sqls.map((sql) => queryBytes(sql, end, o.readFrom));
        // The lookup of the day's last snapshot comes first: heartbeats of the day before and of the day's first hour.
        return mode === 'staged' ? [queryBytes(lastSnapshotSql(heartdub, o.range, CLUSTER), Math.min(upTo, day + HOUR_MS), day - DAY_MS), ...bytes] : bytes;
      };
      const modesOut = estimated.map((mode) => {
        const fullDay = aggregation(dayD, dayD + DAY_MS + HOUR_MS, mode);
        // Run at hh:07 of day D: the hours of D before hh are complete (the 7 minutes of hh are
        // left out); at 00:07 and 01:07 the previous day is redone too (its 23:00 hour, then the
        // next day's 00:00 hour, changed), with its window complete.
        const runs = Array.from({ length: 24 }, (_, h) => {
          const queries = [...aggregation(dayD, dayD + h * HOUR_MS, mode), ...(h <= 1 ? aggregation(dayD - DAY_MS, dayD + h * HOUR_MS, mode) : [])];
          // The price table is written by every run that aggregates anything: a VALUES list, no scan, 10 MB billed.
          return { bytes: queries.reduce((a, b) => a + b, 0), usd: queries.reduce((a, b) => a + athenaUsd(b), 0) + athenaUsd(0), queries: queries.length + 1 };
        });
        return {
          mode,
          fullDay: fullDay.reduce((a, b) => a + b, 0),
          fullDayUsd: fullDay.reduce((a, b) => a + athenaUsd(b), 0),
          fullDayQueries: fullDay,
          runs,
        };
      });
      return { day: dayD, modes: modesOut, staged: [...stagedMeta].filter(([name]) => ATHENA_STAGED_CTES.some((c) => stagedName(c) === name)).map(([name, m]) => ({ name, rows: m.rows, bytes: statSync(m.file).size })) };
    });

    // Optional: where the time of one day goes
    let profile: Array<{ table: RollupTableName; seconds: number; top: Array<{ op: string; seconds: number; rows: number; info: string }> }> | null = null;
    if (options.profile) {
      profile = await phases.run('profile a middle day', async () => {
        const middle = days[Math.floor(days.length / 2)] as number;
        const result: NonNullable<typeof profile> = [];
        for (const t of dailyTables) {
          const window = rawReadWindow(middle, middle + DAY_MS);
          const profiled = options.globViews ? rawRelations(relations) : (engine as DuckDbEngine).rawRelationsFor(window.start, window.end);
          const sql = rollupSql(t as Exclude<RollupTableName, 'prices'>, { relations: profiled, range: { start: middle, end: middle + DAY_MS }, clusters: [CLUSTER] });
          const t0 = performance.now();
          const r = await (engine as DuckDbEngine).query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
          const seconds = (performance.now() - t0) / 1000;
          const text = String(r.rows[0]?.explain_value ?? '');
          const tree = JSON.parse(text) as ProfileNode | ProfileNode[];
          const nodes = flattenProfile(Array.isArray(tree) ? { children: tree } : tree).filter((n) => n.operator_timing !== undefined);
          const top = nodes
            .sort((a, b) => (b.operator_timing ?? 0) - (a.operator_timing ?? 0))
            .slice(0, 4)
            .map((n) => {
              const info = n.extra_info ?? {};
              const detail = ['Join Type', 'Conditions', 'Function', 'Aggregates', 'Groups', 'Projections']
                .filter((k) => info[k] !== undefined)
                .map((k) => `${k}: ${String(info[k]).replace(/\s+/g, ' ').slice(0, 90)}`)
                .join('; ');
              return { op: String(n.operator_name ?? n.operator_type ?? '?').trim(), seconds: n.operator_timing ?? 0, rows: n.operator_cardinality ?? 0, info: detail };
            });
          result.push({ table: t, seconds, top });
        }
        return result;
      });
    }

    // -------------------------------------------------------------------------------------------
    // Report
    const totalSeconds = (performance.now() - began) / 1000;
    const hoursCovered = `${isoDay(first)} to ${isoDay(end - DAY_MS)}`;
    say(`bench:aggregate — ${options.days} simulated days of ${options.scenario}, aggregated on DuckDB (${hoursCovered}, cluster "${CLUSTER}")`);
    say();
    say('How the data was made');
    say(`  ${base.summary}.`);
    if (base.simulated) {
      say(
        `  Recorded ${base.hours} simulated h for real: simulator → Kubernetes API test server → collector → Parquet, at ${options.speed}x ` +
          `(${fmtS(base.realSeconds ?? 0)} s real for ${fmtS(base.nominalSeconds ?? 0)} s nominal; ${fmtInt(base.recordsWritten ?? 0)} records written).`,
      );
    } else {
      say(`  Reused the recording in ${base.dataDir} (${base.hours} simulated h).`);
    }
    say(
      `  Kept up: the starting population (created at once at the start) was recorded within ${fmtS(facts.burstSeconds)} s; after the first 5 minutes the collector saw ` +
        `changes ${facts.delay.p50.toFixed(1)} s (median), ${facts.delay.p99.toFixed(1)} s (p99) after Kubernetes stated them, simulated time (${fmtInt(facts.delay.n)} workload and pod change records).`,
    );
    say(
      `  Tiled to ${options.days} days: each of the ${fmtInt(tiled.hours)} hours is a copy of base hour (hour mod ${base.hours}); timestamps shifted, ` +
        `workload and pod uids and names suffixed -t<tile> (new objects each tile; nodes and ClusterQueues keep theirs), ` +
        `written into raw/<table>/year=/month=/day=/hour=/cluster=/ of the new time.`,
    );
    say(
      `  So the volume per day is real collector output (${options.layout === 'hourly' ? 'one file per table and hour' : `${fmtInt(baseFilesPerHour)} files per hour, one per collector file`}, rewritten by DuckDB), ` +
        `but the workload mix repeats every ${base.hours} h and no task lives across a tile boundary. ` +
        `Tiled files match the collector's column names and types (DESCRIBE) and Parquet physical types (timestamps in ms): ${schemaCheck.map((c) => c.table).join(', ')}.`,
    );
    if (compaction) {
      say(
        `  Then compacted as \`hpu aggregate --compact\` does: ${fmtInt(compaction.merged)} files merged into ${fmtInt(compaction.folders)} ` +
          `(one per table, hour and cluster) in ${compaction.seconds.toFixed(1)} s, ${(compaction.seconds / options.days).toFixed(1)} s per day.`,
      );
    }
    if (options.reuseTiled) say(`  The tiled records were reused from an earlier run in ${root}.`);
    if (facts.earlierLifecycle > 0) say(`  Note: ${fmtInt(facts.earlierLifecycle)} base records carry lifecycle times before the base window; their tiles overlap in time.`);
    say();

    say('Raw records (tiled)');
    const rawRows = RAW_TABLE_NAMES.map((t) => {
      const perDay = [...(rawByDay.get(t)?.values() ?? [])];
      const bytesPerDay = perDay.reduce((a, e) => a + e.bytes, 0) / options.days;
      const filesPerDay = perDay.reduce((a, e) => a + e.files, 0) / options.days;
      const baseBytesPerHour = facts.perTable[t].bytes / base.hours;
      const w = windowRows.get(t) ?? [];
      return [
        t,
        fmtInt(facts.perTable[t].rows / base.hours),
        fmtBytes(baseBytesPerHour),
        fmtInt(filesPerDay),
        fmtBytes(bytesPerDay),
        fmtInt(w[Math.floor(w.length / 2)] ?? 0),
      ];
    });
    const totalPerDay = RAW_TABLE_NAMES.reduce((a, t) => a + [...(rawByDay.get(t)?.values() ?? [])].reduce((s, e) => s + e.bytes, 0), 0) / options.days;
    const totalBasePerHour = RAW_TABLE_NAMES.reduce((a, t) => a + facts.perTable[t].bytes, 0) / base.hours;
    const totalWindow = RAW_TABLE_NAMES.reduce((a, t) => {
      const w = windowRows.get(t) ?? [];
      return a + (w[Math.floor(w.length / 2)] ?? 0);
    }, 0);
    const totalRows = RAW_TABLE_NAMES.reduce((a, t) => a + facts.perTable[t].rows, 0) / base.hours;
    const totalFiles = RAW_TABLE_NAMES.reduce((a, t) => a + [...(rawByDay.get(t)?.values() ?? [])].reduce((s, e) => s + e.files, 0), 0) / options.days;
    rawRows.push(['total', fmtInt(totalRows), fmtBytes(totalBasePerHour), fmtInt(totalFiles), fmtBytes(totalPerDay), fmtInt(totalWindow)]);
    say(table(['table', 'rows/hour', 'collector bytes/hour', 'files/day', 'tiled bytes/day', 'rows read per aggregated day'], rawRows));
    say('  (collector bytes/hour: the base recording as the collector wrote it; tiled bytes/day: the same records rewritten by DuckDB.)');
    const middleDay = days[Math.floor(days.length / 2)] as number;
    const middleHours = (middleDay + DAY_MS + HOUR_MS - (readFromByDay.get(middleDay) ?? middleDay - DAY_MS)) / HOUR_MS;
    say(`  (rows read per aggregated day: from the hour before its last snapshot to the day's next hour: ${middleHours} h of records, middle day.)`);
    const windowBytes = days.map((d) => [d - DAY_MS, d, d + DAY_MS].map(isoDay).reduce((a, k) => a + RAW_TABLE_NAMES.reduce((s, t) => s + (rawByDay.get(t)?.get(k)?.bytes ?? 0), 0), 0));
    say(`  Raw files an aggregated day selects by partition (3 day partitions, middle day): ${fmtBytes(windowBytes[Math.floor(windowBytes.length / 2)] ?? 0)}.`);
    say();

    const setting = (name: string): string => duckdbSettings[name] ?? '?';
    say(`Aggregation on DuckDB, one day at a time (6 daily rollups + prices; DuckDB ${setting('threads')} threads, memory_limit ${setting('memory_limit')})`);
    say(
      options.globViews
        ? '  Raw tables read through the engine\'s views (read_parquet over every raw file of every day, union_by_name; --glob-views).'
        : '  Raw tables read as read_parquet over the 3 day folders each day needs (DuckDbEngine.rawRelationsFor), as `hpu aggregate` does.',
    );
    const secs = stats(dayRuns.map((r) => r.seconds));
    const beforeRuns = runsByMode.get('unstaged') ?? [];
    if (beforeRuns.length) {
      // Before: every rollup query builds the intervals and quota segments from the raw records.
      // After: a day's staging builds them once into temp tables, and the rollups read those.
      const meanOf = (runs: readonly DayRun[], step: RollupTableName | 'staging' | 'total'): number =>
        stats(runs.map((r) => (step === 'total' ? r.seconds : (r.perTable.get(step) ?? 0) / 1000))).mean;
      const rowsFor = (['staging', ...dailyTables, 'total'] as const).map((step) => [
        step === 'total' ? 'total per day' : step,
        step === 'staging' ? '-' : fmtS(meanOf(beforeRuns, step)),
        fmtS(meanOf(dayRuns, step)),
      ]);
      rowsFor.push(['peak RSS', fmtBytes(Math.max(...beforeRuns.map((r) => r.peakRss))), fmtBytes(Math.max(...dayRuns.map((r) => r.peakRss)))]);
      say(table(['mean seconds per day', options.before === 'whole-day' ? 'before (staged, the whole day before)' : 'before (unstaged)', 'after (staged)'], rowsFor));
      const identical = options.days - noiseDays.length - differingDays.length;
      say(
        differingDays.length
          ? `  ROWS DIFFER between before and after on ${differingDays.join(', ')}.`
          : `  Before and after wrote the same rollup rows on all ${options.days} day(s), every table and column: identical to the last bit on ${identical}, ` +
              `equal up to float noise (${FLOAT_NOISE.toExponential()}) on ${noiseDays.length} (${noiseDays.join(', ') || 'none'}: float noise, as between two runs of the same query).`,
      );
    }
    say(
      table(
        ['seconds per day', 'mean', 'min', 'max', 'p95', 'peak RSS'],
        [['all rollups', fmtS(secs.mean), fmtS(secs.min), fmtS(secs.max), fmtS(secs.p95), fmtBytes(Math.max(...dayRuns.map((r) => r.peakRss)))]],
      ),
    );
    const perTableRows = ([...(dayRuns.some((r) => r.perTable.has('staging')) ? ['staging' as const] : []), ...dailyTables] as const).map((t) => {
      const s = stats(dayRuns.map((r) => (r.perTable.get(t) ?? 0) / 1000));
      return [t, fmtS(s.mean), fmtS(s.min), fmtS(s.max), fmtS(s.p95), `${((s.mean / secs.mean) * 100).toFixed(0)}%`];
    });
    say(table(['per rollup table', 'mean', 'min', 'max', 'p95', 'share'], perTableRows));
    say(`  ${options.days} days took ${fmtDuration(dayRuns.reduce((a, r) => a + r.seconds, 0))}; the first and last days read less (no day before / after).`);
    say();

    say('Rollups written per day');
    const rollupTableRows = dailyTables.map((t) => {
      const s = stats(rollupBytes.get(t) ?? []);
      return [t, fmtInt(rollupRows.get(t) ?? 0), fmtBytes(s.mean), fmtBytes(s.min), fmtBytes(s.max)];
    });
    const totals = days.map((_, i) => dailyTables.reduce((a, t) => a + ((rollupBytes.get(t) ?? [])[i] ?? 0), 0));
    const ts = stats(totals);
    rollupTableRows.push(['total', fmtInt(dailyTables.reduce((a, t) => a + (rollupRows.get(t) ?? 0), 0)), fmtBytes(ts.mean), fmtBytes(ts.min), fmtBytes(ts.max)]);
    say(table(['table', 'rows/day', 'bytes/day mean', 'min', 'max'], rollupTableRows));
    say(`  plus reference/prices, written whole on every run: ${fmtBytes(pricesBytes)}.`);
    say();

    say(`A ${options.days}-day team dashboard query`);
    say(`  ${dashboardSql.replace(/\s+/g, ' ').replace(/\(\(year = .*\)\) AND cluster/, `<${options.days} exact (year, month, day) tuples> AND cluster`)}`);
    say(`  DuckDB: ${dashboard.first.toFixed(3)} s first run, ${dashboard.warm.toFixed(3)} s warm (median of 4); ${fmtInt(dashboard.resultRows)} rows.`);
    const dashBytes = dashboard.chunks + dashboard.footers;
    say(
      `  Athena with partition projection reads ${dashboard.files} partition files: referenced column chunks ${fmtBytes(dashboard.chunks)} + footers ${fmtBytes(dashboard.footers)} = ` +
        `${fmtBytes(dashBytes)} (whole files: ${fmtBytes(dashboard.whole)}); billed ${fmtUsd(athenaUsd(dashBytes))}${dashBytes < MIN_BILLED ? ' (the 10 MB minimum)' : ''}.`,
    );
    say();

    say(`AWS's upstream aggregation over the same raw records (ROW_NUMBER() over whole tables, then the day filter)`);
    say(
      table(
        ['query', 'raw table', 'columns', `bytes per run (${options.days} days held)`],
        upstream.perQueryLast.map((q) => [q.name, q.table, String(q.columns), fmtBytes(q.bytes)]),
      ),
    );
    const ratio = (a: number, b: number): string => (b > 0 ? `${fmtInt(a / b)}×` : 'n/a');
    say(
      table(
        ['scan', 'bytes', 'Athena cost', 'vs dashboard'],
        [
          ['dashboard query on team_hourly (ours)', fmtBytes(dashBytes), fmtUsd(athenaUsd(dashBytes)), '1×'],
          [`upstream: one daily run, ${options.days} days held`, fmtBytes(upstream.last.bytes), fmtUsd(upstream.last.usd), ratio(upstream.last.bytes, dashBytes)],
          [`upstream: the ${options.days} daily runs that make the ${options.days} days`, fmtBytes(upstream.allBytes), fmtUsd(upstream.allUsd), ratio(upstream.allBytes, dashBytes)],
          [`upstream: one run at ${upstream.retention} days held (extrapolated)`, fmtBytes(upstream.steady.bytes), fmtUsd(upstream.steady.usd), ratio(upstream.steady.bytes, dashBytes)],
        ],
      ),
    );
    const oursTotal = ours.perTable.reduce((a, r) => a + r.bytes, 0);
    const oursUsd = ours.perTable.reduce((a, r) => a + athenaUsd(r.bytes), 0);
    say(`  For comparison, our own daily aggregation on Athena (middle day ${isoDay(ours.day)}, 3 day partitions of raw, referenced columns):`);
    say(
      table(
        ['rollup query', 'raw scans if CTEs are inlined', 'bytes', 'bytes if each raw table were read once'],
        [...ours.perTable.map((r) => [r.table, r.scans, fmtBytes(r.bytes), fmtBytes(r.bytesOnce)]), ['total per day', '', fmtBytes(oursTotal), fmtBytes(ours.perTable.reduce((a, r) => a + r.bytesOnce, 0))]],
      ),
    );
    say(`  → ${fmtUsd(oursUsd)} per day, ${fmtUsd(oursUsd * options.days)} for ${options.days} days (upstream: ${fmtUsd(upstream.allUsd)}).`);
    say('  Assumptions:');
    say('  - Athena reads only the projected partitions and, in Parquet, only the referenced columns\' chunks plus each file\'s footer; partition columns cost nothing.');
    say('  - $5 per TB (10^12 bytes) scanned, rounded up to the MB (10^6 bytes), 10 MB minimum per query; each upstream query is billed separately.');
    say('  - Upstream columns are those AWS\'s four queries reference (CRESCENDO_SUMMARY, CRESCENDO_DETAILED, NON_CRESCENDO_SUMMARY, NON_CRESCENDO_DETAILED).');
    say('  - Upstream run k (for day k, at midnight) holds days 1..k; no row-group skipping (the window ranks every row before the day filter).');
    say(`  - The ${upstream.retention}-day line multiplies the mean raw bytes per day by AWS's default retention (DataRententionDays).`);
    say('  - Our scans count every CTE reference as a new scan (no reuse); row groups outside the 49 h window are counted as read.');
    say();

    if (hourly) {
      const [before, wholeDay, after] = hourly.modes as [(typeof hourly.modes)[number], (typeof hourly.modes)[number], (typeof hourly.modes)[number]];
      const three = (f: (m: typeof before) => string) => [f(before), f(wholeDay), f(after)];
      const per = (m: typeof before) => stats(m.runs.map((r) => r.bytes));
      const billed = (m: typeof before) => m.runs.reduce((a, r) => a + r.usd, 0);
      const scannedDay = (m: typeof before) => m.runs.reduce((a, r) => a + r.bytes, 0);
      const usdToBytes = (usd: number) => (usd / USD_PER_TB) * TB;
      say(`Athena bytes of a day of hourly incremental runs (day ${isoDay(hourly.day)}; the CronJob at hh:07, \`--incremental\`)`);
      say('  Each run redoes the current day from the raw hours present (those before hh) and, at 00:07 and 01:07, the previous day (complete).');
      say(
        table(
          ['', 'before (unstaged)', 'staged, the whole day before', 'after (staged, from the last snapshot)'],
          [
            ['one full day, scanned', ...three((m) => fmtBytes(m.fullDay))],
            ['one full day, billed', ...three((m) => `${fmtBytes(usdToBytes(m.fullDayUsd))} ${fmtUsd(m.fullDayUsd)}`)],
            ['queries per aggregated day', ...three((m) => String(m.fullDayQueries.length))],
            ['per hourly run, scanned: mean', ...three((m) => fmtBytes(per(m).mean))],
            ['per hourly run, scanned: max (00:07 or 01:07)', ...three((m) => fmtBytes(per(m).max))],
            ['per hourly run, scanned: at 12:07', ...three((m) => fmtBytes(m.runs[12]?.bytes ?? 0))],
            ['24 hourly runs, scanned', ...three((m) => fmtBytes(scannedDay(m)))],
            ['24 hourly runs, billed (10 MB minimum per query)', ...three((m) => `${fmtBytes(usdToBytes(billed(m)))} ${fmtUsd(billed(m))}`)],
            ['24 hourly runs, queries', ...three((m) => String(m.runs.reduce((a, r) => a + r.queries, 0)))],
            ['without --incremental (2 full days every hour), scanned', ...three((m) => fmtBytes(48 * m.fullDay))],
          ],
        ),
      );
      say(
        table(
          ['staged full day, per query', 'bytes'],
          ['snapshot lookup', ...[...ATHENA_STAGED_CTES].map((c) => `CTAS ${c}`), ...dailyTables].map((name, i) => [name, fmtBytes(after.fullDayQueries[i] ?? 0)]),
        ),
      );
      say(`  Staged tables of the day (written by DuckDB as snappy Parquet to size them): ${hourly.staged.map((t) => `${t.name.replace('hpu_stage_bench_', '')} ${fmtInt(t.rows)} rows, ${fmtBytes(t.bytes)}`).join('; ')}.`);
      say('  - Every run is priced with the full day\'s staged tables (an upper bound for the runs early in the day); a staged table read');
      say('    counts the columns the query names, its footer included, once per reference. The price table (no scan) bills 10 MB per run.');
      say('  - The incremental state listing (one ListObjectsV2 per hour partition and raw table: 294 per day checked) is S3 requests, not Athena bytes.');
      say();
    } else {
      say('Athena bytes of a day of hourly runs: needs --days 3 or more (a day, the day before and the one before that), skipped.');
      say();
    }

    if (profile) {
      say(`Where a day's time goes (EXPLAIN ANALYZE, ${isoDay(days[Math.floor(days.length / 2)] as number)}; top operators by time)`);
      for (const p of profile) {
        say(`  ${p.table}: ${fmtS(p.seconds)} s`);
        for (const o of p.top) say(`    ${fmtS(o.seconds).padStart(6)} s  ${o.op}  ${fmtInt(o.rows)} rows  ${o.info}`);
      }
      say();
    }

    say('Phases');
    say(table(['phase', 'wall time'], [...phases.list.map((p) => [p.name, fmtDuration(p.seconds)]), ['total', fmtDuration(totalSeconds)]]));
    if (options.keep) say(`  Data kept in ${root} (base/data: the recording; tiled: raw records and rollups).`);
    console.log(out.join('\n'));
  } finally {
    if (engine) await engine.close();
    scratch.closeSync();
    instance.closeSync();
    if (!options.keep) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  console.error(`bench:aggregate: ${message.split('\n')[0]}`);
  process.exitCode = 1;
});
