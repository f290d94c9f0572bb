/**
 * How the generated SQL names the tables: plain names in DuckDB (views over the local
 * directory), `"database"."table"` in Athena.
 */
import { RAW_TABLE_NAMES, type RawTableName } from '../raw-schema.js';
import { ROLLUP_TABLE_NAMES, type RollupTableName } from '../rollup-schema.js';
import { sqlIdentifier } from './dialect.js';
import type { RawRelations } from './intervals.js';

export type TableName = RawTableName | RollupTableName;
export type Relations = Record<TableName, string>;

const ALL_TABLES: readonly TableName[] = [...RAW_TABLE_NAMES, ...ROLLUP_TABLE_NAMES];

export function localRelations(): Relations {
  return Object.fromEntries(ALL_TABLES.map((t) => [t, t])) as Relations;
}

/** Glue database names are lower case letters, digits and underscores. */
export function athenaRelations(database: string): Relations {
  const db = sqlIdentifier(database);
  return Object.fromEntries(ALL_TABLES.map((t) => [t, `${db}.${sqlIdentifier(t)}`])) as Relations;
}

export function rawRelations(relations: Relations): RawRelations {
  return { workload: relations.workload, pod: relations.pod, node: relations.node, clusterqueue: relations.clusterqueue, heartdub: relations.heartdub };
}
