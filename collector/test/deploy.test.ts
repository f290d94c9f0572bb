// The collector's deployment (collector/deploy, collector/Dockerfile) is checked by
// scripts/validate-manifests.mjs. These tests run it as CI does, and feed its exported checks
// deliberately broken input to show that each kind of problem is reported.
//
// The first test needs `kubectl` (CI: apt-get install kubernetes-client; or set KUBECTL).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { COLLECTOR_OPTIONS } from '../src/config.js';

const script = fileURLToPath(new URL('../../scripts/validate-manifests.mjs', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

type K8sObject = Record<string, unknown>;
interface Validator {
  collector: { env: string[] };
  validateObjects(
    objects: K8sObject[],
    options?: { requiredEnv?: string[]; requiredAggregatorEnv?: string[]; requireImageDigest?: boolean; allowPlaceholderDigest?: boolean },
  ): Promise<string[]>;
  PLACEHOLDER_DIGEST: string;
  renderTargetFor(dir: string): { dir: string; requireImageDigest?: boolean; allowPlaceholderDigest?: boolean; requiredEnv: string[] };
  parseManifests(text: string, source?: string): { objects: K8sObject[]; problems: string[] };
  checkDockerfile(options?: { dockerfileText?: string; dockerignoreText?: string }): string[];
}
// A plain .mjs module without type declarations: imported by URL and typed here.
const validator = (await import(pathToFileURL(script).href)) as Validator;

function runScript(env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8', env, timeout: 120_000 });
}

const labels = {
  'app.kubernetes.io/name': 'hyperpod-usage-collector',
  'app.kubernetes.io/instance': 'hyperpod-usage-collector',
  'app.kubernetes.io/part-of': 'hyperpod-usage',
  'app.kubernetes.io/managed-by': 'kustomize',
};
const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), labels });

/** A broken manifest set: each object carries one of the mistakes the validator must catch. */
function brokenManifests(): K8sObject[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('hyperpod-usage-collector', 'hyperpod-usage'),
      spec: {
        replicsa: 2, // misspelt
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'hyperpod-usage-collector',
            containers: [
              {
                name: 'collector',
                image: 'hyperpod-usage-collector:latest',
                // no resources, no probes, root filesystem writable
                securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
                env: [{ name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'gh', key: 'token' } } }],
                ports: [{ name: 'metrics', containerPort: 8080 }],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta('hyperpod-usage-collector'),
      rules: [
        { apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        { apiGroups: ['kueue.x-k8s.io'], resources: ['workloads'], verbs: ['get', 'list', 'watch', 'patch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta('hyperpod-usage-collector-leader-election', 'hyperpod-usage'),
      rules: [
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: ['hyperpod-usage-collector'],
          verbs: ['get', 'create', 'update'],
        },
      ],
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('hyperpod-usage-collector', 'hyperpod-usage'),
      spec: { minAvailable: 2, selector: { matchLabels: labels } },
    },
    {
      // The aggregation CronJob: overlapping runs allowed, a token mounted, root, wrong command.
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: meta('hyperpod-usage-aggregate', 'hyperpod-usage'),
      spec: {
        schedule: '7 * * * *',
        concurrencyPolicy: 'Allow',
        jobTemplate: {
          spec: {
            template: {
              spec: {
                serviceAccountName: 'hyperpod-usage-aggregator',
                restartPolicy: 'Never',
                containers: [{ name: 'aggregate', image: 'hyperpod-usage-collector:0.1.0', args: ['collect', '--database=$(ATHENA_DATABASE)'] }],
              },
            },
          },
        },
      },
    },
    {
      // Ingress from every namespace, egress to every port, and the aggregator left unselected.
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('hyperpod-usage-collector', 'hyperpod-usage'),
      spec: {
        podSelector: { matchLabels: labels },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: {} }] }],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
      },
    },
  ];
}

