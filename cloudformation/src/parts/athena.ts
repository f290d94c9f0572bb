/**
 * The Athena workgroup every reader and the aggregation use. Its settings are enforced, so no
 * client can write results elsewhere or lift the scan limit.
 */
import { ifCondition, ref } from '../intrinsics.js';
import type { Resource } from '../types.js';
import { s3Url } from './arns.js';
import { ATHENA_RESULTS_FOLDER } from './layout.js';
import { CONDITION, PARAM } from './names.js';

const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

export const workGroup: Resource = {
  Type: 'AWS::Athena::WorkGroup',
  Properties: {
    // One workgroup per stack: the stack name is unique in the account and region.
    Name: ref('AWS::StackName'),
    Description: 'HyperPod usage queries: aggregation, reports and Grafana.',
    State: 'ENABLED',
    // Lets stack deletion remove the workgroup even when someone saved queries in it.
    RecursiveDeleteOption: true,
    WorkGroupConfiguration: {
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: ref(PARAM.bytesScannedCutoff),
      EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
      ResultConfiguration: {
        OutputLocation: s3Url(`${ATHENA_RESULTS_FOLDER}/`),
        ExpectedBucketOwner: ref('AWS::AccountId'),
        EncryptionConfiguration: ifCondition(
          CONDITION.useKmsKey,
          { EncryptionOption: 'SSE_KMS', KmsKey: ref(PARAM.kmsKeyArn) },
          { EncryptionOption: 'SSE_S3' },
        ),
      },
    },
    // Amazon Managed Grafana's AmazonGrafanaAthenaAccess policy only reaches workgroups with this tag.
    Tags: [{ Key: 'GrafanaDataSource', Value: 'true' }],
  },
};
