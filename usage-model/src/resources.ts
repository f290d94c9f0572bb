/**
 * The resources the product accounts for, and how Kubernetes names them.
 *
 * Each resource has a column stem used in every table (`gpu`, `cpu_total`, `memory_bytes_nominal`, ...).
 * Upstream AWS tables know only gpu, cpu and neuron_core; the others are ours.
 */
export type ResourceKey = 'gpu' | 'cpu' | 'memory_bytes' | 'neuron_core' | 'neuron_device' | 'efa';

export interface ResourceSpec {
  key: ResourceKey;
  /** Kubernetes resource names that count as this resource (requests, quotas, capacity). */
  kubernetesNames: readonly string[];
  /** Unit of the raw column values. */
  unit: string;
  /** Short label for people (reports, panels). */
  label: string;
  /** True when the upstream usage report has columns for it. */
  upstream: boolean;
}

export const RESOURCES: readonly ResourceSpec[] = [
  { key: 'gpu', kubernetesNames: ['nvidia.com/gpu'], unit: 'GPUs', label: 'GPU', upstream: true },
  { key: 'cpu', kubernetesNames: ['cpu'], unit: 'vCPUs', label: 'vCPU', upstream: true },
  { key: 'memory_bytes', kubernetesNames: ['memory'], unit: 'bytes', label: 'Memory', upstream: false },
  {
    key: 'neuron_core',
    kubernetesNames: ['aws.amazon.com/neuroncore'],
    unit: 'NeuronCores',
    label: 'NeuronCore',
    upstream: true,
  },
  {
    // HyperPod task governance and its CLI request whole devices; the device plugin also offers `neuron`.
    key: 'neuron_device',
    kubernetesNames: ['aws.amazon.com/neurondevice', 'aws.amazon.com/neuron'],
    unit: 'Neuron devices',
    label: 'Neuron device',
    upstream: false,
  },
  { key: 'efa', kubernetesNames: ['vpc.amazonaws.com/efa'], unit: 'EFA interfaces', label: 'EFA', upstream: false },
];

export const RESOURCE_KEYS: readonly ResourceKey[] = RESOURCES.map((r) => r.key);

const byKubernetesName = new Map<string, ResourceKey>(
  RESOURCES.flatMap((r) => r.kubernetesNames.map((n) => [n, r.key] as const)),
);

/** The resource a Kubernetes resource name counts as, or undefined for resources we keep only as extras. */
export function resourceKeyOf(kubernetesName: string): ResourceKey | undefined {
  return byKubernetesName.get(kubernetesName);
}

