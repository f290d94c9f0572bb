import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { FieldType, toDataFrame, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import { of } from 'rxjs';
import type { UsageDataQuery } from '../datasource/types';
import Overview from './Overview';

// uPlot needs a canvas jsdom does not have; the charts are checked in Chromium (tests/browser).
jest.mock('../components/Viz/Viz', () => {
  const actual = jest.requireActual('../components/Viz/Viz');
  return { ...actual, Chart: ({ frame }: { frame: { fields: Array<{ name: string }> } }) => <div data-testid="chart">{frame.fields.map((f) => f.name).join(',')}</div> };
});

const H = 3_600_000;
const T0 = Date.UTC(2025, 3, 16, 8);
const hours = { unit: 'suffix: GPU-h' };

/** The frames the usage data source returns for the Overview's four statements. */
function answer(request: DataQueryRequest<UsageDataQuery>): DataQueryResponse {
  const frames = request.targets.map((t) => {
    switch (t.refId) {
      case 'teams':
        return toDataFrame({ refId: 'teams', fields: [
          { name: 'time', type: FieldType.time, values: [T0, T0 + H] },
          { name: 'hours', type: FieldType.number, values: [4, 2], labels: { team: 'team-a' }, config: hours },
          { name: 'own_hours', type: FieldType.number, values: [2, 2], labels: { team: 'team-a' }, config: hours },
          { name: 'borrowed_hours', type: FieldType.number, values: [2, 0], labels: { team: 'team-a' }, config: hours },
          { name: 'cost', type: FieldType.number, values: [12, 6], labels: { team: 'team-a' }, config: { unit: 'currencyUSD' } },
          { name: 'hours', type: FieldType.number, values: [0, 1.5], labels: { team: 'team-b' }, config: hours },
          { name: 'own_hours', type: FieldType.number, values: [0, 1.5], labels: { team: 'team-b' }, config: hours },
        ] });
      case 'idle':
        return toDataFrame({ refId: 'idle', fields: [
          { name: 'time', type: FieldType.time, values: [T0, T0 + H] },
          { name: 'idle_hours', type: FieldType.number, values: [0, 0.5], labels: { instance_type: 'ml.g5.8xlarge' }, config: hours },
        ] });
      case 'cost_mtd':
        return toDataFrame({ refId: 'cost_mtd', fields: [{ name: 'team', values: ['team-a'] }, { name: 'cost', type: FieldType.number, values: [123.45], config: { unit: 'currencyUSD' } }] });
      default:
        return toDataFrame({ refId: t.refId, fields: [{ name: 'cluster', values: ['demo'] }, { name: 'last_hour', type: FieldType.time, values: [T0 + H] }] });
    }
  });
  return { data: frames };
}

function withUsageDatasource(query: (r: DataQueryRequest<UsageDataQuery>) => DataQueryResponse) {
  const calls: Array<DataQueryRequest<UsageDataQuery>> = [];
  setDataSourceSrv({
    get: async (uid: string) => {
      if (uid !== 'usage') throw new Error('not found');
      return { query: (r: DataQueryRequest<UsageDataQuery>) => (calls.push(r), of(query(r))) };
    },
    getInstanceSettings: () => undefined,
    getList: () => [],
  } as unknown as DataSourceSrv);
  return calls;
}

const renderAt = (uid?: string) =>
  render(
    <MemoryRouter initialEntries={[`/overview?from=${T0}&to=${T0 + 5 * H}`]}>
      <Overview datasourceUid={uid} />
    </MemoryRouter>,
  );

const statText = (title: string) => screen.getByTestId(`stat-${title}`).textContent?.slice(title.length).replace(/\s+/g, ' ').trim();

describe('Overview page', () => {
  it('sends its batched statements in one request and sums them into the stats and the top teams', async () => {
    const calls = withUsageDatasource(answer);
    renderAt('usage');
    await waitFor(() => expect(screen.getByTestId('top-teams')).toBeInTheDocument());
    expect(calls).toHaveLength(1);
    expect(calls[0]!.targets.map((t) => [t.refId, t.queryType])).toEqual([['teams', 'page'], ['idle', 'page'], ['cost_mtd', 'page'], ['freshness', 'page']]);
    expect(calls[0]!.range.from.valueOf()).toBe(T0);
    expect(statText('Cluster GPU-hours')).toBe('7.50 GPU-h');
    expect(statText('Own quota')).toBe('5.50 GPU-h');
    expect(statText('Borrowed')).toBe('2.00 GPU-h');
    expect(statText('Idle capacity')).toBe('0.50 GPU-h');
    expect(statText('Cost month to date')).toBe('$123.45');
    expect(statText('Data up to')).toMatch(/2025-04-16 10:00/);
    expect(screen.getAllByTestId('chart')[0]!.textContent).toBe('time,Own quota,Borrowed');
  });

  it('without a usage data source, says to choose one, with links to the configuration and the docs', async () => {
    withUsageDatasource(answer);
    renderAt(undefined);
    const problem = await screen.findByTestId('page-problem-not-configured');
    expect(problem.textContent).toMatch(/Choose a usage data source/);
    expect(screen.getByRole('link', { name: /Open the app configuration/ })).toHaveAttribute('href', '/plugins/hyperpod-usage-app');
    expect(screen.getByRole('link', { name: /Read the docs/ }).getAttribute('href')).toMatch(/^https:\/\//);
  });

  it('when the tables are missing, says to deploy the stack and links to the data source', async () => {
    withUsageDatasource(() => ({ data: [], error: { message: 'Usage tables not found: deploy the stack or run the aggregation (No files found that match the pattern)' } }));
    renderAt('usage');
    const problem = await screen.findByTestId('page-problem-not-deployed');
    expect(problem.textContent).toMatch(/No usage tables yet.*Deploy the stack/);
    expect(screen.getByRole('link', { name: /Open the usage data source/ })).toHaveAttribute('href', '/connections/datasources/edit/usage');
  });

  it('when the tables hold nothing for the range, says so instead of showing zeros', async () => {
    withUsageDatasource((r) => ({ data: r.targets.map((t) => toDataFrame({ refId: t.refId, fields: [] })) }));
    renderAt('usage');
    expect((await screen.findByTestId('page-problem-empty')).textContent).toMatch(/No usage in this range/);
    expect(screen.queryByTestId('top-teams')).toBeNull();
  });

  it('when the data source is gone, says to pick another', async () => {
    withUsageDatasource(answer);
    renderAt('deleted');
    expect((await screen.findByTestId('page-problem-datasource-missing')).textContent).toMatch(/does not exist any more/);
  });
});
