import { DataSourcePlugin } from '@grafana/data';
import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { UsageDataSource } from './datasource';
import type { UsageDataQuery, UsageDataSourceOptions } from './types';

export const plugin = new DataSourcePlugin<UsageDataSource, UsageDataQuery, UsageDataSourceOptions>(UsageDataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor)
  .setVariableQueryEditor(VariableQueryEditor);
