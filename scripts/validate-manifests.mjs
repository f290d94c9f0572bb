#!/usr/bin/env node
// Offline validation of the collector's deployment: renders the kustomizations in
// collector/deploy with `kubectl kustomize`, validates every object against the Kubernetes
// schemas (kubernetes-models), rejects unknown fields, applies the project's security and
// consistency rules, and checks that every file collector/Dockerfile COPYs exists in the repo.
//
//   node scripts/validate-manifests.mjs [kustomization-dir ...]
//
// Uses `kubectl` from PATH, or the one named by $KUBECTL. Works with the kustomize v2.0.3 in
// Debian 12's kubectl 1.20 (apt `kubernetes-client`) and with kustomize v5 (kubectl >= 1.27).
// Prints one line per rendered object, one line per problem and a summary; exits 1 on any
// problem, 2 when kubectl is missing or a kustomization does not render.
//
// The checks are exported so tests can feed them broken objects; the CLI part only runs when
// this file is executed directly.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What the manifests must agree with: the collector's documented interface. */
export const collector = {
  namespace: 'hyperpod-usage',
  serviceAccount: 'hyperpod-usage-collector',
  container: 'collector',
  defaults: {
    LEASE_NAME: 'hyperpod-usage-collector',
    SPOOL_DIR: '/var/spool/hyperpod-usage',
    METRICS_PORT: '8080',
    LEADER_ELECT: 'true',
  },
  /** Only this namespace may scrape /metrics (the NetworkPolicy's ingress). */
  monitoringNamespace: 'monitoring',
  /** Egress the collector needs: DNS, HTTPS (API server, S3, STS) and the EKS Pod Identity agent. */
  egressPorts: [53, 443, 80],
  podIdentityAgentCidrs: ['169.254.170.23/32', 'fd00:ec2::23/128'],
  env: [
    'CLUSTER_NAME', 'STORAGE_URL', 'AWS_REGION', 'FLUSH_INTERVAL', 'SPOOL_DIR', 'SPOOL_MAX_BYTES',
    'TEAM_MAPPING_FILE', 'METRICS_ADDRESS', 'METRICS_PORT', 'PROBE_PORT', 'MAX_FLUSH_AGE', 'LEADER_ELECT', 'LEASE_NAME', 'POD_NAMESPACE', 'POD_NAME',
    'LEASE_DURATION', 'RENEW_DEADLINE', 'RETRY_PERIOD', 'S3_ENDPOINT', 'KUEUE_API_VERSION', 'LOG_FORMAT', 'LOG_LEVEL',
  ],
  /** Cluster-wide read access, by API group: exactly these resources with get/list/watch. */
  clusterReads: {
    'kueue.x-k8s.io': ['clusterqueues', 'workloads', 'localqueues', 'resourceflavors', 'workloadpriorityclasses'],
    '': ['pods', 'nodes', 'namespaces'],
  },
  readVerbs: ['get', 'list', 'watch'],
  leaseVerbs: ['get', 'create', 'update'],
  requiredKinds: [
    'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding',
    'ConfigMap', 'Deployment', 'Service', 'PodDisruptionBudget', 'CronJob', 'NetworkPolicy',
  ],
  requiredLabels: [
    'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/part-of',
    'app.kubernetes.io/managed-by',
  ],
};

/** Settings of the Node.js runtime rather than of the product, allowed in any container. */
export const runtimeEnv = ['NODE_OPTIONS'];

/** The aggregation CronJob: `hpu aggregate` with Athena, AWS credentials only. */
export const aggregator = {
  serviceAccount: 'hyperpod-usage-aggregator',
  container: 'aggregate',
  command: 'aggregate',
  env: ['ATHENA_DATABASE', 'ATHENA_WORKGROUP', 'STORAGE_URL', 'AWS_REGION', 'LOG_FORMAT', 'LOG_LEVEL'],
};

/**
 * The digest the example overlay carries until a site sets its own. Valid in form, so every
 * kustomize and schema accepts it, but no image has it: deployed unchanged, the pods stay in
 * ErrImagePull. The validator refuses it in any overlay but the example.
 */
export const PLACEHOLDER_DIGEST = `sha256:${'0'.repeat(64)}`;

/** What a site overlay must set: the collector's and the aggregation's environment, images by digest. */
const siteRules = {
  requiredEnv: ['CLUSTER_NAME', 'STORAGE_URL', 'AWS_REGION'],
  requiredAggregatorEnv: ['ATHENA_DATABASE', 'ATHENA_WORKGROUP', 'STORAGE_URL', 'AWS_REGION'],
  // A tag can be moved to other content, a digest cannot.
  requireImageDigest: true,
};

/** Kustomizations rendered by default, with the env each one must set. */
export const renderTargets = [
  { dir: 'collector/deploy', requiredEnv: [] },
  { dir: 'collector/deploy/overlays/example', ...siteRules, allowPlaceholderDigest: true },
];

/** The rules for a kustomization named on the command line: its own if listed above, else a site overlay's. */
export function renderTargetFor(dir) {
  return renderTargets.find((t) => resolve(repoRoot, t.dir) === resolve(dir)) ?? { dir, ...siteRules };
}

const clusterScopedKinds = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass',
  'StorageClass', 'PersistentVolume', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration',
]);

// ---------------------------------------------------------------------------------------------
// kubectl

/** Finds kubectl ($KUBECTL or PATH). Returns { path, version } or { error } (one line). */
export function findKubectl(env = process.env) {
  const path = env.KUBECTL || 'kubectl';
  const run = spawnSync(path, ['version', '--client'], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    const why = run.error.code === 'ENOENT' ? 'not found' : run.error.message;
    return {
      error: `kubectl ${why} (${path}): install it (Debian: apt-get install kubernetes-client) or set KUBECTL=/path/to/kubectl`,
    };
  }
  if (run.status !== 0) return { error: `kubectl (${path}) does not run: ${firstLine(run.stderr || run.stdout)}` };
  const out = `${run.stdout}\n${run.stderr}`;
  const version = /GitVersion:"([^"]+)"/.exec(out)?.[1] ?? /Client Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown';
  const kustomize = /Kustomize Version:\s*(\S+)/.exec(out)?.[1];
  return { path, version: kustomize ? `${version}, kustomize ${kustomize}` : version };
}

