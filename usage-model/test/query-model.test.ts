// The usage query compiler against the Trino grammar (dt-sql-parser): every statement it can
// produce parses; impossible combinations fail with one line; hostile values and template
// variables enter the SQL as exactly one string literal each. DuckDB runs the same statements in
// collector/test/query-model-duckdb.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TrinoSQL } from 'dt-sql-parser';
import { expandLikeGrafanaAndAthena } from './support/grafana-expand.js';
import {
  DIMENSIONS,
  MEASURES,
  QUERY_FORMATS,
  QUERY_INTERVALS,
  QueryModelError,
  RESOURCE_KEYS,
  SqlValueError,
  TEAM_PAGE_QUERIES,
  OVERVIEW_PAGE_QUERIES,
  SETTINGS_PAGE_QUERIES,
  TASKS_PAGE_QUERIES,
  athenaRelations,
  compileAnnotationQuery,
  compilePage,
  compileTaskListQuery,
  compileUsageQuery,
  compileVariableQuery,
  healthCheckQueries,
  healthCheckVerdict,
  interpolateFilters,
  interpolateClusters,
  parquetRelations,
  resolveInterval,
  rollupStem,
  sqlLiterals,
  type CompiledQuery,
  type Dimension,
  type DimensionFilter,
  type QueryScope,
  type TemplateVariableLookup,
  type UsageQuery,
} from '../src/index.js';

const parser = new TrinoSQL();
const STRING_TOKEN = (parser.getAllTokens("'x'")[0] as { type: number }).type;

// Two days across a month boundary keep statements short; two clusters, one with a quote.
const scope: QueryScope = {
  dialect: 'athena',
  relations: athenaRelations('hyperpod_usage'),
  from: Date.parse('2025-01-31T06:00:00Z'),
  to: Date.parse('2025-02-02T00:00:00Z'),
  clusters: ['ml-prod', 'eks_2.a'],
  maxDataPoints: 500,
};

function assertParses(sql: string, what: string): void {
  const errors = parser.validate(sql);
  assert.deepEqual(errors.map((e) => `${e.startLine}:${e.startColumn} ${e.message}`), [], `${what}\n${sql}`);
}

/** Default-channel tokens (no whitespace or comments) as [type, text]. */
function tokens(sql: string): Array<[number, string]> {
  return parser
    .getAllTokens(sql)
    .filter((t) => (t as { channel?: number }).channel === 0)
    .map((t) => [(t as { type: number }).type, (t as { text: string }).text]);
}

const decode = (text: string): string => text.slice(1, -1).replace(/''/g, "'");

/**
 * One value at tokens[i]: a string literal, or the parenthesised concatenation of literals and
 * `chr(n)` that sqlText writes for `$` and `[`. Returns the value and the index after it.
 */
function readValue(ts: ReadonlyArray<[number, string]>, i: number): [string, number] | undefined {
  const at = (k: number): [number, string] => ts[k] ?? [-1, ''];
  if (at(i)[0] === STRING_TOKEN) return [decode(at(i)[1]), i + 1];
  if (at(i)[1] !== '(') return undefined;
  let j = i + 1;
  let out = '';
  for (;;) {
    const [type, text] = at(j);
    if (type === STRING_TOKEN) {
      out += decode(text);
      j++;
    } else if (text.toLowerCase() === 'chr' && at(j + 1)[1] === '(' && /^\d+$/.test(at(j + 2)[1]) && at(j + 3)[1] === ')') {
      out += String.fromCharCode(Number(at(j + 2)[1]));
      j += 4;
    } else return undefined;
    if (at(j)[1] === ')') return [out, j + 1];
    if (at(j)[1] !== '||') return undefined;
    j++;
  }
}

/**
 * Proof that `values` entered `sql` as one value each: its tokens equal, one for one, those of
 * `baseline` (the same query with the harmless `placeholders` instead), except that each
 * placeholder literal became one value expression holding exactly its value; no string literal
 * holds `$` or `[`, so Grafana's and Athena's rewriting cannot reach into it.
 */
