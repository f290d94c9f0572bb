/**
 * Names, types, Grafana units and display names of the columns a compiled query returns.
 */
import { RESOURCES, type ResourceKey } from '../resources.js';
import type { CompiledField, Dimension, Measure } from './types.js';

/** Column the time bucket is returned in. */
export const TIME_FIELD = 'time';

/** How people read each dimension (column headers, pickers). */
export const DIMENSION_LABEL: Record<Dimension, string> = {
  cluster: 'Cluster',
  team: 'Team',
  namespace: 'Namespace',
  task: 'Task',
  priority_class: 'Priority class',
  instance_type: 'Instance type',
};

const MEASURE_LABEL: Record<Measure, string> = {
  hours: 'hours',
  own_hours: 'hours, own quota',
  borrowed_hours: 'hours, borrowed',
  lent_hours: 'hours, lent',
  unused_hours: 'hours, unused quota',
  nominal_hours: 'hours, nominal quota',
  idle_hours: 'hours, idle',
  cost: 'Cost',
  quota_share: 'share of quota',
};

/** Short name of the resource-hour: `GPU-h`, `GiB-h` for memory. */
function hourUnit(resource: ResourceKey): string {
  if (resource === 'memory_bytes') return 'GiB-h';
  return `${RESOURCES.find((r) => r.key === resource)?.label ?? resource}-h`;
}

export function dimensionField(dimension: Dimension): CompiledField {
  return { name: dimension, type: 'string', displayName: DIMENSION_LABEL[dimension] };
}

/** `costLabel` names cost on the table read ('Cost', or 'Idle cost' on capacity). */
export function measureField(measure: Measure, resource: ResourceKey, costLabel = 'Cost'): CompiledField {
  const label = RESOURCES.find((r) => r.key === resource)?.label ?? resource;
  if (measure === 'cost') return { name: measure, type: 'number', unit: 'currencyUSD', displayName: `${costLabel} (USD)` };
  if (measure === 'quota_share') return { name: measure, type: 'number', unit: 'percentunit', displayName: `${label} ${MEASURE_LABEL[measure]}` };
  // A custom suffix: Grafana's `h` unit would print 720 GPU-hours as "4.29 week".
  return { name: measure, type: 'number', unit: `suffix: ${hourUnit(resource)}`, displayName: `${label}-${MEASURE_LABEL[measure]}` };
}

export const timeField = (): CompiledField => ({ name: TIME_FIELD, type: 'time', displayName: 'Time' });
