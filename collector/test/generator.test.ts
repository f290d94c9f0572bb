import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceSpec } from '@hyperpod-usage/model';
import { parseQuantityMilli } from '../src/kube/quantity.js';
import { FakeApiServer } from '../src/simulator/api-server.js';
import { ClusterSimulator, clusterQueueOf } from '../src/simulator/engine.js';
import {
  BUILTIN_GENERATED,
  generateBuiltinScenario,
  generateScenario,
  resolveGeneratorOptions,
  summarizeScenario,
  type GeneratorOptions,
} from '../src/simulator/generator.js';
import { ScenarioError, type Scenario, type TeamSpec } from '../src/simulator/scenario.js';

// ----- helpers -------------------------------------------------------------------------------------

/** A span during which a workload of a team held quota on a flavor: [start, end). */
interface Holding {
  team: string;
  flavor: string;
  start: number;
  end: number;
  amounts: Map<string, bigint>;
}

interface QuotaReport {
  /** Times some team used more than its nominal quota of some resource. */
  borrowingMoments: number;
  violations: string[];
}

const milli = (q: string | undefined | null): bigint => (q == null ? 0n : parseQuantityMilli(q));

/**
 * Sweeps the holdings in time order (what frees quota before what takes it at the same instant) and
 * checks Kueue's rules at every instant: no team above nominal + borrowing limit, and no cohort using
 * more of its lendable pool than its members lend (members lend their lending limit, else all their
 * nominal; the rest stays guaranteed to them).
 */
function checkQuotas(s: Scenario, holdings: Holding[]): QuotaReport {
  const teams = new Map(s.teams.map((t) => [t.name, t]));
  const use = new Map<string, bigint>(); // team/flavor/resource → milli
  const key = (team: string, flavor: string, res: string): string => `${team}\u0000${flavor}\u0000${res}`;
  const deltas: Array<{ at: number; sign: 1n | -1n; h: Holding }> = [];
  for (const h of holdings) {
    deltas.push({ at: h.start, sign: 1n, h });
    deltas.push({ at: h.end, sign: -1n, h });
  }
  deltas.sort((a, b) => a.at - b.at || Number(a.sign - b.sign));
  const report: QuotaReport = { borrowingMoments: 0, violations: [] };
  const cohortMembers = (team: TeamSpec): TeamSpec[] => (team.cohort ? s.teams.filter((t) => t.cohort === team.cohort) : [team]);
  for (let i = 0; i < deltas.length; ) {
    const at = deltas[i]!.at;
    const touched = new Set<TeamSpec>();
    for (; i < deltas.length && deltas[i]!.at === at; i++) {
      const { sign, h } = deltas[i]!;
      for (const [res, q] of h.amounts) use.set(key(h.team, h.flavor, res), (use.get(key(h.team, h.flavor, res)) ?? 0n) + sign * q);
      touched.add(teams.get(h.team)!);
    }
    let borrowing = false;
    for (const team of touched) {
      for (const [flavor, quotas] of Object.entries(team.quotas)) {
        for (const [res, quota] of Object.entries(quotas)) {
          const u = use.get(key(team.name, flavor, res)) ?? 0n;
          const nominal = milli(quota.nominal);
          if (u > nominal) borrowing = true;
          if (quota.borrowingLimit !== null && u > nominal + milli(quota.borrowingLimit)) {
            report.violations.push(`${new Date(at).toISOString()} ${team.name} uses ${u} of ${res} on ${flavor}, above nominal + borrowing limit`);
          }
          let pool = 0n;
          let poolUse = 0n;
          let total = 0n;
          let totalNominal = 0n;
          for (const m of cohortMembers(team)) {
            const q = m.quotas[flavor]?.[res];
            const n = milli(q?.nominal);
            const lendable = q?.lendingLimit != null ? milli(q.lendingLimit) : n;
            const mu = use.get(key(m.name, flavor, res)) ?? 0n;
            pool += lendable;
            if (mu > n - lendable) poolUse += mu - (n - lendable);
            total += mu;
            totalNominal += n;
          }
          if (poolUse > pool || total > totalNominal) {
            report.violations.push(`${new Date(at).toISOString()} cohort ${team.cohort || team.name} uses ${total} of ${res} on ${flavor}, more than it has`);
          }
        }
      }
    }
    if (borrowing) report.borrowingMoments++;
  }
  return report;
}