/** Renders a kustomization. Returns { yaml, notes } or { error } (one line). */
export function renderKustomization(kubectl, dir) {
  const run = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  if (run.error) return { error: `kubectl kustomize ${dir}: ${run.error.message}` };
  if (run.status !== 0) return { error: `kubectl kustomize ${dir} failed: ${firstLine(run.stderr || run.stdout)}` };
  // kustomize v5 warns about fields kept for kustomize v2 (bases, commonLabels, ...); expected.
  const notes = run.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^# Warning: '\w+' is deprecated/.test(l));
  return { yaml: run.stdout, notes };
}

// ---------------------------------------------------------------------------------------------
// parsing

/** Parses multi-document YAML into objects; YAML errors become problems. */
export function parseManifests(text, source = 'input') {
  const objects = [];
  const problems = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push(`${source}: YAML: ${firstLine(e.message)}`);
      continue;
    }
    const value = doc.toJS();
    if (value == null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${source}: a YAML document is not a Kubernetes object`);
      continue;
    }
    objects.push(value);
  }
  return { objects, problems };
}

/** "Kind namespace/name" or "Kind name". */
export function objectRef(obj) {
  const kind = obj?.kind ?? '<no kind>';
  const name = obj?.metadata?.name ?? '<no name>';
  return obj?.metadata?.namespace ? `${kind} ${obj.metadata.namespace}/${name}` : `${kind} ${name}`;
}

// ---------------------------------------------------------------------------------------------
// schema validation (kubernetes-models)

/** kubernetes-models module path for an apiVersion + kind, e.g. "apps/v1/Deployment". */
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9]+$/.test(kind)) return null;
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) return null;
  return `${apiVersion}/${kind}`;
}

const modelCache = new Map();
async function loadModel(apiVersion, kind) {
  const path = modelPath(apiVersion, kind);
  if (!path) return null;
  if (!modelCache.has(path)) {
    modelCache.set(
      path,
      import(`kubernetes-models/${path}`).then((m) => m[kind] ?? null, () => null),
    );
  }
  return modelCache.get(path);
}

/** Validates each object against its JSON schema. Returns problems, one line each. */
export async function checkSchemas(objects) {
  const problems = [];
  for (const obj of objects) {
    const ref = objectRef(obj);
    const Model = await loadModel(obj?.apiVersion, obj?.kind);
    if (!Model) {
      problems.push(`${ref}: no schema for apiVersion "${obj?.apiVersion}" kind "${obj?.kind}"`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      const errors = Array.isArray(e?.errors) ? e.errors : [{ instancePath: '', message: String(e?.message ?? e) }];
      for (const err of errors) {
        const at = pointerToPath(err.instancePath ?? '');
        const missing = err.params?.missingProperty;
        const detail = missing ? `missing required field "${missing}"` : err.message;
        problems.push(`${ref}: ${at || '(object)'}: ${detail}`);
      }
    }
  }
  return problems;
}

function pointerToPath(pointer) {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => joinPath(path, /^\d+$/.test(seg) ? Number(seg) : seg), '');
}

function joinPath(path, seg) {
  if (typeof seg === 'number') return `${path}[${seg}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(seg)) return path ? `${path}.${seg}` : seg;
  return `${path}[${JSON.stringify(seg)}]`;
}

// ---------------------------------------------------------------------------------------------
// unknown fields
//
// The Kubernetes OpenAPI schemas (and so kubernetes-models' validators) accept unknown fields,
// which the API server would drop or, with kubectl's strict validation, reject. kubernetes-models
// also ships TypeScript interfaces for every kind, so every object node of a manifest is written
// as a TypeScript object literal typed by the matching (indexed-access) type, and TypeScript's
// excess-property check names the fields that type does not have. One statement per node, because
// TypeScript reports at most one excess property per statement.

const excessPropertyCodes = new Set([2353, 2561]);

