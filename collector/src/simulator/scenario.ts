/**
 * Scenario files: a declarative HyperPod cluster (nodes, teams with quotas, priority classes) and
 * a timeline of what happens to workloads, plain pods and nodes. The simulator plays it against
 * the Kubernetes API test server; docs/scenarios.md describes the format.
 *
 * Times are offsets from `start` (`+90s`, `+1h30m`) or absolute RFC 3339 times.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { instanceSpec } from '@hyperpod-usage/model';
import { QuantityError, parseQuantityMilli } from '../kube/quantity.js';

export class ScenarioError extends Error {}

export interface QuotaSpec {
  nominal: string;
  borrowingLimit: string | null;
  lendingLimit: string | null;
}

export interface TeamSpec {
  name: string;
  namespace: string;
  cohort: string;
  /** flavor → Kubernetes resource name → quota */
  quotas: Record<string, Record<string, QuotaSpec>>;
}

export interface NodeGroup {
  instanceType: string;
  count: number;
}

export interface NodeEvent {
  at: number;
  node: number;
  ready?: boolean;
  unschedulable?: boolean;
  healthStatus?: string;
}

export interface PodSetSpec {
  name: string;
  count: number;
  /** Per-pod requests, Kubernetes resource name → quantity. */
  requests: Record<string, string>;
}

export type WorkloadEvent =
  | { at: number; type: 'submit' }
  | { at: number; type: 'admit'; flavor: string }
  | { at: number; type: 'evict'; reason: string; preemption: string | null; releaseAfterMs: number }
  | { at: number; type: 'requeue' }
  | { at: number; type: 'finish'; succeeded: boolean }
  | { at: number; type: 'delete' };

export interface WorkloadSpec {
  name: string;
  team: string;
  namespace: string;
  priorityClass: string;
  job: { kind: string; name: string };
  podSets: PodSetSpec[];
  events: WorkloadEvent[];
}

export type PodEvent =
  | { at: number; type: 'create' }
  | { at: number; type: 'run' }
  | { at: number; type: 'succeed' }
  | { at: number; type: 'fail' }
  | { at: number; type: 'delete' };

export interface PlainPodSpec {
  name: string;
  namespace: string;
  node: number;
  owner: { kind: string; name: string } | null;
  priorityClass: string;
  requests: Record<string, string>;
  events: PodEvent[];
}

export interface Scenario {
  name: string;
  description: string;
  start: number;
  end: number;
  kueueApiVersion: 'v1beta1' | 'v1beta2';
  nodes: NodeGroup[];
  nodeEvents: NodeEvent[];
  teams: TeamSpec[];
  priorityClasses: Array<{ name: string; value: number }>;
  workloads: WorkloadSpec[];
  pods: PlainPodSpec[];
  /** Hand-computed answers, for tests; kept as written. */
  expected: unknown;
}

// ---------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const OFFSET = /^\+((?:\d+(?:\.\d+)?(?:ms|h|m|s))+)$/;
const OFFSET_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

class Reader {
  constructor(readonly path: string) {}

  fail(message: string): never {
    throw new ScenarioError(`${this.path}: ${message}`);
  }

  at(key: string | number): Reader {
    return new Reader(typeof key === 'number' ? `${this.path}[${key}]` : `${this.path}.${key}`);
  }
}

function object(v: unknown, r: Reader): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) r.fail('expected a map');
  return v as Json;
}

function list(v: unknown, r: Reader, optional = true): unknown[] {
  if (v === undefined && optional) return [];
  if (!Array.isArray(v)) r.fail('expected a list');
  return v as unknown[];
}

function str(v: unknown, r: Reader, fallback?: string): string {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v === '') r.fail('expected a non-empty string');
  return v as string;
}

function name(v: unknown, r: Reader): string {
  const s = str(v, r);
  if (!K8S_NAME.test(s)) r.fail(`${JSON.stringify(s)} is not a valid Kubernetes name (lower case, digits, '-', '.')`);
  return s;
}

function int(v: unknown, r: Reader, min: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) r.fail(`expected an integer ≥ ${min}`);
  return v as number;
}

function quantity(v: unknown, r: Reader): string {
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : r.fail('expected a quantity');
  try {
    if (parseQuantityMilli(s) < 0n) r.fail('quantity must not be negative');
  } catch (e) {
    if (e instanceof QuantityError) r.fail(e.message);
    throw e;
  }
  return s;
}

function requests(v: unknown, r: Reader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, q] of Object.entries(object(v, r))) out[k] = quantity(q, r.at(k));
  if (Object.keys(out).length === 0) r.fail('expected at least one resource');
  return out;
}

