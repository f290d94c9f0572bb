import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RAW_TABLE_NAMES, rawPartitionPath } from '@hyperpod-usage/model';
import { props, resource, roleStatements, statementsOf, template, type Statement } from './helpers.js';

const BUCKET = '${DataBucket.Arn}';
const objects = (folder: string) => `${BUCKET}/${folder}/*`;
const s3Actions = (statements: Statement[]) => statements.flatMap((s) => s.Action.filter((a) => a.startsWith('s3:')));
const services = (statements: Statement[]) => new Set(statements.flatMap((s) => s.Action.map((a) => a.split(':')[0])));
const READ_ONLY_S3 = /^s3:(Get|List)/;

/** IAM's resource wildcards: `*` any run of characters (slashes too), `?` exactly one. */
function iamMatches(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

describe('collector role', () => {
  const statements = roleStatements('CollectorRole');
  const put = () => statements.find((s) => s.Action.includes('s3:PutObject'))!;
  /** The ARN of a key the collector writes; OWN stands for the template's own-cluster variable. */
  const OWN = '${CollectorClusterName}';
  const keyArn = (table: (typeof RAW_TABLE_NAMES)[number], cluster: string, at = Date.UTC(2025, 0, 31, 23, 30)) => {
    const path = rawPartitionPath(table, at, cluster === OWN ? 'own-cluster' : cluster).replace('/cluster=own-cluster', `/cluster=${OWN}`);
    return `${BUCKET}/${path}/collector-0-abc123-00000001.parquet`;
  };
  const mayPut = (arn: string) => put().Resource.some((pattern) => iamMatches(pattern, arn));

  it('may only put objects under raw/: no read, list or delete', () => {
    assert.deepEqual(s3Actions(statements), ['s3:PutObject']);
    assert.ok(put().Resource.every((r) => r.startsWith(`${BUCKET}/raw/`)));
    assert.ok(statements.every((s) => s.Effect === 'Allow' && s.Action.every((a) => !a.includes('*'))));
    assert.ok(!statements.flatMap((s) => s.Action).some((a) => /^s3:(Get|List|Delete|Abort)/.test(a)));
  });

  it('may write only its own cluster\'s partitions and heartbeats, not another cluster\'s or any other raw key', () => {
    for (const table of RAW_TABLE_NAMES) {
      assert.ok(mayPut(keyArn(table, OWN)), `${table} of its own cluster`);
      assert.ok(!mayPut(keyArn(table, 'another-cluster')), `${table} of another cluster`);
      // A key that smuggles another cluster's folder in front of its own is refused too.
      const smuggled = keyArn(table, 'another-cluster').replace('/cluster=another-cluster/', `/cluster=another-cluster/cluster=${OWN}/`);
      assert.ok(!mayPut(smuggled), `${table}: ${smuggled}`);
    }
    assert.ok(!mayPut(`${BUCKET}/raw/workload/overwrite-me.parquet`));
    // Heartbeats used to have no cluster folder, so any collector could write any cluster's.
    assert.ok(!mayPut(`${BUCKET}/raw/heartdub/year=2025/month=01/day=31/hour=23/collector-0-abc123-00000001.parquet`));
    assert.ok(!mayPut(`${BUCKET}/raw/new-table/cluster=${OWN}/x.parquet`));
    assert.ok(!mayPut(`${BUCKET}/rollups/team_hourly/x.parquet`));
  });

  it('uses the KMS key only to encrypt, only when a key is configured, only through S3', () => {
    assert.deepEqual([...services(statements)].sort(), ['kms', 's3']);
    const kms = statements.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    assert.equal(kms.length, 1);
    assert.equal(kms[0]!.onlyIf, 'UseKmsKey');
    assert.deepEqual(kms[0]!.Action, ['kms:GenerateDataKey', 'kms:Encrypt']);
    assert.deepEqual(kms[0]!.Resource, ['${KmsKeyArn}']);
    assert.ok(JSON.stringify(kms[0]!.Condition).includes('kms:ViaService'));
  });

  it('has no managed policies or other ways to gain rights', () => {
    assert.deepEqual(Object.keys(props('CollectorRole')).sort(), ['AssumeRolePolicyDocument', 'Description', 'Policies']);
  });
});

describe('pod identity trust', () => {
  for (const [role, serviceAccount] of [
    ['CollectorRole', 'CollectorServiceAccount'],
    ['AggregationRole', 'AggregatorServiceAccount'],
  ] as const) {
    it(`${role} trusts EKS Pod Identity for its own service account only`, () => {
      const [trust, ...rest] = statementsOf(props(role).AssumeRolePolicyDocument);
      assert.equal(rest.length, 0);
      assert.deepEqual(trust!.Principal, { Service: 'pods.eks.amazonaws.com' });
      assert.deepEqual(trust!.Action, ['sts:AssumeRole', 'sts:TagSession']);
      assert.deepEqual(trust!.Condition, {
        StringEquals: {
          'aws:RequestTag/eks-cluster-name': { Ref: 'EKSClusterName' },
          'aws:RequestTag/kubernetes-namespace': { Ref: 'CollectorNamespace' },
          'aws:RequestTag/kubernetes-service-account': { Ref: serviceAccount },
        },
      });
    });
  }

  it('associates each service account with its role', () => {
    for (const [association, serviceAccount, role] of [
      ['CollectorPodIdentityAssociation', 'CollectorServiceAccount', 'CollectorRole'],
      ['AggregatorPodIdentityAssociation', 'AggregatorServiceAccount', 'AggregationRole'],
    ]) {
      assert.deepEqual(props(association!), {
        ClusterName: { Ref: 'EKSClusterName' },
        Namespace: { Ref: 'CollectorNamespace' },
        ServiceAccount: { Ref: serviceAccount },
        RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
      });
    }
  });

  it('installs the agent add-on only when asked', () => {
    const addon = resource('PodIdentityAgentAddon');
    assert.equal(addon.Condition, 'ShouldInstallPodIdentityAgent');
    assert.equal(addon.Properties!.AddonName, 'eks-pod-identity-agent');
    assert.deepEqual(template.Conditions.ShouldInstallPodIdentityAgent, { 'Fn::Equals': [{ Ref: 'InstallPodIdentityAgent' }, 'true'] });
    assert.equal(template.Parameters.InstallPodIdentityAgent!.Default, 'false');
  });
});

describe('aggregation role', () => {
  const statements = roleStatements('AggregationRole');

  it('runs Athena queries in the usage workgroup only, and looks up table metadata in the catalog', () => {
    const athena = statements.filter((s) => s.Action.some((a) => a.startsWith('athena:')));
    assert.equal(athena.length, 2);
    const queries = athena.find((s) => s.Action.includes('athena:StartQueryExecution'))!;
    assert.deepEqual(queries.Resource, ['arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${WorkGroup}']);
    for (const action of ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution']) {
      assert.ok(queries.Action.includes(`athena:${action}`), action);
    }
    const metadata = athena.find((s) => s !== queries)!;
    assert.deepEqual(metadata.Action, ['athena:GetTableMetadata']);
    assert.deepEqual(metadata.Resource, ['arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:datacatalog/AwsDataCatalog']);
  });

  it('reads the usage database in Glue, and creates or drops only its staging tables there', () => {
    const glue = statements.filter((s) => s.Action.some((a) => a.startsWith('glue:')));
    const reads = glue.filter((s) => s.Action.every((a) => /^glue:(Get|BatchGet)/.test(a)));
    assert.ok(reads.every((s) => s.Resource.every((r) => /:catalog$|:database\/\$\{Database\}$|:table\/\$\{Database\}\/\*$/.test(r))));
    const writes = glue.filter((s) => !reads.includes(s));
    assert.equal(writes.length, 1);
    assert.deepEqual([...writes[0]!.Action].sort(), ['glue:CreateTable', 'glue:DeleteTable']);
    // Glue checks the catalog and the database too; the tables are only the staging names.
    const tables = writes[0]!.Resource.filter((r) => r.includes(':table/'));
    assert.deepEqual(tables, ['arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:table/${Database}/hpu_stage_*']);
    assert.ok(writes[0]!.Resource.every((r) => /:catalog$|:database\/\$\{Database\}$|:table\/\$\{Database\}\/hpu_stage_\*$/.test(r)));
  });

  it('reads raw records, writes raw keys only as compacted files and deletes what they merged, and rewrites only aggregates, results and exports', () => {
    const rawWriters = statements.filter((s) => s.Resource.some((r) => String(r).includes('/raw/')) && s.Action.some((a) => !READ_ONLY_S3.test(a)));
    assert.deepEqual(
      rawWriters.map((s) => [s.Action, s.Resource]),
      [
        [['s3:PutObject'], [`${BUCKET}/raw/*/compacted-*.parquet`]],
        [['s3:DeleteObject'], [objects('raw')]],
      ],
    );
    const writable = new Set(
      statements
        .filter((s) => !rawWriters.includes(s) && s.Action.some((a) => a.startsWith('s3:') && !READ_ONLY_S3.test(a)))
        .flatMap((s) => s.Resource),
    );
    assert.deepEqual(
      [...writable].sort(),
      [objects('athena-results'), objects('reference'), objects('reports'), objects('rollups'), objects('${ExportsPrefix}')].sort(),
    );
    const readable = statements.filter((s) => s.Action.includes('s3:GetObject')).flatMap((s) => s.Resource);
    for (const folder of ['raw', 'reference', 'rollups', 'reports', 'athena-results']) assert.ok(readable.includes(objects(folder)), folder);
  });

  it('lists the bucket only under its folders', () => {
    const list = statements.find((s) => s.Action.includes('s3:ListBucket'))!;
    assert.deepEqual(list.Resource, [BUCKET]);
    assert.deepEqual(list.Condition, {
      StringLike: { 's3:prefix': ['raw/*', 'rollups/*', 'reports/*', 'reference/*', 'athena-results/*'] },
    });
  });
});

describe('Grafana reader policy', () => {
  const statements = statementsOf(props('GrafanaReaderPolicy').PolicyDocument);

  it('cannot write or delete anything outside the Athena results folder', () => {
    for (const statement of statements) {
      const writes = statement.Action.filter((a) => a.startsWith('s3:') && !READ_ONLY_S3.test(a));
      if (writes.length > 0) assert.deepEqual(statement.Resource, [objects('athena-results')], statement.Sid);
    }
    const actions = statements.flatMap((s) => s.Action);
    assert.ok(!actions.includes('s3:DeleteObject'));
    assert.ok(actions.filter((a) => a.startsWith('glue:')).every((a) => /^glue:(Get|BatchGet)/.test(a)));
    assert.ok(actions.filter((a) => a.startsWith('athena:')).every((a) => /^athena:(Get|List|StartQueryExecution|StopQueryExecution)/.test(a)));
    assert.deepEqual([...services(statements)].sort(), ['athena', 'glue', 'kms', 's3']);
  });

  it('reads rollups, reports and the price table, but not raw records', () => {
    const readable = statements.filter((s) => s.Action.includes('s3:GetObject')).flatMap((s) => s.Resource);
    assert.deepEqual(readable.sort(), [objects('athena-results'), objects('reference'), objects('reports'), objects('rollups')].sort());
    const list = statements.find((s) => s.Action.includes('s3:ListBucket'))!;
    assert.deepEqual(list.Condition, { StringLike: { 's3:prefix': ['rollups/*', 'reports/*', 'reference/*', 'athena-results/*'] } });
  });

  it('covers the calls the Grafana Athena data source makes, scoped where IAM allows', () => {
    const scopeOf = (action: string) => statements.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource);
    const workGroup = 'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:workgroup/${WorkGroup}';
    const catalog = 'arn:${AWS::Partition}:athena:${AWS::Region}:${AWS::AccountId}:datacatalog/AwsDataCatalog';
    for (const action of ['StartQueryExecution', 'GetQueryExecution', 'GetQueryResults', 'StopQueryExecution', 'GetWorkGroup']) {
      assert.deepEqual(scopeOf(`athena:${action}`), [workGroup], action);
    }
    for (const action of ['GetDataCatalog', 'ListDatabases', 'GetDatabase', 'ListTableMetadata', 'GetTableMetadata']) {
      assert.deepEqual(scopeOf(`athena:${action}`), [catalog], action);
    }
    for (const action of ['ListWorkGroups', 'ListDataCatalogs']) assert.deepEqual(scopeOf(`athena:${action}`), ['*'], action);
    const unscoped = statements.filter((s) => s.Resource.includes('*')).flatMap((s) => s.Action);
    assert.deepEqual(unscoped.sort(), ['athena:ListDataCatalogs', 'athena:ListWorkGroups']);
    assert.ok(scopeOf('s3:PutObject').length > 0, 'Athena writes results as the caller');
  });

  it('is a standalone managed policy exported for attaching to a Grafana role', () => {
    assert.equal(resource('GrafanaReaderPolicy').Type, 'AWS::IAM::ManagedPolicy');
    assert.equal(props('GrafanaReaderPolicy').Roles, undefined);
    assert.deepEqual(template.Outputs.GrafanaReaderPolicyArn!.Value, { 'Fn::GetAtt': ['GrafanaReaderPolicy', 'PolicyArn'] });
  });
});

describe('KMS grants', () => {
  it('exist only when a key is configured, for every principal', () => {
    const all = [...roleStatements('CollectorRole'), ...roleStatements('AggregationRole'), ...statementsOf(props('GrafanaReaderPolicy').PolicyDocument)];
    const kms = all.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    assert.equal(kms.length, 3);
    assert.ok(kms.every((s) => s.onlyIf === 'UseKmsKey' && s.Resource.join() === '${KmsKeyArn}'));
    assert.ok(all.filter((s) => s.onlyIf).every((s) => s.Action.every((a) => a.startsWith('kms:'))));
  });
});