/** Reports fields that the object's Kubernetes type does not define. */
export async function checkUnknownFields(objects) {
  const imports = [];
  const statements = []; // { text, owner, path }
  for (const obj of objects) {
    if (!(await loadModel(obj?.apiVersion, obj?.kind))) continue; // reported by checkSchemas
    const n = imports.length;
    const module = `kubernetes-models/${modelPath(obj.apiVersion, obj.kind)}`;
    imports.push(`import type { I${obj.kind} as T${n} } from ${JSON.stringify(module)};`);
    collectNodes(obj, `T${n}`, '', (type, path, node) => {
      const props = Object.keys(node).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: null`);
      statements.push({ text: `export const n${statements.length}: ${type} = { ${props.join(', ')} };`, owner: obj, path });
    });
  }
  if (statements.length === 0) return [];

  const fileName = join(repoRoot, '__validate_manifests__.ts');
  const source = [...imports, ...statements.map((s) => s.text)].join('\n');
  const options = {
    noEmit: true,
    strict: false, // null is assignable to every field type
    skipLibCheck: true,
    types: [],
    lib: ['lib.es2020.d.ts'],
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, ...rest) =>
    resolve(name) === fileName ? ts.createSourceFile(name, source, ts.ScriptTarget.ES2020, true) : getSourceFile(name, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const file = program.getSourceFile(fileName);

  const problems = [];
  for (const d of program.getSemanticDiagnostics(file)) {
    if (d.start === undefined) continue;
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const line = file.getLineAndCharacterOfPosition(d.start).line;
    if (line < imports.length) {
      problems.push(`kubernetes-models types: ${text}`);
      continue;
    }
    if (!excessPropertyCodes.has(d.code)) continue; // type errors are checkSchemas' job
    const statement = statements[line - imports.length];
    const field = /'"([^"]+)"' does not exist/.exec(text)?.[1] ?? /'([^']+)' does not exist/.exec(text)?.[1] ?? '?';
    const suggestion = /Did you mean to write '"?([^'"]+)"?'\?/.exec(text)?.[1];
    const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
    problems.push(`${objectRef(statement.owner)}: ${joinPath(statement.path, field)}: unknown field "${field}"${hint}`);
  }
  return problems;
}

/** Calls visit(typeExpression, path, node) for every plain-object node of a value. */
function collectNodes(value, type, path, visit) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectNodes(item, `NonNullable<${type}>[number]`, joinPath(path, i), visit));
  } else if (value !== null && typeof value === 'object') {
    visit(type, path, value);
    for (const [key, item] of Object.entries(value)) {
      collectNodes(item, `NonNullable<${type}>[${JSON.stringify(key)}]`, joinPath(path, key), visit);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// project rules

/**
 * The collector's own rules: security context, resources, probes, RBAC scope, env names and the
 * consistency between Deployment, Service, PDB and Role. Returns problems, one line each.
 */
export function checkPolicies(
  objects,
  { requiredEnv = [], requiredAggregatorEnv = [], requireImageDigest = false, allowPlaceholderDigest = false } = {},
) {
  const problems = [];
  const add = (obj, msg) => problems.push(`${obj ? objectRef(obj) : 'render'}: ${msg}`);
  const byKind = (kind) => objects.filter((o) => o?.kind === kind);

  for (const kind of collector.requiredKinds) {
    if (byKind(kind).length === 0) add(null, `no ${kind} rendered`);
  }

  for (const obj of objects) {
    if (!obj || typeof obj !== 'object') continue;
    const labels = obj.metadata?.labels ?? {};
    for (const label of collector.requiredLabels) {
      if (!labels[label]) add(obj, `metadata.labels: missing recommended label "${label}"`);
    }
    if (obj.kind === 'Secret') add(obj, 'Secret objects are not allowed: the collector needs no secrets');
    if (obj.kind === 'ConfigMap') {
      for (const [key, value] of Object.entries(obj.data ?? {})) {
        if (!/\.ya?ml$/.test(key)) continue;
        const errors = parseAllDocuments(String(value)).flatMap((d) => d.errors);
        if (errors.length) add(obj, `data["${key}"] is not valid YAML: ${firstLine(errors[0].message)}`);
      }
    }
    const namespaced = !clusterScopedKinds.has(obj.kind);
    if (namespaced && obj.metadata?.namespace !== collector.namespace) {
      add(obj, `metadata.namespace is "${obj.metadata?.namespace ?? ''}", expected "${collector.namespace}"`);
    }
    if (!namespaced && obj.metadata?.namespace) add(obj, 'cluster-scoped object has metadata.namespace');
    if (obj.kind === 'Namespace' && obj.metadata?.name !== collector.namespace) {
      add(obj, `unexpected Namespace (expected only "${collector.namespace}")`);
    }
  }

  const deployments = byKind('Deployment');
  if (deployments.length > 1) add(null, `${deployments.length} Deployments rendered, expected 1`);
  const deployment = deployments[0];
  const podSpec = deployment?.spec?.template?.spec;
  const main = podSpec?.containers?.find((c) => c?.name === collector.container) ?? podSpec?.containers?.[0];
  const env = envValues(main);
  const leaseName = env.LEASE_NAME ?? collector.defaults.LEASE_NAME;
  const metricsPort = Number(env.METRICS_PORT ?? collector.defaults.METRICS_PORT);
  const probePort = env.PROBE_PORT === undefined ? undefined : Number(env.PROBE_PORT);

  checkRbac(objects, { leaseName, add });
  if (deployment) {
    checkDeployment(deployment, objects, { env, main, metricsPort, probePort, requiredEnv, add });
    checkService(byKind('Service'), deployment, metricsPort, add);
    checkPdb(byKind('PodDisruptionBudget'), deployment, add);
  }
  for (const cronJob of byKind('CronJob')) checkCronJob(cronJob, objects, { requiredEnv: requiredAggregatorEnv, add });
  checkNetworkPolicies(byKind('NetworkPolicy'), { deployment, cronJobs: byKind('CronJob'), metricsPort, add });
  if (requireImageDigest) {
    for (const obj of [...byKind('Deployment'), ...byKind('CronJob')]) {
      const pod = obj.kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template?.spec : obj.spec?.template?.spec;
      for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
        if (!/@sha256:[0-9a-f]{64}$/.test(String(c?.image ?? ''))) {
          add(obj, `container "${c?.name}": image "${c?.image}" must be pinned by digest (@sha256:...) in a site overlay`);
        } else if (!allowPlaceholderDigest && String(c?.image).endsWith(`@${PLACEHOLDER_DIGEST}`)) {
          add(obj, `container "${c?.name}": image digest is the example overlay's placeholder: set your image's digest (collector/deploy/README.md, "Images by digest")`);
        }
      }
    }
  }
  return problems;
}

/** Whether a NetworkPolicy applies to pods with these labels (an empty podSelector takes all). */
function podsSelectedBy(policy, podLabels) {
  const selector = policy.spec?.podSelector ?? {};
  if (selector.matchExpressions?.length) return false; // not evaluated here: use matchLabels
  if (Object.keys(selector.matchLabels ?? {}).length === 0) return true;
  return selects(selector.matchLabels, podLabels);
}

/**
 * The collector's traffic: ingress only to the metrics port from the monitoring namespace (the
 * kubelet's probes are always allowed), egress only to DNS, HTTPS and the Pod Identity agent.
 * The aggregator's pods must be covered by a policy too (nothing may reach them).
 */
function checkNetworkPolicies(policies, { deployment, cronJobs, metricsPort, add }) {
  const collectorLabels = deployment?.spec?.template?.metadata?.labels;
  for (const policy of policies) {
    const spec = policy.spec ?? {};
    const types = spec.policyTypes ?? [];
    if (!types.includes('Ingress') || !types.includes('Egress')) add(policy, 'spec.policyTypes must list Ingress and Egress');
    const isCollector = collectorLabels && podsSelectedBy(policy, collectorLabels);
    (spec.ingress ?? []).forEach((rule, i) => {
      const at = `ingress[${i}]`;
      if (!isCollector) {
        add(policy, `${at}: only the collector's metrics port takes ingress`);
        return;
      }
      const ports = rule.ports ?? [];
      if (ports.length === 0 || ports.some((p) => p?.port !== 'metrics' && p?.port !== metricsPort)) {
        add(policy, `${at}: must name its ports (only the metrics port)`);
      }
      const from = rule.from ?? [];
      if (from.length === 0) add(policy, `${at}: must say where from (the monitoring namespace)`);
      from.forEach((peer, j) => {
        const ns = peer?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        if (!ns) add(policy, `${at}.from[${j}]: namespaceSelector must name the monitoring namespace (kubernetes.io/metadata.name)`);
        if (peer?.ipBlock) add(policy, `${at}.from[${j}]: ipBlock is not allowed; scrape from the monitoring namespace`);
      });
    });
    (spec.egress ?? []).forEach((rule, i) => {
      const at = `egress[${i}]`;
      const ports = rule.ports ?? [];
      if (ports.length === 0) {
        add(policy, `${at}: must name its ports (${collector.egressPorts.join(', ')})`);
        return;
      }
      for (const p of ports) {
        if (!collector.egressPorts.includes(p?.port)) add(policy, `${at}: port ${p?.port} is not one the collector needs`);
        if (p?.endPort !== undefined) add(policy, `${at}: port ranges (endPort) are not allowed`);
      }
      if (ports.some((p) => p?.port === 80)) {
        const cidrs = (rule.to ?? []).map((peer) => peer?.ipBlock?.cidr);
        if (cidrs.length === 0 || cidrs.some((c) => !collector.podIdentityAgentCidrs.includes(c))) {
          add(policy, `${at}: port 80 only to the EKS Pod Identity agent (${collector.podIdentityAgentCidrs.join(', ')})`);
        }
      }
    });
  }
  if (!policies.length) return;
  if (collectorLabels && !policies.some((p) => podsSelectedBy(p, collectorLabels))) {
    add(null, 'no NetworkPolicy selects the collector pods');
  }
  for (const cronJob of cronJobs) {
    const labels = cronJob.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
    if (!policies.some((p) => podsSelectedBy(p, labels))) add(null, 'no NetworkPolicy selects the aggregator pods');
  }
}

