/**
 * The usage bucket: encrypted, private, versioned, with lifecycle rules per folder, and a policy
 * that refuses plain HTTP.
 */
import { ifCondition, ref } from '../intrinsics.js';
import type { Json, Resource } from '../types.js';
import { allObjectsArn, bucketArn } from './arns.js';
import { ATHENA_RESULTS_FOLDER, EXPIRING_FOLDERS } from './layout.js';
import { CONDITION, PARAM, RESOURCE } from './names.js';

/** Old object versions (overwritten or deleted by a re-run aggregation) are kept this long. */
const NONCURRENT_VERSION_DAYS = 7;
/** Athena result files are only read right after the query. */
const ATHENA_RESULTS_DAYS = 7;
/** Uploads take seconds (collector) to minutes (Athena UNLOAD); anything older was abandoned. */
const ABORT_MULTIPART_DAYS = 1;

const encryptionRule: Json = ifCondition(
  CONDITION.useKmsKey,
  {
    ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: ref(PARAM.kmsKeyArn) },
    // One data key per bucket instead of one KMS call per object.
    BucketKeyEnabled: true,
  },
  { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
);

const lifecycleRules: Json[] = [
  ...EXPIRING_FOLDERS.map(
    (folder): Json => ({
      Id: `expire-${folder}`,
      Status: 'Enabled',
      Prefix: `${folder}/`,
      ExpirationInDays: ref(PARAM.dataRetentionDays),
    }),
  ),
  {
    Id: `expire-${ATHENA_RESULTS_FOLDER}`,
    Status: 'Enabled',
    Prefix: `${ATHENA_RESULTS_FOLDER}/`,
    ExpirationInDays: ATHENA_RESULTS_DAYS,
  },
  {
    Id: 'expire-noncurrent-versions',
    Status: 'Enabled',
    NoncurrentVersionExpiration: { NoncurrentDays: NONCURRENT_VERSION_DAYS },
    // Once the old versions are gone, the delete markers left in front of them go too.
    ExpiredObjectDeleteMarker: true,
  },
  {
    Id: 'abort-incomplete-multipart-uploads',
    Status: 'Enabled',
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: ABORT_MULTIPART_DAYS },
  },
];

export const bucket: Resource = {
  Type: 'AWS::S3::Bucket',
  // The bucket holds the usage history: deleting or replacing the stack must not delete it.
  DeletionPolicy: 'Retain',
  UpdateReplacePolicy: 'Retain',
  Properties: {
    BucketEncryption: { ServerSideEncryptionConfiguration: [encryptionRule] },
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    VersioningConfiguration: { Status: 'Enabled' },
    LifecycleConfiguration: { Rules: lifecycleRules },
  },
};

export const bucketPolicy: Resource = {
  Type: 'AWS::S3::BucketPolicy',
  Properties: {
    Bucket: ref(RESOURCE.bucket),
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucketArn, allObjectsArn],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
  },
};
