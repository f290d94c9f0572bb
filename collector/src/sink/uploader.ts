/**
 * Drains the spool into the object store: oldest file first, one at a time, retrying a failed
 * upload forever with exponential backoff and full jitter (the spool keeps the data meanwhile).
 * Upload timing is about storage availability, so it runs on real time.
 */
import { sleepReal } from '../clock.js';
import { backoffDelay, type BackoffOptions } from '../kube/informers.js';
import type { Logger } from '../log.js';
import type { ObjectStore } from './object-store.js';
import type { Spool } from './spool.js';

const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface UploadObserver {
  uploaded(key: string, bytes: number): void;
  failed(key: string, error: unknown): void;
  /** A spool file could not be read and was moved aside. */
  quarantined(key: string): void;
}

export class Uploader {
  private stopped = false;
  private wake: () => void = () => undefined;
  private running: Promise<void> | undefined;
  private readonly stopSignal = new AbortController();

  constructor(
    private readonly spool: Spool,
    private readonly store: ObjectStore,
    private readonly log: Logger,
    private readonly observer: UploadObserver,
    private readonly backoff: BackoffOptions = { initialMs: 500, maxMs: 60_000 },
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Wakes the loop after new files were spooled. */
  notify(): void {
    this.wake();
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let next: Awaited<ReturnType<Spool['peek']>>;
      try {
        next = await this.spool.peek();
      } catch (e) {
        await this.quarantine(e);
        continue;
      }
      if (!next) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 1000).unref();
        });
        continue;
      }
      try {
        await this.store.put(next.key, next.body, PARQUET_CONTENT_TYPE);
        await this.spool.removeOldest(next.key);
        if (failures > 0) this.log.info('uploads recovered', { after: failures, store: this.store.description });
        failures = 0;
        this.observer.uploaded(next.key, next.body.length);
      } catch (e) {
        this.observer.failed(next.key, e);
        const delay = backoffDelay(failures++, this.backoff);
        // One line per failure would flood the log during a long outage; powers of two suffice.
        if ((failures & (failures - 1)) === 0) {
          this.log.warn('upload failed; keeping the file in the spool and retrying', {
            key: next.key,
            attempt: failures,
            error: errorText(e),
            retryInMs: delay,
          });
        }
        await sleepReal(delay, this.stopSignal.signal);
      }
    }
  }

  /** The oldest spool file cannot be read: set it aside so the rest still upload. */
  private async quarantine(error: unknown): Promise<void> {
    const key = this.spool.oldestKey;
    if (key === undefined) return;
    const movedTo = await this.spool.quarantineOldest(key);
    this.observer.quarantined(key);
    this.log.error('spool file unreadable: quarantined, not uploaded', { key, error: errorText(error), movedTo: movedTo ?? null });
  }

  /** Waits until the spool is empty or the time is up; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    this.notify();
    while (this.spool.count > 0 && Date.now() < deadline && !this.stopped) await sleepReal(50);
    return this.spool.count === 0;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    this.wake();
    await this.running;
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return status ? `${e.name} (HTTP ${status}): ${e.message}` : `${e.name}: ${e.message}`;
  }
  return String(e);
}