function checkCronJob(cronJob, objects, { requiredEnv, add }) {
  const spec = cronJob.spec ?? {};
  const pod = spec.jobTemplate?.spec?.template?.spec ?? {};
  if (spec.concurrencyPolicy !== 'Forbid') add(cronJob, 'spec.concurrencyPolicy must be Forbid: two runs would replace the same partitions');
  if (pod.serviceAccountName !== aggregator.serviceAccount) {
    add(cronJob, `pod serviceAccountName must be "${aggregator.serviceAccount}"`);
  }
  if (!objects.some((o) => o?.kind === 'ServiceAccount' && o.metadata?.name === pod.serviceAccountName)) {
    add(cronJob, `service account "${pod.serviceAccountName}" is not in the rendered manifests`);
  }
  if (pod.automountServiceAccountToken !== false) {
    add(cronJob, 'automountServiceAccountToken must be false: the aggregation needs no Kubernetes API access');
  }
  checkContainers(cronJob, pod, add, { allowedEnv: aggregator.env, probes: false });
  const main = (pod.containers ?? []).find((c) => c?.name === aggregator.container);
  if (!main) {
    add(cronJob, `no container "${aggregator.container}"`);
    return;
  }
  const args = main.args ?? [];
  if (args[0] !== aggregator.command) add(cronJob, `container "${main.name}": args must start with "${aggregator.command}"`);
  // Hourly, without it every run would redo every day it names (each a full Athena scan).
  if (!args.includes('--incremental')) add(cronJob, `container "${main.name}": args must include --incremental`);
  const env = envValues(main);
  // The base leaves site settings to overlays; a site's rendering must define what the args use.
  for (const arg of requiredEnv.length ? args : []) {
    for (const [, ref] of String(arg).matchAll(/\$\(([A-Z0-9_]+)\)/g)) {
      if (!(main.env ?? []).some((e) => e?.name === ref)) add(cronJob, `container "${main.name}": args refer to $(${ref}), which is not in its env`);
    }
  }
  for (const key of requiredEnv) {
    if (!env[key]) add(cronJob, `container "${main.name}": env ${key} must be set`);
  }
}

