import assert from 'node:assert/strict';
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  ApiException,
  ApisApi,
  CoordinationV1Api,
  CoreApi,
  CoreV1Api,
  CustomObjectsApi,
  makeInformer,
  V1MicroTime,
  type Informer,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type ObjectCache,
  type V1Lease,
  type V1Pod,
} from '@kubernetes/client-node';
import { listCollection, watchedKinds } from '../src/kube/api.js';
import type { ReconnectDelay } from '../src/kube/informers.js';
import { kubeConfigForUrl } from '../src/kube/kubeconfig.js';
import {
  ApiError,
  FakeApiServer,
  KUEUE_V1BETA1,
  KUEUE_V1BETA2,
  LEASES,
  NAMESPACES,
  NODES,
  PODS,
  microTimeError,
  parseLabelSelector,
  resourcePath,
  type KubeObject,
} from '../src/simulator/api-server.js';

// ----- helpers -------------------------------------------------------------------------------------

/** Polls until `condition` holds; fails after `timeoutMs`. Never asserts how long anything took. */
async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Response bodies are read loosely; the assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchJson(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: Json }> {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
}

interface RawWatch {
  status: number;
  headers: IncomingHttpHeaders;
  events: Array<{ type: string; object: Json }>;
  readonly ended: boolean;
  close(): void;
}

/** A watch read with plain node:http, resolved once the response headers arrive. */
function watchRaw(url: string): Promise<RawWatch> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, (res) => {
      const events: RawWatch['events'] = [];
      let ended = false;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
          events.push(JSON.parse(buffer.slice(0, i)));
          buffer = buffer.slice(i + 1);
        }
      });
      res.on('end', () => (ended = true));
      res.on('error', () => (ended = true));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        events,
        get ended() {
          return ended;
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

type TestInformer<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

/** Records an informer's callbacks as `verb name@rv` lines. */
function record<T extends KubernetesObject>(informer: TestInformer<T>): { events: string[]; errors: unknown[]; connects: number } {
  const log = { events: [] as string[], errors: [] as unknown[], connects: 0 };
  const line = (verb: string) => (o: T) => log.events.push(`${verb} ${o.metadata?.name}@${o.metadata?.resourceVersion}`);
  informer.on('add', line('add'));
  informer.on('update', line('update'));
  informer.on('delete', line('delete'));
  informer.on('error', (err) => log.errors.push(err));
  informer.on('connect', () => log.connects++);
  return log;
}

function workloadInformer(kc: KubeConfig, type = KUEUE_V1BETA1.workloads): TestInformer<KubernetesObject> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = () =>
    custom.listClusterCustomObject({ group: type.group, version: type.version, plural: type.plural }) as Promise<
      KubernetesListObject<KubernetesObject>
    >;
  return makeInformer<KubernetesObject>(kc, resourcePath(type), list);
}

/** Stops an informer while its watch is open, so it is not left sleeping in a back-off timer. */
async function stopInformer(server: FakeApiServer, informer: TestInformer<KubernetesObject>): Promise<void> {
  await until('an open watch before stopping', () => server.openWatches > 0);
  await informer.stop();
}

const workload = (name: string, namespace = 'team-a', extra: object = {}): object => ({
  metadata: { name, namespace },
  spec: { queueName: 'q' },
  ...extra,
});
const rv = (object: KubeObject | undefined): string => object?.metadata.resourceVersion ?? '?';

/** A fresh server per test, stopped afterwards. */
function useServer(options: ConstructorParameters<typeof FakeApiServer>[0] = {}) {
  const ctx = {} as { server: FakeApiServer; url: string; kc: KubeConfig };
  before(async () => {
    ctx.server = new FakeApiServer(options);
    ctx.url = await ctx.server.start();
    ctx.kc = kubeConfigForUrl(ctx.url);
  });
  after(() => ctx.server.stop());
  return ctx;
}

// ----- the store -----------------------------------------------------------------------------------

