/**
 * Panel definitions independent of the variant, and how each becomes a foundation-SDK panel
 * builder for one variant: usage panels get the variant's usage target, exporter panels a
 * Prometheus target per expression.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugePanel } from '@grafana/grafana-foundation-sdk/bargauge';
import { DataqueryBuilder as PromQuery } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { PromExpr } from './promql.js';
import type { UsagePanelQuery, Variant } from './variants.js';

export type Visualization = 'timeseries' | 'stat' | 'table' | 'bargauge';

interface PanelCommon {
  title: string;
  description: string;
  viz: Visualization;
  /** Grid width (of 24) and height. */
  w: number;
  h: number;
  /** Links on a column's values (tables): the column name and the link. */
  valueLinks?: ReadonlyArray<{ field: string; title: string; url: string }>;
}

export interface UsagePanel extends PanelCommon {
  kind: 'usage';
  query: UsagePanelQuery;
}

export interface PromPanel extends PanelCommon {
  kind: 'prom';
  exprs: readonly PromExpr[];
  unit: string;
  /** Instant query (stat, table): the value at the end of the range. */
  instant?: boolean;
}

export interface RowSpec {
  kind: 'row';
  title: string;
}

export type PanelSpec = UsagePanel | PromPanel | RowSpec;

/** A ready-made target: the usage data source's and DuckDB's queries have no SDK builder. */
class TargetBuilder implements cog.Builder<cog.Dataquery> {
  constructor(private readonly target: Record<string, unknown>) {}
  build(): cog.Dataquery {
    return this.target as unknown as cog.Dataquery;
  }
}

type AnyPanel = TimeseriesPanel | StatPanel | TablePanel | BarGaugePanel;

function newPanel(viz: Visualization): AnyPanel {
  switch (viz) {
    case 'timeseries':
      return new TimeseriesPanel().fillOpacity(10).lineWidth(1);
    case 'stat':
      return new StatPanel();
    case 'table':
      return new TablePanel();
    case 'bargauge':
      return new BarGaugePanel();
  }
}

const refIds = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function withValueLinks(panel: AnyPanel, spec: PanelCommon): void {
  for (const link of spec.valueLinks ?? []) {
    panel.overrideByName(link.field, [{ id: 'links', value: [{ title: link.title, url: link.url }] }]);
  }
}

export function buildPanel(spec: UsagePanel | PromPanel, variant: Variant): cog.Builder<dashboard.Panel> {
  const panel = newPanel(spec.viz).title(spec.title).description(spec.description).height(spec.h).span(spec.w);
  if (spec.kind === 'usage') {
    panel.datasource(variant.usageDatasource).withTarget(new TargetBuilder(variant.usageTarget('A', spec.query)));
    // Units and names of the measure columns, as the query model declares them.
    const fields = variant.compiled(spec.query).fields;
    const measures = fields.filter((f) => f.type === 'number');
    if (measures.length === 1 && measures[0]?.unit) panel.unit(measures[0].unit);
    for (const f of fields) {
      const properties: dashboard.DynamicConfigValue[] = [];
      if (f.unit && measures.length > 1) properties.push({ id: 'unit', value: f.unit });
      if (f.displayName && spec.viz !== 'timeseries') properties.push({ id: 'displayName', value: f.displayName });
      if (properties.length) panel.overrideByName(f.name, properties);
    }
  } else {
    panel.datasource(variant.prometheus).unit(spec.unit);
    spec.exprs.forEach((e, i) => {
      const q = new PromQuery().refId(refIds[i] as string).expr(e.expr).legendFormat(e.legend).datasource(variant.prometheus);
      panel.withTarget(spec.instant ? q.instant() : q.range());
    });
  }
  withValueLinks(panel, spec);
  return panel;
}
