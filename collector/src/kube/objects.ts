/**
 * Readers that turn raw Kubernetes/Kueue JSON into the small, typed shapes the collector uses.
 *
 * Objects come from a cluster we do not control: any field may be missing, of the wrong type,
 * huge or odd. Readers never throw for bad optional fields: they fall back and note a problem,
 * which the caller logs once. Only an object without name or uid is unreadable (ObjectError).
 * Both Kueue v1beta1 and v1beta2 field names are accepted.
 */
import { QuantityError, parseQuantityMilli } from './quantity.js';

export class ObjectError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller: boolean;
}

export interface Meta {
  uid: string;
  name: string;
  namespace: string;
  resourceVersion: string;
  labels: Readonly<Record<string, string>>;
  /** Only Kueue's and SageMaker's. */
  annotations: Readonly<Record<string, string>>;
  creationMs: number | null;
  deletionMs: number | null;
  owners: readonly OwnerRef[];
}

export interface Condition {
  status: string;
  reason: string;
  transitionMs: number | null;
}

/** Quantities keyed by Kubernetes resource name, in milli-units. */
export type Amounts = Map<string, bigint>;

/** Things in an object that were unreadable and were skipped; the caller logs them. */
export type Problems = string[];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asObject = (v: unknown): Json => (isObject(v) ? v : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const asBool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

/** A struct field (spec, status): absent is fine, anything but an object is a noted problem. */
function structOf(v: unknown, what: string, problems: Problems): Json {
  if (v === undefined) return {};
  if (isObject(v)) return v;
  problems.push(`${what} is not an object`);
  return {};
}

/** A map or list field: absent or null (Go's nil) is fine, the wrong shape is a noted problem. */
function mapOf(v: unknown, what: string, problems: Problems): Json {
  if (v === undefined || v === null) return {};
  if (isObject(v)) return v;
  problems.push(`${what} is not a map`);
  return {};
}

function listOf(v: unknown, what: string, problems: Problems): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  problems.push(`${what} is not a list`);
  return [];
}

/** A whole number in [0, max]; null when absent, a noted problem (and null) when anything else. */
function countOf(v: unknown, what: string, problems: Problems, max: number): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) {
    problems.push(`${what}: expected a whole number from 0 to ${max}, got ${JSON.stringify(v).slice(0, 40)}`);
    return null;
  }
  return n;
}

/** An integer of any sign within ±max; null when absent, a noted problem when anything else. */
function integerOf(v: unknown, what: string, problems: Problems, max: number): number | null {
  if (v === undefined || v === null) return null;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || Math.abs(n) > max) {
    problems.push(`${what}: expected an integer, got ${JSON.stringify(v).slice(0, 40)}`);
    return null;
  }
  return n;
}

/** No pod set has more pods than this; a larger count is a broken object (1,500,000,000 was seen). */
const MAX_POD_SET_COUNT = 1_000_000;
/** Workload counts of one ClusterQueue beyond this are nonsense. */
const MAX_WORKLOAD_COUNT = 100_000_000;
/** Ten years of admitted time, in seconds. */
const MAX_PAST_ADMITTED_SECONDS = 10 * 366 * 86_400;
/** Kueue priorities are int32. */
const MAX_PRIORITY = 2 ** 31 - 1;

function asInt(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

/** Keys come from the cluster: a prototype-free object, so `constructor` or `__proto__` are plain keys. */
function asStringMap(v: unknown, keep: (key: string) => boolean = () => true): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, val] of Object.entries(asObject(v))) if (typeof val === 'string' && keep(k)) out[k] = val;
  return out;
}

/**
 * Times outside these bounds are not real transition times: Go's zero time (0001-01-01) stands
 * for "unset", and no Kubernetes object predates 2000 or is dated past 9999 (Athena's timestamp
 * range). Taken as times they would make partitions like year=0001.
 */
const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);
const LATEST_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** RFC 3339 time to epoch ms; null when absent, a problem noted when unreadable or impossible. */
function readTime(v: unknown, what: string, problems: Problems): number | null {
  if (v === undefined || v === null || v === '') return null;
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) {
    problems.push(`unreadable time in ${what}`);
    return null;
  }
  if (ms < EARLIEST_TIME_MS || ms > LATEST_TIME_MS) {
    problems.push(`impossible time in ${what}: ${new Date(ms).toISOString()}`);
    return null;
  }
  return ms;
}