describe('object store', () => {
  it('fills metadata from an injectable clock and shares one resourceVersion counter across types', () => {
    const server = new FakeApiServer({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    const start = Number(server.resourceVersion);
    const node = server.create(NODES, { metadata: { name: 'n1', namespace: 'ignored' } });
    const wl = server.create(KUEUE_V1BETA1.workloads, workload('w1'));
    const wl2 = server.create(KUEUE_V1BETA2.workloads, workload('w1'));

    assert.equal(node.metadata.resourceVersion, String(start + 1));
    assert.equal(wl.metadata.resourceVersion, String(start + 2));
    assert.equal(wl2.metadata.resourceVersion, String(start + 3), 'v1beta2 is a separate collection');
    assert.equal(server.resourceVersion, String(start + 3));
    assert.equal(node.metadata.creationTimestamp, '2026-01-02T03:04:05Z');
    assert.match(node.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.notEqual(node.metadata.uid, wl.metadata.uid);
    assert.equal(node.metadata.namespace, undefined, 'cluster-scoped objects lose metadata.namespace');
    assert.equal(node.kind, 'Node');
    assert.equal(wl.apiVersion, 'kueue.x-k8s.io/v1beta1');
    assert.equal(wl2.apiVersion, 'kueue.x-k8s.io/v1beta2');
    assert.equal(wl.metadata.generation, 1);
  });

  it('never lets callers mutate stored state', () => {
    const server = new FakeApiServer();
    const input = { metadata: { name: 'p', namespace: 'ns', labels: { a: '1' } }, spec: { x: 1 } };
    const created = server.create(PODS, input);
    input.metadata.labels.a = 'changed';
    created.metadata.labels!.a = 'changed';
    const fetched = server.get(PODS, 'ns', 'p')!;
    fetched.metadata.labels!.a = 'changed';
    server.list(PODS)[0]!.metadata.labels!.a = 'changed';
    server.remove(PODS, 'ns', 'p').metadata.labels!.a = 'changed';
    server.create(PODS, { metadata: { name: 'q', namespace: 'ns', labels: { a: '1' } } });
    server.update(PODS, { metadata: { name: 'q', namespace: 'ns', labels: { a: '2' } } }).metadata.labels!.a = 'changed';
    assert.equal(server.get(PODS, 'ns', 'q')!.metadata.labels!.a, '2');
  });

  it('update keeps identity, bumps resourceVersion and generation; a no-op update writes nothing', () => {
    const server = new FakeApiServer();
    const created = server.create(KUEUE_V1BETA1.workloads, workload('w'));
    const statusOnly = server.update(KUEUE_V1BETA1.workloads, { ...created, status: { admission: { clusterQueue: 'cq' } } });
    assert.equal(statusOnly.metadata.uid, created.metadata.uid);
    assert.equal(statusOnly.metadata.creationTimestamp, created.metadata.creationTimestamp);
    assert.equal(Number(rv(statusOnly)), Number(rv(created)) + 1);
    assert.equal(statusOnly.metadata.generation, 1, 'a status change does not bump generation');
    const specChange = server.update(KUEUE_V1BETA1.workloads, { ...statusOnly, spec: { queueName: 'other' } });
    assert.equal(specChange.metadata.generation, 2);
    const again = server.update(KUEUE_V1BETA1.workloads, specChange);
    assert.equal(rv(again), rv(specChange));
    assert.equal(server.resourceVersion, rv(specChange));
  });

  it('throws ApiErrors for duplicates and missing objects; remove returns the last state at a new version', () => {
    const server = new FakeApiServer();
    server.create(PODS, { metadata: { name: 'p', namespace: 'ns' } });
    assert.throws(() => server.create(PODS, { metadata: { name: 'p', namespace: 'ns' } }), (e: unknown) => {
      return e instanceof ApiError && e.code === 409 && e.reason === 'AlreadyExists' && e.message === 'pods "p" already exists';
    });
    assert.throws(() => server.update(PODS, { metadata: { name: 'x', namespace: 'ns' } }), { code: 404, message: 'pods "x" not found' });
    assert.throws(() => server.create(PODS, { metadata: { name: 'nons' } }), { code: 422 });
    const before = server.get(PODS, 'ns', 'p')!;
    const removed = server.remove(PODS, 'ns', 'p');
    assert.equal(Number(rv(removed)), Number(rv(before)) + 1);
    assert.deepEqual({ ...removed, metadata: { ...removed.metadata, resourceVersion: '' } }, {
      ...before,
      metadata: { ...before.metadata, resourceVersion: '' },
    });
    assert.equal(server.get(PODS, 'ns', 'p'), undefined);
    assert.throws(() => server.remove(PODS, 'ns', 'p'), { code: 404 });
  });

  it('parses label selectors and MicroTime like kube-apiserver', () => {
    assert.deepEqual(parseLabelSelector('a=1, b==2,c!=3,d,!e,f in (x, y),g notin (z)'), [
      { key: 'a', op: 'eq', values: ['1'] },
      { key: 'b', op: 'eq', values: ['2'] },
      { key: 'c', op: 'neq', values: ['3'] },
      { key: 'd', op: 'exists', values: [] },
      { key: 'e', op: 'notexists', values: [] },
      { key: 'f', op: 'in', values: ['x', 'y'] },
      { key: 'g', op: 'notin', values: ['z'] },
    ]);
    assert.throws(() => parseLabelSelector('a=b=c'), { code: 400 });
    assert.equal(microTimeError('2026-11-23T11:39:47.104000Z'), undefined);
    assert.equal(microTimeError('2026-11-23T11:39:47.104000+02:00'), undefined);
    assert.equal(
      microTimeError('2026-08-11T19:37:19.103Z'),
      'parsing time "2026-08-11T19:37:19.103Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".103Z" as ".000000"',
    );
    assert.match(microTimeError('2026-08-11T19:37:19.103456400Z')!, /cannot parse "400Z" as "Z07:00"$/);
    assert.match(microTimeError('2026-08-11T19:37:19Z')!, /cannot parse "Z" as ".000000"$/);
  });
});

// ----- REST ----------------------------------------------------------------------------------------

describe('REST lists, gets and errors', () => {
  const ctx = useServer();
  before(() => {
    const { server } = ctx;
    server.create(PODS, { metadata: { name: 'p1', namespace: 'a', labels: { app: 'train', tier: 'gpu' } }, spec: { nodeName: 'n1' } });
    server.create(PODS, { metadata: { name: 'p2', namespace: 'b', labels: { app: 'train' } }, spec: { nodeName: 'n2' } });
    server.create(PODS, { metadata: { name: 'p3', namespace: 'a', labels: { app: 'serve' } } });
    server.create(NODES, { metadata: { name: 'n1' } });
    server.create(NAMESPACES, { metadata: { name: 'a' } });
    server.create(KUEUE_V1BETA1.clusterQueues, { metadata: { name: 'cq' }, spec: {} });
  });

  it('lists all namespaces, one namespace and cluster-scoped collections with list metadata', async () => {
    const all = await fetchJson(`${ctx.url}/api/v1/pods?limit=500&unknownParam=1`);
    assert.equal(all.status, 200);
    assert.equal(all.type, 'application/json');
    assert.equal(all.body.kind, 'PodList');
    assert.equal(all.body.apiVersion, 'v1');
    assert.equal(all.body.metadata.resourceVersion, ctx.server.resourceVersion);
    assert.deepEqual(
      all.body.items.map((p: Json) => `${p.metadata.namespace}/${p.metadata.name}`),
      ['a/p1', 'a/p3', 'b/p2'],
    );
    assert.equal(all.body.items[0].kind, undefined, 'built-in list items carry no kind');

    const inA = await fetchJson(`${ctx.url}/api/v1/namespaces/a/pods`);
    assert.deepEqual(inA.body.items.map((p: Json) => p.metadata.name), ['p1', 'p3']);
    const nodes = await fetchJson(`${ctx.url}/api/v1/nodes`);
    assert.deepEqual(nodes.body.items.map((n: Json) => n.metadata.name), ['n1']);
    const ns = await fetchJson(`${ctx.url}/api/v1/namespaces/a`);
    assert.equal(ns.body.kind, 'Namespace');
    const cqs = await fetchJson(`${ctx.url}${resourcePath(KUEUE_V1BETA1.clusterQueues)}`);
    assert.equal(cqs.body.kind, 'ClusterQueueList');
    assert.equal(cqs.body.items[0].kind, 'ClusterQueue', 'CRD list items keep their kind');
  });

  it('filters by labelSelector and fieldSelector', async () => {
    const names = async (query: string): Promise<string[]> =>
      (await fetchJson(`${ctx.url}/api/v1/pods?${query}`)).body.items.map((p: Json) => p.metadata.name);
    assert.deepEqual(await names('labelSelector=app%3Dtrain'), ['p1', 'p2']);
    assert.deepEqual(await names('labelSelector=app%3D%3Dtrain,tier'), ['p1']);
    assert.deepEqual(await names('labelSelector=app!%3Dtrain'), ['p3']);
    assert.deepEqual(await names('labelSelector=!tier'), ['p3', 'p2']);
    assert.deepEqual(await names('labelSelector=app%20in%20(serve,other)'), ['p3']);
    assert.deepEqual(await names('fieldSelector=spec.nodeName%3Dn2'), ['p2']);
    assert.deepEqual(await names('fieldSelector=metadata.namespace!%3Da'), ['p2']);
    const bad = await fetchJson(`${ctx.url}/api/v1/pods?labelSelector=a%3D%3D%3D`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.reason, 'BadRequest');
  });

  it('pages a list at the first page\'s revision while objects change, and expires compacted tokens', async () => {
    const server = new FakeApiServer();
    const url = await server.start();
    try {
      for (const name of ['a', 'b', 'c', 'd', 'e']) server.create(NAMESPACES, { metadata: { name, labels: { keep: name === 'c' ? 'no' : 'yes' } } });
      const page = async (query: string) => (await fetchJson(`${url}/api/v1/namespaces?${query}`)).body;
      const first = await page('limit=2');
      assert.deepEqual(first.items.map((n: Json) => n.metadata.name), ['a', 'b']);
      const listedAt = first.metadata.resourceVersion;
      // Changes after the first page are not seen by the rest of the list.
      server.remove(NAMESPACES, undefined, 'd');
      server.create(NAMESPACES, { metadata: { name: 'bb' } });
      server.update(NAMESPACES, { metadata: { name: 'e', labels: { keep: 'yes', changed: 'yes' } } });
      const second = await page(`limit=2&continue=${first.metadata.continue}`);
      assert.deepEqual(second.items.map((n: Json) => n.metadata.name), ['c', 'd']);
      assert.equal(second.metadata.resourceVersion, listedAt);
      const third = await page(`limit=2&continue=${second.metadata.continue}`);
      assert.deepEqual(third.items.map((n: Json) => [n.metadata.name, n.metadata.labels.changed]), [['e', undefined]]);
      assert.equal(third.metadata.continue, undefined);

      const selected = await page('limit=1&labelSelector=keep%3Dyes');
      const rest = await page(`limit=10&labelSelector=keep%3Dyes&continue=${selected.metadata.continue}`);
      assert.deepEqual([...selected.items, ...rest.items].map((n: Json) => n.metadata.name), ['a', 'b', 'e']);

      const stale = await page('limit=1');
      server.expireHistory();
      const expired = await fetchJson(`${url}/api/v1/namespaces?limit=1&continue=${stale.metadata.continue}`);
      assert.equal(expired.status, 410);
      assert.equal(expired.body.reason, 'Expired');
      assert.equal((await fetchJson(`${url}/api/v1/namespaces?limit=1&continue=garbage`)).status, 400);
      assert.equal((await fetchJson(`${url}/api/v1/namespaces?limit=-1`)).status, 400);
    } finally {
      await server.stop();
    }
  });

  it('gets one object and answers Kubernetes Status errors with a JSON content type', async () => {
    const pod = await fetchJson(`${ctx.url}/api/v1/namespaces/a/pods/p1`);
    assert.equal(pod.body.kind, 'Pod');
    assert.equal(pod.body.apiVersion, 'v1');

    const missing = await fetchJson(`${ctx.url}${resourcePath(LEASES, 'ns', 'nope')}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.type, 'application/json');
    assert.deepEqual(missing.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'leases.coordination.k8s.io "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'coordination.k8s.io', kind: 'leases' },
      code: 404,
    });
    for (const path of ['/nope', '/api/v2/pods', '/api/v1/widgets', '/api/v1/pods/p1', '/apis/example.com/v1/things']) {
      const res = await fetchJson(`${ctx.url}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.message, 'the server could not find the requested resource');
    }
    const patch = await fetchJson(`${ctx.url}/api/v1/namespaces/a/pods/p1`, { method: 'PATCH', body: '{}' });
    assert.equal(patch.status, 405);
  });

  it('creates, replaces and deletes any registered type over HTTP', async () => {
    const custom = ctx.kc.makeApiClient(CustomObjectsApi);
    const wl = KUEUE_V1BETA2.workloads;
    const created = await custom.createNamespacedCustomObject({
      group: wl.group,
      version: wl.version,
      namespace: 'team-b',
      plural: wl.plural,
      body: { apiVersion: 'kueue.x-k8s.io/v1beta2', kind: 'Workload', metadata: { generateName: 'job-' }, spec: {} },
    });
    assert.match(created.metadata.name, /^job-[a-z0-9]{5}$/);
    assert.equal(ctx.server.get(wl, 'team-b', created.metadata.name)?.metadata.uid, created.metadata.uid);
    const replaced = await custom.replaceNamespacedCustomObject({
      group: wl.group,
      version: wl.version,
      namespace: 'team-b',
      plural: wl.plural,
      name: created.metadata.name,
      body: { ...created, spec: { queueName: 'q' } },
    });
    assert.equal(replaced.metadata.generation, 2);
    await assert.rejects(
      custom.replaceNamespacedCustomObject({
        group: wl.group,
        version: wl.version,
        namespace: 'team-b',
        plural: wl.plural,
        name: created.metadata.name,
        body: created,
      }),
      (e: unknown) => e instanceof ApiException && e.code === 409,
    );
    await custom.deleteNamespacedCustomObject({
      group: wl.group,
      version: wl.version,
      namespace: 'team-b',
      plural: wl.plural,
      name: created.metadata.name,
    });
    assert.equal(ctx.server.get(wl, 'team-b', created.metadata.name), undefined);
  });
});

// ----- the watch protocol on the wire ----------------------------------------------------------------

describe('watch protocol', () => {
  const ctx = useServer({ historySize: 3 });

  it('sends synthetic ADDED events for resourceVersion 0, then live events in order', async () => {
    const { server, url } = ctx;
    server.create(NODES, { metadata: { name: 'w0-a' } });
    server.create(NODES, { metadata: { name: 'w0-b' } });
    const watch = await watchRaw(`${url}/api/v1/nodes?watch=1&resourceVersion=0`);
    try {
      assert.equal(watch.status, 200);
      assert.equal(watch.headers['content-type'], 'application/json');
      await until('synthetic ADDED events', () => watch.events.length === 2);
      assert.deepEqual(watch.events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w0-a', 'ADDED w0-b']);
      assert.equal(watch.events[0]!.object.kind, 'Node', 'watch objects carry kind');
      const updated = server.update(NODES, { metadata: { name: 'w0-a', labels: { x: '1' } } });
      const removed = server.remove(NODES, undefined, 'w0-b');
      await until('live events', () => watch.events.length === 4);
      assert.deepEqual(
        watch.events.slice(2).map((e) => `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`),
        [`MODIFIED w0-a@${rv(updated)}`, `DELETED w0-b@${rv(removed)}`],
      );
    } finally {
      watch.close();
    }
  });

  it('replays only events newer than the requested resourceVersion', async () => {
    const { server, url } = ctx;
    const a = server.create(PODS, { metadata: { name: 'r1', namespace: 'ns' } });
    server.create(NODES, { metadata: { name: 'other-type' } });
    const b = server.create(PODS, { metadata: { name: 'r2', namespace: 'ns' } });
    const watch = await watchRaw(`${url}/api/v1/pods?watch=true&resourceVersion=${rv(a)}`);
    try {
      await until('the replayed event', () => watch.events.length === 1);
      assert.deepEqual(watch.events.map((e) => `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`), [
        `ADDED r2@${rv(b)}`,
      ]);
    } finally {
      watch.close();
    }
  });

  it('refuses a resourceVersion older than the history with an in-stream 410 ERROR, or HTTP 410 when switched', async () => {
    const { server, url } = ctx;
    const old = server.resourceVersion;
    for (let i = 0; i < 4; i++) server.create(NODES, { metadata: { name: `evict-${i}` } });
    const watch = await watchRaw(`${url}/api/v1/nodes?watch=true&resourceVersion=${old}`);
    await until('the stream to end', () => watch.ended);
    assert.equal(watch.status, 200);
    assert.equal(watch.events.length, 1);
    const [event] = watch.events;
    assert.equal(event!.type, 'ERROR');
    assert.deepEqual(
      { ...event!.object, message: undefined },
      { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Expired', code: 410, message: undefined, details: {} },
    );
    assert.match(event!.object.message, new RegExp(`^too old resource version: ${old} \\(\\d+\\)$`));

    server.expiredWatchResponse = 'http-410';
    try {
      const gone = await fetchJson(`${url}/api/v1/nodes?watch=true&resourceVersion=${old}`);
      assert.equal(gone.status, 410);
      assert.equal(gone.body.reason, 'Expired');
    } finally {
      server.expiredWatchResponse = 'error-event';
    }
    assert.ok(server.counters.expiredWatches >= 2);
  });

  it('ends the body cleanly after timeoutSeconds', async () => {
    const watch = await watchRaw(`${ctx.url}/api/v1/nodes?watch=true&resourceVersion=${ctx.server.resourceVersion}&timeoutSeconds=1`);
    await until('the watch to time out', () => watch.ended);
    assert.deepEqual(watch.events, []);
  });

  it('counts the events that given watches would be sent', () => {
    const server = new FakeApiServer();
    const sent = server.countWatchEvents([{ path: '/api/v1/pods', labelSelector: '!queued' }, { path: '/api/v1/nodes' }]);
    server.create(PODS, { metadata: { name: 'plain', namespace: 'a' } }); // 1: ADDED
    server.create(PODS, { metadata: { name: 'queued', namespace: 'a', labels: { queued: 'yes' } } }); // not selected
    server.update(PODS, { metadata: { name: 'queued', namespace: 'a', labels: { queued: 'yes', x: '1' } } }); // not selected
    server.update(PODS, { metadata: { name: 'plain', namespace: 'a', labels: { queued: 'yes' } } }); // 2: DELETED (left)
    server.create(NODES, { metadata: { name: 'n1' } }); // 3
    server.create(NAMESPACES, { metadata: { name: 'a' } }); // not watched
    assert.equal(sent(), 3);
    assert.throws(() => server.countWatchEvents([{ path: '/api/v1/nothing' }]), /no resource type/);
  });

  it('turns changes into and out of a label selection into ADDED and DELETED', async () => {
    const { server, url } = ctx;
    server.create(PODS, { metadata: { name: 'sel', namespace: 'ns', labels: { app: 'x' } } });
    const watch = await watchRaw(`${url}/api/v1/namespaces/ns/pods?watch=true&resourceVersion=${server.resourceVersion}&labelSelector=app%3Dtrain`);
    try {
      server.update(PODS, { metadata: { name: 'sel', namespace: 'ns', labels: { app: 'train' } } });
      server.update(PODS, { metadata: { name: 'sel', namespace: 'ns', labels: { app: 'train' }, annotations: { a: 'b' } } });
      const out = server.update(PODS, { metadata: { name: 'sel', namespace: 'ns', labels: { app: 'serve' } } });
      server.create(PODS, { metadata: { name: 'elsewhere', namespace: 'other', labels: { app: 'train' } } });
      await until('three events', () => watch.events.length === 3);
      assert.deepEqual(watch.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      assert.equal(watch.events[2]!.object.metadata.labels.app, 'train', 'DELETED carries the last matching state');
      assert.equal(watch.events[2]!.object.metadata.resourceVersion, rv(out));
    } finally {
      watch.close();
    }
  });
});

// ----- client-node informers ------------------------------------------------------------------------

describe('client-node informers against the server', () => {
  it('lists, then delivers add, update and delete events', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    server.create(KUEUE_V1BETA1.workloads, workload('w1'));
    server.create(KUEUE_V1BETA1.workloads, workload('w2', 'team-b'));
    server.create(KUEUE_V1BETA2.workloads, workload('only-in-v1beta2'));
    const informer = workloadInformer(kc);
    const log = record(informer);
    try {
      await informer.start();
      assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['w1', 'w2']);

      const w3 = server.create(KUEUE_V1BETA1.workloads, workload('w3'));
      const w1 = server.update(KUEUE_V1BETA1.workloads, { ...server.get(KUEUE_V1BETA1.workloads, 'team-a', 'w1')!, status: { x: 1 } });
      const w2 = server.remove(KUEUE_V1BETA1.workloads, 'team-b', 'w2');
      await until('three events', () => log.events.length === 5);
      assert.deepEqual(log.events.slice(2), [`add w3@${rv(w3)}`, `update w1@${rv(w1)}`, `delete w2@${rv(w2)}`]);
      assert.deepEqual((informer.get('w1', 'team-a') as { status?: unknown } | undefined)?.status, { x: 1 });
      assert.deepEqual(log.errors, []);
    } finally {
      await stopInformer(server, informer);
      await server.stop();
    }
  });

  it('re-watches from the last resourceVersion after a clean end: no relist, no duplicates', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    server.create(KUEUE_V1BETA1.workloads, workload('w1'));
    const informer = workloadInformer(kc);
    const log = record(informer);
    const seen = server.resourceVersion; // what the informer's list will report
    try {
      await informer.start();
      // Same tick: the update happens while no watch is open, so only the history replay can deliver it.
      server.endWatches();
      const w1 = server.update(KUEUE_V1BETA1.workloads, { ...server.get(KUEUE_V1BETA1.workloads, 'team-a', 'w1')!, status: { x: 1 } });
      await until('the replayed update', () => log.events.length === 2);
      await until('a new watch', () => server.openWatches === 1);
      assert.deepEqual(log.events, [`add w1@${seen}`, `update w1@${rv(w1)}`]);
      assert.equal(server.counters.lists, 1, 'no relist');
      const watches = server.requests.filter((r) => r.query.watch === 'true');
      assert.deepEqual(watches.map((r) => r.query.resourceVersion), [seen, seen]);
      assert.deepEqual(log.errors, []);
    } finally {
      await stopInformer(server, informer);
      await server.stop();
    }
  });

  for (const mode of ['error-event', 'http-410'] as const) {
    it(`relists after a 410 (${mode}) and converges on the current state`, async () => {
      const server = new FakeApiServer({ expiredWatchResponse: mode });
      const kc = kubeConfigForUrl(await server.start());
      server.create(KUEUE_V1BETA1.workloads, workload('keep'));
      server.create(KUEUE_V1BETA1.workloads, workload('gone'));
      const informer = workloadInformer(kc);
      const log = record(informer);
      try {
        await informer.start();
        // Missed while no watch was open, and forgotten: the informer can only catch up by relisting.
        server.endWatches();
        server.remove(KUEUE_V1BETA1.workloads, 'team-a', 'gone');
        const added = server.create(KUEUE_V1BETA1.workloads, workload('new'));
        server.expireHistory();
        await until('a relist', () => server.counters.lists === 2);
        await until('the cache to converge', () => informer.list().length === 2 && informer.get('new', 'team-a') !== undefined);
        assert.deepEqual(informer.list().map((o) => o.metadata?.name).sort(), ['keep', 'new']);
        assert.ok(log.events.some((e) => e.startsWith('delete gone@')), 'the relist reports the missed deletion');
        assert.ok(log.events.includes(`add new@${rv(added)}`));
        assert.equal(server.counters.expiredWatches, 1);
        assert.deepEqual(log.errors, [], 'a 410 is handled without an error callback');
        await until('a watch after the relist', () => server.openWatches === 1);
      } finally {
        await stopInformer(server, informer);
        await server.stop();
      }
    });
  }

  it('reports a dropped watch as an error and stops; a manual start() resumes without relisting', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    const informer = workloadInformer(kc);
    const log = record(informer);
    try {
      await informer.start();
      server.dropWatches();
      await until('an error callback', () => log.errors.length === 1);
      // client-node 2.0.1 reports undici's "terminated" TypeError and does not restart by itself.
      assert.equal((log.errors[0] as Error).message, 'terminated');
      const missed = server.create(KUEUE_V1BETA1.workloads, workload('missed'));
      await pause(300);
      assert.equal(server.openWatches, 0, 'the informer did not re-watch');
      assert.deepEqual(log.events, []);

      await informer.start();
      await until('the missed object', () => log.events.length === 1);
      assert.deepEqual(log.events, [`add missed@${rv(missed)}`]);
      assert.equal(server.counters.lists, 1, 'restart resumed from the last resourceVersion');
    } finally {
      await stopInformer(server, informer);
      await server.stop();
    }
  });

  it('keeps its re-watch delay in the field the collector resets for quiet collections', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    const informer = makeInformer(kc, '/api/v1/namespaces', () => kc.makeApiClient(CoreV1Api).listNamespace()) as TestInformer<KubernetesObject>;
    try {
      await informer.start();
      server.endWatches();
      await until('a re-watch', () => server.counters.watches === 2);
      server.endWatches();
      // No event came between the two ends, so client-node now waits before re-watching.
      await until('the doubled delay', () => (informer as unknown as ReconnectDelay).reconnectDelayMs === 2000);
    } finally {
      await stopInformer(server, informer);
      await server.stop();
    }
  });

  it('applies the informer labelSelector to list and watch', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    const core = kc.makeApiClient(CoreV1Api);
    const selector = 'app=train,tier!=debug';
    server.create(PODS, { metadata: { name: 'yes', namespace: 'a', labels: { app: 'train' } } });
    server.create(PODS, { metadata: { name: 'no', namespace: 'a', labels: { app: 'train', tier: 'debug' } } });
    const informer = makeInformer<V1Pod>(
      kc,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces({ labelSelector: selector }),
      selector,
    ) as TestInformer<KubernetesObject>;
    const log = record(informer);
    try {
      await informer.start();
      assert.deepEqual(informer.list().map((p) => p.metadata?.name), ['yes']);
      server.create(PODS, { metadata: { name: 'later', namespace: 'b', labels: { app: 'train' } } });
      server.create(PODS, { metadata: { name: 'ignored', namespace: 'b', labels: { app: 'serve' } } });
      server.update(PODS, { metadata: { name: 'yes', namespace: 'a', labels: { app: 'train', tier: 'debug' } } });
      await until('two events', () => log.events.length === 3);
      assert.deepEqual(log.events.map((e) => e.split('@')[0]), ['add yes', 'add later', 'delete yes']);
      assert.ok(server.requests.some((r) => r.query.watch === 'true' && r.query.labelSelector === selector));
    } finally {
      await stopInformer(server, informer);
      await server.stop();
    }
  });
});

