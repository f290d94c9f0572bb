/**
 * The price table the aggregation used (the `prices` reference table), for the Settings page:
 * what an instance-hour costs, how it splits per accelerator or vCPU, and where the price came
 * from. The table is small and unpartitioned, so the statement reads it whole.
 */
import { column } from './columns.js';
import type { CompiledQuery, QueryScope } from './types.js';

const PRICE_COLUMNS = ['instance_type', 'region', 'price_per_hour', 'currency', 'unit_resource', 'units_per_instance', 'unit_price_per_hour', 'source', 'as_of'] as const;

export function compilePriceTableQuery(scope: Pick<QueryScope, 'relations'>): CompiledQuery {
  const c = (name: (typeof PRICE_COLUMNS)[number]): string => `p.${column('prices', name)}`;
  const sql = `SELECT ${c('instance_type')} AS "instance_type", ${c('region')} AS "region", ${c('price_per_hour')} AS "price_per_hour", ${c('currency')} AS "currency",
       ${c('unit_resource')} AS "unit_resource", ${c('units_per_instance')} AS "units_per_instance", ${c('unit_price_per_hour')} AS "unit_price_per_hour",
       ${c('source')} AS "source", CAST(${c('as_of')} AS VARCHAR) AS "as_of"
  FROM ${scope.relations.prices} p
 ORDER BY 1, 2`;
  return {
    sql,
    fields: [
      { name: 'instance_type', type: 'string', displayName: 'Instance type' },
      { name: 'region', type: 'string', displayName: 'Region' },
      { name: 'price_per_hour', type: 'number', unit: 'currencyUSD', displayName: 'Instance-hour' },
      { name: 'currency', type: 'string', displayName: 'Currency' },
      { name: 'unit_resource', type: 'string', displayName: 'Charged on' },
      { name: 'units_per_instance', type: 'number', unit: 'none', displayName: 'Units per instance' },
      { name: 'unit_price_per_hour', type: 'number', unit: 'currencyUSD', displayName: 'Unit-hour' },
      { name: 'source', type: 'string', displayName: 'Source' },
      { name: 'as_of', type: 'string', displayName: 'As of' },
    ],
    scans: [{ table: 'prices', columns: [...PRICE_COLUMNS] }],
  };
}
