/**
 * Where one day's staged aggregation spends its time: builds each staged table of a day in turn,
 * then runs each rollup from them, on DuckDB opened as `hpu aggregate` opens it, and prints the
 * seconds of each step and, with --explain, the slowest operators of each (EXPLAIN ANALYZE).
 *
 *   node --conditions=development --import tsx collector/bench/profile-staging.ts --data DIR --day YYYY-MM-DD [--explain] [--portable] [--rollups a,b] [--cluster NAME]
 *     [--out DIR [--compare-with DIR2]]
 *
 * The SQL is the aggregation's on DuckDB (its DuckDB forms); --portable profiles the portable forms.
 * --out writes each rollup to DIR/<table>.parquet as the aggregation does (COPY); --compare-with
 * then counts the rows that differ from another run's --out (e.g. --portable against DuckDB's forms).
 * DIR is a data folder in the S3 layout, e.g. the `tiled` folder of `bench:aggregate -- --keep DIR`.
 * Figures are printed, nothing is asserted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DAY_MS, rawReadWindow, rollupSql, ROLLUP_TABLE_NAMES, sharedRangeCtes, sqlString, stagingSelects, type IntervalOptions, type RollupTableName } from '@hyperpod-usage/model';
import { snapshotReadFrom } from '../src/aggregate/aggregator.js';
import { LocalRollupWriter } from '../src/aggregate/rollup-writer.js';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { diffRollupFiles, FLOAT_NOISE } from './rollup-diff.js';

interface ProfileNode {
  operator_name?: string;
  operator_timing?: number;
  operator_cardinality?: number;
  extra_info?: Record<string, unknown>;
  children?: ProfileNode[];
}

function flatten(node: ProfileNode, out: ProfileNode[] = []): ProfileNode[] {
  out.push(node);
  for (const c of node.children ?? []) flatten(c, out);
  return out;
}

async function run(engine: DuckDbEngine, sql: string, explain: boolean): Promise<string[]> {
  if (!explain) {
    await engine.execute(sql);
    return [];
  }
  const r = await engine.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`);
  const tree = JSON.parse(String(r.rows[0]?.explain_value ?? '[]')) as ProfileNode | ProfileNode[];
  return flatten(Array.isArray(tree) ? { children: tree } : tree)
    .filter((n) => n.operator_timing !== undefined)
    .sort((a, b) => (b.operator_timing ?? 0) - (a.operator_timing ?? 0))
    .slice(0, Number(process.env.PROFILE_TOP ?? 5))
    .map((n) => {
      const info = n.extra_info ?? {};
      const detail = ['Join Type', 'Conditions', 'Aggregates', 'Groups', 'Function', 'Table']
        .filter((k) => info[k] !== undefined)
        .map((k) => `${k}: ${JSON.stringify(info[k]).replace(/\s+/g, ' ').slice(0, 140)}`)
        .join('; ');
      return `    ${(n.operator_timing ?? 0).toFixed(2)} s ${String(n.operator_name ?? '?').trim()} rows ${n.operator_cardinality ?? 0} ${detail}`;
    });
}

/** What DuckDB's buffer manager holds now (temporary tables, caches), in GB. */
async function heldGb(engine: DuckDbEngine): Promise<string> {
  const r = await engine.query('SELECT sum(memory_usage_bytes) AS b FROM duckdb_memory()');
  return `${(Number(r.rows[0]?.b ?? 0) / 1e9).toFixed(2)} GB`;
}

const peakRssGb = (): string => `${(process.resourceUsage().maxRSS / 1e6).toFixed(2)} GB`;