describe('the collector\'s paged lists', () => {
  it('page through a collection with the kind\'s label selector at one revision', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    try {
      for (let i = 0; i < 7; i++) server.create(PODS, { metadata: { name: `p${i}`, namespace: 'a', labels: i === 3 ? { 'kueue.x-k8s.io/podset': 'main' } : {} } });
      const pods = watchedKinds('v1beta1').find((k) => k.name === 'Pod')!;
      const list = await listCollection(kc, pods, 2);
      assert.deepEqual(list.items.map((p) => p.metadata?.name), ['p0', 'p1', 'p2', 'p4', 'p5', 'p6']);
      assert.equal(list.metadata?.resourceVersion, server.resourceVersion);
      const pages = server.requests.filter((r) => r.path === '/api/v1/pods');
      assert.equal(pages.length, 3);
      assert.ok(pages.every((r) => r.query.limit === '2' && r.query.labelSelector === pods.labelSelector));
    } finally {
      await server.stop();
    }
  });

  it('take the list whole when the server has compacted the first page\'s revision', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    try {
      for (let i = 0; i < 5; i++) server.create(NAMESPACES, { metadata: { name: `ns${i}` } });
      server.respondWith(410, { scope: (request) => request.query.continue !== undefined });
      const list = await listCollection(kc, { name: 'Namespace', path: '/api/v1/namespaces' }, 2);
      assert.deepEqual(list.items.map((n) => n.metadata?.name), ['ns0', 'ns1', 'ns2', 'ns3', 'ns4']);
      assert.deepEqual(server.requests.map((r) => r.query.limit ?? 'whole'), ['2', '2', 'whole']);
    } finally {
      await server.stop();
    }
  });
});

