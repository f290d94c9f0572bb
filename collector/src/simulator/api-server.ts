/**
 * A Kubernetes API server for tests and the demo: an in-memory object store behind node:http that speaks
 * enough of kube-apiserver's REST, watch, discovery and Lease protocols for the unmodified
 * `@kubernetes/client-node` clients and informers. It also injects faults (dropped or expired watches,
 * an unreachable server, error responses) so failure handling can be tested without a cluster.
 *
 * What it deliberately does not do: authentication, admission, PATCH, subresources (`/status`),
 * BOOKMARK events, protobuf, or version conversion (each Kueue version is its own collection).
 * See kubernetes-api-facts.md for the behaviour copied here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// ---------------------------------------------------------------------------------------------------
// Resource types
// ---------------------------------------------------------------------------------------------------

/** One served collection, e.g. `kueue.x-k8s.io/v1beta1 workloads`. */
export interface ResourceType {
  /** API group; '' for the core group (served under /api). */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  /** Defined by a CRD: list items keep kind/apiVersion, which kube-apiserver strips for built-in kinds. */
  readonly custom?: boolean;
  /** A PUT of a missing object creates it (kube-apiserver allows this for Leases). */
  readonly allowCreateOnUpdate?: boolean;
}

function coreType(plural: string, kind: string, namespaced: boolean): ResourceType {
  return Object.freeze({ group: '', version: 'v1', plural, kind, listKind: `${kind}List`, namespaced });
}

export const PODS = coreType('pods', 'Pod', true);
export const NODES = coreType('nodes', 'Node', false);
export const NAMESPACES = coreType('namespaces', 'Namespace', false);
export const LEASES: ResourceType = Object.freeze({
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  listKind: 'LeaseList',
  namespaced: true,
  allowCreateOnUpdate: true,
});

export const KUEUE_GROUP = 'kueue.x-k8s.io';
export type KueueVersion = 'v1beta1' | 'v1beta2';

export interface KueueTypes {
  readonly clusterQueues: ResourceType;
  readonly workloads: ResourceType;
  readonly localQueues: ResourceType;
  readonly resourceFlavors: ResourceType;
  readonly workloadPriorityClasses: ResourceType;
}

function kueueTypes(version: KueueVersion): KueueTypes {
  const crd = (plural: string, kind: string, namespaced: boolean): ResourceType =>
    Object.freeze({ group: KUEUE_GROUP, version, plural, kind, listKind: `${kind}List`, namespaced, custom: true });
  return Object.freeze({
    clusterQueues: crd('clusterqueues', 'ClusterQueue', false),
    workloads: crd('workloads', 'Workload', true),
    localQueues: crd('localqueues', 'LocalQueue', true),
    resourceFlavors: crd('resourceflavors', 'ResourceFlavor', false),
    workloadPriorityClasses: crd('workloadpriorityclasses', 'WorkloadPriorityClass', false),
  });
}

export const KUEUE_V1BETA1 = kueueTypes('v1beta1');
export const KUEUE_V1BETA2 = kueueTypes('v1beta2');
export const KUEUE: Readonly<Record<KueueVersion, KueueTypes>> = { v1beta1: KUEUE_V1BETA1, v1beta2: KUEUE_V1BETA2 };

const BUILTIN_TYPES: readonly ResourceType[] = Object.freeze([
  PODS,
  NODES,
  NAMESPACES,
  LEASES,
  ...Object.values(KUEUE_V1BETA1),
  ...Object.values(KUEUE_V1BETA2),
]);

