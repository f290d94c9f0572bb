/**
 * What the three dashboards show. Usage panels are UsageQuery objects (the query model compiles
 * them); exporter panels are the PromQL of promql.ts. Filters name dashboard variables.
 */
import { dashboardUid, type DashboardKey, type Dimension, type Measure, type ResourceKey } from '@hyperpod-usage/model';
import type { PanelSpec, UsagePanel, Visualization } from './panels.js';
import { COLLECTOR, DCGM, EFA, KUEUE, NEURON, QUOTA, SLURM, type PromExpr } from './promql.js';
import type { UsagePanelQuery, VariableFilter } from './variants.js';

export interface VariableSpec {
  name: string;
  label: string;
  dimension: Dimension;
  /** Other variables that narrow its values (teams of the chosen clusters). */
  filters: readonly VariableFilter[];
}

export interface DashboardSpec {
  key: DashboardKey;
  description: string;
  tags: string[];
  variables: readonly VariableSpec[];
  panels: readonly PanelSpec[];
}

const on = (dimension: Dimension, variable: string = dimension): VariableFilter => ({ dimension, variable });
const CLUSTER = on('cluster');
const TEAM = on('team');
const INSTANCE_TYPE = on('instance_type');

const V_CLUSTER: VariableSpec = { name: 'cluster', label: 'Cluster', dimension: 'cluster', filters: [] };
const V_TEAM: VariableSpec = { name: 'team', label: 'Team', dimension: 'team', filters: [CLUSTER] };
const V_INSTANCE_TYPE: VariableSpec = { name: 'instance_type', label: 'Instance type', dimension: 'instance_type', filters: [CLUSTER] };
const V_NAMESPACE: VariableSpec = { name: 'namespace', label: 'Team namespace', dimension: 'namespace', filters: [CLUSTER, TEAM] };

interface UsageOptions {
  groupBy?: Dimension[];
  filters?: VariableFilter[];
  format?: 'time_series' | 'table';
  resource?: ResourceKey;
  topN?: number;
  w?: number;
  h?: number;
  valueLinks?: UsagePanel['valueLinks'];
}

function usage(title: string, description: string, viz: Visualization, measures: Measure[], o: UsageOptions = {}): UsagePanel {
  const query: UsagePanelQuery = {
    measures,
    resource: o.resource ?? 'gpu',
    groupBy: o.groupBy ?? [],
    filters: o.filters ?? [CLUSTER, TEAM, INSTANCE_TYPE],
    interval: 'day',
    format: o.format ?? (viz === 'timeseries' ? 'time_series' : 'table'),
    ...(o.topN ? { topN: o.topN } : {}),
  };
  return { kind: 'usage', title, description, viz, query, w: o.w ?? 12, h: o.h ?? 8, ...(o.valueLinks ? { valueLinks: o.valueLinks } : {}) };
}

function prom(title: string, description: string, viz: Visualization, unit: string, exprs: PromExpr[], o: { w?: number; h?: number; instant?: boolean } = {}): PanelSpec {
  return { kind: 'prom', title, description, viz, unit, exprs, w: o.w ?? 12, h: o.h ?? 8, ...(o.instant ? { instant: true } : {}) };
}

const row = (title: string): PanelSpec => ({ kind: 'row', title });

/** Drill-down from a team cell to that team's efficiency, keeping range and clusters. */
const TEAM_LINK = {
  field: 'team',
  title: 'Efficiency of ${__value.raw}',
  url: `/d/{{uid:team-efficiency}}?var-team=\${__value.raw}&\${cluster:queryparam}&\${__url_time_range}`,
};