// ----- Leases ------------------------------------------------------------------------------------

describe('Leases through CoordinationV1Api', () => {
  const ctx = useServer();
  const api = (): CoordinationV1Api => ctx.kc.makeApiClient(CoordinationV1Api);
  const statusOf = async (promise: Promise<unknown>): Promise<{ code: number; body: Json }> => {
    try {
      await promise;
    } catch (error) {
      if (error instanceof ApiException) return { code: error.code, body: JSON.parse(error.body as string) };
      throw error;
    }
    throw new Error('expected the call to fail');
  };
  const lease = (name: string, spec: object = {}): V1Lease => ({ metadata: { name }, spec: { holderIdentity: 'a', ...spec } });

  it('creates (201), refuses duplicates (409 AlreadyExists) and reads missing leases as 404', async () => {
    const created = await api().createNamespacedLease({
      namespace: 'kube-system',
      body: lease('l1', { renewTime: new V1MicroTime(), leaseDurationSeconds: 15 }),
    });
    assert.equal(created.metadata?.namespace, 'kube-system');
    assert.match(String(created.spec?.renewTime), /\.\d{6}Z$/);
    assert.equal(ctx.server.requests.at(-1)?.status, 201);
    const dup = await statusOf(api().createNamespacedLease({ namespace: 'kube-system', body: lease('l1') }));
    assert.equal(dup.code, 409);
    assert.equal(dup.body.reason, 'AlreadyExists');
    assert.equal(dup.body.message, 'leases.coordination.k8s.io "l1" already exists');
    const missing = await statusOf(api().readNamespacedLease({ name: 'nope', namespace: 'kube-system' }));
    assert.equal(missing.code, 404);
    assert.equal(missing.body.reason, 'NotFound');
  });

  it('replaces with optimistic concurrency: 409 Conflict on a stale resourceVersion, 422 without one', async () => {
    const created = await api().createNamespacedLease({ namespace: 'ns', body: lease('l2') });
    const renewed = await api().replaceNamespacedLease({
      name: 'l2',
      namespace: 'ns',
      body: { ...created, spec: { ...created.spec, renewTime: new V1MicroTime() } },
    });
    assert.notEqual(renewed.metadata?.resourceVersion, created.metadata?.resourceVersion);

    const stale = await statusOf(api().replaceNamespacedLease({ name: 'l2', namespace: 'ns', body: created }));
    assert.equal(stale.code, 409);
    assert.deepEqual(stale.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "l2": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'l2', group: 'coordination.k8s.io', kind: 'leases' },
      code: 409,
    });
    const noVersion = await statusOf(api().replaceNamespacedLease({ name: 'l2', namespace: 'ns', body: lease('l2') }));
    assert.equal(noVersion.code, 422);
    assert.equal(noVersion.body.reason, 'Invalid');
    assert.match(noVersion.body.message, /^Lease.coordination.k8s.io "l2" is invalid: metadata.resourceVersion: .*must be specified for an update$/);
    assert.ok(ctx.server.counters.conflicts >= 1);
  });

  it('creates a missing lease on PUT, as kube-apiserver allows for Leases', async () => {
    const created = await api().replaceNamespacedLease({ name: 'l3', namespace: 'ns', body: lease('l3') });
    assert.equal(created.spec?.holderIdentity, 'a');
    assert.equal(ctx.server.requests.at(-1)?.status, 201);
  });

  it('rejects MicroTimes without exactly 6 fractional digits (400), as a plain Date would send', async () => {
    const bad = await statusOf(
      api().createNamespacedLease({ namespace: 'ns', body: lease('l4', { renewTime: new Date('2026-08-11T19:37:19.103Z') }) }),
    );
    assert.equal(bad.code, 400);
    assert.equal(bad.body.reason, 'BadRequest');
    assert.equal(
      bad.body.message,
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-08-11T19:37:19.103Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".103Z" as ".000000"',
    );
    const ok = await api().createNamespacedLease({ namespace: 'ns', body: lease('l4', { acquireTime: new V1MicroTime() }) });
    assert.match(String(ok.spec?.acquireTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });
});

