/**
 * Generated scenarios: large, realistic HyperPod clusters for scale runs, the benchmark and the
 * demo, produced as the same `Scenario` the YAML parser returns so the engine plays them unchanged.
 *
 * The cluster: nodes split over a mix of accelerator instance types; teams with a quota on one
 * instance type each (nominal quotas add up to the cluster's capacity per flavor), grouped into a
 * few cohorts per instance type, with HyperPod's borrowing limit (a percentage of nominal) and, for
 * some teams, a lending limit.
 *
 * The workloads: a population alive at `start` (so the cluster starts busy), then Poisson arrivals.
 * Each workload has a priority class whose profile (inference, training, experimentation) shapes it:
 * sizes in accelerators (fractions of a node for small jobs, whole nodes for big ones), pods (one per
 * node, one per accelerator, or replicas) and log-normal durations. The sizes are tilted so that the
 * initial population asks for about `targetUtilization` of the cluster, the pod layout so that the
 * pods reach the requested count, and the arrival rate so that the run makes about
 * `eventsPerSecond` Kubernetes object changes; the mean duration then follows from Little's law.
 *
 * Admissions, evictions and preemptions are decided here by a small Kueue-like scheduler run over
 * the timeline before the scenario is returned (see `Scheduler`), under the same quota rule the
 * engine's `checkQuota` enforces, so the engine accepts every admission.
 *
 * Plain pods outside Kueue (DaemonSet pods on every node, notebooks) make up the requested pod total;
 * nodes may go NotReady and come back.
 *
 * Everything is drawn from a seeded PRNG: the same options give a deep-equal scenario.
 */
import { instanceSpec, type InstanceSpec } from '@hyperpod-usage/model';
import { parseQuantityMilli } from '../kube/quantity.js';
import { ScenarioError, type NodeEvent, type PlainPodSpec, type PodEvent, type PodSetSpec, type QuotaSpec, type Scenario, type TeamSpec, type WorkloadSpec } from './scenario.js';

// ---------------------------------------------------------------------------------------------
// Options

export type WorkloadProfile = 'inference' | 'training' | 'experimentation';

export interface GeneratedPriorityClass {
  /** WorkloadPriorityClass name, e.g. `training-priority`. */
  name: string;
  value: number;
  /** What workloads of this class look like: sizes, pods, durations, how they end. */
  profile: WorkloadProfile;
  /** Share of arrivals, relative to the other classes. */
  share: number;
  /** Mean duration relative to the other classes (the absolute scale follows from the churn). */
  durationFactor: number;
}

export interface GeneratorOptions {
  /** Scenario name (also seeds object uids and node names in the engine). Default `generated-<seed>`. */
  name?: string;
  description?: string;
  /** PRNG seed, a safe integer. Default 1. */
  seed?: number;
  /** Epoch ms or an RFC 3339 time with a zone. Default 2025-06-02T08:00:00Z. */
  start?: number | string;
  /** Length of the run. Default 1 h. */
  durationMs?: number;
  kueueApiVersion?: 'v1beta1' | 'v1beta2';
  /** Total nodes. Default 100. */
  nodes?: number;
  /** Instance type → relative share of the nodes. Accelerator types only. Default `DEFAULT_INSTANCE_MIX`. */
  instanceMix?: Readonly<Record<string, number>>;
  /** Default 10. */
  teams?: number;
  /** Teams per cohort within an instance type. Default 6. */
  teamsPerCohort?: number;
  /** Borrowing limit as a percentage of nominal (HyperPod's BorrowLimit); null = unlimited. Default 50. */
  borrowingLimitPercent?: number | null;
  /** Share of teams that lend only part of their quota. Default 0.2. */
  lendingLimitTeamShare?: number;
  /** Their lending limit, as a percentage of nominal. Default 50. */
  lendingLimitPercent?: number;
  /** Default `DEFAULT_PRIORITY_CLASSES`. */
  priorityClasses?: readonly GeneratedPriorityClass[];
  /** Workloads alive (admitted or pending) at `start`. Default 300. */
  workloads?: number;
  /** Pods alive at `start`, workload and plain pods together (plain pods make up the total). Default 1200. */
  pods?: number;
  /** Target Kubernetes object changes per second during the run (workloads, pods, ClusterQueues, nodes). Default 5. */
  eventsPerSecond?: number;
  /** Share of the accelerators the initial population asks for. Default 0.9. */
  targetUtilization?: number;
  /** Spread (log-normal sigma) of team demand relative to quota: what makes teams borrow and lend. Default 0.6. */
  teamDemandSpread?: number;
  /** Log-normal sigma of durations. Default 1.5 (a median of minutes has a tail of days). */
  durationSigma?: number;
  /** Largest training job, in nodes. Default 64. */
  maxJobNodes?: number;
  /** DaemonSet pods per node (kube-system, device plugins, observability). Default 3. */
  daemonPodsPerNode?: number;
  /** At least this many notebook pods (outside Kueue); more when needed to reach `pods`. Default nodes / 20. */
  notebooks?: number;
  /** Median notebook lifetime. Default 4 h. */
  notebookLifetimeMs?: number;
  /** Nodes going NotReady per hour (each comes back later). Default nodes / 500. */
  nodeFailuresPerHour?: number;
  /** Time from eviction until the quota is released (pods gone). Default 15 s. */
  releaseAfterMs?: number;
  /** Median time from a workload finishing until it is deleted. Default 5 min. */
  deleteAfterFinishMs?: number;
}

const DEFAULT_INSTANCE_MIX: Readonly<Record<string, number>> = Object.freeze({
  'ml.p5.48xlarge': 0.2,
  'ml.p4d.24xlarge': 0.2,
  'ml.g5.12xlarge': 0.25,
  'ml.g5.8xlarge': 0.25,
  'ml.trn1.32xlarge': 0.1,
});

const DEFAULT_PRIORITY_CLASSES: readonly GeneratedPriorityClass[] = Object.freeze([
  { name: 'inference-priority', value: 1000, profile: 'inference', share: 0.15, durationFactor: 4 },
  { name: 'training-priority', value: 500, profile: 'training', share: 0.45, durationFactor: 1.5 },
  { name: 'experimentation-priority', value: 100, profile: 'experimentation', share: 0.4, durationFactor: 0.5 },
]);

/** Generated scenarios the CLI and the demo can ask for by name. */
export const BUILTIN_GENERATED: Readonly<Record<'scale-2000-nodes' | 'demo-small', GeneratorOptions>> = Object.freeze({
  /** The benchmark scale: 2,000 nodes, 50 teams, 5,000 workloads, 20,000 pods, 50 changes/s for an hour. */
  'scale-2000-nodes': Object.freeze({
    name: 'scale-2000-nodes',
    description: 'Benchmark scale: 2,000 nodes, 50 teams, 5,000 workloads and 20,000 pods at the start, about 50 object changes per second.',
    seed: 2000,
    nodes: 2000,
    teams: 50,
    teamsPerCohort: 6,
    workloads: 5000,
    pods: 20000,
    eventsPerSecond: 50,
    durationMs: 3_600_000,
  }),
  /** Plays in a few seconds: six teams in three cohorts that borrow, reclaim and preempt. */
  'demo-small': Object.freeze({
    name: 'demo-small',
    description: 'Six teams on 24 nodes in three cohorts: borrowing, reclaim and priority preemption within half an hour.',
    seed: 21,
    nodes: 24,
    instanceMix: { 'ml.p5.48xlarge': 1, 'ml.g5.12xlarge': 1, 'ml.g5.8xlarge': 1 },
    teams: 6,
    teamsPerCohort: 2,
    workloads: 40,
    pods: 160,
    eventsPerSecond: 2,
    targetUtilization: 0.95,
    durationMs: 1_800_000,
    maxJobNodes: 4,
    daemonPodsPerNode: 2,
    notebooks: 4,
    nodeFailuresPerHour: 4,
  }),
});

export type BuiltinGeneratedName = keyof typeof BUILTIN_GENERATED;

export function isBuiltinGenerated(name: string): name is BuiltinGeneratedName {
  return Object.hasOwn(BUILTIN_GENERATED, name);
}

/** The built-in generated scenario of that name; a clear error naming the known ones otherwise. */
export function generateBuiltinScenario(name: string): Scenario {
  if (!isBuiltinGenerated(name)) {
    throw new ScenarioError(`no generated scenario named ${JSON.stringify(name)}; known: ${Object.keys(BUILTIN_GENERATED).join(', ')}`);
  }
  return generateScenario(BUILTIN_GENERATED[name]);
}

/** Options with every default filled in. */
export type ResolvedGeneratorOptions = Required<Omit<GeneratorOptions, 'borrowingLimitPercent' | 'start' | 'instanceMix' | 'priorityClasses'>> & {
  start: number;
  borrowingLimitPercent: number | null;
  instanceMix: Array<[string, number]>;
  priorityClasses: GeneratedPriorityClass[];
};

const OPTION_KEYS = new Set<string>([
  'name',
  'description',
  'seed',
  'start',
  'durationMs',
  'kueueApiVersion',
  'nodes',
  'instanceMix',
  'teams',
  'teamsPerCohort',
  'borrowingLimitPercent',
  'lendingLimitTeamShare',
  'lendingLimitPercent',
  'priorityClasses',
  'workloads',
  'pods',
  'eventsPerSecond',
  'targetUtilization',
  'teamDemandSpread',
  'durationSigma',
  'maxJobNodes',
  'daemonPodsPerNode',
  'notebooks',
  'notebookLifetimeMs',
  'nodeFailuresPerHour',
  'releaseAfterMs',
  'deleteAfterFinishMs',
]);

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DEFAULT_START = Date.UTC(2025, 5, 2, 8, 0, 0);

function fail(message: string): never {
  throw new ScenarioError(`generator: ${message}`);
}

