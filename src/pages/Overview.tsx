/**
 * Overview: the cluster's hours over the range, own quota against borrowed, idle capacity, the
 * top teams, cost this month and how recent the data is — from three usage statements and one
 * freshness statement (OVERVIEW_PAGE_QUERIES).
 */
import React, { useMemo } from 'react';
import { FieldType, type DataFrame, type TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { LoadingPlaceholder } from '@grafana/ui';
import { OVERVIEW_PAGE_QUERIES, RESOURCES } from '@hyperpod-usage/model';
import { PageControls, ResourcePicker } from '../components/PageControls/PageControls';
import { PageProblem } from '../components/PageProblem/PageProblem';
import { Bars, Chart, DataTable, Panel, PanelRow, Stat, StatRow } from '../components/Viz/Viz';
import { tableFrame, timeSeriesFrame } from './data/frames';
import { resourceParam } from './data/resource';
import { fieldUnits, frameRows, sumBy, total, type Row } from './data/rows';
import { usePageData } from './data/usePageData';
import { usePageRange } from './data/usePageRange';

const TEAM_MEASURES = ['hours', 'own_hours', 'borrowed_hours', 'lent_hours', 'unused_hours', 'cost'] as const;

/** Column headings: short, the unit beside each number says the resource. */
const COLUMN_LABELS: Record<(typeof TEAM_MEASURES)[number], string> = {
  hours: 'Used',
  own_hours: 'Own quota',
  borrowed_hours: 'Borrowed',
  lent_hours: 'Lent',
  unused_hours: 'Unused quota',
  cost: 'Cost',
};

export default function Overview({ datasourceUid }: { datasourceUid?: string }) {
  const { range, setRange, key, params, setParam } = usePageRange();
  const resource = resourceParam(params.get('resource'));
  const queries = useMemo(() => OVERVIEW_PAGE_QUERIES(resource), [resource]);
  const data = usePageData(datasourceUid, queries, range, `${key}-${resource}`);
  const label = RESOURCES.find((r) => r.key === resource)?.label ?? resource;

  return (
    <PluginPage subTitle="Who used the cluster's capacity, from their own quota or borrowed, and what it cost.">
      <PageControls range={range} onRangeChange={setRange}>
        <ResourcePicker value={resource} onChange={(r) => setParam('resource', r)} />
      </PageControls>
      {data.status === 'loading' ? <LoadingPlaceholder text="Loading usage" /> : null}
      {data.status === 'problem' ? <PageProblem problem={data.problem} datasourceUid={data.problem.kind === 'not-configured' ? undefined : datasourceUid} /> : null}
      {data.status === 'ready' ? <OverviewPanels frames={data.frames} range={range} label={label} datasourceUid={datasourceUid} /> : null}
    </PluginPage>
  );
}

function OverviewPanels({ frames, range, label, datasourceUid }: { frames: Record<string, DataFrame[]>; range: TimeRange; label: string; datasourceUid?: string }) {
  const teamFrames = frames.teams ?? [];
  const idleFrames = frames.idle ?? [];
  const teams = frameRows(teamFrames);
  const idle = frameRows(idleFrames);
  const mtd = frameRows(frames.cost_mtd ?? []);
  const freshness = frameRows(frames.freshness ?? []);
  if (teams.length === 0 && idle.length === 0) {
    return <PageProblem problem={{ kind: 'empty', message: 'The usage tables hold no rows for this range.' }} datasourceUid={datasourceUid} />;
  }
  const units = { ...fieldUnits(idleFrames), ...fieldUnits(teamFrames) };
  const idleUnits = fieldUnits(idleFrames);
  const hourUnit = units.hours;
  const lastHour = freshness.reduce<number | null>((m, r) => (typeof r.last_hour === 'number' && (m === null || r.last_hour > m) ? r.last_hour : m), null);

  const byTeam = sumBy(teams, ['team'], TEAM_MEASURES);
  const byType = sumBy(idle, ['instance_type'], ['hours', 'idle_hours', 'cost']);
  const ownBorrowed = timeSeriesFrame(
    teams.flatMap((r): Row[] => [
      { time: r.time ?? null, series: 'Own quota', v: r.own_hours ?? null },
      { time: r.time ?? null, series: 'Borrowed', v: r.borrowed_hours ?? null },
    ]),
    (r) => String(r.series),
    (r) => (typeof r.v === 'number' ? r.v : null),
    {},
    ['Own quota', 'Borrowed'],
  );
  const hoursByTeam = timeSeriesFrame(teams, (r) => String(r.team), (r) => (typeof r.hours === 'number' ? r.hours : null), {}, byTeam.map((t) => String(t.team)));

  return (
    <>
      <StatRow>
        <Stat title={`Cluster ${label}-hours`} value={total(teams, 'hours')} unit={hourUnit} decimals={2} />
        <Stat title="Own quota" value={total(teams, 'own_hours')} unit={units.own_hours} decimals={2} />
        <Stat title="Borrowed" value={total(teams, 'borrowed_hours')} unit={units.borrowed_hours} decimals={2} />
        <Stat title="Idle capacity" value={total(idle, 'idle_hours')} unit={idleUnits.idle_hours} decimals={2} />
        <Stat title="Cost month to date" value={total(mtd, 'cost')} unit={fieldUnits(frames.cost_mtd ?? []).cost ?? 'currencyUSD'} decimals={2} />
        <Stat title="Data up to" value={lastHour === null ? null : lastHour + 3_600_000} unit="dateTimeAsIsoNoDateIfToday" hint={freshness.map((r) => `${r.cluster}: ${new Date(Number(r.last_hour) + 3_600_000).toISOString()}`).join('\n')} />
      </StatRow>
      <PanelRow>
        <Panel title="Own quota vs borrowed">
          <Chart frame={ownBorrowed} range={range} unit={hourUnit} stacked bars totals />
        </Panel>
        <Panel title={`${label}-hours by team`}>
          <Chart frame={hoursByTeam} range={range} unit={hourUnit} stacked bars totals />
        </Panel>
      </PanelRow>
      <Panel title="Top teams" testId="top-teams">
        <DataTable
          frame={tableFrame(byTeam, [
            { name: 'team', type: FieldType.string, displayName: 'Team' },
            ...TEAM_MEASURES.map((m) => ({ name: m, type: FieldType.number, unit: units[m], displayName: COLUMN_LABELS[m], decimals: 2 })),
          ])}
        />
      </Panel>
      <PanelRow>
        <Panel title={`Share of ${label}-hours by team`}>
          <Bars items={byTeam.map((t) => ({ label: String(t.team), value: Number(t.hours) }))} unit={hourUnit} max={total(teams, 'hours') ?? undefined} />
        </Panel>
        <Panel title="Idle capacity by instance type" testId="idle-capacity">
          <DataTable
            frame={tableFrame(byType, [
              { name: 'instance_type', type: FieldType.string, displayName: 'Instance type' },
              { name: 'hours', type: FieldType.number, unit: idleUnits.hours, displayName: 'Held', decimals: 2 },
              { name: 'idle_hours', type: FieldType.number, unit: idleUnits.idle_hours, displayName: 'Idle', decimals: 2 },
              { name: 'cost', type: FieldType.number, unit: idleUnits.cost, displayName: 'Idle cost', decimals: 2 },
            ])}
          />
        </Panel>
      </PanelRow>
    </>
  );
}
