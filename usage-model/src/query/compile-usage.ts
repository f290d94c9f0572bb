/**
 * compileUsageQuery: a UsageQuery over a QueryScope → one SQL statement on a rollup, the same
 * text for Athena and DuckDB (the portable forms of sql/dialect.ts), and its fields.
 *
 * Shape of the statement:
 * - reads one rollup (team_hourly, task_hourly or capacity_hourly, see sources.ts), with literal
 *   day-partition and cluster predicates innermost, plus the exact [from, to) on the hour;
 * - joins the NeuronCores-per-device table and the unit prices only when a measure needs them;
 * - time_series: `time` first (the bucket's start, a plain UTC timestamp), then one string
 *   column per group-by dimension, then one number column per measure, ordered by time: the
 *   long format Grafana's SQL data sources turn into one series per group (sqlutil LongToWide
 *   for format time series, or `prepareTimeSeries` on the frontend);
 * - table: the dimensions and measures, largest first;
 * - topN: the N groups largest over the whole range by the first measure are kept, the rest are
 *   summed into one group named OTHER_GROUP (ratios are recomputed from the summed parts).
 */
import { RESOURCE_KEYS } from '../resources.js';
import { sqlNumber, sqlString } from '../sql/dialect.js';
import { neuronCoresTable } from '../sql/neuron.js';
import { unitPricesTable } from '../sql/cost.js';
import { daysBetween } from '../sql/partitions.js';
import { rangePredicates } from './range.js';
import { HOUR_COLUMN, PARTITION_COLUMNS, column } from './columns.js';
import { dimensionField, measureField, TIME_FIELD, timeField } from './fields.js';
import { bucketSql, resolveInterval } from './interval.js';
import { NEURON, PRICE, ROW, USAGE_SOURCES, type MeasurePlan, type UsageSource } from './sources.js';
import {
  DIMENSIONS,
  MEASURES,
  OTHER_GROUP,
  QUERY_FORMATS,
  QueryModelError,
  type CompiledField,
  type CompiledQuery,
  type Dimension,
  type DimensionFilter,
  type Measure,
  type QueryScope,
  type UsageQuery,
} from './types.js';

/** Longest range a statement may cover: its day predicate stays well inside Athena's 256 KB. */
export const MAX_RANGE_DAYS = 1000;

const quoted = (name: string): string => `"${name}"`;

/** Checks the scope's range. */
export function checkScope(scope: QueryScope): void {
  if (!Number.isFinite(scope.from) || !Number.isFinite(scope.to) || scope.from >= scope.to) {
    throw new QueryModelError(`the time range must have from < to, got ${scope.from} to ${scope.to}`);
  }
  const days = daysBetween(scope.from, scope.to).length;
  if (days > MAX_RANGE_DAYS) throw new QueryModelError(`the time range covers ${days} days; at most ${MAX_RANGE_DAYS} are allowed`);
}

function checkQuery(query: UsageQuery): void {
  if (query.measures.length === 0) throw new QueryModelError('choose at least one measure');
  for (const m of query.measures) if (!MEASURES.includes(m)) throw new QueryModelError(`unknown measure ${JSON.stringify(m)}`);
  if (new Set(query.measures).size !== query.measures.length) throw new QueryModelError('a measure is listed twice');
  if (!RESOURCE_KEYS.includes(query.resource)) throw new QueryModelError(`unknown resource ${JSON.stringify(query.resource)}`);
  for (const d of [...query.groupBy, ...query.filters.map((f) => f.dimension)]) {
    if (!DIMENSIONS.includes(d)) throw new QueryModelError(`unknown dimension ${JSON.stringify(d)}`);
  }
  if (new Set(query.groupBy).size !== query.groupBy.length) throw new QueryModelError('a group-by dimension is listed twice');
  if (!QUERY_FORMATS.includes(query.format)) throw new QueryModelError(`unknown format ${JSON.stringify(query.format)}`);
  if (query.topN !== undefined && !(Number.isInteger(query.topN) && query.topN >= 1 && query.topN <= 1000)) {
    throw new QueryModelError(`top N must be a whole number from 1 to 1000, got ${query.topN}`);
  }
}