/** Annotations the collector reads; the rest (last-applied configurations, ...) would only take memory. */
const KEPT_ANNOTATION_PREFIXES = ['kueue.x-k8s.io/', 'sagemaker.amazonaws.com/'];
const isKeptAnnotation = (key: string): boolean => KEPT_ANNOTATION_PREFIXES.some((p) => key.startsWith(p));

function readMeta(obj: unknown, kind: string, problems: Problems = []): Meta {
  const m = asObject(asObject(obj).metadata);
  const name = asString(m.name);
  const uid = asString(m.uid);
  if (!name) throw new ObjectError('missing-name', `${kind} without metadata.name`);
  if (!uid) throw new ObjectError('missing-uid', `${kind} ${name} without metadata.uid`);
  return {
    uid,
    name,
    namespace: asString(m.namespace),
    resourceVersion: asString(m.resourceVersion),
    labels: asStringMap(mapOf(m.labels, 'metadata.labels', problems)),
    annotations: asStringMap(mapOf(m.annotations, 'metadata.annotations', problems), isKeptAnnotation),
    creationMs: readTime(m.creationTimestamp, 'creationTimestamp', problems),
    deletionMs: readTime(m.deletionTimestamp, 'deletionTimestamp', problems),
    owners: listOf(m.ownerReferences, 'metadata.ownerReferences', problems).map((o) => {
      const r = asObject(o);
      return {
        apiVersion: asString(r.apiVersion),
        kind: asString(r.kind),
        name: asString(r.name),
        uid: asString(r.uid),
        controller: r.controller === true,
      };
    }),
  };
}

/** The controlling owner, or the first owner when none is marked controller. */
export function controllerOf(meta: Meta): OwnerRef | undefined {
  return meta.owners.find((o) => o.controller) ?? meta.owners[0];
}

function readConditions(v: unknown, problems: Problems): Map<string, Condition> {
  const out = new Map<string, Condition>();
  for (const c of listOf(v, 'status.conditions', problems)) {
    const cond = asObject(c);
    const type = asString(cond.type);
    if (!type) continue;
    out.set(type, {
      status: asString(cond.status),
      reason: asString(cond.reason),
      transitionMs: readTime(cond.lastTransitionTime, `condition ${type}`, problems),
    });
  }
  return out;
}

/** Reads a ResourceList; unreadable quantities are skipped and noted. */
function readAmounts(v: unknown, what: string, problems: Problems): Amounts {
  const out: Amounts = new Map();
  for (const [name, q] of Object.entries(mapOf(v, what, problems))) {
    try {
      out.set(name, parseQuantityMilli(q));
    } catch (e) {
      if (!(e instanceof QuantityError)) throw e;
      problems.push(`${what} ${name.slice(0, 80)}: ${e.message}`);
    }
  }
  return out;
}

function addAmounts(target: Amounts, source: Amounts, times = 1n): Amounts {
  for (const [k, v] of source) target.set(k, (target.get(k) ?? 0n) + v * times);
  return target;
}

function maxAmounts(target: Amounts, source: Amounts): Amounts {
  for (const [k, v] of source) if (v > (target.get(k) ?? 0n)) target.set(k, v);
  return target;
}

// ---------------------------------------------------------------------------------------------
// Kueue

export interface QuotaLimits {
  nominal: bigint;
  borrowingLimit: bigint | null;
  lendingLimit: bigint | null;
}

export interface FlavorUsage {
  total: bigint;
  borrowed: bigint;
}

export interface ClusterQueue {
  meta: Meta;
  cohort: string;
  /** flavor → resource name → quota */
  quotas: Map<string, Map<string, QuotaLimits>>;
  /** flavor → resource name → usage (status.flavorsUsage) */
  usage: Map<string, Map<string, FlavorUsage>>;
  pendingWorkloads: number | null;
  reservingWorkloads: number | null;
  admittedWorkloads: number | null;
  problems: Problems;
}

