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

/** The hours (start of each, epoch ms) that overlap [start, end), grouped by their UTC day. */
export function hoursByDay(start: number, end: number): Map<number, number[]> {
  const byDay = new Map<number, number[]>();
  for (let h = Math.floor(start / HOUR_MS) * HOUR_MS; h < end; h += HOUR_MS) {
    const day = Math.floor(h / DAY_MS) * DAY_MS;
    const hours = byDay.get(day) ?? [];
    hours.push(h);
    byDay.set(day, hours);
  }
  return byDay;
}

/**
 * Like `dayPartitionPredicate`, but a day the range covers only in part is narrowed to its hours
 * (`... AND hour IN ('00')`). A raw read window ends an hour into the next day; selecting that
 * day whole would list and open its other 23 hours of files, only for the timestamp filter to
 * drop every row of them.
 */
export function hourPartitionPredicate(start: number, end: number, alias = ''): string {
  const p = alias ? `${alias}.` : '';
  const days = [...hoursByDay(start, end)];
  if (days.length === 0) return 'FALSE';
  return `(${days
    .map(([d, hours]) => {
      const { year, month, day } = hourPartitionOf(d);
      const dayTuple = `${p}year = ${sqlString(year)} AND ${p}month = ${sqlString(month)} AND ${p}day = ${sqlString(day)}`;
      if (hours.length === 24) return `(${dayTuple})`;
      return `(${dayTuple} AND ${p}hour IN (${hours.map((h) => sqlString(hourPartitionOf(h).hour)).join(', ')}))`;
    })
    .join(' OR ')})`;
}

/**
 * The widest window of raw data needed to account for [start, end): intervals that began a day
 * earlier are still described by that day's snapshots, and ends show up by the next hour's
 * snapshot. `readFromSnapshot` narrows its start where a snapshot allows.
 */
export function rawReadWindow(start: number, end: number): { start: number; end: number } {
  return { start: start - DAY_MS, end: end + HOUR_MS };
}

/**
 * Where a range's records can start, given the latest full snapshot at or before its start (the
 * collector writes one at every hour boundary and whenever it starts leading). The snapshot lists
 * every object still live then with its whole state, and the stated times (admission, end,
 * creation) its later records carry, so what came before it says nothing about the range; the
 * hour before the snapshot is read too, for changes seen only just after it but stamped with a
 * Kubernetes transition time just before. Without a snapshot in the day before, the day before.
 */
export function readFromSnapshot(start: number, snapshotAt: number | undefined): number {
  const widest = rawReadWindow(start, start).start;
  if (snapshotAt === undefined || !Number.isFinite(snapshotAt) || snapshotAt > start || snapshotAt < widest) return widest;
  return Math.max(widest, Math.floor(snapshotAt / HOUR_MS) * HOUR_MS - HOUR_MS);
}

export function clusterPredicate(clusters: readonly string[], alias = ''): string {
  if (clusters.length === 0) return 'TRUE';
  const p = alias ? `${alias}.` : '';
  return `${p}cluster IN (${clusters.map(sqlString).join(', ')})`;
}

/** One partition (UTC day and cluster) of a rollup table, as a relation that keeps its columns. */
export function rollupPartitionScan(relation: string, day: number, cluster: string): string {
  return `(SELECT * FROM ${relation} WHERE ${dayPartitionPredicate(day, day + DAY_MS)} AND ${clusterPredicate([cluster])})`;
}
