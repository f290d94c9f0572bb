import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { kubeConfigForUrl } from '../src/kube/kubeconfig.js';
import { LeaderElector, type LeaderElectionOptions } from '../src/kube/leader-election.js';
import { createLogger } from '../src/log.js';
import { FakeApiServer, LEASES, type KubeObject } from '../src/simulator/api-server.js';

// Short real-time settings; validation requires lease > renew > retry × 1.2.
const FAST = { leaseDurationMs: 1000, renewDeadlineMs: 700, retryPeriodMs: 150 };
const NAMESPACE = 'hyperpod-usage';
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Polls until `condition` holds; fails after `timeoutMs`. Never asserts how long anything took. */
async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Candidate {
  elector: LeaderElector;
  identity: string;
  /** Callback history: 'started', 'stopped', 'leader:<id>', with the time each was seen. */
  events: Array<{ event: string; at: number }>;
  logs: string[];
}

/** Holds a test's candidates so they are always stopped, even when an assertion fails. */
class Election {
  readonly candidates: Candidate[] = [];
  leaseName = '';

  constructor(private readonly server: () => FakeApiServer) {}

  /** A candidate whose requests carry its identity as bearer token, so faults can target it. */
  candidate(identity: string, options: Partial<LeaderElectionOptions> = {}): Candidate {
    const logs: string[] = [];
    const events: Candidate['events'] = [];
    const elector = new LeaderElector({
      kubeConfig: kubeConfigForUrl(this.server().url, { token: identity }),
      namespace: NAMESPACE,
      name: this.leaseName,
      identity,
      ...FAST,
      log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
      ...options,
    });
    elector.onStartedLeading(() => void events.push({ event: 'started', at: Date.now() }));
    elector.onStoppedLeading(() => void events.push({ event: 'stopped', at: Date.now() }));
    elector.onNewLeader((id) => void events.push({ event: `leader:${id}`, at: Date.now() }));
    const candidate = { elector, identity, events, logs };
    this.candidates.push(candidate);
    return candidate;
  }

  leaders(): string[] {
    return this.candidates.filter((c) => c.elector.isLeader()).map((c) => c.identity);
  }

  lease(): KubeObject & { spec: Record<string, unknown> } {
    const lease = this.server().get(LEASES, NAMESPACE, this.leaseName);
    assert.ok(lease, 'the lease exists');
    return lease as KubeObject & { spec: Record<string, unknown> };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.candidates.splice(0).map((c) => c.elector.stop()));
  }
}

/**
 * Samples how many candidates lead every few ms and records the longest stretch with more than one,
 * measured between samples (the invariant the brief asks for; zero is expected).
 */
function watchForSplitBrain(election: Election): { stop(): { longestOverlapMs: number; samples: number } } {
  let samples = 0;
  let overlapSince: number | undefined;
  let longestOverlapMs = 0;
  const timer = setInterval(() => {
    samples++;
    const now = Date.now();
    if (election.leaders().length > 1) {
      overlapSince ??= now;
      longestOverlapMs = Math.max(longestOverlapMs, now - overlapSince);
    } else {
      overlapSince = undefined;
    }
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      return { longestOverlapMs, samples };
    },
  };
}

