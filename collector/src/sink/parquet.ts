/**
 * Rows → Snappy-compressed Parquet, typed by the shared schema. Column names are the schema's
 * (lower case), timestamps are INT64 milliseconds in UTC: what Athena engine 3 reads without a
 * precision mismatch and what DuckDB reads as TIMESTAMP.
 */
import type { ColumnType, RawTable } from '@hyperpod-usage/model';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { CellValue, Row } from '../records/rows.js';

type WriterType = 'STRING' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'INT32' | 'INT64';

const WRITER_TYPE: Record<Exclude<ColumnType, 'date'>, WriterType> = {
  string: 'STRING',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  int: 'INT32',
  bigint: 'INT64',
};

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Years 1..9999: what Athena and DuckDB read as a timestamp. */
const TIMESTAMP_MIN_MS = new Date('0001-01-01T00:00:00Z').getTime();
const TIMESTAMP_MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Marks a value the column type cannot hold; the encoder writes null instead. */
const UNREPRESENTABLE = Symbol('unrepresentable');

function toInt64(value: CellValue): bigint | typeof UNREPRESENTABLE {
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else {
    const n = Number(value);
    if (!Number.isFinite(n)) return UNREPRESENTABLE;
    big = BigInt(Math.trunc(n));
  }
  return big < INT64_MIN || big > INT64_MAX ? UNREPRESENTABLE : big;
}

function convert(value: CellValue | undefined, type: ColumnType, column: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamp': {
      if (typeof value !== 'number') throw new TypeError(`${column}: expected epoch ms, got ${typeof value}`);
      if (!Number.isFinite(value) || value < TIMESTAMP_MIN_MS || value > TIMESTAMP_MAX_MS) return UNREPRESENTABLE;
      return new Date(value);
    }
    case 'bigint':
      return toInt64(value);
    case 'int': {
      const n = typeof value === 'bigint' ? Number(value) : Math.trunc(Number(value));
      return Number.isFinite(n) && n >= INT32_MIN && n <= INT32_MAX ? n : UNREPRESENTABLE;
    }
    case 'double': {
      const n = Number(value);
      return Number.isFinite(n) ? n : UNREPRESENTABLE;
    }
    case 'boolean':
      return Boolean(value);
    case 'string':
      return String(value);
    case 'date':
      throw new TypeError(`${column}: date columns are not written by the collector`);
  }
}

/** Called once per value written as null because its column type cannot hold it. */
export type UnrepresentableValue = (column: string, value: CellValue) => void;

/**
 * Encodes rows as one Parquet file. A value its column cannot hold (an int beyond 32 bits, a
 * bigint beyond 64, a non-finite double, a timestamp outside years 1-9999) is written as null and
 * reported: objects come from a cluster that does not enforce these ranges on custom resources.
 */
export function encodeParquet(table: RawTable, rows: readonly Row[], createdBy: string, onUnrepresentable?: UnrepresentableValue): Uint8Array {
  if (rows.length === 0) throw new Error('refusing to write an empty Parquet file');
  const columnData = table.columns.map((c) => {
    if (c.type === 'date') throw new TypeError(`${table.name}.${c.name}: date columns are not written by the collector`);
    return {
      name: c.name,
      type: WRITER_TYPE[c.type],
      data: rows.map((r) => {
        const converted = convert(r[c.name], c.type, c.name);
        if (converted !== UNREPRESENTABLE) return converted;
        onUnrepresentable?.(c.name, r[c.name] ?? null);
        return null;
      }),
    };
  });
  const buffer = parquetWriteBuffer({
    columnData,
    codec: 'SNAPPY',
    createdBy,
    // One row group per file: files are small (one flush of one hour partition).
    rowGroupSize: Math.max(rows.length, 1),
  } as Parameters<typeof parquetWriteBuffer>[0]);
  return new Uint8Array(buffer);
}

/** Columns a row has that its table lacks, or lacks that the table has: a programming error. */
export function rowShapeErrors(table: RawTable, row: Row): string[] {
  const expected = new Set(table.columns.map((c) => c.name));
  const actual = new Set(Object.keys(row));
  return [
    ...[...expected].filter((c) => !actual.has(c)).map((c) => `missing ${c}`),
    ...[...actual].filter((c) => !expected.has(c)).map((c) => `unexpected ${c}`),
  ];
}