/** `v1` for core, `group/version` otherwise. */
function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The REST path of a collection (all namespaces when `namespace` is omitted) or of one object. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${type.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

const keyOf = (group: string, version: string, plural: string): string => `${plural}.${version}.${group}`;
const typeKey = (type: ResourceType): string => keyOf(type.group, type.version, type.plural);
const isLease = (type: ResourceType): boolean => typeKey(type) === typeKey(LEASES);
/** How kube-apiserver names a resource in messages: `pods`, `leases.coordination.k8s.io`. */
const qualifiedResource = (type: ResourceType): string => (type.group ? `${type.plural}.${type.group}` : type.plural);
/** How validation messages name a kind: `Pod`, `Lease.coordination.k8s.io`. */
const qualifiedKind = (type: ResourceType): string => (type.group ? `${type.kind}.${type.group}` : type.kind);

// ---------------------------------------------------------------------------------------------------
// Objects and Status errors
// ---------------------------------------------------------------------------------------------------

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** An object as stored and served; always a private copy when handed to a caller. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

/** meta/v1 Status, the body of every error response and of ERROR watch events. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An API failure; thrown by the store's programmatic methods and sent over HTTP as a Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: StatusDetails = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

// Messages follow apimachinery pkg/api/errors and the generic registry store word for word, so
// code that matches on them behaves as it would against a real cluster.
const resourceDetails = (type: ResourceType, name: string): StatusDetails => ({
  name,
  group: type.group || undefined,
  kind: type.plural,
});
const notFound = (type: ResourceType, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, resourceDetails(type, name));
const alreadyExists = (type: ResourceType, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, resourceDetails(type, name));
const conflict = (type: ResourceType, name: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": the object has been modified; ` +
      'please apply your changes to the latest version and try again',
    resourceDetails(type, name),
  );
const invalid = (type: ResourceType, name: string, field: string, reason: string, detail: string): ApiError =>
  new ApiError(422, 'Invalid', `${qualifiedKind(type)} "${name}" is invalid: ${field}: ${detail}`, {
    name,
    group: type.group || undefined,
    kind: type.kind,
    causes: [{ reason, message: detail, field }],
  });
const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);
const pathNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

// ---------------------------------------------------------------------------------------------------
// Label and field selectors
// ---------------------------------------------------------------------------------------------------

type Operator = 'exists' | 'notexists' | 'eq' | 'neq' | 'in' | 'notin';

export interface SelectorRequirement {
  key: string;
  op: Operator;
  values: string[];
}

const SELECTOR_KEY = '[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?';
const SELECTOR_VALUE = '(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?';
const EXISTS = new RegExp(`^(!?)\\s*(${SELECTOR_KEY})$`);
const EQUALITY = new RegExp(`^(${SELECTOR_KEY})\\s*(==|!=|=)\\s*(${SELECTOR_VALUE})$`);
const SET = new RegExp(`^(${SELECTOR_KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);

/** Splits at commas outside parentheses, since `k in (a,b)` contains commas. */
function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

/** Parses a label selector: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a)`, comma-separated. */
export function parseLabelSelector(selector: string): SelectorRequirement[] {
  return splitTerms(selector).map((term) => {
    let m = EXISTS.exec(term);
    if (m) return { key: m[2]!, op: m[1] ? 'notexists' : 'exists', values: [] };
    m = EQUALITY.exec(term);
    if (m) return { key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]!] };
    m = SET.exec(term);
    if (m) return { key: m[1]!, op: m[2] as Operator, values: m[3]!.split(',').map((v) => v.trim()) };
    throw badRequest(`unable to parse requirement: invalid label selector term ${JSON.stringify(term)}`);
  });
}