function checkRbac(objects, { leaseName, add }) {
  const roles = objects.filter((o) => o?.kind === 'Role' || o?.kind === 'ClusterRole');
  for (const role of roles) {
    const rules = Array.isArray(role.rules) ? role.rules : [];
    if (role.aggregationRule) add(role, 'aggregationRule is not allowed (it widens the role implicitly)');
    rules.forEach((rule, i) => {
      const at = `rules[${i}]`;
      const groups = rule.apiGroups ?? [];
      const resources = rule.resources ?? [];
      const verbs = rule.verbs ?? [];
      if ([...groups, ...resources, ...verbs].includes('*')) add(role, `${at}: wildcard "*" is not allowed`);
      if (resources.some((r) => r === 'secrets' || r.startsWith('secrets/'))) {
        add(role, `${at}: grants access to secrets`);
      }
      if (rule.nonResourceURLs) add(role, `${at}: nonResourceURLs are not needed (discovery is open to authenticated users)`);
      if (resources.some((r) => r === 'leases') && role.kind === 'ClusterRole') {
        add(role, `${at}: leases must be granted by a namespaced Role in "${collector.namespace}", not a ClusterRole`);
      }
      if (role.kind === 'ClusterRole') {
        const extra = verbs.filter((v) => !collector.readVerbs.includes(v));
        if (extra.length) add(role, `${at}: verbs ${extra.join(', ')} not allowed (only ${collector.readVerbs.join('/')})`);
        for (const group of groups) {
          const allowed = collector.clusterReads[group];
          for (const r of resources) {
            if (r === 'leases' || r === 'secrets' || r === '*') continue; // reported above
            if (!allowed?.includes(r)) add(role, `${at}: resource "${r}" in group "${group}" is not one the collector reads`);
          }
        }
      } else {
        for (const r of resources) {
          if (r !== 'leases') add(role, `${at}: the namespaced Role should only grant leases, not "${r}"`);
        }
        if (!groups.every((g) => g === 'coordination.k8s.io')) add(role, `${at}: leases belong to apiGroup "coordination.k8s.io"`);
        const extra = verbs.filter((v) => !collector.leaseVerbs.includes(v));
        if (extra.length) add(role, `${at}: verbs ${extra.join(', ')} not allowed on leases (only get/create/update)`);
        if (verbs.includes('create') && rule.resourceNames?.length) {
          add(role, `${at}: "create" cannot be restricted by resourceNames; put it in a rule without resourceNames`);
        }
        if ((verbs.includes('get') || verbs.includes('update')) && !rule.resourceNames?.includes(leaseName)) {
          add(role, `${at}: get/update on leases should be limited to resourceNames ["${leaseName}"] (LEASE_NAME)`);
        }
      }
    });
  }

  // Required grants: every collector read, and get/create/update on the Lease.
  const clusterRoles = objects.filter((o) => o?.kind === 'ClusterRole');
  for (const [group, resources] of Object.entries(collector.clusterReads)) {
    for (const resource of resources) {
      for (const verb of collector.readVerbs) {
        const granted = clusterRoles.some((cr) =>
          (cr.rules ?? []).some(
            (r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs?.includes(verb),
          ),
        );
        if (!granted && clusterRoles.length) {
          add(clusterRoles[0], `missing "${verb}" on ${group ? `${group}/` : ''}${resource}`);
        }
      }
    }
  }
  const leaseRoles = objects.filter(
    (o) => o?.kind === 'Role' && (o.rules ?? []).some((r) => r.resources?.includes('leases')),
  );
  if (leaseRoles.length === 0 && objects.some((o) => o?.kind === 'Role')) {
    add(null, 'no Role grants leases for leader election');
  }
  for (const verb of collector.leaseVerbs) {
    const granted = leaseRoles.some((role) =>
      (role.rules ?? []).some((r) => r.resources?.includes('leases') && r.verbs?.includes(verb)),
    );
    if (leaseRoles.length && !granted) add(leaseRoles[0], `missing "${verb}" on leases (leader election)`);
  }

  // Bindings: the collector's service account, bound to roles that exist in the render.
  for (const binding of objects.filter((o) => o?.kind === 'RoleBinding' || o?.kind === 'ClusterRoleBinding')) {
    const ref = binding.roleRef ?? {};
    const target = objects.find(
      (o) => o?.kind === ref.kind && o.metadata?.name === ref.name &&
        (ref.kind === 'ClusterRole' || o.metadata?.namespace === binding.metadata?.namespace),
    );
    if (!target) add(binding, `roleRef ${ref.kind} "${ref.name}" is not in the rendered manifests`);
    for (const [i, s] of (binding.subjects ?? []).entries()) {
      if (s.kind !== 'ServiceAccount' || s.name !== collector.serviceAccount || s.namespace !== collector.namespace) {
        add(binding, `subjects[${i}]: only ServiceAccount ${collector.namespace}/${collector.serviceAccount} may be bound`);
      }
    }
  }
}

function envValues(container) {
  const out = {};
  for (const e of container?.env ?? []) {
    if (e?.name && typeof e.value === 'string') out[e.name] = e.value;
    else if (e?.name) out[e.name] = e.valueFrom ? '<valueFrom>' : '';
  }
  return out;
}

function checkDeployment(deployment, objects, { env, main, metricsPort, probePort, requiredEnv, add }) {
  const spec = deployment.spec ?? {};
  const pod = spec.template?.spec ?? {};
  const replicas = spec.replicas ?? 1;

  if (replicas < 2) add(deployment, `spec.replicas is ${replicas}; run 2 (leader + standby)`);
  if (replicas > 1 && (env.LEADER_ELECT ?? collector.defaults.LEADER_ELECT) === 'false') {
    add(deployment, 'LEADER_ELECT=false with more than one replica: every replica would write');
  }
  if (pod.serviceAccountName !== collector.serviceAccount) {
    add(deployment, `spec.template.spec.serviceAccountName must be "${collector.serviceAccount}"`);
  }
  if (!objects.some((o) => o?.kind === 'ServiceAccount' && o.metadata?.name === pod.serviceAccountName)) {
    add(deployment, `service account "${pod.serviceAccountName}" is not in the rendered manifests`);
  }
  if (pod.automountServiceAccountToken === false) {
    add(deployment, 'automountServiceAccountToken is false: the collector needs its token for the Kubernetes API');
  }
  if ((pod.terminationGracePeriodSeconds ?? 30) < 30) {
    add(deployment, 'terminationGracePeriodSeconds < 30: too short to flush the buffer to S3');
  }

  const volumes = new Map((pod.volumes ?? []).map((v) => [v?.name, v]));

  checkContainers(deployment, pod, add, { allowedEnv: collector.env, probes: true });

  if (!main) {
    add(deployment, `no container "${collector.container}"`);
    return;
  }
  const name = `container "${main.name}"`;
  for (const key of requiredEnv) {
    if (!env[key]) add(deployment, `${name}: env ${key} must be set`);
  }
  for (const key of ['POD_NAMESPACE', 'POD_NAME']) {
    if (!main.env?.some((e) => e?.name === key && e.valueFrom?.fieldRef)) {
      add(deployment, `${name}: env ${key} should come from the downward API (fieldRef)`);
    }
  }
  const port = (main.ports ?? []).find((p) => p?.name === 'metrics');
  if (!port) add(deployment, `${name}: no container port named "metrics"`);
  else if (port.containerPort !== metricsPort) {
    add(deployment, `${name}: port "metrics" is ${port.containerPort} but METRICS_PORT is ${metricsPort}`);
  }
  // With PROBE_PORT the health endpoints leave the metrics port, so the probes must follow them.
  const probeContainerPort = (main.ports ?? []).find((p) => p?.name === 'probes');
  if (probePort !== undefined) {
    if (!probeContainerPort) add(deployment, `${name}: PROBE_PORT is set but no container port is named "probes"`);
    else if (probeContainerPort.containerPort !== probePort) {
      add(deployment, `${name}: port "probes" is ${probeContainerPort.containerPort} but PROBE_PORT is ${probePort}`);
    }
  }
  const probePaths = { livenessProbe: '/healthz', readinessProbe: '/readyz', startupProbe: null };
  for (const [probe, path] of Object.entries(probePaths)) {
    const get = main[probe]?.httpGet;
    if (!main[probe]) continue; // reported above
    if (!get) {
      add(deployment, `${name}: ${probe} should be an httpGet on the ${probePort === undefined ? 'metrics' : 'probe'} port`);
      continue;
    }
    if (path && get.path !== path) add(deployment, `${name}: ${probe} path is "${get.path}", expected "${path}"`);
    if (probePort === undefined) {
      if (get.port !== 'metrics' && get.port !== metricsPort) add(deployment, `${name}: ${probe} port ${get.port} is not the metrics port`);
    } else if (get.port !== 'probes' && get.port !== probePort) {
      add(deployment, `${name}: ${probe} port ${get.port} is not the probe port (PROBE_PORT ${probePort})`);
    }
  }

  // Writable paths on a read-only root filesystem.
  const mountAt = (path) => (main.volumeMounts ?? []).find((m) => m?.mountPath === path);
  const spoolDir = env.SPOOL_DIR ?? collector.defaults.SPOOL_DIR;
  const spool = mountAt(spoolDir);
  if (!spool) add(deployment, `${name}: SPOOL_DIR ${spoolDir} is not a volume mount (root filesystem is read-only)`);
  else {
    const v = volumes.get(spool.name);
    if (!v?.emptyDir) add(deployment, `${name}: spool volume "${spool.name}" should be an emptyDir`);
    else if (!v.emptyDir.sizeLimit) add(deployment, `${name}: spool emptyDir "${spool.name}" needs a sizeLimit`);
  }
  if (!mountAt('/tmp')) add(deployment, `${name}: /tmp is not a volume mount (root filesystem is read-only)`);
  if (env.TEAM_MAPPING_FILE) {
    const dir = posix.dirname(env.TEAM_MAPPING_FILE);
    if (!(main.volumeMounts ?? []).some((m) => m?.mountPath === dir || m?.mountPath === env.TEAM_MAPPING_FILE)) {
      add(deployment, `${name}: TEAM_MAPPING_FILE ${env.TEAM_MAPPING_FILE} is not on a mounted volume`);
    }
  }
}

/** Security, resources, image, env and mounts of every container of a pod (Deployment or CronJob). */
function checkContainers(owner, pod, add, { allowedEnv, probes }) {
  const podSec = pod.securityContext ?? {};
  const volumes = new Map((pod.volumes ?? []).map((v) => [v?.name, v]));
  for (const v of pod.volumes ?? []) {
    if (v?.hostPath) add(owner, `volume "${v.name}": hostPath volumes are not allowed`);
    if (v?.secret || v?.projected?.sources?.some((s) => s?.secret)) {
      add(owner, `volume "${v.name}": secret volumes are not allowed`);
    }
  }
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (pod[field]) add(owner, `pod spec ${field} must not be set`);
  }
  const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? [])];
  for (const c of containers) {
    const name = `container "${c?.name}"`;
    const sec = c?.securityContext ?? {};
    if ((sec.runAsNonRoot ?? podSec.runAsNonRoot) !== true) add(owner, `${name}: runAsNonRoot must be true`);
    if ((sec.runAsUser ?? podSec.runAsUser) === 0) add(owner, `${name}: runAsUser must not be 0`);
    if (sec.readOnlyRootFilesystem !== true) add(owner, `${name}: securityContext.readOnlyRootFilesystem must be true`);
    if (sec.allowPrivilegeEscalation !== false) {
      add(owner, `${name}: securityContext.allowPrivilegeEscalation must be false`);
    }
    if (sec.privileged) add(owner, `${name}: securityContext.privileged must not be true`);
    if (!sec.capabilities?.drop?.includes('ALL')) add(owner, `${name}: securityContext.capabilities.drop must include ALL`);
    if (sec.capabilities?.add?.length) add(owner, `${name}: securityContext.capabilities.add must be empty`);
    if ((sec.seccompProfile ?? podSec.seccompProfile)?.type !== 'RuntimeDefault') {
      add(owner, `${name}: seccompProfile.type must be RuntimeDefault`);
    }
    const res = c?.resources ?? {};
    for (const [kind, key] of [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory']]) {
      if (res[kind]?.[key] == null) add(owner, `${name}: resources.${kind}.${key} is not set`);
    }
    const isInit = (pod.initContainers ?? []).includes(c);
    if (probes && !isInit) {
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (!c?.[probe]) add(owner, `${name}: ${probe} is not set`);
      }
    }
    const image = String(c?.image ?? '');
    const tag = image.includes('@') ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
    if (!tag || tag === 'latest') add(owner, `${name}: image "${image}" needs an explicit tag or digest (not latest)`);
    if (c?.envFrom?.some((e) => e?.secretRef)) add(owner, `${name}: envFrom secretRef is not allowed`);
    const seen = new Set();
    for (const e of c?.env ?? []) {
      if (!allowedEnv.includes(e?.name) && !runtimeEnv.includes(e?.name)) {
        add(owner, `${name}: env "${e?.name}" is not a documented setting`);
      }
      if (seen.has(e?.name)) add(owner, `${name}: env "${e?.name}" is set twice`);
      seen.add(e?.name);
      if (e?.valueFrom?.secretKeyRef) add(owner, `${name}: env "${e.name}" reads a secret`);
    }
    for (const m of c?.volumeMounts ?? []) {
      if (!volumes.has(m?.name)) add(owner, `${name}: volumeMount "${m?.name}" has no volume`);
    }
  }

}

