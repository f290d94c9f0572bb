// Reading odd Kubernetes objects: the collector must skip or record them, never crash.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RAW_TABLES } from '@hyperpod-usage/model';
import { ObjectError, podRequests, readClusterQueue, readPod, readWorkload } from '../src/kube/objects.js';
import { shrinkToCacheKeys } from '../src/kube/informers.js';
import { clusterQueueRows, podRow, workloadRows, type RowContext } from '../src/records/rows.js';
import { rowShapeErrors } from '../src/sink/parquet.js';
import { ClusterState } from '../src/state/cluster-state.js';
import { DEFAULT_TEAM_MAPPING } from '../src/state/teams.js';
import { createLogger, silentLogger } from '../src/log.js';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name, uid: `uid-${name}`, resourceVersion: '7', ...extra } });

function context(state: ClusterState): RowContext {
  return { state, writerId: 'w', recordKind: 'change', timestamp: 1000, observedAt: 1000, deletedAt: null };
}

describe('object readers', () => {
  it('refuses only objects without name or uid, with a reason', () => {
    assert.throws(() => readWorkload({}), (e: ObjectError) => e.reason === 'missing-name');
    assert.throws(() => readWorkload({ metadata: { name: 'x' } }), (e: ObjectError) => e.reason === 'missing-uid');
    assert.throws(() => readWorkload(null), ObjectError);
    assert.throws(() => readWorkload('garbage'), ObjectError);
  });

  it('reads a workload with missing, mistyped and invalid fields without throwing', () => {
    const wl = readWorkload({
      ...meta('w'),
      spec: { podSets: 'not-a-list', priority: 'high', active: 'yes' },
      status: {
        admission: { clusterQueue: 7, podSetAssignments: [{ name: 'main', resourceUsage: { 'nvidia.com/gpu': 'lots', cpu: '1e99', memory: '2Gi' }, count: '3' }] },
        conditions: [{ type: 'QuotaReserved', status: 'True', lastTransitionTime: 'yesterday' }, 'junk', { status: 'True' }],
      },
    });
    assert.equal(wl.priority, null);
    assert.equal(wl.active, true);
    assert.equal(wl.clusterQueue, '7');
    assert.equal(wl.assignments[0]?.resourceUsage.get('memory'), 2n * 1024n ** 3n * 1000n);
    assert.equal(wl.assignments[0]?.resourceUsage.has('nvidia.com/gpu'), false);
    assert.equal(wl.assignments[0]?.count, 3);
    assert.equal(wl.conditions.get('QuotaReserved')?.transitionMs, null);
    assert.equal(wl.conditions.size, 1);
    assert.ok(wl.problems.some((p) => p.includes('nvidia.com/gpu')));
    assert.ok(wl.problems.some((p) => p.includes('out of range')));
    assert.ok(wl.problems.some((p) => p.includes('unreadable time')));
  });

  it('accepts Kueue v1beta2 field names', () => {
    const wl = readWorkload({
      ...meta('w2'),
      spec: { priorityClassRef: { group: 'kueue.x-k8s.io', kind: 'WorkloadPriorityClass', name: 'training-priority' } },
      status: { accumulatedPastExecutionTimeSeconds: 120 },
    });
    assert.equal(wl.priorityClass, 'training-priority');
    assert.equal(wl.pastAdmittedSeconds, 120);
    const cq = readClusterQueue({ ...meta('cq'), spec: { cohortName: 'shared' } });
    assert.equal(cq.cohort, 'shared');
  });

  it('counts pod requests the way the scheduler does', () => {
    // 2 app containers (1 + 2 CPU) and a sidecar (0.5) run together: 3.5. A 4-CPU init container
    // runs alone with the sidecar started before it (0.5): 4.5. The pod needs max(3.5, 4.5) + overhead 0.25.
    const requests = podRequests(
      {
        containers: [{ resources: { requests: { cpu: '1' } } }, { resources: { limits: { cpu: '2', 'nvidia.com/gpu': '1' } } }],
        initContainers: [
          { restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
          { resources: { requests: { cpu: '4' } } },
        ],
        overhead: { cpu: '250m' },
      },
      'pod',
      [],
    );
    assert.equal(requests.get('cpu'), 4750n);
    assert.equal(requests.get('nvidia.com/gpu'), 1000n);
  });

  it('keeps names as they are: non-ASCII, quotes, 253 characters', () => {
    const long = 'a'.repeat(253);
    const pod = readPod({ metadata: { name: long, namespace: "ünïcødé-'; DROP", uid: 'u1' }, spec: {}, status: {} });
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    const row = podRow(pod, context(state));
    assert.equal(row.pod, long);
    assert.equal(row.namespace, "ünïcødé-'; DROP");
    assert.deepEqual(rowShapeErrors(RAW_TABLES.pod, row), []);
  });
});

describe('cluster state', () => {
  it('logs an unreadable object in one line and skips it', () => {
    const lines: string[] = [];
    const skipped: string[] = [];
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, createLogger({ format: 'json', write: (l) => lines.push(l) }), (kind, reason) =>
      skipped.push(`${kind}:${reason}`),
    );
    assert.equal(state.apply('Workload', 'add', { metadata: { name: 'no-uid' } }), null);
    assert.deepEqual(skipped, ['Workload:missing-uid']);
    assert.equal(lines.length, 1);
    assert.ok(!lines[0]?.includes('\n'));
    assert.match(lines[0] ?? '', /skipping unreadable object/);
  });

  it('does not keep pods that Kueue governs, by label or through their job', () => {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    state.apply('Workload', 'add', { ...meta('wl'), metadata: { ...meta('wl').metadata, ownerReferences: [{ kind: 'Job', name: 'j', uid: 'job-1', controller: true }] } });
    assert.equal(state.apply('Pod', 'add', { metadata: { name: 'p1', uid: 'p1', labels: { 'kueue.x-k8s.io/podset': 'main' } } }), null);
    assert.equal(state.apply('Pod', 'add', { metadata: { name: 'p2', uid: 'p2', ownerReferences: [{ kind: 'Job', name: 'j', uid: 'job-1', controller: true }] } }), null);
    assert.ok(state.apply('Pod', 'add', { metadata: { name: 'p3', uid: 'p3' } }));
    assert.deepEqual([...state.pods.keys()], ['p3']);
  });

  it('takes the last kept state for a deletion a relist found, which carries only metadata keys', () => {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    state.apply('Node', 'add', { ...meta('n1', { labels: { 'node.kubernetes.io/instance-type': 'ml.g5.8xlarge' } }), status: { capacity: { cpu: '32' } } });
    state.apply('Pod', 'add', { metadata: { name: 'p1', namespace: 'ns', uid: 'p1' }, spec: { nodeName: 'n1' } });
    const stub = (name: string, uid: string, namespace = '') => ({ metadata: { name, namespace, uid, resourceVersion: '1' } });

    const pod = state.apply('Pod', 'delete', stub('p1', 'p1', 'ns'), true);
    assert.equal(pod?.kind === 'Pod' && pod.object.nodeName, 'n1');
    assert.equal(state.pods.size, 0);
    // A governed pod, an unknown one, or a node of another uid under the same name was never kept.
    assert.equal(state.apply('Pod', 'delete', stub('gone', 'gone', 'ns'), true), null);
    assert.equal(state.apply('Node', 'delete', stub('n1', 'other-uid'), true), null);
    const node = state.apply('Node', 'delete', stub('n1', 'uid-n1'), true);
    assert.equal(node?.kind === 'Node' && node.object.meta.labels['node.kubernetes.io/instance-type'], 'ml.g5.8xlarge');
    assert.equal(state.nodes.size, 0);
  });

  it('attributes objects to teams by HyperPod conventions', () => {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    state.apply('Namespace', 'add', { metadata: { name: 'hyperpod-ns-vision', uid: 'ns1', labels: { 'sagemaker.amazonaws.com/quota-allocation-id': 'vision' } } });
    state.apply('LocalQueue', 'add', { ...meta('hyperpod-ns-vision-localqueue', { namespace: 'hyperpod-ns-vision' }), spec: { clusterQueue: 'hyperpod-ns-vision-clusterqueue' } });
    state.apply('ClusterQueue', 'add', {
      ...meta('hyperpod-ns-vision-clusterqueue'),
      spec: { cohort: 'c', resourceGroups: [{ flavors: [{ name: 'ml.p5.48xlarge', resources: [{ name: 'nvidia.com/gpu', nominalQuota: 16 }] }] }] },
      status: { flavorsUsage: [{ name: 'ml.p5.48xlarge', resources: [{ name: 'nvidia.com/gpu', total: '24', borrowed: '8' }] }] },
    });
    const cq = state.clusterQueues.get('hyperpod-ns-vision-clusterqueue');
    assert.ok(cq);
    const [row] = clusterQueueRows(cq, context(state));
    assert.equal(row?.team, 'vision');
    assert.equal(row?.namespace, 'hyperpod-ns-vision');
    assert.equal(row?.gpu_total, 24);
    assert.equal(row?.gpu_borrowed, 8);
    assert.equal(row?.gpu_nominal, 16);
    assert.equal(row?.gpu_borrowing_limit, null, 'no limit is null, not zero');
    assert.deepEqual(rowShapeErrors(RAW_TABLES.clusterqueue, row ?? {}), []);
  });

  it('keeps unknown resources in other_resources instead of dropping them', () => {
    const state = new ClusterState(DEFAULT_TEAM_MAPPING, silentLogger);
    const wl = readWorkload({
      ...meta('mig'),
      status: {
        admission: {
          clusterQueue: 'q',
          podSetAssignments: [{ name: 'main', flavors: { 'nvidia.com/mig-1g.10gb': 'ml.p4d.24xlarge' }, resourceUsage: { 'nvidia.com/mig-1g.10gb': '3', cpu: '2' }, count: 1 }],
        },
      },
    });
    const [row] = workloadRows(wl, context(state));
    assert.equal(row?.flavor, 'ml.p4d.24xlarge');
    assert.equal(row?.cpu, 2, 'cpu follows the only flavor of the pod set');
    assert.deepEqual(JSON.parse(String(row?.other_resources)), { 'nvidia.com/mig-1g.10gb': 3 });
    assert.deepEqual(rowShapeErrors(RAW_TABLES.workload, row ?? {}), []);
  });
});

describe('memory', () => {
  it('keeps only the annotations the collector reads', () => {
    const pod = readPod({
      metadata: {
        name: 'p',
        uid: 'u',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{...}', 'kueue.x-k8s.io/workload': 'w', 'sagemaker.amazonaws.com/x': 'y' },
      },
    });
    assert.deepEqual({ ...pod.meta.annotations }, { 'kueue.x-k8s.io/workload': 'w', 'sagemaker.amazonaws.com/x': 'y' });
  });

  it('shrinks a cached object to the keys client-node reads, keeping its shape', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '9', labels: { a: 'b' }, managedFields: [{}] },
      spec: { nodeName: 'n', containers: [{ name: 'c' }] },
      status: { phase: 'Running' },
    };
    shrinkToCacheKeys(pod);
    assert.deepEqual(Object.keys(pod), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    assert.deepEqual(pod.metadata, { name: 'p', namespace: 'ns', uid: 'u', resourceVersion: '9' });
    assert.equal(pod.spec, undefined);
    assert.equal(pod.status, undefined);
  });
});
