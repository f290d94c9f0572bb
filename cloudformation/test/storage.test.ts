import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asText, getAt, props, resource, statementsOf, template } from './helpers.js';

describe('usage bucket', () => {
  const bucket = props('DataBucket');

  it('survives stack deletion and replacement', () => {
    assert.equal(resource('DataBucket').DeletionPolicy, 'Retain');
    assert.equal(resource('DataBucket').UpdateReplacePolicy, 'Retain');
  });

  it('is private, owner-enforced and versioned', () => {
    assert.deepEqual(bucket.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.OwnershipControls, { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    assert.deepEqual(bucket.VersioningConfiguration, { Status: 'Enabled' });
  });

  it('encrypts with SSE-S3, or with the KMS key and a bucket key when one is given', () => {
    const encryption = getAt(bucket, ['BucketEncryption', 'ServerSideEncryptionConfiguration']) as unknown[];
    assert.equal(encryption.length, 1);
    const [condition, withKey, withoutKey] = getAt(encryption, [0, 'Fn::If']) as unknown[];
    assert.equal(condition, 'UseKmsKey');
    assert.deepEqual(withKey, {
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { Ref: 'KmsKeyArn' } },
      BucketKeyEnabled: true,
    });
    assert.deepEqual(withoutKey, { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
    assert.deepEqual(template.Conditions.UseKmsKey, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'KmsKeyArn' }, ''] }] });
  });

  it('expires history after the retention period, keeps the price table, and cleans up after itself', () => {
    const rules = getAt(bucket, ['LifecycleConfiguration', 'Rules']) as Record<string, unknown>[];
    assert.ok(rules.every((r) => r.Status === 'Enabled'));
    const retained = rules.filter((r) => JSON.stringify(r.ExpirationInDays) === '{"Ref":"DataRetentionDays"}');
    assert.deepEqual(retained.map((r) => r.Prefix).sort(), ['raw/', 'reports/', 'rollups/']);
    assert.ok(!rules.some((r) => String(r.Prefix ?? '').startsWith('reference')));
    assert.equal(rules.find((r) => r.Prefix === 'athena-results/')?.ExpirationInDays, 7);
    const noncurrent = rules.find((r) => r.NoncurrentVersionExpiration);
    assert.ok(noncurrent && noncurrent.Prefix === undefined);
    assert.ok(Number(getAt(noncurrent, ['NoncurrentVersionExpiration', 'NoncurrentDays'])) <= 30);
    const abort = rules.find((r) => r.AbortIncompleteMultipartUpload);
    assert.ok(abort && abort.Prefix === undefined && Number(getAt(abort, ['AbortIncompleteMultipartUpload', 'DaysAfterInitiation'])) >= 1);
  });

  it('has a policy that denies any request without TLS, on the bucket and its objects', () => {
    assert.deepEqual(props('DataBucketPolicy').Bucket, { Ref: 'DataBucket' });
    const [deny, ...rest] = statementsOf(props('DataBucketPolicy').PolicyDocument);
    assert.equal(rest.length, 0);
    assert.equal(deny!.Effect, 'Deny');
    assert.equal(deny!.Principal, '*');
    assert.deepEqual(deny!.Action, ['s3:*']);
    assert.deepEqual(deny!.Resource, ['${DataBucket.Arn}', '${DataBucket.Arn}/*']);
    assert.deepEqual(deny!.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
  });
});

describe('Athena workgroup', () => {
  const workGroup = props('WorkGroup');
  const config = (path: string[]) => getAt(workGroup, ['WorkGroupConfiguration', ...path]);

  it('enforces its settings on engine version 3 with metrics and the scan cutoff', () => {
    assert.equal(config(['EnforceWorkGroupConfiguration']), true);
    assert.equal(config(['PublishCloudWatchMetricsEnabled']), true);
    assert.deepEqual(config(['EngineVersion']), { SelectedEngineVersion: 'Athena engine version 3' });
    assert.deepEqual(config(['BytesScannedCutoffPerQuery']), { Ref: 'BytesScannedCutoffPerQuery' });
    assert.equal(workGroup.RecursiveDeleteOption, true);
    assert.equal(workGroup.State, 'ENABLED');
  });

  it('writes results to athena-results/, encrypted like the bucket', () => {
    assert.equal(asText(config(['ResultConfiguration', 'OutputLocation'])), 's3://${DataBucket}/athena-results/');
    assert.deepEqual(config(['ResultConfiguration', 'EncryptionConfiguration']), {
      'Fn::If': ['UseKmsKey', { EncryptionOption: 'SSE_KMS', KmsKey: { Ref: 'KmsKeyArn' } }, { EncryptionOption: 'SSE_S3' }],
    });
  });
});

describe('outputs', () => {
  it('give what the collector, the aggregation and Grafana need, exported under the stack name', () => {
    assert.deepEqual(Object.keys(template.Outputs), [
      'BucketName',
      'StorageUrl',
      'DatabaseName',
      'WorkGroupName',
      'AthenaResultsLocation',
      'CollectorRoleArn',
      'AggregationRoleArn',
      'GrafanaReaderPolicyArn',
    ]);
    for (const [name, output] of Object.entries(template.Outputs)) {
      assert.equal(asText(output.Export?.Name), `\${AWS::StackName}-${name}`);
    }
    assert.equal(asText(template.Outputs.StorageUrl!.Value), 's3://${DataBucket}');
    assert.equal(asText(template.Outputs.AthenaResultsLocation!.Value), 's3://${DataBucket}/athena-results/');
  });
});
