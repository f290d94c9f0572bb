/**
 * The collector's Prometheus registry: its own health, and live quota per team computed at scrape
 * time from the watched ClusterQueues. Names and labels come from the shared usage model.
 */
import { COLLECTOR_METRICS, QUOTA_METRICS, type MetricSpec } from '@hyperpod-usage/model';
import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Registry } from 'prom-client';
import { quotaSamples, type QuotaSample } from './quota.js';
import type { ClusterState } from './state/cluster-state.js';

type Labels<T extends MetricSpec> = T['labels'][number];

function counter<T extends MetricSpec>(spec: T, registry: Registry): Counter<Labels<T>> {
  return new Counter({ name: spec.name, help: spec.help, labelNames: spec.labels, registers: [registry] });
}

function gauge<T extends MetricSpec>(spec: T, registry: Registry): Gauge<Labels<T>> {
  return new Gauge({ name: spec.name, help: spec.help, labelNames: spec.labels, registers: [registry] });
}

function sampled(spec: MetricSpec, registry: Registry, read: () => number): Gauge {
  return new Gauge({
    name: spec.name,
    help: spec.help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

export class CollectorMetrics {
  readonly registry = new Registry();
  readonly events = counter(COLLECTOR_METRICS.events, this.registry);
  readonly watchRestarts = counter(COLLECTOR_METRICS.watchRestarts, this.registry);
  readonly objectsSkipped = counter(COLLECTOR_METRICS.objectsSkipped, this.registry);
  readonly recordsWritten = counter(COLLECTOR_METRICS.recordsWritten, this.registry);
  readonly bytesWritten = counter(COLLECTOR_METRICS.bytesWritten, this.registry);
  readonly recordsDropped = counter(COLLECTOR_METRICS.recordsDropped, this.registry);
  readonly valuesNulled = counter(COLLECTOR_METRICS.valuesNulled, this.registry);
  readonly flushFailures = counter(COLLECTOR_METRICS.flushFailures, this.registry);
  readonly spoolQuarantined = counter(COLLECTOR_METRICS.spoolQuarantined, this.registry);
  readonly uploads = counter(COLLECTOR_METRICS.uploads, this.registry);
  readonly uploadFailures = counter(COLLECTOR_METRICS.uploadFailures, this.registry);
  readonly spoolBytes = gauge(COLLECTOR_METRICS.spoolBytes, this.registry);
  readonly spoolFull = gauge(COLLECTOR_METRICS.spoolFull, this.registry);
  readonly bufferedRecords = gauge(COLLECTOR_METRICS.bufferedRecords, this.registry);
  readonly bufferedBytes = gauge(COLLECTOR_METRICS.bufferedBytes, this.registry);
  readonly bufferLimitBytes = gauge(COLLECTOR_METRICS.bufferLimitBytes, this.registry);
  readonly lastFlushSuccess = gauge(COLLECTOR_METRICS.lastFlushSuccess, this.registry);
  readonly leader = gauge(COLLECTOR_METRICS.leader, this.registry);
  readonly lastUploadSuccess = gauge(COLLECTOR_METRICS.lastUploadSuccess, this.registry);
  readonly lastFlush = gauge(COLLECTOR_METRICS.lastFlush, this.registry);
  // Heap use against the cap the Deployment sets, read at scrape time: the cap must grow with the cluster.
  readonly heapUsed = sampled(COLLECTOR_METRICS.heapUsed, this.registry, () => getHeapStatistics().used_heap_size);
  readonly heapLimit = sampled(COLLECTOR_METRICS.heapLimit, this.registry, () => getHeapStatistics().heap_size_limit);

  constructor(
    private readonly cluster: string,
    private readonly state: ClusterState,
  ) {
    // One Prometheus (or AMP workspace) often scrapes the collectors of several clusters.
    this.registry.setDefaultLabels({ cluster });
    this.quotaGauges();
  }

  private quotaGauges(): void {
    // One computation per scrape, shared by the gauges below.
    let cached: { at: number; samples: QuotaSample[] } | undefined;
    const samples = (): QuotaSample[] => {
      const now = Date.now();
      if (!cached || now - cached.at > 1000) cached = { at: now, samples: quotaSamples(this.state) };
      return cached.samples;
    };
    const cluster = this.cluster;
    const quotaGauge = (spec: MetricSpec, value: (s: QuotaSample) => number | null) =>
      new Gauge({
        name: spec.name,
        help: spec.help,
        labelNames: spec.labels,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const s of samples()) {
            const v = value(s);
            if (v === null) continue;
            this.set(
              {
                cluster,
                team: s.team,
                cluster_queue: s.clusterQueue,
                cohort: s.cohort,
                flavor: s.flavor,
                instance_type: s.instanceType,
                resource: s.resource,
              },
              v,
            );
          }
        },
      });
    quotaGauge(QUOTA_METRICS.nominal, (s) => s.nominal);
    quotaGauge(QUOTA_METRICS.usage, (s) => s.usage);
    quotaGauge(QUOTA_METRICS.borrowed, (s) => s.borrowed);
    quotaGauge(QUOTA_METRICS.lent, (s) => s.lent);
    quotaGauge(QUOTA_METRICS.borrowingLimit, (s) => s.borrowingLimit);
    quotaGauge(QUOTA_METRICS.lendingLimit, (s) => s.lendingLimit);
    const state = this.state;
    new Gauge({
      name: QUOTA_METRICS.workloads.name,
      help: QUOTA_METRICS.workloads.help,
      labelNames: QUOTA_METRICS.workloads.labels,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const cq of state.clusterQueues.values()) {
          const labels = { cluster, team: state.teams.teamOfClusterQueue(cq.meta.name), cluster_queue: cq.meta.name };
          this.set({ ...labels, state: 'admitted' }, cq.admittedWorkloads ?? 0);
          this.set({ ...labels, state: 'pending' }, cq.pendingWorkloads ?? 0);
        }
      },
    });
  }
}
