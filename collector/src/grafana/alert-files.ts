/**
 * Every generated alert rule, grouped as Grafana evaluates them, from the alert settings: the
 * collector's health rules, the live quota rules (Prometheus) and the budget rules (Athena).
 * Also the same PromQL rules as a Prometheus rule file for Amazon Managed Service for Prometheus.
 */
import { stringify } from 'yaml';
import {
  COLLECTOR_ALERT_RULES,
  prometheusAlertingRule,
  quotaAlertRules,
  type AlertSettings,
  type DashboardVariant,
} from '@hyperpod-usage/model';
import { GRAFANA_FOLDER, grafanaPromRule, type AlertGroup } from './alert-provisioning.js';

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
