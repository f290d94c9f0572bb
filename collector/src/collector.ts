/**
 * The collector service: watch caches → cluster state → records (while leading) → spool →
 * storage, with metrics and health endpoints. Wires the parts together and runs the timers.
 */
import { randomBytes } from 'node:crypto';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { HOUR_MS, hourStart } from '@hyperpod-usage/model';
import { sleep, systemClock, type Clock } from './clock.js';
import type { CollectorConfig } from './config.js';
import { resolveKueueVersion, watchedKinds, type WatchedKindName } from './kube/api.js';
import { InformerSet, type WatchBackoffOptions, type WatchEventType } from './kube/informers.js';
import type { Logger } from './log.js';
import { CollectorMetrics } from './metrics.js';
import { Recorder, defaultBufferLimitBytes } from './recorder.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { openObjectStore, type ObjectStore, type StoreOptions } from './sink/object-store.js';
import { Spool } from './sink/spool.js';
import { Uploader } from './sink/uploader.js';
import { ClusterState } from './state/cluster-state.js';
import { COLLECTOR_VERSION } from './version.js';

export interface LeadershipCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

export interface Leadership {
  start(): void;
  /** Stops campaigning; releases the lease if held unless `release` is false (a crash keeps it). */
  stop(release?: boolean): Promise<void>;
}

export type LeadershipFactory = (callbacks: LeadershipCallbacks) => Leadership;

/** Without leader election the single replica leads from the start. */
export const alwaysLeader: LeadershipFactory = (callbacks) => ({
  start: () => callbacks.onStartedLeading(),
  stop: async () => undefined,
});

export type CollectorSettings = Pick<
  CollectorConfig,
    | 'clusterName'
  | 'storage'
  | 'flushIntervalMs'
  | 'spoolDir'
  | 'spoolMaxBytes'
  | 'teamMapping'
  | 'metricsAddress'
  | 'metricsPort'
  | 'identity'
  | 'kueueVersion'
> &
  Partial<Pick<CollectorConfig, 'maxFlushAgeMs' | 'probePort'>>;

/** Default of --max-flush-age: a leader that wrote nothing for this long is restarted by its liveness probe. */
export const DEFAULT_MAX_FLUSH_AGE_MS = 10 * 60_000;

export interface CollectorDeps {
  kubeConfig: KubeConfig;
  log: Logger;
  clock?: Clock;
  leadership?: LeadershipFactory;
  /** Replaces the store the storage URL names (tests). */
  store?: ObjectStore;
  storeOptions?: StoreOptions;
  /** Watch restart backoff (tests shorten it). */
  watchBackoff?: WatchBackoffOptions;
}

export class Collector {
  readonly state: ClusterState;
  readonly metrics: CollectorMetrics;
  readonly writerId: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly spool: Spool;
  private readonly uploader: Uploader;
  private readonly recorder: Recorder;
  private readonly leadership: Leadership;
  private informers: InformerSet | undefined;
  private server: RunningHttpServer | undefined;
  private leading = false;
  /** True once every cache has completed its first list: from then on events are changes. */
  private live = false;
  private stopped = false;
  private readonly stopSignal = new AbortController();
  private loop: Promise<void> | undefined;
  private lastLoopRealMs = Date.now();
  /** Real time of the last flush that wrote all it had, or of becoming leader. */
  private lastFlushOkRealMs = Date.now();
  private probeServer: RunningHttpServer | undefined;

