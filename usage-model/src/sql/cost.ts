/**
 * Cost in SQL, from the prices table the aggregation wrote: unit-hours × the instance type's unit
 * price. The same rule as `chargedUnitHours` (pricing.ts), which the reports apply in TypeScript.
 */
import type { UnitResource } from '../pricing.js';
import { sqlString } from './dialect.js';
import type { Relations } from './relations.js';

/**
 * One row per instance type: its unit resource and unit price. The table holds one price per
 * instance type; should it hold several (regions), the lowest is used rather than double counting.
 */
export function unitPricesTable(relations: Relations): string {
  return `(SELECT instance_type, min_by(unit_resource, unit_price_per_hour) AS unit_resource, min(unit_price_per_hour) AS unit_price_per_hour
  FROM ${relations.prices} GROUP BY instance_type)`;
}

/**
 * Cost of a row: `hoursOf(unit)` is the row's SQL expression for the hours of each unit resource,
 * with NeuronCores already counting whole devices; `price` is the alias of `unitPricesTable`,
 * `coresPerDevice` the SQL for the instance type's NeuronCores per device. NULL without a price.
 */
export function unitCostSql(hoursOf: (unit: 'gpu' | 'cpu' | 'neuron_core') => string, price: string, coresPerDevice: string): string {
  const unit = (u: UnitResource): string => sqlString(u);
  return `(CASE ${price}.unit_resource WHEN ${unit('gpu')} THEN ${hoursOf('gpu')} WHEN ${unit('cpu')} THEN ${hoursOf('cpu')} WHEN ${unit('neuron_device')} THEN ${hoursOf('neuron_core')} / nullif(${coresPerDevice}, 0) END * ${price}.unit_price_per_hour)`;
}
