/**
 * Stack parameters, the conditions derived from them, and the console's grouping of them.
 */
import { equals, not, ref } from '../intrinsics.js';
import type { Json, Parameter } from '../types.js';
import { CONDITION, PARAM } from './names.js';
import { AGGREGATE_FOLDERS, ATHENA_RESULTS_FOLDER, RAW_FOLDER } from './layout.js';

/** Athena's workgroup cutoff is int64 in the schema, but CloudFormation handles only int32 today. */
const MAX_BYTES_SCANNED_CUTOFF = 2_147_483_647;
/** Athena's own floor for a per-query cutoff (10 MB). */
const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/** One HyperPod cluster name as the model's CLUSTER_NAME_PATTERN accepts it (a test keeps them equal). */
const clusterName = '[A-Za-z0-9][A-Za-z0-9._-]{0,62}';
/** Kubernetes DNS-1123 label (namespaces) and subdomain (service accounts). */
const dnsLabel = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const dnsSubdomain = '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$';
/** Exports must not land in a folder whose grants or lifecycle mean something else. */
const reservedFolders = [RAW_FOLDER, ATHENA_RESULTS_FOLDER, ...AGGREGATE_FOLDERS].join('|');

export const parameters: Record<string, Parameter> = {
  [PARAM.eksClusterName]: {
    Type: 'String',
    Description: 'Name of the EKS cluster that orchestrates the HyperPod cluster (where the collector runs).',
    AllowedPattern: '^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$',
    ConstraintDescription: 'an EKS cluster name: 1-100 letters, digits, hyphens or underscores',
  },
  [PARAM.clusterNames]: {
    Type: 'String',
    Description:
      'Comma-separated HyperPod cluster names, no spaces: the values of the cluster partition that queries may read. Add a name here when a cluster starts reporting.',
    AllowedPattern: `^${clusterName}(,${clusterName})*$`,
    ConstraintDescription: 'comma-separated cluster names (letters, digits, ".", "_" or "-", up to 63 each), no spaces',
  },
  [PARAM.collectorClusterName]: {
    Type: 'String',
    Description:
      "The HyperPod cluster of EKSClusterName: the collector's CLUSTER_NAME, one of ClusterNames. The collector role may write only this cluster's raw partitions, heartbeats included.",
    AllowedPattern: `^${clusterName}$`,
    ConstraintDescription: 'one cluster name: letters, digits, ".", "_" or "-", up to 63',
  },
  [PARAM.databaseName]: {
    Type: 'String',
    Default: 'hyperpod_usage',
    Description: 'Glue database for the usage tables (lower case, as Athena stores it).',
    AllowedPattern: '^[a-z][a-z0-9_]{0,254}$',
    ConstraintDescription: 'lower-case letters, digits and underscores, starting with a letter',
  },
  [PARAM.dataRetentionDays]: {
    Type: 'Number',
    Default: 180,
    MinValue: 1,
    Description: 'Days to keep raw records, rollups and report tables before S3 expires them.',
  },
  [PARAM.kmsKeyArn]: {
    Type: 'String',
    Default: '',
    Description:
      'ARN of a customer managed KMS key for the bucket and Athena results. Empty: S3-managed keys (SSE-S3).',
    AllowedPattern: '^(|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+)$',
    ConstraintDescription: 'empty, or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)',
  },
  [PARAM.bytesScannedCutoff]: {
    Type: 'Number',
    Default: 1_073_741_824,
    MinValue: MIN_BYTES_SCANNED_CUTOFF,
    MaxValue: MAX_BYTES_SCANNED_CUTOFF,
    Description:
      'Bytes one query in the workgroup may scan before Athena cancels it (1 GiB by default; CloudFormation accepts at most 2147483647).',
  },
  [PARAM.collectorNamespace]: {
    Type: 'String',
    Default: 'hyperpod-usage',
    Description: 'Kubernetes namespace of the collector and the aggregation CronJob.',
    AllowedPattern: dnsLabel,
    MaxLength: 63,
  },
  [PARAM.collectorServiceAccount]: {
    Type: 'String',
    Default: 'hyperpod-usage-collector',
    Description: 'Service account of the collector Deployment.',
    AllowedPattern: dnsSubdomain,
    MaxLength: 253,
  },
  [PARAM.aggregatorServiceAccount]: {
    Type: 'String',
    Default: 'hyperpod-usage-aggregator',
    Description: 'Service account of the aggregation CronJob.',
    AllowedPattern: dnsSubdomain,
    MaxLength: 253,
  },
  [PARAM.installPodIdentityAgent]: {
    Type: 'String',
    Default: 'false',
    AllowedValues: ['true', 'false'],
    Description: 'Install the eks-pod-identity-agent add-on. Leave false when the cluster already has it.',
  },
  [PARAM.exportsPrefix]: {
    Type: 'String',
    Default: 'exports',
    Description: 'Folder of the bucket where the report command writes CSV and PDF files (no leading or trailing slash).',
    AllowedPattern: `^(?!(${reservedFolders})(/|$))[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$`,
    ConstraintDescription: `a folder path such as exports or finance/usage, outside ${reservedFolders.replaceAll('|', ', ')}`,
    MaxLength: 200,
  },
};

export const conditions: Record<string, Json> = {
  [CONDITION.useKmsKey]: not(equals(ref(PARAM.kmsKeyArn), '')),
  [CONDITION.installPodIdentityAgent]: equals(ref(PARAM.installPodIdentityAgent), 'true'),
};

/** How the CloudFormation console groups the parameters. */
export const parameterInterface: Json = {
  ParameterGroups: [
    {
      Label: { default: 'EKS cluster and service accounts' },
      Parameters: [
        PARAM.eksClusterName,
        PARAM.collectorNamespace,
        PARAM.collectorServiceAccount,
        PARAM.aggregatorServiceAccount,
        PARAM.installPodIdentityAgent,
      ],
    },
    {
      Label: { default: 'Usage data' },
      Parameters: [PARAM.clusterNames, PARAM.collectorClusterName, PARAM.databaseName, PARAM.dataRetentionDays, PARAM.kmsKeyArn, PARAM.exportsPrefix],
    },
    { Label: { default: 'Athena' }, Parameters: [PARAM.bytesScannedCutoff] },
  ],
};
