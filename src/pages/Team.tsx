/**
 * Team: one team's usage over time by instance type and priority class, its tasks, its quota and
 * what it lent, and the GPUs it held next to what DCGM says they did (TEAM_PAGE_QUERIES, plus
 * PromQL to the Prometheus data source the usage data source names).
 */
import React, { useEffect, useMemo } from 'react';
import { FieldType, type DataFrame, type TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, InlineField, LoadingPlaceholder, Select } from '@grafana/ui';
import { RESOURCES, TEAM_PAGE_QUERIES, resolveInterval, type ResourceKey } from '@hyperpod-usage/model';
import { PageControls, ResourcePicker } from '../components/PageControls/PageControls';
import { PageProblem } from '../components/PageProblem/PageProblem';
import { Chart, DataTable, NoRows, Panel, PanelRow, Stat, StatRow } from '../components/Viz/Viz';
import { bucketHours } from './data/buckets';
import { tableFrame, timeSeriesFrame } from './data/frames';
import { resourceParam } from './data/resource';
import { fieldNames, fieldUnits, frameRows, sumBy, total } from './data/rows';
import { pageRequest, usePageData } from './data/usePageData';
import { usePageRange } from './data/usePageRange';
import { useGpuUtilization } from './data/usePrometheus';
import { useDimensionValues } from './data/useUsageDatasource';

