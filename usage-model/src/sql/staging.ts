/**
 * A day's shared intermediate results, built once instead of once per rollup: the held intervals
 * (and the chain of CTEs before them), each task's latest status and the quota segments. The
 * aggregation on DuckDB writes each into a temporary table named like its CTE; every rollup query
 * then leaves those CTEs (and the ones only they needed) out of its WITH clause, so the name
 * resolves to the table.
 *
 * The rollup queries stay the same text otherwise, so their results cannot move; without staged
 * names (Athena, one query per rollup) they are exactly the queries they were.
 */
import { cteDefinition, type Cte } from './intervals.js';

/**
 * CTEs several rollups read, in the order they can be built (each only needs earlier ones).
 * `quota_segments` is built in its lending form: the same rows as the form without lending, with
 * the lent hours added, so summary_report can read it too. `task_status` (each task's latest
 * record; task_daily reads it three times) is built on its own so that its grouping of a million
 * tasks is not in memory at the same time as task_daily's (4.6 → 3.8 GB peak at 2,000 nodes).
 */
export const STAGED_CTES = ['heartbeats', 'horizon', 'snapshots', 'span', 'intervals', 'held', 'held_hourly', 'task_status', 'quota_segments'] as const;

export type StagedCte = (typeof STAGED_CTES)[number];

/** Whether `sql` mentions `name` as a whole identifier (a false positive only keeps a CTE). */
function mentions(sql: string, name: string): boolean {
  return new RegExp(`\\b${name}\\b`).test(sql);
}

/**
 * `WITH … body`, without the CTEs in `staged` and without the CTEs that nothing left needs.
 * With nothing staged this is the plain WITH clause of every CTE, as before.
 */
export function withStaged(ctes: readonly Cte[], body: string, staged: ReadonlySet<string> = new Set()): string {
  return staged.size === 0 ? withCtes(ctes, body) : withCtes(prune(ctes.filter(([name]) => !staged.has(name)), body), body);
}

function withCtes(ctes: readonly Cte[], body: string): string {
  if (ctes.length === 0) return body;
  return `WITH ${ctes.map(cteDefinition).join(',\n')}\n${body.replace(/^\n/, '')}`;
}

/** The CTEs the body needs, directly or through other CTEs, in their original order. */
function prune(ctes: readonly Cte[], body: string): Cte[] {
  const needed = new Set<string>();
  const queue = [body];
  while (queue.length) {
    const sql = queue.pop() as string;
    for (const [name, definition] of ctes) {
      if (!needed.has(name) && mentions(sql, name)) {
        needed.add(name);
        queue.push(definition);
      }
    }
  }
  return ctes.filter(([name]) => needed.has(name));
}

/**
 * The SELECTs that build the staged tables, in order, from the day's shared CTEs: each one reads
 * the tables staged before it.
 */
export function stagingSelects(shared: readonly Cte[]): Array<{ name: StagedCte; select: string }> {
  const staged = new Set<string>();
  return STAGED_CTES.map((name) => {
    if (!shared.some(([n]) => n === name)) throw new Error(`the shared CTEs lack ${name}`);
    const body = `SELECT * FROM ${name}`;
    const select = withCtes(prune(shared.filter(([n]) => !staged.has(n)), body), body);
    staged.add(name);
    return { name, select };
  });
}
