/**
 * Plays a scenario against the Kubernetes API test server the way Kueue and the kubelet would
 * change the objects: Workload conditions and admission, ClusterQueue usage (total and borrowed
 * derived from the admitted workloads and the quotas), pods bound to nodes, node readiness.
 *
 * It also keeps the ground truth: every interval a workload or plain pod held capacity, computed
 * here from the scenario, independently of the collector and the aggregation under test.
 */
import { createHash } from 'node:crypto';
import { instanceSpec } from '@hyperpod-usage/model';
import { sleep, type Clock } from '../clock.js';
import { parseQuantityMilli } from '../kube/quantity.js';
import { KUEUE, NAMESPACES, NODES, PODS, type FakeApiServer, type KueueTypes } from './api-server.js';
import { ScenarioError, type PlainPodSpec, type Scenario, type TeamSpec, type WorkloadEvent, type WorkloadSpec } from './scenario.js';

type Json = Record<string, unknown>;
type Amounts = Map<string, bigint>;

const CLUSTER_NAME_LABEL = 'sagemaker.amazonaws.com/cluster-name';
const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
const HEALTH_LABEL = 'sagemaker.amazonaws.com/node-health-status';

/** A span of time during which capacity was held: [start, end), end null while still held. */
export interface HeldInterval {
  start: number;
  end: number | null;
}

export interface WorkloadTruth {
  namespace: string;
  name: string;
  uid: string;
  team: string;
  clusterQueue: string;
  priorityClass: string;
  /** Flavor of each admission, in order, with its interval. */
  admissions: Array<HeldInterval & { flavor: string }>;
  /** Total per admission (all pods), Kubernetes resource name → milli-units. */
  amounts: Amounts;
  outcome: 'pending' | 'admitted' | 'finished' | 'failed' | 'deleted' | 'evicted';
  preemptions: number;
}

export interface PodTruth {
  namespace: string;
  name: string;
  /** What usage is reported under: the owner (the task), else the pod. */
  task: string;
  uid: string;
  node: string;
  instanceType: string;
  amounts: Amounts;
  intervals: HeldInterval[];
}

interface NodeState {
  name: string;
  uid: string;
  instanceType: string;
  object: Json;
}

interface WorkloadState {
  spec: WorkloadSpec;
  uid: string;
  jobUid: string;
  object: Json | null;
  flavor: string | null;
  holding: boolean;
  admittedAt: number;
  pastAdmittedSeconds: number;
  requeues: number;
  pods: string[];
  truth: WorkloadTruth;
}

interface Action {
  at: number;
  /** At equal times, what frees capacity (0) goes before what takes it (1), as in Kueue's next cycle. */
  phase: 0 | 1;
  order: number;
  run(): void;
}

/** Deterministic UUID-shaped id, so runs of one scenario produce identical objects. */
function stableUid(...parts: string[]): string {
  const h = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Milli-units as a Kubernetes quantity string. */
function formatQuantity(milli: bigint): string {
  return milli % 1000n === 0n ? String(milli / 1000n) : `${milli}m`;
}

function amountsOf(requests: Record<string, string>, times = 1n): Amounts {
  return new Map(Object.entries(requests).map(([k, v]) => [k, parseQuantityMilli(v) * times]));
}

function addInto(target: Amounts, source: Amounts, sign: 1n | -1n = 1n): void {
  for (const [k, v] of source) target.set(k, (target.get(k) ?? 0n) + sign * v);
}

function resourceList(amounts: Amounts): Record<string, string> {
  return Object.fromEntries([...amounts].map(([k, v]) => [k, formatQuantity(v)]));
}

/** Sets a condition the way Kubernetes controllers do: the transition time moves only when the status changes. */
function setCondition(object: Json, type: string, status: 'True' | 'False', reason: string, message: string, at: number): void {
  const statusObj = (object.status ??= {}) as Json;
  const conditions = ((statusObj.conditions as Json[] | undefined) ??= []);
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status !== status) existing.lastTransitionTime = iso(at);
    Object.assign(existing, { status, reason, message });
  } else {
    conditions.push({ type, status, reason, message, lastTransitionTime: iso(at) });
  }
}

const ownerApiVersion: Record<string, string> = {
  PyTorchJob: 'kubeflow.org/v1',
  HyperPodPyTorchJob: 'sagemaker.amazonaws.com/v1',
  Job: 'batch/v1',
  RayJob: 'ray.io/v1',
  RayCluster: 'ray.io/v1',
  JobSet: 'jobset.x-k8s.io/v1alpha2',
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  DaemonSet: 'apps/v1',
};

