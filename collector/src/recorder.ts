/**
 * Turns cluster changes into raw usage records and writes them, per table and hour partition, as
 * Parquet files into the spool.
 *
 * - A change record when a recorded field of an object changes (kubelet heartbeats and other
 *   noise do not make records). Its timestamp is the Kubernetes transition time that caused the
 *   change when Kubernetes states one, so usage survives a collector outage; else the time seen.
 * - A snapshot of every live object at each hour boundary and whenever this replica starts
 *   leading, so every hour partition is self-contained.
 * - A heartbeat at every flush; snapshot heartbeats say a full snapshot carries their timestamp.
 */
import { RAW_TABLES, rawPartitionPath, HOUR_MS, type RawTableName } from '@hyperpod-usage/model';
import type { Clock } from './clock.js';
import type { Logger } from './log.js';
import type { Pod, Workload } from './kube/objects.js';
import {
  clusterQueueRows,
  heartbeatRow,
  nodeRow,
  podRow,
  workloadRows,
  type RecordKind,
  type Row,
  type RowContext,
} from './records/rows.js';
import type { ClusterState, TypedObject } from './state/cluster-state.js';
import { getHeapStatistics } from 'node:v8';
import { encodeParquet } from './sink/parquet.js';
import { SpoolFullError } from './sink/spool.js';

/** Finished workloads and pods stay in snapshots this long, so short tasks survive a failover. */
const RECENTLY_FINISHED_MS = 2 * HOUR_MS;
/** A transition time further ahead of our clock than this is clock skew, not a real time. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface RecordOutput {
  /** Stores one Parquet file; throws SpoolFullError when there is no room. */
  write(key: string, body: Uint8Array): Promise<void>;
  /** Bytes the output can still take; lets a flush skip encoding while a full spool has not drained. */
  freeBytes?(): number;
}

/** Rows per Parquet file at most: bounds the encoder's memory when a large backlog is written. */
const MAX_ROWS_PER_FILE = 10_000;

export interface RecorderObserver {
  written(table: RawTableName, records: number, bytes: number): void;
  dropped(table: RawTableName, records: number): void;
  buffered(records: number, bytes: number): void;
  spoolFull(full: boolean): void;
  /** A value its Parquet column cannot hold was written as null. */
  valuesNulled(table: RawTableName, column: string, count: number): void;
  /** A flush failed; its records stay buffered for the next one. */
  flushFailed(error: unknown): void;
}

/** Share of the V8 heap limit that buffered records may take; the rest is caches, parsing, Parquet encoding. */
const BUFFER_SHARE_OF_HEAP = 0.15;

/** The default bound of the in-memory buffer, in estimated heap bytes. */
export function defaultBufferLimitBytes(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.floor(heapLimitBytes * BUFFER_SHARE_OF_HEAP);
}

/**
 * Estimated heap bytes of one buffered row (a plain object of about 30-60 cells). The constants
 * come from collector/bench/buffer-memory.ts, which measures the real heap cost per record and
 * prints it beside this estimate.
 */
export function estimateRowBytes(row: Row): number {
  let bytes = ROW_BASE_BYTES;
  for (const key in row) {
    const v = row[key];
    bytes += CELL_BYTES;
    if (typeof v === 'string') bytes += STRING_BASE_BYTES + v.length;
    else if (typeof v === 'bigint') bytes += BIGINT_BYTES;
  }
  return bytes;
}
const ROW_BASE_BYTES = 300;
const CELL_BYTES = 36;
const STRING_BASE_BYTES = 16;
const BIGINT_BYTES = 24;

export interface RecorderOptions {
  cluster: string;
  writerId: string;
  version: string;
  flushIntervalMs: number;
  state: ClusterState;
  clock: Clock;
  log: Logger;
  output: RecordOutput;
  observer?: Partial<RecorderObserver>;
  /** Records held in memory while the spool is full before the oldest are dropped (loudly). */
  maxBufferedRecords?: number;
  /** Estimated heap bytes of buffered records before the oldest are dropped; default 15% of the heap limit. */
  maxBufferedBytes?: number;
}

interface Batch {
  table: RawTableName;
  partition: string;
  rows: Row[];
  bytes: number;
}

interface Seen {
  /** Hash of the recorded content. */
  signature: number;
  /** Hash of the transitions Kubernetes states (conditions and their times, start, finish, deletion). */
  transitions: number;
}

