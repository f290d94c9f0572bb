/**
 * What the aggregation and the reports need from a SQL engine, whether Athena or the embedded
 * DuckDB: run one statement, get rows back with timestamps as epoch milliseconds.
 */
import type { Dialect } from '@hyperpod-usage/model';

export type Cell = string | number | boolean | null;
export type ResultRow = Record<string, Cell>;

export interface QueryResult {
  columns: string[];
  rows: ResultRow[];
}

export interface QueryEngine {
  readonly dialect: Dialect;
  /** Runs one statement. */
  query(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}
