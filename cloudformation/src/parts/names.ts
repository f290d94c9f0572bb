/**
 * Logical names shared by the parts of the template, so a reference cannot drift from its target.
 */
export const PARAM = {
  eksClusterName: 'EKSClusterName',
  clusterNames: 'ClusterNames',
  collectorClusterName: 'CollectorClusterName',
  databaseName: 'DatabaseName',
  dataRetentionDays: 'DataRetentionDays',
  kmsKeyArn: 'KmsKeyArn',
  bytesScannedCutoff: 'BytesScannedCutoffPerQuery',
  collectorNamespace: 'CollectorNamespace',
  collectorServiceAccount: 'CollectorServiceAccount',
  aggregatorServiceAccount: 'AggregatorServiceAccount',
  installPodIdentityAgent: 'InstallPodIdentityAgent',
  exportsPrefix: 'ExportsPrefix',
} as const;

export const CONDITION = {
  useKmsKey: 'UseKmsKey',
  installPodIdentityAgent: 'ShouldInstallPodIdentityAgent',
} as const;

export const RESOURCE = {
  bucket: 'DataBucket',
  bucketPolicy: 'DataBucketPolicy',
  database: 'Database',
  workGroup: 'WorkGroup',
  collectorRole: 'CollectorRole',
  aggregationRole: 'AggregationRole',
  grafanaReaderPolicy: 'GrafanaReaderPolicy',
  collectorPodIdentity: 'CollectorPodIdentityAssociation',
  aggregatorPodIdentity: 'AggregatorPodIdentityAssociation',
  podIdentityAgent: 'PodIdentityAgentAddon',
} as const;

/** `team_hourly` → `TeamHourlyTable`. */
export function tableLogicalId(tableName: string): string {
  const pascal = tableName
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${pascal}Table`;
}
