// Every PromQL expression of the dashboards, with Grafana's variables filled in, evaluated by
// promtool on synthetic exporter series; the expected values are worked out by hand below.
// Series start at minute 1 (`_` at 0) so the 1-hour windows hold 60 samples whether the range is
// left-closed (Prometheus 2) or left-open (Prometheus 3).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ALL_PROMQL } from '../src/promql.js';
import { interpolateGrafanaVariables } from './grafana-interpolation.js';

const VARIABLES = { namespace: '(team-a|team-b)', cluster: '(c1)', team: '.*', __range: '1h', __rate_interval: '2m' };
const expr = (key: string) => interpolateGrafanaVariables((ALL_PROMQL[key] as { expr: string }).expr, VARIABLES);
const constant = (series: string, value: number) => ({ series, values: `_ ${value}x59` });
/** A counter that grows by `perMinute` each minute from minute 1. */
const counter = (series: string, perMinute: number) => ({ series, values: `_ ${perMinute}+${perMinute}x59` });

type Sample = { labels: string; value: number };
const s = (labels: string, value: number): Sample => ({ labels, value });

/** One promtool test group: the series, and for each expression the samples expected at 60m. */
const GROUPS: Array<{ name: string; input_series: Array<{ series: string; values: string }>; expect: Record<string, Sample[]> }> = [
  {
    name: 'dcgm-exporter: two namespaces, old and new hostname labels, one idle GPU, one unallocated',
    input_series: [
      constant('DCGM_FI_DEV_GPU_UTIL{gpu="0",namespace="team-a",Hostname="n1"}', 80),
      constant('DCGM_FI_DEV_GPU_UTIL{gpu="1",namespace="team-a",Hostname="n1"}', 0),
      constant('DCGM_FI_DEV_GPU_UTIL{gpu="0",namespace="team-b",hostname="n2"}', 50),
      constant('DCGM_FI_DEV_GPU_UTIL{gpu="1",Hostname="n2"}', 0),
      constant('DCGM_FI_DEV_GPU_UTIL{gpu="0",namespace="other",hostname="n3"}', 100),
      constant('DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",namespace="team-a",Hostname="n1"}', 0.9),
      constant('DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="1",namespace="team-a",Hostname="n1"}', 0.1),
      constant('DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{gpu="0",namespace="team-b",hostname="n2"}', 0.25),
      // 1 kW for an hour: 6e7 mJ a minute is 3.6e9 mJ = 1 kWh.
      counter('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu="0",namespace="team-a",Hostname="n1"}', 6e7),
      constant('DCGM_FI_DEV_POWER_USAGE{gpu="0",namespace="team-a",Hostname="n1"}', 300),
      constant('DCGM_FI_DEV_POWER_USAGE{gpu="1",namespace="team-a",Hostname="n1"}', 75),
      constant('DCGM_FI_DEV_XID_ERRORS{gpu="1",hostname="n2"}', 79),
      constant('DCGM_FI_DEV_XID_ERRORS{gpu="0",Hostname="n1"}', 0),
      constant('DCGM_FI_DEV_FB_USED{gpu="0",Hostname="n1"}', 1024),
    ],
    expect: {
      'DCGM.utilByNamespace': [s('{namespace="team-a"}', 0.4), s('{namespace="team-b"}', 0.5)],
      'DCGM.engineActiveByNamespace': [s('{namespace="team-a"}', 0.5)],
      'DCGM.tensorActiveByNamespace': [s('{namespace="team-b"}', 0.25)],
      'DCGM.energyKwhByNamespace': [s('{namespace="team-a"}', 1)],
      'DCGM.powerByNamespace': [s('{namespace="team-a"}', 375)],
      'DCGM.gpusByNamespace': [s('{namespace="team-a"}', 2), s('{namespace="team-b"}', 1)],
      // team-a's GPU 1 sat at 0% for the hour: 60 one-minute samples = 1 GPU-hour idle.
      'DCGM.idleGpuHoursByNamespace': [s('{namespace="team-a"}', 1), s('{namespace="team-b"}', 0)],
      'DCGM.heldGpuHoursByNamespace': [s('{namespace="team-a"}', 2), s('{namespace="team-b"}', 1)],
      // n2 reports with both label spellings; they land on one host: (50 + 0) / 2.
      'DCGM.utilByHost': [s('{host="n1"}', 0.4), s('{host="n2"}', 0.25), s('{host="n3"}', 1)],
      'DCGM.clusterUtil': [s('{}', 0.46)],
      'DCGM.clusterEngineActive': [s('{}', 0.5)],
      'DCGM.clusterTensorActive': [s('{}', 0.25)],
      'DCGM.clusterPower': [s('{}', 375)],
      'DCGM.xidByHost': [s('{host="n2",gpu="1"}', 79)],
      'DCGM.fbUsedByHost': [s('{host="n1"}', 1073741824)],
    },
  },
  {
    name: 'Neuron monitor, EFA and Kueue',
    input_series: [
      constant('neuroncore_utilization_ratio{instance_type="trn1.32xlarge",instance_id="i-1",neuroncore="0"}', 0.5),
      constant('neuroncore_utilization_ratio{instance_type="trn1.32xlarge",instance_id="i-1",neuroncore="1"}', 0.7),
      constant('neuron_runtime_memory_used_bytes{instance_id="i-1",memory_location="neuron_device"}', 2048),
      constant('neuron_runtime_memory_used_bytes{instance_id="i-1",memory_location="host"}', 4096),
      counter('execution_errors_total{error_type="hardware"}', 6),
      counter('node_amazonefa_rx_bytes{instance="n1:9100",device="rdmap0",port="1"}', 60000),
      counter('node_amazonefa_rx_bytes{instance="n1:9100",device="rdmap1",port="1"}', 60000),
      counter('node_amazonefa_tx_bytes{instance="n1:9100",device="rdmap0",port="1"}', 120000),
      counter('node_amazonefa_rdma_read_bytes{instance="n1:9100",device="rdmap0",port="1"}', 30000),
      counter('node_amazonefa_rdma_write_bytes{instance="n1:9100",device="rdmap0",port="1"}', 30000),
      counter('node_amazonefa_retrans_pkts{instance="n1:9100",device="rdmap0",port="1"}', 60),
      counter('node_amazonefa_unresponsive_remote_events{instance="n1:9100",device="rdmap0",port="1"}', 1),
      counter('node_amazonefa_impaired_remote_conn_events{instance="n1:9100",device="rdmap0",port="1"}', 2),
      constant('kueue_cluster_queue_resource_usage{cluster_queue="cq-a",cohort="c",flavor="p5",resource="nvidia.com/gpu"}', 12),
      constant('kueue_cluster_queue_resource_usage{cluster_queue="cq-a",cohort="c",flavor="p4d",resource="nvidia.com/gpu"}', 4),
      constant('kueue_cluster_queue_nominal_quota{cluster_queue="cq-a",cohort="c",flavor="p5",resource="nvidia.com/gpu"}', 8),
      constant('kueue_pending_workloads{cluster_queue="cq-a",status="active"}', 3),
      constant('kueue_pending_workloads{cluster_queue="cq-a",status="inadmissible"}', 1),
      constant('kueue_admitted_active_workloads{cluster_queue="cq-a"}', 5),
      counter('kueue_evicted_workloads_total{cluster_queue="cq-a",reason="Preempted"}', 1),
      // Every admission waited between 2.5 s and 5 s: the 90th percentile interpolates to 4.75 s.
      counter('kueue_admission_wait_time_seconds_bucket{cluster_queue="cq-a",le="1"}', 0),
      counter('kueue_admission_wait_time_seconds_bucket{cluster_queue="cq-a",le="2.5"}', 0),
      counter('kueue_admission_wait_time_seconds_bucket{cluster_queue="cq-a",le="5"}', 10),
      counter('kueue_admission_wait_time_seconds_bucket{cluster_queue="cq-a",le="+Inf"}', 10),
    ],
    expect: {
      'NEURON.coreUtilByInstance': [s('{instance_type="trn1.32xlarge",instance_id="i-1"}', 0.6)],
      'NEURON.clusterCoreUtil': [s('{}', 0.6)],
      'NEURON.deviceMemoryByInstance': [s('{instance_id="i-1"}', 2048)],
      'NEURON.executionErrors': [s('{error_type="hardware"}', 0.1)],
      'EFA.rxBytes': [s('{instance="n1:9100"}', 2000)],
      'EFA.txBytes': [s('{instance="n1:9100"}', 2000)],
      'EFA.rdmaBytes': [s('{instance="n1:9100"}', 1000)],
      'EFA.retransmits': [s('{instance="n1:9100"}', 1)],
      // 60 + 120 events over the hour, extrapolated over the whole hour.
      'EFA.remoteTrouble': [s('{instance="n1:9100"}', 180)],
      'KUEUE.usageByQueue': [s('{cluster_queue="cq-a",resource="nvidia.com/gpu"}', 16)],
      'KUEUE.nominalByQueue': [s('{cluster_queue="cq-a",resource="nvidia.com/gpu"}', 8)],
      'KUEUE.pendingByQueue': [s('{cluster_queue="cq-a",status="active"}', 3), s('{cluster_queue="cq-a",status="inadmissible"}', 1)],
      'KUEUE.admittedByQueue': [s('{cluster_queue="cq-a"}', 5)],
      'KUEUE.evictionsByReason': [s('{cluster_queue="cq-a",reason="Preempted"}', 60)],
      'KUEUE.admissionWaitP90': [s('{cluster_queue="cq-a"}', 4.75)],
    },
  },
  {
    name: 'the collector and its live quota gauges',
    input_series: [
      constant('hyperpod_usage_collector_leader{cluster="c1",instance="a"}', 1),
      constant('hyperpod_usage_collector_leader{cluster="c1",instance="b"}', 0),
      // Last upload at 3540 s (minute 59) as seen at minute 60: 60 s ago.
      { series: 'hyperpod_usage_collector_last_upload_success_timestamp_seconds{cluster="c1",instance="a"}', values: '_ 60+60x58 3540' },
      counter('hyperpod_usage_collector_records_written_total{cluster="c1",instance="a",table="workload"}', 120),
      constant('hyperpod_usage_collector_spool_bytes{cluster="c1",instance="a"}', 4096),
      counter('hyperpod_usage_collector_upload_failures_total{cluster="c1",instance="a"}', 0),
      counter('hyperpod_usage_collector_watch_restarts_total{cluster="c1",instance="a",kind="Pod"}', 0),
      constant('hyperpod_usage_quota_usage{cluster="c1",team="a",flavor="p5",resource="gpu"}', 10),
      constant('hyperpod_usage_quota_usage{cluster="c1",team="a",flavor="p5",resource="cpu"}', 96),
      constant('hyperpod_usage_quota_nominal{cluster="c1",team="a",flavor="p5",resource="gpu"}', 8),
      constant('hyperpod_usage_quota_borrowed{cluster="c1",team="a",flavor="p5",resource="gpu"}', 2),
      constant('hyperpod_usage_quota_lent{cluster="c1",team="b",flavor="p5",resource="gpu"}', 2),
      constant('hyperpod_usage_workloads{cluster="c1",team="a",cluster_queue="a",state="pending"}', 1),
      constant('hyperpod_usage_workloads{cluster="c1",team="a",cluster_queue="a",state="admitted"}', 4),
      constant('hyperpod_usage_workloads{cluster="c2",team="a",cluster_queue="a",state="pending"}', 7),
    ],
    expect: {
      'COLLECTOR.leader': [s('{cluster="c1"}', 1)],
      'COLLECTOR.uploadAge': [s('{cluster="c1"}', 60)],
      'COLLECTOR.recordsWritten': [s('{cluster="c1",table="workload"}', 2)],
      'COLLECTOR.spoolBytes': [s('{cluster="c1"}', 4096)],
      'COLLECTOR.uploadFailures': [s('{cluster="c1"}', 0)],
      'COLLECTOR.watchRestarts': [s('{cluster="c1",kind="Pod"}', 0)],
      'QUOTA.usageByTeam': [s('{team="a"}', 10)],
      'QUOTA.nominalByTeam': [s('{team="a"}', 8)],
      'QUOTA.borrowedByTeam': [s('{team="a"}', 2)],
      'QUOTA.lentByTeam': [s('{team="b"}', 2)],
      // c2's pending workloads are outside the selected cluster.
      'QUOTA.pendingByTeam': [s('{team="a"}', 1)],
    },
  },
  {
    name: 'Slurm, SckyzO exporter (has slurm_nodes_total)',
    input_series: [
      constant('slurm_nodes_total', 5),
      constant('slurm_nodes_alloc', 2),
      constant('slurm_nodes_idle', 1),
      constant('slurm_nodes_mix', 1),
      constant('slurm_nodes_down', 0),
      constant('slurm_nodes_drain', 0),
      constant('slurm_nodes_planned', 1),
      constant('slurm_cpus_alloc', 96),
      constant('slurm_cpus_total', 384),
      constant('slurm_gpus_alloc', 12),
      constant('slurm_gpus_total', 32),
      constant('slurm_partition_jobs_pending{partition="gpu"}', 4),
      constant('slurm_account_jobs_running{account="team-a"}', 3),
      constant('slurm_queue_pending', 4),
    ],
    expect: {
      'SLURM.nodesAllocated': [s('{}', 2)],
      'SLURM.nodesMixed': [s('{}', 1)],
      'SLURM.nodesIdle': [s('{}', 1)],
      'SLURM.nodesDownOrDrained': [s('{}', 0)],
      'SLURM.nodesTotal': [s('{}', 5)],
      'SLURM.cpusAllocatedShare': [s('{}', 0.25)],
      'SLURM.gpusAllocatedShare': [s('{}', 0.375)],
      'SLURM.jobsPendingByPartition': [s('{partition="gpu"}', 4)],
      'SLURM.jobsRunningByAccount': [s('{account="team-a"}', 3)],
      'SLURM.queue': [s('{}', 4)],
    },
  },
  {
    name: 'Slurm, vpenso exporter (no slurm_nodes_total, no queue metric yet)',
    input_series: [
      constant('slurm_nodes_alloc', 2),
      constant('slurm_nodes_idle', 1),
      constant('slurm_nodes_mix', 1),
      constant('slurm_nodes_down', 1),
      constant('slurm_nodes_drain', 1),
    ],
    expect: { 'SLURM.nodesTotal': [s('{}', 6)], 'SLURM.nodesDownOrDrained': [s('{}', 2)], 'SLURM.queue': [s('{}', 0)] },
  },
];