const teamUsage: DashboardSpec = {
  key: 'team-usage',
  description: "GPU, vCPU and Neuron hours per team from its own quota or borrowed, the quota it lent and left unused, and what it cost, from the usage rollups.",
  tags: ['hyperpod-usage', 'usage', 'cost'],
  variables: [V_CLUSTER, V_TEAM, V_INSTANCE_TYPE],
  panels: [
    row('Totals over the range'),
    usage('GPU-hours, own quota', 'GPU-hours the selected teams used within their nominal quota.', 'stat', ['own_hours'], { w: 4, h: 4 }),
    usage('GPU-hours, borrowed', 'GPU-hours used above the nominal quota, borrowed from the cohort.', 'stat', ['borrowed_hours'], { w: 4, h: 4 }),
    usage('GPU-hours lent', "GPU-hours of the teams' nominal quota that other teams used.", 'stat', ['lent_hours'], { w: 4, h: 4 }),
    usage('GPU-hours of unused quota', 'Nominal quota neither used nor lent.', 'stat', ['unused_hours'], { w: 4, h: 4 }),
    usage('Cost', 'Hours priced per instance type at the unit prices the aggregation used.', 'stat', ['cost'], { w: 4, h: 4 }),
    usage('Share of quota used', 'GPU-hours used / GPU-hours of nominal quota.', 'stat', ['quota_share'], { w: 4, h: 4 }),
    row('Over time'),
    usage('GPU-hours per day: own quota vs borrowed', 'Per day (UTC), the selected teams together.', 'timeseries', ['own_hours', 'borrowed_hours']),
    usage('GPU-hours per day by team', 'The ten largest teams; the rest are summed into Other.', 'timeseries', ['hours'], { groupBy: ['team'], topN: 10 }),
    usage('Cost per day by team', 'The ten largest teams by cost.', 'timeseries', ['cost'], { groupBy: ['team'], topN: 10 }),
    usage('Lent and unused quota per day by team', 'Quota the team did not use itself: lent to others, or unused.', 'timeseries', ['lent_hours', 'unused_hours'], { groupBy: ['team'], topN: 10 }),
    row('Breakdown'),
    usage('Per team', 'Own, borrowed, lent and unused GPU-hours and cost per team. Click a team for its efficiency.', 'table', ['hours', 'own_hours', 'borrowed_hours', 'lent_hours', 'unused_hours', 'cost'], { groupBy: ['team'], w: 24, valueLinks: [TEAM_LINK] }),
    usage('Per team and instance type', 'GPU-hours and cost per team and instance type.', 'table', ['hours', 'own_hours', 'borrowed_hours', 'cost'], { groupBy: ['team', 'instance_type'] }),
    usage('Per priority class', 'GPU-hours and cost per priority class (pods outside Kueue included).', 'table', ['hours', 'cost'], { groupBy: ['priority_class'] }),
    usage('vCPU-hours per team', 'vCPU-hours (all instance types) per team.', 'bargauge', ['hours'], { groupBy: ['team'], resource: 'cpu' }),
    usage('NeuronCore-hours per team', 'NeuronCore-hours on Trainium and Inferentia per team.', 'bargauge', ['hours'], { groupBy: ['team'], resource: 'neuron_core' }),
    usage('Top tasks by GPU-hours', 'The 20 tasks that held the most GPU-hours over the range.', 'table', ['hours', 'cost'], { groupBy: ['task', 'team', 'instance_type'], topN: 20, w: 24, h: 10 }),
    row('Live quota (collector metrics)'),
    prom('GPUs in use vs nominal quota', 'Live, from the collector: GPUs admitted workloads hold, against the nominal quota, and what is borrowed or lent.', 'timeseries', 'none', [
      QUOTA.usageByTeam,
      QUOTA.nominalByTeam,
      QUOTA.borrowedByTeam,
      QUOTA.lentByTeam,
    ]),
    prom('Pending workloads', 'Workloads waiting for quota, per team.', 'timeseries', 'none', [QUOTA.pendingByTeam]),
  ],
};

