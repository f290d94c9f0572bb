/**
 * The PromQL behind the exporter panels: NVIDIA dcgm-exporter, the EFA node exporter, Kueue,
 * AWS Neuron monitor, the two Slurm exporters (vpenso and SckyzO) and the collector itself.
 * Grafana variables appear as Grafana writes them (`$namespace`, `$__rate_interval`); the tests
 * fill them in as Grafana would and evaluate every expression in promtool.
 */
import { COLLECTOR_METRICS, QUOTA_METRICS } from '@hyperpod-usage/model';

export interface PromExpr {
  expr: string;
  legend: string;
}

const prom = (expr: string, legend: string): PromExpr => ({ expr, legend });

/** GPUs held by the selected team namespaces (dcgm-exporter adds `namespace` while a pod holds a GPU). */
const TEAM_GPUS = 'namespace=~"$namespace"';

/**
 * dcgm-exporter names the node label `Hostname` up to 4.5.x and `hostname` after; exporters of both
 * ages can run side by side during an upgrade. Copy whichever is set into `host`.
 */
export function withHost(selector: string): string {
  return `label_replace(label_replace(${selector}, "host", "$1", "Hostname", "(.+)"), "host", "$1", "hostname", "(.+)")`;
}

/** Utilization below this share of the GPU counts as idle. */
export const IDLE_GPU_UTIL_PERCENT = 5;

export const DCGM = {
  utilByNamespace: prom(`avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{${TEAM_GPUS}}) / 100`, '{{namespace}}'),
  engineActiveByNamespace: prom(`avg by (namespace) (DCGM_FI_PROF_GR_ENGINE_ACTIVE{${TEAM_GPUS}})`, '{{namespace}}'),
  tensorActiveByNamespace: prom(`avg by (namespace) (DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{${TEAM_GPUS}})`, '{{namespace}}'),
  /** Energy counter is in millijoules since boot: 3.6e9 mJ per kWh. */
  energyKwhByNamespace: prom(`sum by (namespace) (increase(DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{${TEAM_GPUS}}[$__range])) / 3.6e9`, '{{namespace}}'),
  powerByNamespace: prom(`sum by (namespace) (DCGM_FI_DEV_POWER_USAGE{${TEAM_GPUS}})`, '{{namespace}}'),
  gpusByNamespace: prom(`count by (namespace) (DCGM_FI_DEV_GPU_UTIL{${TEAM_GPUS}})`, '{{namespace}}'),
  /** One sample per GPU and minute held by a pod of the namespace while below the idle threshold: /60 = GPU-hours. */
  idleGpuHoursByNamespace: prom(
    `sum by (namespace) (sum_over_time((DCGM_FI_DEV_GPU_UTIL{${TEAM_GPUS}} < bool ${IDLE_GPU_UTIL_PERCENT})[$__range:1m])) / 60`,
    '{{namespace}}',
  ),
  heldGpuHoursByNamespace: prom(`sum by (namespace) (count_over_time(DCGM_FI_DEV_GPU_UTIL{${TEAM_GPUS}}[$__range:1m])) / 60`, '{{namespace}}'),
  utilByHost: prom(`avg by (host) (${withHost('DCGM_FI_DEV_GPU_UTIL')}) / 100`, '{{host}}'),
  clusterUtil: prom('avg(DCGM_FI_DEV_GPU_UTIL) / 100', 'GPU utilization'),
  clusterEngineActive: prom('avg(DCGM_FI_PROF_GR_ENGINE_ACTIVE)', 'graphics engine active'),
  clusterTensorActive: prom('avg(DCGM_FI_PROF_PIPE_TENSOR_ACTIVE)', 'tensor pipe active'),
  clusterPower: prom('sum(DCGM_FI_DEV_POWER_USAGE)', 'power'),
  xidByHost: prom(`max by (host, gpu) (${withHost('DCGM_FI_DEV_XID_ERRORS')}) > 0`, '{{host}} GPU {{gpu}}'),
  fbUsedByHost: prom(`sum by (host) (${withHost('DCGM_FI_DEV_FB_USED')}) * 1048576`, '{{host}}'),
} as const;

export const NEURON = {
  coreUtilByInstance: prom('avg by (instance_type, instance_id) (neuroncore_utilization_ratio)', '{{instance_type}} {{instance_id}}'),
  clusterCoreUtil: prom('avg(neuroncore_utilization_ratio)', 'NeuronCore utilization'),
  deviceMemoryByInstance: prom('sum by (instance_id) (neuron_runtime_memory_used_bytes{memory_location="neuron_device"})', '{{instance_id}}'),
  executionErrors: prom('sum by (error_type) (rate(execution_errors_total[$__rate_interval]))', '{{error_type}}'),
} as const;

/** EFA counters carry only device and port; nodes come from the scrape's `instance`. */
export const EFA = {
  rxBytes: prom('sum by (instance) (rate(node_amazonefa_rx_bytes[$__rate_interval]))', '{{instance}} rx'),
  txBytes: prom('sum by (instance) (rate(node_amazonefa_tx_bytes[$__rate_interval]))', '{{instance}} tx'),
  rdmaBytes: prom(
    'sum by (instance) (rate(node_amazonefa_rdma_read_bytes[$__rate_interval]) + rate(node_amazonefa_rdma_write_bytes[$__rate_interval]))',
    '{{instance}} RDMA',
  ),
  retransmits: prom('sum by (instance) (rate(node_amazonefa_retrans_pkts[$__rate_interval]))', '{{instance}}'),
  remoteTrouble: prom(
    'sum by (instance) (increase(node_amazonefa_unresponsive_remote_events[$__range]) + increase(node_amazonefa_impaired_remote_conn_events[$__range]))',
    '{{instance}}',
  ),
} as const;

