/**
 * DCGM GPU utilization from the Prometheus data source the usage data source names
 * (jsonData.prometheusUid), queried through Grafana's data source service like any panel would.
 */
import { useEffect, useState } from 'react';
import type { DataFrame, DataQueryResponse, TimeRange } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { isObservable, lastValueFrom } from 'rxjs';
import type { UsageDataSourceOptions } from '../../datasource/types';
import { gpuUtilizationExpr } from './promql';
import { pageRequest } from './usePageData';

export type Utilization = { status: 'idle' } | { status: 'loading' } | { status: 'no-prometheus' } | { status: 'error'; message: string } | { status: 'ready'; frames: DataFrame[]; expr: string };

/** The Prometheus uid the usage data source is configured with. */
export function prometheusUidOf(usageUid: string | undefined): string | undefined {
  if (!usageUid) return undefined;
  return (getDataSourceSrv().getInstanceSettings(usageUid)?.jsonData as UsageDataSourceOptions | undefined)?.prometheusUid;
}

export function useGpuUtilization(usageUid: string | undefined, namespaces: readonly string[] | undefined, range: TimeRange, key: string): Utilization {
  const [state, setState] = useState<Utilization>({ status: 'idle' });
  useEffect(() => {
    let current = true;
    if (!namespaces || namespaces.length === 0) {
      setState({ status: 'idle' });
      return;
    }
    const uid = prometheusUidOf(usageUid);
    if (!uid) {
      setState({ status: 'no-prometheus' });
      return;
    }
    setState({ status: 'loading' });
    const expr = gpuUtilizationExpr(namespaces);
    (async () => {
      try {
        const prometheus = await getDataSourceSrv().get(uid);
        const target = { refId: 'utilization', datasource: { uid, type: prometheus.type }, expr, range: true, instant: false, legendFormat: '{{namespace}}' };
        const answer = prometheus.query(pageRequest([target as never], range, 300));
        const response: DataQueryResponse = await (isObservable(answer) ? lastValueFrom(answer, { defaultValue: { data: [] } }) : answer);
        const error = response.error ?? response.errors?.[0];
        if (!current) return;
        setState(error ? { status: 'error', message: error.message ?? 'Prometheus failed' } : { status: 'ready', frames: response.data as DataFrame[], expr });
      } catch (error) {
        if (current) setState({ status: 'error', message: (error as Error).message });
      }
    })();
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [usageUid, key, (namespaces ?? []).join('\n')]);
  return state;
}
