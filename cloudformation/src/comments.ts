/**
 * Comments the rendered YAML carries, keyed by the dotted path of the key they precede. They say
 * why, for someone reading the template without the TypeScript that built it.
 */
import { CATALOG_TABLES } from './parts/layout.js';
import { PARAM, RESOURCE, tableLogicalId } from './parts/names.js';

function tableComment(location: string, partitionKeys: readonly string[]): string {
  if (partitionKeys.length === 0) return `s3://<bucket>/${location}/ (unpartitioned, rewritten whole)`;
  const folders = partitionKeys.map((key) => `${key}=*/`).join('');
  return `s3://<bucket>/${location}/${folders} (partitions projected: no MSCK REPAIR, no crawler)`;
}

export const TEMPLATE_COMMENTS: Readonly<Record<string, string>> = {
  [`Parameters.${PARAM.clusterNames}`]: 'The cluster partition is an enum: a cluster missing here is invisible to queries.',
  [`Parameters.${PARAM.bytesScannedCutoff}`]:
    'The resource schema says int64, but CloudFormation rejects values above 2^31-1 today.',
  [`Resources.${RESOURCE.bucket}`]:
    'Retained when the stack goes: it holds the usage history. Only raw/, rollups/ and reports/ expire.',
  [`Resources.${RESOURCE.database}`]: 'Column lists below are generated from usage-model; do not edit them here.',
  ...Object.fromEntries(
    CATALOG_TABLES.map((t) => [`Resources.${tableLogicalId(t.name)}`, tableComment(t.location, t.partitionKeys)]),
  ),
  [`Resources.${RESOURCE.workGroup}`]:
    'Enforced settings: clients cannot send results outside athena-results/ or lift the scan cutoff.',
  [`Resources.${RESOURCE.collectorRole}`]: "Write-only: s3:PutObject on its own cluster's raw partitions (heartbeats included), no read, list or delete.",
  [`Resources.${RESOURCE.grafanaReaderPolicy}`]:
    'Attach to the Amazon Managed Grafana workspace role or to the role of a self-hosted Grafana.',
  [`Resources.${RESOURCE.podIdentityAgent}`]: `Created only when ${PARAM.installPodIdentityAgent} is "true".`,
};
