/**
 * Tasks: every task over the range from task_daily — status, preemptions, how long it waited for
 * its first admission, what it held — searchable by name (in SQL) and sortable by any column
 * (TASKS_PAGE_QUERIES).
 */
import React, { useEffect, useMemo, useState } from 'react';
import { FieldType, type DataFrame } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { InlineField, Input, LoadingPlaceholder, MultiSelect } from '@grafana/ui';
import { TASKS_PAGE_QUERIES, type DimensionFilter } from '@hyperpod-usage/model';
import { PageControls, ResourcePicker } from '../components/PageControls/PageControls';
import { PageProblem } from '../components/PageProblem/PageProblem';
import { DataTable, Panel, Stat, StatRow } from '../components/Viz/Viz';
import { resourceParam } from './data/resource';
import { frameRows, total } from './data/rows';
import { usePageData } from './data/usePageData';
import { usePageRange } from './data/usePageRange';
import { useDimensionValues } from './data/useUsageDatasource';

/** Typing waits this long before the search runs (each run is a statement). */
const SEARCH_DELAY_MS = 400;

export default function Tasks({ datasourceUid }: { datasourceUid?: string }) {
  const { range, setRange, key, params, setParam } = usePageRange();
  const resource = resourceParam(params.get('resource'));
  const search = params.get('q') ?? '';
  const teams = useMemo(() => (params.get('teams') ?? '').split(',').filter(Boolean), [params]);
  const [typed, setTyped] = useState(search);
  useEffect(() => {
    if (typed === search) return;
    const timer = setTimeout(() => setParam('q', typed.trim() || undefined), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [typed]);
  const teamValues = useDimensionValues(datasourceUid, { dimension: 'team' }, range, key);
  const filters: DimensionFilter[] = teams.length ? [{ dimension: 'team', values: teams }] : [];
  const queries = useMemo(() => TASKS_PAGE_QUERIES(filters, search || undefined, resource), [JSON.stringify(filters), search, resource]); // eslint-disable-line react-hooks/exhaustive-deps
  const data = usePageData(datasourceUid, queries, range, `${key}-${resource}-${search}-${teams.join(',')}`);

  return (
    <PluginPage subTitle="Every task in the range: its status, how often it was preempted, how long it queued and what it held.">
      <PageControls range={range} onRangeChange={setRange}>
        <InlineField label="Search">
          <Input aria-label="Search tasks" width={28} value={typed} placeholder="part of a task name" onChange={(e) => setTyped(e.currentTarget.value)} />
        </InlineField>
        <InlineField label="Teams">
          <MultiSelect<string>
            aria-label="Teams"
            width={32}
            placeholder="All teams"
            options={(teamValues.values ?? teams).map((t) => ({ value: t, label: t }))}
            value={teams}
            onChange={(v) => setParam('teams', v.map((o) => o.value).filter(Boolean).join(',') || undefined)}
          />
        </InlineField>
        <ResourcePicker value={resource} onChange={(r) => setParam('resource', r)} />
      </PageControls>
      {data.status === 'loading' ? <LoadingPlaceholder text="Loading tasks" /> : null}
      {data.status === 'problem' ? <PageProblem problem={data.problem} datasourceUid={data.problem.kind === 'not-configured' ? undefined : datasourceUid} /> : null}
      {data.status === 'ready' ? <TaskPanels frames={data.frames} searching={Boolean(search) || teams.length > 0} datasourceUid={datasourceUid} /> : null}
    </PluginPage>
  );
}

/** Task names run long (job kind, name and a hash): give them room before the other columns. */
const TASK_COLUMN_WIDTH = 260;

/** Columns in reading order; the rest of the frame's fields keep their types, units and names. */
const COLUMN_ORDER = ['task', 'team', 'namespace', 'status', 'preemptions', 'queue_wait_seconds', 'hours', 'admissions', 'priority_class', 'instance_type', 'created_at', 'first_admitted_at', 'ended_at'];

function TaskPanels({ frames, searching, datasourceUid }: { frames: Record<string, DataFrame[]>; searching: boolean; datasourceUid?: string }) {
  const tasksFrame = frames.tasks?.[0];
  const rows = frameRows(frames.tasks ?? []);
  if (!tasksFrame || rows.length === 0) {
    return searching ? (
      <Panel title="Tasks">No task matches the search in this range.</Panel>
    ) : (
      <PageProblem problem={{ kind: 'empty', message: 'No task held capacity in this range.' }} datasourceUid={datasourceUid} />
    );
  }
  const ordered: DataFrame = {
    ...tasksFrame,
    fields: COLUMN_ORDER.map((name) => tasksFrame.fields.find((f) => f.name === name)).filter((f): f is DataFrame['fields'][number] => Boolean(f)).map((f) =>
      f.name === 'task'
        ? { ...f, config: { ...f.config, custom: { ...f.config.custom, width: TASK_COLUMN_WIDTH } } }
        : f.type === FieldType.time
          ? { ...f, config: { ...f.config, unit: 'dateTimeAsIso' } }
          : f.type === FieldType.number && f.name === 'hours'
            ? { ...f, config: { ...f.config, decimals: 2 } }
            : f,
    ),
  };
  const waits = rows.map((r) => r.queue_wait_seconds).filter((v): v is number => typeof v === 'number');
  const preempted = rows.filter((r) => typeof r.preemptions === 'number' && r.preemptions > 0).length;
  const hoursUnit = tasksFrame.fields.find((f) => f.name === 'hours')?.config.unit;
  return (
    <>
      <StatRow>
        <Stat title="Tasks" value={rows.length} unit="none" decimals={0} />
        <Stat title="Tasks preempted" value={preempted} unit="none" decimals={0} />
        <Stat title="Preemptions" value={total(rows, 'preemptions')} unit="none" decimals={0} />
        <Stat title="Longest queue wait" value={waits.length ? Math.max(...waits) : null} unit="s" />
        <Stat title="Hours held" value={total(rows, 'hours')} unit={hoursUnit} decimals={2} />
      </StatRow>
      <Panel title="Tasks" testId="tasks-table">
        <DataTable frame={ordered} height={560} />
      </Panel>
    </>
  );
}
