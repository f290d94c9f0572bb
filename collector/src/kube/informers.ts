/**
 * Informers that stay up: client-node's informer relists on 410 Gone and re-watches after a clean
 * end of stream, but it stops for good after a network error or a failed list. This wrapper
 * restarts it with exponential backoff and jitter, prunes objects as they enter the cache, and
 * tells when every cache has completed its first list.
 */
import { makeInformer, type Informer, type KubeConfig, type KubernetesObject, type ObjectCache } from '@kubernetes/client-node';
import { sleepReal } from '../clock.js';
import type { Logger } from '../log.js';
import { listCollection, type WatchedKind, type WatchedKindName } from './api.js';
import { pruneObject } from './prune.js';

export type WatchEventType = 'add' | 'update' | 'delete';

export interface InformerEvents {
  /** `fromRelist`: a deletion found by a relist rather than watched, so its time is unknown. */
  onEvent(kind: WatchedKindName, type: WatchEventType, obj: KubernetesObject, fromRelist: boolean): void;
  onRestart?(kind: WatchedKindName, error: unknown): void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 };

/** Full jitter: a uniform wait in [0, min(max, initial × 2^attempt)]; spreads reconnect storms. */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * ceiling);
}

class KindInformer {
  private informer: Informer<KubernetesObject> & ObjectCache<KubernetesObject>;
  private stopped = false;
  private failures = 0;
  private restartAbort = new AbortController();
  /** UIDs a relist found gone; client-node reports them as deletes right after the list. */
  private readonly relistGone = new Set<string>();
  synced = false;

  constructor(
    readonly kind: WatchedKind,
    kubeConfig: KubeConfig,
    private readonly events: InformerEvents,
    private readonly log: Logger,
    private readonly backoff: BackoffOptions,
  ) {
    const listFn = async () => {
      const list = await listCollection(kubeConfig, kind.path);
      const present = new Set<string>();
      for (const item of list.items ?? []) {
        pruneObject(kind.name, item);
        if (item.metadata?.uid) present.add(item.metadata.uid);
      }
      if (this.synced) {
        for (const cached of this.informer.list()) {
          const uid = cached.metadata?.uid;
          if (uid && !present.has(uid)) this.relistGone.add(uid);
        }
      }
      this.synced = true;
      this.failures = 0;
      return list;
    };
    this.informer = makeInformer<KubernetesObject>(kubeConfig, kind.path, listFn);
    const forward = (type: WatchEventType) => (obj: KubernetesObject) => {
      pruneObject(kind.name, obj);
      this.failures = 0;
      const fromRelist = type === 'delete' && this.relistGone.delete(obj.metadata?.uid ?? '');
      this.events.onEvent(kind.name, type, obj, fromRelist);
    };
    this.informer.on('add', forward('add'));
    this.informer.on('update', forward('update'));
    this.informer.on('delete', forward('delete'));
    this.informer.on('error', (err: unknown) => this.restartAfterError(err));
  }

  async start(): Promise<void> {
    await this.informer.start();
  }

  list(): readonly KubernetesObject[] {
    return this.informer.list();
  }

  private restartAfterError(err: unknown): void {
    if (this.stopped) return; // stop() aborts the watch, which reports an AbortError
    const delay = backoffDelay(this.failures++, this.backoff);
    this.log.warn('watch failed; restarting', { kind: this.kind.name, error: err, retryInMs: delay });
    this.events.onRestart?.(this.kind.name, err);
    void sleepReal(delay, this.restartAbort.signal).then(async () => {
      if (this.stopped) return;
      try {
        await this.informer.start();
      } catch (e) {
        this.restartAfterError(e);
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.restartAbort.abort();
    await this.informer.stop();
  }
}

export class InformerSet {
  private readonly informers: Map<WatchedKindName, KindInformer>;

  constructor(
    kinds: readonly WatchedKind[],
    kubeConfig: KubeConfig,
    events: InformerEvents,
    log: Logger,
    backoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    this.informers = new Map(kinds.map((k) => [k.name, new KindInformer(k, kubeConfig, events, log, backoff)]));
  }

  /** Starts every informer; a failed first list is retried in the background like any watch error. */
  async start(): Promise<void> {
    for (const informer of this.informers.values()) await informer.start();
  }

  get synced(): boolean {
    return [...this.informers.values()].every((i) => i.synced);
  }

  /** Objects currently in a kind's cache. */
  list(kind: WatchedKindName): readonly KubernetesObject[] {
    return this.informers.get(kind)?.list() ?? [];
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
