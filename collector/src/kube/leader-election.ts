/**
 * Lease-based leader election with client-go's algorithm (tools/leaderelection): candidates race to
 * hold one coordination.k8s.io/v1 Lease; the holder renews it every retry period and gives up
 * leadership as soon as it cannot renew within the renew deadline; the others take over once they
 * have seen the Lease unchanged for its whole duration.
 *
 * Safety comes from two rules. Expiry is judged by when *this* process last saw the Lease change
 * (its own clock), never by the holder's renewTime, so clock skew between nodes does not matter.
 * And a leader stops at renewDeadline after its last successful renewal, while the others wait
 * leaseDuration (> renewDeadline) after they last saw that renewal.
 *
 * Leases measure process liveness, so this module uses real time only, never a simulated clock.
 */
import {
  ApiException,
  CoordinationV1Api,
  Observable,
  V1MicroTime,
  type ConfigurationOptions,
  type KubeConfig,
  type ObservableMiddleware,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import { sleepReal } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';

export interface LeaderElectionOptions {
  /** How to reach the API server: a KubeConfig, or a ready API client. */
  kubeConfig?: KubeConfig;
  api?: CoordinationV1Api;
  namespace: string;
  /** Name of the Lease. */
  name: string;
  /** Unique per candidate, e.g. the pod name. */
  identity: string;
  /** How long others wait after last seeing the Lease change before taking it over. Default 15000. */
  leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal. Default 10000. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2000. */
  retryPeriodMs?: number;
  /** On stop(), hand the Lease back so another candidate can take over at once. Default true. */
  releaseOnStop?: boolean;
  log?: Logger;
}

/** client-go's JitterFactor: acquire attempts wait retryPeriod × [1, 2.2). */
const JITTER_FACTOR = 1.2;
/** Release attempts when the Lease was changed under us (409) in the meantime. */
const RELEASE_ATTEMPTS = 3;

type Listener<A extends unknown[]> = (...args: A) => void | Promise<void>;

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  private readonly name: string;
  private readonly identity: string;
  private readonly leaseDurationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly releaseOnStop: boolean;
  private readonly log: Logger;

  private readonly startedListeners = new Set<Listener<[]>>();
  private readonly stoppedListeners = new Set<Listener<[]>>();
  private readonly newLeaderListeners = new Set<Listener<[string]>>();

  private leading = false;
  /** The Lease last read or written: the base of the next update, for its resourceVersion. */
  private lease?: V1Lease;
  /** The Lease's holder record as last seen, and when it was first seen (local clock). */
  private observed?: { record: string; at: number };
  private reportedLeader?: string;
  private lastError?: string;
  private running?: Promise<void>;
  private stopController?: AbortController;
  /** Whether the current stop() releases the Lease; decided by stop()'s caller. */
  private releaseOnThisStop = true;

  constructor(options: LeaderElectionOptions) {
    const leaseDurationMs = options.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = options.retryPeriodMs ?? 2_000;
    validate(options, leaseDurationMs, renewDeadlineMs, retryPeriodMs);
    this.api = options.api ?? options.kubeConfig!.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity;
    // The Lease holds whole seconds; rounding up only makes others wait longer, never shorter.
    this.leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
    this.renewDeadlineMs = renewDeadlineMs;
    this.retryPeriodMs = retryPeriodMs;
    this.releaseOnStop = options.releaseOnStop ?? true;
    this.log = (options.log ?? silentLogger).child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  /** Called when this candidate becomes leader. Returns a function that removes the listener. */
  onStartedLeading(listener: () => void | Promise<void>): () => void {
    return subscribe(this.startedListeners, listener);
  }

  /** Called as soon as this candidate stops leading: renewal failed, the Lease was lost, or stop(). */
  onStoppedLeading(listener: () => void | Promise<void>): () => void {
    return subscribe(this.stoppedListeners, listener);
  }

  /** Called when the Lease is seen with a new holder (this candidate included). */
  onNewLeader(listener: (identity: string) => void | Promise<void>): () => void {
    return subscribe(this.newLeaderListeners, listener);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease, if any. */
  get leader(): string | undefined {
    return this.lease?.spec?.holderIdentity || undefined;
  }

  /** Starts campaigning in the background; does nothing if already started. */
  start(): void {
    if (this.running) return;
    const stop = new AbortController();
    this.stopController = stop;
    this.releaseOnThisStop = this.releaseOnStop;
    this.running = this.campaign(stop.signal);
  }

  /**
   * Stops campaigning: stops leading (callbacks first), then releases the Lease if held and
   * `release` (default: the releaseOnStop option) says so.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.releaseOnThisStop = options.release ?? this.releaseOnStop;
    this.stopController?.abort();
    await running;
    this.running = undefined;
  }

  // ----- The election loop ---------------------------------------------------------------------------

  private async campaign(stop: AbortSignal): Promise<void> {
    try {
      while (!stop.aborted) {
        if (!(await this.acquire(stop))) break;
        this.setLeading(true, 'acquired the lease');
        await this.holdLeadership(stop);
      }
      if (this.releaseOnThisStop) await this.release();
    } catch (error) {
      // Every API failure is handled inside; this only guards against a bug ending the loop silently.
      this.log.error('leader election stopped unexpectedly', { error: describeError(error) });
    } finally {
      if (this.leading) this.setLeading(false, 'leader election stopped');
    }
  }

  /** Tries at once, then every retryPeriod with jitter; false when stopped first. */
  private async acquire(stop: AbortSignal): Promise<boolean> {
    this.log.info('trying to acquire the leader lease');
    for (;;) {
      const acquired = await this.tryAcquireOrRenew(stop);
      if (stop.aborted) return false; // if it did succeed, campaign() releases the Lease
      if (acquired) return true;
      await sleepReal(this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), stop);
      if (stop.aborted) return false;
    }
  }

  /**
   * Renews every retryPeriod. Leadership ends the moment renewDeadline passes without a successful
   * renewal (a timer, so a hanging request cannot delay it), when the Lease shows another holder,
   * or on stop.
   */
  private async holdLeadership(stop: AbortSignal): Promise<void> {
    const term = new AbortController();
    const endTerm = (reason: string): void => {
      if (term.signal.aborted) return;
      term.abort(); // also aborts an in-flight renewal
      this.setLeading(false, reason);
    };
    const onStop = (): void => endTerm('stopping');
    const deadlineReason = `no successful renewal within the renew deadline (${this.renewDeadlineMs} ms)`;
    const armDeadline = (): NodeJS.Timeout => setTimeout(() => endTerm(deadlineReason), this.renewDeadlineMs);
    let deadline = armDeadline();
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) onStop();
    try {
      while (!term.signal.aborted) {
        await sleepReal(this.retryPeriodMs, term.signal);
        if (term.signal.aborted) break;
        const renewed = await this.tryAcquireOrRenew(term.signal);
        if (term.signal.aborted) break; // a renewal that lands after the deadline does not revive the term
        if (renewed) {
          clearTimeout(deadline);
          deadline = armDeadline();
        } else if (this.leader !== undefined && this.leader !== this.identity) {
          endTerm(`the lease is now held by ${this.leader}`);
        }
      }
    } finally {
      clearTimeout(deadline);
      stop.removeEventListener('abort', onStop);
    }
  }

  /**
   * One round of client-go's tryAcquireOrRenew, its requests bounded by renewDeadline so a hanging API
   * server cannot stall the loop. Never throws: failures are logged and return false.
   */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const round = boundedSignal(signal, this.renewDeadlineMs);
    try {
      return await this.acquireOrRenewOnce(signal, abortableBy(round.signal));
    } finally {
      round.dispose();
    }
  }

  /** `signal` says whether to give up quietly (stop, end of term); `options` abort the requests. */
  private async acquireOrRenewOnce(signal: AbortSignal, options: ConfigurationOptions): Promise<boolean> {
    const ref = { name: this.name, namespace: this.namespace };

    // Fast path: while leading with an unexpired Lease, update the copy we last wrote.
    if (this.leading && this.lease && this.leaseValid()) {
      try {
        this.observe(await this.api.replaceNamespacedLease({ ...ref, body: this.claim(this.lease) }, options));
        this.lastError = undefined;
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        this.report('could not renew the lease, reading it again', error);
      }
    }

    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease(ref, options);
    } catch (error) {
      if (signal.aborted) return false;
      if (!isStatus(error, 404)) {
        this.report('could not read the lease', error);
        return false;
      }
      try {
        this.observe(await this.api.createNamespacedLease({ namespace: this.namespace, body: this.newLease() }, options));
        this.lastError = undefined;
        return true;
      } catch (createError) {
        if (isStatus(createError, 409)) this.log.debug('another candidate created the lease first');
        else if (!signal.aborted) this.report('could not create the lease', createError);
        return false;
      }
    }

    this.observe(current);
    const holder = current.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.identity && this.leaseValid()) return false;

    try {
      this.observe(await this.api.replaceNamespacedLease({ ...ref, body: this.claim(current) }, options));
      this.lastError = undefined;
      return true;
    } catch (error) {
      if (isStatus(error, 409)) this.log.debug('another candidate updated the lease first');
      else if (!signal.aborted) this.report('could not update the lease', error);
      return false;
    }
  }

  /** Hands the Lease back (empty holder, 1 s duration) if this candidate still holds it. */
  private async release(): Promise<void> {
    const bound = boundedSignal(new AbortController().signal, this.renewDeadlineMs);
    try {
      await this.releaseWith(abortableBy(bound.signal));
    } finally {
      bound.dispose();
    }
  }

  private async releaseWith(options: ConfigurationOptions): Promise<void> {
    const ref = { name: this.name, namespace: this.namespace };
    for (let attempt = 1; attempt <= RELEASE_ATTEMPTS; attempt++) {
      const lease = this.lease;
      if (lease?.spec?.holderIdentity !== this.identity) return;
      const now = new V1MicroTime();
      const released: V1Lease = {
        ...lease,
        spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now },
      };
      try {
        this.observe(await this.api.replaceNamespacedLease({ ...ref, body: released }, options));
        this.log.info('released the leader lease');
        return;
      } catch (error) {
        if (!isStatus(error, 409)) {
          this.report('could not release the lease', error);
          return;
        }
      }
      try {
        this.observe(await this.api.readNamespacedLease(ref, options)); // changed under us: still ours?
      } catch (error) {
        this.report('could not read the lease to release it', error);
        return;
      }
    }
    this.log.warn('gave up releasing the lease after repeated conflicts');
  }

  // ----- Lease records ---------------------------------------------------------------------------------

  private newLease(): V1Lease {
    const now = new V1MicroTime();
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        holderIdentity: this.identity,
        leaseDurationSeconds: this.leaseDurationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
  }

  /** `base` claimed for this candidate: a renewal keeps acquireTime and leaseTransitions, a takeover bumps them. */
  private claim(base: V1Lease): V1Lease {
    // V1MicroTime serialises with the 6 fractional digits kube-apiserver requires (a Date gives 3).
    const now = new V1MicroTime();
    const old: V1LeaseSpec = base.spec ?? {};
    const renewing = old.holderIdentity === this.identity;
    const spec: V1LeaseSpec = {
      ...old, // keeps fields this code does not manage, and acquireTime as the server wrote it
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseDurationSeconds,
      renewTime: now,
      leaseTransitions: (old.leaseTransitions ?? 0) + (renewing ? 0 : 1),
    };
    if (!renewing || spec.acquireTime === undefined) spec.acquireTime = now;
    return { ...base, spec };
  }

  /** Remembers a Lease; its holder record restarts the expiry clock only when it changed. */
  private observe(lease: V1Lease): void {
    this.lease = lease;
    const spec = lease.spec ?? {};
    const record = JSON.stringify([
      spec.holderIdentity ?? '',
      spec.leaseDurationSeconds ?? 0,
      timeText(spec.acquireTime),
      timeText(spec.renewTime),
      spec.leaseTransitions ?? 0,
    ]);
    if (record !== this.observed?.record) this.observed = { record, at: Date.now() };
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder !== '') {
        this.log.info('new leader', { leader: holder });
        this.emit(this.newLeaderListeners, holder);
      }
    }
  }

  /** client-go's isLeaseValid: not yet leaseDuration since this process last saw the record change. */
  private leaseValid(): boolean {
    const seconds = this.lease?.spec?.leaseDurationSeconds ?? 0;
    return this.observed !== undefined && this.observed.at + seconds * 1000 > Date.now();
  }

  // ----- Plumbing ----------------------------------------------------------------------------------------

  private setLeading(leading: boolean, reason: string): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) {
      this.log.info('started leading', { reason });
      this.emit(this.startedListeners);
    } else {
      this.log.info('stopped leading', { reason });
      this.emit(this.stoppedListeners);
    }
  }

  private emit<A extends unknown[]>(listeners: Set<Listener<A>>, ...args: A): void {
    const failed = (error: unknown): void => this.log.error('leader election listener failed', { error: describeError(error) });
    for (const listener of [...listeners]) {
      try {
        Promise.resolve(listener(...args)).catch(failed);
      } catch (error) {
        failed(error);
      }
    }
  }

  /** The same failure every retry period would flood the log: warn when it changes, debug while it repeats. */
  private report(message: string, error: unknown): void {
    const text = describeError(error);
    if (text === this.lastError) this.log.debug(message, { error: text });
    else this.log.warn(message, { error: text });
    this.lastError = text;
  }

}

