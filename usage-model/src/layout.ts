/**
 * Where raw records live: `raw/<table>/year=YYYY/month=MM/day=DD/hour=HH/cluster=<name>/`,
 * partitioned by the record's UTC timestamp, zero-padded (Athena partition projection and the
 * upstream queries compare `month = '01'`). Every table of ours, heartbeats included, has the
 * cluster folder, so one cluster's writer can be kept out of another's keys.
 */
import type { RawTableName } from './raw-schema.js';
import { RAW_TABLES } from './raw-schema.js';

export interface HourPartition {
  year: string;
  month: string;
  day: string;
  hour: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

export function hourPartitionOf(epochMs: number): HourPartition {
  const d = new Date(epochMs);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time ${epochMs}`);
  return {
    year: String(d.getUTCFullYear()).padStart(4, '0'),
    month: pad2(d.getUTCMonth() + 1),
    day: pad2(d.getUTCDate()),
    hour: pad2(d.getUTCHours()),
  };
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Start of the UTC hour that contains the instant. */
export function hourStart(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS) * HOUR_MS;
}

/**
 * HyperPod cluster names: letters, digits and hyphens, up to 63 characters. We also allow `_` and `.`
 * (EKS names), never `/`, `=` or spaces, so the name is safe in an S3 key, a partition value and SQL.
 */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62})$/;

export function assertClusterName(name: string): string {
  if (!CLUSTER_NAME_PATTERN.test(name)) {
    throw new Error(
      `invalid cluster name ${JSON.stringify(name)}: use 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit`,
    );
  }
  return name;
}

/** Folder (no leading or trailing slash) that holds a table's records of one hour. */
export function rawPartitionPath(table: RawTableName, epochMs: number, cluster: string): string {
  const p = hourPartitionOf(epochMs);
  const parts = [`raw/${table}`, `year=${p.year}`, `month=${p.month}`, `day=${p.day}`, `hour=${p.hour}`];
  if (RAW_TABLES[table].partitionKeys.includes('cluster')) parts.push(`cluster=${assertClusterName(cluster)}`);
  return parts.join('/');
}
