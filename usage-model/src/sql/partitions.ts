/**
 * Partition predicates. Athena does not derive partition filters from a timestamp column, so
 * every scan gets literal predicates on the zero-padded partition strings, innermost.
 */
import { DAY_MS, HOUR_MS, hourPartitionOf } from '../layout.js';
import { sqlString } from './dialect.js';

/** Days (UTC midnight, epoch ms) that overlap [start, end). */
export function daysBetween(start: number, end: number): number[] {
  const days: number[] = [];
  for (let d = Math.floor(start / DAY_MS) * DAY_MS; d < end; d += DAY_MS) days.push(d);
  return days;
}

/**
 * `((year = '2025' AND month = '04' AND day = '16') OR ...)` for the days overlapping [start, end):
 * exact tuples rather than IN lists, which would select the cross product of months and days.
 */
export function dayPartitionPredicate(start: number, end: number, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  const days = daysBetween(start, end);
  if (days.length === 0) return 'FALSE';
  return `(${days
    .map((d) => {
      const { year, month, day } = hourPartitionOf(d);
      return `(${p}year = ${sqlString(year)} AND ${p}month = ${sqlString(month)} AND ${p}day = ${sqlString(day)})`;
    })
    .join(' OR ')})`;
}

/** The window of raw data needed to account for [start, end): intervals that began a day earlier are still described by that day's snapshots, and ends show up by the next hour's snapshot. */
export function rawReadWindow(start: number, end: number): { start: number; end: number } {
  return { start: start - DAY_MS, end: end + HOUR_MS };
}

export function clusterPredicate(clusters: readonly string[], alias = ''): string {
  if (clusters.length === 0) return 'TRUE';
  const p = alias ? `${alias}.` : '';
  return `${p}cluster IN (${clusters.map(sqlString).join(', ')})`;
}