/** Parses a field selector: `path=v`, `path==v`, `path!=v`, comma-separated, e.g. `metadata.name=x`. */
function parseFieldSelector(selector: string): SelectorRequirement[] {
  return splitTerms(selector).map((term) => {
    const m = /^([A-Za-z0-9_.-]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector term ${JSON.stringify(term)}`);
    return { key: m[1]!, op: m[2] === '!=' ? 'neq' : 'eq', values: [m[3]!.trim()] };
  });
}

function satisfies(requirement: SelectorRequirement, value: string | undefined): boolean {
  switch (requirement.op) {
    case 'exists':
      return value !== undefined;
    case 'notexists':
      return value === undefined;
    case 'eq':
    case 'in':
      return value !== undefined && requirement.values.includes(value);
    case 'neq':
    case 'notin':
      // As in apimachinery: an absent label satisfies != and notin.
      return value === undefined || !requirement.values.includes(value);
  }
}

/** The value a field selector compares: the dotted path's value as text, '' when absent. */
function fieldValue(object: KubeObject, path: string): string {
  let value: unknown = object;
  for (const part of path.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value === undefined || value === null ? '' : String(value);
}

interface Filter {
  namespace?: string;
  labels: SelectorRequirement[];
  fields: SelectorRequirement[];
}

function parseFilter(query: URLSearchParams, namespace: string | undefined): Filter {
  return {
    namespace,
    labels: parseLabelSelector(query.get('labelSelector') ?? ''),
    fields: parseFieldSelector(query.get('fieldSelector') ?? ''),
  };
}

function matchesFilter(filter: Filter, object: KubeObject): boolean {
  if (filter.namespace !== undefined && object.metadata.namespace !== filter.namespace) return false;
  const labels = object.metadata.labels ?? {};
  return (
    filter.labels.every((r) => satisfies(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined)) &&
    filter.fields.every((r) => satisfies(r, fieldValue(object, r.key)))
  );
}

// ---------------------------------------------------------------------------------------------------
// The object store: one revision counter for every type, like etcd
// ---------------------------------------------------------------------------------------------------

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface StoreEvent {
  type: WatchEventType;
  key: string;
  revision: number;
  /** ADDED/MODIFIED: the new state; DELETED: the last state, stamped with the deletion's revision. */
  object: KubeObject;
  /** MODIFIED/DELETED: the state before, so selector watches can turn a change into ADDED or DELETED. */
  previous?: KubeObject;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
/** RFC3339 without fractional seconds, as kube-apiserver writes metav1.Time. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const objectKey = (namespace: string | undefined, name: string): string => `${namespace ?? ''}/${name}`;

/** Kubernetes' generateName suffix alphabet (no vowels, no confusable digits). */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

/** Everything but metadata and status: what bumps metadata.generation when it changes. */
function specPart(object: KubeObject): string {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return JSON.stringify(rest);
}

class ObjectStore {
  private revision = 1;
  private readonly buckets = new Map<string, Map<string, KubeObject>>();
  private history: StoreEvent[] = [];
  /** Every event with a revision above this one is in `history`: the oldest point a watch can resume from. */
  private floor = 1;
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  constructor(
    private readonly historySize: number,
    private readonly now: () => number,
  ) {}

  get currentRevision(): number {
    return this.revision;
  }

  subscribe(listener: (event: StoreEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Internal reference: never mutate, copy before handing it out. */
  peek(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.buckets.get(typeKey(type))?.get(objectKey(type.namespaced ? namespace : undefined, name));
  }

  /** Internal references in etcd key order (namespace, then name). */
  items(type: ResourceType, filter?: Filter): KubeObject[] {
    return this.keyedItems(type, this.revision, filter).map(([, object]) => object);
  }

  /**
   * [key, object] pairs as they were at `revision`, in key order: the current objects with the
   * later history undone, as etcd serves a read at an older revision. 410 Expired once compacted.
   */
  keyedItems(type: ResourceType, revision: number, filter?: Filter): Array<[string, KubeObject]> {
    const objects = new Map(this.buckets.get(typeKey(type)));
    if (revision < this.revision) {
      this.assertRetained(revision);
      for (let i = this.history.length - 1; i >= 0 && this.history[i]!.revision > revision; i--) {
        const event = this.history[i]!;
        if (event.key !== typeKey(type)) continue;
        const key = objectKey(event.object.metadata.namespace, event.object.metadata.name ?? '');
        if (event.previous === undefined) objects.delete(key);
        else objects.set(key, event.previous);
      }
    }
    return [...objects.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .filter(([, object]) => filter === undefined || matchesFilter(filter, object));
  }

  create(type: ResourceType, input: object): KubeObject {
    const object = this.normalize(type, input);
    const { metadata } = object;
    if (!metadata.name) {
      if (typeof metadata.generateName !== 'string' || metadata.generateName === '') {
        throw invalid(type, '', 'metadata.name', 'FieldValueRequired', 'Required value: name or generateName is required');
      }
      metadata.name = metadata.generateName + randomSuffix();
    }
    const bucket = this.bucket(type);
    const key = objectKey(metadata.namespace, metadata.name);
    if (bucket.has(key)) throw alreadyExists(type, metadata.name);
    metadata.uid ||= randomUUID();
    metadata.creationTimestamp ||= rfc3339(this.now());
    metadata.generation ??= 1;
    metadata.resourceVersion = String(++this.revision);
    bucket.set(key, object);
    this.emit({ type: 'ADDED', key: typeKey(type), revision: this.revision, object });
    return object;
  }

  /** Replaces an existing object unconditionally; identity fields (uid, creationTimestamp) are kept. */
  update(type: ResourceType, input: object): KubeObject {
    const object = this.normalize(type, input);
    const { metadata } = object;
    if (!metadata.name) throw invalid(type, '', 'metadata.name', 'FieldValueRequired', 'Required value: name is required');
    const key = objectKey(metadata.namespace, metadata.name);
    const previous = this.bucket(type).get(key);
    if (previous === undefined) throw notFound(type, metadata.name);
    metadata.uid = previous.metadata.uid;
    metadata.creationTimestamp = previous.metadata.creationTimestamp;
    metadata.generation = (previous.metadata.generation ?? 1) + (specPart(object) === specPart(previous) ? 0 : 1);
    metadata.resourceVersion = previous.metadata.resourceVersion;
    // kube-apiserver skips writes that change nothing: no new revision, no event.
    if (JSON.stringify(object) === JSON.stringify(previous)) return previous;
    metadata.resourceVersion = String(++this.revision);
    this.bucket(type).set(key, object);
    this.emit({ type: 'MODIFIED', key: typeKey(type), revision: this.revision, object, previous });
    return object;
  }

  remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const key = objectKey(type.namespaced ? namespace : undefined, name);
    const bucket = this.bucket(type);
    const previous = bucket.get(key);
    if (previous === undefined) throw notFound(type, name);
    bucket.delete(key);
    // The DELETED event carries the last state with the deletion's own revision, as etcd3's watcher does.
    const object = clone(previous);
    object.metadata.resourceVersion = String(++this.revision);
    this.emit({ type: 'DELETED', key: typeKey(type), revision: this.revision, object, previous });
    return object;
  }

  /** Events after `revision`, oldest first; throws 410 Expired when history no longer reaches back that far. */
  eventsAfter(revision: number): StoreEvent[] {
    this.assertRetained(revision);
    return this.history.filter((event) => event.revision > revision);
  }

  /** 410 Expired unless every event after `revision` is still in the history. */
  private assertRetained(revision: number): void {
    if (revision < this.floor) throw new ApiError(410, 'Expired', `too old resource version: ${revision} (${this.floor})`);
  }

  /**
   * Forgets all history and advances the revision, as if etcd compacted after writes nobody watched:
   * every resourceVersion a client has seen so far is now too old to resume a watch from.
   */
  expireHistory(): void {
    this.revision++;
    this.floor = this.revision;
    this.history = [];
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = typeKey(type);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) this.buckets.set(key, (bucket = new Map()));
    return bucket;
  }

  /** A private deep copy with kind/apiVersion/metadata checked and filled in. */
  private normalize(type: ResourceType, input: object): KubeObject {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw badRequest(`${type.kind} must be a JSON object`);
    }
    const object = clone(input) as Partial<KubeObject>;
    const apiVersion = apiVersionOf(type);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (object.kind !== undefined && object.kind !== type.kind) {
      throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${type.kind})`);
    }
    const metadata = (object.metadata ?? {}) as ObjectMeta;
    if (typeof metadata !== 'object' || Array.isArray(metadata)) throw badRequest('metadata must be a JSON object');
    if (metadata.name !== undefined && typeof metadata.name !== 'string') throw badRequest('metadata.name must be a string');
    if (type.namespaced) {
      if (typeof metadata.namespace !== 'string' || metadata.namespace === '') {
        throw invalid(type, metadata.name ?? '', 'metadata.namespace', 'FieldValueRequired', 'Required value');
      }
    } else {
      delete metadata.namespace; // kube-apiserver clears it for cluster-scoped objects
    }
    return { ...object, apiVersion, kind: type.kind, metadata } as KubeObject;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    while (this.history.length > this.historySize) this.floor = this.history.shift()!.revision;
    for (const listener of this.listeners) listener(event);
  }
}

