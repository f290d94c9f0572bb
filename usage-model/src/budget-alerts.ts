/**
 * Budget alert rules on the rollups: a team's month-to-date GPU-hours or cost above its monthly
 * budget, and the month-end forecast (month-to-date scaled to the whole month) above it.
 *
 * Each rule is one small query over `summary_report` (one row per day, namespace, team and
 * instance type) of the current UTC month only: the partition predicate on year and month is
 * computed from the evaluation time, which Athena folds to constants and prunes on. The query
 * returns time series rows (time, team, cluster, budget, over) sorted by time: Grafana's SQL
 * data frames turn the string columns into labels and each team into its own numeric column,
 * so each team (and cluster, where the budget names one) is one alert instance. The value is the
 * amount over budget, so one threshold (> 0) serves teams with different budgets.
 */
import type { AlertSettings, TeamBudget } from './budgets.js';
import type { DashboardKey } from './dashboard-ids.js';
import { millisBetween, sqlNumber, sqlString, type Dialect } from './sql/dialect.js';
import { neuronCoresTable } from './sql/neuron.js';
import type { Relations } from './sql/relations.js';

export type BudgetMetric = 'gpu_hours' | 'cost';
export type BudgetCheck = 'month_to_date' | 'forecast';

export interface BudgetAlertRule {
  uid: string;
  title: string;
  metric: BudgetMetric;
  check: BudgetCheck;
  budgets: TeamBudget[];
  severity: 'warning' | 'critical';
  summary: string;
  description: string;
  dashboard: { key: DashboardKey; vars: Readonly<Record<string, string>> };
}

export interface BudgetSqlOptions {
  dialect: Dialect;
  relations: Relations;
  /**
   * The evaluation time as SQL. Default: Athena's `$__timeTo()` macro, which Grafana expands in
   * its backend to the end of the rule's time range (now), so alerts need no dashboard variables.
   */
  now?: string;
  forecastAfterDays: number;
}

/** The macro the Athena data source expands to `TIMESTAMP '<now>'` when Grafana evaluates the rule. */
export const ATHENA_NOW_MACRO = '$__timeTo()';

const budgetOf = (b: TeamBudget, metric: BudgetMetric): number | undefined => (metric === 'gpu_hours' ? b.monthlyGpuHours : b.monthlyCost);

/** `'2026'` and `'12'` for the month that contains `now`: the rollups' partition values. */
function monthPartition(dialect: Dialect, now: string): { year: string; month: string } {
  return dialect === 'athena'
    ? { year: `format_datetime(${now}, 'yyyy')`, month: `format_datetime(${now}, 'MM')` }
    : { year: `strftime(${now}, '%Y')`, month: `strftime(${now}, '%m')` };
}

/** What a summary row contributes: GPU-hours, or hours of the priced unit times its unit price. */
function measure(metric: BudgetMetric): string {
  if (metric === 'gpu_hours') return 's.total_gpu_utilization_hours';
  return `(CASE p.unit_resource
            WHEN 'gpu' THEN s.total_gpu_utilization_hours
            WHEN 'cpu' THEN s.total_vcpu_utilization_hours
            WHEN 'neuron_device' THEN s.total_neuron_core_utilization_hours / nullif(nc.cores_per_device, 0)
          END) * p.unit_price_per_hour`;
}

