/**
 * Effective hourly rates per HyperPod instance type from the account's Cost and Usage Report:
 * what the account really pays, net of Savings Plans and reservations. Covered usage is priced at
 * its effective cost, not at the on-demand (unblended) cost the CUR also shows for it.
 */
import { billingCodesOf } from '../aws-regions.js';
import { sqlString } from './dialect.js';

export type CurPartitioning = 'legacy' | 'billing-period' | 'none';

export interface CurOptions {
  /** The CUR table, already quoted (e.g. `"cur"."hourly"`). */
  relation: string;
  partitioning: CurPartitioning;
  /** Months to read, as YYYY-MM. */
  months: readonly string[];
  /** The Region whose rates to read: its usage types carry its billing code (`USW2-Cluster:…`). */
  region: string;
}

function monthPredicate(o: CurOptions): string {
  if (o.partitioning === 'none' || o.months.length === 0) return 'TRUE';
  if (o.partitioning === 'billing-period') return `billing_period IN (${o.months.map(sqlString).join(', ')})`;
  // Legacy CUR tables are partitioned by year and an unpadded month ('7', not '07').
  return `(${o.months.map((m) => `(year = ${sqlString(m.slice(0, 4))} AND month = ${sqlString(String(Number(m.slice(5, 7))))})`).join(' OR ')})`;
}

const EFFECTIVE_COST = `CASE line_item_line_item_type
           WHEN 'SavingsPlanCoveredUsage' THEN savings_plan_savings_plan_effective_cost
           WHEN 'DiscountedUsage' THEN reservation_effective_cost
           ELSE line_item_unblended_cost END`;

/**
 * instance_type, instance_hours, effective_cost, effective_rate per instance-hour, in one Region:
 * an account with HyperPod clusters in two Regions pays two rates for one instance type.
 */
export function curEffectiveRatesSql(o: CurOptions): string {
  const codes = billingCodesOf(o.region);
  if (codes.length === 0) throw new Error(`no billing code is known for Region ${JSON.stringify(o.region)}, so its Cost and Usage Report rates cannot be told apart`);
  return `SELECT instance_type, sum(hours) AS instance_hours, sum(cost) AS effective_cost,
       sum(cost) / nullif(sum(hours), 0) AS effective_rate
  FROM (SELECT regexp_extract(line_item_usage_type, 'Cluster:(ml\\.[a-z0-9.-]+)', 1) AS instance_type,
               line_item_usage_amount AS hours, ${EFFECTIVE_COST} AS cost
          FROM ${o.relation}
         WHERE ${monthPredicate(o)}
           AND line_item_product_code = 'AmazonSageMaker'
           AND (${codes.map((c) => `line_item_usage_type LIKE ${sqlString(`${c}-Cluster:ml.%`)}`).join(' OR ')})
           AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')) u
 WHERE instance_type IS NOT NULL AND instance_type <> ''
 GROUP BY instance_type
 ORDER BY instance_type`;
}
