/**
 * Who may do what: the collector writes raw records only, the aggregation reads raw records and
 * rewrites the aggregates, and Grafana readers query the aggregates.
 */
import { RAW_TABLE_NAMES, STAGING_TABLE_PREFIX } from '@hyperpod-usage/model';
import { subVar } from '../intrinsics.js';
import type { Json, Resource } from '../types.js';
import { dataCatalogArn, exportsObjectsArn, glueCatalogArns, glueStagingArns, objectsArn, objectsMatchingArn, workGroupArn } from './arns.js';
import { AGGREGATE_FOLDERS, ATHENA_RESULTS_FOLDER, RAW_FOLDER, rawKeyPattern } from './layout.js';
import { PARAM } from './names.js';
import {
  allow,
  ATHENA_QUERY_ACTIONS,
  bucketMetadata,
  GLUE_READ_ACTIONS,
  kmsThroughS3,
  listFolders,
  podIdentityTrust,
  policyDocument,
  S3_WRITE_ACTIONS,
} from './policies.js';

const queryWorkGroup = allow({ sid: 'QueryInUsageWorkGroup', actions: ATHENA_QUERY_ACTIONS, resources: [workGroupArn] });
const readCatalog = allow({ sid: 'ReadUsageTables', actions: GLUE_READ_ACTIONS, resources: glueCatalogArns });
const objectsIn = (folders: readonly string[]): Json[] => folders.map(objectsArn);

export const collectorRole: Resource = {
  Type: 'AWS::IAM::Role',
  Properties: {
    Description: "HyperPod usage collector: may only add raw usage records of its own cluster (no read, list or delete).",
    AssumeRolePolicyDocument: podIdentityTrust(PARAM.collectorServiceAccount),
    Policies: [
      {
        PolicyName: 'write-raw-usage-records',
        PolicyDocument: policyDocument([
          // Its own cluster's partitions only, heartbeats included: a compromised collector cannot
          // write another cluster's records or heartbeats, or replace keys elsewhere under raw/.
          allow({
            sid: 'PutOwnClusterRawUsageRecords',
            actions: ['s3:PutObject'],
            resources: RAW_TABLE_NAMES.map((table) => objectsMatchingArn(rawKeyPattern(table, subVar(PARAM.collectorClusterName)))),
          }),
          kmsThroughS3('EncryptRawUsageRecords', ['kms:GenerateDataKey', 'kms:Encrypt']),
        ]),
      },
    ],
  },
};

export const aggregationRole: Resource = {
  Type: 'AWS::IAM::Role',
  Properties: {
    Description:
      'HyperPod usage aggregation (CronJob): runs Athena in the usage workgroup, reads raw records, rewrites rollups and reports.',
    AssumeRolePolicyDocument: podIdentityTrust(PARAM.aggregatorServiceAccount),
    Policies: [
      {
        PolicyName: 'aggregate-usage',
        PolicyDocument: policyDocument([
          queryWorkGroup,
          readCatalog,
          allow({
            // Each day's intervals and quota segments are staged by CTAS (Parquet, under the
            // workgroup's athena-results/ folder) and dropped after the rollups: these table
            // names only, never the raw or rollup tables.
            sid: 'StageIntermediateTables',
            actions: ['glue:CreateTable', 'glue:DeleteTable'],
            resources: glueStagingArns(STAGING_TABLE_PREFIX),
          }),
          // Where a staged table's files are, to delete them after the drop.
          allow({ sid: 'LocateStagedTables', actions: ['athena:GetTableMetadata'], resources: [dataCatalogArn] }),
          bucketMetadata,
          listFolders('ListUsageFolders', [RAW_FOLDER, ...AGGREGATE_FOLDERS, ATHENA_RESULTS_FOLDER]),
          allow({ sid: 'ReadRawUsageRecords', actions: ['s3:GetObject'], resources: objectsIn([RAW_FOLDER]) }),
          // `hpu aggregate --compact`: a closed hour's files merged into one compacted-*.parquet
          // (the only raw keys it may write), then the merged files deleted. The bucket is
          // versioned, so a deleted file stays recoverable for the noncurrent-version days.
          allow({ sid: 'WriteCompactedRawHours', actions: ['s3:PutObject'], resources: [objectsMatchingArn(`${RAW_FOLDER}/*/compacted-*.parquet`)] }),
          allow({ sid: 'DeleteCompactedRawFiles', actions: ['s3:DeleteObject'], resources: objectsIn([RAW_FOLDER]) }),
          allow({
            // Re-running a day deletes its old output first, so re-runs converge.
            sid: 'RewriteAggregatesAndResults',
            actions: ['s3:GetObject', 's3:DeleteObject', ...S3_WRITE_ACTIONS],
            resources: objectsIn([...AGGREGATE_FOLDERS, ATHENA_RESULTS_FOLDER]),
          }),
          allow({
            sid: 'WriteReportExports',
            actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
            resources: [exportsObjectsArn],
          }),
          kmsThroughS3('UseUsageKeyThroughS3', ['kms:Decrypt', 'kms:GenerateDataKey']),
        ]),
      },
    ],
  },
};

export const grafanaReaderPolicy: Resource = {
  Type: 'AWS::IAM::ManagedPolicy',
  Properties: {
    Description:
      'Query HyperPod usage rollups with the Grafana Athena data source. Attach to the Grafana workspace or server role.',
    PolicyDocument: policyDocument([
      queryWorkGroup,
      allow({
        sid: 'BrowseUsageCatalog',
        actions: [
          'athena:GetDataCatalog',
          'athena:GetDatabase',
          'athena:ListDatabases',
          'athena:GetTableMetadata',
          'athena:ListTableMetadata',
        ],
        resources: [dataCatalogArn],
      }),
      // These two list actions take no resource in IAM; they reveal names, not data.
      allow({ sid: 'ListCatalogsAndWorkGroups', actions: ['athena:ListDataCatalogs', 'athena:ListWorkGroups'], resources: ['*'] }),
      readCatalog,
      bucketMetadata,
      listFolders('ListReadableFolders', [...AGGREGATE_FOLDERS, ATHENA_RESULTS_FOLDER]),
      allow({ sid: 'ReadAggregates', actions: ['s3:GetObject'], resources: objectsIn(AGGREGATE_FOLDERS) }),
      allow({
        // Athena writes query results with the caller's credentials.
        sid: 'ReadWriteQueryResults',
        actions: ['s3:GetObject', ...S3_WRITE_ACTIONS],
        resources: objectsIn([ATHENA_RESULTS_FOLDER]),
      }),
      kmsThroughS3('UseUsageKeyThroughS3', ['kms:Decrypt', 'kms:GenerateDataKey']),
    ]),
  },
};