const teamEfficiency: DashboardSpec = {
  key: 'team-efficiency',
  description: "How well each team used the GPUs it held: allocated GPU-hours from the usage rollups next to dcgm-exporter's utilization, graphics-engine and tensor activity, and energy per team namespace; NeuronCore utilization on Trainium.",
  tags: ['hyperpod-usage', 'efficiency', 'dcgm'],
  variables: [V_CLUSTER, V_TEAM, V_INSTANCE_TYPE, V_NAMESPACE],
  panels: [
    row('Allocated'),
    usage('Allocated GPU-hours per day by namespace', "GPU-hours the team's workloads held (quota view), per namespace.", 'timeseries', ['hours'], { groupBy: ['namespace'] }),
    usage('Allocated GPU-hours by namespace', 'Total over the range.', 'bargauge', ['hours'], { groupBy: ['namespace'] }),
    row('Utilization of the allocated GPUs (dcgm-exporter)'),
    prom('GPU utilization', 'DCGM_FI_DEV_GPU_UTIL averaged over the GPUs held by pods of each namespace.', 'timeseries', 'percentunit', [DCGM.utilByNamespace], { w: 8 }),
    prom('Graphics engine active', 'DCGM_FI_PROF_GR_ENGINE_ACTIVE: share of time any kernel ran.', 'timeseries', 'percentunit', [DCGM.engineActiveByNamespace], { w: 8 }),
    prom('Tensor pipe active', 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE: share of cycles the tensor cores were busy.', 'timeseries', 'percentunit', [DCGM.tensorActiveByNamespace], { w: 8 }),
    prom('GPU-hours allocated but idle', `GPU-hours held by the namespace's pods while DCGM_FI_DEV_GPU_UTIL stayed below 5%, counted per minute over the range.`, 'bargauge', 'h', [DCGM.idleGpuHoursByNamespace], { w: 8, instant: true }),
    prom('GPU-hours seen by dcgm-exporter', 'GPU-hours held by the namespace\'s pods as dcgm-exporter saw them (compare with the allocated hours above).', 'bargauge', 'h', [DCGM.heldGpuHoursByNamespace], { w: 8, instant: true }),
    prom('Energy', 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION over the range, in kWh, per namespace.', 'bargauge', 'kwatth', [DCGM.energyKwhByNamespace], { w: 8, instant: true }),
    prom('Power draw', 'DCGM_FI_DEV_POWER_USAGE summed over the namespace\'s GPUs.', 'timeseries', 'watt', [DCGM.powerByNamespace]),
    prom('GPUs held', 'GPUs dcgm-exporter maps to pods of each namespace.', 'timeseries', 'none', [DCGM.gpusByNamespace]),
    prom('GPU utilization by node', 'Per node; the node label is Hostname or hostname depending on the dcgm-exporter release.', 'timeseries', 'percentunit', [DCGM.utilByHost], { w: 24 }),
    row('Trainium and Inferentia (Neuron monitor)'),
    prom('NeuronCore utilization', 'neuroncore_utilization_ratio per instance (neuron-monitor carries no pod labels).', 'timeseries', 'percentunit', [NEURON.coreUtilByInstance]),
    prom('Neuron device memory used', 'neuron_runtime_memory_used_bytes on the devices.', 'timeseries', 'bytes', [NEURON.deviceMemoryByInstance]),
  ],
};

const clusterOverview: DashboardSpec = {
  key: 'cluster-overview',
  description: 'The cluster at a glance: usage and idle capacity from the rollups beside DCGM, EFA, Kueue, Neuron and Slurm exporter panels, and the health of the usage collector.',
  tags: ['hyperpod-usage', 'cluster'],
  variables: [V_CLUSTER, V_INSTANCE_TYPE],
  panels: [
    row('Usage and idle capacity'),
    usage('GPU-hours used vs idle per day', 'Capacity of Ready, schedulable nodes: held by workloads, or idle.', 'timeseries', ['hours', 'idle_hours'], { filters: [CLUSTER, INSTANCE_TYPE] }),
    usage('Idle GPU-hours by instance type', 'Capacity nobody held, and what it cost.', 'table', ['idle_hours', 'cost'], { groupBy: ['instance_type'], filters: [CLUSTER, INSTANCE_TYPE] }),
    usage('GPU-hours by team', 'The ten largest teams; the rest are summed into Other.', 'timeseries', ['hours'], { groupBy: ['team'], topN: 10, filters: [CLUSTER, INSTANCE_TYPE] }),
    usage('Cost by team', 'Over the range.', 'bargauge', ['cost'], { groupBy: ['team'], topN: 10, filters: [CLUSTER, INSTANCE_TYPE] }),
    row('GPUs (dcgm-exporter)'),
    prom('Cluster GPU activity', 'Average utilization, graphics engine and tensor activity over every GPU.', 'timeseries', 'percentunit', [DCGM.clusterUtil, DCGM.clusterEngineActive, DCGM.clusterTensorActive]),
    prom('GPU power', 'DCGM_FI_DEV_POWER_USAGE over every GPU.', 'timeseries', 'watt', [DCGM.clusterPower], { w: 6 }),
    prom('XID errors', 'Last XID error per GPU (0 = none).', 'table', 'none', [DCGM.xidByHost], { w: 6, instant: true }),
    prom('Framebuffer used by node', 'DCGM_FI_DEV_FB_USED.', 'timeseries', 'bytes', [DCGM.fbUsedByHost]),
    prom('GPU utilization by node', 'Per node, whichever hostname label the exporter writes.', 'timeseries', 'percentunit', [DCGM.utilByHost]),
    row('Network (EFA node exporter)'),
    prom('EFA throughput by node', 'node_amazonefa_rx_bytes and tx_bytes.', 'timeseries', 'Bps', [EFA.rxBytes, EFA.txBytes]),
    prom('RDMA throughput by node', 'RDMA read and write bytes.', 'timeseries', 'Bps', [EFA.rdmaBytes]),
    prom('Retransmitted packets', 'node_amazonefa_retrans_pkts per second.', 'timeseries', 'pps', [EFA.retransmits]),
    prom('Unresponsive or impaired remote events', 'Over the range.', 'bargauge', 'none', [EFA.remoteTrouble], { instant: true }),
    row('Queues (Kueue)'),
    prom('ClusterQueue usage vs nominal quota', 'kueue_cluster_queue_resource_usage and _nominal_quota (need metrics.enableClusterQueueResources).', 'timeseries', 'none', [KUEUE.usageByQueue, KUEUE.nominalByQueue]),
    prom('Pending workloads', 'kueue_pending_workloads by ClusterQueue and status.', 'timeseries', 'none', [KUEUE.pendingByQueue]),
    prom('Admitted active workloads', 'kueue_admitted_active_workloads.', 'timeseries', 'none', [KUEUE.admittedByQueue], { w: 8 }),
    prom('Evictions by reason', 'kueue_evicted_workloads_total over the range.', 'bargauge', 'none', [KUEUE.evictionsByReason], { w: 8, instant: true }),
    prom('Admission wait, 90th percentile', 'kueue_admission_wait_time_seconds.', 'timeseries', 's', [KUEUE.admissionWaitP90], { w: 8 }),
    row('Trainium and Inferentia (Neuron monitor)'),
    prom('NeuronCore utilization', 'Average over every NeuronCore.', 'timeseries', 'percentunit', [NEURON.clusterCoreUtil]),
    prom('Neuron execution errors', 'execution_errors_total by type.', 'timeseries', 'none', [NEURON.executionErrors]),
    row('Slurm (vpenso and SckyzO exporters)'),
    prom('Nodes by state', 'slurm_nodes_*; the total falls back to the sum of states on the vpenso exporter, which has no slurm_nodes_total.', 'timeseries', 'none', [
      SLURM.nodesAllocated,
      SLURM.nodesMixed,
      SLURM.nodesIdle,
      SLURM.nodesDownOrDrained,
      SLURM.nodesTotal,
    ]),
    prom('CPUs and GPUs allocated', 'slurm_cpus_alloc / total and slurm_gpus_alloc / total.', 'timeseries', 'percentunit', [SLURM.cpusAllocatedShare, SLURM.gpusAllocatedShare]),
    prom('Pending jobs by partition', 'slurm_partition_jobs_pending.', 'timeseries', 'none', [SLURM.jobsPendingByPartition, SLURM.queue], { w: 8 }),
    prom('Running jobs by account', 'slurm_account_jobs_running.', 'bargauge', 'none', [SLURM.jobsRunningByAccount], { w: 16, instant: true }),
    row('Usage collector'),
    prom('Replicas holding the Lease', '1 in a healthy cluster.', 'stat', 'none', [COLLECTOR.leader], { w: 6, instant: true }),
    prom('Since the last upload', 'Records reach storage every flush; the stale-data alert fires after 15 minutes.', 'stat', 's', [COLLECTOR.uploadAge], { w: 6, instant: true }),
    prom('Spool', 'Bytes waiting for upload.', 'timeseries', 'bytes', [COLLECTOR.spoolBytes], { w: 6 }),
    prom('Upload failures and watch restarts', 'Over the range.', 'bargauge', 'none', [COLLECTOR.uploadFailures, COLLECTOR.watchRestarts], { w: 6, instant: true }),
    prom('Records written', 'Per table, per second.', 'timeseries', 'none', [COLLECTOR.recordsWritten], { w: 24 }),
  ],
};

export const DASHBOARDS: Readonly<Record<DashboardKey, DashboardSpec>> = {
  'team-usage': teamUsage,
  'team-efficiency': teamEfficiency,
  'cluster-overview': clusterOverview,
};

/** `{{uid:team-efficiency}}` in link URLs names another dashboard of the same variant. */
export function resolveDashboardRefs(url: string, variant: Parameters<typeof dashboardUid>[1]): string {
  return url.replace(/\{\{uid:([a-z-]+)\}\}/g, (_, key: string) => dashboardUid(key as DashboardKey, variant));
}
