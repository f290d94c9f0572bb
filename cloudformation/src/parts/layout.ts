/**
 * The bucket layout, derived from the usage model: which tables live under which folder, and which
 * folders each writer and reader may touch. Deriving it keeps IAM and lifecycle rules in step
 * with the tables when a table is added.
 */
import {
  RAW_TABLE_NAMES,
  RAW_TABLES,
  ROLLUP_TABLE_NAMES,
  ROLLUP_TABLES,
  type Column,
} from '@hyperpod-usage/model';

/** A Glue table to declare: where it lives and what it holds. */
export interface CatalogTable {
  name: string;
  description: string;
  columns: readonly Column[];
  partitionKeys: readonly string[];
  /** Folder under the bucket, without slashes at either end. */
  location: string;
  kind: 'raw' | 'rollup';
}

export const RAW_FOLDER = 'raw';

/**
 * IAM resource patterns of one raw table's keys: time partitions by their fixed widths (`?` is
 * one character, so no folder can slip in between) and the cluster partition as given. A new
 * partition key has to be added here, so the collector's grant cannot silently widen.
 */
const PARTITION_KEY_PATTERN: Readonly<Record<string, (cluster: string) => string>> = {
  year: () => '????',
  month: () => '??',
  day: () => '??',
  hour: () => '??',
  cluster: (cluster) => cluster,
};

export function rawKeyPattern(tableName: string, cluster: string): string {
  const table = RAW_CATALOG_TABLES.find((t) => t.name === tableName);
  if (!table) throw new Error(`no raw table ${tableName}`);
  const folders = table.partitionKeys.map((key) => {
    const pattern = PARTITION_KEY_PATTERN[key];
    if (!pattern) throw new Error(`raw table ${tableName}: no IAM key pattern for partition key ${key}`);
    return `${key}=${pattern(cluster)}`;
  });
  return [table.location, ...folders, '*'].join('/');
}
export const ATHENA_RESULTS_FOLDER = 'athena-results';

const RAW_CATALOG_TABLES: readonly CatalogTable[] = RAW_TABLE_NAMES.map((name) => {
  const table = RAW_TABLES[name];
  return { ...table, location: `${RAW_FOLDER}/${name}`, kind: 'raw' };
});

const ROLLUP_CATALOG_TABLES: readonly CatalogTable[] = ROLLUP_TABLE_NAMES.map((name) => {
  const table = ROLLUP_TABLES[name];
  return { ...table, kind: 'rollup' };
});

export const CATALOG_TABLES: readonly CatalogTable[] = [...RAW_CATALOG_TABLES, ...ROLLUP_CATALOG_TABLES];

function topFolder(location: string): string {
  return location.split('/')[0]!;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Folders the aggregation writes (rollups, AWS's report tables, the price table). */
export const AGGREGATE_FOLDERS: readonly string[] = unique(ROLLUP_CATALOG_TABLES.map((t) => topFolder(t.location)));

/**
 * Folders whose objects expire after the retention period: those holding only time-partitioned
 * tables. Reference data (the price table) is not history and is kept.
 */
export const EXPIRING_FOLDERS: readonly string[] = unique(CATALOG_TABLES.map((t) => topFolder(t.location))).filter(
  (folder) => CATALOG_TABLES.every((t) => topFolder(t.location) !== folder || t.partitionKeys.length > 0),
);

for (const folder of [RAW_FOLDER, ATHENA_RESULTS_FOLDER]) {
  // The collector's write-only grant and the readers' results grant rest on these folders being apart.
  if (AGGREGATE_FOLDERS.includes(folder)) throw new Error(`rollup tables must not live under ${folder}/`);
}