export class ClusterSimulator {
  readonly clusterName: string;
  private readonly kueue: KueueTypes;
  private readonly nodes: NodeState[] = [];
  private readonly workloads: WorkloadState[] = [];
  private readonly teamsByName = new Map<string, TeamSpec>();
  private readonly workloadsByTeam = new Map<string, WorkloadState[]>();
  private readonly plainPods = new Map<string, PodTruth>();
  private readonly nodeUse = new Map<string, Amounts>();
  private actions: Action[] = [];
  private nextAction = 0;
  private now: number;

  constructor(
    readonly scenario: Scenario,
    private readonly server: FakeApiServer,
    clusterName: string,
  ) {
    this.clusterName = clusterName;
    this.kueue = KUEUE[scenario.kueueApiVersion];
    this.now = scenario.start;
    this.setUp();
    this.actions = this.buildTimeline();
  }

  get currentTime(): number {
    return this.now;
  }

  get finished(): boolean {
    return this.nextAction >= this.actions.length;
  }

  /** Applies every event up to and including `t`, synchronously. */
  applyUntil(t: number): void {
    while (this.nextAction < this.actions.length && (this.actions[this.nextAction] as Action).at <= t) {
      const action = this.actions[this.nextAction++] as Action;
      this.now = action.at;
      action.run();
    }
    this.now = Math.max(this.now, Math.min(t, this.scenario.end));
  }

  /** Plays the timeline on a clock (scaled for faster than real time) until the end or the signal. */
  async run(clock: Clock, signal?: AbortSignal): Promise<void> {
    while (!signal?.aborted && this.nextAction < this.actions.length) {
      const next = (this.actions[this.nextAction] as Action).at;
      const wait = next - clock.now();
      if (wait > 0) {
        await sleep(clock, Math.min(wait, 60_000), signal);
        continue;
      }
      this.applyUntil(clock.now());
    }
  }

  workloadTruths(): WorkloadTruth[] {
    return this.workloads.map((w) => w.truth);
  }

  podTruths(): PodTruth[] {
    return [...this.plainPods.values()];
  }

  nodeNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  // ---------------------------------------------------------------------------------------------
  // Initial objects

  private setUp(): void {
    const s = this.scenario;
    const before = s.start - 24 * 3_600_000;
    const teamNamespaces = new Set(s.teams.map((t) => t.namespace));
    const namespaces = new Set(['default', 'kube-system', ...s.pods.map((p) => p.namespace)].filter((ns) => !teamNamespaces.has(ns)));
    for (const ns of namespaces) this.server.create(NAMESPACES, this.meta('Namespace', 'v1', ns, undefined, before, { 'kubernetes.io/metadata.name': ns }));
    for (const team of s.teams) {
      this.server.create(
        NAMESPACES,
        this.meta('Namespace', 'v1', team.namespace, undefined, before, {
          'kubernetes.io/metadata.name': team.namespace,
          'sagemaker.amazonaws.com/sagemaker-managed-queue': 'true',
          'sagemaker.amazonaws.com/quota-allocation-id': team.name,
        }),
      );
    }
    s.nodes.forEach((group) => {
      for (let i = 0; i < group.count; i++) this.addNode(group.instanceType, before);
    });
    const flavors = new Set([...s.nodes.map((g) => g.instanceType), ...s.teams.flatMap((t) => Object.keys(t.quotas))]);
    for (const flavor of flavors) {
      this.server.create(this.kueue.resourceFlavors, {
        ...this.meta('ResourceFlavor', this.kueueApiVersion, flavor, undefined, before),
        spec: { nodeLabels: { [INSTANCE_TYPE_LABEL]: flavor } },
      });
    }
    for (const pc of s.priorityClasses) {
      this.server.create(this.kueue.workloadPriorityClasses, {
        ...this.meta('WorkloadPriorityClass', this.kueueApiVersion, pc.name, undefined, before),
        value: pc.value,
        description: `${pc.name} (simulated)`,
      });
    }
    for (const team of s.teams) {
      this.server.create(this.kueue.localQueues, {
        ...this.meta('LocalQueue', this.kueueApiVersion, localQueueOf(team), team.namespace, before),
        spec: { clusterQueue: clusterQueueOf(team) },
      });
      this.server.create(this.kueue.clusterQueues, this.clusterQueueObject(team, before));
    }
    for (const team of s.teams) {
      this.teamsByName.set(team.name, team);
      this.workloadsByTeam.set(team.name, []);
    }
    for (const spec of s.workloads) {
      const state = this.newWorkloadState(spec);
      this.workloads.push(state);
      this.workloadsByTeam.get(spec.team)?.push(state);
    }
  }

  private team(name: string): TeamSpec {
    const team = this.teamsByName.get(name);
    if (!team) throw new ScenarioError(`${this.scenario.name}: unknown team ${name}`);
    return team;
  }