/**
 * Per-call options that abort the HTTP request with `signal`. client-node has no per-call timeout;
 * its object-style API clients take Observable middleware, which can set the request's signal.
 */
function abortableBy(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(signal);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

/**
 * A signal that aborts with `parent` or after `ms`. dispose() detaches it from `parent`, so nothing
 * accumulates on a parent that lives as long as the process (unlike AbortSignal.any on Node 20).
 */
function boundedSignal(parent: AbortSignal, ms: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  const timer = setTimeout(abort, ms);
  timer.unref();
  parent.addEventListener('abort', abort, { once: true });
  if (parent.aborted) abort();
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', abort);
    },
  };
}

function validate(options: LeaderElectionOptions, leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number): void {
  const fail = (message: string): never => {
    throw new Error(`leader election: ${message}`);
  };
  if ((options.kubeConfig === undefined) === (options.api === undefined)) fail('give exactly one of kubeConfig and api');
  for (const key of ['namespace', 'name', 'identity'] as const) {
    if (typeof options[key] !== 'string' || options[key] === '') fail(`${key} must be a non-empty string`);
  }
  for (const [key, value] of Object.entries({ leaseDurationMs, renewDeadlineMs, retryPeriodMs })) {
    if (!Number.isFinite(value) || value <= 0) fail(`${key} must be a positive number, got ${value}`);
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    fail(`leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`);
  }
  if (renewDeadlineMs <= retryPeriodMs * JITTER_FACTOR) {
    const minimum = retryPeriodMs * JITTER_FACTOR;
    fail(`renewDeadlineMs (${renewDeadlineMs}) must be greater than retryPeriodMs × ${JITTER_FACTOR} (${minimum})`);
  }
}

function subscribe<L>(listeners: Set<L>, listener: L): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function isStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** MicroTime fields come back from client-node as strings (they are not in its serializer's type map). */
function timeText(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value ?? '');
}

/** One line: the HTTP status and Status message, or the network error and its cause code. */
function describeError(error: unknown): string {
  if (error instanceof ApiException) {
    let message = '';
    try {
      const status = JSON.parse(String(error.body)) as { message?: unknown };
      if (typeof status.message === 'string') message = `: ${status.message}`;
    } catch {
      // not a Status body; the code says enough
    }
    return `HTTP ${error.code}${message}`;
  }
  if (error instanceof Error) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