function promtool(dir: string, tests: unknown[]) {
  writeFileSync(join(dir, 'tests.yaml'), stringify({ rule_files: [], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
  const result = spawnSync('promtool', ['test', 'rules', 'tests.yaml'], { cwd: dir, encoding: 'utf8' });
  assert.notEqual((result.error as NodeJS.ErrnoException | undefined)?.code, 'ENOENT', 'promtool is not installed; .ci/run installs it');
  return result;
}

const asTests = (groups: typeof GROUPS) =>
  groups.map((g) => ({
    name: g.name,
    interval: '1m',
    input_series: g.input_series,
    promql_expr_test: Object.entries(g.expect).map(([key, samples]) => ({ expr: expr(key), eval_time: '60m', exp_samples: samples })),
  }));

describe('dashboard PromQL (promtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpu-promql-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every expression evaluates to the hand-worked values', (t) => {
    const result = promtool(dir, asTests(GROUPS));
    t.diagnostic(result.stdout);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  it('every expression of the dashboards is tested, and a wrong expectation fails', () => {
    const tested = new Set(GROUPS.flatMap((g) => Object.keys(g.expect)));
    assert.deepEqual(Object.keys(ALL_PROMQL).filter((k) => !tested.has(k)), []);
    const wrong = structuredClone(GROUPS.slice(0, 1));
    (wrong[0] as (typeof GROUPS)[number]).expect = { 'DCGM.utilByHost': [s('{host="n1"}', 0.4), s('{host="n2"}', 0.5)] };
    assert.equal(promtool(dir, asTests(wrong)).status, 1);
  });
});