// ----- discovery -----------------------------------------------------------------------------------

describe('discovery', () => {
  it('serves both Kueue versions by default with v1beta2 preferred', async () => {
    const server = new FakeApiServer();
    const kc = kubeConfigForUrl(await server.start());
    try {
      const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
      const kueue = groups.groups.find((g) => g.name === 'kueue.x-k8s.io');
      assert.deepEqual(kueue?.versions.map((v) => v.version), ['v1beta2', 'v1beta1']);
      assert.equal(kueue?.preferredVersion?.groupVersion, 'kueue.x-k8s.io/v1beta2');
      assert.ok(groups.groups.some((g) => g.name === 'coordination.k8s.io'));

      const core = await kc.makeApiClient(CoreApi).getAPIVersions();
      assert.deepEqual(core.versions, ['v1']);
      const coreResources = await kc.makeApiClient(CoreV1Api).getAPIResources();
      assert.deepEqual(coreResources.resources.map((r) => r.name).sort(), ['namespaces', 'nodes', 'pods']);

      const group = await fetchJson(`${server.url}/apis/kueue.x-k8s.io`);
      assert.equal(group.body.kind, 'APIGroup');
      assert.equal(group.body.preferredVersion.version, 'v1beta2');
      const resources = await fetchJson(`${server.url}/apis/kueue.x-k8s.io/v1beta2`);
      assert.equal(resources.body.kind, 'APIResourceList');
      assert.equal(resources.body.groupVersion, 'kueue.x-k8s.io/v1beta2');
      const workloads = resources.body.resources.find((r: Json) => r.name === 'workloads');
      assert.deepEqual({ ...workloads, verbs: undefined }, {
        name: 'workloads',
        singularName: 'workload',
        namespaced: true,
        kind: 'Workload',
        verbs: undefined,
      });
      assert.ok(workloads.verbs.includes('watch'));
    } finally {
      await server.stop();
    }
  });

  it('hides unserved versions (404) and can change them at runtime', async () => {
    const server = new FakeApiServer({ kueueVersions: ['v1beta1'] });
    const url = await server.start();
    try {
      const group = await fetchJson(`${url}/apis/kueue.x-k8s.io`);
      assert.deepEqual(group.body.versions, [{ groupVersion: 'kueue.x-k8s.io/v1beta1', version: 'v1beta1' }]);
      assert.equal((await fetchJson(`${url}/apis/kueue.x-k8s.io/v1beta2`)).status, 404);
      assert.equal((await fetchJson(`${url}${resourcePath(KUEUE_V1BETA2.workloads)}`)).status, 404);
      assert.equal((await fetchJson(`${url}${resourcePath(KUEUE_V1BETA1.workloads)}`)).status, 200);

      server.setServedVersions('kueue.x-k8s.io', []);
      const groups = await fetchJson(`${url}/apis`);
      assert.equal(groups.body.kind, 'APIGroupList');
      assert.ok(!groups.body.groups.some((g: Json) => g.name === 'kueue.x-k8s.io'), 'Kueue not installed');
      assert.equal((await fetchJson(`${url}/apis/kueue.x-k8s.io`)).status, 404);
      assert.throws(() => server.setServedVersions('kueue.x-k8s.io', ['v9']), /no resource types registered/);
    } finally {
      await server.stop();
    }
  });
});