// ---------------------------------------------------------------------------------------------------
// Lease validation
// ---------------------------------------------------------------------------------------------------

const MICRO_TIME_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

/**
 * kube-apiserver parses MicroTime with Go's exact layout, so anything but 6 fractional digits is a
 * 400 (JS `toISOString()` has 3). Returns Go's error text, or undefined when the value parses.
 */
export function microTimeError(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return `json: cannot unmarshal ${typeof value} into Go value of type string`;
  const parseError = (rest: string, layout: string): string =>
    `parsing time ${JSON.stringify(value)} as "${MICRO_TIME_LAYOUT}": cannot parse ${JSON.stringify(rest)} as "${layout}"`;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value)) return parseError(value, MICRO_TIME_LAYOUT);
  const fraction = /^\.\d{6}/.exec(value.slice(19));
  if (!fraction) return parseError(value.slice(19), '.000000');
  const zone = value.slice(26);
  if (!/^(Z|[+-]\d{2}:\d{2})$/.test(zone)) return parseError(zone, 'Z07:00');
  return undefined;
}

function validateLease(object: KubeObject): void {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  for (const field of ['acquireTime', 'renewTime']) {
    const error = microTimeError(spec[field]);
    if (error) throw badRequest(`Lease in version "v1" cannot be handled as a Lease: ${error}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// The HTTP server
// ---------------------------------------------------------------------------------------------------

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Bearer token, so tests can tell clients apart (see `kubeConfigForUrl`). */
  token?: string;
  /** HTTP status, set when the response ends (a watch's 200 once its stream closes). */
  status?: number;
}

/** Which requests an injected fault applies to. */
export type FaultScope = 'all' | 'leases' | 'non-leases' | ((request: LoggedRequest) => boolean);

/** An HTTP status to answer with, or 'hang': accept the request and never answer (an overloaded server). */
export type FaultResponse = number | 'hang';

export interface ServerCounters {
  requests: number;
  lists: number;
  gets: number;
  watches: number;
  /** Watches refused because their resourceVersion was older than the retained history. */
  expiredWatches: number;
  creates: number;
  updates: number;
  deletes: number;
  conflicts: number;
  /** Requests answered (or left hanging) by `respondWith`. */
  faults: number;
}

export type ExpiredWatchResponse = 'error-event' | 'http-410';

export interface ApiServerOptions {
  /** Kueue versions to serve, preferred first; [] = Kueue not installed. Default both, v1beta2 preferred. */
  kueueVersions?: readonly KueueVersion[];
  /** Events kept for watches that resume from an older resourceVersion. Default 1000. */
  historySize?: number;
  /** Time source for creationTimestamp (epoch ms); a simulated cluster clock. Default Date.now. */
  now?: () => number;
  /** Types served in addition to BUILTIN_TYPES. */
  extraTypes?: readonly ResourceType[];
  /** How an expired watch is refused; see `expiredWatchResponse`. Default 'error-event'. */
  expiredWatchResponse?: ExpiredWatchResponse;
  /** Requests kept in the request log. Default 1000. */
  requestLogSize?: number;
}

interface Watcher {
  readonly key: string;
  readonly filter: Filter;
  readonly res: ServerResponse;
  timer?: NodeJS.Timeout;
}

/** A parsed resource URL: which type, and optionally namespace and object name. */
interface Target {
  type: ResourceType;
  namespace?: string;
  name?: string;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const SERVED_VERBS = ['create', 'delete', 'get', 'list', 'update', 'watch'];

export class FakeApiServer {
  /**
   * 'error-event': HTTP 200, one ERROR event with a 410 Expired Status, end of stream (what
   * kube-apiserver's watch cache does). 'http-410': an HTTP 410 response. May be changed at any time.
   */
  expiredWatchResponse: ExpiredWatchResponse;

  private readonly store: ObjectStore;
  private readonly types = new Map<string, ResourceType>();
  /** Served versions per group, preferred first. */
  private readonly servedVersions = new Map<string, string[]>();
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private readonly log: LoggedRequest[] = [];
  private readonly logSize: number;
  private readonly count: ServerCounters = {
    requests: 0,
    lists: 0,
    gets: 0,
    watches: 0,
    expiredWatches: 0,
    creates: 0,
    updates: 0,
    deletes: 0,
    conflicts: 0,
    faults: 0,
  };
  private fault?: { response: FaultResponse; scope: FaultScope; message: string };
  private server?: Server;
  private port?: number;

  constructor(options: ApiServerOptions = {}) {
    this.store = new ObjectStore(options.historySize ?? 1000, options.now ?? Date.now);
    this.store.subscribe((event) => this.broadcast(event));
    this.expiredWatchResponse = options.expiredWatchResponse ?? 'error-event';
    this.logSize = options.requestLogSize ?? 1000;
    for (const type of [...BUILTIN_TYPES, ...(options.extraTypes ?? [])]) {
      this.types.set(typeKey(type), type);
      if (type.group === '') continue;
      const versions = this.servedVersions.get(type.group) ?? [];
      if (!versions.includes(type.version)) versions.push(type.version);
      this.servedVersions.set(type.group, versions);
    }
    this.setServedVersions(KUEUE_GROUP, options.kueueVersions ?? ['v1beta2', 'v1beta1']);
  }

  // ----- Lifecycle ---------------------------------------------------------------------------------

  /** Listens on 127.0.0.1 (port 0 = any free port) and returns the base URL. */
  async start(port = 0): Promise<string> {
    if (this.server) throw new Error('the API server is already started');
    await this.listen(port);
    return this.url;
  }

  /** Closes the listener and every connection, open watches included. Safe to call twice. */
  async stop(): Promise<void> {
    await this.close();
  }

  /** `http://127.0.0.1:<port>`; stays the same across goDown()/comeUp(). */
  get url(): string {
    if (this.port === undefined) throw new Error('the API server has not been started');
    return `http://127.0.0.1:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  // ----- Programmatic object access (the simulator writes here, in-process) ------------------------

  /** Creates an object; fills uid, creationTimestamp (from `now`), generation and resourceVersion. */
  create(type: ResourceType, object: object): KubeObject {
    return clone(this.store.create(type, object));
  }

  /**
   * Replaces an existing object (no resourceVersion precondition) and emits MODIFIED. Like
   * kube-apiserver, a write that changes nothing keeps the resourceVersion and emits no event.
   */
  update(type: ResourceType, object: object): KubeObject {
    return clone(this.store.update(type, object));
  }

  /** Deletes an object and returns its last state, stamped with the deletion's resourceVersion. */
  remove(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return clone(this.store.remove(type, namespace, name));
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const object = this.store.peek(type, namespace, name);
    return object && clone(object);
  }

  /** All objects of a type, or of one namespace, in namespace/name order. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    return clone(this.store.items(type, { namespace, labels: [], fields: [] }));
  }

  /** The latest resourceVersion (the global revision). */
  get resourceVersion(): string {
    return String(this.store.currentRevision);
  }

  /** Which versions of a group are served, preferred first; [] hides the group. Others answer 404. */
  setServedVersions(group: string, versions: readonly string[]): void {
    for (const version of versions) {
      if (![...this.types.values()].some((t) => t.group === group && t.version === version)) {
        throw new Error(`no resource types registered for ${group}/${version}`);
      }
    }
    this.servedVersions.set(group, [...versions]);
  }

  // ----- Fault injection -----------------------------------------------------------------------------

  /** Destroys the sockets of all open watches mid-stream (client-node reports an error and stops). */
  dropWatches(): void {
    for (const watcher of this.takeWatchers()) watcher.res.destroy();
  }

  /** Ends all open watches cleanly, as a server-side timeout does (client-node re-watches). */
  endWatches(): void {
    for (const watcher of this.takeWatchers()) watcher.res.end();
  }

  /**
   * Counts, from now on, the events that watches on these collection paths (all namespaces, with
   * an optional label selector) would receive; benchmarks compare it with what a client handled.
   */
  countWatchEvents(watches: ReadonlyArray<{ path: string; labelSelector?: string }>): () => number {
    const filters = new Map<string, Filter>();
    for (const watch of watches) {
      const type = [...this.types.values()].find((t) => resourcePath(t) === watch.path);
      if (!type) throw new Error(`no resource type is served at ${watch.path}`);
      filters.set(typeKey(type), { labels: parseLabelSelector(watch.labelSelector ?? ''), fields: [] });
    }
    let count = 0;
    this.store.subscribe((event) => {
      const filter = filters.get(event.key);
      if (filter && watchEventType(filter, event) !== undefined) count++;
    });
    return () => count;
  }

  /** Forgets the event history: every later watch from an already seen resourceVersion gets 410. */
  expireHistory(): void {
    this.store.expireHistory();
  }

  /** Stops listening and destroys every connection; clients get "connection refused" until comeUp(). */
  async goDown(): Promise<void> {
    await this.close();
  }

  /** Listens again on the same port after goDown(). */
  async comeUp(): Promise<void> {
    if (this.port === undefined) throw new Error('the API server has never been started');
    if (this.server) return;
    await this.listen(this.port);
  }

  /**
   * While set, answers the requests in `scope` with that HTTP status and a Status body instead of
   * serving them, or with 'hang' never answers them (until the client gives up or the server stops).
   * Open watches are not affected. `respondWith(null)` serves normally again.
   */
  respondWith(response: FaultResponse | null, options: { scope?: FaultScope; message?: string } = {}): void {
    if (response === null) {
      this.fault = undefined;
      return;
    }
    const reason = response === 'hang' ? 'hang' : (REASONS[response] ?? 'InternalError');
    this.fault = { response, scope: options.scope ?? 'all', message: options.message ?? `injected fault: ${reason}` };
  }

  // ----- Observation -------------------------------------------------------------------------------

  /** The most recent requests (bounded by `requestLogSize`), oldest first. */
  get requests(): readonly LoggedRequest[] {
    return this.log.map((entry) => ({ ...entry, query: { ...entry.query } }));
  }

  clearRequestLog(): void {
    this.log.length = 0;
  }

  get counters(): Readonly<ServerCounters> {
    return { ...this.count };
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  // ----- Request handling ----------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const auth = req.headers.authorization;
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      token: auth?.startsWith('Bearer ') ? auth.slice(7) : undefined,
    };
    this.log.push(entry);
    if (this.log.length > this.logSize) this.log.shift();
    this.count.requests++;
    res.once('close', () => (entry.status = res.statusCode));

    const fault = this.fault;
    if (fault && this.faultApplies(fault.scope, entry)) {
      this.count.faults++;
      if (fault.response === 'hang') return; // the socket stays open; stop() and goDown() destroy it
      this.sendStatus(res, new ApiError(fault.response, REASONS[fault.response] ?? 'InternalError', fault.message));
      return;
    }
    this.route(req, res, url).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.sendStatus(res, error instanceof ApiError ? error : new ApiError(500, 'InternalError', message));
    });
  }

  private faultApplies(scope: FaultScope, request: LoggedRequest): boolean {
    if (typeof scope === 'function') return scope(request);
    const isLease = request.path.startsWith('/apis/coordination.k8s.io/');
    return scope === 'all' || (scope === 'leases') === isLease;
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [root, group, version] = parts;

    if (root === 'version' && parts.length === 1) return this.sendJson(res, 200, versionInfo());
    if (root === 'api') {
      if (parts.length === 1) return this.sendJson(res, 200, this.apiVersions());
      if (group !== 'v1') throw pathNotFound();
      if (parts.length === 2) return this.sendJson(res, 200, this.resourceList('', 'v1'));
      return this.serveResource(req, res, url, this.resolve('', 'v1', parts.slice(2)));
    }
    if (root === 'apis') {
      if (parts.length === 1) return this.sendJson(res, 200, this.groupList());
      const versions = this.servedVersions.get(group!) ?? [];
      if (versions.length === 0) throw pathNotFound();
      if (parts.length === 2) {
        return this.sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...this.groupInfo(group!, versions) });
      }
      if (!versions.includes(version!)) throw pathNotFound();
      if (parts.length === 3) return this.sendJson(res, 200, this.resourceList(group!, version!));
      return this.serveResource(req, res, url, this.resolve(group!, version!, parts.slice(3)));
    }
    throw pathNotFound();
  }

  /** Maps the path after `/api/v1` or `/apis/g/v` onto a type, namespace and name. */
  private resolve(group: string, version: string, rest: string[]): Target {
    const lookup = (plural: string | undefined): ResourceType | undefined =>
      plural === undefined ? undefined : this.types.get(keyOf(group, version, plural));
    const [a, b, c, d] = rest;
    let target: Target | undefined;
    if (rest.length === 1) {
      const type = lookup(a);
      if (type) target = { type };
    } else if (rest.length === 2) {
      const type = lookup(a); // e.g. /api/v1/nodes/n1, or /api/v1/namespaces/ns1 (the Namespace object)
      if (type && !type.namespaced) target = { type, name: b };
    } else if (a === 'namespaces' && (rest.length === 3 || rest.length === 4)) {
      const type = lookup(c);
      if (type?.namespaced) target = { type, namespace: b, name: d };
    }
    if (target === undefined) throw pathNotFound();
    return target;
  }

  private async serveResource(req: IncomingMessage, res: ServerResponse, url: URL, target: Target): Promise<void> {
    const method = req.method ?? 'GET';
    const { type, namespace, name } = target;
    if (name === undefined) {
      if (method === 'GET' && isTrue(url.searchParams.get('watch'))) return this.serveWatch(res, url, target);
      if (method === 'GET') return this.serveList(res, url, target);
      if (method === 'POST' && (namespace !== undefined || !type.namespaced)) return this.serveCreate(req, res, target);
    } else {
      if (method === 'GET') return this.serveGet(res, type, namespace, name);
      if (method === 'PUT') return this.serveReplace(req, res, type, namespace, name);
      if (method === 'DELETE') return this.serveDelete(res, type, namespace, name);
    }
    throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }

  /**
   * A list, paged when the client sends `limit`: every page is read at the first page's revision,
   * and `metadata.continue` carries that revision and the last key served. A token whose revision
   * history has been compacted away gets 410 Expired, as from kube-apiserver.
   */
  private serveList(res: ServerResponse, url: URL, target: Target): void {
    this.count.lists++;
    const filter = parseFilter(url.searchParams, target.namespace);
    const limit = parseLimit(url.searchParams.get('limit'));
    const token = url.searchParams.get('continue');
    const page = token ? parseContinue(token) : { revision: this.store.currentRevision, after: undefined };
    let selected: Array<[string, KubeObject]>;
    try {
      selected = this.store.keyedItems(target.type, page.revision, filter);
    } catch (error) {
      if (error instanceof ApiError && error.code === 410) {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      throw error;
    }
    if (page.after !== undefined) selected = selected.filter(([key]) => key > page.after!);
    const more = limit !== undefined && selected.length > limit;
    if (more) selected = selected.slice(0, limit);
    // kube-apiserver omits kind/apiVersion on items of built-in lists (kubernetes#3030); CRD lists keep them.
    const items = selected.map(([, object]) => {
      if (target.type.custom) return object;
      const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
      return rest;
    });
    const last = selected.at(-1)?.[0];
    this.sendJson(res, 200, {
      kind: target.type.listKind,
      apiVersion: apiVersionOf(target.type),
      metadata: { resourceVersion: String(page.revision), ...(more && last !== undefined ? { continue: continueToken(page.revision, last) } : {}) },
      items,
    });
  }

  private serveGet(res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string): void {
    this.count.gets++;
    const object = this.store.peek(type, namespace, name);
    if (object === undefined) throw notFound(type, name);
    this.sendJson(res, 200, object);
  }

  private async serveCreate(req: IncomingMessage, res: ServerResponse, target: Target): Promise<void> {
    const body = await readJsonObject(req);
    const metadata = objectMetadata(body);
    if (target.type.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== target.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      metadata.namespace = target.namespace;
    }
    delete metadata.resourceVersion;
    const normalized = { ...body, metadata };
    if (isLease(target.type)) validateLease(normalized as KubeObject);
    this.count.creates++;
    this.sendJson(res, 201, this.store.create(target.type, normalized));
  }

  /** PUT with kube-apiserver's optimistic concurrency: the body's resourceVersion must be the stored one. */
  private async serveReplace(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<void> {
    const body = await readJsonObject(req);
    const metadata = objectMetadata(body);
    if (metadata.name !== name) {
      throw badRequest(`the name of the object (${String(metadata.name ?? '')}) does not match the name on the URL (${name})`);
    }
    if (type.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      metadata.namespace = namespace;
    }
    const object = { ...body, metadata };
    if (isLease(type)) validateLease(object as KubeObject);
    const existing = this.store.peek(type, namespace, name);
    if (existing === undefined) {
      if (!type.allowCreateOnUpdate) throw notFound(type, name);
      delete metadata.resourceVersion;
      this.count.creates++;
      return this.sendJson(res, 201, this.store.create(type, object));
    }
    // Leases and CRDs do not allow unconditional updates; this server applies that rule to every type.
    const resourceVersion = metadata.resourceVersion;
    if (resourceVersion === undefined || resourceVersion === '') {
      const detail = 'Invalid value: "": must be specified for an update';
      throw invalid(type, name, 'metadata.resourceVersion', 'FieldValueInvalid', detail);
    }
    if (resourceVersion !== existing.metadata.resourceVersion) {
      this.count.conflicts++;
      throw conflict(type, name);
    }
    this.count.updates++;
    this.sendJson(res, 200, this.store.update(type, object));
  }

  private serveDelete(res: ServerResponse, type: ResourceType, namespace: string | undefined, name: string): void {
    const deleted = this.store.remove(type, namespace, name);
    this.count.deletes++;
    this.sendJson(res, 200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { ...resourceDetails(type, name), uid: deleted.metadata.uid },
    });
  }

  // ----- Watch -----------------------------------------------------------------------------------------

  private serveWatch(res: ServerResponse, url: URL, target: Target): void {
    const filter = parseFilter(url.searchParams, target.namespace);
    const key = typeKey(target.type);
    const requested = url.searchParams.get('resourceVersion') ?? '';
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0);
    let backlog: string[];
    if (requested === '' || requested === '0') {
      // "Get State and Start at Most Recent/Any": synthetic ADDED for every current object first.
      backlog = this.store.items(target.type, filter).map((object) => eventLine('ADDED', object));
    } else {
      if (!/^\d+$/.test(requested)) throw badRequest(`invalid resource version: ${JSON.stringify(requested)}`);
      let events: StoreEvent[];
      try {
        events = this.store.eventsAfter(Number(requested));
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 410) throw error;
        this.count.expiredWatches++;
        if (this.expiredWatchResponse === 'http-410') throw error;
        // kube-apiserver's watch cache reports this inside a 200 stream, then ends the stream.
        this.beginStream(res);
        res.end(JSON.stringify({ type: 'ERROR', object: error.toStatus() }) + '\n');
        return;
      }
      backlog = events.flatMap((event) => {
        const line = event.key === key ? watchLine(filter, event) : undefined;
        return line === undefined ? [] : [line];
      });
    }

    this.count.watches++;
    this.beginStream(res);
    if (backlog.length > 0) res.write(backlog.join(''));
    const watcher: Watcher = { key, filter, res };
    this.watchers.add(watcher);
    if (Number.isFinite(timeoutSeconds) && timeoutSeconds > 0) {
      // Like kube-apiserver: on timeout the body just ends, no final event.
      watcher.timer = setTimeout(() => {
        this.watchers.delete(watcher);
        res.end();
      }, timeoutSeconds * 1000);
    }
    res.once('close', () => {
      clearTimeout(watcher.timer);
      this.watchers.delete(watcher);
    });
  }

  private beginStream(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    // client-node's informer start() waits for the response headers; without this it hangs until the first event.
    res.flushHeaders();
  }

  private broadcast(event: StoreEvent): void {
    for (const watcher of this.watchers) {
      if (watcher.key !== event.key || watcher.res.writableEnded || watcher.res.destroyed) continue;
      const line = watchLine(watcher.filter, event);
      if (line !== undefined) watcher.res.write(line);
    }
  }

  /** Removes all watchers at once, so events emitted right after ending them are not written. */
  private takeWatchers(): Watcher[] {
    const all = [...this.watchers];
    this.watchers.clear();
    for (const watcher of all) clearTimeout(watcher.timer);
    return all;
  }

  // ----- Discovery -------------------------------------------------------------------------------------

  private apiVersions(): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }],
    };
  }

  private groupInfo(group: string, versions: string[]): object {
    const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
    return { name: group, versions: entries, preferredVersion: entries[0] };
  }

  private groupList(): object {
    const groups = [...this.servedVersions.entries()]
      .filter(([, versions]) => versions.length > 0)
      .map(([group, versions]) => this.groupInfo(group, versions));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  private resourceList(group: string, version: string): object {
    const resources = [...this.types.values()]
      .filter((type) => type.group === group && type.version === version)
      .map((type) => ({
        name: type.plural,
        singularName: type.kind.toLowerCase(),
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: SERVED_VERBS,
      }));
    const groupVersion = group ? `${group}/${version}` : version;
    // The core list has no apiVersion field in kube-apiserver's answer; group lists do.
    return group
      ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources }
      : { kind: 'APIResourceList', groupVersion, resources };
  }

  // ----- Plumbing ----------------------------------------------------------------------------------------

  private sendJson(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private sendStatus(res: ServerResponse, error: ApiError): void {
    this.sendJson(res, error.code, error.toStatus());
  }

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.takeWatchers();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

/** Query booleans as apimachinery reads them: absent, "false" and "0" are false; anything else is true. */
function isTrue(value: string | null): boolean {
  return value !== null && value !== 'false' && value !== '0';
}

function eventLine(type: WatchEventType, object: KubeObject): string {
  return JSON.stringify({ type, object }) + '\n';
}

/**
 * The line a filtered watch sees for a store event: a change that moves an object into the selection
 * is ADDED, out of it DELETED (the previous state at the new revision), as kube-apiserver's cacher does.
 */
function parseLimit(value: string | null): number | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`invalid limit: ${JSON.stringify(value)}`);
  return Number(value);
}

function continueToken(revision: number, lastKey: string): string {
  return Buffer.from(JSON.stringify({ rv: revision, start: lastKey })).toString('base64url');
}

function parseContinue(token: string): { revision: number; after: string } {
  try {
    const { rv, start } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { rv?: unknown; start?: unknown };
    if (typeof rv === 'number' && Number.isInteger(rv) && rv > 0 && typeof start === 'string') return { revision: rv, after: start };
  } catch {
    // reported below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** What a watch with this filter sees of a change: nothing, or an event of this type. */
function watchEventType(filter: Filter, event: StoreEvent): WatchEventType | undefined {
  const now = matchesFilter(filter, event.object);
  if (event.type !== 'MODIFIED') return now ? event.type : undefined;
  if (now) return event.previous !== undefined && matchesFilter(filter, event.previous) ? 'MODIFIED' : 'ADDED';
  return event.previous !== undefined && matchesFilter(filter, event.previous) ? 'DELETED' : undefined;
}

function watchLine(filter: Filter, event: StoreEvent): string | undefined {
  const type = watchEventType(filter, event);
  if (type === undefined) return undefined;
  if (type === 'DELETED' && event.type === 'MODIFIED') {
    // Left the selection: the last state that matched, at the change's revision.
    const last = clone(event.previous!);
    last.metadata.resourceVersion = event.object.metadata.resourceVersion;
    return eventLine('DELETED', last);
  }
  return eventLine(type, event.object);
}

async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large');
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw badRequest(`invalid JSON in request body: ${(error as Error).message}`);
  }
  if (!isJsonObject(body)) throw badRequest('the request body must be a JSON object');
  return body;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function objectMetadata(body: Record<string, unknown>): Partial<ObjectMeta> {
  const metadata = body.metadata ?? {};
  if (!isJsonObject(metadata)) throw badRequest('metadata must be a JSON object');
  return { ...(metadata as Partial<ObjectMeta>) };
}

function versionInfo(): object {
  return {
    major: '1',
    minor: '33',
    gitVersion: 'v1.33.0-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
