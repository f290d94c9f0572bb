/**
 * Reconstructs, from raw records, every interval during which a workload held quota (per
 * admission and flavor), a pod outside Kueue held node capacity, and a node was schedulable.
 * These intervals are what every rollup integrates. docs/attribution.md states the rules.
 *
 * Workload admission cycles are keyed by the QuotaReserved transition time, which Kubernetes
 * states, so they do not depend on when (or how often) the collector saw them. A cycle ends at
 * the earliest stated end after its start: quota released (QuotaReserved=False), Finished, or
 * deleted. Without a stated end (the collector did not run when it happened) it ends at the
 * first bound the records give: a deletion found by a relist, the first snapshot that no longer
 * lists the workload, or the next admission (less the time Kueue says it spent pending).
 */
import { HOUR_MS } from '../layout.js';
import { RESOURCES } from '../resources.js';
import { FAR_FUTURE, FAR_PAST, millisBetween, sqlTimestamp, type Dialect } from './dialect.js';
import { clusterPredicate, hourPartitionPredicate, rawReadWindow } from './partitions.js';

export interface RawRelations {
  workload: string;
  pod: string;
  node: string;
  clusterqueue: string;
  heartdub: string;
}

export interface Range {
  /** Inclusive start, epoch ms (UTC). */
  start: number;
  /** Exclusive end, epoch ms (UTC). */
  end: number;
}

export interface IntervalOptions {
  relations: RawRelations;
  range: Range;
  /** Clusters to include; empty for all. */
  clusters: readonly string[];
  /** The first record time to read (`readFromSnapshot`); by default a day before the range. */
  readFrom?: number;
  /**
   * A relation of the rows task_daily holds for the day before the range, of the range's one
   * cluster (with a `cluster` column). A task's admissions, preemptions and first admission from
   * before the read window are known only from there; without it they are counted in the window.
   */
  previousTaskDaily?: string;
  /** CTEs already built as tables of the same name for this range and clusters (staging.ts). */
  staged?: ReadonlySet<string>;
  /**
   * 'duckdb' lets the generator use faster forms only DuckDB runs (same rows); otherwise, the
   * portable forms both engines run, as Athena gets them.
   */
  dialect?: Dialect;
}

/**
 * A CTE: its name and SELECT. `inline` (only ever set for DuckDB) has DuckDB evaluate it at each
 * reference (`NOT MATERIALIZED`) instead of materializing it once because several CTEs read it.
 */
export type Cte = readonly [name: string, sql: string, inline?: true];

/** A CTE that DuckDB inlines at each reference (see `Cte`); as is on Athena. */
function inlinedOnDuckDb(options: Pick<IntervalOptions, 'dialect'>, name: string, sql: string): Cte {
  return options.dialect === 'duckdb' ? [name, sql, true] : [name, sql];
}

/** `name AS (sql)`; on DuckDB `name AS NOT MATERIALIZED (sql)` for an inlined CTE. */
export function cteDefinition([name, sql, inline]: Cte): string {
  return `${name} AS ${inline ? 'NOT MATERIALIZED ' : ''}(\n${sql}\n)`;
}

const QUANTITIES = RESOURCES.map((r) => r.key);

/** `relation WHERE …`: the records of the range's read window, its hour partitions and clusters. */
export function rawScan(relation: string, options: IntervalOptions): string {
  const widest = rawReadWindow(options.range.start, options.range.end);
  const window = { start: options.readFrom ?? widest.start, end: widest.end };
  // Every raw table has a cluster partition (AWS's heartdub has a cluster column): one predicate fits both.
  return `${relation} WHERE ${hourPartitionPredicate(window.start, window.end)} AND ${clusterPredicate(options.clusters)}
   AND "timestamp" >= ${sqlTimestamp(window.start)} AND "timestamp" < ${sqlTimestamp(window.end)}`;
}

/**
 * cluster, uid, vanished_at: per row of `from` (one per cluster and uid, with `last_seen`), the
 * first snapshot after it, for rows that have one. On DuckDB an as-of join finds it directly
 * instead of pairing each row with every later snapshot and taking the least.
 */
