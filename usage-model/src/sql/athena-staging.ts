/**
 * Staging on Athena: a day's shared intermediate results built once as Parquet tables (one CTAS
 * each) that the six rollups read, instead of each rollup deriving them from the raw records.
 *
 * Athena evaluates a CTE again at every reference, and the workload interval chain references the
 * raw workload records several times, so an unstaged day scans the raw read window (49 hours) many
 * times over. Staged, the raw chain is scanned by the staging queries only, and the rollups read
 * small Parquet tables.
 *
 * Which CTEs: those whose many references would rescan raw records, each built once from the ones
 * before it. `wl_cycles` and `wl_stated_ends` (the admission cycles and their stated ends, which the
 * interval chain references a dozen times over), `intervals` (the chain's end; `held` is
 * `intervals` plus two clipped times, and task_daily reads `intervals` itself), `task_status`
 * (each task's latest record, one row per task, which task_daily reads three times), `cq_settings` (the
 * quota changes, referenced all through the quota sweep) and `quota_segments` (the sweep's end).
 * DuckDB stages others (staging.ts), but on Athena every query is billed at least 10 MB: the small
 * heartbeat CTEs (heartbeats, horizon, span, snapshots) are cheaper to read again from the raw
 * heartbeats, and `held` / `held_hourly` cheaper to derive again from the staged `intervals` (one
 * row per interval) than to read back (one row per interval and hour). `npm run bench:aggregate`
 * prints the bytes of both paths, per query.
 *
 * The rollup text stays the one of rollups.ts: the staged CTEs are left out (withStaged) and an
 * alias CTE of the same name reads the staged table, so results cannot move.
 */
import type { Cte, IntervalOptions } from './intervals.js';
import { rollupSql, sharedRangeCtes } from './rollups.js';
import { withStaged } from './staging.js';
import type { RollupTableName } from '../rollup-schema.js';

export const ATHENA_STAGED_CTES = ['wl_cycles', 'wl_stated_ends', 'intervals', 'task_status', 'cq_settings', 'quota_segments'] as const;

/**
 * How every staged table's name begins, in the usage database: the aggregation's IAM grant to
 * create and drop tables covers these names only.
 */
export const STAGING_TABLE_PREFIX = 'hpu_stage_';

export type AthenaStagedCte = (typeof ATHENA_STAGED_CTES)[number];

/** CTE name → the relation (table) that holds it. */
export type StagedRelations = ReadonlyMap<string, string>;

/** `sql` with alias CTEs in front that read each staged table it mentions under the CTE's name. */
export function readingStaged(sql: string, staged: StagedRelations): string {
  const aliases: Cte[] = [...staged].filter(([name]) => new RegExp(`\\b${name}\\b`).test(sql)).map(([name, relation]) => [name, `SELECT * FROM ${relation}`]);
  if (aliases.length === 0) return sql;
  const head = aliases.map(([name, body]) => `${name} AS (\n${body}\n)`).join(',\n');
  return sql.startsWith('WITH ') ? `WITH ${head},\n${sql.slice('WITH '.length)}` : `WITH ${head}\n${sql}`;
}

/**
 * The SELECTs that build the staged tables of a range, in order; each reads the tables staged
 * before it. `relationOf` names the table of each CTE.
 */
export function athenaStagingSelects(
  options: IntervalOptions,
  relationOf: (cte: AthenaStagedCte) => string,
): Array<{ cte: AthenaStagedCte; relation: string; select: string }> {
  const shared = sharedRangeCtes(options);
  const done = new Map<string, string>();
  return ATHENA_STAGED_CTES.map((cte) => {
    if (!shared.some(([n]) => n === cte)) throw new Error(`the shared CTEs lack ${cte}`);
    // withStaged prunes the CTEs the body does not need only when something is left out; the
    // empty name matches no CTE, so the first table's query is pruned too.
    const select = readingStaged(withStaged(shared, `SELECT * FROM ${cte}`, new Set(['', ...done.keys()])), done);
    const relation = relationOf(cte);
    done.set(cte, relation);
    return { cte, relation, select };
  });
}

/** A rollup's SELECT reading the staged tables instead of building their CTEs. */
export function athenaStagedRollupSql(table: Exclude<RollupTableName, 'prices'>, options: IntervalOptions, staged: StagedRelations): string {
  return readingStaged(rollupSql(table, { ...options, staged: new Set(staged.keys()) }), staged);
}
