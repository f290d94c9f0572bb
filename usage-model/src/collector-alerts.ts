/**
 * Alert rules on the collector's own metrics: "usage data stops arriving" and its causes. Each is
 * a PromQL expression and a threshold, so the same rule can be rendered for Grafana alerting
 * (query, reduce, threshold) or for Prometheus (`expr > threshold`).
 */
import type { DashboardKey } from './dashboard-ids.js';
import { COLLECTOR_METRICS } from './metrics.js';

export interface PromAlertRule {
  /** Stable id: Grafana's rule uid and Prometheus's alert name. */
  uid: string;
  title: string;
  /** Instant PromQL query; each returned series is one alert instance. */
  expr: string;
  /** Fires while the value compares so with `threshold`. */
  comparison: 'gt' | 'lt';
  threshold: number;
  /** How long the condition must hold before the alert fires (Prometheus duration). */
  for: string;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
  /** Value of the `component` label; the collector's own rules by default. */
  component?: string;
  /**
   * The dashboard the on-call person should open, with template variables filled from the alert's
   * labels (values are Go templates such as `{{ $labels.team }}`).
   */
  dashboard?: { key: DashboardKey; vars: Readonly<Record<string, string>> };
}

export const COLLECTOR_COMPONENT = 'hyperpod-usage-collector';

const m = Object.fromEntries(Object.entries(COLLECTOR_METRICS).map(([k, spec]) => [k, spec.name])) as {
  [K in keyof typeof COLLECTOR_METRICS]: string;
};

/** Longest gap between successful uploads before records count as not arriving (15 flushes). */
export const UPLOAD_STALL_SECONDS = 900;

