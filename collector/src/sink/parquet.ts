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

function convert(value: CellValue | undefined, type: ColumnType, column: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamp':
      if (typeof value !== 'number') throw new TypeError(`${column}: expected epoch ms, got ${typeof value}`);
      return new Date(value);
    case 'bigint':
      return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value)));
    case 'int':
      return Math.trunc(Number(value));
    case 'double':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'string':
      return String(value);
    case 'date':
      throw new TypeError(`${column}: date columns are not written by the collector`);
  }
}

export function encodeParquet(table: RawTable, rows: readonly Row[], createdBy: string): Uint8Array {
  if (rows.length === 0) throw new Error('refusing to write an empty Parquet file');
  const columnData = table.columns.map((c) => {
    if (c.type === 'date') throw new TypeError(`${table.name}.${c.name}: date columns are not written by the collector`);
    return {
      name: c.name,
      type: WRITER_TYPE[c.type],
      data: rows.map((r) => convert(r[c.name], c.type, c.name)),
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
