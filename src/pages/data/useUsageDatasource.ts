import { useEffect, useState } from 'react';
import type { DataSourceApi, MetricFindValue, TimeRange } from '@grafana/data';
import type { VariableQuery } from '@hyperpod-usage/model';
import type { UsageDataQuery } from '../../datasource/types';
import type { PageProblem } from './problems';
import { classifyFailure } from './problems';
import { isProblem, usageDatasource } from './usePageData';

/** Distinct values of a dimension over the range (team picker, a team's namespaces), through the data source. */
export function useDimensionValues(uid: string | undefined, query: VariableQuery | undefined, range: TimeRange, key: string): { values?: string[]; problem?: PageProblem } {
  const [state, setState] = useState<{ values?: string[]; problem?: PageProblem }>({});
  useEffect(() => {
    let current = true;
    setState({});
    if (!query) return;
    (async () => {
      const ds = await usageDatasource(uid);
      if (isProblem(ds)) return current && setState({ problem: ds });
      try {
        const found: MetricFindValue[] = await (ds as DataSourceApi<UsageDataQuery>).metricFindQuery!(query, { range });
        if (current) setState({ values: found.map((v) => String(v.text)) });
      } catch (error) {
        if (current) setState({ problem: classifyFailure((error as Error).message) });
      }
    })();
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [uid, key, JSON.stringify(query)]);
  return state;
}
