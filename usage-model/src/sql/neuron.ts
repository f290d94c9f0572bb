/**
 * NeuronCores per Neuron device by instance type, as an inline table: reports count NeuronCores
 * (AWS's columns), while HyperPod quotas and requests count whole devices.
 */
import { INSTANCE_TYPES } from '../instance-types.js';
import { sqlNumber, sqlString } from './dialect.js';

/** `(SELECT … FROM (VALUES …))` with columns instance_type, cores_per_device; give it an alias. */
export function neuronCoresTable(): string {
  const rows = Object.entries(INSTANCE_TYPES)
    .filter(([, spec]) => spec.neuronDevices > 0)
    .map(([type, spec]) => `(${sqlString(type)}, ${sqlNumber(spec.neuronCoresPerDevice)})`);
  return `(SELECT * FROM (VALUES ${rows.join(', ')}) AS t(instance_type, cores_per_device))`;
}

/** NeuronCore quantity: NeuronCores plus whole devices counted in cores (`alias` is the joined table). */
export function neuronCores(core: string, device: string, alias = 'nc'): string {
  return `(${core} + ${device} * coalesce(${alias}.cores_per_device, 0))`;
}
