/**
 * The rollup queries: from raw records to the tables of rollup-schema.ts, for one range (a UTC
 * day when aggregating). Each query returns the table's columns in order, without the partition
 * columns (the writer puts them in the path). docs/attribution.md states the rules with examples.
 */
import { RESOURCES, type ResourceKey } from '../resources.js';
import { ROLLUP_TABLES, rollupStem, type RollupTableName } from '../rollup-schema.js';
import { FAR_FUTURE, FAR_PAST, hoursBetween, millisBetween, sqlTimestamp } from './dialect.js';
import { neuronCores, neuronCoresTable } from './neuron.js';
import { heldCtes, inRollupUnits } from './held.js';
import { rawScan, type Cte, type IntervalOptions } from './intervals.js';
import { withStaged } from './staging.js';

const STEMS = RESOURCES.map((r) => rollupStem(r.key));
/** A lending limit of -1 stands for "unlimited", so last-value filling can use NULL for "not set here". */
const UNLIMITED = -1;

/**
 * A sum of resource-hours, rounded to a billionth of an hour (3.6 µs): floating-point sums depend
 * on the order rows arrive in, and a re-run must give the same numbers.
 */
const sum = (expr: string): string => `round(coalesce(sum(${expr}), 0), 9)`;

function columnsOf(table: RollupTableName): string[] {
  return ROLLUP_TABLES[table].columns.map((c) => c.name);
}

/** The part of the range each cluster's data covers: from its start to the last heartbeat. */
function spanCtes(options: IntervalOptions): Cte[] {
  const start = sqlTimestamp(options.range.start);
  const end = sqlTimestamp(options.range.end);
  return [['span', `SELECT cluster, ${start} AS span_start, least(max(ts), ${end}) AS span_end FROM heartbeats GROUP BY cluster`]];
}

/**
 * Quota sweep per cohort (or lone ClusterQueue), flavor and resource. Every moment a quantity
 * changes (an admission starts or ends, a quota changes, an hour begins) starts a segment; in a
 * segment each ClusterQueue has a usage U and a nominal quota N. Own = min(U, N), borrowed =
 * U − own. The cohort's borrowing B = Σ borrowed is lent by the members with quota to spare, in
 * proportion to what each can lend: lendable = min(max(0, N − U), lending limit).
 *
 * U and N change only at a ClusterQueue's own moments, so levels are computed per ClusterQueue
 * over its own moments (`member_split`), not over every moment of its cohort. Lending needs the
 * cohort: its totals B and Σ lendable are running sums of what its members add and take away at
 * their moments (`pool_levels`), and a member's lent hours over one of its segments are its
 * lendable times the integral of the cohort's ratio min(1, B / Σ lendable) over that segment,
 * from running integrals that restart every hour (`pool_integrals`). With `lent` false only the
 * per-ClusterQueue segments are made (own and borrowed need nothing else). Either way the result
 * is `quota_segments`, one row per ClusterQueue, flavor and segment of the span.
 *
 * Athena evaluates a CTE again at every reference, so the chain from the raw tables is
 * referenced as few times as it can be: twice for team_hourly, once for summary_report.
 */