  private get kueueApiVersion(): string {
    return `kueue.x-k8s.io/${this.scenario.kueueApiVersion}`;
  }

  private meta(kind: string, apiVersion: string, name: string, namespace: string | undefined, created: number, labels: Record<string, string> = {}): Json {
    return {
      apiVersion,
      kind,
      metadata: {
        name,
        ...(namespace ? { namespace } : {}),
        uid: stableUid(this.scenario.name, kind, namespace ?? '', name),
        creationTimestamp: iso(created),
        labels,
      },
    };
  }

  private addNode(instanceType: string, created: number): void {
    const spec = instanceSpec(instanceType);
    if (!spec) throw new ScenarioError(`unknown instance type ${instanceType}`);
    const index = this.nodes.length;
    const name = `hyperpod-i-${createHash('sha1').update(`${this.scenario.name}/${index}`).digest('hex').slice(0, 17)}`;
    const capacity: Record<string, string> = {
      cpu: String(spec.vcpu),
      memory: `${spec.memoryGiB}Gi`,
      pods: '110',
      'ephemeral-storage': '500Gi',
    };
    if (spec.gpu) capacity['nvidia.com/gpu'] = String(spec.gpu);
    if (spec.neuronDevices) {
      capacity['aws.amazon.com/neurondevice'] = String(spec.neuronDevices);
      capacity['aws.amazon.com/neuroncore'] = String(spec.neuronDevices * spec.neuronCoresPerDevice);
    }
    if (spec.efa) capacity['vpc.amazonaws.com/efa'] = String(spec.efa);
    // The kubelet keeps back a little CPU and memory for the system.
    const allocatable = { ...capacity, cpu: `${spec.vcpu * 1000 - 100 - 6 * Math.max(0, spec.vcpu - 4)}m`, memory: `${spec.memoryGiB * 1024 - 512}Mi` };
    const object: Json = {
      ...this.meta('Node', 'v1', name, undefined, created, {
        [INSTANCE_TYPE_LABEL]: instanceType,
        'kubernetes.io/hostname': name,
        'sagemaker.amazonaws.com/compute-type': 'hyperpod',
        [CLUSTER_NAME_LABEL]: this.clusterName,
        'sagemaker.amazonaws.com/instance-group-name': `group-${instanceType.replace(/^ml\./, '').replace(/\./g, '-')}`,
        [HEALTH_LABEL]: 'Schedulable',
        'sagemaker.amazonaws.com/deep-health-check-status': 'Passed',
      }),
      spec: { providerID: `aws:///us-east-1a/${name.replace('hyperpod-', '')}` },
      status: {
        capacity,
        allocatable,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: iso(created) }],
      },
    };
    this.server.create(NODES, object);
    this.nodes.push({ name, uid: (object.metadata as Json).uid as string, instanceType, object });
    this.nodeUse.set(name, new Map());
  }

  private clusterQueueObject(team: TeamSpec, created: number): Json {
    const resourceNames = [...new Set(Object.values(team.quotas).flatMap((r) => Object.keys(r)))].sort();
    const flavors = Object.entries(team.quotas).map(([flavor, resources]) => ({
      name: flavor,
      resources: resourceNames.map((res) => {
        const q = resources[res];
        return {
          name: res,
          nominalQuota: q?.nominal ?? '0',
          ...(q?.borrowingLimit != null ? { borrowingLimit: q.borrowingLimit } : {}),
          ...(q?.lendingLimit != null ? { lendingLimit: q.lendingLimit } : {}),
        };
      }),
    }));
    const cohortField = this.scenario.kueueApiVersion === 'v1beta2' ? 'cohortName' : 'cohort';
    const object: Json = {
      ...this.meta('ClusterQueue', this.kueueApiVersion, clusterQueueOf(team), undefined, created),
      spec: {
        ...(team.cohort ? { [cohortField]: team.cohort } : {}),
        namespaceSelector: {},
        queueingStrategy: 'BestEffortFIFO',
        preemption: { reclaimWithinCohort: 'Any', withinClusterQueue: 'LowerPriority', borrowWithinCohort: { policy: 'Never' } },
        resourceGroups: [{ coveredResources: resourceNames, flavors }],
      },
    };
    this.writeClusterQueueStatus(object, team, created);
    return object;
  }

  /** ClusterQueue status from the workloads that hold its quota: total, and borrowed above nominal. */
  private writeClusterQueueStatus(object: Json, team: TeamSpec, at: number): void {
    const mine = this.workloadsByTeam.get(team.name) ?? [];
    const usage = new Map<string, Amounts>();
    for (const flavor of Object.keys(team.quotas)) usage.set(flavor, new Map());
    for (const w of mine) {
      if (!w.holding || !w.flavor) continue;
      const u = usage.get(w.flavor) ?? new Map<string, bigint>();
      addInto(u, w.truth.amounts);
      usage.set(w.flavor, u);
    }
    const resourceNames = [...new Set(Object.values(team.quotas).flatMap((r) => Object.keys(r)))].sort();
    const flavorsUsage = [...usage].map(([flavor, used]) => ({
      name: flavor,
      resources: [...new Set([...resourceNames, ...used.keys()])].sort().map((res) => {
        const total = used.get(res) ?? 0n;
        const nominal = parseQuantityMilli(team.quotas[flavor]?.[res]?.nominal ?? '0');
        return { name: res, total: formatQuantity(total), borrowed: formatQuantity(total > nominal ? total - nominal : 0n) };
      }),
    }));
    const admitted = mine.filter((w) => w.holding).length;
    const pending = mine.filter((w) => w.object !== null && !w.holding && w.truth.outcome === 'pending').length;
    const previous = (object.status as Json | undefined)?.conditions;
    object.status = {
      flavorsUsage,
      flavorsReservation: flavorsUsage,
      admittedWorkloads: admitted,
      reservingWorkloads: admitted,
      pendingWorkloads: pending,
      ...(previous ? { conditions: previous } : {}),
    };
    setCondition(object, 'Active', 'True', 'Ready', 'Can admit new workloads', at);
  }

  private updateClusterQueue(teamName: string): void {
    const team = this.team(teamName);
    const current = this.server.get(this.kueue.clusterQueues, undefined, clusterQueueOf(team));
    if (!current) return;
    const object = current as unknown as Json;
    this.writeClusterQueueStatus(object, team, this.now);
    this.server.update(this.kueue.clusterQueues, object);
  }

  // ---------------------------------------------------------------------------------------------
  // Timeline

  private buildTimeline(): Action[] {
    const actions: Action[] = [];
    let order = 0;
    const push = (at: number, phase: 0 | 1, run: () => void) => actions.push({ at, phase, order: order++, run });
    const frees = new Set(['evict', 'finish', 'delete', 'succeed', 'fail']);
    for (const w of this.workloads) {
      for (const e of w.spec.events) {
        push(e.at, frees.has(e.type) ? 0 : 1, () => this.applyWorkloadEvent(w, e));
        if (e.type === 'evict') push(e.at + e.releaseAfterMs, 0, () => this.releaseQuota(w, e));
      }
    }
    for (const p of this.scenario.pods) for (const e of p.events) push(e.at, frees.has(e.type) ? 0 : 1, () => this.applyPodEvent(p, e.type));
    for (const e of this.scenario.nodeEvents) push(e.at, 1, () => this.applyNodeEvent(e));
    return actions.sort((a, b) => a.at - b.at || a.phase - b.phase || a.order - b.order);
  }

  private newWorkloadState(spec: WorkloadSpec): WorkloadState {
    const team = this.team(spec.team);
    const amounts: Amounts = new Map();
    for (const ps of spec.podSets) addInto(amounts, amountsOf(ps.requests, BigInt(ps.count)));
    const uid = stableUid(this.scenario.name, 'Workload', spec.namespace, spec.name);
    return {
      spec,
      uid,
      jobUid: stableUid(this.scenario.name, spec.job.kind, spec.namespace, spec.job.name),
      object: null,
      flavor: null,
      holding: false,
      admittedAt: 0,
      pastAdmittedSeconds: 0,
      requeues: 0,
      pods: [],
      truth: {
        namespace: spec.namespace,
        name: spec.name,
        uid,
        team: spec.team,
        clusterQueue: clusterQueueOf(team),
        priorityClass: spec.priorityClass,
        admissions: [],
        amounts,
        outcome: 'pending',
        preemptions: 0,
      },
    };
  }

  private applyWorkloadEvent(w: WorkloadState, e: WorkloadEvent): void {
    const where = `${this.scenario.name}: workload ${w.spec.name} at ${iso(e.at)}`;
    if (e.type !== 'submit' && !w.object) throw new ScenarioError(`${where}: ${e.type} before submit`);
    switch (e.type) {
      case 'submit':
        if (w.object) throw new ScenarioError(`${where}: submitted twice`);
        w.object = this.workloadObject(w, e.at);
        setCondition(w.object, 'QuotaReserved', 'False', 'Pending', 'waiting for quota', e.at);
        this.server.create(this.kueue.workloads, w.object);
        this.updateClusterQueue(w.spec.team);
        break;
      case 'admit':
        this.admit(w, e.flavor, e.at, where);
        break;
      case 'evict': {
        if (!w.holding) throw new ScenarioError(`${where}: evict while not admitted`);
        const o = w.object as Json;
        setCondition(o, 'Evicted', 'True', e.reason, `Evicted: ${e.reason}`, e.at);
        if (e.preemption) setCondition(o, 'Preempted', 'True', e.preemption, `Preempted to accommodate a workload (${e.preemption})`, e.at);
        if (e.preemption || e.reason === 'Preempted') w.truth.preemptions++;
        w.truth.outcome = 'evicted';
        this.server.update(this.kueue.workloads, o);
        for (const pod of w.pods) this.markPodDeleting(pod, e.at);
        break;
      }
      case 'requeue':
        setCondition(w.object as Json, 'Requeued', 'True', 'BackoffFinished', 'The workload is back in the queue', e.at);
        this.server.update(this.kueue.workloads, w.object as Json);
        break;
      case 'finish': {
        if (!w.holding) throw new ScenarioError(`${where}: finish while not admitted`);
        const o = w.object as Json;
        setCondition(o, 'Finished', 'True', e.succeeded ? 'Succeeded' : 'Failed', e.succeeded ? 'Job finished successfully' : 'Job failed', e.at);
        this.endHolding(w, e.at);
        w.truth.outcome = e.succeeded ? 'finished' : 'failed';
        for (const pod of w.pods) this.finishPod(pod, e.succeeded, e.at);
        this.server.update(this.kueue.workloads, o);
        this.updateClusterQueue(w.spec.team);
        break;
      }
      case 'delete': {
        const o = w.object as Json;
        (o.metadata as Json).deletionTimestamp = iso(e.at);
        this.server.update(this.kueue.workloads, o);
        const wasHolding = w.holding;
        if (wasHolding) this.endHolding(w, e.at);
        for (const pod of w.pods) this.removePod(pod, e.at);
        w.pods = [];
        this.server.remove(this.kueue.workloads, w.spec.namespace, w.spec.name);
        w.truth.outcome = 'deleted';
        this.updateClusterQueue(w.spec.team);
        break;
      }
    }
  }

  private admit(w: WorkloadState, flavor: string, at: number, where: string): void {
    if (w.holding) throw new ScenarioError(`${where}: admitted twice`);
    const team = this.team(w.spec.team);
    if (!team.quotas[flavor]) throw new ScenarioError(`${where}: team ${team.name} has no quota on flavor ${flavor}`);
    this.checkQuota(team, flavor, w.truth.amounts, where);
    const o = w.object as Json;
    w.holding = true;
    w.flavor = flavor;
    w.admittedAt = at;
    w.truth.admissions.push({ flavor, start: at, end: null });
    w.truth.outcome = 'admitted';
    const status = o.status as Json;
    status.admission = {
      clusterQueue: clusterQueueOf(team),
      podSetAssignments: w.spec.podSets.map((ps) => ({
        name: ps.name,
        flavors: Object.fromEntries(Object.keys(ps.requests).map((r) => [r, flavor])),
        resourceUsage: resourceList(amountsOf(ps.requests, BigInt(ps.count))),
        count: ps.count,
      })),
    };
    setCondition(o, 'QuotaReserved', 'True', 'QuotaReserved', `Quota reserved in ClusterQueue ${clusterQueueOf(team)}`, at);
    setCondition(o, 'Admitted', 'True', 'Admitted', 'The workload is admitted', at);
    // Kueue clears an earlier eviction when it admits again.
    for (const type of ['Evicted', 'Preempted']) {
      const c = ((status.conditions as Json[]) ?? []).find((x) => x.type === type);
      if (c?.status === 'True') setCondition(o, type, 'False', 'QuotaReserved', `Previously: ${String(c.message)}`, at);
    }
    this.server.update(this.kueue.workloads, o);
    this.updateClusterQueue(team.name);
    w.pods = this.startWorkloadPods(w, flavor, at);
  }

  /**
   * Refuses admissions Kueue would refuse: beyond nominal + borrowing limit, or beyond the cohort's
   * pool (what members lend: their lending limit, else all their nominal quota; the part a
   * member does not lend stays guaranteed to it).
   */
  private checkQuota(team: TeamSpec, flavor: string, amounts: Amounts, where: string): void {
    const used = (t: TeamSpec, res: string): bigint => {
      let u = 0n;
      for (const w of this.workloadsByTeam.get(t.name) ?? []) if (w.holding && w.flavor === flavor) u += w.truth.amounts.get(res) ?? 0n;
      return u;
    };
    const members = team.cohort ? this.scenario.teams.filter((t) => t.cohort === team.cohort) : [team];
    for (const [res, qty] of amounts) {
      const quota = team.quotas[flavor]?.[res];
      const after = used(team, res) + qty;
      const nominal = parseQuantityMilli(quota?.nominal ?? '0');
      if (quota?.borrowingLimit != null && after > nominal + parseQuantityMilli(quota.borrowingLimit)) {
        throw new ScenarioError(`${where}: exceeds the borrowing limit of ${team.name} for ${res} on ${flavor}`);
      }
      let pool = 0n;
      let poolUse = 0n;
      for (const t of members) {
        const q = t.quotas[flavor]?.[res];
        const n = parseQuantityMilli(q?.nominal ?? '0');
        const lendable = q?.lendingLimit != null ? parseQuantityMilli(q.lendingLimit) : n;
        const guaranteed = n - lendable;
        const u = t === team ? after : used(t, res);
        pool += lendable;
        if (u > guaranteed) poolUse += u - guaranteed;
      }
      if (poolUse > pool) {
        throw new ScenarioError(`${where}: not enough ${res} quota on ${flavor} for team ${team.name}${team.cohort ? ` in cohort ${team.cohort}` : ''}`);
      }
    }
  }

  private releaseQuota(w: WorkloadState, e: Extract<WorkloadEvent, { type: 'evict' }>): void {
    if (!w.holding) return;
    const o = w.object as Json;
    const at = e.at + e.releaseAfterMs;
    const message = `couldn't assign flavors to pod set ${w.spec.podSets[0]?.name ?? 'main'}: insufficient unused quota`;
    setCondition(o, 'QuotaReserved', 'False', 'Pending', message, at);
    setCondition(o, 'Admitted', 'False', 'NoReservation', 'The workload has no reservation', at);
    setCondition(o, 'Requeued', 'True', e.reason, `Requeued after ${e.reason}`, at);
    w.pastAdmittedSeconds += Math.floor((at - w.admittedAt) / 1000);
    w.requeues++;
    const status = o.status as Json;
    delete status.admission;
    status.requeueState = { count: w.requeues };
    status[this.scenario.kueueApiVersion === 'v1beta2' ? 'accumulatedPastExecutionTimeSeconds' : 'accumulatedPastExexcutionTimeSeconds'] = w.pastAdmittedSeconds;
    this.endHolding(w, at);
    w.truth.outcome = 'pending';
    for (const pod of w.pods) this.removePod(pod, at);
    w.pods = [];
    this.server.update(this.kueue.workloads, o);
    this.updateClusterQueue(w.spec.team);
  }

  private endHolding(w: WorkloadState, at: number): void {
    w.holding = false;
    const last = w.truth.admissions[w.truth.admissions.length - 1];
    if (last && last.end === null) last.end = at;
  }

  private workloadObject(w: WorkloadState, at: number): Json {
    const spec = w.spec;
    const team = this.team(spec.team);
    const priority = this.scenario.priorityClasses.find((p) => p.name === spec.priorityClass);
    const priorityFields =
      this.scenario.kueueApiVersion === 'v1beta2'
        ? spec.priorityClass
          ? { priorityClassRef: { group: 'kueue.x-k8s.io', kind: 'WorkloadPriorityClass', name: spec.priorityClass } }
          : {}
        : spec.priorityClass
          ? { priorityClassName: spec.priorityClass, priorityClassSource: 'kueue.x-k8s.io/workloadpriorityclass' }
          : {};
    const base = this.meta('Workload', this.kueueApiVersion, spec.name, spec.namespace, at, {
      'kueue.x-k8s.io/job-uid': w.jobUid,
      ...(spec.priorityClass ? { 'kueue.x-k8s.io/priority-class': spec.priorityClass } : {}),
    });
    const metadata = base.metadata as Json;
    metadata.uid = w.uid;
    metadata.finalizers = ['kueue.x-k8s.io/resource-in-use'];
    metadata.ownerReferences = [
      { apiVersion: ownerApiVersion[spec.job.kind] ?? 'batch/v1', kind: spec.job.kind, name: spec.job.name, uid: w.jobUid, controller: true, blockOwnerDeletion: true },
    ];
    return {
      ...base,
      spec: {
        active: true,
        queueName: localQueueOf(team),
        ...priorityFields,
        ...(priority ? { priority: priority.value } : {}),
        podSets: spec.podSets.map((ps) => ({
          name: ps.name,
          count: ps.count,
          template: {
            metadata: { labels: { 'kueue.x-k8s.io/queue-name': localQueueOf(team) } },
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'public.ecr.aws/example/trainer:latest', resources: containerResources(ps.requests) }],
            },
          },
        })),
      },
      status: { conditions: [] },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Pods

  private startWorkloadPods(w: WorkloadState, flavor: string, at: number): string[] {
    const names: string[] = [];
    const team = this.team(w.spec.team);
    const cycle = w.truth.admissions.length;
    for (const ps of w.spec.podSets) {
      const perPod = amountsOf(ps.requests);
      for (let i = 0; i < ps.count; i++) {
        const node = this.placePod(flavor, perPod);
        const name = `${w.spec.job.name}-${ps.name}-${i}${cycle > 1 ? `-r${cycle - 1}` : ''}`.slice(0, 253);
        const labels = {
          'kueue.x-k8s.io/queue-name': localQueueOf(team),
          'kueue.x-k8s.io/podset': ps.name,
          'training.kubeflow.org/job-name': w.spec.job.name,
        };
        const pod = this.podObject(name, w.spec.namespace, perPod, { kind: w.spec.job.kind, name: w.spec.job.name, uid: w.jobUid }, labels, w.spec.priorityClass, at);
        this.runPod(pod, node, at);
        this.server.create(PODS, pod);
        names.push(name);
        this.workloadPodMeta.set(name, { namespace: w.spec.namespace, node, amounts: perPod });
      }
    }
    return names;
  }

  private readonly workloadPodMeta = new Map<string, { namespace: string; node: string; amounts: Amounts }>();

  /** First node of the flavor's instance type with room; the least used one when none has room. */
  private placePod(flavor: string, amounts: Amounts): string {
    const candidates = this.nodes.filter((n) => n.instanceType === flavor);
    if (candidates.length === 0) return '';
    const fits = (n: NodeState) => {
      const alloc = ((n.object.status as Json).allocatable ?? {}) as Record<string, string>;
      const used = this.nodeUse.get(n.name) ?? new Map<string, bigint>();
      return [...amounts].every(([r, q]) => alloc[r] === undefined || (used.get(r) ?? 0n) + q <= parseQuantityMilli(alloc[r] as string));
    };
    const load = (n: NodeState) => [...(this.nodeUse.get(n.name) ?? new Map<string, bigint>()).values()].reduce((a, b) => a + b, 0n);
    const node = candidates.find(fits) ?? candidates.reduce((a, b) => (load(a) <= load(b) ? a : b));
    addInto(this.nodeUse.get(node.name) as Amounts, amounts);
    return node.name;
  }

  private podObject(
    name: string,
    namespace: string,
    amounts: Amounts,
    owner: { kind: string; name: string; uid: string } | null,
    labels: Record<string, string>,
    priorityClass: string,
    created: number,
  ): Json {
    const base = this.meta('Pod', 'v1', name, namespace, created, labels);
    const metadata = base.metadata as Json;
    if (owner) {
      metadata.ownerReferences = [{ apiVersion: ownerApiVersion[owner.kind] ?? 'apps/v1', kind: owner.kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true }];
    }
    return {
      ...base,
      spec: {
        nodeName: '',
        ...(priorityClass ? { priorityClassName: priorityClass } : {}),
        restartPolicy: 'Never',
        schedulerName: 'default-scheduler',
        containers: [
          {
            name: 'main',
            image: 'public.ecr.aws/example/app:latest',
            command: ['/bin/run'],
            env: [{ name: 'EXAMPLE', value: 'kept out of the collector cache by pruning' }],
            resources: containerResources(resourceList(amounts)),
          },
        ],
      },
      status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: iso(created) }] },
    };
  }

  private runPod(pod: Json, nodeName: string, at: number): void {
    (pod.spec as Json).nodeName = nodeName;
    setCondition(pod, 'PodScheduled', 'True', '', '', at);
    setCondition(pod, 'Initialized', 'True', '', '', at);
    setCondition(pod, 'Ready', 'True', '', '', at);
    setCondition(pod, 'ContainersReady', 'True', '', '', at);
    const status = pod.status as Json;
    status.phase = 'Running';
    status.startTime = iso(at);
    status.containerStatuses = [{ name: 'main', ready: true, restartCount: 0, state: { running: { startedAt: iso(at) } } }];
  }

  private markPodDeleting(name: string, at: number): void {
    const meta = this.workloadPodMeta.get(name);
    const current = meta && this.server.get(PODS, meta.namespace, name);
    if (!current) return;
    const pod = current as unknown as Json;
    (pod.metadata as Json).deletionTimestamp = iso(at);
    this.server.update(PODS, pod);
  }

  private finishPod(name: string, succeeded: boolean, at: number): void {
    const meta = this.workloadPodMeta.get(name);
    const current = meta && this.server.get(PODS, meta.namespace, name);
    if (!current || !meta) return;
    const pod = current as unknown as Json;
    const status = pod.status as Json;
    status.phase = succeeded ? 'Succeeded' : 'Failed';
    setCondition(pod, 'Ready', 'False', 'PodCompleted', '', at);
    status.containerStatuses = [
      { name: 'main', ready: false, restartCount: 0, state: { terminated: { exitCode: succeeded ? 0 : 1, reason: succeeded ? 'Completed' : 'Error', finishedAt: iso(at) } } },
    ];
    this.server.update(PODS, pod);
    addInto(this.nodeUse.get(meta.node) ?? new Map(), meta.amounts, -1n);
    meta.amounts = new Map();
  }

  private removePod(name: string, at: number): void {
    const meta = this.workloadPodMeta.get(name);
    const current = meta && this.server.get(PODS, meta.namespace, name);
    if (!current || !meta) return;
    const pod = current as unknown as Json;
    if (!(pod.metadata as Json).deletionTimestamp) {
      (pod.metadata as Json).deletionTimestamp = iso(at);
      this.server.update(PODS, pod);
    }
    this.server.remove(PODS, meta.namespace, name);
    addInto(this.nodeUse.get(meta.node) ?? new Map(), meta.amounts, -1n);
    this.workloadPodMeta.delete(name);
  }

  private applyPodEvent(spec: PlainPodSpec, type: 'create' | 'run' | 'succeed' | 'fail' | 'delete'): void {
    const node = this.nodes[spec.node] as NodeState;
    const key = `${spec.namespace}/${spec.name}`;
    const truth =
      this.plainPods.get(key) ??
      ({
        namespace: spec.namespace,
        name: spec.name,
        task: spec.owner?.name ?? spec.name,
        uid: stableUid(this.scenario.name, 'Pod', spec.namespace, spec.name),
        node: node.name,
        instanceType: node.instanceType,
        amounts: amountsOf(spec.requests),
        intervals: [],
      } satisfies PodTruth);
    this.plainPods.set(key, truth);
    const at = this.now;
    const open = truth.intervals.find((i) => i.end === null);
    if (type === 'create') {
      const owner = spec.owner ? { ...spec.owner, uid: stableUid(this.scenario.name, spec.owner.kind, spec.namespace, spec.owner.name) } : null;
      const pod = this.podObject(spec.name, spec.namespace, truth.amounts, owner, { app: spec.owner?.name ?? spec.name }, spec.priorityClass, at);
      this.server.create(PODS, pod);
      return;
    }
    const current = this.server.get(PODS, spec.namespace, spec.name);
    if (!current) throw new ScenarioError(`${this.scenario.name}: pod ${key}: ${type} after it was deleted`);
    const pod = current as unknown as Json;
    switch (type) {
      case 'run':
        this.runPod(pod, node.name, at);
        this.server.update(PODS, pod);
        if (!open) truth.intervals.push({ start: at, end: null });
        break;
      case 'succeed':
      case 'fail': {
        const status = pod.status as Json;
        status.phase = type === 'succeed' ? 'Succeeded' : 'Failed';
        status.containerStatuses = [{ name: 'main', ready: false, restartCount: 0, state: { terminated: { exitCode: type === 'succeed' ? 0 : 1, finishedAt: iso(at) } } }];
        setCondition(pod, 'Ready', 'False', 'PodCompleted', '', at);
        this.server.update(PODS, pod);
        if (open) open.end = at;
        break;
      }
      case 'delete':
        (pod.metadata as Json).deletionTimestamp = iso(at);
        this.server.update(PODS, pod);
        this.server.remove(PODS, spec.namespace, spec.name);
        if (open) open.end = at;
        break;
    }
  }

  private applyNodeEvent(e: { node: number; ready?: boolean; unschedulable?: boolean; healthStatus?: string }): void {
    const node = this.nodes[e.node] as NodeState;
    const current = this.server.get(NODES, undefined, node.name);
    if (!current) return;
    const object = current as unknown as Json;
    if (e.ready !== undefined) setCondition(object, 'Ready', e.ready ? 'True' : 'False', e.ready ? 'KubeletReady' : 'KubeletNotReady', '', this.now);
    if (e.unschedulable !== undefined) (object.spec as Json).unschedulable = e.unschedulable;
    if (e.healthStatus !== undefined) ((object.metadata as Json).labels as Record<string, string>)[HEALTH_LABEL] = e.healthStatus;
    this.server.update(NODES, object);
    node.object = object;
  }
}

export function clusterQueueOf(team: TeamSpec): string {
  return `hyperpod-ns-${team.name}-clusterqueue`;
}

function localQueueOf(team: TeamSpec): string {
  return `hyperpod-ns-${team.name}-localqueue`;
}

/** Requests as written in a pod spec; extended resources (GPUs, Neuron, EFA) need limits equal to requests. */
function containerResources(requests: Record<string, string>): Json {
  const limits = Object.fromEntries(Object.entries(requests).filter(([k]) => k.includes('/')));
  return { requests: { ...requests }, ...(Object.keys(limits).length ? { limits } : {}) };
}
