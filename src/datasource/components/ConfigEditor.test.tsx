import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { PluginType, type DataSourceInstanceSettings, type DataSourcePluginMeta, type DataSourceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import type { UsageDataSourceOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

function instance(uid: string, type: string, name: string): DataSourceInstanceSettings {
  const meta = { id: type, name, type: PluginType.datasource, info: { logos: { small: '', large: '' } } } as unknown as DataSourcePluginMeta;
  return { id: 1, uid, type, name, meta, jsonData: {}, access: 'proxy', readOnly: false };
}

const list = [
  instance('athena', 'grafana-athena-datasource', 'Amazon Athena'),
  instance('duck', 'motherduck-duckdb-datasource', 'DuckDB'),
  instance('prom', 'prometheus', 'Prometheus (AMP)'),
];

beforeAll(() => {
  setDataSourceSrv({
    getList: (filters: { type?: string | string[] } = {}) => list.filter((d) => !filters.type || [filters.type].flat().includes(d.type)),
    // Like Grafana's, by uid or by name (the picker's options carry names).
    getInstanceSettings: (ref: unknown) => {
      const key = typeof ref === 'string' ? ref : (ref as { uid?: string })?.uid;
      return list.find((d) => d.uid === key || d.name === key);
    },
    get: jest.fn(),
    reload: jest.fn(),
    registerRuntimeDataSource: jest.fn(),
  } as unknown as DataSourceSrv);
});

function options(jsonData: UsageDataSourceOptions): DataSourceSettings<UsageDataSourceOptions> {
  return { id: 1, uid: 'u', orgId: 1, name: 'Usage', type: 'hyperpod-usage-datasource', typeName: '', typeLogoUrl: '', access: 'proxy', url: '', user: '', database: '', basicAuth: false, basicAuthUser: '', isDefault: false, jsonData, secureJsonFields: {}, readOnly: false, withCredentials: false };
}

const OPTION = '[role="option"] *, [role="option"]';

/** Opens a data source picker (the nth on the page) and picks by name. */
function pick(index: number, name: string) {
  const input = screen.getAllByRole('combobox')[index]!;
  fireEvent.keyDown(input, { key: 'ArrowDown' });
  fireEvent.click(screen.getByText(name, { selector: OPTION }));
}

describe('ConfigEditor', () => {
  it('offers only Athena and DuckDB as the SQL data source and stores its uid and type', () => {
    const onChange = jest.fn();
    render(<ConfigEditor options={options({})} onOptionsChange={onChange} />);
    const input = screen.getAllByRole('combobox')[0]!;
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(screen.getByText('Amazon Athena')).toBeInTheDocument();
    expect(screen.queryByText('Prometheus (AMP)')).toBeNull();
    fireEvent.click(screen.getByText('DuckDB', { selector: OPTION }));
    expect(onChange).toHaveBeenLastCalledWith(options({ sqlDatasource: { uid: 'duck', type: 'motherduck-duckdb-datasource' } }));
  });

  it('asks DuckDB for the data path and Athena for the database, trimmed', () => {
    const onChange = jest.fn();
    const { rerender } = render(<ConfigEditor options={options({ sqlDatasource: { uid: 'duck', type: 'motherduck-duckdb-datasource' } })} onOptionsChange={onChange} />);
    expect(screen.queryByPlaceholderText('hyperpod_usage')).toBeNull();
    fireEvent.change(screen.getByPlaceholderText('/var/lib/grafana/usage-data'), { target: { value: ' /srv/usage ' } });
    expect(onChange.mock.calls.at(-1)![0].jsonData).toEqual({ sqlDatasource: { uid: 'duck', type: 'motherduck-duckdb-datasource' }, dataPath: '/srv/usage' });

    rerender(<ConfigEditor options={options({ sqlDatasource: { uid: 'athena', type: 'grafana-athena-datasource' } })} onOptionsChange={onChange} />);
    expect(screen.queryByPlaceholderText('/var/lib/grafana/usage-data')).toBeNull();
    fireEvent.change(screen.getByPlaceholderText('hyperpod_usage'), { target: { value: 'usage_db ' } });
    expect(onChange.mock.calls.at(-1)![0].jsonData).toEqual({ sqlDatasource: { uid: 'athena', type: 'grafana-athena-datasource' }, database: 'usage_db' });
  });

  it('writes clusters, the Prometheus data source and the staleness limit', () => {
    const onChange = jest.fn();
    render(<ConfigEditor options={options({ clusters: ['prod'] })} onOptionsChange={onChange} />);
    const tags = screen.getByPlaceholderText('cluster name, then Enter');
    fireEvent.change(tags, { target: { value: 'dev' } });
    fireEvent.keyDown(tags, { key: 'Enter' });
    expect(onChange.mock.calls.at(-1)![0].jsonData.clusters).toEqual(['prod', 'dev']);
    pick(1, 'Prometheus (AMP)');
    expect(onChange.mock.calls.at(-1)![0].jsonData).toEqual({ clusters: ['prod'], prometheusUid: 'prom' });
    fireEvent.change(screen.getByDisplayValue('3'), { target: { value: '6' } });
    expect(onChange.mock.calls.at(-1)![0].jsonData).toEqual({ clusters: ['prod'], maxAgeHours: 6 });
    fireEvent.change(screen.getByDisplayValue('3'), { target: { value: '0' } });
    expect(onChange.mock.calls.at(-1)![0].jsonData.maxAgeHours).toBeUndefined();
  });
});
