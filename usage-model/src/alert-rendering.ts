/**
 * What a PromAlertRule becomes outside its definition: the Prometheus alerting rule that fires
 * exactly when Grafana's query → reduce(last) → threshold pipeline does (for Amazon Managed
 * Service for Prometheus rule files and for promtool), and the dashboard link both carry.
 */
import { COLLECTOR_COMPONENT, type PromAlertRule } from './collector-alerts.js';
import { dashboardUid, type DashboardVariant } from './dashboard-ids.js';

export interface PrometheusAlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export function ruleLabels(rule: PromAlertRule): Record<string, string> {
  return { severity: rule.severity, component: rule.component ?? COLLECTOR_COMPONENT };
}

/**
 * `/d/<uid>?var-team={{ $labels.team }}`: the dashboard to open, relative to the Grafana root, or
 * absolute when `grafanaUrl` is given. Template values stay Go templates, filled per alert.
 */
export function dashboardLink(rule: Pick<PromAlertRule, 'dashboard'>, variant: DashboardVariant, grafanaUrl = ''): string | undefined {
  if (!rule.dashboard) return undefined;
  const vars = Object.entries(rule.dashboard.vars).map(([name, value]) => `var-${name}=${value}`);
  const base = grafanaUrl.replace(/\/+$/, '');
  return `${base}/d/${dashboardUid(rule.dashboard.key, variant)}${vars.length ? `?${vars.join('&')}` : ''}`;
}

/** Grafana's `$values.B` (the reduced value) is Prometheus's `$value`. */
export function prometheusTemplate(text: string): string {
  return text.replace(/\$values\.B\.Value\b/g, '$value').replace(/\$values\.B\b/g, '$value');
}

export function prometheusAlertingRule(rule: PromAlertRule, options: { variant?: DashboardVariant; grafanaUrl?: string } = {}): PrometheusAlertingRule {
  const link = dashboardLink(rule, options.variant ?? 'portable', options.grafanaUrl);
  return {
    alert: rule.uid,
    expr: `(${rule.expr}) ${rule.comparison === 'gt' ? '>' : '<'} ${rule.threshold}`,
    for: rule.for,
    labels: ruleLabels(rule),
    annotations: {
      summary: prometheusTemplate(rule.summary),
      description: prometheusTemplate(rule.description),
      ...(link ? { dashboard_url: link } : {}),
    },
  };
}
