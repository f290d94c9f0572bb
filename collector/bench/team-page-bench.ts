/**
 * `npm run bench:team-page`: how many statements, and how many bytes, the app's Team page (and
 * the Overview and Tasks pages) makes Athena read over 30 days.
 *
 * 1. Rollups: generated into a temporary directory in the layout the aggregation writes
 *    (`<location>/year=/month=/day=/cluster=/part-00000.parquet`, Snappy), at the benchmark scale
 *    of `bench:aggregate` (50 teams, 4 instance types, 5,000 Kueue tasks and 1,000 other pods an
 *    hour) — or, with `--data DIR`, the rollups an earlier run left (e.g. `npm run demo`'s
 *    out/demo/usage-data, or `bench:aggregate --keep DIR`).
 * 2. The page statements: `TEAM_PAGE_QUERIES(team)` from usage-model/src/query/pages.ts, the
 *    same list the plugin's page runs, compiled for the last `--days` days of the data.
 * 3. Bytes: what Athena with partition projection would read for each statement — for every
 *    Parquet file of the day partitions and cluster it prunes to, the compressed column chunks of
 *    the columns the statement references, plus the file's footer (as `bench:aggregate`
 *    estimates its dashboard query). Row-group skipping on the team filter is not counted, so
 *    this is an upper bound. Billed: rounded up to the MB, at least 10 MB per statement, $5/TB.
 * 4. Each statement also runs on DuckDB over the same files (through parquetRelations, as
 *    Grafana's DuckDB data source runs it): rows and time are printed.
 *
 * Figures are printed, nothing is asserted.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  DAY_MS,
  INSTANCE_TYPES,
  OVERVIEW_PAGE_QUERIES,
  PAGE_MAX_DATA_POINTS,
  ROLLUP_TABLES,
  TASKS_PAGE_QUERIES,
  TEAM_PAGE_QUERIES,
  compilePage,
  daysBetween,
  hourPartitionOf,
  pageScope,
  parquetRelations,
  sqlString,
  type ColumnType,
  type PageQuery,
  type QueryScope,
  type RollupTableName,
} from '@hyperpod-usage/model';
import { footerBytes, parquetFiles } from './parquet-files.js';

const USAGE = `Usage: npm run bench:team-page -- [options]

  --days N        days the page covers (default 30)
  --teams N       teams in the generated rollups (default 50)
  --tasks N       Kueue tasks running in an hour (default 5000); pods outside Kueue: a fifth of it
  --data DIR      measure the rollups under DIR instead of generating them (needs --cluster)
  --cluster NAME  the cluster to read (default: bench, or the first one found under --data)
  --team NAME     the team of the Team page (default: the first team)
  --keep DIR      generate into DIR and keep it
  --help`;

const MB = 1e6;
const TB = 1e12;
const USD_PER_TB = 5;
const MIN_BILLED = 10 * MB;

class BenchError extends Error {}

interface Options {
  days: number;
  teams: number;
  tasks: number;
  data: string | null;
  cluster: string | null;
  team: string | null;
  keep: string | null;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      days: { type: 'string', default: '30' },
      teams: { type: 'string', default: '50' },
      tasks: { type: 'string', default: '5000' },
      data: { type: 'string' },
      cluster: { type: 'string' },
      team: { type: 'string' },
      keep: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new BenchError(`--${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  return {
    days: whole('days', values.days, 1, 400),
    teams: whole('teams', values.teams, 1, 1000),
    tasks: whole('tasks', values.tasks, 1, 100000),
    data: values.data ? resolve(values.data) : null,
    cluster: values.cluster ?? null,
    team: values.team ?? null,
    keep: values.keep ? resolve(values.keep) : null,
  };
}

const fmtBytes = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
const fmtUsd = (n: number): string => `$${n.toFixed(6)}`;
const billed = (bytes: number): number => Math.max(MIN_BILLED, Math.ceil(bytes / MB) * MB);

// ---------------------------------------------------------------------------------------------
// Generated rollups

const BENCH_INSTANCE_TYPES = ['ml.p5.48xlarge', 'ml.p4d.24xlarge', 'ml.g5.8xlarge', 'ml.trn1.32xlarge'].filter((t) => INSTANCE_TYPES[t]);
const PRIORITY_CLASSES = ['training-priority', 'inference-priority', 'experimentation-priority'];

/** SQL for one column of a generated row; `i` is the row number within the hour, `h` the hour. */
function columnSql(table: RollupTableName, name: string, type: ColumnType, teams: number): string {
  const teamOf = `'team-' || lpad(CAST(i % ${teams} AS VARCHAR), 3, '0')`;
  const types = `[${BENCH_INSTANCE_TYPES.map(sqlString).join(', ')}]`;
  const pick = (list: string) => `${list}[1 + CAST(floor(random() * len(${list})) AS INTEGER)]`;
  const byName: Record<string, string> = {
    hour: 'h',
    team: table === 'capacity_hourly' ? "''" : teamOf,
    namespace: `'hyperpod-ns-' || ${teamOf}`,
    cluster_queue: `'hyperpod-ns-' || ${teamOf} || '-clusterqueue'`,
    cohort: `'cohort-' || CAST((i % ${teams}) // 6 AS VARCHAR)`,
    flavor: table === 'team_hourly' ? `${types}[1 + (i // ${teams}) % ${BENCH_INSTANCE_TYPES.length}]` : pick(types),
    instance_type: table === 'team_hourly' || table === 'capacity_hourly' ? `${types}[1 + (i // ${teams}) % ${BENCH_INSTANCE_TYPES.length}]` : pick(types),
    instance: pick(types),
    task_uid: `md5(CAST(i AS VARCHAR) || '-' || CAST(floor(epoch(h) / 86400) AS VARCHAR))`,
    task_name: `'pytorchjob-' || ${teamOf} || '-' || CAST(i AS VARCHAR) || '-' || substr(md5(CAST(floor(epoch(h) / 86400) AS VARCHAR)), 1, 5)`,
    kind: "CASE WHEN i % 6 = 5 THEN 'pod' ELSE 'workload' END",
    job_kind: "'PyTorchJob'",
    job_name: `'job-' || CAST(i AS VARCHAR)`,
    status: table === 'detailed_report' ? "['Finished', 'Running', 'Preempted', 'Failed'][1 + CAST(floor(random() * 4) AS INTEGER)]" : "['finished', 'running', 'preempted', 'pending'][1 + CAST(floor(random() * 4) AS INTEGER)]",
    report_date: 'CAST(h AS DATE)',
    day: 'CAST(h AS DATE)',
    period_start: 'h',
    period_end: "h + INTERVAL '1' HOUR",
    created_at: "h - INTERVAL '10' MINUTE",
    first_admitted_at: "h - INTERVAL '9' MINUTE",
    ended_at: "h + INTERVAL '50' MINUTE",
  };
  if (name === 'priority_class') return `[${PRIORITY_CLASSES.map(sqlString).join(', ')}][1 + i % ${PRIORITY_CLASSES.length}]`;
  const override = byName[name];
  if (override) return override;
  switch (type) {
    case 'double':
      return 'round(random() * 8, 4)';
    case 'int':
    case 'bigint':
      return 'CAST(floor(random() * 3) AS INTEGER)';
    case 'string':
      return "''";
    case 'timestamp':
      return 'h';
    case 'date':
      return 'CAST(h AS DATE)';
    case 'boolean':
      return 'false';
  }
}

