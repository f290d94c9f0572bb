/**
 * Capacity held by tasks, cut into UTC hours: the common ground of every usage rollup.
 *
 * Workload admissions and pods outside Kueue become one list of intervals, clipped to the range
 * and to the data horizon (an interval still open is counted up to the last heartbeat, never into
 * the future), then cut at hour boundaries. Quantities become resource-hours; memory GiB-hours.
 */
import { RESOURCES, type ResourceKey } from '../resources.js';
import { rollupStem } from '../rollup-schema.js';
import { FAR_FUTURE, hoursBetween, sqlTimestamp } from './dialect.js';
import { horizonCtes, podIntervalCtes, workloadIntervalCtes, type Cte, type IntervalOptions } from './intervals.js';

const GIB = 1024 ** 3;

/** A raw quantity expression in rollup units (memory bytes → GiB); NULL counts as zero. */
export function inRollupUnits(key: ResourceKey, expression: string = key): string {
  return key === 'memory_bytes' ? `coalesce(${expression}, 0) / ${GIB}.0` : `coalesce(${expression}, 0)`;
}

const TASK_COLUMNS = 'cluster, task_uid, task_name, kind, namespace, team, cluster_queue, priority_class, flavor, instance_type, job_kind, job_name, created_at';

/**
 * CTEs ending in `held_hourly`: one row per task interval and hour it overlaps, with `hour`,
 * `piece_start`, `piece_end`, `hours`, the task attributes and the quantities held (rollup units,
 * not yet multiplied by hours). Also `held` (the clipped intervals).
 */
export function heldCtes(options: IntervalOptions): Cte[] {
  const quantities = RESOURCES.map((r) => `${inRollupUnits(r.key)} AS ${rollupStem(r.key)}`).join(', ');
  const stems = RESOURCES.map((r) => rollupStem(r.key)).join(', ');
  const start = sqlTimestamp(options.range.start);
  const end = sqlTimestamp(options.range.end);
  return [
    ...horizonCtes(options),
    ...workloadIntervalCtes(options),
    ...podIntervalCtes(options),
    [
      'intervals',
      `SELECT cluster, uid AS task_uid, task_name, 'workload' AS kind, namespace, team, cluster_queue, priority_class,
       flavor, instance_type, job_kind, job_name, created_at, start_at, end_at, end_stated, end_reason, ${quantities}
  FROM workload_intervals
UNION ALL
SELECT cluster, uid, task_name, 'pod', namespace, team, '', priority_class,
       '', instance_type, job_kind, job_name, created_at, start_at, end_at, end_stated, end_reason, ${quantities}
  FROM pod_intervals`,
    ],
    [
      'held',
      `SELECT i.*, greatest(i.start_at, ${start}) AS held_start,
       least(coalesce(i.end_at, ${FAR_FUTURE}), ${end}, coalesce(h.horizon_at, ${FAR_FUTURE})) AS held_end
  FROM intervals i
  LEFT JOIN horizon h ON h.cluster = i.cluster`,
    ],
    [
      'held_hourly',
      `SELECT ${TASK_COLUMNS}, hour, start_at, end_at, end_reason,
       greatest(held_start, hour) AS piece_start, least(held_end, hour + INTERVAL '1' HOUR) AS piece_end,
       ${hoursBetween('greatest(held_start, hour)', "least(held_end, hour + INTERVAL '1' HOUR)")} AS hours,
       ${stems}
  FROM ${
    options.dialect === 'duckdb'
      ? // unnest in the select list: DuckDB joins a lateral UNNEST back to its input by value.
        `(SELECT ${TASK_COLUMNS}, start_at, end_at, end_reason, held_start, held_end, ${stems},
               unnest(generate_series(date_trunc('hour', held_start), date_trunc('hour', held_end), INTERVAL '1' HOUR)) AS hour
          FROM held WHERE held_end > held_start) u`
      : `held
 CROSS JOIN UNNEST(sequence(date_trunc('hour', held_start), date_trunc('hour', held_end), INTERVAL '1' HOUR)) AS u(hour)`
  }
 WHERE held_end > held_start AND least(held_end, hour + INTERVAL '1' HOUR) > greatest(held_start, hour)`,
    ],
  ];
}