export const KUEUE = {
  usageByQueue: prom('sum by (cluster_queue, resource) (kueue_cluster_queue_resource_usage)', '{{cluster_queue}} {{resource}}'),
  nominalByQueue: prom('sum by (cluster_queue, resource) (kueue_cluster_queue_nominal_quota)', '{{cluster_queue}} {{resource}} quota'),
  pendingByQueue: prom('sum by (cluster_queue, status) (kueue_pending_workloads)', '{{cluster_queue}} {{status}}'),
  admittedByQueue: prom('sum by (cluster_queue) (kueue_admitted_active_workloads)', '{{cluster_queue}}'),
  evictionsByReason: prom('sum by (cluster_queue, reason) (increase(kueue_evicted_workloads_total[$__range]))', '{{cluster_queue}} {{reason}}'),
  admissionWaitP90: prom(
    'histogram_quantile(0.9, sum by (le, cluster_queue) (rate(kueue_admission_wait_time_seconds_bucket[$__rate_interval])))',
    '{{cluster_queue}} p90',
  ),
} as const;

const c = (key: keyof typeof COLLECTOR_METRICS) => COLLECTOR_METRICS[key].name;
const q = (key: keyof typeof QUOTA_METRICS) => QUOTA_METRICS[key].name;

/** The collector's own metrics, filtered by the usage cluster variable. */
export const COLLECTOR = {
  leader: prom(`sum by (cluster) (${c('leader')}{cluster=~"$cluster"})`, '{{cluster}} leaders'),
  uploadAge: prom(`time() - max by (cluster) (${c('lastUploadSuccess')}{cluster=~"$cluster"})`, '{{cluster}}'),
  recordsWritten: prom(`sum by (cluster, table) (rate(${c('recordsWritten')}{cluster=~"$cluster"}[$__rate_interval]))`, '{{cluster}} {{table}}'),
  spoolBytes: prom(`max by (cluster) (${c('spoolBytes')}{cluster=~"$cluster"})`, '{{cluster}}'),
  uploadFailures: prom(`sum by (cluster) (increase(${c('uploadFailures')}{cluster=~"$cluster"}[$__range]))`, '{{cluster}}'),
  watchRestarts: prom(`sum by (cluster, kind) (increase(${c('watchRestarts')}{cluster=~"$cluster"}[$__range]))`, '{{cluster}} {{kind}}'),
} as const;

/** Live quota per team from the collector (the same gauges as the quota alerts). */
export const QUOTA = {
  usageByTeam: prom(`sum by (team) (${q('usage')}{cluster=~"$cluster", team=~"$team", resource="gpu"})`, '{{team}} in use'),
  nominalByTeam: prom(`sum by (team) (${q('nominal')}{cluster=~"$cluster", team=~"$team", resource="gpu"})`, '{{team}} nominal'),
  borrowedByTeam: prom(`sum by (team) (${q('borrowed')}{cluster=~"$cluster", team=~"$team", resource="gpu"})`, '{{team}} borrowed'),
  lentByTeam: prom(`sum by (team) (${q('lent')}{cluster=~"$cluster", team=~"$team", resource="gpu"})`, '{{team}} lent'),
  pendingByTeam: prom(`sum by (team) (${q('workloads')}{cluster=~"$cluster", team=~"$team", state="pending"})`, '{{team}}'),
} as const;

/**
 * Slurm: vpenso/prometheus-slurm-exporter and SckyzO/slurm_exporter (HyperPod's since 2025-09, a
 * superset). Where SckyzO has a total the older exporter lacks, fall back to the sum of states.
 */
export const SLURM = {
  nodesAllocated: prom('sum(slurm_nodes_alloc)', 'allocated'),
  nodesMixed: prom('sum(slurm_nodes_mix)', 'mixed'),
  nodesIdle: prom('sum(slurm_nodes_idle)', 'idle'),
  nodesDownOrDrained: prom('sum(slurm_nodes_down) + sum(slurm_nodes_drain)', 'down or drained'),
  nodesTotal: prom(
    'sum(slurm_nodes_total) or (sum(slurm_nodes_alloc) + sum(slurm_nodes_idle) + sum(slurm_nodes_mix) + sum(slurm_nodes_down) + sum(slurm_nodes_drain))',
    'nodes',
  ),
  cpusAllocatedShare: prom('sum(slurm_cpus_alloc) / sum(slurm_cpus_total)', 'CPUs allocated'),
  gpusAllocatedShare: prom('sum(slurm_gpus_alloc) / sum(slurm_gpus_total)', 'GPUs allocated'),
  jobsPendingByPartition: prom('sum by (partition) (slurm_partition_jobs_pending)', '{{partition}}'),
  jobsRunningByAccount: prom('sum by (account) (slurm_account_jobs_running)', '{{account}}'),
  queue: prom('sum(slurm_queue_pending) or vector(0)', 'pending'),
} as const;

export const ALL_PROMQL: Readonly<Record<string, PromExpr>> = Object.fromEntries(
  Object.entries({ DCGM, NEURON, EFA, KUEUE, COLLECTOR, QUOTA, SLURM }).flatMap(([group, exprs]) =>
    Object.entries(exprs).map(([name, e]) => [`${group}.${name}`, e] as const),
  ),
);
