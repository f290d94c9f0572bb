/**
 * The generated dashboards' identities: alert rules link to them, dashboards link to each other.
 * Each dashboard exists in three variants from the same code (app-bundled on the usage data
 * source, portable on Athena + Prometheus, local on DuckDB over the demo's Parquet), with one uid
 * per variant so all three can live in one Grafana.
 */
export type DashboardKey = 'team-usage' | 'team-efficiency' | 'cluster-overview';
export type DashboardVariant = 'app' | 'portable' | 'local';

export const DASHBOARD_KEYS: readonly DashboardKey[] = ['team-usage', 'team-efficiency', 'cluster-overview'];
export const DASHBOARD_VARIANTS: readonly DashboardVariant[] = ['app', 'portable', 'local'];

export const DASHBOARD_TITLES: Readonly<Record<DashboardKey, string>> = {
  'team-usage': 'Team usage and cost',
  'team-efficiency': 'Team efficiency',
  'cluster-overview': 'Cluster overview',
};

const VARIANT_SUFFIX: Readonly<Record<DashboardVariant, string>> = { app: '-app', portable: '', local: '-local' };

/** Grafana dashboard uids are at most 40 characters. */
export function dashboardUid(key: DashboardKey, variant: DashboardVariant): string {
  return `hpu-${key}${VARIANT_SUFFIX[variant]}`;
}

/** Id of the app plugin (src/plugin.json); its pages live under /a/<id>/. */
export const APP_PLUGIN_ID = 'hyperpod-usage-app';
/** Id of the app's nested usage data source. */
export const USAGE_DATASOURCE_TYPE = 'hyperpod-usage-datasource';

/** Pages of the app plugin the dashboards link to (the app's routes under /a/<id>/). */
export const APP_PAGES = {
  overview: { title: 'Usage overview (app)', path: `/a/${APP_PLUGIN_ID}/overview` },
  team: { title: 'Team (app)', path: `/a/${APP_PLUGIN_ID}/team` },
  tasks: { title: 'Tasks (app)', path: `/a/${APP_PLUGIN_ID}/tasks` },
  settings: { title: 'Budgets and settings (app)', path: `/a/${APP_PLUGIN_ID}/settings` },
} as const;