function parseTime(v: unknown, start: number, r: Reader): number {
  if (v instanceof Date) return v.getTime();
  const s = str(v, r);
  const offset = OFFSET.exec(s);
  if (offset) {
    let ms = 0;
    for (const m of (offset[1] as string).matchAll(OFFSET_PART)) ms += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    return start + ms;
  }
  const t = Date.parse(s);
  if (Number.isNaN(t) || !/[zZ]|[+-]\d\d:\d\d$/.test(s)) r.fail(`${JSON.stringify(s)} is neither an offset like +1h30m nor an RFC 3339 time with a zone`);
  return t;
}

function exactlyOne(e: Json, keys: readonly string[], r: Reader): string {
  const present = keys.filter((k) => e[k] !== undefined);
  if (present.length !== 1) r.fail(`each event needs exactly one of ${keys.join(', ')}`);
  return present[0] as string;
}

function quotaSpec(v: unknown, r: Reader): QuotaSpec {
  if (typeof v === 'number' || typeof v === 'string') return { nominal: quantity(v, r), borrowingLimit: null, lendingLimit: null };
  const q = object(v, r);
  return {
    nominal: quantity(q.nominal, r.at('nominal')),
    borrowingLimit: q.borrowingLimit === undefined ? null : quantity(q.borrowingLimit, r.at('borrowingLimit')),
    lendingLimit: q.lendingLimit === undefined ? null : quantity(q.lendingLimit, r.at('lendingLimit')),
  };
}

function workloadEvent(v: unknown, start: number, r: Reader): WorkloadEvent {
  const e = object(v, r);
  const at = parseTime(e.at, start, r.at('at'));
  switch (exactlyOne(e, ['submit', 'admit', 'evict', 'requeue', 'finish', 'delete'], r)) {
    case 'submit':
      return { at, type: 'submit' };
    case 'admit':
      return { at, type: 'admit', flavor: str(e.admit, r.at('admit')) };
    case 'evict':
      return {
        at,
        type: 'evict',
        reason: str(e.evict, r.at('evict')),
        preemption: e.preemption === undefined ? null : str(e.preemption, r.at('preemption')),
        releaseAfterMs: e.releaseAfter === undefined ? 0 : parseTime(e.releaseAfter, 0, r.at('releaseAfter')),
      };
    case 'requeue':
      return { at, type: 'requeue' };
    case 'finish': {
      const outcome = str(e.finish, r.at('finish'));
      if (outcome !== 'Succeeded' && outcome !== 'Failed') r.at('finish').fail('expected Succeeded or Failed');
      return { at, type: 'finish', succeeded: outcome === 'Succeeded' };
    }
    default:
      return { at, type: 'delete' };
  }
}

function podEvent(v: unknown, start: number, r: Reader): PodEvent {
  const e = object(v, r);
  const at = parseTime(e.at, start, r.at('at'));
  const type = exactlyOne(e, ['create', 'run', 'succeed', 'fail', 'delete'], r) as PodEvent['type'];
  return { at, type };
}

function sortedByTime<T extends { at: number }>(events: T[], r: Reader, start: number, end: number): T[] {
  events.forEach((e, i) => {
    if (e.at < start || e.at > end) r.at(i).fail('time outside the scenario (start..end)');
    if (i > 0 && e.at < (events[i - 1] as T).at) r.at(i).fail('events must be in time order');
  });
  return events;
}