function integer(value: number | undefined, key: string, min: number, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(`${key} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function real(value: number | undefined, key: string, min: number, max: number, fallback: number, minExclusive = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (minExclusive && value === min) || value > max) {
    fail(`${key} must be a number ${minExclusive ? 'above' : 'from'} ${min}${Number.isFinite(max) ? ` to ${max}` : ''} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Options with defaults filled in; a one-line ScenarioError on anything invalid. */
export function resolveGeneratorOptions(options: GeneratorOptions = {}): ResolvedGeneratorOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) fail('options must be an object');
  for (const key of Object.keys(options)) if (!OPTION_KEYS.has(key)) fail(`unknown option ${JSON.stringify(key)}`);
  const seed = integer(options.seed, 'seed', Number.MIN_SAFE_INTEGER, 1);
  let start = DEFAULT_START;
  if (typeof options.start === 'string') {
    start = Date.parse(options.start);
    if (Number.isNaN(start) || !/[zZ]|[+-]\d\d:\d\d$/.test(options.start)) fail(`start ${JSON.stringify(options.start)} is not an RFC 3339 time with a zone`);
  } else if (options.start !== undefined) {
    start = integer(options.start, 'start', 0, DEFAULT_START);
  }
  const name = options.name ?? `generated-${seed}`;
  if (typeof name !== 'string' || !K8S_NAME.test(name)) fail(`name ${JSON.stringify(name)} must be a Kubernetes name (lower case, digits, '-', '.')`);
  const kueueApiVersion = options.kueueApiVersion ?? 'v1beta1';
  if (kueueApiVersion !== 'v1beta1' && kueueApiVersion !== 'v1beta2') fail(`kueueApiVersion must be v1beta1 or v1beta2 (got ${JSON.stringify(kueueApiVersion)})`);
  const nodes = integer(options.nodes, 'nodes', 1, 100, 100_000);

  const mixInput = options.instanceMix ?? DEFAULT_INSTANCE_MIX;
  if (typeof mixInput !== 'object' || mixInput === null) fail('instanceMix must map instance types to shares');
  const instanceMix: Array<[string, number]> = [];
  for (const [type, share] of Object.entries(mixInput)) {
    const spec = instanceSpec(type);
    if (!spec) fail(`instanceMix: unknown instance type ${type}`);
    if (spec.gpu === 0 && spec.neuronDevices === 0) fail(`instanceMix: ${type} has no GPU or Neuron devices; the generator models accelerator nodes only`);
    real(share, `instanceMix.${type}`, 0, Infinity, 0);
    if (share > 0) instanceMix.push([type, share]);
  }
  if (instanceMix.length === 0) fail('instanceMix needs at least one instance type with a share above 0');

  const teams = integer(options.teams, 'teams', 1, 10, 10_000);
  const priorityClasses = (options.priorityClasses ?? DEFAULT_PRIORITY_CLASSES).map((p, i) => {
    const where = `priorityClasses[${i}]`;
    if (typeof p !== 'object' || p === null) fail(`${where} must be an object`);
    if (typeof p.name !== 'string' || !K8S_NAME.test(p.name)) fail(`${where}.name must be a Kubernetes name (got ${JSON.stringify(p.name)})`);
    integer(p.value, `${where}.value`, -2147483648, 0, 1_000_000_000);
    if (p.profile !== 'inference' && p.profile !== 'training' && p.profile !== 'experimentation') {
      fail(`${where}.profile must be inference, training or experimentation (got ${JSON.stringify(p.profile)})`);
    }
    real(p.share, `${where}.share`, 0, Infinity, 0);
    real(p.durationFactor, `${where}.durationFactor`, 0, Infinity, 1, true);
    return { name: p.name, value: p.value, profile: p.profile, share: p.share, durationFactor: p.durationFactor ?? 1 };
  });
  if (priorityClasses.length === 0 || !priorityClasses.some((p) => p.share > 0)) fail('priorityClasses needs at least one class with a share above 0');
  if (new Set(priorityClasses.map((p) => p.name)).size !== priorityClasses.length) fail('priorityClasses names must be unique');

  const borrowingLimitPercent = options.borrowingLimitPercent === null ? null : real(options.borrowingLimitPercent, 'borrowingLimitPercent', 0, 10_000, 50);
  const durationMs = integer(options.durationMs, 'durationMs', 60_000, 3_600_000, 366 * 86_400_000);
  return {
    name,
    description: options.description ?? '',
    seed,
    start,
    durationMs,
    kueueApiVersion,
    nodes,
    instanceMix,
    teams,
    teamsPerCohort: integer(options.teamsPerCohort, 'teamsPerCohort', 1, 6),
    borrowingLimitPercent,
    lendingLimitTeamShare: real(options.lendingLimitTeamShare, 'lendingLimitTeamShare', 0, 1, 0.2),
    lendingLimitPercent: real(options.lendingLimitPercent, 'lendingLimitPercent', 0, 100, 50),
    priorityClasses,
    workloads: integer(options.workloads, 'workloads', 1, 300, 10_000_000),
    pods: integer(options.pods, 'pods', 0, 1200, 100_000_000),
    eventsPerSecond: real(options.eventsPerSecond, 'eventsPerSecond', 0, 1_000_000, 5, true),
    targetUtilization: real(options.targetUtilization, 'targetUtilization', 0, 2, 0.9, true),
    teamDemandSpread: real(options.teamDemandSpread, 'teamDemandSpread', 0, 3, 0.6),
    durationSigma: real(options.durationSigma, 'durationSigma', 0, 4, 1.5),
    maxJobNodes: integer(options.maxJobNodes, 'maxJobNodes', 1, 64, 4096),
    daemonPodsPerNode: integer(options.daemonPodsPerNode, 'daemonPodsPerNode', 0, 3, 6),
    notebooks: integer(options.notebooks, 'notebooks', 0, Math.max(1, Math.round(nodes / 20))),
    notebookLifetimeMs: integer(options.notebookLifetimeMs, 'notebookLifetimeMs', 60_000, 4 * 3_600_000),
    nodeFailuresPerHour: real(options.nodeFailuresPerHour, 'nodeFailuresPerHour', 0, 100_000, nodes / 500),
    releaseAfterMs: roundSeconds(integer(options.releaseAfterMs, 'releaseAfterMs', 1000, 15_000, 3_600_000)),
    deleteAfterFinishMs: integer(options.deleteAfterFinishMs, 'deleteAfterFinishMs', 1000, 300_000),
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** sfc32 seeded through splitmix32 from the seed and a stream label: independent, reproducible streams. */
class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream: string) {
    let h = 0x811c9dc5;
    const text = `${seed}/${stream}`;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const mix = (): number => {
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /** Index drawn with the given (non-negative, not all zero) weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i]!;
      if (x < 0) return i;
    }
    return weights.length - 1;
  }

  hex(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += '0123456789abcdef'[this.int(16)];
    return s;
  }
}

/** Weighted choice among many items, by binary search over cumulative weights. */
class Picker<T> {
  private readonly cumulative: number[] = [];

  constructor(
    private readonly items: readonly T[],
    weights: readonly number[],
  ) {
    let sum = 0;
    for (const w of weights) this.cumulative.push((sum += w));
  }

  pick(rng: Random): T {
    const x = rng.next() * (this.cumulative[this.cumulative.length - 1] ?? 0);
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (x < this.cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo]!;
  }
}

// ---------------------------------------------------------------------------------------------
// Resources: exact integers in cpu millicores, memory MiB, device counts

const RESOURCES = ['cpu', 'memory', 'nvidia.com/gpu', 'aws.amazon.com/neurondevice', 'vpc.amazonaws.com/efa'] as const;
const CPU = 0;
const MEM = 1;
const GPU = 2;
const NEURON = 3;
const EFA = 4;
type Vec = number[];

const zero = (): Vec => [0, 0, 0, 0, 0];

function formatAmount(r: number, v: number): string {
  if (r === CPU) return v % 1000 === 0 ? String(v / 1000) : `${v}m`;
  if (r === MEM) return v % 1024 === 0 ? `${v / 1024}Gi` : `${v}Mi`;
  return String(v);
}

function requestsOf(v: Vec): Record<string, string> {
  const out: Record<string, string> = {};
  for (let r = 0; r < RESOURCES.length; r++) if (v[r]! > 0) out[RESOURCES[r]!] = formatAmount(r, v[r]!);
  return out;
}

const roundSeconds = (ms: number): number => Math.round(ms / 1000) * 1000;
const ceilSeconds = (ms: number): number => Math.max(1000, Math.ceil(ms / 1000) * 1000);

// ---------------------------------------------------------------------------------------------
// The cluster: flavors, teams, cohorts

interface Flavor {
  index: number;
  instanceType: string;
  spec: InstanceSpec;
  /** GPU or NEURON. */
  accelResource: number;
  /** Accelerators per node. */
  perNode: number;
  nodes: number;
  /** Index of its first node in the engine's node order. */
  firstNode: number;
  teams: Team[];
  teamPicker: Picker<Team>;
  /** Size tilt: a level of `a` accelerators has weight a^tilt. Calibrated. */
  tilt: number;
  /** Accelerator counts up to one node: 1, 2, 4, … and the node's own count. */
  smallLevels: number[];
  /** Whole-node counts in accelerators: 2, 4, 8, … nodes up to maxJobNodes. */
  bigLevels: number[];
  perPodCache: Map<string, Vec>;
}

interface Cohort {
  index: number;
  /** '' for a team standing alone. */
  name: string;
  members: Team[];
  /** What the members lend (lending limit, else all nominal), and how much of it is in use. */
  pool: Vec;
  poolUse: Vec;
  /** Bumped on every change of usage: a failed preemption attempt is not retried before it changes. */
  version: number;
  /** No admissions until evictions issued for a preemptor have released their quota. */
  frozenUntil: number;
  nominee: SimWorkload | null;
  dirty: boolean;
}

interface Team {
  index: number;
  name: string;
  namespace: string;
  flavor: Flavor;
  cohort: Cohort;
  nodes: number;
  nominal: Vec;
  borrowingLimit: Vec | null;
  lendingLimit: Vec | null;
  lendable: Vec;
  guaranteed: Vec;
  /** The most this team could ever hold: a larger workload would never be admitted. */
  maxUse: Vec;
  use: Vec;
  /** Pending workloads in queue order (priority, then creation). */
  pending: SimWorkload[];
  running: SimWorkload[];
  /** Demand relative to its quota (mean 1 over the cohort, weighted by quota). */
  demand: number;
}

function buildCluster(o: ResolvedGeneratorOptions, rng: Random): { flavors: Flavor[]; teams: Team[]; cohorts: Cohort[] } {
  // Nodes per instance type (largest remainder), types that get none are dropped.
  const nodeCounts = apportion(
    o.nodes,
    o.instanceMix.map(([, share]) => share),
    0,
  );
  const flavors: Flavor[] = [];
  let firstNode = 0;
  o.instanceMix.forEach(([instanceType], i) => {
    const nodes = nodeCounts[i]!;
    if (nodes === 0) return;
    const spec = instanceSpec(instanceType) as InstanceSpec;
    const perNode = spec.gpu || spec.neuronDevices;
    const smallLevels: number[] = [];
    for (let a = 1; a < perNode; a *= 2) smallLevels.push(a);
    smallLevels.push(perNode);
    const bigLevels: number[] = [];
    for (let n = 2; n <= Math.min(o.maxJobNodes, nodes); n *= 2) bigLevels.push(n * perNode);
    flavors.push({
      index: flavors.length,
      instanceType,
      spec,
      accelResource: spec.gpu ? GPU : NEURON,
      perNode,
      nodes,
      firstNode,
      teams: [],
      teamPicker: new Picker<Team>([], []),
      tilt: 0,
      smallLevels,
      bigLevels,
      perPodCache: new Map(),
    });
    firstNode += nodes;
  });
  if (o.teams < flavors.length) fail(`teams (${o.teams}) must be at least the number of instance types that get nodes (${flavors.length}): every node's quota belongs to a team`);
  if (o.teams > o.nodes) fail(`teams (${o.teams}) must not exceed nodes (${o.nodes}): every team gets at least one node of quota`);

  // Teams per flavor: proportional to nodes, at least one, at most one per node.
  const teamCounts = flavors.map(() => 1);
  for (let left = o.teams - flavors.length; left > 0; left--) {
    let best = -1;
    let bestScore = -Infinity;
    flavors.forEach((f, i) => {
      if (teamCounts[i]! >= f.nodes) return;
      const score = f.nodes / o.nodes - teamCounts[i]! / o.teams;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    teamCounts[best] = teamCounts[best]! + 1;
  }

  const teams: Team[] = [];
  const cohorts: Cohort[] = [];
  const pct = (v: number, p: number): number => Math.floor((v * p) / 100);
  for (const f of flavors) {
    const count = teamCounts[f.index]!;
    const shares = Array.from({ length: count }, () => rng.logNormal(0, 0.5));
    const teamNodes = apportion(f.nodes, shares, 1);
    const cohortCount = Math.ceil(count / o.teamsPerCohort);
    const fCohorts: Cohort[] = [];
    for (let k = 0; k < cohortCount; k++) {
      const c: Cohort = {
        index: cohorts.length,
        name: count === 1 ? '' : `${f.instanceType.replace(/^ml\./, '').replace(/\./g, '-')}-pool-${k + 1}`,
        members: [],
        pool: zero(),
        poolUse: zero(),
        version: 0,
        frozenUntil: 0,
        nominee: null,
        dirty: false,
      };
      cohorts.push(c);
      fCohorts.push(c);
    }
    for (let i = 0; i < count; i++) {
      const index = teams.length;
      const name = teamName(index);
      const n = teamNodes[i]!;
      const nominal = zero();
      nominal[CPU] = n * f.spec.vcpu * 1000;
      nominal[MEM] = n * f.spec.memoryGiB * 1024;
      nominal[f.accelResource] = n * f.perNode;
      nominal[EFA] = n * f.spec.efa;
      // Whole cores, GiB and devices, as the HyperPod console writes them.
      const units = [1000, 1024, 1, 1, 1];
      const limit = (p: number): Vec => nominal.map((v, r) => pct(v / units[r]!, p) * units[r]!);
      const lends = rng.chance(o.lendingLimitTeamShare);
      // Teams spread evenly over the flavor's cohorts (10 teams at 6 per cohort: 5 and 5).
      const cohort = fCohorts[Math.floor((i * cohortCount) / count)]!;
      const lendingLimit = lends ? limit(o.lendingLimitPercent) : null;
      const lendable = lendingLimit ?? [...nominal];
      const team: Team = {
        index,
        name,
        namespace: `hyperpod-ns-${name}`,
        flavor: f,
        cohort,
        nodes: n,
        nominal,
        borrowingLimit: o.borrowingLimitPercent === null ? null : limit(o.borrowingLimitPercent),
        lendingLimit,
        lendable,
        guaranteed: nominal.map((v, r) => v - lendable[r]!),
        maxUse: zero(),
        use: zero(),
        pending: [],
        running: [],
        demand: rng.logNormal(0, o.teamDemandSpread),
      };
      teams.push(team);
      f.teams.push(team);
      cohort.members.push(team);
      for (let r = 0; r < RESOURCES.length; r++) cohort.pool[r] = cohort.pool[r]! + lendable[r]!;
    }
    for (const c of fCohorts) balanceDemand(c.members, o);
    f.teamPicker = new Picker(
      f.teams,
      f.teams.map((t) => t.demand * t.nodes),
    );
  }
  for (const t of teams) {
    for (let r = 0; r < RESOURCES.length; r++) {
      const byLimit = t.borrowingLimit ? t.nominal[r]! + t.borrowingLimit[r]! : Infinity;
      t.maxUse[r] = Math.min(byLimit, t.guaranteed[r]! + t.cohort.pool[r]!);
    }
  }
  return { flavors, teams, cohorts };
}

/**
 * Demand relative to quota, per team of a cohort: spread out (some teams borrow, others lend), but
 * each cohort as a whole is loaded in proportion to its quota, and no team is expected to need more
 * than it could ever hold (an endless queue is not a realistic steady state).
 */
function balanceDemand(members: Team[], o: ResolvedGeneratorOptions): void {
  const limit = o.borrowingLimitPercent === null ? 2 : 1 + o.borrowingLimitPercent / 100;
  const high = Math.max(1, Math.min(limit - 0.2, 1.3) / o.targetUtilization);
  const low = 0.15;
  const nodes = members.reduce((a, t) => a + t.nodes, 0);
  for (let round = 0; round < 8; round++) {
    const weighted = members.reduce((a, t) => a + t.demand * t.nodes, 0);
    for (const t of members) t.demand = Math.min(high, Math.max(low, (t.demand * nodes) / weighted));
  }
}

const TEAM_AREAS = [
  'nlp', 'vision', 'speech', 'recsys', 'search', 'ads', 'robotics', 'genai', 'safety', 'platform', 'research', 'perception', 'forecasting',
  'fraud', 'translation', 'biology', 'chemistry', 'audio', 'video', 'multimodal', 'agents', 'evals', 'pretraining', 'alignment', 'retrieval', 'codegen',
];

function teamName(i: number): string {
  const area = TEAM_AREAS[i % TEAM_AREAS.length]!;
  const round = Math.floor(i / TEAM_AREAS.length);
  return round === 0 ? area : `${area}-${round + 1}`;
}

/** Splits `total` in proportion to `weights` (largest remainder), giving each at least `min`. */
function apportion(total: number, weights: readonly number[], min: number): number[] {
  const out = weights.map(() => min);
  const rest = total - min * weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum > 0 ? (rest * w) / sum : rest / weights.length));
  let given = 0;
  exact.forEach((x, i) => {
    out[i] = out[i]! + Math.floor(x);
    given += Math.floor(x);
  });
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; k < rest - given; k++) {
    const i = order[k % order.length]![1];
    out[i] = out[i]! + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Workload shapes

interface Shape {
  /** Accelerator pods. */
  pods: number;
  accelPerPod: number;
  /** Multi-node: the pods ask for their node's EFA devices. */
  efa: boolean;
  /** CPU-only pods of a second pod set: data loaders, Ray CPU workers, inference routers. */
  helpers: number;
}

/** Requests of a CPU-only helper pod. */
const HELPER: Vec = [2000, 8 * 1024, 0, 0, 0];
const HELPER_POD_SET: Record<WorkloadProfile, string> = { training: 'data-loader', experimentation: 'cpu-worker', inference: 'router' };

const INFERENCE_REPLICAS = [1, 2, 4, 8];
const INFERENCE_REPLICA_WEIGHTS = [0.45, 0.3, 0.17, 0.08];

/** Per-pod requests on a flavor: accelerators plus the same share of (most of) the node's CPU and memory. */
function perPodRequests(f: Flavor, accel: number, efa: boolean): Vec {
  const key = `${accel}/${efa ? 1 : 0}`;
  const cached = f.perPodCache.get(key);
  if (cached) return cached;
  const v = zero();
  const share = accel / f.perNode;
  // 90% of the node: the kubelet's reservation and the DaemonSet pods need the rest.
  v[CPU] = Math.max(100, Math.floor(share * f.spec.vcpu * 0.9 * 10) * 100);
  v[MEM] = Math.max(1, Math.floor(share * f.spec.memoryGiB * 0.9)) * 1024;
  v[f.accelResource] = accel;
  const efaPerPod = (f.spec.efa * accel) / f.perNode;
  if (efa && Number.isInteger(efaPerPod) && efaPerPod > 0) v[EFA] = efaPerPod;
  f.perPodCache.set(key, v);
  return v;
}

function shapeRequests(f: Flavor, s: Shape): Vec {
  const per = perPodRequests(f, s.accelPerPod, s.efa);
  return per.map((v, r) => v * s.pods + HELPER[r]! * s.helpers);
}

function shapeFits(team: Team, s: Shape): boolean {
  const req = shapeRequests(team.flavor, s);
  for (let r = 0; r < RESOURCES.length; r++) if (req[r]! > team.maxUse[r]!) return false;
  return true;
}

/** Poisson-distributed count (Knuth; means here are small). */
function poisson(rng: Random, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-Math.min(mean, 30));
  let k = 0;
  for (let p = rng.next(); p > limit; p *= rng.next()) k++;
  return k;
}

function tilted(rng: Random, levels: readonly number[], tilt: number): number {
  return levels[rng.weighted(levels.map((a) => Math.pow(a, tilt)))]!;
}

/** A size for a workload of this profile on the team's flavor; shrunk until the team could ever hold it. */
function drawShape(rng: Random, profile: WorkloadProfile, team: Team, layout: PodLayout): Shape {
  const f = team.flavor;
  let s: Shape;
  if (profile === 'experimentation') {
    s = { pods: 1, accelPerPod: tilted(rng, f.smallLevels, f.tilt), efa: false, helpers: 0 };
  } else if (profile === 'inference') {
    s = { pods: INFERENCE_REPLICAS[rng.weighted(INFERENCE_REPLICA_WEIGHTS)]!, accelPerPod: tilted(rng, f.smallLevels, f.tilt), efa: false, helpers: 0 };
  } else {
    const total = tilted(rng, [...f.smallLevels, ...f.bigLevels], f.tilt);
    s = trainingShape(f, total, total > 1 && rng.chance(layout.perAccelerator), 0);
  }
  s.helpers = poisson(rng, layout.helpers);
  // One pod with one accelerator always fits: every team has at least one node of quota.
  while (!shapeFits(team, s) && (s.helpers > 0 || s.pods * s.accelPerPod > 1)) {
    const total = s.pods * s.accelPerPod;
    if (s.helpers > 0) s = { ...s, helpers: Math.floor(s.helpers / 2) };
    else if (profile === 'training') s = trainingShape(f, Math.max(1, Math.floor(total / 2)), s.accelPerPod === 1 && s.pods > 1, 0);
    else if (s.pods > 1) s = { ...s, pods: Math.floor(s.pods / 2) };
    else s = { ...s, accelPerPod: Math.max(1, Math.floor(s.accelPerPod / 2)) };
  }
  return s;
}

function trainingShape(f: Flavor, total: number, perAccel: boolean, helpers: number): Shape {
  const multiNode = total > f.perNode;
  if (perAccel) return { pods: total, accelPerPod: 1, efa: multiNode, helpers };
  if (multiNode) return { pods: total / f.perNode, accelPerPod: f.perNode, efa: true, helpers };
  return { pods: 1, accelPerPod: total, efa: false, helpers };
}

/** How workloads lay out their pods: calibrated so the pods reach the requested count. */
interface PodLayout {
  /** Chance a training job runs one pod per accelerator rather than one per node. */
  perAccelerator: number;
  /** Mean number of CPU-only helper pods per workload. */
  helpers: number;
}

/**
 * Kubernetes object writes the engine makes over a workload's life: submit 2 (workload, ClusterQueue
 * pending count); admit 2 + P (workload, ClusterQueue, pods); then inference is deleted while it
 * runs, 3 + 2P (workload update and removal, pods updated and removed, ClusterQueue), and other
 * work finishes, 2 + P, and is deleted, 2 + 2P (the ClusterQueue does not change then).
 */
function lifecycleChanges(profile: WorkloadProfile, pods: number): number {
  return profile === 'inference' ? 7 + 3 * pods : 8 + 4 * pods;
}

// ---------------------------------------------------------------------------------------------
// Calibration: sizes, pods, arrival rate, durations

interface ClassPlan extends GeneratedPriorityClass {
  index: number;
  /** Mean duration (ms) and the log-normal's mu. */
  meanMs: number;
  mu: number;
}

interface Plan {
  classes: ClassPlan[];
  /** Classes of the population alive at start (weighted by share × duration), and of arrivals. */
  aliveClass: Picker<ClassPlan>;
  arrivalClass: Picker<ClassPlan>;
  flavorPicker: Picker<Flavor>;
  layout: PodLayout;
  arrivalsPerMs: number;
}

function calibrate(o: ResolvedGeneratorOptions, flavors: Flavor[]): Plan {
  const totalAccel = flavors.reduce((a, f) => a + f.nodes * f.perNode, 0);
  // Workloads go to instance types by accelerators, so the mean size in accelerators is the same everywhere.
  const flavorPicker = new Picker(
    flavors,
    flavors.map((f) => f.nodes * f.perNode),
  );
  const aliveWeights = o.priorityClasses.map((p) => p.share * p.durationFactor);
  const classesForPick = o.priorityClasses.map((p, index) => ({ ...p, index, meanMs: 0, mu: 0 }));
  const aliveClass = new Picker(classesForPick, aliveWeights);
  const arrivalClass = new Picker(
    classesForPick,
    o.priorityClasses.map((p) => p.share),
  );

  // Monte Carlo means over a fixed stream (common random numbers keep the bisections steady).
  const samples = 1200;
  const sampleMean = (f: Flavor, layout: PodLayout, classes: Picker<ClassPlan>, what: 'accel' | 'pods'): number => {
    const rng = new Random(o.seed, `calibrate/${f.index}`);
    let sum = 0;
    for (let i = 0; i < samples; i++) {
      const cls = classes.pick(rng);
      const s = drawShape(rng, cls.profile, f.teamPicker.pick(rng), layout);
      sum += what === 'accel' ? s.pods * s.accelPerPod : s.pods + s.helpers;
    }
    return sum / samples;
  };
  const plain: PodLayout = { perAccelerator: 0.5, helpers: 0 };

  // 1. Size tilt per flavor: the initial population asks for targetUtilization of the accelerators.
  const targetAccel = (o.targetUtilization * totalAccel) / o.workloads;
  for (const f of flavors) {
    let lo = -6;
    let hi = 4;
    f.tilt = lo;
    if (sampleMean(f, plain, aliveClass, 'accel') >= targetAccel) continue;
    f.tilt = hi;
    if (sampleMean(f, plain, aliveClass, 'accel') <= targetAccel) continue;
    for (let i = 0; i < 22; i++) {
      f.tilt = (lo + hi) / 2;
      if (sampleMean(f, plain, aliveClass, 'accel') < targetAccel) lo = f.tilt;
      else hi = f.tilt;
    }
    f.tilt = (lo + hi) / 2;
  }

  // 2. Pods per workload: how often jobs run one pod per accelerator, so pods reach the target.
  const totalNodes = flavors.reduce((a, f) => a + f.nodes, 0);
  const basePlain = o.daemonPodsPerNode * totalNodes + o.notebooks;
  // About 95% of the initial population is admitted at the start (and only admitted workloads have pods).
  const targetPods = Math.max(0, o.pods - basePlain) / (o.workloads * 0.95);
  const weightOf = (f: Flavor): number => (f.nodes * f.perNode) / totalAccel;
  const meanPods = (layout: PodLayout): number => flavors.reduce((a, f) => a + weightOf(f) * sampleMean(f, layout, aliveClass, 'pods'), 0);
  // Training jobs run one pod per node or one per accelerator (half and half when that is enough);
  // beyond one pod per accelerator, CPU-only helper pods make up the rest.
  const layout: PodLayout = { perAccelerator: 0.5, helpers: 0 };
  if (meanPods(layout) > targetPods) {
    let lo = 0;
    let hi = 0.5;
    for (let i = 0; i < 14; i++) {
      layout.perAccelerator = (lo + hi) / 2;
      if (meanPods(layout) < targetPods) lo = layout.perAccelerator;
      else hi = layout.perAccelerator;
    }
    layout.perAccelerator = (lo + hi) / 2;
  } else {
    // Helpers take CPU quota: at most about a tenth of the cluster's vCPUs, the rest of the pods are
    // notebooks (outside Kueue).
    const totalVcpu = flavors.reduce((a, f) => a + f.nodes * f.spec.vcpu, 0);
    const helperBudget = Math.min(16, (0.1 * totalVcpu) / (o.workloads * (HELPER[CPU]! / 1000)));
    layout.perAccelerator = 1;
    let lo = 0;
    let hi = helperBudget;
    if (meanPods({ perAccelerator: 1, helpers: hi }) < targetPods) lo = hi;
    for (let i = 0; i < 16 && lo < hi; i++) {
      layout.helpers = (lo + hi) / 2;
      if (meanPods(layout) < targetPods) lo = layout.helpers;
      else hi = layout.helpers;
    }
    layout.helpers = (lo + hi) / 2;
  }

  // 3. Arrival rate from the churn target, less what notebooks and nodes contribute.
  let changesPerArrival = 0;
  for (const cls of classesForPick) {
    if (cls.share === 0) continue;
    let pods = 0;
    for (const f of flavors) {
      const rng = new Random(o.seed, `calibrate-pods/${cls.index}/${f.index}`);
      let sum = 0;
      for (let i = 0; i < samples / 4; i++) {
        const shape = drawShape(rng, cls.profile, f.teamPicker.pick(rng), layout);
        sum += shape.pods + shape.helpers;
      }
      pods += (weightOf(f) * sum) / (samples / 4);
    }
    const shareSum = o.priorityClasses.reduce((a, p) => a + p.share, 0);
    changesPerArrival += (cls.share / shareSum) * lifecycleChanges(cls.profile, pods);
  }
  const notebookChanges = (o.notebooks * 4) / (o.notebookLifetimeMs / 1000);
  const nodeChanges = (o.nodeFailuresPerHour * 2) / 3600;
  const workloadChangesPerSecond = Math.max(o.eventsPerSecond * 0.05, o.eventsPerSecond - notebookChanges - nodeChanges);
  const arrivalsPerMs = workloadChangesPerSecond / changesPerArrival / 1000;

  // 4. Durations: Little's law, population = arrival rate × mean time in the system.
  const meanMs = o.workloads / arrivalsPerMs;
  const shareSum = o.priorityClasses.reduce((a, p) => a + p.share, 0);
  const factorMean = o.priorityClasses.reduce((a, p) => a + (p.share / shareSum) * p.durationFactor, 0);
  for (const cls of classesForPick) {
    cls.meanMs = Math.min(30 * 86_400_000, Math.max(120_000, (meanMs * cls.durationFactor) / factorMean));
    cls.mu = Math.log(cls.meanMs) - (o.durationSigma * o.durationSigma) / 2;
  }
  return { classes: classesForPick, aliveClass, arrivalClass, flavorPicker, layout, arrivalsPerMs };
}

// ---------------------------------------------------------------------------------------------
// Workloads and the Kueue-like scheduler

type State = 'pending' | 'running' | 'evicting' | 'done';

interface SimWorkload {
  index: number;
  spec: WorkloadSpec;
  team: Team;
  cls: ClassPlan;
  req: Vec;
  pods: number;
  priority: number;
  /** Creation time: queue order within a priority. */
  created: number;
  state: State;
  /** Run time still needed (jobs resume from a checkpoint after a preemption). */
  workLeft: number;
  finishAt: number;
  admittedAt: number;
  /** Bumped on eviction: a finish scheduled before is stale. */
  epoch: number;
  failedVersion: number;
  admittedAtStart: boolean;
}

/** What a timeline event does. */
const Kind = { Release: 0, Finish: 1, Delete: 2, GiveUp: 3, Arrive: 4 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface SimEvent {
  t: number;
  seq: number;
  kind: Kind;
  w: SimWorkload | null;
  epoch: number;
}

/** Binary min-heap on (t, seq). */
class EventQueue {
  private readonly heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  peekTime(): number {
    return this.heap[0]?.t ?? Infinity;
  }

  push(t: number, kind: Kind, w: SimWorkload | null, epoch = 0): void {
    const e: SimEvent = { t, seq: this.seq++, kind, w, epoch };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  pop(): SimEvent {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

const before = (a: SimEvent, b: SimEvent): boolean => a.t < b.t || (a.t === b.t && a.seq < b.seq);

/** Queue order in a ClusterQueue: higher priority first, then older, then generation order. */
const queueOrder = (a: SimWorkload, b: SimWorkload): number => b.priority - a.priority || a.created - b.created || a.index - b.index;

const JOB_WORDS: Record<WorkloadProfile, readonly string[]> = {
  training: ['pretrain', 'finetune', 'sft', 'rlhf', 'distill', 'ablation', 'continued-pretrain', 'dpo'],
  experimentation: ['sweep', 'eval', 'debug', 'profile', 'bench', 'hpo', 'smoke-test'],
  inference: ['serve', 'embed', 'rerank', 'chat', 'asr', 'batch-infer'],
};

/**
 * Kueue's decisions, simulated over the timeline (after kueue.x-k8s.io's scheduler and classical
 * preemption, v0.10–v0.12, simplified to one flavor per ClusterQueue):
 *
 * - Quota: a ClusterQueue may hold up to nominal + borrowing limit per flavor and resource, and the
 *   cohort's members together may not use more of the lendable pool than there is (members lend their
 *   lending limit, else all nominal; what they do not lend stays guaranteed to them): the engine's
 *   `checkQuota` rule, mirrored exactly in integers.
 * - BestEffortFIFO: a cycle runs for a cohort whenever its usage or queues change. Each round looks at
 *   the head of every ClusterQueue (priority, then creation time), heads that need no borrowing first;
 *   a head that does not fit is set aside and the next workload of its queue gets a chance.
 * - Preemption, tried by the first head per ClusterQueue and cycle that does not fit. Resources needing
 *   preemption are those it does not fit in even borrowing. Candidates: lower-priority workloads of its
 *   own queue (`withinClusterQueue: LowerPriority`) and any workload of a cohort member borrowing those
 *   resources (`reclaimWithinCohort: Any`), ordered other queues first, then lower priority, then most
 *   recently admitted. Reclaiming from other queues is tried only while the preemptor's queue is under
 *   nominal, and then the preemptor must fit without borrowing (`borrowWithinCohort: Never`); otherwise
 *   only its own queue's candidates, borrowing allowed. Kueue's minimalPreemptions picks the victims:
 *   remove in order until the preemptor fits, then put back those not needed.
 * - Victims are evicted (reason Preempted, InClusterQueue or InCohortReclamation), release their quota
 *   `releaseAfterMs` later and re-queue, keeping their progress (jobs resume from a checkpoint). The
 *   cohort admits nothing else meanwhile, and the preemptor is admitted first when the quota is free.
 * - Finished work releases its quota; inference is deleted rather than finished; an experiment left
 *   pending for long is deleted by its owner.
 */
class Scheduler {
  readonly workloads: SimWorkload[] = [];
  private readonly queue = new EventQueue();
  private readonly end: number;
  private jobSeq = 0;
  /** The Poisson arrival clock, exact; arrivals happen at the next whole second. */
  private arrivalClock: number;
  private readonly rng: Random;

  constructor(
    private readonly o: ResolvedGeneratorOptions,
    private readonly plan: Plan,
    private readonly cohorts: Cohort[],
  ) {
    this.end = o.start + o.durationMs;
    this.rng = new Random(o.seed, 'workloads');
    this.arrivalClock = o.start;
  }

  private scheduleArrival(): void {
    this.arrivalClock += this.rng.exponential(1 / this.plan.arrivalsPerMs);
    const at = ceilSeconds(this.arrivalClock - this.o.start) + this.o.start;
    if (at < this.end) this.queue.push(at, Kind.Arrive, null);
  }

  run(): void {
    const { o, plan, rng } = this;
    // The population alive at start: durations length-biased (longer jobs are more likely to be
    // running at any instant), and each is somewhere in the middle of its run.
    const sigma2 = o.durationSigma * o.durationSigma;
    for (let i = 0; i < o.workloads; i++) {
      const cls = plan.aliveClass.pick(rng);
      const total = rng.logNormal(cls.mu + sigma2, o.durationSigma);
      const elapsed = roundSeconds(rng.next() * total);
      const w = this.newWorkload(cls, o.start - elapsed, Math.max(60_000, total - elapsed));
      this.submit(w, o.start);
    }
    this.scheduleArrival();
    for (const c of this.cohorts) this.cycle(c, o.start);
    for (const w of this.workloads) if (w.state === 'running') w.admittedAtStart = true;

    while (this.queue.size > 0) {
      const t = this.queue.peekTime();
      while (this.queue.peekTime() === t) this.handle(this.queue.pop(), t);
      for (const c of this.cohorts) if (c.dirty && t >= c.frozenUntil) this.cycle(c, t);
    }
  }

  private newWorkload(cls: ClassPlan, created: number, work: number): SimWorkload {
    const rng = this.rng;
    const f = this.plan.flavorPicker.pick(rng);
    const team = f.teamPicker.pick(rng);
    const shape = drawShape(rng, cls.profile, team, this.plan.layout);
    const perPod = perPodRequests(f, shape.accelPerPod, shape.efa);
    const kind =
      cls.profile === 'inference' ? 'Deployment' : cls.profile === 'training' ? (rng.chance(0.5) ? 'HyperPodPyTorchJob' : 'PyTorchJob') : rng.chance(0.7) ? 'Job' : 'RayJob';
    const words = JOB_WORDS[cls.profile];
    const jobName = `${words[rng.int(words.length)]!}-${(this.jobSeq++).toString(36).padStart(4, '0')}`;
    const podSets: PodSetSpec[] = [{ name: cls.profile === 'training' ? 'worker' : 'main', count: shape.pods, requests: requestsOf(perPod) }];
    if (shape.helpers > 0) podSets.push({ name: HELPER_POD_SET[cls.profile], count: shape.helpers, requests: requestsOf(HELPER) });
    const spec: WorkloadSpec = {
      name: `${kind.toLowerCase()}-${jobName}-${rng.hex(5)}`,
      team: team.name,
      namespace: team.namespace,
      priorityClass: cls.name,
      job: { kind, name: jobName },
      podSets,
      events: [],
    };
    const w: SimWorkload = {
      index: this.workloads.length,
      spec,
      team,
      cls,
      req: shapeRequests(f, shape),
      pods: shape.pods + shape.helpers,
      priority: cls.value,
      created,
      state: 'pending',
      workLeft: ceilSeconds(work),
      finishAt: 0,
      admittedAt: 0,
      epoch: 0,
      failedVersion: -1,
      admittedAtStart: false,
    };
    this.workloads.push(w);
    return w;
  }

  private submit(w: SimWorkload, t: number): void {
    w.spec.events.push({ at: t, type: 'submit' });
    this.enqueue(w);
    if (w.cls.profile === 'experimentation') {
      // Nobody waits for a quick experiment forever: the owner deletes it after a while in the queue.
      const giveUp = t + ceilSeconds(Math.max(120_000, this.rng.logNormal(Math.log(45 * 60_000), 0.7)));
      if (giveUp <= this.end) this.queue.push(giveUp, Kind.GiveUp, w);
    }
  }

  private enqueue(w: SimWorkload): void {
    const list = w.team.pending;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (queueOrder(list[mid]!, w) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, w);
    w.team.cohort.dirty = true;
  }

  private handle(e: SimEvent, t: number): void {
    const w = e.w;
    switch (e.kind) {
      case Kind.Arrive: {
        const cls = this.plan.arrivalClass.pick(this.rng);
        const nw = this.newWorkload(cls, t, this.rng.logNormal(cls.mu, this.o.durationSigma));
        this.submit(nw, t);
        this.scheduleArrival();
        break;
      }
      case Kind.Finish:
        if (!w || w.epoch !== e.epoch || w.state !== 'running') break;
        if (w.cls.profile === 'inference') {
          // Deployments do not finish: they are deleted (scaled away), which frees the quota.
          w.spec.events.push({ at: t, type: 'delete' });
        } else {
          w.spec.events.push({ at: t, type: 'finish', succeeded: !this.rng.chance(0.08) });
          const del = t + ceilSeconds(this.rng.logNormal(Math.log(this.o.deleteAfterFinishMs), 0.8));
          if (del <= this.end) this.queue.push(del, Kind.Delete, w);
        }
        this.stopRunning(w);
        this.changeUse(w.team, w.req, -1);
        w.state = 'done';
        break;
      case Kind.Release:
        if (!w) break;
        this.changeUse(w.team, w.req, -1);
        w.state = 'pending';
        this.enqueue(w);
        break;
      case Kind.Delete:
        if (w) w.spec.events.push({ at: t, type: 'delete' });
        break;
      case Kind.GiveUp:
        if (!w || w.state !== 'pending') break;
        w.spec.events.push({ at: t, type: 'delete' });
        w.state = 'done';
        w.team.pending = w.team.pending.filter((x) => x !== w);
        if (w.team.cohort.nominee === w) w.team.cohort.nominee = null;
        break;
    }
  }

  /** Usage of a team changes: keeps the cohort's pool use in step. */
  private changeUse(team: Team, req: Vec, sign: 1 | -1, bump = true): void {
    const c = team.cohort;
    for (let r = 0; r < RESOURCES.length; r++) {
      const q = req[r]!;
      if (q === 0) continue;
      const u = team.use[r]!;
      const after = u + sign * q;
      const g = team.guaranteed[r]!;
      c.poolUse[r] = c.poolUse[r]! - Math.max(0, u - g) + Math.max(0, after - g);
      team.use[r] = after;
    }
    if (bump) {
      c.version++;
      c.dirty = true;
    }
  }

  /** The engine's `checkQuota`, plus Kueue's "without borrowing" variant. */
  private fits(team: Team, req: Vec, allowBorrowing: boolean): boolean {
    const c = team.cohort;
    for (let r = 0; r < RESOURCES.length; r++) {
      const q = req[r]!;
      if (q === 0) continue;
      const u = team.use[r]!;
      const after = u + q;
      const nominal = team.nominal[r]!;
      if (after > nominal && (!allowBorrowing || (team.borrowingLimit && after > nominal + team.borrowingLimit[r]!))) return false;
      const g = team.guaranteed[r]!;
      if (c.poolUse[r]! - Math.max(0, u - g) + Math.max(0, after - g) > c.pool[r]!) return false;
    }
    return true;
  }

  private needsBorrowing(w: SimWorkload): boolean {
    for (let r = 0; r < RESOURCES.length; r++) if (w.req[r]! > 0 && w.team.use[r]! + w.req[r]! > w.team.nominal[r]!) return true;
    return false;
  }

  /** Whether the team uses more than its nominal quota of any of these resources (non-zero entries). */
  private isBorrowing(team: Team, resources: Vec): boolean {
    for (let r = 0; r < RESOURCES.length; r++) if (resources[r]! > 0 && team.use[r]! > team.nominal[r]!) return true;
    return false;
  }

  private admit(w: SimWorkload, t: number): void {
    w.spec.events.push({ at: t, type: 'admit', flavor: w.team.flavor.instanceType });
    this.changeUse(w.team, w.req, 1);
    w.state = 'running';
    w.admittedAt = t;
    w.team.running.push(w);
    w.finishAt = t + w.workLeft;
    if (w.finishAt <= this.end) this.queue.push(w.finishAt, Kind.Finish, w, w.epoch);
  }

  private stopRunning(w: SimWorkload): void {
    const list = w.team.running;
    const i = list.indexOf(w);
    if (i >= 0) {
      list[i] = list[list.length - 1]!;
      list.pop();
    }
  }

  private cycle(c: Cohort, t: number): void {
    c.dirty = false;
    const nominee = c.nominee;
    c.nominee = null;
    if (nominee && nominee.state === 'pending') {
      if (!this.fits(nominee.team, nominee.req, true)) throw new Error(`generator: internal error: preemptor ${nominee.spec.name} does not fit after its victims left`);
      this.admit(nominee, t);
    }
    const queues = c.members.filter((m) => m.pending.length > 0).map((team) => ({ team, pos: 0, tried: false }));
    let preempted = false;
    while (!preempted) {
      const heads: Array<{ q: (typeof queues)[number]; w: SimWorkload; borrows: boolean }> = [];
      for (const q of queues) {
        const list = q.team.pending;
        while (q.pos < list.length && list[q.pos]!.state !== 'pending') q.pos++;
        const w = list[q.pos];
        if (w) heads.push({ q, w, borrows: this.needsBorrowing(w) });
      }
      if (heads.length === 0) break;
      heads.sort((a, b) => Number(a.borrows) - Number(b.borrows) || queueOrder(a.w, b.w));
      for (const { q, w } of heads) {
        q.pos++;
        if (this.fits(w.team, w.req, true)) {
          this.admit(w, t);
          continue;
        }
        if (q.tried) continue;
        q.tried = true;
        if (this.preempt(w, t)) {
          preempted = true;
          break;
        }
      }
    }
    for (const m of c.members) if (m.pending.length > 0) m.pending = m.pending.filter((w) => w.state === 'pending');
  }

  private preempt(w: SimWorkload, t: number): boolean {
    const team = w.team;
    const c = team.cohort;
    if (t + this.o.releaseAfterMs > this.end || w.failedVersion === c.version) return false;
    // The resources needing preemption: those the workload does not fit in, even borrowing.
    const needs = zero();
    for (let r = 0; r < RESOURCES.length; r++) {
      const one = zero();
      one[r] = w.req[r]!;
      if (one[r]! > 0 && !this.fits(team, one, true)) needs[r] = 1;
    }
    const uses = (x: SimWorkload): boolean => x.req.some((q, r) => q > 0 && needs[r]! > 0);
    const candidates: SimWorkload[] = [];
    for (const x of team.running) if (x.priority < w.priority && x.admittedAt < t && uses(x)) candidates.push(x);
    const own = candidates.length;
    for (const m of c.members) {
      if (m === team || !this.isBorrowing(m, needs)) continue;
      for (const x of m.running) if (x.admittedAt < t && uses(x)) candidates.push(x);
    }
    let targets: SimWorkload[] | null = null;
    if (candidates.length > 0) {
      candidates.sort(
        (a, b) => Number(a.team === team) - Number(b.team === team) || a.priority - b.priority || b.admittedAt - a.admittedAt || b.index - a.index,
      );
      if (own === candidates.length) {
        targets = this.minimalPreemptions(w, candidates, needs, true);
      } else {
        // Reclaim from other queues only while under nominal, and then without borrowing; otherwise
        // only the own queue, borrowing allowed.
        let underNominal = true;
        for (let r = 0; r < RESOURCES.length; r++) if (needs[r]! > 0 && team.use[r]! >= team.nominal[r]!) underNominal = false;
        if (underNominal) targets = this.minimalPreemptions(w, candidates, needs, false);
        targets ??= own > 0 ? this.minimalPreemptions(w, candidates.filter((x) => x.team === team), needs, true) : null;
      }
    }
    if (!targets) {
      w.failedVersion = c.version;
      return false;
    }
    for (const x of targets) {
      const preemption = x.team === w.team ? 'InClusterQueue' : 'InCohortReclamation';
      x.spec.events.push({ at: t, type: 'evict', reason: 'Preempted', preemption, releaseAfterMs: this.o.releaseAfterMs });
      this.stopRunning(x);
      x.state = 'evicting';
      x.epoch++;
      x.workLeft = ceilSeconds(Math.max(60_000, x.finishAt - t));
      this.queue.push(t + this.o.releaseAfterMs, Kind.Release, x);
    }
    c.frozenUntil = t + this.o.releaseAfterMs;
    c.nominee = w;
    return true;
  }

  /** Kueue's minimalPreemptions: remove candidates in order until the workload fits, then put back the ones not needed. */
  private minimalPreemptions(w: SimWorkload, candidates: SimWorkload[], needs: Vec, allowBorrowing: boolean): SimWorkload[] | null {
    const removed: SimWorkload[] = [];
    let fits = false;
    for (const x of candidates) {
      if (x.team !== w.team && !this.isBorrowing(x.team, needs)) continue;
      this.changeUse(x.team, x.req, -1, false);
      removed.push(x);
      if (this.fits(w.team, w.req, allowBorrowing)) {
        fits = true;
        break;
      }
    }
    if (fits) {
      for (let i = removed.length - 2; i >= 0; i--) {
        const x = removed[i]!;
        this.changeUse(x.team, x.req, 1, false);
        if (this.fits(w.team, w.req, allowBorrowing)) removed.splice(i, 1);
        else this.changeUse(x.team, x.req, -1, false);
      }
    }
    for (const x of removed) this.changeUse(x.team, x.req, 1, false);
    return fits ? removed : null;
  }
}

// ---------------------------------------------------------------------------------------------
// Plain pods and node events

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

interface DaemonSet {
  name: string;
  namespace: string;
  priorityClass: string;
  requests: Record<string, string>;
}

function daemonSetsFor(spec: InstanceSpec): DaemonSet[] {
  const system = (name: string, cpu: string, memory: string): DaemonSet => ({ name, namespace: 'kube-system', priorityClass: 'system-node-critical', requests: { cpu, memory } });
  const obs = (name: string, cpu: string, memory: string): DaemonSet => ({ name, namespace: 'hyperpod-observability', priorityClass: '', requests: { cpu, memory } });
  const list = [system('aws-node', '25m', '64Mi'), system('kube-proxy', '100m', '128Mi')];
  list.push(spec.gpu ? system('nvidia-device-plugin-daemonset', '50m', '64Mi') : system('neuron-device-plugin-daemonset', '50m', '64Mi'));
  list.push(spec.gpu ? obs('hyp-obs-dcgm-exporter', '100m', '256Mi') : obs('hyp-obs-neuron-monitor', '100m', '256Mi'));
  if (spec.efa) list.push(system('aws-efa-k8s-device-plugin-daemonset', '10m', '32Mi'));
  list.push(obs('hyp-obs-node-exporter', '100m', '128Mi'));
  return list;
}

function plainPods(o: ResolvedGeneratorOptions, flavors: Flavor[], teams: Team[], notebooks: number): PlainPodSpec[] {
  const rng = new Random(o.seed, 'plain-pods');
  const end = o.start + o.durationMs;
  const pods: PlainPodSpec[] = [];
  const used = new Set<string>();
  const suffixed = (base: string, namespace: string): string => {
    for (;;) {
      let s = '';
      for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[rng.int(SUFFIX_ALPHABET.length)];
      const name = `${base}-${s}`;
      if (!used.has(`${namespace}/${name}`)) {
        used.add(`${namespace}/${name}`);
        return name;
      }
    }
  };
  // DaemonSet pods: on every node for the whole run.
  for (const f of flavors) {
    const sets = daemonSetsFor(f.spec).slice(0, o.daemonPodsPerNode);
    for (let n = 0; n < f.nodes; n++) {
      for (const ds of sets) {
        pods.push({
          name: suffixed(ds.name, ds.namespace),
          namespace: ds.namespace,
          node: f.firstNode + n,
          owner: { kind: 'DaemonSet', name: ds.name },
          priorityClass: ds.priorityClass,
          requests: ds.requests,
          events: [
            { at: o.start, type: 'create' },
            { at: o.start, type: 'run' },
          ],
        });
      }
    }
  }
  // Notebooks (CPU only, outside Kueue): each slot holds one notebook at a time; when it is deleted its
  // owner starts another a little later.
  const totalNodes = flavors.reduce((a, f) => a + f.nodes, 0);
  const sigma = 1;
  const mu = Math.log(o.notebookLifetimeMs) - (sigma * sigma) / 2;
  const sizes = [
    { cpu: '2', memory: '8Gi' },
    { cpu: '4', memory: '16Gi' },
    { cpu: '8', memory: '32Gi' },
  ];
  for (let slot = 0; slot < notebooks; slot++) {
    const team = teams[slot % teams.length]!;
    const user = `${team.name}-user${Math.floor(slot / teams.length) + 1}`;
    // Alive at start: length-biased lifetime, part of it already gone.
    let t = o.start;
    let life = rng.next() * rng.logNormal(mu + sigma * sigma, sigma);
    for (let generation = 0; ; generation++) {
      const running = generation === 0 ? t : t + ceilSeconds(10_000 + rng.next() * 80_000);
      const gone = running + ceilSeconds(Math.max(60_000, life));
      const events: PodEvent[] = [{ at: t, type: 'create' }];
      if (running <= end) events.push({ at: running, type: 'run' });
      if (gone <= end) events.push({ at: gone, type: 'delete' });
      pods.push({
        name: generation === 0 ? `jupyter-${user}` : `jupyter-${user}-${generation + 1}`,
        namespace: 'jupyterhub',
        node: rng.int(totalNodes),
        owner: null,
        priorityClass: '',
        requests: sizes[rng.int(sizes.length)]!,
        events,
      });
      if (gone > end) break;
      t = gone + ceilSeconds(30_000 + rng.next() * 570_000);
      if (t > end) break;
      life = rng.logNormal(mu, sigma);
    }
  }
  return pods;
}

function nodeEvents(o: ResolvedGeneratorOptions, totalNodes: number): NodeEvent[] {
  const rng = new Random(o.seed, 'node-events');
  const end = o.start + o.durationMs;
  const events: NodeEvent[] = [];
  if (o.nodeFailuresPerHour <= 0) return events;
  const downUntil = new Map<number, number>();
  const meanGap = 3_600_000 / o.nodeFailuresPerHour;
  for (let t = o.start + ceilSeconds(rng.exponential(meanGap)); t < end; t += ceilSeconds(rng.exponential(meanGap))) {
    let node = rng.int(totalNodes);
    for (let tries = 0; (downUntil.get(node) ?? -1) >= t && tries < 10; tries++) node = rng.int(totalNodes);
    if ((downUntil.get(node) ?? -1) >= t) continue;
    const back = t + ceilSeconds(rng.logNormal(Math.log(20 * 60_000), 0.6));
    downUntil.set(node, back);
    events.push({ at: t, node, ready: false, healthStatus: rng.chance(0.7) ? 'UnschedulablePendingReboot' : 'UnschedulablePendingReplacement' });
    if (back <= end) events.push({ at: back, node, ready: true, healthStatus: 'Schedulable' });
  }
  return events.sort((a, b) => a.at - b.at || a.node - b.node);
}

// ---------------------------------------------------------------------------------------------
// The scenario

/** A realistic, large scenario for the options; deterministic for a seed. */
export function generateScenario(options: GeneratorOptions = {}): Scenario {
  const o = resolveGeneratorOptions(options);
  const { flavors, teams, cohorts } = buildCluster(o, new Random(o.seed, 'cluster'));
  const plan = calibrate(o, flavors);
  const scheduler = new Scheduler(o, plan, cohorts);
  scheduler.run();

  const totalNodes = flavors.reduce((a, f) => a + f.nodes, 0);
  const workloadPodsAtStart = scheduler.workloads.reduce((a, w) => a + (w.admittedAtStart ? w.pods : 0), 0);
  const daemons = flavors.reduce((a, f) => a + f.nodes * daemonSetsFor(f.spec).slice(0, o.daemonPodsPerNode).length, 0);
  const notebooks = Math.max(o.notebooks, o.pods - workloadPodsAtStart - daemons);
  const pods = plainPods(o, flavors, teams, notebooks);

  const teamSpecs: TeamSpec[] = teams.map((t) => {
    const quotas: Record<string, QuotaSpec> = {};
    for (let r = 0; r < RESOURCES.length; r++) {
      if (t.nominal[r]! <= 0) continue;
      quotas[RESOURCES[r]!] = {
        nominal: formatAmount(r, t.nominal[r]!),
        borrowingLimit: t.borrowingLimit ? formatAmount(r, t.borrowingLimit[r]!) : null,
        lendingLimit: t.lendingLimit ? formatAmount(r, t.lendingLimit[r]!) : null,
      };
    }
    return { name: t.name, namespace: t.namespace, cohort: t.cohort.name, quotas: { [t.flavor.instanceType]: quotas } };
  });
  const mix = flavors.map((f) => `${f.nodes} × ${f.instanceType}`).join(', ');
  return {
    name: o.name,
    description:
      o.description ||
      `Generated (seed ${o.seed}): ${totalNodes} nodes (${mix}), ${teams.length} teams in ${cohorts.filter((c) => c.name).length} cohorts, ` +
        `${o.workloads} workloads alive at the start, about ${o.eventsPerSecond} object changes per second.`,
    start: o.start,
    end: o.start + o.durationMs,
    kueueApiVersion: o.kueueApiVersion,
    nodes: flavors.map((f) => ({ instanceType: f.instanceType, count: f.nodes })),
    nodeEvents: nodeEvents(o, totalNodes),
    teams: teamSpecs,
    priorityClasses: o.priorityClasses.map((p) => ({ name: p.name, value: p.value })),
    workloads: scheduler.workloads.map((w) => w.spec),
    pods,
    expected: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Summary

export interface ScenarioSummary {
  name: string;
  durationSeconds: number;
  nodes: number;
  instanceTypes: Record<string, number>;
  teams: number;
  cohorts: number;
  priorityClasses: number;
  workloads: {
    /** Workload objects in the scenario. */
    total: number;
    /** Submitted at the start, and of those admitted at the start. */
    atStart: number;
    admittedAtStart: number;
    /** Most workload objects that exist at once. */
    peak: number;
    admissions: number;
    preemptions: { inClusterQueue: number; inCohortReclamation: number; other: number };
    finished: number;
    deleted: number;
  };
  pods: {
    /** Plain pods (outside Kueue) in the scenario. */
    plain: number;
    /** Pods that exist right after the start, and the most at any time (workload and plain pods). */
    atStart: number;
    peak: number;
    /** Workload pods among those at the start. */
    workloadPodsAtStart: number;
  };
  nodeEvents: number;
  /** Scenario events (workload, plain pod and node events). */
  events: number;
  /**
   * Kubernetes object writes the engine makes (each one is a watch event and a new resourceVersion):
   * when it sets the cluster up, at the start instant, and during the rest of the run.
   */
  objectChanges: { setup: number; atStart: number; duringRun: number; total: number };
  /** `objectChanges.duringRun` per second of the run. */
  changesPerSecond: number;
}

type WorkloadPods = 'none' | 'running' | 'deleting' | 'finished';

/**
 * Counts a scenario the way the engine will play it. Object changes follow the engine's writes one by
 * one (a write that changes nothing makes no change, as on a real API server), in the engine's order.
 */
export function summarizeScenario(s: Scenario): ScenarioSummary {
  interface Action {
    at: number;
    phase: 0 | 1;
    order: number;
    run: () => void;
  }
  const actions: Action[] = [];
  let order = 0;
  const push = (at: number, phase: 0 | 1, run: () => void): void => void actions.push({ at, phase, order: order++, run });
  const frees = new Set(['evict', 'finish', 'delete', 'succeed', 'fail']);

  let changes = 0;
  let pods = 0;
  let podsPeak = 0;
  let objects = 0;
  let objectsPeak = 0;
  let workloadPodsAlive = 0;
  const preemptions = { inClusterQueue: 0, inCohortReclamation: 0, other: 0 };
  let admissions = 0;
  let finished = 0;
  let deleted = 0;

  // Per ClusterQueue: what its status says, so writes that change nothing (no event) are not counted.
  interface CqState {
    usage: Map<string, bigint>;
    admitted: number;
    pending: number;
    written: string;
  }
  const cq = new Map<string, CqState>();
  for (const t of s.teams) cq.set(t.name, { usage: new Map(), admitted: 0, pending: 0, written: '[]|0|0' });
  const writeCq = (team: string): void => {
    const st = cq.get(team);
    if (!st) return;
    const usage = [...st.usage].filter(([, v]) => v !== 0n).sort(([a], [b]) => (a < b ? -1 : 1));
    // The engine's write is a no-op (no event) when the status is unchanged.
    const sig = `${JSON.stringify(usage.map(([k, v]) => [k, String(v)]))}|${st.admitted}|${st.pending}`;
    if (sig !== st.written) {
      st.written = sig;
      changes++;
    }
  };
  const track = (): void => {
    podsPeak = Math.max(podsPeak, pods);
    objectsPeak = Math.max(objectsPeak, objects);
  };

  let workloadEvents = 0;
  for (const w of s.workloads) {
    const podCount = w.podSets.reduce((a, p) => a + p.count, 0);
    const amounts = new Map<string, bigint>();
    for (const ps of w.podSets) for (const [k, v] of Object.entries(ps.requests)) amounts.set(k, (amounts.get(k) ?? 0n) + parseQuantityMilli(v) * BigInt(ps.count));
    // The engine's view of the workload: object, quota held, outcome, and its pods.
    const state = { submitted: false, holding: false, flavor: '', outcome: 'pending', pods: 'none' as WorkloadPods };
    const st = cq.get(w.team);
    const isPending = (): boolean => state.submitted && !state.holding && state.outcome === 'pending';
    /** Applies a change of state, keeping the ClusterQueue's usage and counts in step. */
    const change = (next: { submitted?: boolean; holding?: boolean; outcome?: string; flavor?: string }): void => {
      const wasPending = isPending();
      const wasHolding = state.holding;
      const heldFlavor = state.flavor;
      Object.assign(state, next);
      if (st) {
        if (wasHolding !== state.holding) {
          const sign = state.holding ? 1n : -1n;
          const flavor = state.holding ? state.flavor : heldFlavor;
          for (const [k, v] of amounts) st.usage.set(`${flavor}/${k}`, (st.usage.get(`${flavor}/${k}`) ?? 0n) + sign * v);
          st.admitted += state.holding ? 1 : -1;
        }
        st.pending += Number(isPending()) - Number(wasPending);
      }
    };
    const removePods = (): void => {
      if (state.pods === 'none') return;
      // Pods already marked for deletion are just removed; others get a deletionTimestamp first.
      changes += state.pods === 'deleting' ? podCount : 2 * podCount;
      pods -= podCount;
      workloadPodsAlive -= podCount;
      state.pods = 'none';
    };
    workloadEvents += w.events.length;
    for (const e of w.events) {
      push(e.at, frees.has(e.type) ? 0 : 1, () => {
        switch (e.type) {
          case 'submit':
            changes++;
            objects++;
            change({ submitted: true });
            writeCq(w.team);
            break;
          case 'admit':
            admissions++;
            change({ holding: true, flavor: e.flavor, outcome: 'admitted' });
            changes++;
            writeCq(w.team);
            changes += podCount;
            pods += podCount;
            workloadPodsAlive += podCount;
            state.pods = 'running';
            break;
          case 'evict':
            changes++;
            if (e.preemption === 'InClusterQueue') preemptions.inClusterQueue++;
            else if (e.preemption === 'InCohortReclamation') preemptions.inCohortReclamation++;
            else if (e.preemption || e.reason === 'Preempted') preemptions.other++;
            change({ outcome: 'evicted' });
            if (state.pods === 'running') {
              changes += podCount;
              state.pods = 'deleting';
            }
            break;
          case 'requeue':
            changes++;
            break;
          case 'finish':
            finished++;
            change({ holding: false, outcome: e.succeeded ? 'finished' : 'failed' });
            if (state.pods !== 'none') {
              changes += podCount;
              state.pods = 'finished';
            }
            changes++;
            writeCq(w.team);
            break;
          case 'delete':
            deleted++;
            changes++; // deletionTimestamp
            removePods();
            changes++; // removal
            objects--;
            change({ holding: false, outcome: 'deleted' });
            writeCq(w.team);
            break;
        }
        track();
      });
      if (e.type === 'evict') {
        // The engine releases the quota once the pods are gone, and the workload is pending again.
        push(e.at + e.releaseAfterMs, 0, () => {
          if (!state.holding) return;
          change({ holding: false, outcome: 'pending' });
          removePods();
          changes++;
          writeCq(w.team);
          track();
        });
      }
    }
  }
  let podEvents = 0;
  for (const p of s.pods) {
    podEvents += p.events.length;
    for (const e of p.events) {
      push(e.at, frees.has(e.type) ? 0 : 1, () => {
        if (e.type === 'create') {
          pods++;
        } else if (e.type === 'delete') {
          pods--;
          changes++;
        }
        changes++;
        track();
      });
    }
  }
  const nodeState = new Map<number, string>();
  for (const e of s.nodeEvents) {
    push(e.at, 1, () => {
      const before = nodeState.get(e.node) ?? 'true|false|Schedulable';
      const [ready, unschedulable, health] = before.split('|');
      const after = `${e.ready === undefined ? ready : String(e.ready)}|${e.unschedulable === undefined ? unschedulable : String(e.unschedulable)}|${e.healthStatus ?? health}`;
      if (after !== before) changes++;
      nodeState.set(e.node, after);
    });
  }
  actions.sort((a, b) => a.at - b.at || a.phase - b.phase || a.order - b.order);

  // Objects the engine creates before the run: namespaces, nodes, flavors, priority classes, queues.
  const teamNamespaces = new Set(s.teams.map((t) => t.namespace));
  const namespaces = new Set(['default', 'kube-system', ...s.pods.map((p) => p.namespace)].filter((ns) => !teamNamespaces.has(ns)));
  const flavors = new Set([...s.nodes.map((g) => g.instanceType), ...s.teams.flatMap((t) => Object.keys(t.quotas))]);
  const nodeCount = s.nodes.reduce((a, g) => a + g.count, 0);
  const setup = namespaces.size + s.teams.length + nodeCount + flavors.size + s.priorityClasses.length + 2 * s.teams.length;

  let i = 0;
  for (; i < actions.length && actions[i]!.at <= s.start; i++) {
    actions[i]!.run();
  }
  const atStart = changes;
  const podsAtStart = pods;
  const workloadPodsAtStart = workloadPodsAlive;
  const admittedAtStart = admissions;
  const workloadsAtStart = s.workloads.filter((w) => w.events[0]?.at === s.start).length;
  for (; i < actions.length; i++) {
    if (actions[i]!.at > s.end) break;
    actions[i]!.run();
  }
  const duringRun = changes - atStart;
  const durationSeconds = (s.end - s.start) / 1000;

  const instanceTypes: Record<string, number> = {};
  for (const g of s.nodes) instanceTypes[g.instanceType] = (instanceTypes[g.instanceType] ?? 0) + g.count;
  return {
    name: s.name,
    durationSeconds,
    nodes: nodeCount,
    instanceTypes,
    teams: s.teams.length,
    cohorts: new Set(s.teams.map((t) => t.cohort).filter(Boolean)).size,
    priorityClasses: s.priorityClasses.length,
    workloads: {
      total: s.workloads.length,
      atStart: workloadsAtStart,
      admittedAtStart,
      peak: objectsPeak,
      admissions,
      preemptions,
      finished,
      deleted,
    },
    pods: { plain: s.pods.length, atStart: podsAtStart, peak: podsPeak, workloadPodsAtStart },
    nodeEvents: s.nodeEvents.length,
    events: workloadEvents + podEvents + s.nodeEvents.length,
    objectChanges: { setup, atStart, duringRun, total: setup + atStart + duringRun },
    changesPerSecond: durationSeconds > 0 ? duringRun / durationSeconds : 0,
  };
}

/** The summary as a few lines of text, for the benchmark and the CLI. */
export function formatScenarioSummary(m: ScenarioSummary): string {
  const types = Object.entries(m.instanceTypes)
    .map(([t, n]) => `${n} × ${t}`)
    .join(', ');
  const p = m.workloads.preemptions;
  return [
    `scenario ${m.name}: ${m.durationSeconds / 60} min`,
    `  nodes ${m.nodes} (${types}); teams ${m.teams} in ${m.cohorts} cohorts; priority classes ${m.priorityClasses}`,
    `  workloads ${m.workloads.total} (${m.workloads.atStart} at start, ${m.workloads.admittedAtStart} admitted; peak ${m.workloads.peak} objects); ` +
      `admissions ${m.workloads.admissions}, preemptions ${p.inClusterQueue} in queue + ${p.inCohortReclamation} reclaim` +
      `${p.other ? ` + ${p.other} other` : ''}, finished ${m.workloads.finished}, deleted ${m.workloads.deleted}`,
    `  pods ${m.pods.atStart} at start (${m.pods.workloadPodsAtStart} workload pods, ${m.pods.plain} plain pods in the scenario), peak ${m.pods.peak}; node events ${m.nodeEvents}`,
    `  events ${m.events}; object changes ${m.objectChanges.total} (setup ${m.objectChanges.setup}, at start ${m.objectChanges.atStart}, ` +
      `during the run ${m.objectChanges.duringRun} = ${m.changesPerSecond.toFixed(1)}/s)`,
  ].join('\n');
}