/** Holdings as the scenario's own events state them (admit → evict + release / finish / delete). */
function holdingsFromEvents(s: Scenario): Holding[] {
  const out: Holding[] = [];
  for (const w of s.workloads) {
    const amounts = new Map<string, bigint>();
    for (const ps of w.podSets) for (const [k, v] of Object.entries(ps.requests)) amounts.set(k, (amounts.get(k) ?? 0n) + milli(v) * BigInt(ps.count));
    let open: { flavor: string; start: number } | null = null;
    for (const e of w.events) {
      if (e.type === 'admit') open = { flavor: e.flavor, start: e.at };
      const end = e.type === 'evict' ? e.at + e.releaseAfterMs : e.type === 'finish' || e.type === 'delete' ? e.at : null;
      if (open && end !== null) {
        out.push({ team: w.team, flavor: open.flavor, start: open.start, end, amounts });
        open = null;
      }
    }
    if (open) out.push({ team: w.team, flavor: open.flavor, start: open.start, end: s.end + 1, amounts });
  }
  return out;
}

function preemptionCounts(s: Scenario): { inClusterQueue: number; inCohortReclamation: number; evictions: number } {
  let inClusterQueue = 0;
  let inCohortReclamation = 0;
  let evictions = 0;
  for (const w of s.workloads) {
    for (const e of w.events) {
      if (e.type !== 'evict') continue;
      evictions++;
      if (e.preemption === 'InClusterQueue') inClusterQueue++;
      if (e.preemption === 'InCohortReclamation') inCohortReclamation++;
    }
  }
  return { inClusterQueue, inCohortReclamation, evictions };
}

const demo = BUILTIN_GENERATED['demo-small'];
const tiny: GeneratorOptions = {
  seed: 3,
  nodes: 12,
  instanceMix: { 'ml.p4d.24xlarge': 1, 'ml.g5.12xlarge': 1 },
  teams: 4,
  teamsPerCohort: 2,
  workloads: 20,
  pods: 60,
  eventsPerSecond: 1,
  durationMs: 600_000,
};

// ----- tests ---------------------------------------------------------------------------------------