export default function Team({ datasourceUid }: { datasourceUid?: string }) {
  const { range, setRange, key, params, setParam } = usePageRange();
  const resource = resourceParam(params.get('resource'));
  const teams = useDimensionValues(datasourceUid, { dimension: 'team' }, range, key);
  const chosen = params.get('team') ?? undefined;
  const team = chosen ?? teams.values?.[0];
  useEffect(() => {
    // Without a team in the URL, show the first one and say so in the URL (links then keep it).
    if (!chosen && teams.values?.[0]) setParam('team', teams.values[0]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [chosen, teams.values]);
  const teamOptions = (teams.values ?? (team ? [team] : [])).map((t) => ({ value: t, label: t }));

  return (
    <PluginPage subTitle="One team: what it held, from its own quota or borrowed, what it lent, its tasks and how busy its GPUs were.">
      <PageControls range={range} onRangeChange={setRange}>
        <InlineField label="Team">
          <Select<string> aria-label="Team" width={24} options={teamOptions} value={team ?? null} placeholder="Choose a team" onChange={(v) => setParam('team', v.value)} />
        </InlineField>
        <ResourcePicker value={resource} onChange={(r) => setParam('resource', r)} />
      </PageControls>
      {teams.problem ? <PageProblem problem={teams.problem} datasourceUid={teams.problem.kind === 'not-configured' ? undefined : datasourceUid} /> : null}
      {!teams.problem && teams.values && teams.values.length === 0 ? (
        <PageProblem problem={{ kind: 'empty', message: 'No team has quota or usage in this range.' }} datasourceUid={datasourceUid} />
      ) : null}
      {!teams.problem && team ? <TeamData datasourceUid={datasourceUid} team={team} resource={resource} range={range} rangeKey={key} /> : null}
      {!teams.problem && !teams.values && !team ? <LoadingPlaceholder text="Loading teams" /> : null}
    </PluginPage>
  );
}


/** The parts of a team's quota over time, stacked: own + lent + unused = its quota. */
const QUOTA_SERIES: Record<string, string> = { own_hours: 'Own quota used', lent_hours: 'Lent to others', unused_hours: 'Unused quota', borrowed_hours: 'Borrowed' };

function TeamData({ datasourceUid, team, resource, range, rangeKey }: { datasourceUid?: string; team: string; resource: ResourceKey; range: TimeRange; rangeKey: string }) {
  const queries = useMemo(() => TEAM_PAGE_QUERIES(team, resource), [team, resource]);
  const data = usePageData(datasourceUid, queries, range, `${rangeKey}-${team}-${resource}`);
  const namespaces = useDimensionValues(datasourceUid, resource === 'gpu' ? { dimension: 'namespace', filters: [{ dimension: 'team', values: [team] }] } : undefined, range, `${rangeKey}-${team}`);
  if (data.status === 'loading') return <LoadingPlaceholder text={`Loading ${team}`} />;
  if (data.status === 'problem') return <PageProblem problem={data.problem} datasourceUid={datasourceUid} />;
  return <TeamPanels frames={data.frames} team={team} resource={resource} range={range} rangeKey={rangeKey} namespaces={namespaces.values} datasourceUid={datasourceUid} />;
}

function TeamPanels(props: { frames: Record<string, DataFrame[]>; team: string; resource: ResourceKey; range: TimeRange; rangeKey: string; namespaces?: string[]; datasourceUid?: string }) {
  const { frames, team, resource, range } = props;
  const label = RESOURCES.find((r) => r.key === resource)?.label ?? resource;
  const quotaFrames = frames.quota ?? [];
  const quota = frameRows(quotaFrames);
  const priority = frameRows(frames.priority ?? []);
  const tasks = frameRows(frames.tasks ?? []);
  const preemptions = frameRows(frames.preemptions ?? []);
  const units = fieldUnits(quotaFrames);
  const taskUnits = fieldUnits(frames.tasks ?? []);
  const taskNames = fieldNames(frames.tasks ?? []);
  const hourUnit = units.hours;
  const instanceTypes = sumBy(quota, ['instance_type'], ['hours']).map((r) => String(r.instance_type));
  const priorityClasses = sumBy(priority, ['priority_class'], ['hours']).map((r) => String(r.priority_class));
  // The buckets the statements used, so held hours become the average number of GPUs held.
  const interval = resolveInterval('auto', range.from.valueOf(), range.to.valueOf(), pageRequest([], range).maxDataPoints);

  if (quota.length === 0 && tasks.length === 0) {
    return <PageProblem problem={{ kind: 'empty', message: `Team ${team} has no quota or usage in this range.` }} datasourceUid={props.datasourceUid} />;
  }
  return (
    <>
      <StatRow>
        <Stat title={`${label}-hours`} value={total(quota, 'hours')} unit={hourUnit} decimals={2} />
        <Stat title="Own quota" value={total(quota, 'own_hours')} unit={units.own_hours} decimals={2} />
        <Stat title="Borrowed" value={total(quota, 'borrowed_hours')} unit={units.borrowed_hours} decimals={2} />
        <Stat title="Quota" value={total(quota, 'nominal_hours')} unit={units.nominal_hours} decimals={2} />
        <Stat title="Lent to others" value={total(quota, 'lent_hours')} unit={units.lent_hours} decimals={2} />
        <Stat title="Unused quota" value={total(quota, 'unused_hours')} unit={units.unused_hours} decimals={2} />
        <Stat title="Cost" value={total(quota, 'cost')} unit={units.cost} decimals={2} />
      </StatRow>
      <PanelRow>
        <Panel title={`${label}-hours by instance type`}>
          <Chart frame={timeSeriesFrame(quota, (r) => String(r.instance_type), (r) => (typeof r.hours === 'number' ? r.hours : null), {}, instanceTypes)} range={range} unit={hourUnit} stacked bars totals />
        </Panel>
        <Panel title={`${label}-hours by priority class`} testId="team-priority">
          <Chart frame={timeSeriesFrame(priority, (r) => String(r.priority_class), (r) => (typeof r.hours === 'number' ? r.hours : null), {}, priorityClasses)} range={range} unit={hourUnit} stacked bars totals />
        </Panel>
      </PanelRow>
      <PanelRow>
        <Panel title="Quota: own, borrowed, lent and unused">
          <Chart
            frame={timeSeriesFrame(
              quota.flatMap((r) => Object.entries(QUOTA_SERIES).map(([m, series]) => ({ time: r.time ?? null, series, v: r[m] ?? null }))),
              (r) => String(r.series),
              (r) => (typeof r.v === 'number' ? r.v : null),
            )}
            range={range}
            unit={hourUnit}
            stacked
            bars
            totals
          />
        </Panel>
        {resource === 'gpu' ? (
          <AllocatedVsUtilization quota={quota} range={range} interval={interval} namespaces={props.namespaces} datasourceUid={props.datasourceUid} rangeKey={props.rangeKey} />
        ) : null}
      </PanelRow>
      <Panel title={`Tasks of ${team}`} testId="team-tasks">
        <DataTable
          frame={tableFrame(tasks, [
            { name: 'task', type: FieldType.string, displayName: 'Task' },
            { name: 'priority_class', type: FieldType.string, displayName: 'Priority class' },
            { name: 'instance_type', type: FieldType.string, displayName: 'Instance type' },
            { name: 'hours', type: FieldType.number, unit: taskUnits.hours, displayName: taskNames.hours, decimals: 2 },
            { name: 'cost', type: FieldType.number, unit: taskUnits.cost, displayName: taskNames.cost, decimals: 2 },
          ])}
        />
      </Panel>
      <Panel title="Preemptions and evictions" testId="team-preemptions">
        {preemptions.length === 0 ? (
          <NoRows text="No task of this team lost its capacity in this range." />
        ) : (
          <DataTable
            frame={tableFrame(preemptions, [
              // Narrow time and task columns: what happened is the long one, and was cut off.
              { name: 'time', type: FieldType.time, displayName: 'Time', unit: 'dateTimeAsIso', custom: { width: 180 } },
              { name: 'task', type: FieldType.string, displayName: 'Task', custom: { width: 260 } },
              { name: 'text', type: FieldType.string, displayName: 'What happened' },
            ])}
          />
        )}
      </Panel>
    </>
  );
}

function AllocatedVsUtilization(props: { quota: ReturnType<typeof frameRows>; range: TimeRange; interval: ReturnType<typeof resolveInterval>; namespaces?: string[]; datasourceUid?: string; rangeKey: string }) {
  const utilization = useGpuUtilization(props.datasourceUid, props.namespaces, props.range, props.rangeKey);
  const allocated = timeSeriesFrame(
    props.quota,
    () => 'GPUs allocated',
    (r) => (typeof r.hours === 'number' && typeof r.time === 'number' ? r.hours / bucketHours(r.time, props.interval) : null),
  );
  const util = utilization.status === 'ready' ? frameRows(utilization.frames) : [];
  const valueField = utilization.status === 'ready' ? utilization.frames[0]?.fields.find((f) => f.type === FieldType.number)?.name : undefined;
  const timeField = utilization.status === 'ready' ? utilization.frames[0]?.fields.find((f) => f.type === FieldType.time)?.name : undefined;
  const utilFrame = timeSeriesFrame(
    util.map((r) => ({ ...r, time: timeField ? (r[timeField] ?? null) : null })),
    (r) => `${String(r.namespace ?? 'GPU')} utilization`,
    (r) => (valueField && typeof r[valueField] === 'number' ? (r[valueField] as number) : null),
  );
  return (
    <Panel title="GPUs allocated and DCGM utilization" testId="allocated-vs-utilization">
      <Chart frame={allocated} range={props.range} unit="none" height={150} bars />
      {utilization.status === 'no-prometheus' ? (
        <Alert severity="info" title="No Prometheus data source">
          Choose the Prometheus data source with the DCGM exporter&apos;s metrics in the usage data source&apos;s settings to see GPU utilization here.
        </Alert>
      ) : null}
      {utilization.status === 'error' ? (
        <Alert severity="warning" title="Prometheus did not answer">
          {utilization.message}
        </Alert>
      ) : null}
      {utilization.status === 'ready' ? <Chart frame={utilFrame} range={props.range} unit="percent" height={150} /> : null}
    </Panel>
  );
}
