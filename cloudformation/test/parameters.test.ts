import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLUSTER_NAME_PATTERN } from '@hyperpod-usage/model';
import { template } from './helpers.js';

const patternOf = (name: string): RegExp => new RegExp(template.Parameters[name]!.AllowedPattern!);

describe('parameters', () => {
  it('are the ones a platform team sets, with the documented defaults', () => {
    const defaults = Object.fromEntries(Object.entries(template.Parameters).map(([name, p]) => [name, p.Default]));
    assert.deepEqual(defaults, {
      EKSClusterName: undefined,
      ClusterNames: undefined,
      CollectorClusterName: undefined,
      DatabaseName: 'hyperpod_usage',
      DataRetentionDays: 180,
      KmsKeyArn: '',
      BytesScannedCutoffPerQuery: 1_073_741_824,
      CollectorNamespace: 'hyperpod-usage',
      CollectorServiceAccount: 'hyperpod-usage-collector',
      AggregatorServiceAccount: 'hyperpod-usage-aggregator',
      InstallPodIdentityAgent: 'false',
      ExportsPrefix: 'exports',
    });
    assert.equal(template.Parameters.DataRetentionDays!.Type, 'Number');
    assert.equal(template.Parameters.BytesScannedCutoffPerQuery!.Type, 'Number');
  });

  it('keep the scan cutoff within what CloudFormation accepts (int32)', () => {
    const cutoff = template.Parameters.BytesScannedCutoffPerQuery!;
    assert.ok(cutoff.MaxValue! <= 2_147_483_647 && Number(cutoff.Default) <= cutoff.MaxValue!);
    assert.ok(cutoff.MinValue! >= 10_000_000);
  });

  it('name the collector\'s own cluster exactly as the model names clusters', () => {
    const own = patternOf('CollectorClusterName');
    assert.equal(template.Parameters.CollectorClusterName!.AllowedPattern, '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$');
    for (const name of ['hp-a', 'ml.c_1', 'a,b', '', 'x/../y', '-a']) assert.equal(own.test(name), CLUSTER_NAME_PATTERN.test(name), name);
  });

  it('accept comma-separated cluster names exactly as the model names clusters', () => {
    const clusterNames = patternOf('ClusterNames');
    assert.equal(template.Parameters.ClusterNames!.AllowedPattern, '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}(,[A-Za-z0-9][A-Za-z0-9._-]{0,62})*$');
    const samples = ['a', 'hp-cluster-1', 'ml.cluster_2', 'x'.repeat(63), 'x'.repeat(64), '-a', '.a', 'a b', 'a/b', 'a=b', ''];
    for (const name of samples) assert.equal(clusterNames.test(name), CLUSTER_NAME_PATTERN.test(name), JSON.stringify(name));
    assert.ok(clusterNames.test('hp-a,hp-b,ml.c'));
    for (const list of ['a, b', 'a,', ',a', 'a,,b']) assert.ok(!clusterNames.test(list), list);
  });

  it('keep report exports out of folders that mean something else', () => {
    const exportsPrefix = patternOf('ExportsPrefix');
    for (const ok of ['exports', 'finance/usage', 'raw-exports', 'reports2']) assert.ok(exportsPrefix.test(ok), ok);
    for (const bad of ['raw', 'raw/x', 'athena-results', 'rollups/a', 'reports', 'reference/p', '/exports', 'exports/', 'a//b', '']) {
      assert.ok(!exportsPrefix.test(bad), bad);
    }
  });

  it('accept an empty KMS key or a key ARN, not an alias', () => {
    const kms = patternOf('KmsKeyArn');
    assert.ok(kms.test(''));
    assert.ok(kms.test('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
    assert.ok(kms.test('arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'));
    assert.ok(!kms.test('arn:aws:kms:us-east-1:123456789012:alias/usage'));
  });

  it('name Kubernetes objects validly and the database in lower case', () => {
    assert.ok(patternOf('CollectorNamespace').test('hyperpod-usage'));
    assert.ok(!patternOf('CollectorNamespace').test('HyperPod'));
    assert.ok(patternOf('DatabaseName').test('hyperpod_usage'));
    assert.ok(!patternOf('DatabaseName').test('HyperPod-Usage'));
  });
});