/** Rows per hour of each generated table. */
function rowsPerHour(table: RollupTableName, o: Options): number {
  switch (table) {
    case 'team_hourly':
      return o.teams * BENCH_INSTANCE_TYPES.length;
    case 'capacity_hourly':
      return BENCH_INSTANCE_TYPES.length;
    case 'task_hourly':
      return o.tasks + Math.floor(o.tasks / 5);
    default:
      return 0;
  }
}

async function generate(connection: DuckDBConnection, dir: string, o: Options, cluster: string, first: number): Promise<void> {
  await connection.run('SELECT setseed(0.42)');
  const perDay: Array<[RollupTableName, string]> = [];
  for (const table of ['team_hourly', 'task_hourly', 'capacity_hourly', 'task_daily', 'detailed_report'] as const) {
    const t = ROLLUP_TABLES[table];
    const cols = t.columns.map((c) => `${columnSql(table, c.name, c.type, o.teams)} AS "${c.name}"`).join(', ');
    // Hourly tables: rows every hour; daily ones: one row per task and day (about a day's tasks).
    const hourly = rowsPerHour(table, o) > 0;
    const rows = hourly ? rowsPerHour(table, o) : Math.floor(o.tasks * 1.5);
    const hours = hourly ? `range(0, 24) AS hh(k)` : `range(0, 1) AS hh(k)`;
    perDay.push([table, `SELECT ${cols} FROM (SELECT i, DAYSTART + k * INTERVAL '1' HOUR AS h FROM range(0, ${rows}) AS r(i), ${hours})`]);
  }
  for (let d = 0; d < o.days; d++) {
    const day = first + d * DAY_MS;
    const p = hourPartitionOf(day);
    const start = `TIMESTAMP '${new Date(day).toISOString().slice(0, 10)} 00:00:00'`;
    for (const [table, select] of perDay) {
      const folder = join(dir, ROLLUP_TABLES[table].location, `year=${p.year}`, `month=${p.month}`, `day=${p.day}`, `cluster=${cluster}`);
      mkdirSync(folder, { recursive: true });
      await connection.run(`COPY (${select.replaceAll('DAYSTART', start)}) TO ${sqlString(join(folder, 'part-00000.parquet'))} (FORMAT parquet, COMPRESSION snappy)`);
    }
  }
  // The price table, as the aggregation writes it: the default price, and one per benchmark type.
  const prices = BENCH_INSTANCE_TYPES.map((type, i) => {
    const spec = INSTANCE_TYPES[type] as { gpu: number; neuronDevices: number; vcpu: number };
    const [unit, units] = spec.gpu > 0 ? ['gpu', spec.gpu] : spec.neuronDevices > 0 ? ['neuron_device', spec.neuronDevices] : ['cpu', spec.vcpu];
    const price = 10 + i * 7;
    return `(${sqlString(type)}, 'us-east-1', ${price}, 'USD', ${sqlString(unit as string)}, ${units}, ${price / (units as number)}, 'default: bench', DATE '2026-01-01')`;
  });
  const pricesDir = join(dir, ROLLUP_TABLES.prices.location);
  mkdirSync(pricesDir, { recursive: true });
  await connection.run(
    `COPY (SELECT * FROM (VALUES ${prices.join(', ')}) AS t(instance_type, region, price_per_hour, currency, unit_resource, units_per_instance, unit_price_per_hour, source, as_of)) TO ${sqlString(join(pricesDir, 'part-00000.parquet'))} (FORMAT parquet, COMPRESSION snappy)`,
  );
}