function assertOneLiteralPerValue(sql: string, baseline: string, values: readonly string[], placeholders: readonly string[]): void {
  const got = tokens(sql);
  const base = tokens(baseline);
  const used = new Set<number>();
  let g = 0;
  base.forEach(([baseType, baseText], b) => {
    const k = baseType === STRING_TOKEN ? placeholders.indexOf(decode(baseText)) : -1;
    if (k >= 0) {
      const read = readValue(got, g);
      assert.ok(read, `token ${g}: no value where placeholder ${baseText} was`);
      assert.equal(read[0], values[k], 'the value comes back exactly');
      g = read[1];
      used.add(k);
    } else {
      assert.deepEqual(got[g], [baseType, baseText], `token ${b} changed`);
      g++;
    }
  });
  assert.equal(g, got.length, 'the values added tokens');
  assert.equal(used.size, values.length, 'every value is in the statement');
  for (const [type, text] of got) if (type === STRING_TOKEN) assert.doesNotMatch(text, /[$[]/, `a literal holds $ or [: ${text}`);
}

const resourceFree = (sql: string, resource: string): string => sql.replaceAll(`${rollupStem(resource as never)}_`, 'RES_');

describe('compileUsageQuery', () => {
  const groupBys: Dimension[][] = [[], ...DIMENSIONS.map((d) => [d]), ...DIMENSIONS.flatMap((a, i) => DIMENSIONS.slice(i + 1).map((b) => [a, b]))];
  const measureSets = [...MEASURES.map((m) => [m]), ['hours', 'own_hours', 'borrowed_hours', 'lent_hours', 'nominal_hours', 'unused_hours', 'cost', 'quota_share'], ['hours', 'idle_hours', 'cost'], ['hours', 'cost']] as const;

  /** Every query of the cross product, compiled, or the error it gave. */
  function enumerate(resource: UsageQuery['resource']): Array<{ query: UsageQuery; compiled?: CompiledQuery; error?: Error }> {
    const out: Array<{ query: UsageQuery; compiled?: CompiledQuery; error?: Error }> = [];
    for (const measures of measureSets) {
      for (const groupBy of groupBys) {
        for (const format of QUERY_FORMATS) {
          for (const interval of format === 'table' ? (['auto'] as const) : QUERY_INTERVALS) {
            for (const topN of [undefined, 3]) {
              const filters: DimensionFilter[] = groupBy.length ? [{ dimension: groupBy[0] as Dimension, values: ['a', "b'c"], exclude: topN === 3 }] : [];
              const query: UsageQuery = { measures, resource, groupBy, filters, interval, format, ...(topN ? { topN } : {}) };
              try {
                out.push({ query, compiled: compileUsageQuery(query, scope) });
              } catch (e) {
                out.push({ query, error: e as Error });
              }
            }
          }
        }
      }
    }
    return out;
  }

  it('every statement for GPU and NeuronCores (the two expression shapes) parses as Trino', () => {
    let parsed = 0;
    for (const resource of ['gpu', 'neuron_core'] as const) {
      const seen = new Set<string>();
      for (const { compiled, error, query } of enumerate(resource)) {
        if (error) {
          assert.ok(error instanceof QueryModelError, `${JSON.stringify(query)}: ${String(error)}`);
          assert.ok(!error.message.includes('\n'), 'one line');
          continue;
        }
        const sql = (compiled as CompiledQuery).sql;
        if (seen.has(sql)) continue;
        seen.add(sql);
        assertParses(sql, JSON.stringify(query));
        parsed++;
      }
    }
    assert.ok(parsed > 300, `only ${parsed} statements`);
  });

  it('over whole UTC days, task and priority statements read task_daily and parse', () => {
    const days = { ...scope, from: Date.parse('2025-01-31T00:00:00Z'), to: Date.parse('2025-02-02T00:00:00Z') };
    let daily = 0;
    for (const resource of ['gpu', 'neuron_core'] as const) {
      for (const measures of [['hours'], ['cost'], ['hours', 'cost']] as const) {
        for (const groupBy of groupBys.filter((g) => g.includes('task') || g.includes('priority_class'))) {
          for (const [format, interval] of [['table', 'auto'], ['time_series', 'day'], ['time_series', 'week'], ['time_series', 'month'], ['time_series', 'hour']] as const) {
            for (const topN of [undefined, 3]) {
              const c = compileUsageQuery({ measures, resource, groupBy, filters: [], interval, format, ...(topN ? { topN } : {}) }, days);
              assert.equal(c.scans?.[0]?.table, interval === 'hour' ? 'task_hourly' : 'task_daily', `${format} ${interval}`);
              if (interval === 'hour') continue;
              assertParses(c.sql, JSON.stringify({ measures, resource, groupBy, format, interval, topN }));
              daily++;
            }
          }
        }
      }
    }
    assert.ok(daily > 100);
  });

  it('the other resources give the GPU statements with their own columns', () => {
    const gpu = enumerate('gpu');
    for (const resource of RESOURCE_KEYS.filter((r) => r !== 'gpu' && r !== 'neuron_core')) {
      enumerate(resource).forEach((r, i) => {
        const g = gpu[i] as (typeof gpu)[number];
        assert.equal(Boolean(r.error), Boolean(g.error), JSON.stringify(r.query));
        if (!r.compiled || !g.compiled) return;
        // Cost reads every resource's hours, whatever the resource: compare with those masked.
        const strip = (sql: string) => sql.replace(/\(CASE p\.unit_resource[^]*?unit_price_per_hour\)/g, 'COST');
        assert.equal(resourceFree(strip(r.compiled.sql), resource), resourceFree(strip(g.compiled.sql), 'gpu'), JSON.stringify(r.query));
      });
    }
  });

  it('picks the rollup by what the query needs', () => {
    const table = (q: Partial<UsageQuery>) =>
      compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: [], filters: [], interval: 'day', format: 'table', ...q }, scope).scans?.[0]?.table;
    assert.equal(table({ measures: ['own_hours'], groupBy: ['team'] }), 'team_hourly');
    assert.equal(table({ groupBy: ['team'] }), 'team_hourly');
    assert.equal(table({ groupBy: ['priority_class'] }), 'task_hourly');
    assert.equal(table({ filters: [{ dimension: 'task', values: ['x'] }] }), 'task_hourly');
    assert.equal(table({ measures: ['idle_hours'], groupBy: ['instance_type'] }), 'capacity_hourly');
  });

  it('says in one line why no rollup can answer', () => {
    const fails = (q: Partial<UsageQuery>, pattern: RegExp) =>
      assert.throws(
        () => compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: [], filters: [], interval: 'day', format: 'table', ...q }, scope),
        (e: Error) => e instanceof QueryModelError && pattern.test(e.message) && !e.message.includes('\n'),
      );
    fails({ measures: ['idle_hours'], groupBy: ['team'] }, /idle_hours cannot be grouped or filtered by team/);
    fails({ measures: ['own_hours'], groupBy: ['task'] }, /own_hours cannot be grouped or filtered by task/);
    fails({ measures: ['quota_share'], filters: [{ dimension: 'priority_class', values: ['x'] }] }, /priority_class/);
    fails({ measures: ['idle_hours', 'own_hours'] }, /no rollup has idle_hours, own_hours together/);
    fails({ measures: [] }, /at least one measure/);
    fails({ measures: ['hours', 'hours'] }, /twice/);
    fails({ topN: 0, groupBy: ['team'] }, /top N/);
    assert.throws(() => compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: [], filters: [], interval: 'day', format: 'table' }, { ...scope, to: scope.from }), QueryModelError);
  });

  it('prunes day partitions and clusters on the rollup it reads, and on the price table join only what it needs', () => {
    const { sql } = compileUsageQuery({ measures: ['cost'], resource: 'gpu', groupBy: ['team'], filters: [], interval: 'hour', format: 'time_series' }, scope);
    assert.match(sql, /\(\(r\.year = '2025' AND r\.month = '01' AND r\.day = '31'\) OR \(r\.year = '2025' AND r\.month = '02' AND r\.day = '01'\)\)/);
    assert.match(sql, /r\.cluster IN \('ml-prod', 'eks_2\.a'\)/);
    assert.throws(() => compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: [], filters: [], interval: 'day', format: 'table' }, { ...scope, clusters: ["it's"] }), /invalid cluster name/);
    assert.throws(() => compileVariableQuery({ dimension: 'team' }, { ...scope, clusters: ['$cluster'] }), /invalid cluster name/);
    assert.match(sql, /r\.hour >= TIMESTAMP '2025-01-31 06:00:00\.000'/);
    assert.match(sql, /"hyperpod_usage"\."prices"/);
    const plain = compileUsageQuery({ measures: ['hours'], resource: 'gpu', groupBy: ['team'], filters: [], interval: 'hour', format: 'time_series' }, scope).sql;
    assert.doesNotMatch(plain, /prices|cores_per_device/);
  });

  it('time series: the time column first and ascending; fields typed with Grafana units', () => {
    const c = compileUsageQuery({ measures: ['hours', 'cost', 'quota_share'], resource: 'memory_bytes', groupBy: ['team'], filters: [], interval: 'day', format: 'time_series' }, scope);
    assert.deepEqual(c.fields.map((f) => [f.name, f.type, f.unit]), [
      ['time', 'time', undefined],
      ['team', 'string', undefined],
      ['hours', 'number', 'suffix: GiB-h'],
      ['cost', 'number', 'currencyUSD'],
      ['quota_share', 'number', 'percentunit'],
    ]);
    assert.match(c.sql, /^SELECT date_trunc\('day', r\.hour\) AS "time"/);
    assert.match(c.sql, /ORDER BY 1, 2$/);
    assert.equal(c.interval, 'day');
  });

  it('auto interval: the finest whose buckets fit maxDataPoints', () => {
    const day = 86_400_000;
    assert.equal(resolveInterval('auto', 0, 30 * day, 1000), 'hour');
    assert.equal(resolveInterval('auto', 0, 30 * day, 300), 'day');
    assert.equal(resolveInterval('auto', 0, 365 * day, 100), 'week');
    assert.equal(resolveInterval('auto', 0, 3 * 365 * day, 40), 'month');
    assert.equal(resolveInterval('auto', 0, 30 * 365 * day, 10), 'month');
    assert.equal(resolveInterval('week', 0, day, 1), 'week');
  });
});

