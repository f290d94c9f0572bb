/**
 * How two runs' rows of one rollup differ, counted in DuckDB (the rows do not fit in a bench's
 * heap at scale): exactly, and beyond float noise. Floating-point sums differ in their last
 * digits from one run of the same query to the next (rows arrive in another order), so noise is
 * a tolerance, not rounding: two values 1e-9 apart can round to different 6th decimals.
 *
 * Both sides are read with hive_partitioning off: DuckDB would otherwise add the partition
 * folders' keys (year, month, day, cluster) as columns to files that live in
 * `…/year=/month=/day=/cluster=/` and not to copies set aside. Columns are matched by name; a
 * column only one side has is reported, never dropped silently.
 */
import { sqlString } from '@hyperpod-usage/model';
import type { DuckDbEngine } from '../src/engine/duckdb-engine.js';

/** Doubles closer than this (relative above 1) are the same number. */
export const FLOAT_NOISE = 1e-6;

export interface RollupDiff {
  /** Rows in one and not the other, compared exactly (both directions). */
  exact: number;
  /** Of those, the rows with no row on the other side equal up to float noise. */
  beyondNoise: number;
  columnsOnlyBefore: string[];
  columnsOnlyAfter: string[];
}

const quoted = (c: string): string => `"${c.replace(/"/g, '""')}"`;

export async function diffRollupFiles(engine: DuckDbEngine, before: readonly string[], after: readonly string[]): Promise<RollupDiff> {
  const read = (files: readonly string[]) => `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false)`;
  const describe = async (files: readonly string[]) =>
    new Map((await engine.query(`DESCRIBE SELECT * FROM ${read(files)}`)).rows.map((c) => [String(c.column_name), String(c.column_type)]));
  const types = await describe(after);
  const was = await describe(before);
  const common = [...types.keys()].filter((c) => was.has(c));
  const pick = common.map(quoted).join(', ');
  const a = `SELECT ${pick} FROM ${read(before)}`;
  const b = `SELECT ${pick} FROM ${read(after)}`;
  const near = common
    .map((c) =>
      types.get(c) === 'DOUBLE'
        ? `(o.${quoted(c)} IS NOT DISTINCT FROM x.${quoted(c)} OR abs(o.${quoted(c)} - x.${quoted(c)}) <= ${FLOAT_NOISE} * greatest(1, abs(x.${quoted(c)})))`
        : `o.${quoted(c)} IS NOT DISTINCT FROM x.${quoted(c)}`,
    )
    .join(' AND ');
  const count = async (sql: string) => Number((await engine.query(sql)).rows[0]?.n ?? 0);
  const exact = (x: string, y: string) => count(`SELECT count(*) AS n FROM (${x} EXCEPT ALL ${y})`);
  // Only the rows that differ exactly are looked for again, so the tolerant join stays small.
  const unmatched = (x: string, y: string) =>
    count(`SELECT count(*) AS n FROM (${x} EXCEPT ALL ${y}) x WHERE NOT EXISTS (SELECT 1 FROM (${y}) o WHERE ${near || 'TRUE'})`);
  return {
    exact: (await exact(a, b)) + (await exact(b, a)),
    beyondNoise: (await unmatched(a, b)) + (await unmatched(b, a)),
    columnsOnlyBefore: [...was.keys()].filter((c) => !types.has(c)),
    columnsOnlyAfter: [...types.keys()].filter((c) => !was.has(c)),
  };
}