/** The first source that answers every measure and dimension, or a one-line reason why none does. */
export function chooseSource(measures: readonly Measure[], dimensions: readonly Dimension[], resource: UsageQuery['resource']): UsageSource {
  const fits = (s: UsageSource): boolean => measures.every((m) => s.measure(m, resource)) && dimensions.every((d) => s.dimensions[d] !== undefined);
  const source = USAGE_SOURCES.find(fits);
  if (source) return source;
  // Name the measure that rules out the dimensions, or the measures that rule out each other.
  for (const m of measures) {
    const withMeasure = USAGE_SOURCES.filter((s) => s.measure(m, resource));
    const missing = dimensions.filter((d) => withMeasure.every((s) => s.dimensions[d] === undefined));
    if (missing.length > 0) {
      const where = withMeasure.map((s) => s.describe).join('; ');
      throw new QueryModelError(`${m} cannot be grouped or filtered by ${missing.join(', ')}: ${where}`);
    }
  }
  throw new QueryModelError(`no rollup has ${measures.join(', ')} together${dimensions.length ? ` by ${dimensions.join(', ')}` : ''}; split them into separate queries`);
}

/** Grafana variable names: letters, digits and underscores. */
const GRAFANA_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** `col IN ('a', 'b')`, `col NOT IN (...)`; no values: nothing matches (or, excluded, everything does). */
export function filterPredicate(columnSql: string, filter: DimensionFilter): string {
  if (filter.variable !== undefined) {
    if (!GRAFANA_VARIABLE_NAME.test(filter.variable)) throw new QueryModelError(`invalid variable name ${JSON.stringify(filter.variable.slice(0, 64))}`);
    return `${columnSql} ${filter.exclude ? 'NOT IN' : 'IN'} (\${${filter.variable}:sqlstring})`;
  }
  if (filter.values.length === 0) return filter.exclude ? 'TRUE' : 'FALSE';
  return `${columnSql} ${filter.exclude ? 'NOT IN' : 'IN'} (${filter.values.map(sqlString).join(', ')})`;
}

/** A dimension's value as a string, '' for NULL, so groups, joins and filters agree. */
function dimensionSql(source: UsageSource, dimension: Dimension): string {
  const name = source.dimensions[dimension] as string;
  // Partition keys are strings and never NULL; coalescing them would hide them from pruning.
  return PARTITION_COLUMNS.includes(name) ? `${ROW}.${name}` : `coalesce(${ROW}.${name}, '')`;
}