// ----- fault injection -----------------------------------------------------------------------------

describe('fault injection', () => {
  it('goes down (connection refused, watches cut) and comes up again on the same port', async () => {
    const server = new FakeApiServer();
    const url = await server.start();
    const watch = await watchRaw(`${url}/api/v1/pods?watch=true`);
    try {
      await server.goDown();
      assert.equal(server.isUp, false);
      await until('the open watch to be cut', () => watch.ended);
      await assert.rejects(fetch(`${url}/api`), (e: Error & { cause?: { code?: string } }) => e.cause?.code === 'ECONNREFUSED');
      await server.comeUp();
      assert.equal(server.url, url);
      assert.equal((await fetchJson(`${url}/api`)).status, 200);
    } finally {
      watch.close();
      await server.stop();
    }
  });

  it('answers requests with an injected Status while set, scoped to leases, other requests or a predicate', async () => {
    const server = new FakeApiServer();
    const url = await server.start();
    const lease = resourcePath(LEASES, 'ns', 'x');
    try {
      server.respondWith(503);
      const all = await fetchJson(`${url}/api/v1/pods`);
      assert.equal(all.status, 503);
      assert.equal(all.type, 'application/json');
      assert.equal(all.body.reason, 'ServiceUnavailable');

      server.respondWith(503, { scope: 'non-leases' });
      assert.equal((await fetchJson(`${url}/api/v1/pods`)).status, 503);
      assert.equal((await fetchJson(`${url}${lease}`)).status, 404);

      server.respondWith(500, { scope: 'leases', message: 'etcd is sad' });
      assert.equal((await fetchJson(`${url}/api/v1/pods`)).status, 200);
      assert.deepEqual((await fetchJson(`${url}${lease}`)).body.message, 'etcd is sad');

      // Telling clients apart by their bearer token (kubeConfigForUrl's `token` option).
      server.respondWith(429, { scope: (request) => request.token === 'noisy' });
      const noisy = kubeConfigForUrl(url, { token: 'noisy' }).makeApiClient(CoreV1Api);
      const quiet = kubeConfigForUrl(url, { token: 'quiet' }).makeApiClient(CoreV1Api);
      await assert.rejects(noisy.listNode(), (e: unknown) => e instanceof ApiException && e.code === 429);
      assert.deepEqual((await quiet.listNode()).items, []);

      server.respondWith(null);
      assert.equal((await fetchJson(`${url}/api/v1/pods`)).status, 200);
      assert.equal(server.counters.faults, 4);
    } finally {
      await server.stop();
    }
  });

  it('keeps a bounded request log and counters', async () => {
    const server = new FakeApiServer({ requestLogSize: 2 });
    const url = await server.start();
    try {
      await fetch(`${url}/api/v1/pods?labelSelector=a%3Db`);
      await fetch(`${url}/api/v1/nodes`, { headers: { authorization: 'Bearer t1' } });
      await fetch(`${url}/api/v1/namespaces/ns/pods/p`);
      assert.deepEqual(
        server.requests.map(({ method, path, query, token, status }) => ({ method, path, query, token, status })),
        [
          { method: 'GET', path: '/api/v1/nodes', query: {}, token: 't1', status: 200 },
          { method: 'GET', path: '/api/v1/namespaces/ns/pods/p', query: {}, token: undefined, status: 404 },
        ],
      );
      assert.deepEqual({ ...server.counters }, {
        requests: 3,
        lists: 2,
        gets: 1,
        watches: 0,
        expiredWatches: 0,
        creates: 0,
        updates: 0,
        deletes: 0,
        conflicts: 0,
        faults: 0,
      });
      server.clearRequestLog();
      assert.deepEqual(server.requests, []);
    } finally {
      await server.stop();
    }
  });
});
