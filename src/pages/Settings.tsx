/**
 * Settings: where the usage data comes from (the usage data source, its SQL data source and
 * Prometheus), which clusters the tables hold, the price table the aggregation used, and the team
 * budgets and alert thresholds. Data sources are edited on their own pages; this page links there.
 */
import React, { useMemo, useState } from 'react';
import { FieldType, type DataFrame, type DataSourceInstanceSettings } from '@grafana/data';
import { PluginPage, getDataSourceSrv } from '@grafana/runtime';
import { Alert, Button, LinkButton, LoadingPlaceholder, Stack, Text } from '@grafana/ui';
import { SETTINGS_PAGE_QUERIES } from '@hyperpod-usage/model';
import { PageControls } from '../components/PageControls/PageControls';
import { PageProblem } from '../components/PageProblem/PageProblem';
import { DataTable, NoRows, Panel, PanelRow } from '../components/Viz/Viz';
import { PLUGIN_ID, type AppSettings } from '../constants';
import { ATHENA_TYPE, type UsageDataSourceOptions } from '../datasource/types';
import { tableFrame } from './data/frames';
import { frameRows } from './data/rows';
import { usePageData } from './data/usePageData';
import { usePageRange } from './data/usePageRange';

const editLink = (uid: string) => `/connections/datasources/edit/${encodeURIComponent(uid)}`;

export default function Settings({ datasourceUid, settings }: { datasourceUid?: string; settings?: AppSettings }) {
  const { range, setRange, key } = usePageRange();
  const queries = useMemo(() => SETTINGS_PAGE_QUERIES(), []);
  const data = usePageData(datasourceUid, queries, range, key);
  const usage = datasourceUid ? getDataSourceSrv().getInstanceSettings(datasourceUid) : undefined;

  return (
    <PluginPage subTitle="Where the usage data comes from, the prices it is costed at, and the budgets the alerts watch.">
      <PageControls range={range} onRangeChange={setRange} />
      <PanelRow>
        <DataSources datasourceUid={datasourceUid} usage={usage as DataSourceInstanceSettings<UsageDataSourceOptions> | undefined} />
        <Clusters configured={(usage?.jsonData as UsageDataSourceOptions | undefined)?.clusters ?? []} frames={data.status === 'ready' ? data.frames.clusters : undefined} loading={data.status === 'loading'} />
      </PanelRow>
      <Panel title="Price table" testId="price-table">
        {data.status === 'loading' ? <LoadingPlaceholder text="Loading prices" /> : null}
        {data.status === 'problem' && datasourceUid ? <PageProblem problem={data.problem} datasourceUid={datasourceUid} /> : null}
        {data.status === 'problem' && !datasourceUid ? <NoRows text="Choose a usage data source to see the prices it costs usage at." /> : null}
        {data.status === 'ready' ? <Prices frames={data.frames.prices ?? []} /> : null}
      </Panel>
      <Budgets settings={settings?.alertSettings} />
    </PluginPage>
  );
}

