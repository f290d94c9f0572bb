/**
 * Every generated alert rule, grouped as Grafana evaluates them, from the alert settings: the
 * collector's health rules, the live quota rules (Prometheus) and the budget rules (Athena).
 * Also the same PromQL rules as a Prometheus rule file for Amazon Managed Service for Prometheus.
 */
import { stringify } from 'yaml';
import {
  COLLECTOR_ALERT_RULES,
  budgetAlertRules,
  budgetAlertSql,
  dashboardLink,
  localRelations,
  prometheusAlertingRule,
  quotaAlertRules,
  type AlertSettings,
  type BudgetAlertRule,
  type DashboardVariant,
} from '@hyperpod-usage/model';
import { GRAFANA_FOLDER, grafanaPromRule, reduceLast, threshold, type AlertGroup, type AlertQuery, type GrafanaAlertRule } from './alert-provisioning.js';

export interface AlertTargets {
  prometheusUid: string;
  variant: DashboardVariant;
}

export function collectorAlertGroup(targets: AlertTargets): AlertGroup {
  return { name: 'hyperpod-usage-collector', folder: GRAFANA_FOLDER.title, interval: '1m', rules: COLLECTOR_ALERT_RULES.map((r) => grafanaPromRule(r, targets)) };
}

export function quotaAlertGroup(settings: AlertSettings, targets: AlertTargets): AlertGroup {
  return { name: 'hyperpod-usage-quota', folder: GRAFANA_FOLDER.title, interval: '1m', rules: quotaAlertRules(settings).map((r) => grafanaPromRule(r, targets)) };
}

/**
 * A rule file for Amazon Managed Service for Prometheus (a rule groups namespace) or any
 * Prometheus: the collector and quota rules, with links to the portable dashboards.
 */
export function prometheusRulesYaml(settings: AlertSettings, grafanaUrl = ''): string {
  const options = { variant: 'portable' as const, grafanaUrl };
  const document = {
    groups: [
      { name: 'hyperpod-usage-collector', interval: '1m', rules: COLLECTOR_ALERT_RULES.map((r) => prometheusAlertingRule(r, options)) },
      { name: 'hyperpod-usage-quota', interval: '1m', rules: quotaAlertRules(settings).map((r) => prometheusAlertingRule(r, options)) },
    ],
  };
  return stringify(document, { lineWidth: 0 });
}

export interface BudgetAlertTargets {
  athenaUid: string;
  variant: DashboardVariant;
}

export const ATHENA_DATASOURCE_TYPE = 'grafana-athena-datasource';

/** Athena query as the data source's backend reads it: format 0 = time series, set explicitly. */
export function athenaAlertQuery(refId: string, rawSQL: string, athenaUid: string): AlertQuery {
  return {
    refId,
    // The SQL reads the month from `$__timeTo()`; the range only has to end now.
    relativeTimeRange: { from: 3600, to: 0 },
    datasourceUid: athenaUid,
    model: {
      refId,
      format: 0,
      rawSQL,
      connectionArgs: { region: '__default', catalog: '__default', database: '__default', resultReuseEnabled: false },
      datasource: { type: ATHENA_DATASOURCE_TYPE, uid: athenaUid },
    },
  };
}

export function grafanaBudgetRule(rule: BudgetAlertRule, settings: AlertSettings, targets: BudgetAlertTargets): GrafanaAlertRule {
  // Unqualified table names: the data source's default database (connectionArgs `__default`).
  const sql = budgetAlertSql(rule, { dialect: 'athena', relations: localRelations(), forecastAfterDays: settings.budget.forecastAfterDays });
  const link = dashboardLink(rule, targets.variant);
  return {
    uid: rule.uid,
    title: rule.title,
    condition: 'C',
    data: [athenaAlertQuery('A', sql, targets.athenaUid), reduceLast('B', 'A'), threshold('C', 'B', 'gt', 0)],
    for: '0s',
    // No rows: no team with a budget has used anything this month (or too early for a forecast).
    noDataState: 'OK',
    execErrState: 'Error',
    labels: { severity: rule.severity, component: 'hyperpod-usage-budget', metric: rule.metric, check: rule.check },
    annotations: { summary: rule.summary, description: rule.description, ...(link ? { dashboard_url: link } : {}) },
    isPaused: false,
  };
}

export function budgetAlertGroup(settings: AlertSettings, targets: BudgetAlertTargets): AlertGroup {
  return {
    name: 'hyperpod-usage-budget',
    folder: GRAFANA_FOLDER.title,
    interval: settings.budget.evaluateEvery,
    rules: budgetAlertRules(settings).map((r) => grafanaBudgetRule(r, settings, targets)),
  };
}