export function compileUsageQuery(query: UsageQuery, scope: QueryScope): CompiledQuery {
  checkQuery(query);
  checkScope(scope);
  const filterDims = query.filters.map((f) => f.dimension);
  const source = chooseSource(query.measures, [...query.groupBy, ...filterDims], query.resource);
  const table = source.table;
  const plans = query.measures.map((m) => source.measure(m, query.resource) as MeasurePlan);

  // Distinct summed parts across the measures: c0, c1, ...
  const parts: string[] = [];
  const partIndex = (sql: string): number => {
    const i = parts.indexOf(sql);
    return i >= 0 ? i : parts.push(sql) - 1;
  };
  const measureParts = plans.map((p) => p.parts.map(partIndex));

  const timeSeries = query.format === 'time_series';
  const interval = timeSeries ? resolveInterval(query.interval, scope.from, scope.to, scope.maxDataPoints) : undefined;
  const hour = `${ROW}.${column(table, HOUR_COLUMN)}`;
  const groupSql = query.groupBy.map((d) => dimensionSql(source, d));
  const keys = [...(interval ? [`${bucketSql(interval, hour)} AS ${quoted(TIME_FIELD)}`] : []), ...groupSql.map((g, i) => `${g} AS ${quoted(query.groupBy[i] as string)}`)];

  const joins: string[] = [];
  if (plans.some((p) => p.neuron)) joins.push(`LEFT JOIN ${neuronCoresTable()} ${NEURON} ON ${NEURON}.instance_type = ${ROW}.${column(table, 'instance_type')}`);
  if (plans.some((p) => p.prices)) joins.push(`LEFT JOIN ${unitPricesTable(scope.relations)} ${PRICE} ON ${PRICE}.instance_type = ${ROW}.${column(table, 'instance_type')}`);

  const where = [
    ...rangePredicates(scope, ROW, hour),
    ...query.filters.map((f) => filterPredicate(dimensionSql(source, f.dimension), f)),
  ];
  const from = `${scope.relations[table]} ${ROW}${joins.map((j) => `\n  ${j}`).join('')}`;
  const keyCount = keys.length;
  const groupBy = keyCount ? `\n GROUP BY ${keys.map((_, i) => i + 1).join(', ')}` : '';

  const measureSql = (sumOf: (part: number) => string): string[] =>
    plans.map((p, i) => `${p.combine((measureParts[i] as number[]).map(sumOf))} AS ${quoted(query.measures[i] as string)}`);
  const firstMeasure = quoted(query.measures[0] as string);
  const ranked = query.topN !== undefined && query.groupBy.length > 0;

  let sql: string;
  if (!ranked) {
    const order = interval ? Array.from({ length: keyCount }, (_, i) => i + 1).join(', ') : [`${firstMeasure} DESC NULLS LAST`, ...groupSql.map((_, i) => i + 1)].join(', ');
    sql = `SELECT ${[...keys, ...measureSql((i) => `sum(${parts[i] as string})`)].join(',\n       ')}
  FROM ${from}
 WHERE ${where.join('\n   AND ')}${groupBy}
 ORDER BY ${order}`;
  } else {
    const dims = query.groupBy.map(quoted);
    const partCols = parts.map((_, i) => `c${i}`);
    const first = plans[0] as MeasurePlan;
    const rankBy = first.combine((measureParts[0] as number[]).map((i) => `sum(b.c${i})`));
    const grouped = query.groupBy.map((d) => `CASE WHEN g.group_rank <= ${sqlNumber(query.topN as number)} THEN b.${quoted(d)} ELSE ${sqlString(OTHER_GROUP)} END AS ${quoted(d)}`);
    const outerKeys = [...(interval ? [`b.${quoted(TIME_FIELD)}`] : []), ...grouped];
    // The kept groups by rank, OTHER_GROUP (ranks above N) last.
    const order = [...(interval ? ['1'] : []), 'min(g.group_rank)'].join(', ');
    sql = `WITH base AS (
SELECT ${[...keys, ...parts.map((p, i) => `sum(${p}) AS ${partCols[i] as string}`)].join(',\n       ')}
  FROM ${from}
 WHERE ${where.join('\n   AND ')}${groupBy}
), ranks AS (
SELECT ${dims.map((d) => `b.${d}`).join(', ')}, row_number() OVER (ORDER BY ${rankBy} DESC NULLS LAST, ${dims.map((d) => `b.${d}`).join(', ')}) AS group_rank
  FROM base b
 GROUP BY ${dims.map((d) => `b.${d}`).join(', ')}
)
SELECT ${[...outerKeys, ...measureSql((i) => `sum(b.c${i})`)].join(',\n       ')}
  FROM base b JOIN ranks g ON ${dims.map((d) => `g.${d} = b.${d}`).join(' AND ')}
 GROUP BY ${outerKeys.map((_, i) => i + 1).join(', ')}
 ORDER BY ${order}`;
  }

  const fields: CompiledField[] = [
    ...(interval ? [timeField()] : []),
    ...query.groupBy.map(dimensionField),
    ...query.measures.map((m) => measureField(m, query.resource, source.costLabel)),
  ];
  const columns = new Set<string>([HOUR_COLUMN, ...PARTITION_COLUMNS, ...plans.flatMap((p) => p.columns)]);
  for (const d of [...query.groupBy, ...filterDims]) columns.add(source.dimensions[d] as string);
  const scans = [{ table, columns: [...columns] }, ...(plans.some((p) => p.prices) ? [{ table: 'prices' as const, columns: ['instance_type', 'unit_resource', 'unit_price_per_hour'] }] : [])];
  return { sql, fields, scans, ...(interval ? { interval } : {}) };
}
