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
  /**
   * Team budgets and alert thresholds, in the shape of the alert settings file (usage-model
   * budgets.ts, another branch). The Settings page shows them; it does not edit them yet.
   */
  alertSettings?: AppAlertSettings;
}

export interface AppAlertSettings {
  currency?: string;
  quota?: { overNominalFor?: string; atBorrowingLimitFor?: string; borrowingLimitRatio?: number; pendingWhileLentFor?: string; resources?: string[] };
  budget?: { evaluateEvery?: string; forecastAfterDays?: number };
  budgets?: Array<{ team: string; cluster?: string; monthlyGpuHours?: number; monthlyCost?: number }>;
}
