/**
 * The embedded engine: DuckDB over a local directory in the S3 layout. Views named like the
 * Glue tables read the Hive-partitioned Parquet files; macros give DuckDB the few Trino
 * functions the generator uses, so the same SQL runs here and on Athena.
 *
 * Memory is bounded: DuckDB gets a memory limit (by default half of the machine's or the
 * container's memory) and a folder to spill to, so a large day is slower rather than killed.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  hourPartitionOf,
  hoursByDay,
  RAW_TABLES,
  RAW_TABLE_NAMES,
  ROLLUP_TABLES,
  ROLLUP_TABLE_NAMES,
  sqlString,
  type Column,
  type ColumnType,
  type Dialect,
  type RawRelations,
} from '@hyperpod-usage/model';
import type { Cell, QueryEngine, QueryResult } from './query-engine.js';

/** DuckDB's name for each column type of the data contract. */
export const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: 'VARCHAR',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  bigint: 'BIGINT',
  int: 'INTEGER',
  date: 'DATE',
};

/** Trino functions the generated SQL uses that DuckDB names differently. */
const MACROS = [
  'CREATE OR REPLACE MACRO sequence(a, b, s) AS generate_series(a, b, s)',
  'CREATE OR REPLACE MACRO to_unixtime(ts) AS epoch(ts)',
  'CREATE OR REPLACE MACRO array_join(l, sep) AS array_to_string(l, sep)',
];

function toCell(value: DuckDBValue): Cell {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return Number(value.micros / 1000n);
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return Number(value.toString());
  return String(value);
}

/**
 * Whether the Hive glob of a table folder (one `key=` folder per partition key, then Parquet
 * files) matches a file, so that read_parquet over it finds one; hidden entries (a writer's
 * staging) do not count. A file at another depth (a heartbeat of the layout without a cluster
 * folder) does not either: DuckDB fails on a glob that matches nothing.
 */
function hasParquet(dir: string, keys: readonly string[]): boolean {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (keys.length === 0) {
      if (entry.isFile() && entry.name.endsWith('.parquet')) return true;
    } else if (entry.isDirectory() && entry.name.startsWith(`${keys[0]}=`) && hasParquet(join(dir, entry.name), keys.slice(1))) {
      return true;
    }
  }
  return false;
}

function emptyView(columns: readonly Column[], partitionKeys: readonly string[]): string {
  const cols = [
    ...columns.map((c) => `CAST(NULL AS ${DUCKDB_TYPE[c.type]}) AS "${c.name}"`),
    ...partitionKeys.filter((k) => !columns.some((c) => c.name === k)).map((k) => `CAST(NULL AS VARCHAR) AS "${k}"`),
  ];
  return `SELECT ${cols.join(', ')} WHERE false`;
}

/** read_parquet over the files the globs match, partition keys from the Hive folders. */
function readParquet(globs: readonly string[], partitionKeys: readonly string[]): string {
  // Partition values stay strings, as in Glue: DuckDB would otherwise guess numbers from '12'.
  const hiveTypes = partitionKeys.map((k) => `${sqlString(k)}: VARCHAR`).join(', ');
  return `read_parquet([${globs.map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true${
    partitionKeys.length ? `, hive_types = {${hiveTypes}}` : ''
  })`;
}

function parquetView(dir: string, partitionKeys: readonly string[]): string {
  return `SELECT * FROM ${readParquet([join(dir, ...partitionKeys.map((k) => `${k}=*`), '*.parquet')], partitionKeys)}`;
}

const HOUR_KEYS = ['year', 'month', 'day', 'hour'];

export interface DuckDbOptions {
  /**
   * DuckDB's `memory_limit`, e.g. `8GB` or `4096MiB`. Default: `DUCKDB_MEMORY_LIMIT` from the
   * environment, else half of the memory this process may use (the machine's, or the container's
   * cgroup limit if lower). DuckDB's own default, 80%, leaves too little room for what it
   * allocates outside its buffer pool.
   */
  memoryLimit?: string;
  /**
   * Where DuckDB spills what does not fit in memory. Default: `DUCKDB_TEMP_DIRECTORY`, else a new
   * folder under the system's temporary directory, removed on close.
   */
  tempDirectory?: string;
  /**
   * Whether to make views over the raw tables too (default true). Each view globs every raw file
   * and reads every file's footer when it is made and on every query, which takes time and memory
   * that grow with the days kept (26 s and 5.9 GB peak for 30 days at 2,000 nodes); the
   * aggregation reads raw records through `rawRelationsFor` instead and needs none.
   */
  rawViews?: boolean;
}

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** Checks a memory size for DuckDB (`12GB`, `512MiB`); anything else is refused with one line. */
export function parseMemoryLimit(value: string, what = 'memory limit'): string {
  const trimmed = value.trim();
  if (!SIZE.test(trimmed)) throw new Error(`${what}: expected a size such as 8GB or 4096MiB, got ${JSON.stringify(value)}`);
  return trimmed;
}

/**
 * The memory limit to use: the one given (checked, named `what` in errors), else
 * `DUCKDB_MEMORY_LIMIT`, else half of the memory this process may use.
 */
export function resolveMemoryLimit(given?: string, what = 'memory limit'): string {
  if (given !== undefined) return parseMemoryLimit(given, what);
  const fromEnv = process.env.DUCKDB_MEMORY_LIMIT;
  return fromEnv ? parseMemoryLimit(fromEnv, 'DUCKDB_MEMORY_LIMIT') : defaultMemoryLimit();
}

/** Half of the memory this process may use: the machine's, or its cgroup's limit if lower. */
export function defaultMemoryLimit(): string {
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const available = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return `${Math.max(256, Math.floor(available / 2 / 2 ** 20))}MiB`;
}