function DataSources({ datasourceUid, usage }: { datasourceUid?: string; usage?: DataSourceInstanceSettings<UsageDataSourceOptions> }) {
  const [test, setTest] = useState<{ status: string; message: string } | 'running'>();
  if (!datasourceUid || !usage) {
    return (
      <Panel title="Data sources">
        <PageProblem problem={datasourceUid ? { kind: 'datasource-missing', message: `No data source has uid ${datasourceUid}.` } : { kind: 'not-configured', message: 'No usage data source is chosen for the app.' }} />
      </Panel>
    );
  }
  const json = usage.jsonData ?? {};
  const sql = json.sqlDatasource ? getDataSourceSrv().getInstanceSettings(json.sqlDatasource.uid) : undefined;
  const prometheus = json.prometheusUid ? getDataSourceSrv().getInstanceSettings(json.prometheusUid) : undefined;
  const runTest = async () => {
    setTest('running');
    try {
      const ds = await getDataSourceSrv().get(datasourceUid);
      const result = await ds.testDatasource();
      setTest({ status: result.status, message: result.message });
    } catch (error) {
      setTest({ status: 'error', message: (error as Error).message });
    }
  };
  const rows: Array<[string, React.ReactNode]> = [
    ['Usage data source', <a key="u" href={editLink(usage.uid)}>{usage.name}</a>],
    ['SQL data source', json.sqlDatasource ? <a key="s" href={editLink(json.sqlDatasource.uid)}>{sql?.name ?? json.sqlDatasource.uid} ({json.sqlDatasource.type === ATHENA_TYPE ? 'Amazon Athena' : 'DuckDB'})</a> : 'not chosen'],
    json.sqlDatasource?.type === ATHENA_TYPE ? ['Glue database', json.database || 'not set'] : ['Data path', json.dataPath || 'not set'],
    ...(json.sqlDatasource?.type === ATHENA_TYPE ? ([['Region / catalog', `${json.region || 'data source default'} / ${json.catalog || 'AwsDataCatalog'}`]] as Array<[string, string]>) : []),
    ['Prometheus (DCGM)', json.prometheusUid ? <a key="p" href={editLink(json.prometheusUid)}>{prometheus?.name ?? json.prometheusUid}</a> : 'not chosen: the Team page shows no GPU utilization'],
    ['Stale after', `${json.maxAgeHours ?? 3} hours`],
  ];
  return (
    <Panel title="Data sources" testId="settings-datasources">
      <table style={{ width: '100%', marginBottom: 8 }}>
        <tbody>
          {rows.map(([name, value]) => (
            <tr key={name}>
              <td style={{ padding: '4px 16px 4px 0', whiteSpace: 'nowrap' }}>
                <Text color="secondary">{name}</Text>
              </td>
              <td style={{ padding: 4 }}>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Stack gap={1}>
        <Button size="sm" variant="secondary" onClick={runTest} disabled={test === 'running'}>
          Test the usage data source
        </Button>
        <LinkButton size="sm" variant="secondary" href={`/plugins/${PLUGIN_ID}`}>
          Choose another
        </LinkButton>
      </Stack>
      {test && test !== 'running' ? (
        <Alert severity={test.status === 'success' ? 'success' : 'error'} title={test.status === 'success' ? 'Data source works' : 'Data source check failed'}>
          {test.message}
        </Alert>
      ) : null}
    </Panel>
  );
}

function Clusters({ configured, frames, loading }: { configured: string[]; frames?: DataFrame[]; loading: boolean }) {
  const seen = frameRows(frames ?? []).map((r) => String(r.cluster ?? ''));
  return (
    <Panel title="Clusters" testId="settings-clusters">
      <Stack direction="column" gap={1}>
        <Text>Shown: {configured.length ? configured.join(', ') : 'every cluster in the tables'} (set in the usage data source).</Text>
        <Text>In the tables for this range: {loading ? '…' : seen.length ? seen.join(', ') : 'none'}</Text>
        {configured.filter((c) => !c.startsWith('$') && frames && !seen.includes(c)).map((c) => (
          <Alert key={c} severity="warning" title={`No data for cluster ${c}`}>
            The usage data source names cluster {c}, but the tables hold nothing for it in this range. Check the name (the collector&apos;s --cluster) or the range.
          </Alert>
        ))}
      </Stack>
    </Panel>
  );
}

function Prices({ frames }: { frames: DataFrame[] }) {
  const frame = frames[0];
  if (!frame || frame.length === 0) return <NoRows text="The prices table is empty: the aggregation writes it on every run." />;
  return <DataTable frame={frame} />;
}

function Budgets({ settings }: { settings?: AppSettings['alertSettings'] }) {
  const budgets = settings?.budgets ?? [];
  const quota = settings?.quota;
  return (
    <Panel title="Team budgets and alert thresholds" testId="settings-budgets">
      <Text color="secondary">Read-only here: budgets and thresholds come from the alert settings file, which generates the alert rules.</Text>
      {budgets.length === 0 ? (
        <NoRows text="No team budgets are set." />
      ) : (
        <DataTable
          frame={tableFrame(
            budgets.map((b) => ({ team: b.team, cluster: b.cluster ?? 'all', monthlyGpuHours: b.monthlyGpuHours ?? null, monthlyCost: b.monthlyCost ?? null })),
            [
              { name: 'team', type: FieldType.string, displayName: 'Team' },
              { name: 'cluster', type: FieldType.string, displayName: 'Cluster' },
              { name: 'monthlyGpuHours', type: FieldType.number, displayName: 'GPU-hours a month', unit: 'suffix: GPU-h' },
              { name: 'monthlyCost', type: FieldType.number, displayName: 'Cost a month', unit: settings?.currency === 'USD' || !settings?.currency ? 'currencyUSD' : undefined },
            ],
          )}
        />
      )}
      {quota ? (
        <Text>
          Quota alerts: over nominal quota for {quota.overNominalFor ?? '—'}, at {Math.round((quota.borrowingLimitRatio ?? 1) * 100)}% of the borrowing limit for {quota.atBorrowingLimitFor ?? '—'}, pending while lent for {quota.pendingWhileLentFor ?? '—'}
          {quota.resources?.length ? ` (${quota.resources.join(', ')})` : ''}.
        </Text>
      ) : (
        <NoRows text="No alert thresholds are set: the generated rules use their defaults." />
      )}
    </Panel>
  );
}