  constructor(
    private readonly settings: CollectorSettings,
    private readonly deps: CollectorDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log;
    this.writerId = `${settings.identity.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100)}-${randomBytes(3).toString('hex')}`;
    this.state = new ClusterState(settings.teamMapping, deps.log, (kind, reason) =>
      this.metrics.objectsSkipped.inc({ kind, reason }),
    );
    this.metrics = new CollectorMetrics(settings.clusterName, this.state);
    this.spool = new Spool(settings.spoolDir, settings.spoolMaxBytes);
    const store = deps.store ?? openObjectStore(settings.storage, deps.storeOptions);
    this.uploader = new Uploader(this.spool, store, deps.log, {
      uploaded: () => {
        this.metrics.uploads.inc();
        this.metrics.lastUploadSuccess.set(Date.now() / 1000);
        this.metrics.spoolBytes.set(this.spool.bytes);
      },
      failed: () => this.metrics.uploadFailures.inc(),
      quarantined: () => {
        this.metrics.spoolQuarantined.inc();
        this.metrics.spoolBytes.set(this.spool.bytes);
      },
    });
    const bufferLimitBytes = defaultBufferLimitBytes();
    this.metrics.bufferLimitBytes.set(bufferLimitBytes);
    this.recorder = new Recorder({
      cluster: settings.clusterName,
      writerId: this.writerId,
      version: COLLECTOR_VERSION,
      flushIntervalMs: settings.flushIntervalMs,
      state: this.state,
      clock: this.clock,
      log: deps.log,
      output: {
        write: async (key, body) => {
          await this.spool.add(key, body);
          this.metrics.spoolBytes.set(this.spool.bytes);
          this.uploader.notify();
        },
        freeBytes: () => this.spool.freeBytes,
      },
      observer: {
        written: (table, records, bytes) => {
          this.metrics.recordsWritten.inc({ table }, records);
          this.metrics.bytesWritten.inc({ table }, bytes);
        },
        dropped: (table, records) => this.metrics.recordsDropped.inc({ table }, records),
        buffered: (records, bytes) => {
          this.metrics.bufferedRecords.set(records);
          this.metrics.bufferedBytes.set(bytes);
        },
        spoolFull: (full) => this.metrics.spoolFull.set(full ? 1 : 0),
        valuesNulled: (table, column, count) => this.metrics.valuesNulled.inc({ table, column }, count),
        flushFailed: () => this.metrics.flushFailures.inc(),
      },
      maxBufferedBytes: bufferLimitBytes,
    });
    this.leadership = (deps.leadership ?? alwaysLeader)({
      onStartedLeading: () => this.startedLeading(),
      onStoppedLeading: () => this.stoppedLeading(),
    });
  }

  /** Address of the metrics (and, without a separate probe port, health) endpoints once started. */
  get url(): string | undefined {
    return this.server?.url;
  }

  /** Address of /healthz and /readyz once started. */
  get probeUrl(): string | undefined {
    return (this.probeServer ?? this.server)?.url;
  }

