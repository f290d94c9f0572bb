import pluginJson from './plugin.json';

export const PLUGIN_ID = pluginJson.id;
export const PLUGIN_BASE_URL = `/a/${pluginJson.id}`;
export const USAGE_DATASOURCE_TYPE = 'hyperpod-usage-datasource';
export const DOCS_URL = 'https://github.com/hyperpod-usage/hyperpod-usage-grafana#readme';

export enum ROUTES {
  Overview = 'overview',
  Team = 'team',
  Tasks = 'tasks',
  Settings = 'settings',
}

export const prefixRoute = (route: ROUTES): string => `${PLUGIN_BASE_URL}/${route}`;

/** The app's own settings (its plugin jsonData). */
export interface AppSettings {
  /** The usage data source instance the pages read. */
  usageDatasourceUid?: string;
}