/** Spill folders of engines not closed yet: removed when the process exits without closing them. */
const openSpillFolders = new Set<string>();
let exitHookInstalled = false;

function ownSpillFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'hpu-duckdb-'));
  openSpillFolders.add(folder);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const f of openSpillFolders) rmSync(f, { recursive: true, force: true });
    });
  }
  return folder;
}

function removeSpillFolder(folder: string): void {
  openSpillFolders.delete(folder);
  rmSync(folder, { recursive: true, force: true });
}

export class DuckDbEngine implements QueryEngine {
  readonly dialect: Dialect = 'duckdb';

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly dataDir: string,
    /** A spill folder this engine made, removed on close. */
    private readonly ownTempDirectory: string | null,
    private readonly rawViews: boolean,
  ) {}

  /** Opens an in-memory DuckDB with views over `dataDir` (the local storage directory). */
  static async open(dataDir: string, options: DuckDbOptions = {}): Promise<DuckDbEngine> {
    const memoryLimit = resolveMemoryLimit(options.memoryLimit);
    const given = options.tempDirectory ?? process.env.DUCKDB_TEMP_DIRECTORY;
    const ownTempDirectory = given ? null : ownSpillFolder();
    const tempDirectory = given ?? (ownTempDirectory as string);
    let instance: DuckDBInstance | undefined;
    try {
      instance = await DuckDBInstance.create(':memory:', {
        memory_limit: memoryLimit,
        temp_directory: tempDirectory,
        // Results with an ORDER BY keep it; the rest may come in any order, which saves memory.
        preserve_insertion_order: 'false',
        // The cache of Parquet bytes read grows with every file read (0.6 GB a day at 2,000 nodes)
        // and is of no use: each raw file is read by the 3 days that need it, in one process.
        enable_external_file_cache: 'false',
      });
      const connection = await instance.connect();
      const engine = new DuckDbEngine(instance, connection, dataDir, ownTempDirectory, options.rawViews ?? true);
      await connection.run("SET TimeZone = 'UTC'");
      for (const macro of MACROS) await connection.run(macro);
      await engine.refreshViews();
      return engine;
    } catch (e) {
      instance?.closeSync();
      if (ownTempDirectory) removeSpillFolder(ownTempDirectory);
      throw e;
    }
  }

  /** The settings in force, for logs and benchmarks. */
  async settings(): Promise<Record<string, string>> {
    const { rows } = await this.query(
      `SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'threads', 'temp_directory', 'preserve_insertion_order', 'enable_external_file_cache') ORDER BY name`,
    );
    return Object.fromEntries(rows.map((r) => [String(r.name), String(r.value)]));
  }

  /** (Re)creates the table views; call after files were added to a table that had none. */
  async refreshViews(): Promise<void> {
    const tables = [
      ...(this.rawViews ? RAW_TABLE_NAMES : []).map((n) => ({ ...RAW_TABLES[n], dir: join(this.dataDir, 'raw', n) })),
      ...ROLLUP_TABLE_NAMES.map((n) => ({ ...ROLLUP_TABLES[n], dir: join(this.dataDir, ROLLUP_TABLES[n].location) })),
    ];
    for (const t of tables) {
      const body = hasParquet(t.dir, t.partitionKeys) ? parquetView(t.dir, t.partitionKeys) : emptyView(t.columns, t.partitionKeys);
      await this.connection.run(`CREATE OR REPLACE VIEW "${t.name}" AS ${body}`);
    }
  }

  /**
   * Raw tables as relations that read only the files of the hours overlapping [start, end), for
   * queries whose partition predicate selects those hours. The views glob every raw file, and
   * read every file's footer to line up columns, on every query: with a month kept that is
   * 150,000 files at 2,000 nodes, for the 49 hours a day's rollups read. A day the range covers
   * whole is one glob; a day it covers in part (the hour after a day) one glob per hour.
   */
  rawRelationsFor(start: number, end: number): RawRelations {
    const relations = {} as Record<keyof RawRelations, string>;
    for (const name of RAW_TABLE_NAMES) {
      const table = RAW_TABLES[name];
      const keys = table.partitionKeys;
      if (keys.slice(0, HOUR_KEYS.length).join() !== HOUR_KEYS.join()) throw new Error(`raw table ${name} is not partitioned by hour first`);
      const below = keys.slice(HOUR_KEYS.length);
      const globs: string[] = [];
      for (const [day, hours] of hoursByDay(start, end)) {
        const p = hourPartitionOf(day);
        const dayFolder = join(this.dataDir, 'raw', name, `year=${p.year}`, `month=${p.month}`, `day=${p.day}`);
        const hourGlobs = hours.length === 24 ? ['hour=*'] : hours.map((h) => `hour=${hourPartitionOf(h).hour}`);
        for (const hour of hourGlobs) {
          const present = hour === 'hour=*' ? hasParquet(dayFolder, ['hour', ...below]) : hasParquet(join(dayFolder, hour), below);
          if (present) globs.push(join(dayFolder, hour, ...below.map((k) => `${k}=*`), '*.parquet'));
        }
      }
      relations[name] = globs.length ? readParquet(globs, keys) : `(${emptyView(table.columns, keys)})`;
    }
    return relations;
  }

  async query(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const columns = reader.columnNames();
    const rows = reader.getRows().map((values) => {
      const row: Record<string, Cell> = {};
      values.forEach((v, i) => {
        row[columns[i] as string] = toCell(v);
      });
      return row;
    });
    return { columns, rows };
  }

  /** Runs a statement that returns nothing (COPY, CREATE, ...). */
  async execute(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.ownTempDirectory) removeSpillFolder(this.ownTempDirectory);
  }
}
