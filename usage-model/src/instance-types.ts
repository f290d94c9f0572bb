/**
 * Nominal specifications of the instance types HyperPod offers: what task-governance quotas are
 * computed from, what the simulator gives its nodes, and how a node price splits per accelerator
 * or vCPU. Source: the SageMaker HyperPod CLI's instance resource table (aws/sagemaker-hyperpod-cli,
 * src/sagemaker/hyperpod/training/constants.py), read 2026-06.
 */
export interface InstanceSpec {
  vcpu: number;
  memoryGiB: number;
  /** NVIDIA GPUs. */
  gpu: number;
  /** Trainium/Inferentia devices (aws.amazon.com/neurondevice). */
  neuronDevices: number;
  /** NeuronCores per device at the default logical-core setting. */
  neuronCoresPerDevice: number;
  efa: number;
}

const gpu = (vcpu: number, memoryGiB: number, gpus: number, efa: number): InstanceSpec => ({
  vcpu,
  memoryGiB,
  gpu: gpus,
  neuronDevices: 0,
  neuronCoresPerDevice: 0,
  efa,
});
const neuron = (vcpu: number, memoryGiB: number, devices: number, coresPerDevice: number, efa: number): InstanceSpec => ({
  vcpu,
  memoryGiB,
  gpu: 0,
  neuronDevices: devices,
  neuronCoresPerDevice: coresPerDevice,
  efa,
});
const cpu = (vcpu: number, memoryGiB: number): InstanceSpec => gpu(vcpu, memoryGiB, 0, 0);

export const INSTANCE_TYPES: Readonly<Record<string, InstanceSpec>> = {
  'ml.p4d.24xlarge': gpu(96, 1152, 8, 4),
  'ml.p4de.24xlarge': gpu(96, 1152, 8, 4),
  'ml.p5.48xlarge': gpu(192, 2048, 8, 32),
  'ml.p5.4xlarge': gpu(16, 256, 1, 1),
  'ml.p5e.48xlarge': gpu(192, 2048, 8, 32),
  'ml.p5en.48xlarge': gpu(192, 2048, 8, 16),
  'ml.p6-b200.48xlarge': gpu(192, 2048, 8, 8),
  'ml.p6-b300.48xlarge': gpu(192, 4096, 8, 16),
  'ml.p6e-gb200.36xlarge': gpu(144, 960, 4, 0),
  'ml.g5.xlarge': gpu(4, 16, 1, 0),
  'ml.g5.2xlarge': gpu(8, 32, 1, 0),
  'ml.g5.4xlarge': gpu(16, 64, 1, 0),
  'ml.g5.8xlarge': gpu(32, 128, 1, 1),
  'ml.g5.16xlarge': gpu(64, 256, 1, 1),
  'ml.g5.12xlarge': gpu(48, 192, 4, 1),
  'ml.g5.24xlarge': gpu(96, 384, 4, 1),
  'ml.g5.48xlarge': gpu(192, 768, 8, 1),
  'ml.g6.xlarge': gpu(4, 16, 1, 0),
  'ml.g6.2xlarge': gpu(8, 32, 1, 0),
  'ml.g6.4xlarge': gpu(16, 64, 1, 0),
  'ml.g6.8xlarge': gpu(32, 128, 1, 1),
  'ml.g6.16xlarge': gpu(64, 256, 1, 1),
  'ml.g6.12xlarge': gpu(48, 192, 4, 1),
  'ml.g6.24xlarge': gpu(96, 384, 4, 1),
  'ml.g6.48xlarge': gpu(192, 768, 8, 1),
  'ml.g6e.xlarge': gpu(4, 32, 1, 0),
  'ml.g6e.2xlarge': gpu(8, 64, 1, 0),
  'ml.g6e.4xlarge': gpu(16, 128, 1, 0),
  'ml.g6e.8xlarge': gpu(32, 256, 1, 1),
  'ml.g6e.16xlarge': gpu(64, 512, 1, 1),
  'ml.g6e.12xlarge': gpu(48, 384, 4, 1),
  'ml.g6e.24xlarge': gpu(96, 768, 4, 2),
  'ml.g6e.48xlarge': gpu(192, 1536, 8, 4),
  'ml.trn1.32xlarge': neuron(128, 512, 16, 2, 8),
  'ml.trn1n.32xlarge': neuron(128, 512, 16, 2, 16),
  'ml.trn2.3xlarge': neuron(12, 128, 1, 4, 1),
  'ml.trn2.48xlarge': neuron(192, 2048, 16, 4, 16),
  'ml.c5.xlarge': cpu(4, 8),
  'ml.c5.2xlarge': cpu(8, 16),
  'ml.c5.4xlarge': cpu(16, 32),
  'ml.c5.9xlarge': cpu(36, 72),
  'ml.c5.18xlarge': cpu(72, 144),
  'ml.m5.xlarge': cpu(4, 16),
  'ml.m5.2xlarge': cpu(8, 32),
  'ml.m5.4xlarge': cpu(16, 64),
  'ml.m5.8xlarge': cpu(32, 128),
  'ml.m5.12xlarge': cpu(48, 192),
  'ml.m5.24xlarge': cpu(96, 384),
  'ml.t3.medium': cpu(2, 4),
  'ml.t3.large': cpu(2, 8),
  'ml.t3.xlarge': cpu(4, 16),
  'ml.t3.2xlarge': cpu(8, 32),
};

export function instanceSpec(instanceType: string): InstanceSpec | undefined {
  return INSTANCE_TYPES[instanceType];
}
