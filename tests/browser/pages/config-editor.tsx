// The usage data source's configuration editor, as Grafana's data source settings page shows it,
// with an Athena, a DuckDB and a Prometheus data source configured. The options the editor hands
// to onOptionsChange are printed below it, so the test can check what editing does.
import React, { useState } from 'react';
import type { DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from 'datasource/components/ConfigEditor';
import { ATHENA_TYPE, DUCKDB_TYPE, type UsageDataSourceOptions } from 'datasource/types';
import { installDataSources } from '../in-page/grafana-services';
import { mountPage } from '../in-page/mount';

installDataSources([
  { uid: 'athena-usage', type: ATHENA_TYPE, name: 'Athena (usage stack)' },
  { uid: 'duckdb-local', type: DUCKDB_TYPE, name: 'DuckDB (local rollups)' },
  { uid: 'amp', type: 'prometheus', name: 'Amazon Managed Prometheus' },
]);

const initial: DataSourceSettings<UsageDataSourceOptions> = {
  id: 1,
  uid: 'hyperpod-usage',
  orgId: 1,
  name: 'HyperPod Usage',
  type: 'hyperpod-usage-datasource',
  typeName: 'HyperPod Usage',
  typeLogoUrl: '/public/img/logo.svg',
  access: 'proxy',
  url: '',
  user: '',
  database: '',
  basicAuth: false,
  basicAuthUser: '',
  isDefault: false,
  withCredentials: false,
  readOnly: false,
  secureJsonFields: {},
  jsonData: {
    sqlDatasource: { uid: 'athena-usage', type: ATHENA_TYPE },
    database: 'hyperpod_usage',
    clusters: ['ml-cluster-a'],
    prometheusUid: 'amp',
    maxAgeHours: 3,
  },
};

function ConfigEditorPage() {
  const [options, setOptions] = useState(initial);
  return (
    <>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
      <pre data-testid="options-json">{JSON.stringify(options.jsonData)}</pre>
    </>
  );
}

mountPage(<ConfigEditorPage />);