export const COLLECTOR_ALERT_RULES: readonly PromAlertRule[] = [
  {
    uid: 'hpu-collector-absent',
    title: 'HyperPod usage collector is not scraped',
    expr: `absent(${m.leader})`,
    comparison: 'gt',
    threshold: 0,
    for: '10m',
    severity: 'critical',
    dashboard: { key: 'cluster-overview', vars: {} },
    summary: 'No collector replica has reported metrics for 10 minutes.',
    description:
      'Prometheus has no collector metrics: the Deployment is down or no longer scraped. Usage is not being recorded; workloads admitted meanwhile are recovered from Kubernetes transition times only while their objects still exist.',
  },
  {
    uid: 'hpu-collector-no-leader',
    title: 'No HyperPod usage collector holds the Lease',
    expr: `max by (cluster) (${m.leader})`,
    comparison: 'lt',
    threshold: 1,
    for: '5m',
    severity: 'critical',
    summary: 'Cluster {{ $labels.cluster }}: no collector replica holds the Lease, so nothing is written.',
    description:
      'Replicas are running but none is leader. Check the Lease in the collector namespace and the collector logs for API server or RBAC errors.',
  },
  {
    uid: 'hpu-collector-split-leadership',
    title: 'More than one HyperPod usage collector believes it leads',
    expr: `sum by (cluster) (${m.leader})`,
    comparison: 'gt',
    threshold: 1,
    for: '5m',
    severity: 'warning',
    summary: 'Cluster {{ $labels.cluster }}: {{ $values.B }} replicas report leadership.',
    description:
      'Both replicas write records (object names never collide and the aggregation deduplicates), but a replica that cannot renew its Lease should have stopped. Check clock skew and API server latency.',
  },
  {
    uid: 'hpu-collector-uploads-stalled',
    title: 'HyperPod usage records are not arriving in storage',
    expr: `time() - max by (cluster) (${m.lastUploadSuccess})`,
    comparison: 'gt',
    threshold: UPLOAD_STALL_SECONDS,
    for: '5m',
    severity: 'critical',
    dashboard: { key: 'cluster-overview', vars: { cluster: '{{ $labels.cluster }}' } },
    summary: 'Cluster {{ $labels.cluster }}: no successful upload for {{ humanizeDuration $values.B.Value }}.',
    description:
      'Records wait in the spool and are uploaded once storage answers again; the reports and dashboards lag until then. Check S3 permissions (the Pod Identity association) and the upload failure counter.',
  },
  {
    uid: 'hpu-collector-spool-full',
    title: 'HyperPod usage collector spool is full',
    expr: `max by (cluster) (${m.spoolFull})`,
    comparison: 'gt',
    threshold: 0,
    for: '5m',
    severity: 'warning',
    summary: 'Cluster {{ $labels.cluster }}: the spool is at its limit; new records wait in memory.',
    description:
      'Uploads are failing or too slow for the rate of changes. Records are kept in memory until the spool has room; if the memory buffer fills too, records are dropped and counted.',
  },
  {
    uid: 'hpu-collector-records-dropped',
    title: 'HyperPod usage collector dropped records',
    expr: `sum by (cluster, table) (increase(${m.recordsDropped}[15m]))`,
    comparison: 'gt',
    threshold: 0,
    for: '0s',
    severity: 'critical',
    summary: 'Cluster {{ $labels.cluster }}: {{ $values.B }} {{ $labels.table }} records dropped in 15 minutes.',
    description:
      'Spool and memory buffer were both full. The hourly snapshots restore the state of live objects, but changes in between are lost. Fix uploads, or give the spool more room (--spool-max-bytes and the emptyDir size).',
  },
  {
    uid: 'hpu-collector-flushes-failing',
    title: 'HyperPod usage collector cannot write its spool',
    expr: `sum by (cluster) (increase(${m.flushFailures}[10m]))`,
    comparison: 'gt',
    threshold: 0,
    for: '5m',
    severity: 'critical',
    summary: 'Cluster {{ $labels.cluster }}: {{ $values.B }} flushes failed to write the spool in 10 minutes.',
    description:
      'Writes to the spool volume fail (no space, I/O errors). Records wait in memory and each flush retries; after --max-flush-age without a successful flush /healthz fails and Kubernetes restarts the pod. Check the emptyDir volume and the node\'s disk.',
  },
  {
    uid: 'hpu-collector-spool-quarantined',
    title: 'HyperPod usage collector quarantined unreadable spool files',
    expr: `sum by (cluster) (increase(${m.spoolQuarantined}[1h]))`,
    comparison: 'gt',
    threshold: 0,
    for: '0s',
    severity: 'warning',
    summary: 'Cluster {{ $labels.cluster }}: {{ $values.B }} spool files could not be read and were set aside in the last hour.',
    description:
      'Their records are not uploaded. The files are in <spool-dir>/.quarantine/ for inspection; the log names each one. Unreadable files point at a failing disk.',
  },
  {
    uid: 'hpu-collector-objects-skipped',
    title: 'HyperPod usage collector skips objects it cannot read',
    expr: `sum by (cluster, kind, reason) (increase(${m.objectsSkipped}[1h]))`,
    comparison: 'gt',
    threshold: 0,
    for: '0s',
    severity: 'warning',
    summary: 'Cluster {{ $labels.cluster }}: {{ $values.B }} {{ $labels.kind }} objects skipped in the last hour ({{ $labels.reason }}).',
    description: 'These objects are missing from the usage records. The collector logs one line per skipped object with the reason.',
  },
  {
    uid: 'hpu-collector-heap-near-limit',
    title: 'HyperPod usage collector heap is near its limit',
    expr: `max by (cluster) (${m.heapUsed} / ${m.heapLimit})`,
    comparison: 'gt',
    threshold: 0.85,
    for: '15m',
    severity: 'warning',
    summary: 'Cluster {{ $labels.cluster }}: a collector replica has used {{ $values.B }} of its V8 heap limit for 15 minutes.',
    description:
      'The cluster has outgrown the heap cap (--max-old-space-size in the Deployment\'s NODE_OPTIONS). Raise it with the memory request and limit before the collector stops with "JavaScript heap out of memory" and restarts.',
  },
  {
    uid: 'hpu-collector-watch-restarts',
    title: 'HyperPod usage collector watches keep restarting',
    expr: `sum by (cluster, kind) (increase(${m.watchRestarts}[15m]))`,
    comparison: 'gt',
    threshold: 5,
    for: '15m',
    severity: 'warning',
    summary: 'Cluster {{ $labels.cluster }}: the {{ $labels.kind }} watch restarted {{ $values.B }} times in 15 minutes.',
    description:
      'Each restart relists the objects; records stay correct, but frequent restarts point at API server trouble, a proxy cutting long requests, or missing RBAC.',
  },
];
