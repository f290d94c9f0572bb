import type { BucketInterval } from '@hyperpod-usage/model';

const HOUR = 3_600_000;

/** Hours in the bucket that starts at `start` (UTC; months and weeks as the SQL buckets them). */
export function bucketHours(start: number, interval: BucketInterval): number {
  if (interval === 'hour') return 1;
  if (interval === 'day') return 24;
  if (interval === 'week') return 168;
  const d = new Date(start);
  return (Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)) / HOUR;
}
