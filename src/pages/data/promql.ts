/**
 * PromQL for the Team page's utilization panel. Namespace names go into a regex matcher, so each
 * is escaped twice: for RE2 (so `.` matches only a dot) and for the double-quoted PromQL string.
 */

const RE2_SPECIAL = /[\\.+*?()|[\]{}^$]/g;

export const escapeRegex = (value: string): string => value.replace(RE2_SPECIAL, (c) => `\\${c}`);

export const promString = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Average DCGM GPU utilization (percent) per namespace, for exactly these namespaces. */
export function gpuUtilizationExpr(namespaces: readonly string[]): string {
  if (namespaces.length === 0) throw new Error('no namespaces to ask Prometheus about');
  return `avg by (namespace) (DCGM_FI_DEV_GPU_UTIL{namespace=~${promString(namespaces.map(escapeRegex).join('|'))}})`;
}
