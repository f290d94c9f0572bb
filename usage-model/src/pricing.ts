/**
 * What an hour of capacity costs. HyperPod bills instance-hours (AWS usage type
 * `<REGION>-Cluster:ml.<type>`, product `AmazonSageMaker`); a team is charged per unit of the
 * resource that makes the instance what it is: accelerator instances per accelerator-hour
 * (instance price / accelerators), CPU instances per vCPU-hour. The `vcpu` split charges every
 * instance per vCPU-hour instead. Memory and EFA hours are reported, not charged.
 */
import { instanceSpec } from './instance-types.js';

export type CostSplit = 'accelerator' | 'vcpu';
export type PriceSource = 'default' | 'override' | 'cur';
export type UnitResource = 'gpu' | 'neuron_device' | 'cpu';

export interface InstancePrice {
  instanceType: string;
  region: string;
  /** Price of one instance-hour. */
  pricePerHour: number;
  currency: 'USD';
  source: PriceSource;
  /** Where the number comes from, for people reading a report. */
  reference: string;
  /** YYYY-MM-DD the price was taken. */
  asOf: string;
}

/**
 * HyperPod on-demand prices with known provenance. Prices for other instance types and regions
 * were not available from a source we could cite; give them with --price or a price file, or let
 * the aggregation read effective rates from your Cost and Usage Report.
 */
export const DEFAULT_PRICES: readonly InstancePrice[] = [
  {
    instanceType: 'ml.g5.8xlarge',
    region: 'us-east-1',
    pricePerHour: 3.06,
    currency: 'USD',
    source: 'default',
    reference: 'AWS Price List API, AmazonSageMaker usage type USE1-Cluster:ml.g5.8xlarge (catalog of 2026-09-15)',
    asOf: '2026-09-16',
  },
  {
    instanceType: 'ml.p4d.24xlarge',
    region: 'us-west-2',
    pricePerHour: 25.91001756,
    currency: 'USD',
    source: 'default',
    reference: 'AWS Price List API, AmazonSageMaker usage type USW2-Cluster:ml.p4d.24xlarge',
    asOf: '2026-10-01',
  },
];

export interface UnitPrice {
  instanceType: string;
  unitResource: UnitResource;
  unitsPerInstance: number;
  unitPricePerHour: number;
}

/** How an instance price splits into a price per unit-hour, or undefined for unknown instance types. */
export function unitPrice(price: Pick<InstancePrice, 'instanceType' | 'pricePerHour'>, split: CostSplit): UnitPrice | undefined {
  const spec = instanceSpec(price.instanceType);
  if (!spec) return undefined;
  const [unitResource, units]: [UnitResource, number] =
    split === 'accelerator' && spec.gpu > 0
      ? ['gpu', spec.gpu]
      : split === 'accelerator' && spec.neuronDevices > 0
        ? ['neuron_device', spec.neuronDevices]
        : ['cpu', spec.vcpu];
  return { instanceType: price.instanceType, unitResource, unitsPerInstance: units, unitPricePerHour: price.pricePerHour / units };
}

/**
 * The prices that apply in a region: a user's override wins over a Cost and Usage Report rate,
 * which wins over a default.
 */
export function effectivePrices(region: string, ...sets: ReadonlyArray<readonly InstancePrice[]>): InstancePrice[] {
  const rank: Record<PriceSource, number> = { override: 3, cur: 2, default: 1 };
  const chosen = new Map<string, InstancePrice>();
  for (const price of sets.flat()) {
    if (price.region !== region) continue;
    const current = chosen.get(price.instanceType);
    if (!current || rank[price.source] > rank[current.source]) chosen.set(price.instanceType, price);
  }
  return [...chosen.values()].sort((a, b) => a.instanceType.localeCompare(b.instanceType));
}

/** Hours of a row per resource, NeuronCores counting whole devices too (as reports count them). */
export interface ChargeableHours {
  gpu: number;
  vcpu: number;
  neuronCore: number;
}

/**
 * Unit-hours charged at a unit price: GPU-hours, vCPU-hours, or Neuron-device-hours (NeuronCore
 * hours over the instance type's cores per device). Undefined when devices cannot be counted.
 * The SQL form of the same rule is `unitCostSql` (sql/cost.ts).
 */
export function chargedUnitHours(unitResource: UnitResource, hours: ChargeableHours, neuronCoresPerDevice: number): number | undefined {
  switch (unitResource) {
    case 'gpu':
      return hours.gpu;
    case 'cpu':
      return hours.vcpu;
    case 'neuron_device':
      return neuronCoresPerDevice > 0 ? hours.neuronCore / neuronCoresPerDevice : undefined;
  }
}