describe('scenario generator', () => {
  it('is deterministic: the same seed gives a deep-equal scenario, another seed a different one', () => {
    const a = generateScenario(tiny);
    const b = generateScenario(tiny);
    assert.deepEqual(a, b);
    const c = generateScenario({ ...tiny, seed: 4 });
    assert.notDeepEqual(a.workloads, c.workloads);
    assert.deepEqual(generateBuiltinScenario('demo-small'), generateScenario(demo));
  });

  it('plays the small built-in scenario in the engine, within quota, with borrowing and both kinds of preemption', async () => {
    const scenario = generateBuiltinScenario('demo-small');
    const summary = summarizeScenario(scenario);
    const server = new FakeApiServer({ kueueVersions: [scenario.kueueApiVersion] });
    await server.start();
    try {
      const sim = new ClusterSimulator(scenario, server, 'test');
      sim.applyUntil(scenario.end);
      assert.ok(sim.finished, 'every event was played');

      // The engine's ground truth: every admission interval it recorded.
      const truths = sim.workloadTruths();
      const byQueue = new Map(scenario.teams.map((t) => [clusterQueueOf(t), t.name]));
      const holdings: Holding[] = truths.flatMap((w) =>
        w.admissions.map((a) => ({ team: byQueue.get(w.clusterQueue)!, flavor: a.flavor, start: a.start, end: a.end ?? scenario.end + 1, amounts: w.amounts })),
      );
      const report = checkQuotas(scenario, holdings);
      assert.deepEqual(report.violations, []);
      assert.ok(report.borrowingMoments > 0, 'some team borrows');

      const admits = scenario.workloads.reduce((a, w) => a + w.events.filter((e) => e.type === 'admit').length, 0);
      assert.equal(holdings.length, admits, 'the engine admitted every admission the generator decided');
      const counts = preemptionCounts(scenario);
      assert.ok(counts.inCohortReclamation > 0, 'a team reclaims its lent quota');
      assert.ok(counts.inClusterQueue > 0, 'a higher priority workload preempts within its ClusterQueue');
      assert.equal(
        truths.reduce((a, w) => a + w.preemptions, 0),
        counts.evictions,
      );
      // Preempted workloads come back: some workload has an admission after a preemption.
      assert.ok(truths.some((w) => w.preemptions > 0 && w.admissions.length > w.preemptions));
      assert.ok(new Set(holdings.map((h) => h.team)).size >= 4, 'several teams run work');

      // The summary predicts the engine's writes exactly: each one is a new resourceVersion.
      assert.equal(summary.objectChanges.total, Number(server.resourceVersion) - 1);
      assert.equal(summary.workloads.admissions, admits);
      assert.ok(summary.pods.peak >= summary.pods.atStart);
    } finally {
      await server.stop();
    }
  });

  it('plays a generated Kueue v1beta2 scenario too, and the summary counts it exactly', async () => {
    const scenario = generateScenario({ ...tiny, kueueApiVersion: 'v1beta2', lendingLimitTeamShare: 1 });
    assert.ok(scenario.teams.every((t) => Object.values(t.quotas).every((q) => Object.values(q).every((r) => r.lendingLimit !== null))));
    const server = new FakeApiServer({ kueueVersions: [scenario.kueueApiVersion] });
    await server.start();
    try {
      const sim = new ClusterSimulator(scenario, server, 'test');
      sim.applyUntil(scenario.end);
      const byQueue = new Map(scenario.teams.map((t) => [clusterQueueOf(t), t.name]));
      const holdings = sim.workloadTruths().flatMap((w) =>
        w.admissions.map((a) => ({ team: byQueue.get(w.clusterQueue)!, flavor: a.flavor, start: a.start, end: a.end ?? scenario.end + 1, amounts: w.amounts })),
      );
      assert.deepEqual(checkQuotas(scenario, holdings).violations, []);
      assert.equal(summarizeScenario(scenario).objectChanges.total, Number(server.resourceVersion) - 1);
    } finally {
      await server.stop();
    }
  });

  it('builds the cluster as asked: quotas add up to capacity per flavor, limits as percentages, valid names', () => {
    const s = generateScenario({ ...tiny, nodes: 40, instanceMix: undefined, teams: 9, teamsPerCohort: 3, borrowingLimitPercent: 50 });
    assert.equal(
      s.nodes.reduce((a, g) => a + g.count, 0),
      40,
    );
    assert.equal(s.teams.length, 9);
    for (const g of s.nodes) {
      const teams = s.teams.filter((t) => t.quotas[g.instanceType]);
      assert.ok(teams.length > 0);
      const spec = instanceSpec(g.instanceType)!;
      const capacity: Record<string, bigint> = {
        cpu: BigInt(spec.vcpu * g.count) * 1000n,
        memory: BigInt(spec.memoryGiB * g.count) * 2n ** 30n * 1000n,
        [spec.gpu ? 'nvidia.com/gpu' : 'aws.amazon.com/neurondevice']: BigInt((spec.gpu || spec.neuronDevices) * g.count) * 1000n,
        'vpc.amazonaws.com/efa': BigInt(spec.efa * g.count) * 1000n,
      };
      for (const [res, total] of Object.entries(capacity)) {
        const sum = teams.reduce((a, t) => a + milli(t.quotas[g.instanceType]![res]?.nominal), 0n);
        assert.equal(sum, total, `${res} quota on ${g.instanceType} adds up to the nodes' capacity`);
      }
      for (const t of teams) {
        for (const q of Object.values(t.quotas[g.instanceType]!)) {
          assert.ok(q.borrowingLimit !== null);
          assert.ok(milli(q.borrowingLimit) <= milli(q.nominal) / 2n);
        }
      }
    }
    const names = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
    for (const w of s.workloads) {
      assert.match(w.name, names);
      assert.match(w.job.name, names);
      assert.equal(w.events[0]?.type, 'submit');
      for (let i = 1; i < w.events.length; i++) assert.ok(w.events[i]!.at >= w.events[i - 1]!.at, 'events in time order');
      assert.ok(w.events.every((e) => e.at >= s.start && e.at <= s.end));
    }
    for (const p of s.pods) assert.match(p.name, names);
    assert.equal(new Set(s.pods.map((p) => `${p.namespace}/${p.name}`)).size, s.pods.length);
    assert.equal(new Set(s.workloads.map((w) => `${w.namespace}/${w.name}`)).size, s.workloads.length);
  });

  it('reaches the benchmark scale: 2,000 nodes, 50 teams, 5,000 workloads and 20,000 pods, within quota', () => {
    const options = BUILTIN_GENERATED['scale-2000-nodes'];
    const s = generateScenario(options);
    const m = summarizeScenario(s);
    assert.equal(m.nodes, 2000);
    assert.equal(m.teams, 50);
    assert.ok(m.workloads.atStart >= 5000, `${m.workloads.atStart} workloads at the start`);
    assert.ok(m.workloads.admittedAtStart >= 0.9 * 5000, `${m.workloads.admittedAtStart} admitted at the start`);
    assert.ok(m.pods.peak >= 20000 && m.pods.atStart >= 20000, `${m.pods.atStart} pods at the start, ${m.pods.peak} at peak`);
    assert.ok(m.changesPerSecond > 25 && m.changesPerSecond < 100, `${m.changesPerSecond} object changes per second for a target of 50`);
    assert.ok(m.workloads.preemptions.inClusterQueue > 0 && m.workloads.preemptions.inCohortReclamation > 0);
    // The same quota rules, checked from the scenario's own events (the engine is not played here).
    assert.deepEqual(checkQuotas(s, holdingsFromEvents(s)).violations.slice(0, 5), []);
  });

  it('rejects bad options with a one-line error', () => {
    const cases: Array<[GeneratorOptions, RegExp]> = [
      [{ nodes: 0 }, /nodes must be an integer/],
      [{ nodes: 2, teams: 3 }, /teams \(3\) must not exceed nodes/],
      [{ instanceMix: { 'ml.p9.huge': 1 } }, /unknown instance type ml\.p9\.huge/],
      [{ instanceMix: { 'ml.m5.xlarge': 1 } }, /no GPU or Neuron devices/],
      [{ eventsPerSecond: 0 }, /eventsPerSecond must be a number above 0/],
      [{ start: 'yesterday' }, /not an RFC 3339 time/],
      [{ priorityClasses: [] }, /at least one class/],
      [{ seed: 1.5 }, /seed must be an integer/],
      [{ nodes: 3, teams: 2, instanceMix: { 'ml.p5.48xlarge': 1, 'ml.g5.8xlarge': 1, 'ml.trn1.32xlarge': 1 } }, /teams \(2\) must be at least/],
      [{ colour: 'red' } as unknown as GeneratorOptions, /unknown option "colour"/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => generateScenario(options),
        (e: unknown) => e instanceof ScenarioError && message.test(e.message) && !e.message.includes('\n'),
        JSON.stringify(options),
      );
    }
    assert.throws(() => generateBuiltinScenario('nope'), /known: scale-2000-nodes, demo-small/);
    assert.equal(resolveGeneratorOptions({}).borrowingLimitPercent, 50);
    assert.equal(resolveGeneratorOptions({ borrowingLimitPercent: null }).borrowingLimitPercent, null);
  });
});