/** The collector's Deployment with /healthz and /readyz on their own port (PROBE_PORT). */
function deploymentWithProbePort(probePort: string, probeTarget: string | number): K8sObject {
  const probe = (path: string) => ({ httpGet: { path, port: probeTarget } });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('hyperpod-usage-collector', 'hyperpod-usage'),
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: 'hyperpod-usage-collector',
          containers: [
            {
              name: 'collector',
              image: 'hyperpod-usage-collector:0.1.0',
              env: [
                { name: 'METRICS_PORT', value: '8080' },
                { name: 'PROBE_PORT', value: probePort },
              ],
              ports: [
                { name: 'metrics', containerPort: 8080 },
                { name: 'probes', containerPort: 8081 },
              ],
              livenessProbe: probe('/healthz'),
              readinessProbe: probe('/readyz'),
              startupProbe: probe('/healthz'),
            },
          ],
        },
      },
    },
  };
}

describe('collector deployment', () => {
  it('renders and passes validation (scripts/validate-manifests.mjs)', () => {
    const run = runScript();
    assert.equal(run.error, undefined, `could not run ${script}: ${run.error?.message}`);
    assert.equal(run.status, 0, `validate-manifests failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /✓ Deployment hyperpod-usage\/hyperpod-usage-collector/);
    assert.match(run.stdout, /✓ ClusterRole hyperpod-usage-collector/);
    assert.match(run.stdout, /^collector\/deploy\/overlays\/example:$/m);
    assert.match(run.stdout, /and collector\/Dockerfile: no problems$/m);
    assert.doesNotMatch(run.stdout, /✗/);
  });

  it('reports each problem of a broken manifest on its own line', async () => {
    const problems = await validator.validateObjects(brokenManifests(), { requiredEnv: ['CLUSTER_NAME'], requiredAggregatorEnv: ['ATHENA_DATABASE'] });
    const expected: [string, RegExp][] = [
      ['misspelt field', /Deployment hyperpod-usage\/hyperpod-usage-collector: spec\.replicsa: unknown field "replicsa" \(did you mean "replicas"\?\)/],
      ['container without resources', /container "collector": resources\.requests\.cpu is not set/],
      ['memory limit', /container "collector": resources\.limits\.memory is not set/],
      ['probes', /container "collector": livenessProbe is not set/],
      ['read-only root filesystem', /container "collector": securityContext\.readOnlyRootFilesystem must be true/],
      ['seccomp', /container "collector": seccompProfile\.type must be RuntimeDefault/],
      ['latest tag', /image "hyperpod-usage-collector:latest" needs an explicit tag/],
      ['undocumented env', /env "GITHUB_TOKEN" is not a documented setting/],
      ['secret env', /env "GITHUB_TOKEN" reads a secret/],
      ['required env', /env CLUSTER_NAME must be set/],
      ['ClusterRole granting secrets', /ClusterRole hyperpod-usage-collector: rules\[0\]: grants access to secrets/],
      ['leases in a ClusterRole', /ClusterRole hyperpod-usage-collector: rules\[1\]: leases must be granted by a namespaced Role/],
      ['write verb in ClusterRole', /ClusterRole hyperpod-usage-collector: rules\[2\]: verbs patch not allowed/],
      ['missing read', /ClusterRole hyperpod-usage-collector: missing "watch" on kueue\.x-k8s\.io\/clusterqueues/],
      ['create with resourceNames', /Role hyperpod-usage\/hyperpod-usage-collector-leader-election: rules\[0\]: "create" cannot be restricted by resourceNames/],
      ['PDB', /PodDisruptionBudget hyperpod-usage\/hyperpod-usage-collector: spec\.minAvailable is 2, expected 1/],
      ['missing objects', /render: no ServiceAccount rendered/],
      ['overlapping aggregations', /CronJob hyperpod-usage\/hyperpod-usage-aggregate: spec\.concurrencyPolicy must be Forbid/],
      ['aggregation with a token', /CronJob .*automountServiceAccountToken must be false/],
      ['aggregation running as root', /CronJob .*container "aggregate": runAsNonRoot must be true/],
      ['aggregation without limits', /CronJob .*container "aggregate": resources\.limits\.memory is not set/],
      ['aggregation running the wrong command', /CronJob .*args must start with "aggregate"/],
      ['aggregation redoing every day every hour', /CronJob .*args must include --incremental/],
      ['aggregation args without env', /CronJob .*args refer to \$\(ATHENA_DATABASE\), which is not in its env/],
      ['network policy without egress', /NetworkPolicy hyperpod-usage\/hyperpod-usage-collector: spec\.policyTypes must list Ingress and Egress/],
      ['metrics open to every namespace', /NetworkPolicy .*ingress\[0\]: must name its ports \(only the metrics port\)/],
      ['metrics from any namespace', /NetworkPolicy .*ingress\[0\]\.from\[0\]: namespaceSelector must name the monitoring namespace/],
      ['egress to every port', /NetworkPolicy .*egress\[0\]: must name its ports/],
      ['aggregator without a policy', /render: no NetworkPolicy selects the aggregator pods/],
    ];
    for (const [what, pattern] of expected) {
      assert.ok(problems.some((p) => pattern.test(p)), `${what} not reported; got:\n${problems.join('\n')}`);
    }
    for (const p of problems) assert.doesNotMatch(p, /\n/, 'one line per problem');
  });

  it('rejects an object that breaks the Kubernetes schema', async () => {
    const { objects, problems: parseProblems } = validator.parseManifests(
      [
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: x, namespace: hyperpod-usage}',
        'spec:',
        '  ports:',
        '    - name: metrics',
        '      port: eighty',
        '---',
        'apiVersion: example.com/v1',
        'kind: Widget',
        'metadata: {name: w}',
      ].join('\n'),
    );
    assert.deepEqual(parseProblems, []);
    const problems = await validator.validateObjects(objects);
    assert.ok(problems.includes('Service hyperpod-usage/x: spec.ports[0].port: must be integer'), problems.join('\n'));
    assert.ok(problems.some((p) => /^Widget w: no schema for apiVersion "example\.com\/v1"/.test(p)), problems.join('\n'));
  });

  it('reports a render without a NetworkPolicy', async () => {
    const problems = await validator.validateObjects(brokenManifests().filter((o) => o.kind !== 'NetworkPolicy'));
    assert.ok(problems.includes('render: no NetworkPolicy rendered'), problems.join('\n'));
  });

  it('checks the probes against PROBE_PORT when /healthz and /readyz have their own port', async () => {
    const onProbePort = await validator.validateObjects([deploymentWithProbePort('8081', 'probes')]);
    assert.ok(!onProbePort.some((p) => /Probe port|port "probes"/.test(p)), onProbePort.join('\n'));
    const onMetricsPort = await validator.validateObjects([deploymentWithProbePort('8081', 'metrics')]);
    assert.ok(
      onMetricsPort.some((p) => /livenessProbe port metrics is not the probe port \(PROBE_PORT 8081\)/.test(p)),
      onMetricsPort.join('\n'),
    );
    const wrongPort = await validator.validateObjects([deploymentWithProbePort('9000', 'probes')]);
    assert.ok(wrongPort.some((p) => /port "probes" is 8081 but PROBE_PORT is 9000/.test(p)), wrongPort.join('\n'));
  });

  it('requires a digest on images where the render target asks for one (the example overlay)', async () => {
    const tagged = await validator.validateObjects([deploymentWithProbePort('8081', 'probes')], { requireImageDigest: true });
    assert.ok(tagged.some((p) => /image "hyperpod-usage-collector:0\.1\.0" must be pinned by digest/.test(p)), tagged.join('\n'));
  });

  it("refuses the example overlay's placeholder digest in any other overlay, so a copy left unchanged fails here", async () => {
    const withDigest = (digest: string): K8sObject => {
      const deployment = deploymentWithProbePort('8081', 'probes') as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
      for (const c of deployment.spec.template.spec.containers) c.image = `registry.example/hyperpod-usage-collector@${digest}`;
      return deployment as unknown as K8sObject;
    };
    const placeholder = /image digest is the example overlay's placeholder/;
    const copy = validator.renderTargetFor(join(root, 'site-overlays', 'my-cluster'));
    assert.equal(copy.requireImageDigest, true, 'an overlay named on the command line gets the site rules');
    assert.notEqual(copy.allowPlaceholderDigest, true);
    const unchanged = await validator.validateObjects([withDigest(validator.PLACEHOLDER_DIGEST)], copy);
    assert.ok(unchanged.some((p) => placeholder.test(p)), unchanged.join('\n'));
    const set = await validator.validateObjects([withDigest(`sha256:${'c'.repeat(64)}`)], copy);
    assert.ok(!set.some((p) => placeholder.test(p) || /pinned by digest/.test(p)), set.join('\n'));
    // The example itself renders with it, and its digest is that placeholder.
    const example = validator.renderTargetFor(join(root, 'collector/deploy/overlays/example'));
    assert.equal(example.allowPlaceholderDigest, true);
    const kustomization = readFileSync(join(root, 'collector/deploy/overlays/example/kustomization.yaml'), 'utf8');
    assert.match(kustomization, new RegExp(`^\\s+digest: ${validator.PLACEHOLDER_DIGEST}$`, 'm'));
  });

  it('checks that the Dockerfile only COPYs files that exist and are not .dockerignored', () => {
    assert.deepEqual(validator.checkDockerfile(), []);
    const problems = validator.checkDockerfile({
      dockerfileText: [
        `FROM node:22-bookworm-slim@sha256:${'a'.repeat(64)} AS build`,
        'COPY package.json package-lock.json ./',
        'COPY collector/no-such-file.json \\',
        '     collector/',
        'COPY --from=build /src/collector/dist ./collector/dist',
        'COPY ["collector/test", "/app/test"]',
      ].join('\n'),
      dockerignoreText: '**/node_modules\ncollector/test\n',
    });
    assert.deepEqual(problems, [
      'collector/Dockerfile:3: COPY source "collector/no-such-file.json" does not exist in the repository',
      'collector/Dockerfile:6: COPY source "collector/test" is excluded by .dockerignore ("collector/test")',
    ]);
  });

  it('requires every base image of the Dockerfile by digest, the default of a build argument too', () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const problems = validator.checkDockerfile({
      dockerfileText: [
        'ARG NODE_IMAGE=node:22-bookworm-slim',
        'FROM ${NODE_IMAGE} AS build',
        'FROM build AS test',
        `FROM --platform=linux/amd64 debian:bookworm-slim@${digest} AS tools`,
        'FROM node:22-bookworm-slim',
        'COPY --from=build /src/collector/dist ./collector/dist',
      ].join('\n'),
      dockerignoreText: '',
    });
    assert.deepEqual(problems, [
      'collector/Dockerfile:2: base image "node:22-bookworm-slim" is not pinned by digest (@sha256:...)',
      'collector/Dockerfile:5: base image "node:22-bookworm-slim" is not pinned by digest (@sha256:...)',
    ]);
    const pinned = validator.checkDockerfile({
      dockerfileText: [`ARG NODE_IMAGE=node:22-bookworm-slim@${digest}`, 'FROM $NODE_IMAGE', 'COPY package.json ./'].join('\n'),
      dockerignoreText: '',
    });
    assert.deepEqual(pinned, []);
  });

  it('says in one line that kubectl is missing, and fails', () => {
    const run = runScript({ ...process.env, KUBECTL: '/nonexistent/kubectl' });
    assert.notEqual(run.status, 0);
    assert.equal(run.stdout, '');
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0] ?? '', /kubectl not found/);
  });
});

describe('deployment environment', () => {
  it('allows exactly the settings the collector reads, less the ones for tests and local runs', () => {
    const localOnly = new Set(['KUBECONFIG', 'SIMULATED_CLOCK']);
    const expected = Object.values(COLLECTOR_OPTIONS).filter((env) => !localOnly.has(env)).sort();
    assert.deepEqual([...validator.collector.env].sort(), expected);
  });
});
