/**
 * Compiled usage SQL for a dashboard that is saved as JSON: the time range and the variables are
 * only known when Grafana runs the panel. The query model compiles literal values, so it is given
 * sentinels (values `__hpu_var_<name>__`, and for DuckDB a range in 2001) and each sentinel is
 * then replaced by what the data source understands at run time:
 *
 * - a literal `'__hpu_var_team__'` by `${team:sqlstring}`, Grafana's format that quotes each
 *   value and doubles its quotes, so `team IN (${team:sqlstring})` holds one literal per value;
 * - Athena: the query model writes the range with the Athena data source's macros itself
 *   (scope `timeMacros`);
 * - DuckDB (motherduck-duckdb-datasource has only `$__timeFrom()`/`$__timeTo()`, expanded to an
 *   RFC 3339 string, hence the CAST): the day-partition predicate becomes the same pruning over
 *   the range macros, and the exact bounds become the macros.
 *
 * Anything of a sentinel left over is an error: the compiler's output changed shape.
 */
import { DAY_MS, dayPartitionPredicate, sqlString, sqlTimestamp, type Dialect } from '@hyperpod-usage/model';

/** Not whole UTC days, so the compiler keeps the hourly rollups a dashboard's range needs. */
export const SENTINEL_FROM = Date.UTC(2001, 1, 3, 1);
export const SENTINEL_TO = SENTINEL_FROM + DAY_MS;

const SENTINEL_PREFIX = '__hpu_var_';
export const variableSentinel = (name: string): string => `${SENTINEL_PREFIX}${name}__`;

export class TemplateError extends Error {
  override name = 'TemplateError';
}

interface Macros {
  from: string;
  to: string;
  day: (t: string) => string;
}

const MACROS: Readonly<Record<Dialect, Macros>> = {
  athena: { from: '$__timeFrom()', to: '$__timeTo()', day: (t) => `format_datetime(${t}, 'yyyyMMdd')` },
  duckdb: { from: 'CAST($__timeFrom() AS TIMESTAMP)', to: 'CAST($__timeTo() AS TIMESTAMP)', day: (t) => `strftime(${t}, '%Y%m%d')` },
};

function partitionRange(dialect: Dialect, alias: string, from: string): string {
  const m = MACROS[dialect];
  const p = alias ? `${alias}.` : '';
  return `(concat(${p}year, ${p}month, ${p}day) BETWEEN ${m.day(from)} AND ${m.day(m.to)})`;
}

function replaceAll(text: string, search: string, replacement: string): string {
  return text.split(search).join(replacement);
}

/** Replaces the sentinels of a statement compiled over SENTINEL_FROM..SENTINEL_TO by Grafana macros and variables. */
export function templateSql(sql: string, dialect: Dialect, variables: readonly string[]): string {
  const m = MACROS[dialect];
  let out = sql;
  for (const alias of ['r', 'd', 's', '']) {
    out = replaceAll(out, dayPartitionPredicate(SENTINEL_FROM, SENTINEL_TO, alias), partitionRange(dialect, alias, m.from));
    // Annotations read one day before the range (intervals filed under the day they began).
    out = replaceAll(out, dayPartitionPredicate(SENTINEL_FROM - DAY_MS, SENTINEL_TO, alias), partitionRange(dialect, alias, `${m.from} - INTERVAL '1' DAY`));
  }
  out = replaceAll(out, sqlTimestamp(SENTINEL_FROM), m.from);
  out = replaceAll(out, sqlTimestamp(SENTINEL_TO), m.to);
  for (const name of variables) out = replaceAll(out, sqlString(variableSentinel(name)), `\${${name}:sqlstring}`);
  if (out.includes(SENTINEL_PREFIX)) throw new TemplateError(`a variable sentinel is left in the SQL: ${out.slice(out.indexOf(SENTINEL_PREFIX) - 40, out.indexOf(SENTINEL_PREFIX) + 40)}`);
  if (/2001-02-0[234]|'2001'/.test(out)) throw new TemplateError('a sentinel date is left in the SQL: the compiler wrote the range in a form this template does not know');
  return out;
}
