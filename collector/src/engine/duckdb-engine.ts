/**
 * The embedded engine: DuckDB over a local directory in the S3 layout. Views named like the
 * Glue tables read the Hive-partitioned Parquet files; macros give DuckDB the few Trino
 * functions the generator uses, so the same SQL runs here and on Athena.
 */
import { existsSync, readdirSync } from 'node:fs';
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
  RAW_TABLES,
  RAW_TABLE_NAMES,
  ROLLUP_TABLES,
  ROLLUP_TABLE_NAMES,
  type Column,
  type ColumnType,
  type Dialect,
} from '@hyperpod-usage/model';
import type { Cell, QueryEngine, QueryResult } from './query-engine.js';

const DUCKDB_TYPE: Record<ColumnType, string> = {
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

function hasParquet(dir: string): boolean {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.parquet')) return true;
    if (entry.isDirectory() && hasParquet(join(dir, entry.name))) return true;
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

function parquetView(dir: string, partitionKeys: readonly string[]): string {
  const glob = join(dir, ...partitionKeys.map((k) => `${k}=*`), '*.parquet').replace(/'/g, "''");
  // Partition values stay strings, as in Glue: DuckDB would otherwise guess numbers from '12'.
  const hiveTypes = partitionKeys.map((k) => `'${k}': VARCHAR`).join(', ');
  return `SELECT * FROM read_parquet('${glob}', hive_partitioning = true, union_by_name = true${
    partitionKeys.length ? `, hive_types = {${hiveTypes}}` : ''
  })`;
}

export class DuckDbEngine implements QueryEngine {
  readonly dialect: Dialect = 'duckdb';

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly dataDir: string,
  ) {}

  /** Opens an in-memory DuckDB with views over `dataDir` (the local storage directory). */
  static async open(dataDir: string): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const engine = new DuckDbEngine(instance, connection, dataDir);
    await connection.run("SET TimeZone = 'UTC'");
    for (const macro of MACROS) await connection.run(macro);
    await engine.refreshViews();
    return engine;
  }

  /** (Re)creates the table views; call after files were added to a table that had none. */
  async refreshViews(): Promise<void> {
    const tables = [
      ...RAW_TABLE_NAMES.map((n) => ({ ...RAW_TABLES[n], dir: join(this.dataDir, 'raw', n) })),
      ...ROLLUP_TABLE_NAMES.map((n) => ({ ...ROLLUP_TABLES[n], dir: join(this.dataDir, ROLLUP_TABLES[n].location) })),
    ];
    for (const t of tables) {
      const body = hasParquet(t.dir) ? parquetView(t.dir, t.partitionKeys) : emptyView(t.columns, t.partitionKeys);
      await this.connection.run(`CREATE OR REPLACE VIEW "${t.name}" AS ${body}`);
    }
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
  }
}