/** What grafana-athena-datasource's backend makes of its time macros (pkg/athena/macros.go), in UTC. */
export function expandAthenaTimeMacros(sql: string, from: number, to: number): string {
  const ts = (ms: number) => `TIMESTAMP '${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}'`;
  const digits = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
  return sql
    .replaceAll('$__timeFrom()', ts(from))
    .replaceAll('$__timeTo()', ts(to))
    .replaceAll('$__rawTimeFrom(yyyyMMdd)', digits(from))
    .replaceAll('$__rawTimeTo(yyyyMMdd)', digits(to));
}

describe('time macros for SQL the Athena data source runs as stored', () => {
  const macroScope = { ...scope, timeMacros: true };
  it('usage, variable, annotation and task statements carry no literal range and parse once expanded', () => {
    const statements = [
      compileUsageQuery({ measures: ['hours', 'cost'], resource: 'gpu', groupBy: ['team'], filters: [{ dimension: 'team', values: [], variable: 'team' }], interval: 'day', format: 'time_series', topN: 5 }, macroScope).sql,
      compileVariableQuery({ dimension: 'task', filters: [{ dimension: 'team', values: [], variable: 'team' }] }, macroScope).sql,
      compileAnnotationQuery({ teams: [] }, macroScope).sql,
      compileTaskListQuery({ resource: 'gpu', filters: [] }, macroScope).sql,
    ];
    for (const sql of statements) {
      assert.doesNotMatch(sql, /TIMESTAMP '|year = '/, 'no literal range');
      assert.match(sql, /concat\((r|d)\.year, \1\.month, \1\.day\) BETWEEN '\$__rawTimeFrom\(yyyyMMdd\)' AND '\$__rawTimeTo\(yyyyMMdd\)'/);
      assertParses(expandAthenaTimeMacros(sql.replaceAll('${team:sqlstring}', "'a','b'"), scope.from, scope.to), sql);
    }
  });
  it('are refused for DuckDB', () => {
    assert.throws(() => compileVariableQuery({ dimension: 'team' }, { ...macroScope, dialect: 'duckdb' }), QueryModelError);
  });
});

