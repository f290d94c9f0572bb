/**
 * Runs a page's batched statements (pages.ts) through the usage data source instance the app is
 * configured with: one query() request per page, so the SQL data source sees few statements and
 * keeps its own flow (Athena's polling); the last emission holds the answer.
 */
import { useEffect, useState } from 'react';
import { dateTime, LoadingState, type DataFrame, type DataQueryRequest, type DataQueryResponse, type DataSourceApi, type TimeRange } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { PAGE_MAX_DATA_POINTS, type PageQuery } from '@hyperpod-usage/model';
import { isObservable, lastValueFrom } from 'rxjs';
import type { UsageDataQuery } from '../../datasource/types';
import { classifyFailure, type PageProblem } from './problems';

export type PageData =
  | { status: 'loading' }
  | { status: 'problem'; problem: PageProblem }
  | { status: 'ready'; frames: Record<string, DataFrame[]>; datasource: DataSourceApi<UsageDataQuery> };

export function pageTargets(queries: readonly PageQuery[]): UsageDataQuery[] {
  return queries.map((page) => ({ refId: page.id, queryType: 'page', page }));
}

export function pageRequest(targets: UsageDataQuery[], range: TimeRange, maxDataPoints = PAGE_MAX_DATA_POINTS): DataQueryRequest<UsageDataQuery> {
  const spanMs = Math.max(1, range.to.valueOf() - range.from.valueOf());
  const intervalMs = Math.max(60_000, Math.floor(spanMs / maxDataPoints));
  return {
    requestId: `hyperpod-usage-page-${targets.map((t) => t.refId).join('-')}`,
    app: 'hyperpod-usage-app',
    interval: `${Math.round(intervalMs / 1000)}s`,
    intervalMs,
    maxDataPoints,
    range,
    scopedVars: {},
    targets,
    timezone: 'utc',
    startTime: Date.now(),
  };
}

/** The usage data source instance, or the problem that stops the page. */
export async function usageDatasource(uid: string | undefined): Promise<DataSourceApi<UsageDataQuery> | PageProblem> {
  if (!uid) return { kind: 'not-configured', message: 'No usage data source is chosen for the app.' };
  try {
    return (await getDataSourceSrv().get(uid)) as DataSourceApi<UsageDataQuery>;
  } catch {
    return { kind: 'datasource-missing', message: `The usage data source (uid ${uid}) does not exist any more.` };
  }
}

export const isProblem = (value: unknown): value is PageProblem => typeof value === 'object' && value !== null && 'kind' in value && 'message' in value;

/** Frames of one response by refId. */
export function framesByRefId(response: DataQueryResponse): Record<string, DataFrame[]> {
  const out: Record<string, DataFrame[]> = {};
  for (const frame of response.data as DataFrame[]) (out[frame.refId ?? ''] ??= []).push(frame);
  return out;
}

export async function runPageQueries(datasource: DataSourceApi<UsageDataQuery>, queries: readonly PageQuery[], range: TimeRange): Promise<Record<string, DataFrame[]> | PageProblem> {
  const answer = datasource.query(pageRequest(pageTargets(queries), range));
  const final = isObservable(answer) ? lastValueFrom(answer, { defaultValue: { data: [] } as DataQueryResponse }) : answer;
  const response = await final.catch((error: Error) => ({ data: [], error: { message: error.message }, state: LoadingState.Error }) as DataQueryResponse);
  const error = response.error ?? response.errors?.[0];
  if (error) return classifyFailure(error.message ?? 'the query failed');
  return framesByRefId(response);
}

/** A page's data; `key` says when to run again (range, team, search...). */
export function usePageData(uid: string | undefined, queries: readonly PageQuery[], range: TimeRange, key: string): PageData {
  const [state, setState] = useState<PageData>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    setState({ status: 'loading' });
    (async () => {
      const datasource = await usageDatasource(uid);
      if (isProblem(datasource)) return current && setState({ status: 'problem', problem: datasource });
      const frames = await runPageQueries(datasource, queries, range);
      if (!current) return;
      setState(isProblem(frames) ? { status: 'problem', problem: frames } : { status: 'ready', frames, datasource });
    })();
    return () => {
      current = false;
    };
    // `key` stands for queries and range, which are rebuilt on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [uid, key]);
  return state;
}

export const absoluteRange = (from: number, to: number): TimeRange => ({ from: dateTime(from), to: dateTime(to), raw: { from: dateTime(from), to: dateTime(to) } });
