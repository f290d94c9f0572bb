/**
 * The queries behind the app's pages, batched: each statement feeds several panels (Athena bills
 * at least 10 MB per statement, and every statement is a round trip). The plugin's pages and the
 * benchmark (`npm run bench:team-page`) use these same lists, so the figures the benchmark prints
 * are what the pages cost.
 *
 * A page compiles its list with `compilePage(queries, scope)`; panels then select and sum the
 * columns they show from the frames (e.g. the Overview's cluster total is the sum over teams).
 */
import type { ResourceKey } from '../resources.js';
import { DAY_MS } from '../layout.js';
import { compileAnnotationQuery, type AnnotationQuery } from './annotations.js';
import { compileUsageQuery } from './compile-usage.js';
import { compileRangeFreshnessQuery } from './health.js';
import { compilePriceTableQuery } from './prices.js';
import { compileTaskListQuery, type TaskListQuery } from './task-list.js';
import { compileVariableQuery, type VariableQuery } from './variables.js';
import type { CompiledQuery, QueryScope, UsageQuery } from './types.js';

/** Which range a statement covers: the page's, or the month to date at the page's end. */
export type PageRange = 'page' | 'month_to_date';

interface PageQueryBase {
  /** Stable id (also the Grafana refId's stem). */
  id: string;
  /** Panels the statement feeds. */
  panels: readonly string[];
  range: PageRange;
}

export type PageQuery =
  | (PageQueryBase & { kind: 'usage'; query: UsageQuery })
  | (PageQueryBase & { kind: 'annotations'; query: AnnotationQuery })
  | (PageQueryBase & { kind: 'tasks'; query: TaskListQuery })
  | (PageQueryBase & { kind: 'variable'; query: VariableQuery })
  /** Newest hour per cluster inside the range. */
  | (PageQueryBase & { kind: 'freshness' })
  /** The price table the aggregation used. */
  | (PageQueryBase & { kind: 'prices' });

export interface CompiledPageQuery {
  id: string;
  panels: readonly string[];
  kind: PageQuery['kind'];
  compiled: CompiledQuery;
}

/** The most buckets a page's charts ask for: sets the 'auto' interval (a 30-day range gets days). */
export const PAGE_MAX_DATA_POINTS = 400;

/** How many teams the Overview shows before the rest become Other. */
export const OVERVIEW_TOP_TEAMS = 10;

const QUOTA_MEASURES = ['hours', 'own_hours', 'borrowed_hours', 'lent_hours', 'nominal_hours', 'unused_hours', 'cost'] as const;

export function OVERVIEW_PAGE_QUERIES(resource: ResourceKey = 'gpu'): PageQuery[] {
  return [
    {
      id: 'teams',
      kind: 'usage',
      range: 'page',
      panels: ['cluster hours', 'own quota vs borrowed', 'top teams', 'cost'],
      query: { measures: QUOTA_MEASURES, resource, groupBy: ['team'], filters: [], interval: 'auto', format: 'time_series', topN: OVERVIEW_TOP_TEAMS },
    },
    {
      id: 'idle',
      kind: 'usage',
      range: 'page',
      panels: ['idle capacity', 'idle cost'],
      query: { measures: ['hours', 'idle_hours', 'cost'], resource, groupBy: ['instance_type'], filters: [], interval: 'auto', format: 'time_series' },
    },
    {
      id: 'cost_mtd',
      kind: 'usage',
      range: 'month_to_date',
      panels: ['cost month to date'],
      query: { measures: ['cost', 'hours'], resource, groupBy: ['team'], filters: [], interval: 'auto', format: 'table' },
    },
    { id: 'freshness', kind: 'freshness', range: 'page', panels: ['data freshness'] },
  ];
}