// ---------------------------------------------------------------------------------------------
// Bytes read

/** The files Athena reads for a table over [from, to) and the clusters: its pruned partitions. */
function prunedFiles(dataDir: string, table: RollupTableName, from: number, to: number, clusters: readonly string[]): string[] {
  const t = ROLLUP_TABLES[table];
  const base = join(dataDir, t.location);
  if (t.partitionKeys.length === 0) return parquetFiles(base);
  return daysBetween(from, to).flatMap((d) => {
    const p = hourPartitionOf(d);
    const dayDir = join(base, `year=${p.year}`, `month=${p.month}`, `day=${p.day}`);
    if (!existsSync(dayDir)) return [];
    return readdirSync(dayDir)
      .filter((c) => c.startsWith('cluster=') && (clusters.length === 0 || clusters.includes(c.slice('cluster='.length))))
      .flatMap((c) => parquetFiles(join(dayDir, c)));
  });
}

async function chunkBytes(connection: DuckDBConnection, files: readonly string[], columns: readonly string[]): Promise<number> {
  if (files.length === 0) return 0;
  let total = 0;
  for (let i = 0; i < files.length; i += 500) {
    const batch = files.slice(i, i + 500);
    const reader = await connection.runAndReadAll(
      `SELECT coalesce(sum(total_compressed_size), 0) AS bytes FROM parquet_metadata([${batch.map(sqlString).join(', ')}]) WHERE path_in_schema IN (${columns.map(sqlString).join(', ')})`,
    );
    total += Number(reader.getRows()[0]?.[0] ?? 0);
  }
  return total + files.reduce((a, f) => a + footerBytes(f), 0);
}