describe('LeaderElector', () => {
  let server: FakeApiServer;
  let election: Election;
  let leaseCounter = 0;

  before(async () => {
    server = new FakeApiServer();
    await server.start();
  });
  after(async () => {
    await election?.stopAll(); // candidates first, so their releases reach the server
    await server.stop();
  });
  beforeEach(async () => {
    await election?.stopAll();
    server.respondWith(null);
    if (!server.isUp) await server.comeUp();
    election = new Election(() => server);
    election.leaseName = `lease-${++leaseCounter}`; // a fresh Lease per test
  });

  it('validates its timing options with one-line errors', () => {
    const base = { kubeConfig: kubeConfigForUrl('http://127.0.0.1:1'), namespace: 'ns', name: 'l', identity: 'a' };
    const cases: Array<[Partial<LeaderElectionOptions>, RegExp]> = [
      [{ leaseDurationMs: 1000, renewDeadlineMs: 1000 }, /^leader election: leaseDurationMs \(1000\) must be greater than renewDeadlineMs \(1000\)$/],
      [{ renewDeadlineMs: 2400 }, /^leader election: renewDeadlineMs \(2400\) must be greater than retryPeriodMs × 1\.2 \(2400\)$/],
      [{ retryPeriodMs: 0 }, /^leader election: retryPeriodMs must be a positive number, got 0$/],
      [{ identity: '' }, /^leader election: identity must be a non-empty string$/],
      [{ kubeConfig: undefined }, /^leader election: give exactly one of kubeConfig and api$/],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => new LeaderElector({ ...base, ...options }), { message });
    }
    assert.doesNotThrow(() => new LeaderElector(base)); // client-go's defaults 15 s / 10 s / 2 s
  });

  it('a single candidate becomes leader, writes a well-formed Lease, renews it and releases it on stop', async () => {
    const a = election.candidate('a');
    a.elector.start();
    await until('a to lead', () => a.elector.isLeader());
    assert.equal(a.elector.leader, 'a');
    assert.deepEqual(a.events.map((e) => e.event), ['leader:a', 'started']);

    const first = election.lease();
    assert.equal(first.spec.holderIdentity, 'a');
    assert.equal(first.spec.leaseDurationSeconds, 1);
    assert.equal(first.spec.leaseTransitions, 0);
    assert.match(String(first.spec.acquireTime), MICRO_TIME);
    assert.match(String(first.spec.renewTime), MICRO_TIME);

    await until('a renewal', () => election.lease().spec.renewTime !== first.spec.renewTime);
    const renewed = election.lease();
    assert.equal(renewed.spec.acquireTime, first.spec.acquireTime, 'renewals keep acquireTime');
    assert.equal(renewed.spec.leaseTransitions, 0);

    await a.elector.stop();
    assert.equal(a.elector.isLeader(), false);
    assert.deepEqual(a.events.map((e) => e.event), ['leader:a', 'started', 'stopped']);
    const released = election.lease();
    assert.equal(released.spec.holderIdentity, '');
    assert.equal(released.spec.leaseDurationSeconds, 1);
    assert.equal(released.spec.leaseTransitions, 0);
    assert.ok(a.logs.some((line) => line.includes('released the leader lease')));
    assert.ok(a.logs.every((line) => !line.includes('\n')), 'one-line logs');
  });

  it('with two candidates exactly one leads and the other learns who', async () => {
    const a = election.candidate('a');
    const b = election.candidate('b');
    const sampler = watchForSplitBrain(election);
    a.elector.start();
    b.elector.start();
    await until('a leader', () => election.leaders().length === 1);
    const [leader] = election.leaders();
    const follower = leader === 'a' ? b : a;
    await until('the follower to learn the leader', () => follower.events.some((e) => e.event === `leader:${leader}`));
    await pause(FAST.retryPeriodMs * 6); // several renew and acquire rounds
    assert.deepEqual(election.leaders(), [leader]);
    assert.equal(election.lease().spec.holderIdentity, leader);
    assert.equal(follower.elector.leader, leader);

    // A follower that stops leaves the leader's Lease alone and reports no leadership it never had.
    await follower.elector.stop();
    assert.equal(election.lease().spec.holderIdentity, leader);
    assert.ok(!follower.events.some((e) => e.event === 'started' || e.event === 'stopped'));
    assert.equal(sampler.stop().longestOverlapMs, 0);
  });

  it('after the leader releases, the other takes over at once, without waiting for expiry', async () => {
    // A 30 s Lease: a takeover within the 10 s polling bound can only come from the release.
    const slow = { leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 150 };
    const a = election.candidate('a', slow);
    const b = election.candidate('b', slow);
    a.elector.start();
    await until('a to lead', () => a.elector.isLeader());
    b.elector.start();
    await until('b to see a', () => b.elector.leader === 'a');
    const acquiredByA = election.lease().spec.acquireTime;

    await a.elector.stop();
    await until('b to lead', () => b.elector.isLeader());
    const lease = election.lease();
    assert.equal(lease.spec.holderIdentity, 'b');
    assert.equal(lease.spec.leaseTransitions, 1, 'a takeover increments leaseTransitions');
    assert.equal(lease.spec.leaseDurationSeconds, 30);
    assert.notEqual(lease.spec.acquireTime, acquiredByA, 'a takeover sets acquireTime');
    assert.deepEqual(b.events.map((e) => e.event), ['leader:a', 'leader:b', 'started']);
  });

  it('without releaseOnStop the Lease keeps its holder until it expires, then another takes over; stop() can override', async () => {
    const a = election.candidate('a', { releaseOnStop: false });
    const b = election.candidate('b');
    a.elector.start();
    await until('a to lead', () => a.elector.isLeader());
    b.elector.start();
    await until('b to see a', () => b.elector.leader === 'a');
    await a.elector.stop();
    assert.equal(election.lease().spec.holderIdentity, 'a');
    await until('b to take over after expiry', () => b.elector.isLeader());
    assert.equal(election.lease().spec.leaseTransitions, 1);

    // stop({ release }) overrides the option for one stop.
    await b.elector.stop({ release: false });
    assert.equal(election.lease().spec.holderIdentity, 'b');
    b.elector.start();
    await until('b to lead again', () => b.elector.isLeader());
    await b.elector.stop({ release: true });
    assert.equal(election.lease().spec.holderIdentity, '');
  });

  it('a leader whose API calls fail stops leading by the renew deadline, before the other takes over', async () => {
    const a = election.candidate('a');
    const b = election.candidate('b');
    const sampler = watchForSplitBrain(election);
    a.elector.start();
    await until('a to lead', () => a.elector.isLeader());
    b.elector.start();
    await until('b to see a', () => b.elector.leader === 'a');

    server.respondWith(503, { scope: (request) => request.token === 'a' }); // only a's requests fail
    await until('a to stop leading', () => !a.elector.isLeader());
    await until('b to take over', () => b.elector.isLeader());

    const stoppedAt = a.events.find((e) => e.event === 'stopped')!.at;
    const startedAt = b.events.find((e) => e.event === 'started')!.at;
    assert.ok(stoppedAt <= startedAt, 'the old leader stopped before the new one started');
    assert.equal(election.lease().spec.holderIdentity, 'b');
    assert.equal(election.lease().spec.leaseTransitions, 1);
    assert.ok(a.logs.some((line) => line.includes('HTTP 503')), 'the failure is logged');
    assert.ok(a.logs.some((line) => line.includes('no successful renewal within the renew deadline')));

    server.respondWith(null); // a recovers as a follower
    await until('a to see b', () => a.elector.leader === 'b');
    await pause(FAST.retryPeriodMs * 3);
    assert.deepEqual(election.leaders(), ['b']);
    assert.equal(sampler.stop().longestOverlapMs, 0);
  });

  it('stops leading at the renew deadline even while its renewal request hangs', async () => {
    const a = election.candidate('a');
    a.elector.start();
    await until('a to lead', () => a.elector.isLeader());
    server.respondWith('hang', { scope: 'leases' });
    await until('a to stop leading', () => !a.elector.isLeader());
    assert.ok(server.counters.faults > 0, 'a request was left hanging');
    server.respondWith(null);
    // The Lease still names a, so a takes it back at once and leaseTransitions does not change.
    await until('a to lead again', () => a.elector.isLeader());
    assert.equal(election.lease().spec.leaseTransitions, 0);
    assert.deepEqual(a.events.map((e) => e.event), ['leader:a', 'started', 'stopped', 'started']);
  });

  it('survives the API server going away: stops leading, and leads again once it is back', async () => {
    const a = election.candidate('a');
    a.elector.start();
    await until('a to lead', () => a.elector.isLeader());
    await server.goDown();
    await until('a to stop leading', () => !a.elector.isLeader());
    await pause(FAST.retryPeriodMs * 3); // a few failed acquire attempts (connection refused)
    assert.ok(a.logs.some((line) => line.includes('ECONNREFUSED')));
    await server.comeUp();
    await until('a to lead again', () => a.elector.isLeader());
  });

  it('racing candidates never lead at the same time, through restarts and failures', async () => {
    const candidates = ['a', 'b', 'c', 'd'].map((id) => election.candidate(id));
    const sampler = watchForSplitBrain(election);
    for (const c of candidates) c.elector.start(); // all race to create the same Lease

    for (let round = 0; round < 3; round++) {
      await until('a leader', () => election.leaders().length === 1);
      const [leader] = election.leaders();
      const current = candidates.find((c) => c.identity === leader)!;
      if (round === 1) {
        // This leader's requests fail: it must step down before anyone else steps up.
        server.respondWith(503, { scope: (request) => request.token === leader });
        await until('the failing leader to step down', () => !current.elector.isLeader());
        await until('a new leader', () => election.leaders().length === 1);
        server.respondWith(null);
      } else {
        await current.elector.stop(); // release, then rejoin the race
        current.elector.start();
      }
    }
    await until('a final leader', () => election.leaders().length === 1);
    const { longestOverlapMs, samples } = sampler.stop();
    assert.ok(samples > 50, 'the invariant was sampled');
    assert.ok(longestOverlapMs <= FAST.retryPeriodMs, `two leaders overlapped for ${longestOverlapMs} ms`);
    assert.ok(Number(election.lease().spec.leaseTransitions) >= 3, 'leadership changed hands each round');
  });
});