export function TEAM_PAGE_QUERIES(team: string, resource: ResourceKey = 'gpu'): PageQuery[] {
  const filters = [{ dimension: 'team' as const, values: [team] }];
  return [
    {
      id: 'quota',
      kind: 'usage',
      range: 'page',
      panels: ['usage by instance type', 'own quota vs borrowed', 'quota and lent', 'allocated vs utilization', 'cost'],
      query: { measures: QUOTA_MEASURES, resource, groupBy: ['instance_type'], filters, interval: 'auto', format: 'time_series' },
    },
    {
      id: 'priority',
      kind: 'usage',
      range: 'page',
      panels: ['usage by priority class'],
      // The quota chart's buckets, so both charts line up and a range of a few hours shows hours;
      // over whole UTC days with day buckets this reads task_daily, a fifth of task_hourly's bytes.
      query: { measures: ['hours'], resource, groupBy: ['priority_class'], filters, interval: 'auto', format: 'time_series' },
    },
    {
      // From task_daily (a row per task and day), a tenth of what task_hourly would read.
      id: 'tasks',
      kind: 'tasks',
      range: 'page',
      panels: ['tasks'],
      query: { resource, filters, sort: 'hours', limit: 100 },
    },
    { id: 'preemptions', kind: 'annotations', range: 'page', panels: ['preemptions (annotations)'], query: { teams: [team] } },
  ];
}

export function TASKS_PAGE_QUERIES(filters: TaskListQuery['filters'] = [], search?: string, resource: ResourceKey = 'gpu'): PageQuery[] {
  return [
    {
      id: 'tasks',
      kind: 'tasks',
      range: 'page',
      panels: ['tasks table'],
      query: { resource, filters, ...(search ? { search } : {}), sort: 'hours' },
    },
    { id: 'preemptions', kind: 'annotations', range: 'page', panels: ['preemptions'], query: { teams: filters.find((f) => f.dimension === 'team' && !f.exclude)?.values ?? [] } },
  ];
}

/**
 * The range widened to whole UTC days: day-bucketed task statements can then read task_daily.
 * Pages call it on Grafana's range (e.g. "last 30 days") before compiling.
 */
export function wholeDays(scope: QueryScope): QueryScope {
  return { ...scope, from: Math.floor(scope.from / DAY_MS) * DAY_MS, to: Math.ceil(scope.to / DAY_MS) * DAY_MS };
}

/** The Settings page: the clusters in the tables and the price table. */
export function SETTINGS_PAGE_QUERIES(): PageQuery[] {
  return [
    { id: 'clusters', kind: 'variable', range: 'page', panels: ['clusters'], query: { dimension: 'cluster' } },
    { id: 'prices', kind: 'prices', range: 'page', panels: ['price table'] },
  ];
}

/** Start of the UTC month of the instant. */
export function monthStart(epochMs: number): number {
  const d = new Date(epochMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The scope a page statement runs over. */
export function pageScope(range: PageRange, scope: QueryScope): QueryScope {
  if (range === 'page') return scope;
  // The month of the range's last instant, up to the range's end.
  return { ...scope, from: monthStart(scope.to - 1) };
}

export function compilePage(queries: readonly PageQuery[], scope: QueryScope): CompiledPageQuery[] {
  return queries.map((q) => {
    const s = pageScope(q.range, scope);
    const compiled = compilePageQuery(q, s);
    return { id: q.id, panels: q.panels, kind: q.kind, compiled };
  });
}

/** One page statement over the scope it runs in (already narrowed by {@link pageScope}). */
export function compilePageQuery(q: PageQuery, scope: QueryScope): CompiledQuery {
  switch (q.kind) {
    case 'usage':
      return compileUsageQuery(q.query, scope);
    case 'annotations':
      return compileAnnotationQuery(q.query, scope);
    case 'tasks':
      return compileTaskListQuery(q.query, scope);
    case 'variable':
      return compileVariableQuery(q.query, scope);
    case 'freshness':
      return compileRangeFreshnessQuery(scope);
    case 'prices':
      return compilePriceTableQuery(scope);
  }
}
