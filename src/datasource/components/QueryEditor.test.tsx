import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import type { DataSourceInstanceSettings } from '@grafana/data';
import type { DataSourceSrv, TemplateSrv } from '@grafana/runtime';
import { setTemplateSrv } from '@grafana/runtime';
import { UsageDataSource } from '../datasource';
import { DEFAULT_USAGE_QUERY, type UsageDataQuery, type UsageDataSourceOptions } from '../types';
import { QueryEditor } from './QueryEditor';

const templates = { getVariables: () => [], replace: (s: string) => s, containsTemplate: () => false, updateTimeRange: () => undefined } as unknown as TemplateSrv;

function datasource(jsonData: UsageDataSourceOptions): UsageDataSource {
  const settings = { id: 1, uid: 'usage', type: 'hyperpod-usage-datasource', name: 'Usage', jsonData, meta: {} as never, access: 'proxy', readOnly: false } as DataSourceInstanceSettings<UsageDataSourceOptions>;
  return new UsageDataSource(settings, { get: jest.fn() } as unknown as DataSourceSrv, templates);
}

const ATHENA: UsageDataSourceOptions = { sqlDatasource: { uid: 'athena', type: 'grafana-athena-datasource' }, database: 'hyperpod_usage', clusters: ['prod'] };

/** Picks an option of a @grafana/ui Select by the input's aria-label. */
function choose(label: string, option: string) {
  const input = screen.getByLabelText(label);
  fireEvent.keyDown(input, { key: 'ArrowDown' });
  fireEvent.click(within(document.body).getByText(option, { selector: '[role="option"] *, [role="option"]' }));
}

function setup(query: UsageDataQuery, jsonData = ATHENA) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const ds = datasource(jsonData);
  const view = render(<QueryEditor datasource={ds} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery, view, ds };
}

beforeAll(() => setTemplateSrv(templates));

describe('QueryEditor', () => {
  const base: UsageDataQuery = { refId: 'A', queryType: 'usage', usage: DEFAULT_USAGE_QUERY };

  it('shows the compiled SQL of the query, over the configured database and clusters', () => {
    setup(base);
    fireEvent.click(screen.getByRole('button', { name: 'Compiled SQL' }));
    const sql = screen.getByLabelText('Compiled SQL', { selector: 'pre' }).textContent ?? '';
    expect(sql).toContain('"hyperpod_usage"."team_hourly"');
    expect(sql).toContain("cluster IN ('prod')");
    expect(sql).toMatch(/AS "own_hours"/);
  });

  it('builds the UsageQuery from the pickers: resource and top N', () => {
    const { onChange, onRunQuery } = setup(base);
    choose('Resource', 'vCPU');
    expect(onChange).toHaveBeenLastCalledWith({ ...base, usage: { ...DEFAULT_USAGE_QUERY, resource: 'cpu' } });
    fireEvent.change(screen.getByLabelText('Top N'), { target: { value: '5' } });
    expect(onChange).toHaveBeenLastCalledWith({ ...base, usage: { ...DEFAULT_USAGE_QUERY, topN: 5 } });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('switches to an annotation query of preemptions and evictions for the chosen teams', () => {
    const { onChange, onRunQuery } = setup(base);
    fireEvent.click(screen.getByLabelText('Preemptions and evictions'));
    expect(onChange).toHaveBeenLastCalledWith({ ...base, queryType: 'annotations' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('edits the teams of an annotation query, and compiles it to the preemption statement', () => {
    const query: UsageDataQuery = { refId: 'A', queryType: 'annotations', annotation: { teams: [] } };
    const { onChange, ds } = setup(query);
    const input = screen.getByPlaceholderText('team or $team, then Enter');
    fireEvent.change(input, { target: { value: '$team' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(onChange).toHaveBeenLastCalledWith({ ...query, annotation: { teams: ['$team'] } });
    const scope = ds.scope({ from: Date.UTC(2025, 3, 16), to: Date.UTC(2025, 3, 17) }, () => ({ values: ["o'hara"], all: false }));
    const sql = ds.compileTarget({ ...query, annotation: { teams: ['$team'] } }, scope, () => ({ values: ["o'hara"], all: false })).compiled.sql;
    expect(sql).toContain('detailed_report');
    expect(sql).toContain("'o''hara'");
  });

  it('switches the format between time series and table', () => {
    const { onChange } = setup(base);
    fireEvent.click(screen.getByLabelText('Table'));
    expect(onChange).toHaveBeenLastCalledWith({ ...base, usage: { ...DEFAULT_USAGE_QUERY, format: 'table' } });
  });

  it('raw SQL mode starts from the compiled statement', () => {
    const { onChange, ds } = setup(base);
    fireEvent.click(screen.getByLabelText('Raw SQL'));
    const call = onChange.mock.calls.at(-1)![0] as UsageDataQuery;
    expect(call.rawMode).toBe(true);
    const now = Date.now();
    const scope = ds.scope({ from: now - 7 * 86_400_000, to: now }, () => undefined);
    // The same statement the preview compiled (the range rounds to the hour, so compare the table read).
    expect(call.rawSql).toContain('"hyperpod_usage"."team_hourly"');
    expect(call.rawSql?.split('\n')[0]).toBe(ds.compileTarget(base, scope, () => undefined).compiled.sql.split('\n')[0]);
  });

  it('says in one line why a query cannot run instead of showing SQL', () => {
    setup({ ...base, usage: { ...DEFAULT_USAGE_QUERY, measures: ['idle_hours'], groupBy: ['team'] } });
    const alert = screen.getByText('This query cannot run').closest('[role="alert"], div')!;
    expect(alert.textContent).toMatch(/idle_hours cannot be grouped or filtered by team/);
    expect(screen.queryByRole('button', { name: 'Compiled SQL' })).toBeNull();
  });

  it('tells the user to choose a SQL data source when none is set', () => {
    setup(base, {});
    expect(screen.getByText(/No SQL data source chosen/)).toBeInTheDocument();
  });
});
