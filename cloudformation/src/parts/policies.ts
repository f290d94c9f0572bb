/**
 * IAM policy building blocks: statements, documents, the EKS Pod Identity trust, and the grants
 * that several principals share.
 */
import { ifCondition, NO_VALUE, ref, sub, subVar } from '../intrinsics.js';
import type { Json } from '../types.js';
import { bucketArn } from './arns.js';
import { CONDITION, PARAM } from './names.js';

export interface StatementSpec {
  sid: string;
  actions: string[];
  resources: Json[];
  condition?: Json;
}

export function allow(spec: StatementSpec): Json {
  return {
    Sid: spec.sid,
    Effect: 'Allow',
    Action: spec.actions,
    Resource: spec.resources,
    ...(spec.condition ? { Condition: spec.condition } : {}),
  };
}

export function policyDocument(statements: Json[]): Json {
  return { Version: '2012-10-17', Statement: statements };
}

/** A statement that exists only when the stack uses a customer managed KMS key. */
function onlyWithKmsKey(statement: Json): Json {
  return ifCondition(CONDITION.useKmsKey, statement, NO_VALUE);
}

/** KMS use limited to S3 requests (SSE-KMS objects and Athena results written through S3). */
export function kmsThroughS3(sid: string, actions: string[]): Json {
  return onlyWithKmsKey(
    allow({
      sid,
      actions,
      resources: [ref(PARAM.kmsKeyArn)],
      condition: { StringEquals: { 'kms:ViaService': sub(`s3.${subVar('AWS::Region')}.amazonaws.com`) } },
    }),
  );
}

/**
 * Trust for EKS Pod Identity, narrowed by the session tags the agent sets to one service account
 * of one namespace on one cluster, so another association cannot borrow the role.
 */
export function podIdentityTrust(serviceAccountParameter: string): Json {
  return policyDocument([
    {
      Sid: 'EksPodIdentity',
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Condition: {
        StringEquals: {
          'aws:RequestTag/eks-cluster-name': ref(PARAM.eksClusterName),
          'aws:RequestTag/kubernetes-namespace': ref(PARAM.collectorNamespace),
          'aws:RequestTag/kubernetes-service-account': ref(serviceAccountParameter),
        },
      },
    },
  ]);
}

/** s3:ListBucket only for keys under the given folders. */
export function listFolders(sid: string, folders: readonly string[]): Json {
  return allow({
    sid,
    actions: ['s3:ListBucket'],
    resources: [bucketArn],
    condition: { StringLike: { 's3:prefix': folders.map((folder) => `${folder}/*`) } },
  });
}

/** Bucket-level reads Athena makes before it reads or writes objects. */
export const bucketMetadata: Json = allow({
  sid: 'BucketMetadataForAthena',
  actions: ['s3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
  resources: [bucketArn],
});

export const ATHENA_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StopQueryExecution',
  'athena:GetWorkGroup',
];

export const GLUE_READ_ACTIONS = [
  'glue:GetDatabase',
  'glue:GetDatabases',
  'glue:GetTable',
  'glue:GetTables',
  'glue:GetPartition',
  'glue:GetPartitions',
  'glue:BatchGetPartition',
];

/** What Athena needs to write result and UNLOAD files as the caller. */
export const S3_WRITE_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'];