/** CPU seconds of this process (all of DuckDB's threads) since `from`: less noisy than wall time on a shared machine. */
function cpuSeconds(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, day: { type: 'string' }, cluster: { type: 'string', default: 'bench' }, explain: { type: 'boolean', default: false }, portable: { type: 'boolean', default: false }, rollups: { type: 'string' }, out: { type: 'string' }, 'compare-with': { type: 'string' }, 'memory-limit': { type: 'string' } },
  });
  if (!values.data || !values.day) throw new Error('usage: profile-staging.ts --data DIR --day YYYY-MM-DD [--explain] [--cluster NAME]');
  const day = Date.parse(`${values.day}T00:00:00Z`);
  if (values.out) mkdirSync(values.out, { recursive: true });
  const engine = await DuckDbEngine.open(values.data, { rawViews: false, ...(values['memory-limit'] ? { memoryLimit: values['memory-limit'] } : {}) });
  try {
    // The records and the day before's task_daily that `hpu aggregate` reads for the day.
    const window = rawReadWindow(day, day + DAY_MS);
    const readFrom = await snapshotReadFrom(engine, engine.rawRelationsFor(window.start, window.end).heartdub, day, values.cluster);
    const previousTaskDaily = new LocalRollupWriter(engine, values.data).partitionRelation({ table: 'task_daily', day: day - DAY_MS, cluster: values.cluster });
    console.log(`records from ${new Date(readFrom).toISOString()}; task_daily of the day before ${previousTaskDaily ? 'read' : 'absent'}`);
    const options: IntervalOptions = {
      relations: engine.rawRelationsFor(readFrom, window.end),
      range: { start: day, end: day + DAY_MS },
      clusters: [values.cluster],
      readFrom,
      ...(previousTaskDaily ? { previousTaskDaily } : {}),
      ...(values.portable ? {} : { dialect: 'duckdb' as const }),
    };
    const staged = new Set<string>();
    let total = 0;
    let totalCpu = 0;
    for (const { name, select } of stagingSelects(sharedRangeCtes(options))) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const top = await run(engine, `CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`, values.explain);
      const s = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(c0);
      totalCpu += cpu;
      total += s;
      staged.add(name);
      const n = (await engine.query(`SELECT count(*) AS n FROM ${name}`)).rows[0]?.n;
      console.log(`staging ${name}: ${s.toFixed(2)} s (CPU ${cpu.toFixed(2)} s), ${String(n)} rows; DuckDB then holds ${await heldGb(engine)}, peak RSS so far ${peakRssGb()}`);
      for (const line of top) console.log(line);
    }
    console.log(`staging total: ${total.toFixed(2)} s (CPU ${totalCpu.toFixed(2)} s)`);
    const only = values.rollups === undefined ? null : new Set(values.rollups.split(',').filter(Boolean));
    for (const table of ROLLUP_TABLE_NAMES.filter((t): t is Exclude<RollupTableName, 'prices'> => t !== 'prices' && (only === null || only.has(t)))) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const sql = rollupSql(table, { ...options, staged });
      // As the aggregation writes it (COPY to Parquet) with --out; else into a temporary table.
      const top = values.out
        ? await run(engine, `COPY (${sql}) TO ${sqlString(join(values.out, `${table}.parquet`))} (FORMAT parquet, COMPRESSION snappy)`, false)
        : await run(engine, `CREATE OR REPLACE TEMP TABLE profiled_rollup AS ${sql}`, values.explain);
      console.log(`rollup ${table}: ${((performance.now() - t0) / 1000).toFixed(2)} s (CPU ${cpuSeconds(c0).toFixed(2)} s), peak RSS so far ${peakRssGb()}`);
      for (const line of top) console.log(line);
    }
    console.log(`peak RSS: ${peakRssGb()}`);
    if (values.out && values['compare-with']) await compare(engine, values.out, values['compare-with'], only);
  } finally {
    await engine.close();
  }
}

/** Rows of each rollup written here that the other run did not write, and the reverse (rollup-diff.ts). */
async function compare(engine: DuckDbEngine, dir: string, other: string, only: ReadonlySet<string> | null): Promise<void> {
  for (const table of ROLLUP_TABLE_NAMES.filter((t) => t !== 'prices' && (only === null || only.has(t)))) {
    const file = (d: string) => join(d, `${table}.parquet`);
    const d = await diffRollupFiles(engine, [file(other)], [file(dir)]);
    const rows = Number((await engine.query(`SELECT count(*) AS n FROM read_parquet(${sqlString(file(dir))})`)).rows[0]?.n ?? 0);
    const oneSided = [...d.columnsOnlyBefore, ...d.columnsOnlyAfter];
    console.log(
      `compare ${table}: ${rows} rows; differing ${d.exact} exactly, ${d.beyondNoise} beyond float noise (${FLOAT_NOISE.toExponential()})${oneSided.length ? `; columns on one side only: ${oneSided.join(', ')}` : ''}`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
