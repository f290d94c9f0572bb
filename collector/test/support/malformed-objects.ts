/**
 * Objects a cluster can hold that the collector must not trust: each is a valid object of its
 * kind with one field broken the way a CRD without validation, a buggy controller or a hostile
 * user can break it. The API server stores them as they are (custom resources are not checked
 * against int32, quantities in a CRD are plain strings), so the collector sees exactly this.
 */
import { KUEUE_V1BETA1, NAMESPACES, NODES, PODS, type ResourceType } from '../../src/simulator/api-server.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const NAMESPACE = 'team-bad';
export const CLUSTER_QUEUE = 'cq-bad';
export const LOCAL_QUEUE = 'lq-bad';
export const FLAVOR = 'ml.p5.48xlarge';

const TIME = '2025-01-15T10:00:00Z';
/** 200,000 digits: once parsed as Infinity and recorded. */
const HUGE_DIGITS = '9'.repeat(200_000);

export function namespaceObject(name: string): Json {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } };
}

export function clusterQueueObject(name: string): Json {
  return {
    apiVersion: 'kueue.x-k8s.io/v1beta1',
    kind: 'ClusterQueue',
    metadata: { name },
    spec: {
      namespaceSelector: {},
      resourceGroups: [
        {
          coveredResources: ['cpu', 'memory', 'nvidia.com/gpu'],
          flavors: [
            {
              name: FLAVOR,
              resources: [
                { name: 'cpu', nominalQuota: '192' },
                { name: 'memory', nominalQuota: '2048Gi' },
                { name: 'nvidia.com/gpu', nominalQuota: '8', borrowingLimit: '8' },
              ],
            },
          ],
        },
      ],
    },
    status: {
      pendingWorkloads: 0,
      admittedWorkloads: 1,
      reservingWorkloads: 1,
      flavorsReservation: [{ name: FLAVOR, resources: [{ name: 'nvidia.com/gpu', total: '8', borrowed: '0' }] }],
      flavorsUsage: [{ name: FLAVOR, resources: [{ name: 'nvidia.com/gpu', total: '8', borrowed: '0' }] }],
    },
  };
}

/** An admitted workload holding 8 GPUs in CLUSTER_QUEUE. */
export function workloadObject(name: string): Json {
  return {
    apiVersion: 'kueue.x-k8s.io/v1beta1',
    kind: 'Workload',
    metadata: { name, namespace: NAMESPACE, labels: { 'kueue.x-k8s.io/job-uid': `uid-${name}` } },
    spec: {
      active: true,
      queueName: LOCAL_QUEUE,
      priority: 100,
      podSets: [
        {
          name: 'main',
          count: 1,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'trainer', resources: { requests: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': '8' } } }],
            },
          },
        },
      ],
    },
    status: {
      admission: {
        clusterQueue: CLUSTER_QUEUE,
        podSetAssignments: [
          {
            name: 'main',
            count: 1,
            flavors: { cpu: FLAVOR, memory: FLAVOR, 'nvidia.com/gpu': FLAVOR },
            resourceUsage: { cpu: '16', memory: '128Gi', 'nvidia.com/gpu': '8' },
          },
        ],
      },
      conditions: [
        { type: 'QuotaReserved', status: 'True', reason: 'QuotaReserved', message: 'reserved', lastTransitionTime: TIME },
        { type: 'Admitted', status: 'True', reason: 'Admitted', message: 'admitted', lastTransitionTime: TIME },
      ],
    },
  };
}

export function podObject(name: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE, labels: { app: 'notebook' } },
    spec: {
      nodeName: 'node-good',
      containers: [{ name: 'main', image: 'notebook', resources: { requests: { cpu: '2', memory: '8Gi', 'nvidia.com/gpu': '1' } } }],
    },
    status: { phase: 'Running', startTime: TIME, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: TIME }] },
  };
}

export function nodeObject(name: string): Json {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'node.kubernetes.io/instance-type': FLAVOR, 'sagemaker.amazonaws.com/compute-type': 'hyperpod' } },
    spec: {},
    status: {
      capacity: { cpu: '192', memory: '2048Gi', 'nvidia.com/gpu': '8', pods: '110' },
      allocatable: { cpu: '191', memory: '2000Gi', 'nvidia.com/gpu': '8', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: TIME }],
    },
  };
}

export interface MalformedCase {
  /** What is wrong, as the test names it. */
  what: string;
  type: ResourceType;
  object: Json;
  /**
   * 'skip': the collector must count a skip. 'plain-key': a key that only breaks code that reads
   * cluster keys through a plain object (`constructor`, `__proto__`); it must be kept as an
   * ordinary name, with nothing from Object.prototype in the records.
   */
  expect: 'skip' | 'plain-key';
}