function firstSnapshotAfter(from: string, alias: string, options: IntervalOptions): string {
  const a = alias;
  return options.dialect === 'duckdb'
    ? `SELECT ${a}.cluster, ${a}.uid, s.snapshot_at AS vanished_at
  FROM ${from} ASOF JOIN snapshots s ON s.cluster = ${a}.cluster AND s.snapshot_at > ${a}.last_seen`
    : `SELECT ${a}.cluster, ${a}.uid, min(s.snapshot_at) AS vanished_at
  FROM ${from}
  JOIN snapshots s ON s.cluster = ${a}.cluster AND s.snapshot_at > ${a}.last_seen
 GROUP BY ${a}.cluster, ${a}.uid`;
}

/**
 * `snapshot_ms`: the time (epoch ms) of the cluster's latest full snapshot at or before the range's
 * start and no more than a day before it, or NULL; for `readFromSnapshot`.
 */
export function lastSnapshotSql(heartdub: string, range: Range, cluster: string): string {
  const window = rawReadWindow(range.start, range.start);
  return `SELECT ${millisBetween(FAR_PAST, 'max("timestamp")')} AS snapshot_ms
  FROM ${heartdub} WHERE ${hourPartitionPredicate(window.start, range.start + HOUR_MS)} AND ${clusterPredicate([cluster])}
   AND snapshot = true AND "timestamp" >= ${sqlTimestamp(window.start)} AND "timestamp" <= ${sqlTimestamp(range.start)}`;
}

/** Latest heartbeat per cluster: how far the data reaches. Open intervals end there. */
export function horizonCtes(options: IntervalOptions): Cte[] {
  return [
    ['heartbeats', `SELECT cluster, "timestamp" AS ts, snapshot FROM ${rawScan(options.relations.heartdub, options)}`],
    ['horizon', `SELECT cluster, max(ts) AS horizon_at FROM heartbeats GROUP BY cluster`],
    ['snapshots', `SELECT DISTINCT cluster, ts AS snapshot_at FROM heartbeats WHERE snapshot = true`],
  ];
}

/**
 * CTEs ending in `workload_intervals`: cluster, uid, task_name, namespace, team, cluster_queue,
 * priority_class, flavor, instance_type, job_kind, job_name, created_at, start_at, end_at,
 * end_stated (true when Kubernetes stated the end time), end_reason (finished, failed,
 * preempted, evicted, deleted; 'gone' when only a snapshot showed it had ended; '' while held),
 * preempted, and the quantities held (gpu, cpu, memory_bytes, ...).
 */