/** Validates a parsed scenario document; every error names the offending path. */
function parseScenario(doc: unknown, source = 'scenario'): Scenario {
  const root = new Reader(source);
  const d = object(doc, root);
  const start = parseTime(d.start, 0, root.at('start'));
  const end = parseTime(d.end, start, root.at('end'));
  if (end <= start) root.at('end').fail('must be after start');
  const version = str(d.kueueApiVersion, root.at('kueueApiVersion'), 'v1beta1');
  const kueueApiVersion = version === 'v1beta2' ? 'v1beta2' : version === 'v1beta1' ? 'v1beta1' : root.at('kueueApiVersion').fail('expected v1beta1 or v1beta2');

  const nodes = list(d.nodes, root.at('nodes'), false).map((n, i) => {
    const r = root.at('nodes').at(i);
    const g = object(n, r);
    const instanceType = str(g.instanceType, r.at('instanceType'));
    if (!instanceSpec(instanceType)) r.at('instanceType').fail(`unknown instance type ${instanceType}`);
    return { instanceType, count: int(g.count, r.at('count'), 1) };
  });
  const nodeCount = nodes.reduce((a, g) => a + g.count, 0);

  const teams = list(d.teams, root.at('teams'), false).map((t, i) => {
    const r = root.at('teams').at(i);
    const o = object(t, r);
    const teamName = name(o.name, r.at('name'));
    const quotas: TeamSpec['quotas'] = {};
    for (const [flavor, resources] of Object.entries(object(o.quotas, r.at('quotas')))) {
      const fr = r.at('quotas').at(flavor);
      quotas[flavor] = {};
      for (const [res, q] of Object.entries(object(resources, fr))) (quotas[flavor] as Record<string, QuotaSpec>)[res] = quotaSpec(q, fr.at(res));
    }
    return {
      name: teamName,
      namespace: o.namespace === undefined ? `hyperpod-ns-${teamName}` : name(o.namespace, r.at('namespace')),
      cohort: o.cohort === undefined ? '' : name(o.cohort, r.at('cohort')),
      quotas,
    };
  });
  const teamNames = new Set(teams.map((t) => t.name));
  if (teamNames.size !== teams.length) root.at('teams').fail('team names must be unique');

  const priorityClasses = list(d.priorityClasses, root.at('priorityClasses')).map((p, i) => {
    const r = root.at('priorityClasses').at(i);
    const o = object(p, r);
    return { name: name(o.name, r.at('name')), value: int(o.value, r.at('value'), -2147483648) };
  });
  const priorityNames = new Set(priorityClasses.map((p) => p.name));

  const workloads = list(d.workloads, root.at('workloads')).map((w, i) => {
    const r = root.at('workloads').at(i);
    const o = object(w, r);
    const team = str(o.team, r.at('team'));
    if (!teamNames.has(team)) r.at('team').fail(`unknown team ${team}`);
    const priorityClass = o.priorityClass === undefined ? '' : str(o.priorityClass, r.at('priorityClass'));
    if (priorityClass && !priorityNames.has(priorityClass)) r.at('priorityClass').fail(`unknown priority class ${priorityClass}`);
    const job = o.job === undefined ? {} : object(o.job, r.at('job'));
    const workloadName = name(o.name, r.at('name'));
    const podSets = list(o.podSets, r.at('podSets'), false).map((p, j) => {
      const pr = r.at('podSets').at(j);
      const ps = object(p, pr);
      return { name: name(ps.name ?? 'main', pr.at('name')), count: int(ps.count, pr.at('count'), 1, 1), requests: requests(ps.requests, pr.at('requests')) };
    });
    const events = sortedByTime(
      list(o.events, r.at('events'), false).map((e, j) => workloadEvent(e, start, r.at('events').at(j))),
      r.at('events'),
      start,
      end,
    );
    if (events[0]?.type !== 'submit') r.at('events').fail('the first event must be submit');
    return {
      name: workloadName,
      team,
      namespace: (teams.find((t) => t.name === team) as TeamSpec).namespace,
      priorityClass,
      job: { kind: str(job.kind, r.at('job').at('kind'), 'PyTorchJob'), name: name(job.name ?? workloadName, r.at('job').at('name')) },
      podSets,
      events,
    };
  });
  const workloadKeys = new Set(workloads.map((w) => `${w.namespace}/${w.name}`));
  if (workloadKeys.size !== workloads.length) root.at('workloads').fail('workload names must be unique per namespace');

  const pods = list(d.pods, root.at('pods')).map((p, i) => {
    const r = root.at('pods').at(i);
    const o = object(p, r);
    const owner = o.owner === undefined ? null : object(o.owner, r.at('owner'));
    const events = sortedByTime(
      list(o.events, r.at('events'), false).map((e, j) => podEvent(e, start, r.at('events').at(j))),
      r.at('events'),
      start,
      end,
    );
    if (events[0]?.type !== 'create') r.at('events').fail('the first event must be create');
    return {
      name: name(o.name, r.at('name')),
      namespace: name(o.namespace, r.at('namespace')),
      node: int(o.node, r.at('node'), 0, 0),
      owner: owner ? { kind: str(owner.kind, r.at('owner').at('kind')), name: name(owner.name, r.at('owner').at('name')) } : null,
      priorityClass: o.priorityClass === undefined ? '' : str(o.priorityClass, r.at('priorityClass')),
      requests: requests(o.requests, r.at('requests')),
      events,
    };
  });
  for (const [i, p] of pods.entries()) if (p.node >= nodeCount) root.at('pods').at(i).at('node').fail(`there are only ${nodeCount} nodes`);

  const nodeEvents = sortedByTime(
    list(d.nodeEvents, root.at('nodeEvents')).map((e, i) => {
      const r = root.at('nodeEvents').at(i);
      const o = object(e, r);
      const node = int(o.node, r.at('node'), 0);
      if (node >= nodeCount) r.at('node').fail(`there are only ${nodeCount} nodes`);
      const ev: NodeEvent = { at: parseTime(o.at, start, r.at('at')), node };
      if (o.ready !== undefined) ev.ready = o.ready === true;
      if (o.unschedulable !== undefined) ev.unschedulable = o.unschedulable === true;
      if (o.healthStatus !== undefined) ev.healthStatus = str(o.healthStatus, r.at('healthStatus'));
      return ev;
    }),
    root.at('nodeEvents'),
    start,
    end,
  );

  return {
    name: str(d.name, root.at('name')),
    description: str(d.description, root.at('description'), ''),
    start,
    end,
    kueueApiVersion,
    nodes,
    nodeEvents,
    teams,
    priorityClasses,
    workloads,
    pods,
    expected: d.expected ?? null,
  };
}

export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ScenarioError(`${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseScenario(doc, path);
}
