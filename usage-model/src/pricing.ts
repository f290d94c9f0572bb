/**
 * What an hour of capacity costs. HyperPod bills instance-hours (AWS usage type
 * `<REGION>-Cluster:ml.<type>`, product `AmazonSageMaker`); a team is charged per unit of the
 * resource that makes the instance what it is: accelerator instances per accelerator-hour
 * (instance price / accelerators), CPU instances per vCPU-hour. The `vcpu` split charges every
 * instance per vCPU-hour instead. Memory and EFA hours are reported, not charged.
 */
import { instanceSpec } from './instance-types.js';

export type CostSplit = 'accelerator' | 'vcpu';
/**
 * Where a price comes from: a labelled default, the AWS Price List (`hpu aggregate --price-list`),
 * the account's Cost and Usage Report, or the user's own override.
 */
export type PriceSource = 'default' | 'price-list' | 'cur' | 'override';
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
 * HyperPod on-demand prices with known provenance: each was read from the AWS Price List
 * (`AmazonSageMaker`, a `<REGION>-Cluster:ml.<type>` usage type) by someone who recorded the usage
 * type and the date. No other HyperPod price could be traced to a public source; EC2 prices are not
 * HyperPod prices and are not used. Load your Region's whole list with `--price-list`, give prices
 * with `--price` or a price file, or let the aggregation read the account's effective rates from the
 * Cost and Usage Report.
 */
export const DEFAULT_PRICES: readonly InstancePrice[] = [
  {
    instanceType: 'ml.g5.8xlarge',
    region: 'us-east-1',
    pricePerHour: 3.06,
    currency: 'USD',
    source: 'default',
    reference:
      'AWS Price List API, AmazonSageMaker SKU YQXD4PZ3BTQ5N2P4, usage type USE1-Cluster:ml.g5.8xlarge (instanceType ml.g5.8xlarge-Cluster), catalog published 2026-09-15',
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

/** Which source wins for an instance type: the user's word, then what the account paid, then list prices. */
const SOURCE_RANK: Readonly<Record<PriceSource, number>> = { override: 4, cur: 3, 'price-list': 2, default: 1 };

/**
 * The prices that apply in a region: a user's override wins over a Cost and Usage Report rate,
 * which wins over the AWS Price List, which wins over a default. Between prices of the same source,
 * the one given later wins (so `--price` flags, passed after a price file, beat it).
 */
export function effectivePrices(region: string, ...sets: ReadonlyArray<readonly InstancePrice[]>): InstancePrice[] {
  const chosen = new Map<string, InstancePrice>();
  for (const price of sets.flat()) {
    if (price.region !== region) continue;
    const current = chosen.get(price.instanceType);
    if (!current || SOURCE_RANK[price.source] >= SOURCE_RANK[current.source]) chosen.set(price.instanceType, price);
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