function quotaSweepCtes(options: IntervalOptions, { lent }: { lent: boolean }): Cte[] {
  const cqScan = `${rawScan(options.relations.clusterqueue, options)} AND cluster_queue <> ''`;
  const nominal = (key: ResourceKey) => inRollupUnits(key, `${key}_nominal`);
  const lendLimit = (key: ResourceKey) =>
    `CASE WHEN ${key}_lending_limit IS NULL THEN ${UNLIMITED} ELSE ${inRollupUnits(key, `${key}_lending_limit`)} END`;
  const member = 'cluster, cluster_queue, flavor';
  const sameMember = (a: string, b: string) => `${b}.cluster = ${a}.cluster AND ${b}.cluster_queue = ${a}.cluster_queue AND ${b}.flavor = ${a}.flavor`;
  const samePool = (a: string, b: string) => `${b}.cluster = ${a}.cluster AND ${b}.pool = ${a}.pool AND ${b}.flavor = ${a}.flavor`;
  const running = (partition: string, order = 't') => `OVER (PARTITION BY ${partition} ORDER BY ${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  const start = sqlTimestamp(options.range.start);
  const ctes: Cte[] = [
    [
      'cq_rows',
      `SELECT cluster, cluster_queue, flavor, "timestamp" AS ts, team, namespace, cohort, instance_type,
       ${RESOURCES.map((r) => `${nominal(r.key)} AS n_${rollupStem(r.key)}, ${lendLimit(r.key)} AS ll_${rollupStem(r.key)}`).join(',\n       ')}
  FROM ${cqScan}`,
    ],
    [
      // ClusterQueues and flavors in play: from their records, and from workloads they admitted.
      'members',
      `SELECT m.cluster, m.cluster_queue, m.flavor,
       max_by(m.cohort, m.ts) AS cohort, max_by(m.team, m.ts) AS team, max_by(m.namespace, m.ts) AS namespace,
       max_by(m.instance_type, m.ts) AS instance_type
  FROM (SELECT cluster, cluster_queue, flavor, cohort, team, namespace, instance_type, ts FROM cq_rows
        UNION ALL
        SELECT DISTINCT cluster, cluster_queue, flavor, '', team, namespace, instance_type, ${FAR_PAST}
          FROM held WHERE kind = 'workload') m
 GROUP BY m.cluster, m.cluster_queue, m.flavor`,
    ],
    ['pools', `SELECT *, CASE WHEN cohort = '' THEN 'queue:' || cluster_queue ELSE 'cohort:' || cohort END AS pool FROM members`],
    [
      // Usage a ClusterQueue gains at admissions and loses at their ends. Each CTE reference is
      // evaluated again on Athena, so every input is read once (the ±1 join), here and below.
      // Only intervals held in the range: one that ended before it (or starts after it) would add
      // and take away the same usage outside the span, cutting moments no segment of the span has.
      'cq_deltas',
      `SELECT ${member}, t, ${STEMS.map((s) => `sum(d_${s}) AS d_${s}`).join(', ')}
  FROM (SELECT h.cluster, h.cluster_queue, h.flavor, CASE WHEN e.side = 1 THEN h.held_start ELSE h.held_end END AS t,
               ${STEMS.map((s) => `e.side * h.${s} AS d_${s}`).join(', ')}
          FROM held h CROSS JOIN (VALUES (1), (-1)) AS e(side)
         WHERE h.kind = 'workload' AND h.held_end > h.held_start) d
 GROUP BY ${member}, t`,
    ],
    [
      // Quota in force from each record's time; the last record before the range applies from its start.
      'cq_records',
      options.dialect === 'duckdb'
        ? // The whole setting by one arg_max instead of one max_by per column (no column is NULL,
          // so the values are the same): 1.17 -> 0.73 s over 0.64 M groups on the bench's middle day.
          `SELECT ${member}, t, unnest(setting)
  FROM (SELECT ${member}, greatest(ts, ${start}) AS t,
               arg_max({${STEMS.map((s) => `n_${s}: n_${s}, ll_${s}: ll_${s}`).join(', ')}}, ts) AS setting
          FROM cq_rows GROUP BY ${member}, greatest(ts, ${start})) r`
        : `SELECT ${member}, greatest(ts, ${start}) AS t,
       ${STEMS.map((s) => `max_by(n_${s}, ts) AS n_${s}, max_by(ll_${s}, ts) AS ll_${s}`).join(', ')}
  FROM cq_rows GROUP BY ${member}, greatest(ts, ${start})`,
    ],
    [
      // Only the records that change the quota: a ClusterQueue is recorded on every change of its
      // usage too, and a moment that changes nothing need not cut a segment.
      'cq_settings',
      `SELECT ${member}, t, ${STEMS.map((s) => `n_${s}, ll_${s}`).join(', ')}
  FROM (SELECT r.*,
               ${STEMS.map((s) => `lag(n_${s}) OVER (PARTITION BY ${member} ORDER BY t) IS DISTINCT FROM n_${s} OR lag(ll_${s}) OVER (PARTITION BY ${member} ORDER BY t) IS DISTINCT FROM ll_${s}`).join('\n               OR ')} AS changes
          FROM cq_records r) c
 WHERE changes`,
    ],
    ['first_settings', `SELECT ${member}, min(t) AS t FROM cq_settings GROUP BY ${member}`],
    [
      // Every hour of the span and its ends: segments are cut there for all ClusterQueues.
      'span_times',
      `SELECT s.cluster, u.t FROM span s CROSS JOIN UNNEST(sequence(date_trunc('hour', s.span_start), s.span_end, INTERVAL '1' HOUR)) AS u(t)
UNION
SELECT cluster, span_start FROM span
UNION
SELECT cluster, span_end FROM span`,
    ],
    [
      // A ClusterQueue's moments: its own changes (usage, quota), every hour, the ends of the span.
      'member_points',
      `SELECT ${member}, t, ${STEMS.map((s) => `sum(d_${s}) AS d_${s}`).join(', ')}, max(setting_t) AS setting_t
  FROM (SELECT ${member}, t, ${STEMS.map((s) => `d_${s}`).join(', ')}, CAST(NULL AS TIMESTAMP) AS setting_t FROM cq_deltas
        UNION ALL
        SELECT ${member}, t, ${STEMS.map(() => '0').join(', ')}, t FROM cq_settings
        UNION ALL
        SELECT p.cluster, p.cluster_queue, p.flavor, st.t, ${STEMS.map(() => '0').join(', ')}, CAST(NULL AS TIMESTAMP)
          FROM pools p JOIN span_times st ON st.cluster = p.cluster) x
 GROUP BY ${member}, t`,
    ],
    [
      'member_levels',
      `SELECT p.cluster, p.pool, p.cluster_queue, p.flavor, p.team, p.namespace, p.cohort, p.instance_type, mp.t,
       ${STEMS.map((s) => `sum(mp.d_${s}) ${running('p.cluster, p.cluster_queue, p.flavor', 'mp.t')} AS u_${s}`).join(',\n       ')},
       max(mp.setting_t) ${running('p.cluster, p.cluster_queue, p.flavor', 'mp.t')} AS setting_at,
       lead(mp.t) OVER (PARTITION BY p.cluster, p.cluster_queue, p.flavor ORDER BY mp.t) AS t_next
  FROM pools p
  JOIN member_points mp ON ${sameMember('p', 'mp')}`,
    ],
    [
      // The quota setting in force: the latest one so far; before the first one, the first one.
      'member_filled',
      `SELECT l.cluster, l.pool, l.cluster_queue, l.flavor, l.team, l.namespace, l.cohort, l.instance_type, l.t, l.t_next,
       ${STEMS.map((s) => `greatest(l.u_${s}, 0) AS u_${s}, coalesce(st.n_${s}, 0) AS n_${s}, coalesce(st.ll_${s}, ${UNLIMITED}) AS ll_${s}`).join(',\n       ')}
  FROM member_levels l
  LEFT JOIN first_settings f ON ${sameMember('l', 'f')}
  LEFT JOIN cq_settings st ON ${sameMember('l', 'st')} AND st.t = coalesce(l.setting_at, f.t)`,
    ],
    [
      'member_split',
      `SELECT f.*,
       ${STEMS.map(
         (s) =>
           `least(u_${s}, n_${s}) AS own_${s}, greatest(u_${s} - n_${s}, 0) AS borrowed_${s},
       CASE WHEN ll_${s} < 0 THEN greatest(n_${s} - u_${s}, 0) ELSE least(greatest(n_${s} - u_${s}, 0), ll_${s}) END AS lendable_${s}`,
       ).join(',\n       ')}
  FROM member_filled f`,
    ],
  ];
  const inSpan = (m: string) => `${m}.t_next IS NOT NULL AND ${m}.t >= s.span_start AND ${m}.t_next <= s.span_end AND ${m}.t_next > ${m}.t`;
  if (!lent) {
    return [
      ...ctes,
      [
        'quota_segments',
        `SELECT m.*, date_trunc('hour', m.t) AS hour, ${hoursBetween('m.t', 'm.t_next')} AS hours
  FROM member_split m
  JOIN span s ON s.cluster = m.cluster
 WHERE ${inSpan('m')}`,
      ],
    ];
  }
  return [
    ...ctes,
    [
      // What each member adds to its cohort's borrowing and lendable quota at the start of each of
      // its segments, and takes away at the end.
      'pool_changes',
      `SELECT cluster, pool, flavor, t, ${STEMS.map((s) => `sum(b_${s}) AS db_${s}, sum(l_${s}) AS dl_${s}`).join(', ')}
  FROM (SELECT m.cluster, m.pool, m.flavor, CASE WHEN e.side = 1 THEN m.t ELSE m.t_next END AS t,
               ${STEMS.map((s) => `e.side * m.borrowed_${s} AS b_${s}, e.side * m.lendable_${s} AS l_${s}`).join(', ')}
          FROM member_split m CROSS JOIN (VALUES (1), (-1)) AS e(side)
         WHERE e.side = 1 OR m.t_next IS NOT NULL) c
 GROUP BY cluster, pool, flavor, t`,
    ],
    [
      'pool_levels',
      `SELECT cluster, pool, flavor, t, lead(t) OVER (PARTITION BY cluster, pool, flavor ORDER BY t) AS t_next,
       ${STEMS.map((s) => `sum(db_${s}) ${running('cluster, pool, flavor')} AS pool_borrowed_${s}, sum(dl_${s}) ${running('cluster, pool, flavor')} AS pool_lendable_${s}`).join(',\n       ')}
  FROM pool_changes`,
    ],
    [
      // Per cohort segment in the span: the share of lendable quota lent, times its hours.
      'pool_ratios',
      `SELECT p.cluster, p.pool, p.flavor, p.t, p.t_next, date_trunc('hour', p.t) AS hour,
       ${STEMS.map(
         (s) =>
           `CASE WHEN p.pool_lendable_${s} > 0 THEN least(1.0, greatest(p.pool_borrowed_${s}, 0) / p.pool_lendable_${s}) ELSE 0 END * ${hoursBetween('p.t', 'p.t_next')} AS r_${s}`,
       ).join(',\n       ')}
  FROM pool_levels p
  JOIN span s ON s.cluster = p.cluster
 WHERE ${inSpan('p')}`,
    ],
    [
      // Running integral of that share within each hour, up to the end of each cohort segment.
      'pool_integrals',
      `SELECT cluster, pool, flavor, hour, t_next, ${STEMS.map((s) => `sum(r_${s}) ${running('cluster, pool, flavor, hour')} AS through_${s}`).join(', ')}
  FROM pool_ratios`,
    ],
    [
      // At each of a member's moments, the running integral up to it: as the end of the segment
      // before (whatever its hour) and as the start of the next (0 when an hour begins).
      'member_integrals',
      `SELECT m.*,
       ${STEMS.map(
         (s) =>
           `coalesce(i.through_${s}, 0) AS upto_${s}, CASE WHEN i.hour = date_trunc('hour', m.t) THEN i.through_${s} ELSE 0 END AS from_${s}`,
       ).join(',\n       ')}
  FROM member_split m
  LEFT JOIN pool_integrals i ON ${samePool('m', 'i')} AND i.t_next = m.t`,
    ],
    [
      // A member's lent hours over a segment: its lendable times the integral of the share over it.
      'member_lent',
      `SELECT m.*,
       ${STEMS.map((s) => `m.lendable_${s} * (lead(m.upto_${s}) OVER (PARTITION BY m.cluster, m.cluster_queue, m.flavor ORDER BY m.t) - m.from_${s}) AS lent_hours_${s}`).join(',\n       ')}
  FROM member_integrals m`,
    ],
    [
      'quota_segments',
      `SELECT m.*, date_trunc('hour', m.t) AS hour, ${hoursBetween('m.t', 'm.t_next')} AS hours
  FROM member_lent m
  JOIN span s ON s.cluster = m.cluster
 WHERE ${inSpan('m')}`,
    ],
  ];
}

function rollupCtes(options: IntervalOptions): Cte[] {
  return [...heldCtes(options), ...spanCtes(options)];
}

/**
 * CTEs ending in `task_status`: each task's latest record before the end of the range (one row
 * per task), whether it was seen in the range, and when it was first gone.
 * task_daily reads it three times, so Athena stages it (athena-staging.ts) rather than scanning
 * the raw records three times.
 */
function taskStatusCtes(options: IntervalOptions): Cte[] {
  const start = sqlTimestamp(options.range.start);
  const end = sqlTimestamp(options.range.end);
  return [
    [
      // Each task's last record before the end of the day; the last observed wins a tie of times.
      'task_last',
      `SELECT * FROM (
  SELECT cluster, uid AS task_uid, 'workload' AS kind,
         CASE WHEN deleted_at IS NOT NULL OR record_kind = 'delete' THEN 'deleted'
              WHEN finished THEN CASE WHEN finished_reason = 'Failed' THEN 'failed' ELSE 'finished' END
              WHEN admitted THEN 'running'
              WHEN status = 'Evicted-True' AND preemption_reason <> '' THEN 'preempted'
              ELSE 'pending' END AS status,
         workload_name AS task_name, namespace, team, cluster_queue, task_priority_class AS priority_class, job_kind, job_name,
         created_at, ts, observed_at, resource_version, admitted AS holds,
         coalesce(deleted_at, CASE WHEN record_kind = 'delete' THEN observed_at END) AS gone_at
    FROM wl_rows WHERE ts < ${end}
  UNION ALL
  SELECT cluster, uid, 'pod',
         CASE WHEN deleted_at IS NOT NULL OR record_kind = 'delete' THEN 'deleted' WHEN status = 'Succeeded' THEN 'finished'
              WHEN status = 'Failed' THEN 'failed' WHEN status = 'Running' THEN 'running' ELSE 'pending' END,
         owner, namespace, team, '', priority_class, job_type, owner, created_at, ts, observed_at, resource_version, status = 'Running',
         coalesce(deleted_at, CASE WHEN record_kind = 'delete' THEN observed_at END)
    FROM pod_rows WHERE ts < ${end}) r`,
    ],
    [
      'task_status',
      // Ties of times are broken by resourceVersion (numeric text: longer is later), then a
      // release after an admission, so two records of one moment always give the same status.
      options.dialect === 'duckdb'
        ? // The same latest record per task by one grouping instead of two window passes over every
          // record; NULL times coalesced to the earliest, as the DESC order puts NULLs last. Only
          // for the tasks task_daily can keep, a superset of its final filter: seen in the range,
          // or with hours in it (held_hourly, which its task_hours sums).
          `SELECT unnest(r), seen_today, first_gone_at
  FROM (SELECT t.cluster AS c, t.task_uid AS u,
               arg_max(t, (coalesce(observed_at, ${FAR_PAST}), coalesce(ts, ${FAR_PAST}), length(coalesce(resource_version, '')),
                           coalesce(resource_version, ''), CASE WHEN holds THEN 0 ELSE 1 END)) AS r,
               max(CASE WHEN ts >= ${start} THEN 1 ELSE 0 END) = 1 AS seen_today, min(gone_at) AS first_gone_at
          FROM task_last t SEMI JOIN (
               SELECT cluster, uid AS task_uid FROM wl_rows WHERE ts >= ${start} AND ts < ${end}
               UNION SELECT cluster, uid FROM pod_rows WHERE ts >= ${start} AND ts < ${end}
               UNION SELECT cluster, task_uid FROM held_hourly) k
            ON k.cluster = t.cluster AND k.task_uid = t.task_uid
         GROUP BY t.cluster, t.task_uid) x`
        : `SELECT * FROM (
SELECT *, max(CASE WHEN ts >= ${start} THEN 1 ELSE 0 END) OVER (PARTITION BY cluster, task_uid) = 1 AS seen_today,
       min(gone_at) OVER (PARTITION BY cluster, task_uid) AS first_gone_at
  FROM (SELECT t.*, row_number() OVER (PARTITION BY cluster, task_uid
                                       ORDER BY observed_at DESC, ts DESC, length(coalesce(resource_version, '')) DESC,
                                                coalesce(resource_version, '') DESC, CASE WHEN holds THEN 1 ELSE 0 END ASC) AS latest
          FROM task_last t) x) y
 WHERE latest = 1`,
    ],
  ];
}

/** team_hourly: quota view per hour, ClusterQueue and flavor. */
export function teamHourlySql(options: IntervalOptions): string {
  const measures = STEMS.flatMap((s) => [
    [`${s}_hours`, sum(`u_${s} * hours`)],
    [`${s}_own_hours`, sum(`own_${s} * hours`)],
    [`${s}_borrowed_hours`, sum(`borrowed_${s} * hours`)],
    [`${s}_lent_hours`, sum(`lent_hours_${s}`)],
    [`${s}_nominal_hours`, sum(`n_${s} * hours`)],
    // Lent never exceeds N − own at any moment, so unused is N − own − lent over the segment.
    [`${s}_unused_hours`, sum(`greatest((n_${s} - own_${s}) * hours - lent_hours_${s}, 0)`)],
  ]);
  const select = new Map<string, string>([
    ['hour', 'hour'],
    ['team', 'max(team)'],
    ['namespace', 'max(namespace)'],
    ['cluster_queue', 'cluster_queue'],
    ['cohort', 'max(cohort)'],
    ['flavor', 'flavor'],
    ['instance_type', 'max(instance_type)'],
    ...(measures as Array<[string, string]>),
  ]);
  return withStaged([...rollupCtes(options), ...quotaSweepCtes(options, { lent: true })], `
SELECT ${columnsOf('team_hourly').map((c) => `${select.get(c) ?? 'NULL'} AS ${c}`).join(',\n       ')}
  FROM quota_segments
 GROUP BY cluster, hour, cluster_queue, flavor
 ORDER BY hour, cluster_queue, flavor`, options.staged);
}

const TASK_KEYS = ['task_uid', 'task_name', 'kind', 'namespace', 'team', 'cluster_queue', 'priority_class', 'instance_type', 'job_kind', 'job_name'];

/** task_hourly: resource-hours per hour, task and instance type. */
export function taskHourlySql(options: IntervalOptions): string {
  const select = new Map<string, string>([
    ['hour', 'hour'],
    ...TASK_KEYS.map((k) => [k, k] as [string, string]),
    ...STEMS.map((s) => [`${s}_hours`, sum(`${s} * hours`)] as [string, string]),
  ]);
  return withStaged(rollupCtes(options), `
SELECT ${columnsOf('task_hourly').map((c) => `${select.get(c) ?? 'NULL'} AS ${c}`).join(',\n       ')}
  FROM held_hourly
 GROUP BY cluster, hour, ${TASK_KEYS.join(', ')}
 ORDER BY hour, task_name, task_uid`, options.staged);
}

/**
 * capacity_hourly: allocatable capacity of Ready, schedulable, healthy nodes per hour and
 * instance type, what tasks held of it, and the rest (idle, never below zero).
 */
export function capacityHourlySql(options: IntervalOptions): string {
  const nodeScan = `${rawScan(options.relations.node, options)} AND uid <> ''`;
  const allocatable = RESOURCES.map((r) => `max_by(${inRollupUnits(r.key, `${r.key}_allocatable`)}, observed_at) AS ${rollupStem(r.key)}`).join(', ');
  const ctes: Cte[] = [
    ...rollupCtes(options),
    [
      // One state per node and time, even when two writers recorded it.
      'node_rows',
      `SELECT cluster, uid, max_by(instance_type, observed_at) AS instance_type, "timestamp" AS ts,
       max_by(ready AND NOT unschedulable AND health_status IN ('', 'Schedulable') AND deleted_at IS NULL AND record_kind <> 'delete', observed_at) AS schedulable,
       ${allocatable}
  FROM ${nodeScan}
 GROUP BY cluster, uid, "timestamp"`,
    ],
    [
      // A node's state holds from one record to the next; the last one until it vanishes from a snapshot.
      'node_states',
      `SELECT n.*, lead(ts) OVER (PARTITION BY cluster, uid ORDER BY ts) AS next_ts,
       max(ts) OVER (PARTITION BY cluster, uid) AS last_seen
  FROM node_rows n`,
    ],
    [
      'node_spans',
      `SELECT s.cluster, s.uid, s.instance_type, ${STEMS.join(', ')},
       greatest(s.ts, sp.span_start) AS span_from,
       least(coalesce(s.next_ts, v.vanished_at, ${FAR_FUTURE}), sp.span_end) AS span_to
  FROM node_states s
  JOIN span sp ON sp.cluster = s.cluster
  LEFT JOIN (SELECT s2.cluster, s2.uid, min(h.snapshot_at) AS vanished_at
               FROM (SELECT DISTINCT cluster, uid, last_seen FROM node_states) s2
               JOIN snapshots h ON h.cluster = s2.cluster AND h.snapshot_at > s2.last_seen
              GROUP BY s2.cluster, s2.uid) v ON v.cluster = s.cluster AND v.uid = s.uid
 WHERE s.schedulable`,
    ],
    [
      'capacity',
      `SELECT cluster, instance_type, hour, ${sum(hoursBetween('greatest(span_from, hour)', "least(span_to, hour + INTERVAL '1' HOUR)"))} AS node_hours,
       ${STEMS.map((s) => `${sum(`${s} * ${hoursBetween('greatest(span_from, hour)', "least(span_to, hour + INTERVAL '1' HOUR)")}`)} AS ${s}_capacity`).join(',\n       ')}
  FROM node_spans
 CROSS JOIN UNNEST(sequence(date_trunc('hour', span_from), date_trunc('hour', span_to), INTERVAL '1' HOUR)) AS u(hour)
 WHERE span_to > span_from AND least(span_to, hour + INTERVAL '1' HOUR) > greatest(span_from, hour)
 GROUP BY cluster, instance_type, hour`,
    ],
    [
      'used',
      `SELECT cluster, instance_type, hour, ${STEMS.map((s) => `${sum(`${s} * hours`)} AS ${s}_used`).join(', ')}
  FROM held_hourly GROUP BY cluster, instance_type, hour`,
    ],
  ];
  const select = new Map<string, string>([
    ['hour', 'coalesce(c.hour, u.hour)'],
    ['instance_type', 'coalesce(c.instance_type, u.instance_type)'],
    ['node_hours', 'coalesce(c.node_hours, 0)'],
    ...STEMS.flatMap((s) => [
      [`${s}_capacity_hours`, `coalesce(c.${s}_capacity, 0)`],
      [`${s}_used_hours`, `coalesce(u.${s}_used, 0)`],
      [`${s}_idle_hours`, `round(greatest(coalesce(c.${s}_capacity, 0) - coalesce(u.${s}_used, 0), 0), 9)`],
    ] as Array<[string, string]>),
  ]);
  return withStaged(ctes, `
SELECT ${columnsOf('capacity_hourly').map((c) => `${select.get(c) ?? 'NULL'} AS ${c}`).join(',\n       ')}
  FROM capacity c
  FULL OUTER JOIN used u ON u.cluster = c.cluster AND u.instance_type = c.instance_type AND u.hour = c.hour
 ORDER BY 1, 2`, options.staged);
}

/**
 * summary_report (AWS's columns): hours per day, namespace, team and instance type; allocated =
 * within the team's nominal quota, borrowed = above it. Pods outside Kueue use no quota: their
 * hours are all allocated (total − borrowed, borrowed 0), under the team of their namespace.
 */
export function summaryReportSql(options: IntervalOptions): string {
  const ctes: Cte[] = [
    ...rollupCtes(options),
    ...quotaSweepCtes(options, { lent: false }),
    ['neuron_cores', `SELECT * FROM ${neuronCoresTable()} n`],
    [
      'summary_parts',
      `SELECT CAST(date_trunc('day', q.hour) AS DATE) AS report_date, q.namespace, q.team, q.instance_type,
       ${neuronCores('q.u_neuron_core', 'q.u_neuron_device')} * q.hours AS neuron_total,
       ${neuronCores('q.own_neuron_core', 'q.own_neuron_device')} * q.hours AS neuron_own,
       ${neuronCores('q.borrowed_neuron_core', 'q.borrowed_neuron_device')} * q.hours AS neuron_borrowed,
       q.u_gpu * q.hours AS gpu_total, q.own_gpu * q.hours AS gpu_own, q.borrowed_gpu * q.hours AS gpu_borrowed,
       q.u_cpu * q.hours AS cpu_total, q.own_cpu * q.hours AS cpu_own, q.borrowed_cpu * q.hours AS cpu_borrowed
  FROM quota_segments q LEFT JOIN neuron_cores nc ON nc.instance_type = q.instance_type
UNION ALL
SELECT CAST(date_trunc('day', h.hour) AS DATE), h.namespace, h.team, h.instance_type,
       ${neuronCores('h.neuron_core', 'h.neuron_device')} * h.hours, ${neuronCores('h.neuron_core', 'h.neuron_device')} * h.hours, 0,
       h.gpu * h.hours, h.gpu * h.hours, 0, h.cpu * h.hours, h.cpu * h.hours, 0
  FROM held_hourly h LEFT JOIN neuron_cores nc ON nc.instance_type = h.instance_type
 WHERE h.kind = 'pod'`,
    ],
  ];
  return withStaged(ctes, `
SELECT report_date, namespace, team, instance_type,
       ${sum('neuron_total')} AS total_neuron_core_utilization_hours, ${sum('neuron_own')} AS allocated_neuron_core_utilization_hours,
       ${sum('neuron_borrowed')} AS borrowed_neuron_core_utilization_hours,
       ${sum('gpu_total')} AS total_gpu_utilization_hours, ${sum('gpu_own')} AS allocated_gpu_utilization_hours,
       ${sum('gpu_borrowed')} AS borrowed_gpu_utilization_hours,
       ${sum('cpu_total')} AS total_vcpu_utilization_hours, ${sum('cpu_own')} AS allocated_vcpu_utilization_hours,
       ${sum('cpu_borrowed')} AS borrowed_vcpu_utilization_hours
  FROM summary_parts
 GROUP BY report_date, namespace, team, instance_type
HAVING ${sum('gpu_total + cpu_total + neuron_total')} > 0
 ORDER BY report_date, namespace, team, instance_type`, options.staged);
}

/** How an interval's end reads in AWS's detailed report. */
const REPORT_STATUS = `CASE h.end_reason WHEN 'finished' THEN CASE WHEN h.kind = 'pod' THEN 'Succeeded' ELSE 'Finished' END
                WHEN 'failed' THEN 'Failed' WHEN 'preempted' THEN 'Preempted' WHEN 'evicted' THEN 'Evicted'
                WHEN 'deleted' THEN 'Deleted' WHEN 'gone' THEN 'Ended' ELSE 'Running' END`;

/**
 * detailed_report (AWS's columns): one row per continuous interval a task held capacity, cut at
 * midnight; an interval that runs on ends at the next midnight with status Running.
 */
export function detailedReportSql(options: IntervalOptions): string {
  const dayEnd = "date_trunc('day', d.day_start) + INTERVAL '1' DAY";
  const ctes: Cte[] = [
    ...rollupCtes(options),
    ['neuron_cores', `SELECT * FROM ${neuronCoresTable()} n`],
    [
      'held_daily',
      options.dialect === 'duckdb'
        ? // unnest in the select list: DuckDB joins a lateral UNNEST back to its input by value.
          `SELECT d.*,
       greatest(d.held_start, d.day_start) AS period_start, least(d.held_end, ${dayEnd}) AS period_end,
       d.held_end > ${dayEnd} OR (d.end_at IS NULL AND d.held_end >= ${dayEnd}) AS runs_on
  FROM (SELECT *, unnest(generate_series(date_trunc('day', held_start), date_trunc('day', held_end), INTERVAL '1' DAY)) AS day_start
          FROM held WHERE held_end > held_start) d
 WHERE least(d.held_end, ${dayEnd}) > greatest(d.held_start, d.day_start)`
        : `SELECT h.*, d.day_start,
       greatest(h.held_start, d.day_start) AS period_start, least(h.held_end, ${dayEnd}) AS period_end,
       h.held_end > ${dayEnd} OR (h.end_at IS NULL AND h.held_end >= ${dayEnd}) AS runs_on
  FROM held h
 CROSS JOIN UNNEST(sequence(date_trunc('day', h.held_start), date_trunc('day', h.held_end), INTERVAL '1' DAY)) AS d(day_start)
 WHERE h.held_end > h.held_start AND least(h.held_end, ${dayEnd}) > greatest(h.held_start, d.day_start)`,
    ],
  ];
  const hours = hoursBetween('h.period_start', 'h.period_end');
  return withStaged(ctes, `
SELECT CAST(h.day_start AS DATE) AS report_date, h.period_start, h.period_end, h.namespace, h.team, h.task_name,
       h.instance_type AS instance, 1 AS instance_count,
       CASE WHEN h.runs_on OR h.end_at IS NULL OR h.end_at > h.period_end THEN 'Running' ELSE ${REPORT_STATUS} END AS status,
       ${neuronCores('h.neuron_core', 'h.neuron_device')} * ${hours} AS utilized_neuron_core_hours,
       CAST(${neuronCores('h.neuron_core', 'h.neuron_device')} AS DOUBLE) AS utilized_neuron_core_count,
       h.gpu * ${hours} AS utilized_gpu_hours, CAST(h.gpu AS DOUBLE) AS utilized_gpu_count,
       h.cpu * ${hours} AS utilized_vcpu_hours, CAST(h.cpu AS DOUBLE) AS utilized_vcpu_count,
       h.priority_class
  FROM held_daily h LEFT JOIN neuron_cores nc ON nc.instance_type = h.instance_type
 ORDER BY report_date, period_start, namespace, team, task_name`, options.staged);
}

/** The columns of task_lives that task_daily's select reads, passed on by task_history. */
const LIVES_KEPT = ['task_name', 'namespace', 'team', 'cluster_queue', 'priority_class', 'instance_type', 'job_kind', 'job_name', 'created_at', 'last_start_at', 'last_end_at', 'last_end_reason'];

/**
 * CTEs ending in `task_history`: per task of task_status, its lifetime so far (first admission,
 * admissions, preemptions, end). The read window reaches one day back, so a task running for
 * longer has admissions it no longer shows; the day before's task_daily row has them, and the
 * window's intervals add what began (or was preempted) in the range. Without that row (the first
 * day aggregated, or no row for the task) the window's intervals are all there is. It also carries
 * the task's lives, so that task_daily reads task_lives once per reference of task_history (Athena
 * evaluates a CTE again at every reference).
 */
function taskHistoryCtes(options: IntervalOptions): Cte[] {
  const before = options.previousTaskDaily;
  const firstAdmitted = before
    ? `CASE WHEN p.first_admitted_at IS NULL THEN l.first_admitted_at WHEN l.first_admitted_at IS NULL THEN p.first_admitted_at
            ELSE least(p.first_admitted_at, l.first_admitted_at) END`
    : 'l.first_admitted_at';
  // A task with no interval in the window ended before it, when the day before said so.
  const ended = before ? 'CASE WHEN l.task_uid IS NULL THEN p.ended_at ELSE l.ended_at END' : 'l.ended_at';
  const sinceBefore = (count: string) => `coalesce(${before ? `p.${count}, ` : ''}l.${count}_before, 0) + coalesce(l.${count}_in_range, 0)`;
  // A task waiting since an admission older than the window keeps the flavor and ClusterQueue of
  // the day before's row (a pending workload's records name neither).
  const fromBefore = new Set(['instance_type', 'cluster_queue']);
  const kept = LIVES_KEPT.map((c) => (before && fromBefore.has(c) ? `coalesce(l.${c}, nullif(p.${c}, '')) AS ${c}` : `l.${c}`));
  return [
    ...(before
      ? ([['task_before', `SELECT cluster, task_uid, first_admitted_at, ended_at, status, instance_type, cluster_queue, admissions, preemptions FROM ${before}`]] satisfies Cte[])
      : []),
    [
      'task_history',
      `SELECT s.cluster, s.task_uid, ${firstAdmitted} AS first_admitted_at, ${ended} AS ended_at,
       ${sinceBefore('admissions')} AS admissions, ${sinceBefore('preemptions')} AS preemptions,
       ${kept.join(', ')}
  FROM task_status s
  LEFT JOIN task_lives l ON l.cluster = s.cluster AND l.task_uid = s.task_uid${
    before ? '\n  LEFT JOIN task_before p ON p.cluster = s.cluster AND p.task_uid = s.task_uid' : ''
  }`,
    ],
  ];
}

/**
 * task_daily: per task and day, its lifecycle as far as the records tell, its status at the end of
 * the day, and the resource-hours it held that day. Pending tasks with records that day appear too.
 */
export function taskDailySql(options: IntervalOptions): string {
  const start = sqlTimestamp(options.range.start);
  const end = sqlTimestamp(options.range.end);
  const livesOf = options.dialect === 'duckdb' ? 'kept_intervals' : 'intervals';
  // Seconds of a wait inside the day and before the end of the data.
  const waitSeconds = `CAST(${millisBetween(`greatest(w.wait_from, ${start})`, `least(w.wait_to, ${end}, coalesce(h.horizon_at, ${FAR_FUTURE}))`)} AS DOUBLE) / 1000.0`;
  const ctes: Cte[] = [
    ...rollupCtes(options),
    ...taskStatusCtes(options),
    [
      'task_hours',
      `SELECT cluster, task_uid, ${STEMS.map((s) => `${sum(`${s} * hours`)} AS ${s}_hours`).join(', ')}
  FROM held_hourly GROUP BY cluster, task_uid`,
    ],
    // task_daily's rows are task_status's tasks: on DuckDB, where task_status holds only the tasks
    // seen or holding in the range, the lives of the others (half of the window's tasks on the
    // bench's middle day, only seen the day before) are not grouped. Athena bills the bytes it
    // reads, not the grouping, and would read the staged tables again for it.
    ...(options.dialect === 'duckdb'
      ? ([['kept_intervals', `SELECT i.* FROM intervals i SEMI JOIN task_status s ON s.cluster = i.cluster AND s.task_uid = i.task_uid`]] satisfies Cte[])
      : []),
    [
      'task_lives',
      `SELECT cluster, task_uid, max(task_name) AS task_name, max(kind) AS kind, max(namespace) AS namespace, max(team) AS team,
       max(cluster_queue) AS cluster_queue, max(priority_class) AS priority_class, max(instance_type) AS instance_type,
       max(job_kind) AS job_kind, max(job_name) AS job_name, min(created_at) AS created_at,
       min(start_at) AS first_admitted_at,
       CASE WHEN bool_or(end_at IS NULL OR end_at > ${end}) THEN NULL ELSE max(end_at) END AS ended_at,
       -- Counted apart before and in the range: the row of the day before may give the part before.
       count(DISTINCT CASE WHEN start_at < ${start} THEN start_at END) AS admissions_before,
       count(DISTINCT CASE WHEN start_at >= ${start} AND start_at < ${end} THEN start_at END) AS admissions_in_range,
       count(DISTINCT CASE WHEN end_reason = 'preempted' AND end_at <= ${start} THEN start_at END) AS preemptions_before,
       count(DISTINCT CASE WHEN end_reason = 'preempted' AND end_at > ${start} AND end_at <= ${end} THEN start_at END) AS preemptions_in_range,
       max(start_at) AS last_start_at,
       max_by(coalesce(end_at, ${FAR_FUTURE}), start_at) AS last_end_at,
       max_by(end_reason, start_at) AS last_end_reason
  FROM ${livesOf} GROUP BY cluster, task_uid`,
    ],
    ...taskHistoryCtes(options),
    [
      // One row per admission (a workload's flavors share it), with the next admission's start.
      'task_admissions',
      `SELECT cluster, task_uid, start_at, end_at, end_reason,
       lead(start_at) OVER (PARTITION BY cluster, task_uid ORDER BY start_at) AS next_start
  FROM (SELECT cluster, task_uid, start_at, max(coalesce(end_at, ${FAR_FUTURE})) AS end_at, max(end_reason) AS end_reason
          FROM ${livesOf} WHERE start_at < ${end} GROUP BY cluster, task_uid, start_at) a`,
    ],
    [
      // Stretches a task waited for quota: from creation to its first admission, and from each
      // end that left it queued (an eviction, or an end only bounded because the next admission
      // came) to its next admission; a wait still open lasts to the end of the data.
      'task_waits',
      `SELECT s.cluster, s.task_uid, 'queue' AS wait, s.created_at AS wait_from,
       coalesce(t.first_admitted_at, s.first_gone_at, ${FAR_FUTURE}) AS wait_to
  FROM task_status s JOIN task_history t ON t.cluster = s.cluster AND t.task_uid = s.task_uid
 WHERE s.created_at IS NOT NULL
UNION ALL
SELECT a.cluster, a.task_uid, 'requeue', a.end_at, coalesce(a.next_start, s.first_gone_at, ${FAR_FUTURE})
  FROM task_admissions a JOIN task_status s ON s.cluster = a.cluster AND s.task_uid = a.task_uid
 WHERE a.end_at < ${FAR_FUTURE} AND (a.next_start IS NOT NULL OR a.end_reason IN ('preempted', 'evicted'))${
   options.previousTaskDaily
     ? `
UNION ALL
-- Still waiting at midnight (the day before ended pending or preempted after an admission) for an
-- admission that ended before the records read: the part of the wait in the range starts at its start.
SELECT s.cluster, s.task_uid, 'requeue', ${start}, coalesce(n.next_start, s.first_gone_at, ${FAR_FUTURE})
  FROM task_status s JOIN task_before p ON p.cluster = s.cluster AND p.task_uid = s.task_uid
  LEFT JOIN (SELECT cluster, task_uid, min(CASE WHEN start_at >= ${start} THEN start_at END) AS next_start,
                    bool_or(end_at <= ${start}) AS ended_before
               FROM task_admissions GROUP BY cluster, task_uid) n ON n.cluster = s.cluster AND n.task_uid = s.task_uid
 WHERE p.status IN ('pending', 'preempted') AND p.admissions > 0 AND NOT coalesce(n.ended_before, false)`
     : ''
 }`,
    ],
    [
      'task_pending',
      `SELECT w.cluster, w.task_uid,
       ${sum(`CASE WHEN w.wait = 'requeue' THEN ${waitSeconds} END`)} AS requeue_wait_seconds,
       ${sum(waitSeconds)} AS pending_seconds
  FROM task_waits w LEFT JOIN horizon h ON h.cluster = w.cluster
 WHERE least(w.wait_to, ${end}, coalesce(h.horizon_at, ${FAR_FUTURE})) > greatest(w.wait_from, ${start})
 GROUP BY w.cluster, w.task_uid`,
    ],
  ];
  const select = new Map<string, string>([
    ['usage_date', `CAST(${start} AS DATE)`],
    ['task_uid', 's.task_uid'],
    ['task_name', 'coalesce(t.task_name, s.task_name)'],
    ['kind', 's.kind'],
    ['namespace', 'coalesce(t.namespace, s.namespace)'],
    ['team', 'coalesce(t.team, s.team)'],
    ['cluster_queue', 'coalesce(t.cluster_queue, s.cluster_queue)'],
    ['priority_class', 'coalesce(t.priority_class, s.priority_class)'],
    ['instance_type', "coalesce(t.instance_type, '')"],
    ['job_kind', 'coalesce(t.job_kind, s.job_kind)'],
    ['job_name', 'coalesce(t.job_name, s.job_name)'],
    ['created_at', 'coalesce(t.created_at, s.created_at)'],
    ['first_admitted_at', 't.first_admitted_at'],
    ['ended_at', 't.ended_at'],
    // The last record may still say running when a later snapshot or relist ended the interval.
    [
      'status',
      `CASE WHEN s.status = 'running' AND t.last_end_at <= ${end} AND t.last_start_at <= s.ts
            THEN CASE t.last_end_reason WHEN 'finished' THEN 'finished' WHEN 'failed' THEN 'failed' WHEN 'preempted' THEN 'preempted'
                                        WHEN 'evicted' THEN 'pending' ELSE 'deleted' END
            ELSE s.status END`,
    ],
    ['admissions', 'CAST(t.admissions AS INTEGER)'],
    ['preemptions', 'CAST(t.preemptions AS INTEGER)'],
    ['queue_wait_seconds', `CAST(date_diff('millisecond', coalesce(t.created_at, s.created_at), t.first_admitted_at) AS DOUBLE) / 1000.0`],
    ['requeue_wait_seconds', 'coalesce(p.requeue_wait_seconds, 0)'],
    ['pending_seconds', 'coalesce(p.pending_seconds, 0)'],
    ...STEMS.map((st) => [`${st}_hours`, `coalesce(h.${st}_hours, 0)`] as [string, string]),
  ]);
  return withStaged(ctes, `
SELECT ${columnsOf('task_daily').map((c) => `${select.get(c) ?? 'NULL'} AS ${c}`).join(',\n       ')}
  FROM task_status s
  JOIN task_history t ON t.cluster = s.cluster AND t.task_uid = s.task_uid
  LEFT JOIN task_hours h ON h.cluster = s.cluster AND h.task_uid = s.task_uid
  LEFT JOIN task_pending p ON p.cluster = s.cluster AND p.task_uid = s.task_uid
 WHERE (s.seen_today OR coalesce(${STEMS.map((st) => `h.${st}_hours`).join(' + ')}, 0) > 0
)
 ORDER BY task_name, task_uid`, options.staged);
}

/**
 * The CTEs of a range that several rollups read, or one reads several times, for building them
 * once (staging.ts, athena-staging.ts): the held intervals, each task's latest status and the
 * quota segments with lending.
 */
export function sharedRangeCtes(options: IntervalOptions): Cte[] {
  return [...rollupCtes(options), ...taskStatusCtes(options), ...quotaSweepCtes(options, { lent: true })];
}

/** The SELECT that computes a rollup table for a range. */
export function rollupSql(table: Exclude<RollupTableName, 'prices'>, options: IntervalOptions): string {
  switch (table) {
    case 'team_hourly':
      return teamHourlySql(options);
    case 'task_hourly':
      return taskHourlySql(options);
    case 'capacity_hourly':
      return capacityHourlySql(options);
    case 'task_daily':
      return taskDailySql(options);
    case 'summary_report':
      return summaryReportSql(options);
    case 'detailed_report':
      return detailedReportSql(options);
  }
}
