/**
 * Live quota alert rules on the collector's quota gauges (QUOTA_METRICS): a team borrowing above
 * its nominal quota for too long, a team at its borrowing limit, and a team whose workloads wait
 * while its own quota is lent to others. Durations and the limit ratio come from the alert
 * settings file (budgets.ts). Every series carries cluster, team and resource, and the quota
 * rules also the flavor and instance type, so one alert instance names exactly what to look at.
 */
import type { AlertSettings } from './budgets.js';
import type { PromAlertRule } from './collector-alerts.js';
import { QUOTA_METRICS } from './metrics.js';

export const QUOTA_COMPONENT = 'hyperpod-usage-quota';

/** Labels that identify one team's quota of one flavor and resource. */
const BY_FLAVOR = 'cluster, team, cluster_queue, flavor, instance_type, resource';

/** `resource=~"gpu|neuron_device"`: the resource keys are lower-case words, safe in a regex. */
function resourceMatcher(settings: AlertSettings): string {
  return `resource=~"${settings.quota.resources.join('|')}"`;
}

const TEAM_DASHBOARD = { key: 'team-usage', vars: { cluster: '{{ $labels.cluster }}', team: '{{ $labels.team }}' } } as const;

export function quotaAlertRules(settings: AlertSettings): PromAlertRule[] {
  const q = settings.quota;
  const resources = resourceMatcher(settings);
  const { borrowed, borrowingLimit, lent, workloads } = QUOTA_METRICS;
  const percent = Math.round(q.borrowingLimitRatio * 1000) / 10;
  return [
    {
      uid: 'hpu-team-over-nominal-quota',
      title: 'Team uses more than its nominal quota',
      // The borrowed amount is the excess over the nominal quota; zero while within it.
      expr: `sum by (${BY_FLAVOR}) (${borrowed.name}{${resources}})`,
      comparison: 'gt',
      threshold: 0,
      for: q.overNominalFor,
      severity: 'warning',
      component: QUOTA_COMPONENT,
      dashboard: TEAM_DASHBOARD,
      summary: 'Team {{ $labels.team }} on {{ $labels.cluster }} uses {{ $values.B }} {{ $labels.resource }} above its nominal quota of {{ $labels.instance_type }} for more than ' + q.overNominalFor + '.',
      description:
        "The team's admitted workloads borrow idle quota from its cohort. That is allowed, but borrowed capacity can be reclaimed: the team's workloads above quota may be preempted when the lenders need it back. Raise the team's nominal quota if this is its normal load.",
    },
    {
      uid: 'hpu-team-at-borrowing-limit',
      title: 'Team is at its borrowing limit',
      // Only flavors with a positive limit: an absent limit means unlimited, zero means no borrowing.
      expr: `sum by (${BY_FLAVOR}) (${borrowed.name}{${resources}}) / sum by (${BY_FLAVOR}) (${borrowingLimit.name}{${resources}} > 0) >= ${q.borrowingLimitRatio}`,
      comparison: 'gt',
      threshold: 0,
      for: q.atBorrowingLimitFor,
      severity: 'warning',
      component: QUOTA_COMPONENT,
      dashboard: TEAM_DASHBOARD,
      summary: `Team {{ $labels.team }} on {{ $labels.cluster }} borrows {{ humanizePercentage $values.B.Value }} of its {{ $labels.resource }} borrowing limit on {{ $labels.instance_type }} (alert from ${percent}%) for more than ${q.atBorrowingLimitFor}.`,
      description:
        "More work for this team waits in the queue even where the cohort has idle capacity. Raise the ClusterQueue's borrowingLimit or its nominal quota, or move work to another instance type.",
    },
    {
      uid: 'hpu-team-pending-while-lent',
      title: "Team's workloads wait while its quota is lent to others",
      expr: `sum by (cluster, team, resource) (${lent.name}{${resources}}) > 0 and on (cluster, team) (sum by (cluster, team) (${workloads.name}{state="pending"}) > 0)`,
      comparison: 'gt',
      threshold: 0,
      for: q.pendingWhileLentFor,
      severity: 'warning',
      component: QUOTA_COMPONENT,
      dashboard: TEAM_DASHBOARD,
      summary: 'Team {{ $labels.team }} on {{ $labels.cluster }} has pending workloads while {{ $values.B }} {{ $labels.resource }} of its nominal quota is lent to other teams, for more than ' + q.pendingWhileLentFor + '.',
      description:
        "Kueue reclaims lent quota only by preempting the borrowers, which needs the ClusterQueue's preemption.reclaimWithinCohort policy; without it the team waits until the borrowers finish. Check the pending workloads' flavors (they may ask for another instance type) and the ClusterQueue's preemption settings.",
    },
  ];
}
