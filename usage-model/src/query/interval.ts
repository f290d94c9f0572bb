/**
 * Time buckets of a time series: the rollups are hourly, so buckets are hours, UTC days, ISO
 * weeks (Monday) or calendar months, all `date_trunc` units that Trino and DuckDB agree on for a
 * plain (UTC) timestamp.
 */
import { DAY_MS, HOUR_MS } from '../layout.js';
import { QueryModelError, type QueryInterval } from './types.js';

export type BucketInterval = Exclude<QueryInterval, 'auto'>;

const APPROX_MS: Record<BucketInterval, number> = { hour: HOUR_MS, day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS };
const ORDER: readonly BucketInterval[] = ['hour', 'day', 'week', 'month'];

/** Grafana panels ask for about one point per pixel; without a figure, this many. */
export const DEFAULT_MAX_DATA_POINTS = 1000;

/** The finest interval whose buckets over [from, to) are at most maxDataPoints. */
export function resolveInterval(interval: QueryInterval, from: number, to: number, maxDataPoints = DEFAULT_MAX_DATA_POINTS): BucketInterval {
  if (interval !== 'auto') {
    if (!ORDER.includes(interval)) throw new QueryModelError(`unknown interval ${JSON.stringify(interval)}`);
    return interval;
  }
  if (!(maxDataPoints >= 1)) throw new QueryModelError(`maxDataPoints must be at least 1, got ${maxDataPoints}`);
  const span = to - from;
  return ORDER.find((i) => Math.ceil(span / APPROX_MS[i]) <= maxDataPoints) ?? 'month';
}

/** The bucket a row's hour falls in. */
export function bucketSql(interval: BucketInterval, hourColumn: string): string {
  return interval === 'hour' ? hourColumn : `date_trunc('${interval}', ${hourColumn})`;
}