export function workloadIntervalCtes(options: IntervalOptions): Cte[] {
  const q = QUANTITIES;
  return [
    // Three CTEs read the workload records. On DuckDB each reads its own columns from the files:
    // materialized once, they held every column of 2.9 M records (1.25 GB more at 2,000 nodes).
    // Reading the files three times is a little faster once they are compacted and slower in the
    // collector's small files (bench middle day: 4.8 -> 4.4 s compacted, 6.2 -> 7.9 s uncompacted).
    inlinedOnDuckDb(
      options,
      'wl_rows',
      `SELECT cluster, uid, workload_name, namespace, team, cluster_queue, task_priority_class, flavor, instance_type,
       job_kind, job_name, created_at, admitted, finished, quota_transition_at, finished_at, finished_reason, deleted_at, record_kind,
       observed_at, "timestamp" AS ts, past_admitted_seconds, requeue_count, resource_version, preemption_reason, status, ${q.join(', ')}
  FROM ${rawScan(options.relations.workload, options)} AND uid <> ''`,
    ),
    [
      // One admission per (workload, QuotaReserved transition, flavor). Attributes from the latest record.
      'wl_cycles',
      `SELECT cluster, uid, quota_transition_at AS start_at, flavor,
       max_by(workload_name, observed_at) AS task_name, max_by(namespace, observed_at) AS namespace,
       max_by(team, observed_at) AS team, max_by(cluster_queue, observed_at) AS cluster_queue,
       max_by(task_priority_class, observed_at) AS priority_class, max_by(instance_type, observed_at) AS instance_type,
       max_by(job_kind, observed_at) AS job_kind, max_by(job_name, observed_at) AS job_name,
       min(created_at) AS created_at,
       -- Kueue leaves both fields out while they are 0 (no eviction yet).
       coalesce(max(past_admitted_seconds), 0) AS past_seconds, coalesce(max(requeue_count), 0) AS requeues,
       ${q.map((r) => `max(${r}) AS ${r}`).join(', ')}
  FROM wl_rows
 WHERE admitted = true AND quota_transition_at IS NOT NULL
 GROUP BY cluster, uid, quota_transition_at, flavor`,
    ],
    [
      // Times at which a workload, per its records, no longer held quota, and why: a release
      // (one per QuotaReserved transition, which also says how long Kueue counts the workload as
      // admitted so far and how often it was requeued), a finish, a deletion, or a deletion only
      // a relist found (not stated). One pass over the records, each read as every kind of end
      // it can state: Athena reads a CTE again at every reference. Repeated ends of the other
      // kinds are kept once; only their earliest time matters.
      'wl_stated_ends',
      `SELECT cluster, uid, end_at, kind <> 'relist' AS stated,
       CASE WHEN kind = 'release' THEN CASE WHEN max(preemption_reason) <> '' THEN 'preempted' ELSE 'evicted' END ELSE reason END AS reason,
       CASE WHEN kind = 'release' THEN coalesce(max(past_admitted_seconds), 0) ELSE past_after END AS past_after,
       CASE WHEN kind = 'release' THEN coalesce(max(requeue_count), 0) ELSE requeues_after END AS requeues_after
  FROM (SELECT w.cluster, w.uid, k.kind, w.preemption_reason, w.past_admitted_seconds, w.requeue_count,
               CASE k.kind WHEN 'release' THEN w.quota_transition_at WHEN 'finish' THEN w.finished_at
                           WHEN 'delete' THEN w.deleted_at ELSE w.observed_at END AS end_at,
               CASE k.kind WHEN 'release' THEN NULL WHEN 'finish' THEN CASE WHEN w.finished_reason = 'Failed' THEN 'failed' ELSE 'finished' END
                           ELSE 'deleted' END AS reason,
               CASE WHEN k.kind IN ('finish', 'delete') THEN coalesce(w.past_admitted_seconds, 0) END AS past_after,
               CASE WHEN k.kind IN ('finish', 'delete') THEN coalesce(w.requeue_count, 0) END AS requeues_after
          FROM wl_rows w CROSS JOIN (VALUES ('release'), ('finish'), ('delete'), ('relist')) AS k(kind)
         WHERE CASE k.kind
                 WHEN 'release' THEN w.admitted = false AND w.finished = false AND w.deleted_at IS NULL AND w.record_kind <> 'delete'
                                     AND w.quota_transition_at IS NOT NULL
                 WHEN 'finish' THEN w.finished_at IS NOT NULL
                 WHEN 'delete' THEN w.deleted_at IS NOT NULL
                 ELSE w.record_kind = 'delete' AND w.deleted_at IS NULL END) e
 GROUP BY cluster, uid, kind, end_at, reason, past_after, requeues_after`,
    ],
    [
      // The first snapshot after a workload's last record no longer listed it: it was gone by then.
      'wl_vanished',
      firstSnapshotAfter('(SELECT cluster, uid, max(ts) AS last_seen FROM wl_rows GROUP BY cluster, uid) w', 'w', options),
    ],
    [
      'wl_next_cycle',
      `SELECT cluster, uid, start_at,
       lead(start_at) OVER (PARTITION BY cluster, uid ORDER BY start_at) AS next_start,
       past_seconds,
       lead(past_seconds) OVER (PARTITION BY cluster, uid ORDER BY start_at) AS next_past_seconds
  FROM (SELECT cluster, uid, start_at, max(past_seconds) AS past_seconds FROM wl_cycles GROUP BY cluster, uid, start_at) c`,
    ],
    [
      'wl_cycle_ends',
      `SELECT c.cluster, c.uid, c.start_at,
       min(CASE WHEN e.stated THEN e.end_at END) AS stated_end,
       min(CASE WHEN NOT e.stated THEN e.end_at END) AS relist_end,
       min_by(e.reason, CASE WHEN e.stated THEN e.end_at END) AS stated_reason,
       min_by(e.past_after, CASE WHEN e.stated THEN e.end_at END) AS stated_past_after,
       min_by(e.requeues_after, CASE WHEN e.stated THEN e.end_at END) AS stated_requeues_after
  FROM (SELECT DISTINCT cluster, uid, start_at FROM wl_cycles) c
  LEFT JOIN wl_stated_ends e ON e.cluster = c.cluster AND e.uid = c.uid AND e.end_at > c.start_at
 GROUP BY c.cluster, c.uid, c.start_at`,
    ],
    [
      // A stated end whose record shows admissions ending after this one began that this one
      // cannot account for: Kueue counted admitted time that does not fill the span up to the
      // end (beyond a second of rounding), or more requeues than the end itself explains (one
      // for a release, none for a finish or deletion). The collector was blind while the
      // workload was evicted and admitted again, and the end belongs to a later admission. Its
      // time then only bounds this interval, which ends when the admitted seconds Kueue counted
      // are used up.
      'wl_merged',
      `SELECT c.cluster, c.uid, c.start_at, c.flavor,
       CASE WHEN e.stated_end IS NOT NULL AND e.stated_past_after IS NOT NULL
                 AND ((e.stated_past_after > c.past_seconds
                       AND ${millisBetween('c.start_at', 'e.stated_end')} > (e.stated_past_after - c.past_seconds + 1) * 1000)
                      OR e.stated_requeues_after - c.requeues > CASE WHEN e.stated_reason IN ('preempted', 'evicted') THEN 1 ELSE 0 END)
            THEN least(c.start_at + CAST(greatest(e.stated_past_after - c.past_seconds, 0) AS BIGINT) * INTERVAL '1' SECOND, e.stated_end)
       END AS merged_end
  FROM wl_cycles c
  JOIN wl_cycle_ends e ON e.cluster = c.cluster AND e.uid = c.uid AND e.start_at = c.start_at`,
    ],
    [
      // The earliest end the records give, stated or bounded; FAR_FUTURE while still held.
      'wl_bounded',
      `SELECT c.*, CASE WHEN m.merged_end IS NULL THEN e.stated_end END AS stated_end, e.stated_reason, e.relist_end,
       m.merged_end,
       least(
         coalesce(m.merged_end, e.stated_end, ${FAR_FUTURE}),
         coalesce(e.relist_end, ${FAR_FUTURE}),
         coalesce(v.vanished_at, ${FAR_FUTURE}),
         coalesce(CASE WHEN n.next_past_seconds > n.past_seconds
                       THEN least(c.start_at + CAST(n.next_past_seconds - n.past_seconds AS BIGINT) * INTERVAL '1' SECOND, n.next_start)
                       ELSE n.next_start END, ${FAR_FUTURE})) AS bound_end
  FROM wl_cycles c
  JOIN wl_cycle_ends e ON e.cluster = c.cluster AND e.uid = c.uid AND e.start_at = c.start_at
  JOIN wl_next_cycle n ON n.cluster = c.cluster AND n.uid = c.uid AND n.start_at = c.start_at
  JOIN wl_merged m ON m.cluster = c.cluster AND m.uid = c.uid AND m.start_at = c.start_at AND m.flavor = c.flavor
  LEFT JOIN wl_vanished v ON v.cluster = c.cluster AND v.uid = c.uid AND v.vanished_at > c.start_at`,
    ],
    [
      'workload_intervals',
      `SELECT cluster, uid, task_name, namespace, team, cluster_queue, priority_class, flavor,
       instance_type, job_kind, job_name, created_at, start_at,
       CASE WHEN bound_end = ${FAR_FUTURE} THEN NULL ELSE bound_end END AS end_at,
       coalesce(bound_end = stated_end, false) AS end_stated,
       CASE WHEN bound_end = ${FAR_FUTURE} THEN '' WHEN bound_end = stated_end THEN stated_reason
            WHEN bound_end = merged_end THEN stated_reason
            WHEN bound_end = relist_end THEN 'deleted' ELSE 'gone' END AS end_reason,
       coalesce((bound_end = stated_end OR bound_end = merged_end) AND stated_reason = 'preempted', false) AS preempted,
       ${q.join(', ')}
  FROM wl_bounded`,
    ],
  ];
}

