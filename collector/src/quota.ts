/**
 * Live quota state per team, flavor and resource, computed from the ClusterQueues' spec and
 * status: what the Prometheus metrics and quota alerts see between two rollups.
 */
import { apportionLent, resourceKeyOf, type ResourceKey } from '@hyperpod-usage/model';
import { milliToNumber } from './kube/quantity.js';
import type { ClusterState } from './state/cluster-state.js';

export interface QuotaSample {
  team: string;
  clusterQueue: string;
  cohort: string;
  flavor: string;
  instanceType: string;
  resource: ResourceKey;
  nominal: number;
  usage: number;
  borrowed: number;
  lent: number;
  borrowingLimit: number | null;
  lendingLimit: number | null;
}

export function quotaSamples(state: ClusterState): QuotaSample[] {
  const samples = new Map<string, QuotaSample>();
  for (const cq of state.clusterQueues.values()) {
    const team = state.teams.teamOfClusterQueue(cq.meta.name);
    const flavors = new Set([...cq.quotas.keys(), ...cq.usage.keys()]);
    for (const flavor of flavors) {
      const names = new Set([...(cq.quotas.get(flavor)?.keys() ?? []), ...(cq.usage.get(flavor)?.keys() ?? [])]);
      for (const name of names) {
        const resource = resourceKeyOf(name);
        if (!resource) continue;
        const quota = cq.quotas.get(flavor)?.get(name);
        const use = cq.usage.get(flavor)?.get(name);
        const key = `${cq.meta.name}\u0000${flavor}\u0000${resource}`;
        // Two Kubernetes names can map to one resource (neurondevice and neuron): add them up.
        const s = samples.get(key) ?? {
          team,
          clusterQueue: cq.meta.name,
          cohort: cq.cohort,
          flavor,
          instanceType: state.instanceTypeOfFlavor(flavor),
          resource,
          nominal: 0,
          usage: 0,
          borrowed: 0,
          lent: 0,
          borrowingLimit: null,
          lendingLimit: null,
        };
        s.nominal += quota ? milliToNumber(quota.nominal) : 0;
        s.usage += use ? milliToNumber(use.total) : 0;
        s.borrowed += use ? milliToNumber(use.borrowed) : 0;
        if (quota?.borrowingLimit != null) s.borrowingLimit = (s.borrowingLimit ?? 0) + milliToNumber(quota.borrowingLimit);
        if (quota?.lendingLimit != null) s.lendingLimit = (s.lendingLimit ?? 0) + milliToNumber(quota.lendingLimit);
        samples.set(key, s);
      }
    }
  }
  // Lending happens within a cohort, per flavor and resource.
  const cohorts = new Map<string, QuotaSample[]>();
  for (const s of samples.values()) {
    if (!s.cohort) continue;
    const key = `${s.cohort}\u0000${s.flavor}\u0000${s.resource}`;
    cohorts.set(key, [...(cohorts.get(key) ?? []), s]);
  }
  for (const members of cohorts.values()) {
    const borrowed = members.reduce((sum, m) => sum + m.borrowed, 0);
    apportionLent(members, borrowed).forEach((lent, i) => {
      (members[i] as QuotaSample).lent = lent;
    });
  }
  return [...samples.values()];
}