type Kind = 'workload' | 'clusterqueue' | 'pod' | 'node' | 'namespace';
const BUILDERS: Record<Kind, { type: ResourceType; build: (name: string) => Json }> = {
  workload: { type: KUEUE_V1BETA1.workloads, build: workloadObject },
  clusterqueue: { type: KUEUE_V1BETA1.clusterQueues, build: clusterQueueObject },
  pod: { type: PODS, build: podObject },
  node: { type: NODES, build: nodeObject },
  namespace: { type: NAMESPACES, build: namespaceObject },
};

/** One case: a fresh valid object of the kind, broken by `breakIt`. */
function malformed(
  kind: Kind,
  what: string,
  breakIt: (o: Json) => void,
  expect: MalformedCase['expect'] = 'skip',
): (index: number) => MalformedCase {
  return (index) => {
    const { type, build } = BUILDERS[kind];
    const object = build(`bad-${kind}-${index}`);
    breakIt(object);
    return { what: `${kind}: ${what}`, type, object, expect };
  };
}

const podSet = (o: Json): Json => o.spec.podSets[0];
const requests = (o: Json): Json => podSet(o).template.spec.containers[0].resources.requests;
const gpuQuota = (o: Json): Json => o.spec.resourceGroups[0].flavors[0].resources[2];
const podRequests = (o: Json): Json => o.spec.containers[0].resources.requests;

