/**
 * Cluster time. The collector reads "now" and waits through a Clock so that a simulated cluster can
 * run faster than real time: a simulated day in seconds, with records carrying the scenario's times.
 * Lease timing is about process liveness and always uses real time (see leader-election.ts).
 */
export interface Clock {
  /** Current cluster time, epoch milliseconds. */
  now(): number;
  /** Real milliseconds to wait for `clusterMs` of cluster time to pass. */
  realDelay(clusterMs: number): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  realDelay: (ms) => Math.max(0, ms),
};

/**
 * Cluster time that starts at `origin` when real time is `realOrigin` and runs `speed` times faster;
 * before `realOrigin` it stands at `origin`. Two processes given the same numbers agree on the time,
 * so a simulator and collectors in other processes share one clock. `stopAt` freezes the clock at
 * the end of a scenario.
 */
export class ScaledClock implements Clock {
  constructor(
    readonly origin: number,
    private startsAtReal: number,
    readonly speed: number,
    readonly stopAt?: number,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`clock speed must be a positive number, got ${speed}`);
  }

  /** Real time at which the clock leaves `origin`. */
  get realOrigin(): number {
    return this.startsAtReal;
  }

  /**
   * A clock that stands at `origin` until `start()`: a simulation holds it while the collector
   * syncs, however long a busy machine takes (at 3600x, a late real second is a lost hour).
   */
  static held(origin: number, speed: number, stopAt?: number): ScaledClock {
    return new ScaledClock(origin, Number.POSITIVE_INFINITY, speed, stopAt);
  }

  /** Lets a held clock run from now on. */
  start(): void {
    if (this.startsAtReal !== Number.POSITIVE_INFINITY) throw new Error('the clock is already running');
    this.startsAtReal = Date.now();
  }

  now(): number {
    const t = this.origin + Math.max(0, Date.now() - this.realOrigin) * this.speed;
    return this.stopAt === undefined ? Math.floor(t) : Math.floor(Math.min(t, this.stopAt));
  }

  realDelay(clusterMs: number): number {
    return Math.max(0, clusterMs / this.speed);
  }

  /** `origin,realOrigin,speed[,stopAt]`: how a clock is passed to another process. */
  toSpec(): string {
    return [this.origin, this.realOrigin, this.speed, ...(this.stopAt === undefined ? [] : [this.stopAt])].join(',');
  }

  static fromSpec(spec: string): ScaledClock {
    const parts = spec.split(',').map((p) => Number(p.trim()));
    if (parts.length < 3 || parts.length > 4 || parts.some((p) => !Number.isFinite(p))) {
      throw new Error(`invalid clock spec ${JSON.stringify(spec)}: expected origin,realOrigin,speed[,stopAt] in epoch ms`);
    }
    const [origin, realOrigin, speed, stopAt] = parts as [number, number, number, number | undefined];
    return new ScaledClock(origin, realOrigin, speed, stopAt);
  }
}

/** Wait until `clusterMs` of cluster time has passed; resolves early when the signal aborts. */
export function sleep(clock: Clock, clusterMs: number, signal?: AbortSignal): Promise<void> {
  return sleepReal(clock.realDelay(clusterMs), signal);
}

export function sleepReal(realMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, realMs);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
