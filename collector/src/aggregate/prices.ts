/**
 * The price table the aggregation writes next to the rollups (`reference/prices`), from the
 * defaults, a user's overrides (file or flags) and, when configured, the Cost and Usage Report.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  curEffectiveRatesSql,
  instanceSpec,
  sqlDate,
  sqlNumber,
  sqlString,
  unitPrice,
  type CostSplit,
  type CurOptions,
  type InstancePrice,
} from '@hyperpod-usage/model';
import { ConfigError } from '../config.js';
import type { QueryEngine } from '../engine/query-engine.js';

const today = (): string => new Date().toISOString().slice(0, 10);

function checkedPrice(instanceType: string, region: string, pricePerHour: number, where: string): void {
  if (!instanceSpec(instanceType)) throw new ConfigError(`${where}: unknown instance type ${JSON.stringify(instanceType)}`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`${where}: invalid region ${JSON.stringify(region)}`);
  if (!(pricePerHour >= 0) || !Number.isFinite(pricePerHour)) throw new ConfigError(`${where}: price must be a number ≥ 0`);
}

/** `ml.p5.48xlarge=98.32` from the command line, in the given region. */
export function parsePriceFlag(flag: string, region: string): InstancePrice {
  const m = /^(ml\.[a-z0-9.-]+)=(\d+(?:\.\d+)?)$/.exec(flag.trim());
  if (!m) throw new ConfigError(`--price: expected <instance type>=<USD per hour>, got ${JSON.stringify(flag)}`);
  const [, instanceType = '', price = ''] = m;
  checkedPrice(instanceType, region, Number(price), '--price');
  return { instanceType, region, pricePerHour: Number(price), currency: 'USD', source: 'override', reference: 'command line', asOf: today() };
}

/**
 * A YAML price file:
 *   prices:
 *     - { instanceType: ml.p5.48xlarge, region: us-east-1, pricePerHour: 98.32, reference: "contract 2026-10", asOf: 2026-10-01 }
 */
export function loadPriceFile(path: string): InstancePrice[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`price file ${path}: ${(e as Error).message.split('\n')[0]}`);
  }
  const list = (doc as { prices?: unknown } | null)?.prices;
  if (!Array.isArray(list)) throw new ConfigError(`price file ${path}: expected a list under "prices"`);
  return list.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const where = `price file ${path}, prices[${i}]`;
    const instanceType = String(e.instanceType ?? '');
    const region = String(e.region ?? '');
    const pricePerHour = Number(e.pricePerHour);
    checkedPrice(instanceType, region, pricePerHour, where);
    const asOf = String(e.asOf ?? today());
    if (!/^\d{4}-\d\d-\d\d$/.test(asOf)) throw new ConfigError(`${where}: asOf must be YYYY-MM-DD`);
    return { instanceType, region, pricePerHour, currency: 'USD', source: 'override', reference: String(e.reference ?? path), asOf };
  });
}

/** Effective rates per instance type from the CUR table, for the months given. */
export async function curPrices(engine: QueryEngine, cur: Omit<CurOptions, 'region'>, region: string): Promise<InstancePrice[]> {
  const { rows } = await engine.query(curEffectiveRatesSql({ ...cur, region }));
  return rows
    .filter((r) => typeof r.effective_rate === 'number' && instanceSpec(String(r.instance_type)))
    .map((r) => ({
      instanceType: String(r.instance_type),
      region,
      pricePerHour: r.effective_rate as number,
      currency: 'USD' as const,
      source: 'cur' as const,
      reference: `Cost and Usage Report, ${cur.months.join(', ')}: ${Number(r.instance_hours).toFixed(1)} instance-hours`,
      asOf: today(),
    }));
}

/** A SELECT that yields the prices table's rows (for COPY or UNLOAD). */
export function pricesSelect(prices: readonly InstancePrice[], split: CostSplit): string {
  const rows = prices.flatMap((p) => {
    const unit = unitPrice(p, split);
    if (!unit) return [];
    return [
      `(${[sqlString(p.instanceType), sqlString(p.region), sqlNumber(p.pricePerHour), sqlString(p.currency), sqlString(unit.unitResource), sqlNumber(unit.unitsPerInstance), sqlNumber(unit.unitPricePerHour), sqlString(`${p.source}: ${p.reference}`), sqlDate(Date.parse(p.asOf))].join(', ')})`,
    ];
  });
  const columns = 'instance_type, region, price_per_hour, currency, unit_resource, units_per_instance, unit_price_per_hour, source, as_of';
  if (rows.length === 0) {
    return `SELECT CAST(NULL AS VARCHAR) AS instance_type, CAST(NULL AS VARCHAR) AS region, CAST(NULL AS DOUBLE) AS price_per_hour,
       CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS VARCHAR) AS unit_resource, CAST(NULL AS DOUBLE) AS units_per_instance,
       CAST(NULL AS DOUBLE) AS unit_price_per_hour, CAST(NULL AS VARCHAR) AS source, CAST(NULL AS DATE) AS as_of WHERE false`;
  }
  return `SELECT instance_type, region, CAST(price_per_hour AS DOUBLE) AS price_per_hour, currency, unit_resource,
       CAST(units_per_instance AS DOUBLE) AS units_per_instance, CAST(unit_price_per_hour AS DOUBLE) AS unit_price_per_hour, source, as_of
  FROM (VALUES ${rows.join(',\n         ')}) AS t(${columns})`;
}
