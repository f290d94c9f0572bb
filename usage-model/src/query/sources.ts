/**
 * Which rollup answers which question. Each source names the dimensions it can group and filter
 * by, and, per measure, the row-level parts that are summed and how the sums combine into the
 * measure. The compiler picks the first source that answers every measure and dimension of a
 * query; the order prefers the smallest table.
 */
import type { ResourceKey } from '../resources.js';
import type { RollupTableName } from '../rollup-schema.js';
import { neuronCores } from '../sql/neuron.js';
import { unitCostSql } from '../sql/cost.js';
import { column, resourceColumn } from './columns.js';
import type { Dimension, Measure } from './types.js';

/** Aliases the compiled statements use for the rollup, the NeuronCores table and the prices. */
export const ROW = 'r';
export const NEURON = 'nc';
export const PRICE = 'p';

export interface MeasurePlan {
  /** Row-level SQL expressions that are summed. */
  parts: readonly string[];
  /** The measure from the sums of its parts (same order). */
  combine: (sums: readonly string[]) => string;
  /** Columns of the rollup the parts read. */
  columns: readonly string[];
  /** Needs the NeuronCores-per-device table joined. */
  neuron: boolean;
  /** Needs the prices joined. */
  prices: boolean;
}

export interface UsageSource {
  table: RollupTableName;
  /** Dimension → the rollup's column. */
  dimensions: Partial<Record<Dimension, string>>;
  /** What the table has for a measure, or undefined. */
  measure(measure: Measure, resource: ResourceKey): MeasurePlan | undefined;
  /** Why a measure is not here, for error messages. */
  describe: string;
  /** What `cost` means on this table, for people. */
  costLabel: string;
  /** One row per day: usable only for whole UTC days and buckets of a day or more. */
  daily?: boolean;
}

const q = (alias: string, name: string): string => `${alias}.${name}`;

/** A resource quantity column with a suffix; NeuronCores count whole devices too. */
function quantity(table: RollupTableName, resource: ResourceKey, suffix: string): Omit<MeasurePlan, 'parts' | 'combine' | 'prices'> & { sql: string } {
  if (resource === 'neuron_core') {
    const core = resourceColumn(table, 'neuron_core', suffix);
    const device = resourceColumn(table, 'neuron_device', suffix);
    return { sql: neuronCores(q(ROW, core), q(ROW, device), NEURON), columns: [core, device, column(table, 'instance_type')], neuron: true };
  }
  const c = resourceColumn(table, resource, suffix);
  return { sql: q(ROW, c), columns: [c], neuron: false };
}

const single = (x: ReturnType<typeof quantity>): MeasurePlan => ({ parts: [x.sql], combine: ([s]) => s as string, columns: x.columns, neuron: x.neuron, prices: false });

/** Cost of the hours in `suffix` columns at the unit prices. */
function cost(table: RollupTableName, suffix: string): MeasurePlan {
  const gpu = quantity(table, 'gpu', suffix);
  const cpu = quantity(table, 'cpu', suffix);
  const neuron = quantity(table, 'neuron_core', suffix);
  const hoursOf = { gpu: gpu.sql, cpu: cpu.sql, neuron_core: neuron.sql };
  return {
    parts: [unitCostSql((u) => hoursOf[u], PRICE, q(NEURON, 'cores_per_device'))],
    combine: ([s]) => s as string,
    columns: [...new Set([...gpu.columns, ...cpu.columns, ...neuron.columns, column(table, 'instance_type')])],
    neuron: true,
    prices: true,
  };
}

/** used / nominal, NULL where there was no quota. */
function share(used: ReturnType<typeof quantity>, nominal: ReturnType<typeof quantity>): MeasurePlan {
  return {
    parts: [used.sql, nominal.sql],
    combine: ([u, n]) => `${u as string} / nullif(${n as string}, 0)`,
    columns: [...new Set([...used.columns, ...nominal.columns])],
    neuron: used.neuron || nominal.neuron,
    prices: false,
  };
}

const TEAM_HOURLY_SUFFIX: Partial<Record<Measure, string>> = {
  hours: 'hours',
  own_hours: 'own_hours',
  borrowed_hours: 'borrowed_hours',
  lent_hours: 'lent_hours',
  unused_hours: 'unused_hours',
  nominal_hours: 'nominal_hours',
};

const teamHourly: UsageSource = {
  table: 'team_hourly',
  dimensions: {
    cluster: column('team_hourly', 'cluster'),
    team: column('team_hourly', 'team'),
    namespace: column('team_hourly', 'namespace'),
    instance_type: column('team_hourly', 'instance_type'),
  },
  describe: 'quota measures exist per team, namespace, instance type and cluster (team_hourly)',
  costLabel: 'Cost',
  measure(measure, resource) {
    if (measure === 'cost') return cost('team_hourly', 'hours');
    if (measure === 'quota_share') return share(quantity('team_hourly', resource, 'hours'), quantity('team_hourly', resource, 'nominal_hours'));
    const suffix = TEAM_HOURLY_SUFFIX[measure];
    return suffix ? single(quantity('team_hourly', resource, suffix)) : undefined;
  },
};

const taskHourly: UsageSource = {
  table: 'task_hourly',
  dimensions: {
    cluster: column('task_hourly', 'cluster'),
    team: column('task_hourly', 'team'),
    namespace: column('task_hourly', 'namespace'),
    task: column('task_hourly', 'task_name'),
    priority_class: column('task_hourly', 'priority_class'),
    instance_type: column('task_hourly', 'instance_type'),
  },
  describe: 'per task and priority class there are only hours and cost (task_hourly)',
  costLabel: 'Cost',
  measure(measure, resource) {
    if (measure === 'hours') return single(quantity('task_hourly', resource, 'hours'));
    if (measure === 'cost') return cost('task_hourly', 'hours');
    return undefined;
  },
};

/** task_daily: the hours of task_hourly summed per day, a row per task and day (a 24th of the rows). */
const taskDaily: UsageSource = {
  table: 'task_daily',
  daily: true,
  dimensions: {
    cluster: column('task_daily', 'cluster'),
    team: column('task_daily', 'team'),
    namespace: column('task_daily', 'namespace'),
    task: column('task_daily', 'task_name'),
    priority_class: column('task_daily', 'priority_class'),
    instance_type: column('task_daily', 'instance_type'),
  },
  describe: 'per task and priority class there are only hours and cost (task_daily)',
  costLabel: 'Cost',
  measure(measure, resource) {
    if (measure === 'hours') return single(quantity('task_daily', resource, 'hours'));
    if (measure === 'cost') return cost('task_daily', 'hours');
    return undefined;
  },
};

const capacityHourly: UsageSource = {
  table: 'capacity_hourly',
  dimensions: { cluster: column('capacity_hourly', 'cluster'), instance_type: column('capacity_hourly', 'instance_type') },
  describe: 'idle capacity exists per instance type and cluster only (capacity_hourly)',
  costLabel: 'Idle cost',
  measure(measure, resource) {
    // On the capacity rollup, hours are what workloads and pods held of the capacity.
    if (measure === 'hours') return single(quantity('capacity_hourly', resource, 'used_hours'));
    if (measure === 'idle_hours') return single(quantity('capacity_hourly', resource, 'idle_hours'));
    // The capacity rollup is read for idle capacity: the cost there is the cost of idle capacity.
    if (measure === 'cost') return cost('capacity_hourly', 'idle_hours');
    return undefined;
  },
};

/** In order of preference: the smallest table that answers first. */
export const USAGE_SOURCES: readonly UsageSource[] = [teamHourly, taskDaily, taskHourly, capacityHourly];