function selects(selector, labels) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

function checkService(services, deployment, metricsPort, add) {
  const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
  const metrics = services.filter((s) => (s.spec?.ports ?? []).some((p) => p?.name === 'metrics'));
  if (services.length && metrics.length === 0) add(services[0], 'no Service port named "metrics"');
  for (const svc of metrics) {
    const a = svc.metadata?.annotations ?? {};
    if (a['prometheus.io/scrape'] !== 'true') add(svc, 'annotation prometheus.io/scrape must be "true"');
    if (a['prometheus.io/port'] !== String(metricsPort)) add(svc, `annotation prometheus.io/port must be "${metricsPort}"`);
    if (a['prometheus.io/path'] !== '/metrics') add(svc, 'annotation prometheus.io/path must be "/metrics"');
    if (!selects(svc.spec?.selector, podLabels)) add(svc, 'spec.selector does not select the collector pods');
    const port = svc.spec.ports.find((p) => p?.name === 'metrics');
    if (port.targetPort !== 'metrics' && port.targetPort !== metricsPort) {
      add(svc, `port "metrics" targets ${port.targetPort}, not the container's metrics port`);
    }
  }
}

function checkPdb(pdbs, deployment, add) {
  const podLabels = deployment.spec?.template?.metadata?.labels ?? {};
  const replicas = deployment.spec?.replicas ?? 1;
  for (const pdb of pdbs) {
    const min = pdb.spec?.minAvailable;
    if (min !== 1) add(pdb, `spec.minAvailable is ${JSON.stringify(min)}, expected 1`);
    else if (min >= replicas) add(pdb, 'spec.minAvailable >= replicas: node drains would block');
    if (!selects(pdb.spec?.selector?.matchLabels, podLabels)) add(pdb, 'spec.selector does not select the collector pods');
  }
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

/** Instructions with their continuation lines joined, comments and blank lines left out: [{ line, text }]. */
function dockerInstructions(text) {
  const logical = [];
  let current = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (!current && (/^\s*#/.test(line) || !line.trim())) return;
    if (!current) start = i + 1;
    if (/\\\s*$/.test(line)) {
      current += `${line.replace(/\\\s*$/, '')} `;
      return;
    }
    current += line;
    logical.push({ line: start, text: current.trim() });
    current = '';
  });
  if (current) logical.push({ line: start, text: current.trim() });
  return logical;
}

/**
 * Parses FROM instructions: [{ line, image, stage }], `image` with the default values of the ARGs
 * it names filled in (a --build-arg can still replace them), `stage` the AS name if any.
 */
export function parseDockerFroms(text) {
  const args = new Map();
  const froms = [];
  for (const { line, text: instr } of dockerInstructions(text)) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?\s*$/i.exec(instr);
    if (arg) {
      if (arg[2] !== undefined) args.set(arg[1], arg[2].replace(/^"(.*)"$/, '$1'));
      continue;
    }
    const from = /^FROM\s+(?:--[a-z-]+=\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(instr);
    if (!from) continue;
    const image = from[1].replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, b) => args.get(a ?? b) ?? '');
    froms.push({ line, image, stage: from[2] ?? null });
  }
  return froms;
}