  /**
   * Liveness: the timer loop runs, and a leader has flushed successfully within --max-flush-age.
   * A leader whose flushes keep failing (spool disk broken) is restarted; a standby writes nothing.
   */
  private healthy(): boolean {
    const now = Date.now();
    const loopAlive = now - this.lastLoopRealMs < 2 * this.clock.realDelay(this.settings.flushIntervalMs) + 30_000;
    const flushing = !this.leading || now - this.lastFlushOkRealMs < (this.settings.maxFlushAgeMs ?? DEFAULT_MAX_FLUSH_AGE_MS);
    return loopAlive && flushing;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Synced and leading: the start-up snapshot is taken and changes are recorded. */
  get recording(): boolean {
    return this.live && this.leading;
  }

  get ready(): boolean {
    return this.informers?.synced ?? false;
  }

  async start(): Promise<void> {
    const pending = await this.spool.open();
    this.metrics.spoolBytes.set(this.spool.bytes);
    if (pending > 0) this.log.info('resuming uploads left in the spool', { files: pending, bytes: this.spool.bytes });
    this.uploader.start();
    const metrics = async () => ({ contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() });
    const probes = { healthy: () => this.healthy(), ready: () => this.ready };
    const separateProbes = this.settings.probePort !== undefined;
    this.server = await startHttpServer(this.settings.metricsAddress, this.settings.metricsPort, separateProbes ? { metrics } : { metrics, ...probes });
    if (separateProbes) this.probeServer = await startHttpServer(this.settings.metricsAddress, this.settings.probePort ?? 0, probes);
    const kueueVersion = await resolveKueueVersion(this.deps.kubeConfig, this.settings.kueueVersion);
    this.log.info('starting collector', {
      cluster: this.settings.clusterName,
      writer: this.writerId,
      kueue: kueueVersion,
      storage: this.deps.store?.description ?? this.settings.storage,
      metrics: this.server.url,
      ...(this.probeServer ? { probes: this.probeServer.url } : {}),
    });
    this.informers = new InformerSet(
      watchedKinds(kueueVersion),
      this.deps.kubeConfig,
      {
        onEvent: (kind, type, obj, fromRelist) => this.onEvent(kind, type, obj, fromRelist),
        onRestart: (kind) => this.metrics.watchRestarts.inc({ kind }),
      },
      this.log,
      this.deps.watchBackoff,
    );
    await this.informers.start();
    this.leadership.start();
    this.loop = this.run();
  }

  private onEvent(kind: WatchedKindName, type: WatchEventType, obj: KubernetesObject, fromRelist: boolean): void {
    this.metrics.events.inc({ kind, type });
    const typed = this.state.apply(kind, type, obj, fromRelist);
    if (typed && this.leading && this.live) this.recorder.recordChange(typed, type, fromRelist);
  }

  private startedLeading(): void {
    this.leading = true;
    this.lastFlushOkRealMs = Date.now();
    this.metrics.leader.set(1);
    this.log.info('leading: writing records', { writer: this.writerId });
    if (this.live) this.snapshotNow();
  }

  private stoppedLeading(): void {
    if (!this.leading) return;
    this.leading = false;
    this.metrics.leader.set(0);
    const discarded = this.recorder.discardBuffered();
    this.log.warn('lost leadership: stopped writing', { discardedRecords: discarded });
  }

  /** A snapshot at the current time, written at once (on becoming live or leader). */
  private snapshotNow(): void {
    const at = this.clock.now();
    const records = this.recorder.recordSnapshot(at);
    this.log.info('wrote start-up snapshot', { at: new Date(at).toISOString(), records });
    void this.flush(at, false);
  }

  private async flush(at: number, heartbeat: boolean): Promise<void> {
    try {
      await this.recorder.flush(at, heartbeat);
      this.metrics.lastFlush.set(at / 1000);
      this.lastFlushOkRealMs = Date.now();
      this.metrics.lastFlushSuccess.set(this.lastFlushOkRealMs / 1000);
    } catch (e) {
      this.log.error('flush failed; records stay buffered and the next flush retries', { error: e, bufferedRecords: this.recorder.buffered });
    }
  }

  private async run(): Promise<void> {
    const interval = this.settings.flushIntervalMs;
    while (!this.stopped && !this.live) {
      if (this.informers?.synced) {
        this.live = true;
        this.log.info('watch caches synced', {
          workloads: this.state.workloads.size,
          clusterQueues: this.state.clusterQueues.size,
          nodes: this.state.nodes.size,
          pods: this.state.pods.size,
        });
        if (this.leading) this.snapshotNow();
      } else {
        await sleep(systemClock, 100, this.stopSignal.signal);
      }
    }
    let nextFlush = this.clock.now() + interval;
    let nextSnapshot = hourStart(this.clock.now()) + HOUR_MS;
    while (!this.stopped) {
      this.lastLoopRealMs = Date.now();
      const now = this.clock.now();
      const due = Math.min(nextFlush, nextSnapshot);
      if (now < due) {
        await sleep(this.clock, due - now, this.stopSignal.signal);
        continue;
      }
      if (now >= nextSnapshot) {
        // When the loop runs late, one snapshot at the latest boundary stands for the missed ones.
        const at = hourStart(now);
        if (this.leading) {
          this.recorder.recordSnapshot(at);
          await this.flush(at, false);
        }
        nextSnapshot = at + HOUR_MS;
      } else if (this.leading) {
        await this.flush(now, true);
      }
      if (now >= nextFlush) nextFlush = now + interval;
    }
  }

  /**
   * Graceful stop: a last flush while still leading, then stop watching, upload what the spool
   * holds (bounded wait), and release the lease so a standby takes over at once.
   */
  async stop(drainTimeoutMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopSignal.abort();
    await this.loop;
    if (this.leading && this.live) await this.flush(this.clock.now(), true);
    await this.informers?.stop();
    const drained = await this.uploader.drain(drainTimeoutMs);
    if (!drained) this.log.warn('stopping with files left in the spool; they upload on the next start', { files: this.spool.count });
    await this.uploader.stop();
    await this.leadership.stop();
    this.leading = false;
    await this.server?.close();
    await this.probeServer?.close();
  }

  /** Stops at once without a final flush or upload: what a crash looks like (tests). */
  async kill(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    await this.loop;
    await this.leadership.stop(false);
    this.leading = false;
    await this.informers?.stop();
    await this.uploader.stop();
    await this.server?.close();
    await this.probeServer?.close();
  }
}