const CASES = [
  // Workloads: counts, priorities and quantities beyond what a column or a GPU count can be.
  malformed('workload', 'pod set count 1,500,000,000 (beyond int32)', (o) => (podSet(o).count = 1_500_000_000)),
  malformed('workload', 'pod set count -1', (o) => (podSet(o).count = -1)),
  malformed('workload', 'pod set count "many"', (o) => (podSet(o).count = 'many')),
  malformed('workload', 'pod set count 2.5', (o) => (podSet(o).count = 2.5)),
  malformed('workload', 'podSets is a string', (o) => (o.spec.podSets = 'main')),
  malformed('workload', 'spec.priority 2^63', (o) => (o.spec.priority = 2 ** 63)),
  malformed('workload', 'spec.priority "high"', (o) => (o.spec.priority = 'high')),
  malformed('workload', 'GPU request -3', (o) => (requests(o)['nvidia.com/gpu'] = '-3')),
  malformed('workload', 'GPU request of 200,000 digits', (o) => (requests(o)['nvidia.com/gpu'] = HUGE_DIGITS)),
  malformed('workload', 'memory request 9999999999999999999Ki', (o) => (requests(o).memory = '9999999999999999999Ki')),
  malformed('workload', 'cpu request "1.5.5"', (o) => (requests(o).cpu = '1.5.5')),
  malformed('workload', 'cpu request "" (empty)', (o) => (requests(o).cpu = '')),
  malformed('workload', 'cpu request 1e400', (o) => (requests(o).cpu = '1e400')),
  malformed('workload', 'a resource named constructor', (o) => Object.assign(requests(o), { constructor: '4' }), 'plain-key'),
  malformed('workload', 'a resource named __proto__', (o) => Object.defineProperty(requests(o), '__proto__', { value: '4', enumerable: true }), 'plain-key'),
  malformed('workload', 'admission usage GPU -8', (o) => (o.status.admission.podSetAssignments[0].resourceUsage['nvidia.com/gpu'] = '-8')),
  malformed('workload', 'admission count 2^31', (o) => (o.status.admission.podSetAssignments[0].count = 2 ** 31)),
  malformed('workload', 'admission flavor named constructor', (o) => Object.assign(o.status.admission.podSetAssignments[0].flavors, { constructor: FLAVOR }), 'plain-key'),
  malformed('workload', 'Admitted at 0001-01-01', (o) => (o.status.conditions[1].lastTransitionTime = '0001-01-01T00:00:00Z')),
  malformed('workload', 'Admitted at "yesterday"', (o) => (o.status.conditions[1].lastTransitionTime = 'yesterday')),
  malformed('workload', 'Admitted in year 10000', (o) => (o.status.conditions[1].lastTransitionTime = '+010000-01-01T00:00:00Z')),
  malformed('workload', 'conditions is an object', (o) => (o.status.conditions = { Admitted: 'True' })),
  malformed('workload', 'admitted without a ClusterQueue', (o) => delete o.status.admission.clusterQueue),
  malformed('workload', 'accumulatedPastExecutionTimeSeconds -5', (o) => (o.status.accumulatedPastExecutionTimeSeconds = -5)),
  malformed('workload', 'accumulatedPastExecutionTimeSeconds 1e300', (o) => (o.status.accumulatedPastExecutionTimeSeconds = 1e300)),
  malformed('workload', 'requeueState.count 2^40', (o) => (o.status.requeueState = { count: 2 ** 40 })),
  malformed('workload', 'spec is null', (o) => (o.spec = null)),
  malformed('workload', 'labels is a list', (o) => (o.metadata.labels = ['a', 'b'])),
  // ClusterQueues: counters and quotas.
  malformed('clusterqueue', 'pendingWorkloads 2^31', (o) => (o.status.pendingWorkloads = 2 ** 31)),
  malformed('clusterqueue', 'pendingWorkloads -1', (o) => (o.status.pendingWorkloads = -1)),
  malformed('clusterqueue', 'admittedWorkloads 1e20', (o) => (o.status.admittedWorkloads = 1e20)),
  malformed('clusterqueue', 'GPU nominalQuota -3', (o) => (gpuQuota(o).nominalQuota = '-3')),
  malformed('clusterqueue', 'GPU nominalQuota of 200,000 digits', (o) => (gpuQuota(o).nominalQuota = HUGE_DIGITS)),
  malformed('clusterqueue', 'GPU borrowingLimit 9999999999999999999Ki', (o) => (gpuQuota(o).borrowingLimit = '9999999999999999999Ki')),
  malformed('clusterqueue', 'GPU nominalQuota "eight"', (o) => (gpuQuota(o).nominalQuota = 'eight')),
  malformed('clusterqueue', 'a quota resource named constructor', (o) => (gpuQuota(o).name = 'constructor'), 'plain-key'),
  malformed('clusterqueue', 'a flavor named __proto__', (o) => (o.spec.resourceGroups[0].flavors[0].name = '__proto__'), 'plain-key'),
  malformed('clusterqueue', 'resourceGroups is a number', (o) => (o.spec.resourceGroups = 7)),
  malformed('clusterqueue', 'flavorsUsage total -8', (o) => (o.status.flavorsUsage[0].resources[0].total = '-8')),
  malformed('clusterqueue', 'flavorsUsage total of 200,000 digits', (o) => (o.status.flavorsUsage[0].resources[0].total = HUGE_DIGITS)),
  // Pods outside Kueue.
  malformed('pod', 'cpu request -1', (o) => (podRequests(o).cpu = '-1')),
  malformed('pod', 'GPU request of 200,000 digits', (o) => (podRequests(o)['nvidia.com/gpu'] = HUGE_DIGITS)),
  malformed('pod', 'memory request 9999999999999999999Ki', (o) => (podRequests(o).memory = '9999999999999999999Ki')),
  malformed('pod', 'a resource named constructor', (o) => Object.assign(podRequests(o), { constructor: '1' }), 'plain-key'),
  malformed('pod', 'startTime 0001-01-01', (o) => (o.status.startTime = '0001-01-01T00:00:00Z')),
  malformed('pod', 'startTime "soon"', (o) => (o.status.startTime = 'soon')),
  malformed('pod', 'containers is a string', (o) => (o.spec.containers = 'main')),
  malformed('pod', 'spec is a number', (o) => (o.spec = 3)),
  // Nodes: capacity.
  malformed('node', 'GPU capacity -8', (o) => (o.status.capacity['nvidia.com/gpu'] = '-8')),
  malformed('node', 'GPU allocatable of 200,000 digits', (o) => (o.status.allocatable['nvidia.com/gpu'] = HUGE_DIGITS)),
  malformed('node', 'memory capacity 9999999999999999999Ki', (o) => (o.status.capacity.memory = '9999999999999999999Ki')),
  malformed('node', 'a capacity named constructor', (o) => Object.assign(o.status.capacity, { constructor: '4' }), 'plain-key'),
  malformed('node', 'capacity is a list', (o) => (o.status.capacity = ['8'])),
  malformed('node', 'Ready since 0001-01-01', (o) => (o.status.conditions[0].lastTransitionTime = '0001-01-01T00:00:00Z')),
  // Namespaces.
  malformed('namespace', 'labels is a string', (o) => (o.metadata.labels = 'team=a')),
];

/** The malformed objects, each with a unique name. */
export function malformedCases(): MalformedCase[] {
  return CASES.map((make, i) => make(i));
}