function readOptionalQuantity(v: unknown, what: string, problems: Problems): bigint | null {
  if (v === undefined || v === null) return null;
  try {
    return parseQuantityMilli(v);
  } catch (e) {
    if (!(e instanceof QuantityError)) throw e;
    problems.push(`${what}: ${e.message}`);
    return null;
  }
}

export function readClusterQueue(obj: unknown): ClusterQueue {
  const problems: Problems = [];
  const meta = readMeta(obj, 'ClusterQueue', problems);
  const spec = structOf(asObject(obj).spec, 'spec', problems);
  const status = structOf(asObject(obj).status, 'status', problems);
  const quotas = new Map<string, Map<string, QuotaLimits>>();
  for (const group of listOf(spec.resourceGroups, 'spec.resourceGroups', problems)) {
    for (const f of asArray(asObject(group).flavors)) {
      const flavor = asString(asObject(f).name);
      if (!flavor) continue;
      const resources = quotas.get(flavor) ?? new Map<string, QuotaLimits>();
      for (const r of asArray(asObject(f).resources)) {
        const res = asObject(r);
        const name = asString(res.name);
        if (!name) continue;
        const where = `quota ${flavor}/${name.slice(0, 80)}`;
        resources.set(name, {
          nominal: readOptionalQuantity(res.nominalQuota, where, problems) ?? 0n,
          borrowingLimit: readOptionalQuantity(res.borrowingLimit, where, problems),
          lendingLimit: readOptionalQuantity(res.lendingLimit, where, problems),
        });
      }
      quotas.set(flavor, resources);
    }
  }
  const usage = new Map<string, Map<string, FlavorUsage>>();
  for (const f of listOf(status.flavorsUsage, 'status.flavorsUsage', problems)) {
    const flavor = asString(asObject(f).name);
    if (!flavor) continue;
    const resources = new Map<string, FlavorUsage>();
    for (const r of asArray(asObject(f).resources)) {
      const res = asObject(r);
      const name = asString(res.name);
      if (!name) continue;
      const where = `usage ${flavor}/${name.slice(0, 80)}`;
      resources.set(name, {
        total: readOptionalQuantity(res.total, where, problems) ?? 0n,
        borrowed: readOptionalQuantity(res.borrowed, where, problems) ?? 0n,
      });
    }
    usage.set(flavor, resources);
  }
  return {
    meta,
    // v1beta1 `cohort`, v1beta2 `cohortName`
    cohort: asString(spec.cohort) || asString(spec.cohortName),
    quotas,
    usage,
    pendingWorkloads: countOf(status.pendingWorkloads, 'status.pendingWorkloads', problems, MAX_WORKLOAD_COUNT),
    reservingWorkloads: countOf(status.reservingWorkloads, 'status.reservingWorkloads', problems, MAX_WORKLOAD_COUNT),
    admittedWorkloads: countOf(status.admittedWorkloads, 'status.admittedWorkloads', problems, MAX_WORKLOAD_COUNT),
    problems,
  };
}

export interface LocalQueue {
  meta: Meta;
  clusterQueue: string;
}

export function readLocalQueue(obj: unknown): LocalQueue {
  return { meta: readMeta(obj, 'LocalQueue'), clusterQueue: asString(asObject(asObject(obj).spec).clusterQueue) };
}

export interface ResourceFlavor {
  meta: Meta;
  nodeLabels: Readonly<Record<string, string>>;
}

export function readResourceFlavor(obj: unknown): ResourceFlavor {
  return { meta: readMeta(obj, 'ResourceFlavor'), nodeLabels: asStringMap(asObject(asObject(obj).spec).nodeLabels) };
}

export interface WorkloadPriorityClass {
  meta: Meta;
  value: number | null;
}

export function readWorkloadPriorityClass(obj: unknown): WorkloadPriorityClass {
  return { meta: readMeta(obj, 'WorkloadPriorityClass'), value: asInt(asObject(obj).value) };
}

export interface PodSetAssignment {
  name: string;
  /** resource name → flavor */
  flavors: Readonly<Record<string, string>>;
  /** total for all pods of the pod set */
  resourceUsage: Amounts;
  count: number;
}