describe('variables, annotations, tasks, health, pages', () => {
  it('every variable query parses, with and without filters', () => {
    for (const dimension of DIMENSIONS) {
      assertParses(compileVariableQuery({ dimension }, scope).sql, dimension);
      for (const other of DIMENSIONS) {
        assertParses(compileVariableQuery({ dimension, filters: [{ dimension: other, values: ['x', "y'"] }] }, scope).sql, `${dimension} by ${other}`);
      }
    }
  });

  it('annotations, the task list and the health checks parse', () => {
    assertParses(compileAnnotationQuery({ teams: ['team-a', "o'brien"] }, scope).sql, 'annotations');
    assertParses(compileAnnotationQuery({ teams: [] }, scope).sql, 'annotations, all teams');
    for (const sort of ['hours', 'preemptions', 'queue_wait_seconds', 'first_admitted_at', 'task'] as const) {
      assertParses(compileTaskListQuery({ resource: 'gpu', filters: [{ dimension: 'team', values: ['a'] }], search: "it's", sort }, scope).sql, sort);
    }
    for (const resource of RESOURCE_KEYS) assertParses(compileTaskListQuery({ resource, filters: [] }, scope).sql, `task list of ${resource}`);
    const health = healthCheckQueries(scope, { dialect: 'athena', database: 'hyperpod_usage' }, { now: scope.to });
    assertParses(health.tables.sql, 'tables');
    assertParses(health.freshness.sql, 'freshness');
  });

  it('the page query sets compile and parse', () => {
    for (const [name, queries] of [['overview', OVERVIEW_PAGE_QUERIES()], ['team', TEAM_PAGE_QUERIES("o'brien")], ['tasks', TASKS_PAGE_QUERIES([{ dimension: 'team', values: ['a'] }], 'pre')], ['settings', SETTINGS_PAGE_QUERIES()]] as const) {
      for (const q of compilePage(queries, scope)) assertParses(q.compiled.sql, `${name} ${q.id}`);
    }
  });

  it('health verdicts say what is missing', () => {
    const now = Date.parse('2025-02-02T10:20:00Z');
    const all = ['capacity_hourly', 'detailed_report', 'prices', 'task_hourly', 'team_hourly'];
    const one = { clusters: ['ml-prod'] };
    assert.match(healthCheckVerdict(one, [], undefined, { now }).message, /^No usage tables found/);
    assert.match(healthCheckVerdict(one, ['team_hourly'], undefined, { now }).message, /missing: task_hourly, capacity_hourly, detailed_report, prices/);
    assert.match(healthCheckVerdict(one, all, [], { now }).message, /No usage data for cluster ml-prod/);
    assert.match(healthCheckVerdict(one, all, [{ cluster: 'other', lastHour: now }], { now }).message, /No usage data for cluster ml-prod/);
    const stale = healthCheckVerdict(one, all, [{ cluster: 'ml-prod', lastHour: Date.parse('2025-02-02T04:00:00Z') }], { now, maxAgeHours: 3 });
    assert.deepEqual(stale, { ok: false, message: 'Usage data is older than 3 hours (ml-prod 5 h): check the aggregation schedule.' });
    assert.equal(healthCheckVerdict(one, all, [{ cluster: 'ml-prod', lastHour: Date.parse('2025-02-02T09:00:00Z') }], { now }).ok, true);
  });

  it('parquetRelations: one escaped path value per table, partition keys read as strings', () => {
    assert.match(parquetRelations('/srv/$HOME/[x]').team_hourly, /^read_parquet\(\('\/srv\/' \|\| chr\(36\) \|\| 'HOME\/' \|\| chr\(91\) \|\| 'x\]\/rollups/);
    const relations = parquetRelations("/data/it's here/");
    assert.equal(relations.team_hourly, "read_parquet('/data/it''s here/rollups/team_hourly/year=*/month=*/day=*/cluster=*/*.parquet', hive_partitioning = true, union_by_name = true, hive_types = {'year': VARCHAR, 'month': VARCHAR, 'day': VARCHAR, 'cluster': VARCHAR})");
    assert.equal(relations.prices, "read_parquet('/data/it''s here/reference/prices/*.parquet', union_by_name = true)");
    assert.throws(() => parquetRelations(' '), SqlValueError);
  });
});

// Hostile text: quotes, backslashes, Grafana macros and variables, comment markers, semicolons,
// unicode (combining marks, right-to-left, astral), mixed with arbitrary strings.
const fragment = fc.oneof(
  fc.constantFrom("'", "''", "\\'", '\\', '"', '`', '$__all', '$__timeFilter(hour)', '${}', '${team}', '$team', '[[team]]', '--', '/*', '*/', ';', "'; DROP TABLE team_hourly; --", 'é', 'e\u0301', '\u202e', '😀', '\u2028', 'NULL', ' OR 1=1'),
  fc.string({ maxLength: 6, unit: 'grapheme' }),
);
export const hostile = fc.array(fragment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/;

describe('hostile values: exactly one literal each (Trino lexer)', () => {
  const noVariables: TemplateVariableLookup = () => undefined;
  const query = (values: readonly string[]): UsageQuery => ({
    measures: ['hours', 'cost'],
    resource: 'gpu',
    groupBy: ['team'],
    filters: [{ dimension: 'team', values }, { dimension: 'instance_type', values, exclude: true }],
    interval: 'hour',
    format: 'time_series',
    topN: 2,
  });

  it('filter values', () => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 3 }), (raw) => {
        const values = [...new Set(raw)];
        const filters = interpolateFilters(query(values).filters, noVariables);
        if (values.some((v) => CONTROL.test(v))) {
          assert.throws(() => compileUsageQuery({ ...query(values), filters }, scope), SqlValueError);
          return;
        }
        const placeholders = values.map((_, i) => `v${i}`);
        const sql = compileUsageQuery({ ...query(values), filters }, scope).sql;
        // What Grafana's template service and Athena's macros do to the text changes nothing.
        assert.equal(expandLikeGrafanaAndAthena(sql), sql);
        assertOneLiteralPerValue(sql, compileUsageQuery(query(placeholders), scope).sql, values, placeholders);
        assertParses(sql, JSON.stringify(values));
      }),
      { numRuns: 60 },
    );
  });

  it('multi-value variables in $var, ${var} and [[var]] form, and All', () => {
    fc.assert(
      fc.property(fc.array(hostile.filter((v) => !CONTROL.test(v)), { minLength: 1, maxLength: 3 }), fc.constantFrom('$team', '${team}', '${team:csv}', '[[team]]'), (raw, ref) => {
        const values = [...new Set(raw)];
        const lookup: TemplateVariableLookup = (name) => (name === 'team' ? { values, all: false } : undefined);
        const filters = interpolateFilters([{ dimension: 'team', values: [ref] }], lookup);
        assert.deepEqual(filters, [{ dimension: 'team', values }]);
        const vq = compileVariableQuery({ dimension: 'task', filters }, scope).sql;
        assert.equal(expandLikeGrafanaAndAthena(vq), vq);
        const placeholders = values.map((_, i) => `v${i}`);
        assertOneLiteralPerValue(vq, compileVariableQuery({ dimension: 'task', filters: [{ dimension: 'team', values: placeholders }] }, scope).sql, values, placeholders);
        const ann = compileAnnotationQuery({ teams: values }, scope).sql;
        assert.equal(expandLikeGrafanaAndAthena(ann), ann);
        const tasks = compileTaskListQuery({ resource: 'gpu', filters: [{ dimension: 'team', values }], search: values[0] as string }, scope).sql;
        assert.equal(expandLikeGrafanaAndAthena(tasks), tasks);
        assertParses(tasks, 'task list');
        assertOneLiteralPerValue(ann, compileAnnotationQuery({ teams: placeholders }, scope).sql, values, placeholders);
        assertParses(vq, 'variable query');
        // Raw SQL through Grafana's replace with our format function.
        const rawSql = `SELECT 1 FROM t WHERE team IN (${sqlLiterals(values)})`;
        assert.equal(expandLikeGrafanaAndAthena(rawSql), rawSql);
        assertOneLiteralPerValue(rawSql, `SELECT 1 FROM t WHERE team IN (${sqlLiterals(placeholders)})`, values, placeholders);
      }),
      { numRuns: 40 },
    );
  });

  it('a variable left to Grafana (portable dashboards) becomes ${name:sqlstring}, whose expansion is one literal per value', () => {
    const q = (filter: DimensionFilter): UsageQuery => ({ measures: ['hours'], resource: 'gpu', groupBy: ['team'], filters: [filter], interval: 'day', format: 'time_series' });
    const sql = compileUsageQuery(q({ dimension: 'team', values: [], variable: 'team' }), scope).sql;
    assert.match(sql, /coalesce\(r\.team, ''\) IN \(\$\{team:sqlstring\}\)/);
    // Grafana's documented sqlstring format: each value in single quotes with its quotes doubled, joined by commas.
    const sqlstring = (values: readonly string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    fc.assert(
      fc.property(fc.uniqueArray(hostile.filter((v) => !CONTROL.test(v)), { minLength: 1, maxLength: 3 }), (values) => {
        const placeholders = values.map((_, i) => `v${i}`);
        // Grafana's expansion is its own, so its literals may hold $: check the count and the values only.
        const expanded = sql.replace('${team:sqlstring}', sqlstring(values));
        const base = tokens(sql.replace('${team:sqlstring}', sqlstring(placeholders)));
        const got = tokens(expanded);
        assert.equal(got.length, base.length, 'the expansion added tokens');
        base.forEach(([type, text], i) => {
          const k = type === STRING_TOKEN ? placeholders.indexOf(decode(text)) : -1;
          if (k >= 0) assert.deepEqual([got[i]?.[0], decode(got[i]?.[1] ?? '')], [STRING_TOKEN, values[k]]);
          else assert.deepEqual(got[i], base[i]);
        });
      }),
      { numRuns: 30 },
    );
    for (const name of ['team}', 'a b', '$team', '', 'x'.repeat(65)]) {
      assert.throws(() => compileUsageQuery(q({ dimension: 'team', values: [], variable: name }), scope), QueryModelError);
    }
  });

  it('All drops the restriction; embedded single values are substituted; unknown names stay literal', () => {
    const lookup: TemplateVariableLookup = (name) =>
      name === 'team' ? { values: ['a', 'b'], all: true } : name === 'one' ? { values: ["x'y"], all: false } : undefined;
    assert.deepEqual(interpolateFilters([{ dimension: 'team', values: ['$team'] }], lookup), []);
    assert.deepEqual(interpolateFilters([{ dimension: 'team', values: ['$team'], exclude: true }], lookup), [{ dimension: 'team', values: [] }]);
    assert.deepEqual(interpolateFilters([{ dimension: 'task', values: ['job-${one}-1', '$__interval', '$nope'] }], lookup), [{ dimension: 'task', values: ["job-x'y-1", '$__interval', '$nope'] }]);
    assert.throws(() => interpolateFilters([{ dimension: 'task', values: ['pre-$team'] }], lookup), /several values/);
    assert.deepEqual(interpolateClusters(['$team'], lookup), []);
    assert.equal(sqlLiterals([]), 'NULL');
  });
});