/**
 * CTEs ending in `pod_intervals` for pods outside Kueue: cluster, uid, task_name (the owner),
 * namespace, team, priority_class, instance_type, job_kind, job_name, created_at, start_at
 * (scheduled), end_at, end_stated and the quantities requested. A pod is scheduled once, so it
 * has one interval: from being bound to a node until it terminates or is deleted.
 */
export function podIntervalCtes(options: IntervalOptions): Cte[] {
  const q = QUANTITIES;
  return [
    [
      'pod_rows',
      `SELECT cluster, uid, pod, owner, namespace, team, priority_class, instance_type, job_type, status,
       created_at, scheduled_at, finished_at, deleted_at, record_kind, observed_at, "timestamp" AS ts, resource_version, ${q.join(', ')}
  FROM ${rawScan(options.relations.pod, options)} AND uid <> ''`,
    ],
    [
      'pod_spans',
      `SELECT cluster, uid, max_by(owner, observed_at) AS task_name, max_by(namespace, observed_at) AS namespace,
       max_by(team, observed_at) AS team, max_by(priority_class, observed_at) AS priority_class,
       max(CASE WHEN instance_type <> '' THEN instance_type END) AS instance_type,
       max_by(job_type, observed_at) AS job_kind, max_by(owner, observed_at) AS job_name,
       min(created_at) AS created_at, min(scheduled_at) AS start_at,
       min(least(coalesce(finished_at, ${FAR_FUTURE}), coalesce(deleted_at, ${FAR_FUTURE}),
                 CASE WHEN status IN ('Succeeded', 'Failed') AND finished_at IS NULL THEN ts ELSE ${FAR_FUTURE} END)) AS stated_end,
       CASE WHEN bool_or(status = 'Failed') THEN 'failed' WHEN bool_or(status = 'Succeeded') THEN 'finished' ELSE 'deleted' END AS stated_reason,
       min(CASE WHEN record_kind = 'delete' AND deleted_at IS NULL THEN observed_at END) AS relist_end,
       max(ts) AS last_seen,
       ${q.map((r) => `max(${r}) AS ${r}`).join(', ')}
  FROM pod_rows
 GROUP BY cluster, uid`,
    ],
    ['pod_vanished', firstSnapshotAfter('pod_spans p', 'p', options)],
    [
      'pod_bounded',
      `SELECT p.*, least(p.stated_end, coalesce(p.relist_end, ${FAR_FUTURE}), coalesce(v.vanished_at, ${FAR_FUTURE})) AS bound_end
  FROM pod_spans p
  LEFT JOIN pod_vanished v ON v.cluster = p.cluster AND v.uid = p.uid
 WHERE p.start_at IS NOT NULL`,
    ],
    [
      'pod_intervals',
      `SELECT cluster, uid, task_name, namespace, team, priority_class, coalesce(instance_type, '') AS instance_type,
       job_kind, job_name, created_at, start_at,
       CASE WHEN bound_end = ${FAR_FUTURE} THEN NULL ELSE bound_end END AS end_at,
       coalesce(bound_end = stated_end, false) AS end_stated,
       CASE WHEN bound_end = ${FAR_FUTURE} THEN '' WHEN bound_end = stated_end THEN stated_reason
            WHEN bound_end = relist_end THEN 'deleted' ELSE 'gone' END AS end_reason,
       ${q.join(', ')}
  FROM pod_bounded`,
    ],
  ];
}

/** `WITH a AS (...), b AS (...)` from CTE definitions. */
export function withClause(ctes: readonly Cte[]): string {
  return `WITH ${ctes.map(cteDefinition).join(',\n')}`;
}