/** The SQL of one budget rule, for the teams that have a budget of its metric. */
export function budgetAlertSql(rule: Pick<BudgetAlertRule, 'metric' | 'check' | 'budgets'>, options: BudgetSqlOptions): string {
  const now = options.now ?? ATHENA_NOW_MACRO;
  const entries = rule.budgets.filter((b) => budgetOf(b, rule.metric) !== undefined);
  if (entries.length === 0) throw new Error(`no team has a ${rule.metric} budget`);
  const values = entries
    .map((b) => {
      const amount = budgetOf(b, rule.metric) as number;
      return `(${sqlString(b.team)}, ${sqlString(b.cluster ?? '')}, ${sqlNumber(amount)}, ${sqlString(String(amount))})`;
    })
    .join(', ');
  const { year, month } = monthPartition(options.dialect, now);
  const monthStart = `CAST(date_trunc('month', ${now}) AS TIMESTAMP)`;
  const elapsedMs = millisBetween(monthStart, now);
  const monthMs = millisBetween(monthStart, `${monthStart} + INTERVAL '1' MONTH`);
  const teams = [...new Set(entries.map((b) => b.team))].map(sqlString).join(', ');
  const joins =
    rule.metric === 'cost'
      ? `
  LEFT JOIN ${options.relations.prices} p ON p.instance_type = s.instance_type
  LEFT JOIN ${neuronCoresTable()} nc ON nc.instance_type = s.instance_type`
      : '';
  const used = rule.check === 'month_to_date' ? 'sum(u.used)' : `sum(u.used) * CAST(${monthMs} AS DOUBLE) / CAST(${elapsedMs} AS DOUBLE)`;
  const forecastGuard = rule.check === 'forecast' ? `\n   AND ${elapsedMs} >= ${sqlNumber(options.forecastAfterDays * 86_400_000)}` : '';
  return `WITH budgets AS (
  SELECT * FROM (VALUES ${values}) AS b(team, cluster, budget, budget_label)
), usage AS (
  SELECT s.team, s.cluster, sum(${measure(rule.metric)}) AS used
  FROM ${options.relations.summary_report} s${joins}
  WHERE s.year = ${year} AND s.month = ${month}
    AND s.team IN (${teams})
  GROUP BY s.team, s.cluster
)
SELECT ${now} AS time, b.team, CASE WHEN b.cluster = '' THEN 'all' ELSE b.cluster END AS cluster, b.budget_label AS budget,
       ${used} - b.budget AS over_budget
  FROM budgets b JOIN usage u ON u.team = b.team AND (b.cluster = '' OR u.cluster = b.cluster)
 WHERE ${elapsedMs} > 0${forecastGuard}
 GROUP BY b.team, b.cluster, b.budget, b.budget_label
HAVING ${used} - b.budget IS NOT NULL
 ORDER BY 1, 2, 3`;
}

const TEAM_DASHBOARD = { key: 'team-usage', vars: { team: '{{ $labels.team }}' } } as const;

/** One rule per metric and check that some team has a budget for. */
export function budgetAlertRules(settings: AlertSettings): BudgetAlertRule[] {
  const rules: BudgetAlertRule[] = [];
  const currency = settings.currency;
  const unitOf = (metric: BudgetMetric) => (metric === 'gpu_hours' ? 'GPU-hours' : currency);
  for (const metric of ['gpu_hours', 'cost'] as const) {
    const budgets = settings.budgets.filter((b) => budgetOf(b, metric) !== undefined);
    if (budgets.length === 0) continue;
    const what = metric === 'gpu_hours' ? 'GPU-hours' : 'cost';
    const slug = metric === 'gpu_hours' ? 'gpu-hours' : 'cost';
    rules.push({
      uid: `hpu-budget-${slug}-month-to-date`,
      title: `Team's month-to-date ${what} above its monthly budget`,
      metric,
      check: 'month_to_date',
      budgets,
      severity: 'critical',
      dashboard: TEAM_DASHBOARD,
      summary: `Team {{ $labels.team }} (cluster: {{ $labels.cluster }}) is {{ humanize $values.B.Value }} ${unitOf(metric)} over its monthly budget of {{ $labels.budget }} ${unitOf(metric)}, month to date.`,
      description: `Month-to-date ${what} from the daily rollups (UTC month) exceed the team's budget in the alert settings file. Raise the budget with \`hpu budgets set\` or the app's Settings page, or find the largest tasks on the dashboard.`,
    });
    rules.push({
      uid: `hpu-budget-${slug}-forecast`,
      title: `Team's month-end ${what} forecast above its monthly budget`,
      metric,
      check: 'forecast',
      budgets,
      severity: 'warning',
      dashboard: TEAM_DASHBOARD,
      summary: `Team {{ $labels.team }} (cluster: {{ $labels.cluster }}) is heading {{ humanize $values.B.Value }} ${unitOf(metric)} over its monthly budget of {{ $labels.budget }} ${unitOf(metric)} by the end of the month.`,
      description: `The forecast scales the month-to-date ${what} to the whole month at the rate so far (quiet in the first ${settings.budget.forecastAfterDays} days of a month). Act before the budget is spent: lower priority work, or agree a higher budget.`,
    });
  }
  return rules;
}