/** Parses COPY/ADD instructions: [{ line, sources, from }]. */
export function parseDockerCopies(text) {
  const copies = [];
  for (const { line, text: instr } of dockerInstructions(text)) {
    const m = /^(COPY|ADD)\s+(.*)$/i.exec(instr);
    if (!m) continue;
    let rest = m[2].trim();
    let from = null;
    for (let f = /^--([a-z-]+)(?:=(\S+))?\s+/i.exec(rest); f; f = /^--([a-z-]+)(?:=(\S+))?\s+/i.exec(rest)) {
      if (f[1].toLowerCase() === 'from') from = f[2] ?? '';
      rest = rest.slice(f[0].length);
    }
    let args;
    if (rest.startsWith('[')) {
      try {
        args = JSON.parse(rest);
      } catch {
        args = [];
      }
    } else {
      args = rest.split(/\s+/).filter(Boolean);
    }
    copies.push({ line, instruction: m[1].toUpperCase(), sources: args.slice(0, -1), from });
  }
  return copies;
}

/** Parses .dockerignore into [{ negate, regex }]. */
export function parseDockerignore(text) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+|\/+$/g, '');
      return { pattern, negate, regex: globToRegex(pattern) };
    });
}

function globToRegex(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function ignoredBy(rules, path) {
  const parts = path.split('/');
  let ignored = false;
  let by = null;
  for (const rule of rules) {
    for (let n = 1; n <= parts.length; n++) {
      if (rule.regex.test(parts.slice(0, n).join('/'))) {
        ignored = !rule.negate;
        by = rule.pattern;
        break;
      }
    }
  }
  return ignored ? by : null;
}

function globExists(root, source) {
  if (!/[*?[]/.test(source)) return existsSync(join(root, source));
  const dir = posix.dirname(source);
  const re = globToRegex(posix.basename(source));
  try {
    return readdirSync(join(root, dir)).some((f) => re.test(f));
  } catch {
    return false;
  }
}

/**
 * Checks that every COPY/ADD source taken from the build context (the repo root) exists and is
 * not excluded by .dockerignore. Pass `dockerfileText`/`dockerignoreText` to check other content.
 */
export function checkDockerfile({
  root = repoRoot,
  dockerfile = 'collector/Dockerfile',
  dockerfileText,
  dockerignoreText,
} = {}) {
  const problems = [];
  const text = dockerfileText ?? (existsSync(join(root, dockerfile)) ? readFileSync(join(root, dockerfile), 'utf8') : null);
  if (text == null) return [`${dockerfile}: missing`];
  const ignoreText = dockerignoreText ?? (existsSync(join(root, '.dockerignore')) ? readFileSync(join(root, '.dockerignore'), 'utf8') : '');
  const rules = parseDockerignore(ignoreText);
  // Base images by digest: a tag is moved to new content on every Node.js or Debian release.
  const stages = new Set();
  for (const from of parseDockerFroms(text)) {
    const image = from.image;
    if (!stages.has(image.toLowerCase()) && image !== 'scratch' && !/@sha256:[0-9a-f]{64}$/.test(image)) {
      problems.push(`${dockerfile}:${from.line}: base image "${image}" is not pinned by digest (@sha256:...)`);
    }
    if (from.stage) stages.add(from.stage.toLowerCase());
  }
  const copies = parseDockerCopies(text);
  if (copies.length === 0) problems.push(`${dockerfile}: no COPY instructions`);
  for (const copy of copies) {
    if (copy.from !== null) continue; // from another stage or image
    if (copy.sources.length === 0) problems.push(`${dockerfile}:${copy.line}: ${copy.instruction} without a source`);
    for (const src of copy.sources) {
      if (/^[a-z]+:\/\//i.test(src)) continue; // ADD <url>
      const rel = posix.normalize(src).replace(/^\.\/+/, '').replace(/\/+$/, '');
      if (rel.startsWith('..') || posix.isAbsolute(rel)) {
        problems.push(`${dockerfile}:${copy.line}: ${copy.instruction} source "${src}" is outside the build context`);
      } else if (!globExists(root, rel)) {
        problems.push(`${dockerfile}:${copy.line}: ${copy.instruction} source "${src}" does not exist in the repository`);
      } else {
        const by = ignoredBy(rules, rel);
        if (by) problems.push(`${dockerfile}:${copy.line}: ${copy.instruction} source "${src}" is excluded by .dockerignore ("${by}")`);
      }
    }
  }
  // The image installs with --ignore-scripts: fine while no production dependency needs one.
  const lockPath = join(root, 'package-lock.json');
  if (/--ignore-scripts/.test(text) && existsSync(lockPath)) {
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    for (const [path, pkg] of Object.entries(lock.packages ?? {})) {
      if (pkg?.hasInstallScript && !pkg.dev) {
        problems.push(`${dockerfile}: npm ci --ignore-scripts, but production dependency ${path.replace(/^.*node_modules\//, '')} has an install script`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

/** Every check on one render's objects. */
export async function validateObjects(objects, options = {}) {
  return [
    ...(await checkSchemas(objects)),
    ...(await checkUnknownFields(objects)),
    ...checkPolicies(objects, options),
  ];
}

function firstLine(text) {
  const line =
    String(text ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? '';
  return line.replace(/^[EWI]\d{4} [\d:.]+\s+\d+ \S+\] /, ''); // klog prefix of newer kubectl
}

export async function main(argv = process.argv.slice(2)) {
  const kubectl = findKubectl();
  if (kubectl.error) {
    console.error(`validate-manifests: ${kubectl.error}`);
    return 2;
  }
  const targets = argv.length ? argv.map(renderTargetFor) : renderTargets;
  console.log(`validate-manifests: kubectl ${kubectl.version}`);
  let objectCount = 0;
  let problemCount = 0;
  const report = (problem) => {
    problemCount++;
    console.log(`  ✗ ${problem}`);
  };
  for (const target of targets) {
    const dir = resolve(repoRoot, target.dir);
    const label = relative(repoRoot, dir) || '.';
    const rendered = renderKustomization(kubectl.path, dir);
    if (rendered.error) {
      console.error(`validate-manifests: ${rendered.error}`);
      return 2;
    }
    console.log(`${label}:`);
    for (const note of rendered.notes) console.log(`  note: ${note}`);
    const { objects, problems: parseProblems } = parseManifests(rendered.yaml, label);
    parseProblems.forEach(report);
    const problems = await validateObjects(objects, target);
    for (const obj of objects) {
      const ref = objectRef(obj);
      const own = problems.filter((p) => p.startsWith(`${ref}: `));
      console.log(`  ${own.length ? '✗' : '✓'} ${ref}`);
    }
    problems.forEach((p) => report(`${label}: ${p}`));
    objectCount += objects.length;
  }
  console.log('collector/Dockerfile:');
  const dockerProblems = checkDockerfile();
  const copies = parseDockerCopies(readFileSync(join(repoRoot, 'collector/Dockerfile'), 'utf8'));
  console.log(`  ${dockerProblems.length ? '✗' : '✓'} ${copies.filter((c) => c.from === null).length} COPY instructions from the build context`);
  dockerProblems.forEach(report);

  const verdict = problemCount ? `${problemCount} problem${problemCount === 1 ? '' : 's'}` : 'no problems';
  console.log(`validate-manifests: ${targets.length} kustomizations (${objectCount} objects) and collector/Dockerfile: ${verdict}`);
  return problemCount ? 1 : 0;
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(`validate-manifests: ${e?.stack ?? e}`);
      process.exitCode = 2;
    },
  );
}
