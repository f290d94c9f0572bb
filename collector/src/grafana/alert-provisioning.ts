/**
 * Grafana-managed alert rules, in the shape both Grafana's file provisioning
 * (`provisioning/alerting/*.yaml`) and its provisioning HTTP API (`/api/v1/provisioning/alert-rules`)
 * take: PromQL rules as an instant Prometheus query, a reduce to the last value and a threshold
 * (which is how Grafana evaluates `expr > threshold`); budget rules bring their own queries.
 */
import { stringify } from 'yaml';
import { dashboardLink, ruleLabels, type DashboardVariant, type PromAlertRule } from '@hyperpod-usage/model';

export const EXPRESSION_DATASOURCE = { type: '__expr__', uid: '__expr__' } as const;

export interface AlertQuery {
  refId: string;
  relativeTimeRange?: { from: number; to: number };
  datasourceUid: string;
  model: Record<string, unknown> & { refId: string };
}

export interface GrafanaAlertRule {
  uid: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  for: string;
  noDataState: 'OK' | 'NoData' | 'Alerting' | 'KeepLast';
  execErrState: 'Error' | 'Alerting' | 'OK' | 'KeepLast';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  isPaused: boolean;
}

export interface AlertGroup {
  name: string;
  /** Folder title (file provisioning); the installer maps it to a folder uid. */
  folder: string;
  /** How often Grafana evaluates the group (duration string). */
  interval: string;
  rules: GrafanaAlertRule[];
}

/** Folder of every rule and dashboard this product installs. */
export const GRAFANA_FOLDER = { title: 'HyperPod usage', uid: 'hyperpod-usage' } as const;

export function reduceLast(refId: string, expression: string): AlertQuery {
  return {
    refId,
    datasourceUid: '__expr__',
    model: { refId, type: 'reduce', expression, reducer: 'last', settings: { mode: 'dropNN' }, datasource: EXPRESSION_DATASOURCE },
  };
}

export function threshold(refId: string, expression: string, type: 'gt' | 'lt', value: number): AlertQuery {
  return {
    refId,
    datasourceUid: '__expr__',
    model: { refId, type: 'threshold', expression, conditions: [{ evaluator: { type, params: [value] } }], datasource: EXPRESSION_DATASOURCE },
  };
}

export interface PromRuleOptions {
  prometheusUid: string;
  /** Which dashboard variant the rule's link opens. */
  variant: DashboardVariant;
}

export function grafanaPromRule(rule: PromAlertRule, options: PromRuleOptions): GrafanaAlertRule {
  const link = dashboardLink(rule, options.variant);
  return {
    uid: rule.uid,
    title: rule.title,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: 600, to: 0 },
        datasourceUid: options.prometheusUid,
        model: { refId: 'A', expr: rule.expr, instant: true, range: false, datasource: { type: 'prometheus', uid: options.prometheusUid } },
      },
      reduceLast('B', 'A'),
      threshold('C', 'B', rule.comparison, rule.threshold),
    ],
    for: rule.for,
    // No series means nothing is wrong: every expression returns series only for a problem,
    // except `absent()`, which returns one exactly when the metrics are missing.
    noDataState: 'OK',
    execErrState: 'Error',
    labels: ruleLabels(rule),
    annotations: { summary: rule.summary, description: rule.description, ...(link ? { dashboard_url: link } : {}) },
    isPaused: false,
  };
}

export function alertGroupsYaml(groups: readonly AlertGroup[], header: string): string {
  const document = {
    apiVersion: 1,
    groups: groups.map((g) => ({ orgId: 1, name: g.name, folder: g.folder, interval: g.interval, rules: g.rules })),
  };
  return header + stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Uid of the Prometheus data source in provisioning/datasources/datasources.yaml. */
export const PROVISIONED_PROMETHEUS_UID = 'hyperpod-usage-prometheus';
/** Uid of the Athena data source there. */
export const PROVISIONED_ATHENA_UID = 'hyperpod-usage-athena';
