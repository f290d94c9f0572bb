/**
 * A dashboard definition and a variant → Grafana dashboard JSON (schema v1, which Grafana 10.4
 * and AMG import; the SDK's v2 needs Grafana 12), through the foundation SDK's builders.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { APP_PAGES, DASHBOARD_KEYS, DASHBOARD_TITLES, dashboardUid, type DashboardKey, type DashboardVariant } from '@hyperpod-usage/model';
import { DASHBOARDS, resolveDashboardRefs, type DashboardSpec } from './definitions.js';
import { buildPanel, type PanelSpec } from './panels.js';
import { PROMETHEUS_DS_VARIABLE, USAGE_DS_VARIABLE, VARIANTS, type Variant } from './variants.js';

const VARIANT_LABEL: Readonly<Record<DashboardVariant, string>> = { app: '', portable: ' (Athena)', local: ' (local DuckDB)' };

function links(spec: DashboardSpec, variant: Variant): DashboardLinkBuilder[] {
  const out = DASHBOARD_KEYS.filter((k) => k !== spec.key).map((k) =>
    new DashboardLinkBuilder(DASHBOARD_TITLES[k]).type(DashboardLinkType.Link).url(`/d/${dashboardUid(k, variant.name)}`).icon('dashboard').includeVars(true).keepTime(true),
  );
  // The app's pages exist where the app is installed: with the bundled dashboards, and in the local Grafana.
  if (variant.name !== 'portable') {
    for (const page of Object.values(APP_PAGES)) out.push(new DashboardLinkBuilder(page.title).type(DashboardLinkType.Link).url(page.path).icon('apps').keepTime(true));
  }
  return out;
}

function withPanels(builder: DashboardBuilder, panels: readonly PanelSpec[], variant: Variant): void {
  for (const panel of panels) {
    if (panel.kind === 'row') builder.withRow(new RowBuilder(panel.title));
    else {
      const p = panel.valueLinks ? { ...panel, valueLinks: panel.valueLinks.map((l) => ({ ...l, url: resolveDashboardRefs(l.url, variant.name) })) } : panel;
      builder.withPanel(buildPanel(p, variant));
    }
  }
}

export function buildDashboard(key: DashboardKey, variantName: DashboardVariant): Record<string, unknown> {
  const spec = DASHBOARDS[key];
  const variant = VARIANTS[variantName];
  const builder = new DashboardBuilder(`${DASHBOARD_TITLES[key]}${VARIANT_LABEL[variantName]}`)
    .uid(dashboardUid(key, variantName))
    .description(spec.description)
    .tags([...spec.tags, `variant-${variantName}`])
    .time({ from: 'now-30d', to: 'now' })
    .timezone('utc')
    .tooltip(DashboardCursorSync.Crosshair)
    .readonly()
    .withVariable(new DatasourceVariableBuilder(USAGE_DS_VARIABLE).label('Usage data').type(variant.usageDatasourceType))
    .withVariable(new DatasourceVariableBuilder(PROMETHEUS_DS_VARIABLE).label('Prometheus').type('prometheus'));
  for (const v of spec.variables) {
    builder.withVariable(
      new QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource(variant.usageDatasource)
        .query(variant.variableQuery(v.dimension, v.filters))
        .multi(true)
        .includeAll(true)
        .refresh(VariableRefresh.OnTimeRangeChanged)
        .sort(VariableSort.AlphabeticalAsc),
    );
  }
  for (const link of links(spec, variant)) builder.link(link);
  withPanels(builder, spec.panels, variant);
  // Generated, so the same JSON every run: no id (Grafana assigns one), no version.
  return { ...(builder.build() as unknown as Record<string, unknown>), id: null };
}

export interface GeneratedDashboard {
  key: DashboardKey;
  variant: DashboardVariant;
  path: string;
  json: Record<string, unknown>;
}

/** Where each variant's JSON goes, from the repository root. */
export const VARIANT_DIRECTORIES: Readonly<Record<DashboardVariant, string>> = {
  // Bundled by the app plugin (src/plugin.json includes them).
  app: 'src/dashboards',
  // For any Grafana and AMG: `hpu grafana install` or import by hand.
  portable: 'dashboards/portable',
  // Provisioned into the local Grafana of docker-compose.yaml.
  local: 'provisioning/dashboards/local',
};

export function generateDashboards(): GeneratedDashboard[] {
  return (Object.keys(VARIANT_DIRECTORIES) as DashboardVariant[]).flatMap((variant) =>
    DASHBOARD_KEYS.map((key) => ({ key, variant, path: `${VARIANT_DIRECTORIES[variant]}/${key}.json`, json: buildDashboard(key, variant) })),
  );
}

export const dashboardText = (json: Record<string, unknown>): string => `${JSON.stringify(json, null, 2)}\n`;