export class Recorder {
  private buffer = new Map<string, Batch>();
  private bufferedCount = 0;
  private bufferedByteCount = 0;
  private readonly seen = new Map<string, Seen>();
  private sequence = 0;
  private spoolIsFull = false;
  /** Free bytes the output reported when it last refused a file for lack of room. */
  private fullAtFreeBytes: number | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RecorderOptions) {}

  /** Records a watched change. Deletions found only by a relist have no known time (deletedAt null). */
  recordChange(typed: TypedObject, type: 'add' | 'update' | 'delete', fromRelist = false): void {
    if (!producesRecords(typed)) return;
    const now = this.options.clock.now();
    const uid = typed.object.meta.uid;
    if (type === 'delete') {
      const deletedAt = typed.object.meta.deletionMs ?? (fromRelist ? null : now);
      this.seen.delete(uid);
      this.add(typed, this.context('delete', deletedAt ?? now, now, deletedAt));
      return;
    }
    const stated = statedTransitions(typed);
    const transitions = hashText(JSON.stringify(stated));
    const previous = this.seen.get(uid);
    const latest = stated.reduce<number | null>((max, [, t]) => (t !== null && (max === null || t > max) ? t : max), null);
    // A change that came with a new Kubernetes transition happened at that transition's time.
    const causedByTransition = latest !== null && latest <= now + MAX_CLOCK_SKEW_MS && previous?.transitions !== transitions;
    const ctx = this.context('change', causedByTransition ? latest : now, now, typed.object.meta.deletionMs);
    const rows = buildRows(typed, ctx);
    const signature = signatureOf(rows);
    if (previous && previous.signature === signature) return;
    this.seen.set(uid, { signature, transitions });
    this.push(typed, rows);
  }

  /** Records every live object with the given time. */
  recordSnapshot(at: number): number {
    const { state } = this.options;
    const now = this.options.clock.now();
    const ctx = this.context('snapshot', at, now, null);
    let count = 0;
    const snap = (typed: TypedObject) => {
      const rows = buildRows(typed, { ...ctx, deletedAt: typed.object.meta.deletionMs });
      this.seen.set(typed.object.meta.uid, {
        signature: signatureOf(rows),
        transitions: hashText(JSON.stringify(statedTransitions(typed))),
      });
      this.push(typed, rows);
      count += rows.length;
    };
    for (const object of state.clusterQueues.values()) snap({ kind: 'ClusterQueue', object });
    for (const object of state.nodes.values()) snap({ kind: 'Node', object });
    for (const object of state.workloads.values()) if (stillRelevant(finishedAtOfWorkload(object), at)) snap({ kind: 'Workload', object });
    for (const object of state.pods.values()) if (stillRelevant(finishedAtOfPod(object), at)) snap({ kind: 'Pod', object });
    this.pushRows('heartdub', at, [this.heartbeat(at, true)]);
    return count;
  }

  /**
   * Writes everything buffered (plus a heartbeat at `at` unless a snapshot just wrote one) to the
   * spool. Flushes run one at a time. Rows that do not fit wait in memory for the next flush.
   */
  flush(at: number, heartbeat = true): Promise<void> {
    const run = this.flushing.then(() => this.flushNow(at, heartbeat));
    // A failed flush must not stop the ones after it: the chain goes on, the caller sees the error.
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Forgets buffered records (after losing leadership: the next leader's snapshot covers them). */
  discardBuffered(): number {
    const n = this.bufferedCount;
    this.buffer.clear();
    this.bufferedCount = 0;
    this.bufferedByteCount = 0;
    this.options.observer?.buffered?.(0, 0);
    return n;
  }

  get buffered(): number {
    return this.bufferedCount;
  }

  /** Estimated heap bytes of the buffered records. */
  get bufferedBytes(): number {
    return this.bufferedByteCount;
  }

  // ---------------------------------------------------------------------------------------------

  private async flushNow(at: number, heartbeat: boolean): Promise<void> {
    if (heartbeat) this.pushRows('heartdub', at, [this.heartbeat(at, false)]);
    const batches = [...this.buffer.values()];
    this.buffer = new Map();
    this.bufferedCount = 0;
    this.bufferedByteCount = 0;
    // While the spool stays as full as when it refused a file, encoding would only be thrown away.
    let full = this.fullAtFreeBytes !== undefined && (this.options.output.freeBytes?.() ?? Number.POSITIVE_INFINITY) <= this.fullAtFreeBytes;
    let failure: unknown;
    for (const whole of batches) {
      for (const batch of full || failure !== undefined ? [whole] : splitBatch(whole)) {
        if (full || failure !== undefined) {
          this.requeue(batch);
          continue;
        }
        const body = this.encode(batch);
        if (!body) continue;
        full = await this.writeOrRequeue(batch, body, (e) => (failure = e));
      }
    }
    this.fullAtFreeBytes = full ? (this.options.output.freeBytes?.() ?? undefined) : undefined;
    this.setSpoolFull(full);
    this.enforceBufferLimit();
    this.options.observer?.buffered?.(this.bufferedCount, this.bufferedByteCount);
    if (failure !== undefined) {
      this.options.observer?.flushFailed?.(failure);
      throw failure;
    }
  }

  /** Writes one file; on a full spool or a write error (ENOSPC, EIO) keeps the records for the next flush. Returns true when full. */
  private async writeOrRequeue(batch: Batch, body: Uint8Array, failed: (e: unknown) => void): Promise<boolean> {
    const key = `${batch.partition}/${this.options.writerId}-${String(this.sequence++).padStart(8, '0')}.parquet`;
    try {
      await this.options.output.write(key, body);
      this.options.observer?.written?.(batch.table, batch.rows.length, body.length);
      return false;
    } catch (e) {
      this.requeue(batch);
      if (e instanceof SpoolFullError) return true;
      failed(e);
      return false;
    }
  }

  /**
   * Parquet for one batch. Unrepresentable values become nulls (counted, logged). Anything else
   * the encoder throws would throw again on every retry, so that batch is dropped, loudly.
   */
  private encode(batch: Batch): Uint8Array | undefined {
    const nulled = new Map<string, number>();
    try {
      const body = encodeParquet(RAW_TABLES[batch.table], batch.rows, `hyperpod-usage-collector ${this.options.version}`, (column) =>
        nulled.set(column, (nulled.get(column) ?? 0) + 1),
      );
      if (nulled.size > 0) {
        for (const [column, count] of nulled) this.options.observer?.valuesNulled?.(batch.table, column, count);
        this.options.log.warn('values out of range for their column written as null', {
          table: batch.table,
          columns: Object.fromEntries(nulled),
        });
      }
      return body;
    } catch (e) {
      this.options.observer?.dropped?.(batch.table, batch.rows.length);
      this.options.observer?.flushFailed?.(e);
      this.options.log.error('dropping records the Parquet encoder cannot write', {
        table: batch.table,
        partition: batch.partition,
        records: batch.rows.length,
        error: e,
      });
      return undefined;
    }
  }

  private setSpoolFull(full: boolean): void {
    if (full === this.spoolIsFull) return;
    this.spoolIsFull = full;
    this.options.observer?.spoolFull?.(full);
    if (full) {
      this.options.log.error('spool full: keeping records in memory until uploads make room', {
        bufferedRecords: this.bufferedCount,
      });
    } else {
      this.options.log.info('spool has room again; buffered records written');
    }
  }

  /** Last resort while storage stays down and the spool is full: drop the oldest, and say so. */
  private enforceBufferLimit(): void {
    const limit = this.options.maxBufferedRecords ?? Number.POSITIVE_INFINITY;
    const byteLimit = this.options.maxBufferedBytes ?? defaultBufferLimitBytes();
    const over = () => this.bufferedCount > limit || this.bufferedByteCount > byteLimit;
    if (!over()) return;
    // Oldest first: batches in insertion order, rows in arrival order within each.
    for (const [key, batch] of [...this.buffer.entries()]) {
      if (!over()) break;
      let drop = 0;
      let droppedBytes = 0;
      while (drop < batch.rows.length && (this.bufferedCount - drop > limit || this.bufferedByteCount - droppedBytes > byteLimit)) {
        droppedBytes += estimateRowBytes(batch.rows[drop] as Row);
        drop++;
      }
      if (drop === batch.rows.length) this.buffer.delete(key);
      else batch.rows.splice(0, drop);
      batch.bytes -= droppedBytes;
      this.bufferedCount -= drop;
      this.bufferedByteCount -= droppedBytes;
      this.options.observer?.dropped?.(batch.table, drop);
      this.options.log.error('dropping records: spool and memory buffer are full', {
        table: batch.table,
        partition: batch.partition,
        records: drop,
        bufferedBytes: this.bufferedByteCount,
        limitBytes: byteLimit,
      });
    }
  }

  private requeue(batch: Batch): void {
    this.pushRows(batch.table, null, batch.rows, batch.partition);
  }

  private context(recordKind: RecordKind, timestamp: number, observedAt: number, deletedAt: number | null): RowContext {
    return { state: this.options.state, writerId: this.options.writerId, recordKind, timestamp, observedAt, deletedAt };
  }

  private add(typed: TypedObject, ctx: RowContext): void {
    this.push(typed, buildRows(typed, ctx));
  }

  private push(typed: TypedObject, rows: Row[]): void {
    const table = tableOf(typed);
    if (!table || rows.length === 0) return;
    const timestamp = rows[0]?.timestamp as number;
    this.pushRows(table, timestamp, rows);
  }

  private pushRows(table: RawTableName, timestamp: number | null, rows: Row[], partition?: string): void {
    const path = partition ?? rawPartitionPath(table, timestamp as number, this.options.cluster);
    const key = `${table}|${path}`;
    const batch = this.buffer.get(key) ?? { table, partition: path, rows: [], bytes: 0 };
    let bytes = 0;
    for (const row of rows) {
      batch.rows.push(row);
      bytes += estimateRowBytes(row);
    }
    batch.bytes += bytes;
    this.buffer.set(key, batch);
    this.bufferedCount += rows.length;
    this.bufferedByteCount += bytes;
  }

  private heartbeat(at: number, snapshot: boolean): Row {
    const o = this.options;
    return heartbeatRow(at, o.writerId, o.version, snapshot, o.flushIntervalMs);
  }
}

function splitBatch(batch: Batch): Batch[] {
  if (batch.rows.length <= MAX_ROWS_PER_FILE) return [batch];
  const parts: Batch[] = [];
  for (let i = 0; i < batch.rows.length; i += MAX_ROWS_PER_FILE) {
    const rows = batch.rows.slice(i, i + MAX_ROWS_PER_FILE);
    parts.push({ table: batch.table, partition: batch.partition, rows, bytes: rows.reduce((n, r) => n + estimateRowBytes(r), 0) });
  }
  return parts;
}

function producesRecords(typed: TypedObject): boolean {
  return tableOf(typed) !== undefined;
}

function tableOf(typed: TypedObject): RawTableName | undefined {
  switch (typed.kind) {
    case 'ClusterQueue':
      return 'clusterqueue';
    case 'Workload':
      return 'workload';
    case 'Pod':
      return 'pod';
    case 'Node':
      return 'node';
    default:
      return undefined;
  }
}

function buildRows(typed: TypedObject, ctx: RowContext): Row[] {
  switch (typed.kind) {
    case 'ClusterQueue':
      return clusterQueueRows(typed.object, ctx);
    case 'Workload':
      return workloadRows(typed.object, ctx);
    case 'Pod':
      return [podRow(typed.object, ctx)];
    case 'Node':
      return [nodeRow(typed.object, ctx)];
    default:
      return [];
  }
}

/** The transitions Kubernetes states for an object, as (what, when) pairs. */
function statedTransitions(typed: TypedObject): Array<[string, number | null]> {
  const out: Array<[string, number | null]> = [['deleted', typed.object.meta.deletionMs]];
  switch (typed.kind) {
    case 'Workload':
    case 'Pod':
      for (const [type, c] of typed.object.conditions) out.push([`${type}=${c.status}`, c.transitionMs]);
      if (typed.kind === 'Pod') out.push(['started', typed.object.startMs], ['finished', typed.object.finishedMs]);
      break;
    case 'Node':
      out.push([`Ready=${typed.object.ready}`, typed.object.readyTransitionMs]);
      break;
    default:
      break;
  }
  return out;
}

function finishedAtOfWorkload(wl: Workload): number | null {
  const finished = wl.conditions.get('Finished');
  return finished?.status === 'True' ? (finished.transitionMs ?? 0) : null;
}

function finishedAtOfPod(pod: Pod): number | null {
  return pod.phase === 'Succeeded' || pod.phase === 'Failed' ? (pod.finishedMs ?? 0) : null;
}

function stillRelevant(finishedAt: number | null, at: number): boolean {
  return finishedAt === null || finishedAt >= at - RECENTLY_FINISHED_MS;
}

const VOLATILE_COLUMNS = new Set(['timestamp', 'resource_version', 'observed_at', 'record_kind', 'writer_id']);

/** Hash of the recorded content, without the fields that change every time. */
function signatureOf(rows: readonly Row[]): number {
  return hashText(
    JSON.stringify(rows, (key, value: unknown) => (VOLATILE_COLUMNS.has(key) ? undefined : typeof value === 'bigint' ? value.toString() : value)),
  );
}

/** 53-bit string hash (cyrb53). A collision would make one real change look unchanged; at 2^-53 per comparison, acceptable. */
function hashText(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
