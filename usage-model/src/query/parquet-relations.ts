/**
 * Relations for DuckDB running inside Grafana (motherduck-duckdb-datasource): each table is a
 * `read_parquet(...)` over the local directory in the S3 layout (`hpu demo` writes one to
 * out/demo/usage-data), so no views or macros need to exist in that DuckDB.
 *
 * Partition values stay strings (`hive_types`): DuckDB would otherwise guess numbers from the
 * folder names (`month=12` → BIGINT) and `month = '04'` would compare a number with a string.
 * `union_by_name` reads files written before a column was added, as Athena does.
 */
import { RAW_TABLES, RAW_TABLE_NAMES } from '../raw-schema.js';
import { ROLLUP_TABLES, ROLLUP_TABLE_NAMES } from '../rollup-schema.js';
import { SqlValueError, sqlText } from '../sql/dialect.js';
import type { Relations, TableName } from '../sql/relations.js';

/** The glob of a table's Parquet files under `dataPath`: one `key=*` folder per partition key. */
export function parquetGlob(dataPath: string, location: string, partitionKeys: readonly string[]): string {
  return [dataPath.replace(/\/+$/, ''), location, ...partitionKeys.map((k) => `${k}=*`), '*.parquet'].join('/');
}

function readParquet(glob: string, partitionKeys: readonly string[]): string {
  if (partitionKeys.length === 0) return `read_parquet(${sqlText(glob)}, union_by_name = true)`;
  const types = partitionKeys.map((k) => `${sqlText(k)}: VARCHAR`).join(', ');
  return `read_parquet(${sqlText(glob)}, hive_partitioning = true, union_by_name = true, hive_types = {${types}})`;
}

/** Where each table's files are: `raw/<table>` or the rollup's location. */
export function tableLocations(): Record<TableName, { location: string; partitionKeys: readonly string[] }> {
  const raw = RAW_TABLE_NAMES.map((t) => [t, { location: `raw/${t}`, partitionKeys: RAW_TABLES[t].partitionKeys }] as const);
  const rollups = ROLLUP_TABLE_NAMES.map((t) => [t, { location: ROLLUP_TABLES[t].location, partitionKeys: ROLLUP_TABLES[t].partitionKeys }] as const);
  return Object.fromEntries([...raw, ...rollups]) as Record<TableName, { location: string; partitionKeys: readonly string[] }>;
}

/** DuckDB relations over the Parquet under `dataPath` (an absolute path, or relative to Grafana's working directory). */
export function parquetRelations(dataPath: string): Relations {
  if (dataPath.trim() === '') throw new SqlValueError('the data path is empty');
  const locations = tableLocations();
  return Object.fromEntries(
    (Object.keys(locations) as TableName[]).map((t) => {
      const { location, partitionKeys } = locations[t];
      return [t, readParquet(parquetGlob(dataPath, location, partitionKeys), partitionKeys)];
    }),
  ) as Relations;
}
