/**
 * Which team an object belongs to.
 *
 * Defaults follow SageMaker HyperPod task governance: team namespaces are `hyperpod-ns-<team>`,
 * ClusterQueues `hyperpod-ns-<id>-clusterqueue` where `<id>` is the namespace label
 * `sagemaker.amazonaws.com/quota-allocation-id`. Clusters that name things otherwise set
 * patterns, a namespace label, or explicit maps in a team mapping file.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export const QUOTA_ALLOCATION_LABEL = 'sagemaker.amazonaws.com/quota-allocation-id';

export interface TeamMappingConfig {
  /** Regular expression with a named group `team`, matched against namespace names. */
  namespacePattern: string;
  /** Regular expression with a named group `team`, matched against ClusterQueue names. */
  clusterQueuePattern: string;
  /** Namespace label whose value names the team (checked before the pattern); empty to ignore. */
  namespaceTeamLabel: string;
  /** Explicit namespace → team. */
  namespaces: Record<string, string>;
  /** Explicit ClusterQueue → team. */
  clusterQueues: Record<string, string>;
}

export const DEFAULT_TEAM_MAPPING: TeamMappingConfig = {
  namespacePattern: '^hyperpod-ns-(?<team>.+)$',
  clusterQueuePattern: '^hyperpod-ns-(?<team>.+)-clusterqueue$',
  namespaceTeamLabel: '',
  namespaces: {},
  clusterQueues: {},
};

function compileTeamPattern(source: string, field: string): RegExp {
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (e) {
    throw new Error(`team mapping: ${field} is not a valid regular expression: ${(e as Error).message}`);
  }
  if (!source.includes('(?<team>')) throw new Error(`team mapping: ${field} needs a named group (?<team>...)`);
  return re;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`team mapping: ${field} must be a map of names to teams`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`team mapping: ${field}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** Validates a parsed mapping document (YAML or JSON), filling defaults. */
export function parseTeamMapping(doc: unknown): TeamMappingConfig {
  if (doc === undefined || doc === null) return DEFAULT_TEAM_MAPPING;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('team mapping: expected a map at the top level');
  const d = doc as Record<string, unknown>;
  const known = ['namespacePattern', 'clusterQueuePattern', 'namespaceTeamLabel', 'namespaces', 'clusterQueues'];
  const unknown = Object.keys(d).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`team mapping: unknown field ${unknown[0]} (expected one of ${known.join(', ')})`);
  const str = (k: string, fallback: string): string => {
    const v = d[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw new Error(`team mapping: ${k} must be a string`);
    return v;
  };
  const config: TeamMappingConfig = {
    namespacePattern: str('namespacePattern', DEFAULT_TEAM_MAPPING.namespacePattern),
    clusterQueuePattern: str('clusterQueuePattern', DEFAULT_TEAM_MAPPING.clusterQueuePattern),
    namespaceTeamLabel: str('namespaceTeamLabel', ''),
    namespaces: stringMap(d.namespaces, 'namespaces'),
    clusterQueues: stringMap(d.clusterQueues, 'clusterQueues'),
  };
  compileTeamPattern(config.namespacePattern, 'namespacePattern');
  compileTeamPattern(config.clusterQueuePattern, 'clusterQueuePattern');
  return config;
}

export function loadTeamMapping(path: string): TeamMappingConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`team mapping: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`team mapping: ${path} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return parseTeamMapping(doc);
}

/** What the resolver needs to know about the cluster; ClusterState provides it. */
export interface TeamLookup {
  namespaceLabels(namespace: string): Readonly<Record<string, string>> | undefined;
  /** Namespaces whose LocalQueues point at the ClusterQueue, sorted. */
  namespacesOfClusterQueue(clusterQueue: string): readonly string[];
  /** Namespaces carrying `QUOTA_ALLOCATION_LABEL=<id>`, sorted. */
  namespacesWithAllocationId(id: string): readonly string[];
  /** ClusterQueue that a LocalQueue points at. */
  clusterQueueOfLocalQueue(namespace: string, localQueue: string): string | undefined;
}

export class TeamResolver {
  private readonly namespacePattern: RegExp;
  private readonly clusterQueuePattern: RegExp;

  constructor(
    private readonly config: TeamMappingConfig,
    private readonly lookup: TeamLookup,
  ) {
    this.namespacePattern = compileTeamPattern(config.namespacePattern, 'namespacePattern');
    this.clusterQueuePattern = compileTeamPattern(config.clusterQueuePattern, 'clusterQueuePattern');
  }

  /** Team of a namespace: explicit map, then team label, then name pattern; '' when none. */
  teamOfNamespace(namespace: string): string {
    // Names come from the cluster: only the mapping's own keys, never Object's (`constructor`).
    const explicit = Object.hasOwn(this.config.namespaces, namespace) ? this.config.namespaces[namespace] : undefined;
    if (explicit !== undefined) return explicit;
    if (this.config.namespaceTeamLabel) {
      const label = this.lookup.namespaceLabels(namespace)?.[this.config.namespaceTeamLabel];
      if (label) return label;
    }
    return this.namespacePattern.exec(namespace)?.groups?.team ?? '';
  }

  /** Namespace a ClusterQueue serves: its LocalQueues' namespace, else the one with its allocation id. */
  namespaceOfClusterQueue(clusterQueue: string): string {
    const viaLocalQueue = this.lookup.namespacesOfClusterQueue(clusterQueue)[0];
    if (viaLocalQueue !== undefined) return viaLocalQueue;
    const id = this.clusterQueuePattern.exec(clusterQueue)?.groups?.team;
    return id ? (this.lookup.namespacesWithAllocationId(id)[0] ?? '') : '';
  }

  /**
   * Team of a ClusterQueue: explicit map, then the team of the namespace it serves, then the
   * name pattern (the quota allocation id, which HyperPod derives from the team name).
   */
  teamOfClusterQueue(clusterQueue: string): string {
    const explicit = Object.hasOwn(this.config.clusterQueues, clusterQueue) ? this.config.clusterQueues[clusterQueue] : undefined;
    if (explicit !== undefined) return explicit;
    const namespace = this.namespaceOfClusterQueue(clusterQueue);
    const viaNamespace = namespace ? this.teamOfNamespace(namespace) : '';
    if (viaNamespace) return viaNamespace;
    return this.clusterQueuePattern.exec(clusterQueue)?.groups?.team ?? '';
  }

  /** Team of a workload: its admitting ClusterQueue, else its LocalQueue's, else its namespace's. */
  teamOfWorkload(namespace: string, admittingClusterQueue: string, localQueue: string): string {
    const clusterQueue = admittingClusterQueue || this.lookup.clusterQueueOfLocalQueue(namespace, localQueue) || '';
    const viaQueue = clusterQueue ? this.teamOfClusterQueue(clusterQueue) : '';
    return viaQueue || this.teamOfNamespace(namespace);
  }
}