export interface Workload {
  meta: Meta;
  queueName: string;
  priorityClass: string;
  priority: number | null;
  active: boolean;
  /** Requests of all pod sets (count × per-pod effective requests); what a pending workload asks for. */
  requests: Amounts;
  podCount: number;
  clusterQueue: string;
  assignments: PodSetAssignment[];
  conditions: Map<string, Condition>;
  requeueCount: number | null;
  pastAdmittedSeconds: number | null;
  job: { kind: string; name: string; uid: string } | null;
  problems: Problems;
}

export function readWorkload(obj: unknown): Workload {
  const problems: Problems = [];
  const meta = readMeta(obj, 'Workload', problems);
  const spec = structOf(asObject(obj).spec, 'spec', problems);
  const status = structOf(asObject(obj).status, 'status', problems);
  const requests: Amounts = new Map();
  let podCount = 0;
  for (const ps of listOf(spec.podSets, 'spec.podSets', problems)) {
    const podSet = asObject(ps);
    // Kueue defaults the count to 1; an unreadable or absurd count is noted and read as that default.
    const count = podSet.count === undefined ? 1 : (countOf(podSet.count, `podSet ${asString(podSet.name)} count`, problems, MAX_POD_SET_COUNT) ?? 1);
    podCount += count;
    const perPod = podRequests(asObject(asObject(podSet.template).spec), `podSet ${asString(podSet.name)}`, problems);
    addAmounts(requests, perPod, BigInt(count));
  }
  const admission = structOf(status.admission, 'status.admission', problems);
  const assignments: PodSetAssignment[] = listOf(admission.podSetAssignments, 'status.admission.podSetAssignments', problems).map((a) => {
    const psa = asObject(a);
    const name = asString(psa.name);
    return {
      name,
      flavors: asStringMap(psa.flavors),
      resourceUsage: readAmounts(psa.resourceUsage, `podSetAssignment ${name}`, problems),
      count: countOf(psa.count, `podSetAssignment ${name} count`, problems, MAX_POD_SET_COUNT) ?? 0,
    };
  });
  const owner = controllerOf(meta);
  const jobUid = meta.labels['kueue.x-k8s.io/job-uid'] ?? '';
  // v1beta1 spells it accumulatedPastExexcutionTimeSeconds (sic); v1beta2 fixed it.
  const past = countOf(
    status.accumulatedPastExexcutionTimeSeconds ?? status.accumulatedPastExecutionTimeSeconds,
    'status.accumulatedPastExecutionTimeSeconds',
    problems,
    MAX_PAST_ADMITTED_SECONDS,
  );
  const conditions = readConditions(status.conditions, problems);
  const clusterQueue = asString(admission.clusterQueue);
  if (conditions.get('QuotaReserved')?.status === 'True' && !clusterQueue) problems.push('QuotaReserved without status.admission.clusterQueue');
  if (conditions.get('Admitted')?.status === 'True' && !clusterQueue) problems.push('Admitted without status.admission.clusterQueue');
  return {
    meta,
    queueName: asString(spec.queueName),
    // v1beta1 priorityClassName, v1beta2 priorityClassRef.name
    priorityClass: asString(spec.priorityClassName) || asString(asObject(spec.priorityClassRef).name),
    priority: integerOf(spec.priority, 'spec.priority', problems, MAX_PRIORITY),
    active: asBool(spec.active, true),
    requests,
    podCount,
    clusterQueue,
    assignments,
    conditions,
    requeueCount: countOf(structOf(status.requeueState, 'status.requeueState', problems).count, 'status.requeueState.count', problems, MAX_WORKLOAD_COUNT),
    pastAdmittedSeconds: past,
    job: owner ? { kind: owner.kind, name: owner.name, uid: owner.uid || jobUid } : jobUid ? { kind: '', name: '', uid: jobUid } : null,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Core

/**
 * Effective requests of one pod, the way the scheduler counts them: app containers and sidecars
 * (restartable init containers) add up; a regular init container runs alone (with the sidecars
 * started before it), so the pod needs the larger of the two; pod overhead comes on top.
 * A container without a request for a resource requests its limit (API defaulting).
 */
export function podRequests(podSpec: Json, what: string, problems: Problems): Amounts {
  const containerRequest = (c: unknown, i: number, group: string): Amounts => {
    const resources = asObject(asObject(c).resources);
    const where = `${what} ${group}[${i}]`;
    const limits = readAmounts(resources.limits, `${where} limits`, problems);
    const requests = readAmounts(resources.requests, `${where} requests`, problems);
    for (const [k, v] of limits) if (!requests.has(k)) requests.set(k, v);
    return requests;
  };
  const running: Amounts = new Map();
  listOf(podSpec.containers, `${what} containers`, problems).forEach((c, i) => addAmounts(running, containerRequest(c, i, 'containers')));
  const sidecarsSoFar: Amounts = new Map();
  const initPeak: Amounts = new Map();
  listOf(podSpec.initContainers, `${what} initContainers`, problems).forEach((c, i) => {
    const req = containerRequest(c, i, 'initContainers');
    if (asObject(c).restartPolicy === 'Always') {
      addAmounts(sidecarsSoFar, req);
      addAmounts(running, req);
    } else {
      maxAmounts(initPeak, addAmounts(new Map(sidecarsSoFar), req));
    }
  });
  const effective = maxAmounts(running, initPeak);
  return addAmounts(effective, readAmounts(podSpec.overhead, `${what} overhead`, problems));
}

export interface Pod {
  meta: Meta;
  nodeName: string;
  phase: string;
  priorityClass: string;
  requests: Amounts;
  scheduledMs: number | null;
  startMs: number | null;
  /** Latest container termination, for pods that reached Succeeded or Failed. */
  finishedMs: number | null;
  conditions: Map<string, Condition>;
  problems: Problems;
}

export function readPod(obj: unknown): Pod {
  const problems: Problems = [];
  const meta = readMeta(obj, 'Pod', problems);
  const spec = structOf(asObject(obj).spec, 'spec', problems);
  const status = structOf(asObject(obj).status, 'status', problems);
  const conditions = readConditions(status.conditions, problems);
  const phase = asString(status.phase);
  let finishedMs: number | null = null;
  if (phase === 'Succeeded' || phase === 'Failed') {
    const statuses = [...asArray(status.containerStatuses), ...asArray(status.initContainerStatuses)];
    for (const cs of statuses) {
      const t = readTime(asObject(asObject(asObject(cs).state).terminated).finishedAt, 'container finishedAt', problems);
      if (t !== null && (finishedMs === null || t > finishedMs)) finishedMs = t;
    }
  }
  const scheduled = conditions.get('PodScheduled');
  return {
    meta,
    nodeName: asString(spec.nodeName),
    phase,
    priorityClass: asString(spec.priorityClassName),
    requests: podRequests(spec, 'pod', problems),
    scheduledMs: scheduled?.status === 'True' ? scheduled.transitionMs : null,
    startMs: readTime(status.startTime, 'startTime', problems),
    finishedMs,
    conditions,
    problems,
  };
}

export interface Node {
  meta: Meta;
  capacity: Amounts;
  allocatable: Amounts;
  ready: boolean;
  readyTransitionMs: number | null;
  unschedulable: boolean;
  problems: Problems;
}

export function readNode(obj: unknown): Node {
  const problems: Problems = [];
  const meta = readMeta(obj, 'Node', problems);
  const spec = structOf(asObject(obj).spec, 'spec', problems);
  const status = structOf(asObject(obj).status, 'status', problems);
  const ready = readConditions(status.conditions, problems).get('Ready');
  return {
    meta,
    capacity: readAmounts(status.capacity, 'capacity', problems),
    allocatable: readAmounts(status.allocatable, 'allocatable', problems),
    ready: ready?.status === 'True',
    readyTransitionMs: ready?.transitionMs ?? null,
    unschedulable: spec.unschedulable === true,
    problems,
  };
}

export interface Namespace {
  meta: Meta;
  problems: Problems;
}

export function readNamespace(obj: unknown): Namespace {
  const problems: Problems = [];
  return { meta: readMeta(obj, 'Namespace', problems), problems };
}