// ---------------------------------------------------------------------------------------------

interface Measured {
  page: string;
  id: string;
  panels: number;
  files: number;
  bytes: number;
  rows: number;
  ms: number;
}

async function measurePage(connection: DuckDBConnection, dataDir: string, page: string, queries: readonly PageQuery[], scope: QueryScope): Promise<Measured[]> {
  const out: Measured[] = [];
  for (const q of compilePage(queries, scope)) {
    const s = pageScope(queries.find((x) => x.id === q.id)?.range ?? 'page', scope);
    let files = 0;
    let bytes = 0;
    for (const scan of q.compiled.scans ?? []) {
      // Annotations read a day earlier too (an interval is filed under the day it ran).
      const from = scan.table === 'detailed_report' ? s.from - DAY_MS : s.from;
      const list = prunedFiles(dataDir, scan.table, from, s.to, s.clusters);
      files += list.length;
      bytes += await chunkBytes(connection, list, scan.columns);
    }
    const t0 = performance.now();
    const reader = await connection.runAndReadAll(q.compiled.sql);
    const ms = performance.now() - t0;
    out.push({ page, id: q.id, panels: q.panels.length, files, bytes, rows: reader.getRows().length, ms });
  }
  return out;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => '  ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function firstCluster(dataDir: string): string {
  const base = join(dataDir, ROLLUP_TABLES.team_hourly.location);
  const days = parquetFiles(base);
  const m = days.map((f) => /cluster=([^/]+)\//.exec(f)?.[1]).find(Boolean);
  if (!m) throw new BenchError(`no team_hourly partitions under ${base}`);
  return m;
}

function lastDay(dataDir: string): number {
  const files = parquetFiles(join(dataDir, ROLLUP_TABLES.team_hourly.location));
  const days = files.map((f) => /year=(\d{4})\/month=(\d\d)\/day=(\d\d)\//.exec(f)).filter((m): m is RegExpExecArray => Boolean(m)).map((m) => Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`));
  if (days.length === 0) throw new BenchError(`no day partitions under ${dataDir}`);
  return Math.max(...days);
}

async function main(): Promise<void> {
  const o = options();
  const root = o.data ? null : (o.keep ?? mkdtempSync(join(tmpdir(), 'hpu-team-page-')));
  const dataDir = o.data ?? (root as string);
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const connection = await instance.connect();
  try {
    let cluster = o.cluster ?? 'bench';
    let end: number;
    if (o.data) {
      cluster = o.cluster ?? firstCluster(dataDir);
      end = lastDay(dataDir) + DAY_MS;
    } else {
      end = Date.UTC(2026, 10, 1);
      const t0 = performance.now();
      await generate(connection, dataDir, o, cluster, end - o.days * DAY_MS);
      process.stderr.write(`generated ${o.days} days of rollups in ${((performance.now() - t0) / 1000).toFixed(1)} s under ${dataDir}\n`);
    }
    const scope: QueryScope = { dialect: 'duckdb', relations: parquetRelations(dataDir), from: end - o.days * DAY_MS, to: end, clusters: [cluster], maxDataPoints: PAGE_MAX_DATA_POINTS };
    const teamReader = await connection.runAndReadAll(`SELECT min(team) FROM ${scope.relations.team_hourly} WHERE team <> '' AND cluster = ${sqlString(cluster)}`);
    const team = o.team ?? String(teamReader.getRows()[0]?.[0] ?? 'team-000');

    const measured = [
      ...(await measurePage(connection, dataDir, 'Team', TEAM_PAGE_QUERIES(team), scope)),
      ...(await measurePage(connection, dataDir, 'Overview', OVERVIEW_PAGE_QUERIES(), scope)),
      ...(await measurePage(connection, dataDir, 'Tasks', TASKS_PAGE_QUERIES([{ dimension: 'team', values: [team] }]), scope)),
    ];
    const sizes = Object.fromEntries(
      (['team_hourly', 'task_hourly', 'capacity_hourly', 'task_daily', 'detailed_report'] as const).map((t) => [t, prunedFiles(dataDir, t, scope.from, scope.to, [cluster]).reduce((a, f) => a + statSync(f).size, 0)]),
    );

    const say = (s = '') => process.stdout.write(`${s}\n`);
    say(`Pages over ${o.days} days (${new Date(scope.from).toISOString().slice(0, 10)} to ${new Date(scope.to - 1).toISOString().slice(0, 10)}), cluster ${cluster}, team ${team}`);
    say(o.data ? `  rollups under ${dataDir}` : `  generated rollups: ${o.teams} teams, ${BENCH_INSTANCE_TYPES.length} instance types, ${o.tasks} Kueue tasks + ${Math.floor(o.tasks / 5)} other pods an hour`);
    say(`  rollup bytes in range: ${Object.entries(sizes).map(([t, b]) => `${t} ${fmtBytes(b)}`).join(', ')}`);
    say();
    say(
      table(
        ['page', 'statement', 'panels', 'files', 'bytes read', 'billed', 'Athena cost', 'DuckDB rows', 'DuckDB ms'],
        measured.map((m) => [m.page, m.id, String(m.panels), String(m.files), fmtBytes(m.bytes), fmtBytes(billed(m.bytes)), fmtUsd((billed(m.bytes) / TB) * USD_PER_TB), String(m.rows), m.ms.toFixed(0)]),
      ),
    );
    say();
    for (const page of ['Team', 'Overview', 'Tasks']) {
      const ms = measured.filter((m) => m.page === page);
      const bytes = ms.reduce((a, m) => a + m.bytes, 0);
      const bill = ms.reduce((a, m) => a + billed(m.bytes), 0);
      const panels = ms.reduce((a, m) => a + m.panels, 0);
      // Unbatched: one statement per panel, each reading at least what its batch reads.
      const unbatched = ms.reduce((a, m) => a + m.panels * billed(m.bytes), 0);
      say(
        `${page} page: ${ms.length} statements for ${panels} panels, ${fmtBytes(bytes)} read, ${fmtBytes(bill)} billed (${fmtUsd((bill / TB) * USD_PER_TB)} per load); ` +
          `one statement per panel would bill ${fmtBytes(unbatched)} (${fmtUsd((unbatched / TB) * USD_PER_TB)}).`,
      );
    }
    say();
    say('Notes: bytes are the compressed column chunks of the referenced columns in the pruned partitions plus each file footer (upper bound: row groups');
    say("skipped by Parquet statistics are counted as read); Athena bills $5/TB, rounded up to the MB, at least 10 MB per statement; the variable, health-check");
    say('and Prometheus queries of the pages are not counted (variables read one small partition column set; Prometheus is not Athena).');
  } finally {
    connection.closeSync();
    instance.closeSync();
    if (root && !o.keep) rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:team-page: ${e instanceof BenchError ? e.message : ((e as Error).stack ?? String(e))}\n`);
  process.exit(1);
});

