import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTemplate } from '../src/parse.js';
import { buildTemplate } from '../src/template.js';
import { validateTemplate } from '../src/validate.js';
import { deleteAt, getAt, renameAt, setAt } from './helpers.js';

const WORKGROUP = ['Resources', 'WorkGroup', 'Properties'];
const RESULT_ENCRYPTION = [...WORKGROUP, 'WorkGroupConfiguration', 'ResultConfiguration', 'EncryptionConfiguration', 'Fn::If'];

/** The problems of the generated template after one deliberate change. */
function problemsAfter(change: (template: object) => void): string[] {
  const template = buildTemplate();
  change(template);
  return validateTemplate(template);
}

function assertOneProblem(problems: string[], expected: RegExp): void {
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, expected);
}

describe('validator catches', () => {
  it('an unknown resource type', () => {
    const problems = problemsAfter((t) => setAt(t, ['Resources', 'WorkGroup', 'Type'], 'AWS::Athena::Workgroups'));
    assertOneProblem(problems, /^Resources\.WorkGroup\.Type: unknown resource type AWS::Athena::Workgroups$/);
  });

  it('a misspelt nested property, and suggests the right spelling', () => {
    const problems = problemsAfter((t) =>
      renameAt(t, [...WORKGROUP, 'WorkGroupConfiguration', 'EnforceWorkGroupConfiguration'], 'EnforceWorkgroupConfiguration'),
    );
    assertOneProblem(
      problems,
      /^Resources\.WorkGroup\.Properties\.WorkGroupConfiguration: unknown property EnforceWorkgroupConfiguration of AWS::Athena::WorkGroup\.WorkGroupConfiguration \(did you mean EnforceWorkGroupConfiguration\?\)$/,
    );
  });

  it('a misspelt property deep inside a Glue table', () => {
    const column = ['Resources', 'PodTable', 'Properties', 'TableInput', 'StorageDescriptor', 'Columns', 0];
    const problems = problemsAfter((t) => renameAt(t, [...column, 'Type'], 'Typ'));
    assertOneProblem(problems, /StorageDescriptor\.Columns\.0: unknown property Typ of AWS::Glue::Table\.Column \(did you mean Type\?\)/);
  });

  it('a Glue table column named like a partition key, which Athena rejects', () => {
    const columns = ['Resources', 'PodTable', 'Properties', 'TableInput', 'StorageDescriptor', 'Columns'];
    const problems = problemsAfter((t) => (getAt(t, columns) as unknown[]).unshift({ Name: 'day', Type: 'date' }));
    assertOneProblem(problems, /^Resources\.PodTable\.Properties\.TableInput\.StorageDescriptor\.Columns: column day has the name of a partition key/);
  });

  it('a Glue table column declared twice', () => {
    const columns = ['Resources', 'PodTable', 'Properties', 'TableInput', 'StorageDescriptor', 'Columns'];
    const problems = problemsAfter((t) => {
      const list = getAt(t, columns) as unknown[];
      list.push(list[0]);
    });
    assertOneProblem(problems, /Columns: column \w+ is declared more than once$/);
  });

  it('a projected partition key without a projection type, or missing from the location template', () => {
    const parameters = ['Resources', 'PodTable', 'Properties', 'TableInput', 'Parameters'];
    assertOneProblem(
      problemsAfter((t) => deleteAt(t, [...parameters, 'projection.hour.type'])),
      /Parameters: partition key hour has no projection\.hour\.type/,
    );
    assertOneProblem(
      problemsAfter((t) =>
        setAt(t, [...parameters, 'storage.location.template'], {
          'Fn::Sub': 's3://${DataBucket}/raw/pod/year=${!year}/month=${!month}/day=${!day}/cluster=${!cluster}/',
        }),
      ),
      /storage\.location\.template: does not name partition key hour$/,
    );
  });

  it('a missing required property', () => {
    const problems = problemsAfter((t) => deleteAt(t, ['Resources', 'CollectorPodIdentityAssociation', 'Properties', 'ServiceAccount']));
    assertOneProblem(
      problems,
      /^Resources\.CollectorPodIdentityAssociation\.Properties: missing required property ServiceAccount of AWS::EKS::PodIdentityAssociation$/,
    );
  });

  it('a literal of the wrong primitive kind', () => {
    const lifecycleRules = ['Resources', 'DataBucket', 'Properties', 'LifecycleConfiguration', 'Rules'];
    const cases: [(string | number)[], unknown, RegExp][] = [
      [[...WORKGROUP, 'RecursiveDeleteOption'], 'true', /RecursiveDeleteOption: expected a boolean, got string "true"/],
      [['Resources', 'DataBucket', 'Properties', 'VersioningConfiguration', 'Status'], true, /Status: expected a string, got boolean true/],
      [[...lifecycleRules, 3, 'ExpirationInDays'], '7', /ExpirationInDays: expected an integer, got string "7"/],
      [[...WORKGROUP, 'Tags'], { GrafanaDataSource: 'true' }, /Tags: expected a list, got an object/],
    ];
    for (const [path, value, expected] of cases) assertOneProblem(problemsAfter((t) => setAt(t, path, value)), expected);
  });

  it('a string outside the allowed values, in either branch of Fn::If', () => {
    const problems = problemsAfter((t) => setAt(t, [...RESULT_ENCRYPTION, 2], { EncryptionOption: 'SSE-S3' }));
    assertOneProblem(problems, /EncryptionConfiguration\.Fn::If\.2\.EncryptionOption: "SSE-S3" is not one of SSE_S3, SSE_KMS, CSE_KMS/);
  });

  it('a Ref to nothing', () => {
    const path = ['Resources', 'CollectorPodIdentityAssociation', 'Properties', 'ClusterName'];
    const problems = problemsAfter((t) => setAt(t, path, { Ref: 'EksClusterName' }));
    assertOneProblem(problems, /ClusterName\.Ref: EksClusterName names no parameter, resource or pseudo parameter \(did you mean EKSClusterName\?\)/);
  });

  it('a Fn::GetAtt of an attribute the resource type lacks, or of a missing resource', () => {
    const value = ['Outputs', 'CollectorRoleArn', 'Value'];
    assertOneProblem(
      problemsAfter((t) => setAt(t, value, { 'Fn::GetAtt': ['CollectorRole', 'RoleArn'] })),
      /^Outputs\.CollectorRoleArn\.Value\.Fn::GetAtt: AWS::IAM::Role has no attribute RoleArn/,
    );
    assertOneProblem(
      problemsAfter((t) => setAt(t, value, { 'Fn::GetAtt': ['CollectorsRole', 'Arn'] })),
      /CollectorsRole is not a resource of this template \(did you mean CollectorRole\?\)/,
    );
  });

  it('a Fn::Sub variable that resolves to nothing, but not a ${!literal}', () => {
    const description = [...WORKGROUP, 'Description'];
    const sub = { 'Fn::Sub': ['${AWS::Region} ${DataBucket.Arn} ${!year} ${Local} ${Bucket}', { Local: 'x' }] };
    assertOneProblem(
      problemsAfter((t) => setAt(t, description, sub)),
      /Description\.Fn::Sub: Bucket names no parameter, resource or pseudo parameter/,
    );
    assertOneProblem(
      problemsAfter((t) => setAt(t, description, { 'Fn::Sub': '${DataBucket.Nope}' })),
      /Fn::Sub: AWS::S3::Bucket has no attribute Nope/,
    );
  });

  it('an unknown condition, on a resource or in Fn::If', () => {
    assertOneProblem(
      problemsAfter((t) => setAt(t, ['Resources', 'PodIdentityAgentAddon', 'Condition'], 'InstallAgent')),
      /^Resources\.PodIdentityAgentAddon\.Condition: unknown condition InstallAgent/,
    );
    assertOneProblem(
      problemsAfter((t) => setAt(t, [...RESULT_ENCRYPTION, 0], 'UseKms')),
      /EncryptionConfiguration\.Fn::If\.0: unknown condition UseKms \(did you mean UseKmsKey\?\)/,
    );
  });

  it('a reference to a conditional resource where its condition may be false', () => {
    const addonArn = { 'Fn::GetAtt': ['PodIdentityAgentAddon', 'Arn'] };
    assertOneProblem(
      problemsAfter((t) => setAt(t, ['Outputs', 'AddonArn'], { Value: addonArn })),
      /PodIdentityAgentAddon exists only when ShouldInstallPodIdentityAgent is true/,
    );
    const guarded = { Condition: 'ShouldInstallPodIdentityAgent', Value: addonArn };
    assert.deepEqual(problemsAfter((t) => setAt(t, ['Outputs', 'AddonArn'], guarded)), []);
  });

  it('a resource referenced from the Conditions section', () => {
    const problems = problemsAfter((t) => setAt(t, ['Conditions', 'HasBucket'], { 'Fn::Equals': [{ Ref: 'DataBucket' }, ''] }));
    assertOneProblem(problems, /^Conditions\.HasBucket\.Fn::Equals\.0\.Ref: conditions may reference parameters only/);
  });

  it('bad resource attributes', () => {
    const bucket = ['Resources', 'DataBucket'];
    assertOneProblem(problemsAfter((t) => setAt(t, [...bucket, 'DeletionPolicy'], 'Keep')), /DeletionPolicy: string "Keep" is not one of Delete, Retain/);
    assertOneProblem(
      problemsAfter((t) => setAt(t, [...bucket, 'UpdateReplacePolicy'], 'RetainExceptOnCreate')),
      /UpdateReplacePolicy: .* is not one of Delete, Retain, Snapshot/,
    );
    assertOneProblem(problemsAfter((t) => setAt(t, [...bucket, 'DependsOn'], ['Bucket'])), /DependsOn: Bucket is not a resource of this template/);
    assertOneProblem(problemsAfter((t) => renameAt(t, [...bucket, 'Properties'], 'Propertes')), /unknown resource attribute Propertes \(did you mean Properties\?\)/);
  });

  it('parameters with invalid types or defaults that break their own constraints', () => {
    const parameter = (name: string, key: string) => ['Parameters', name, key];
    const cases: [(string | number)[], unknown, RegExp][] = [
      [parameter('DatabaseName', 'Type'), 'Strng', /^Parameters\.DatabaseName\.Type: invalid parameter type Strng$/],
      [parameter('DatabaseName', 'Default'), 'Usage-DB', /DatabaseName\.Default: "Usage-DB" does not match AllowedPattern/],
      [parameter('BytesScannedCutoffPerQuery', 'Default'), 5_000_000_000, /is above MaxValue 2147483647/],
      [parameter('InstallPodIdentityAgent', 'Default'), 'yes', /"yes" is not among AllowedValues/],
      [parameter('DataRetentionDays', 'AllowedPattern'), '^[0-9]+$', /AllowedPattern: applies to String parameters only/],
      [parameter('DatabaseName', 'AllowedPattern'), '^[a-z+$', /AllowedPattern: does not compile/],
    ];
    for (const [path, value, expected] of cases) assertOneProblem(problemsAfter((t) => setAt(t, path, value)), expected);
  });

  it('outputs without a value or with duplicate export names', () => {
    assertOneProblem(problemsAfter((t) => deleteAt(t, ['Outputs', 'BucketName', 'Value'])), /^Outputs\.BucketName: missing Value$/);
    assertOneProblem(
      problemsAfter((t) => setAt(t, ['Outputs', 'StorageUrl', 'Export'], structuredClone(getAt(t, ['Outputs', 'BucketName', 'Export'])))),
      /^Outputs\.StorageUrl\.Export\.Name: same export name as output BucketName$/,
    );
  });

  it('unknown sections and intrinsic functions, and malformed arguments', () => {
    const description = [...WORKGROUP, 'Description'];
    assertOneProblem(problemsAfter((t) => setAt(t, ['Output'], {})), /^Output: unknown top-level section \(did you mean Outputs\?\)$/);
    assertOneProblem(problemsAfter((t) => setAt(t, description, { 'Fn::Concat': ['a', 'b'] })), /unknown intrinsic function Fn::Concat/);
    assertOneProblem(problemsAfter((t) => setAt(t, description, { 'Fn::If': ['UseKmsKey', 'a'] })), /Fn::If: expects a list of 3 arguments/);
  });
});

describe('YAML reading', () => {
  it('turns short-form tags into long-form functions', () => {
    const template = parseTemplate(
      [
        'Conditions:',
        '  HasP: !Not [!Equals [!Ref P, ""]]',
        '  Both: !And [!Condition HasP, !Condition HasP]',
        'Resources:',
        '  B:',
        '    Type: AWS::S3::Bucket',
        '    Properties:',
        '      BucketName: !If [HasP, !Sub "${AWS::StackName}-x", !Ref AWS::NoValue]',
        '      Tags: [{ Key: arn, Value: !GetAtt [R, Arn] }, { Key: dotted, Value: !GetAtt R.A.B }]',
        '      Other: !Select [0, !Split [",", !Join [",", [a, b]]]]',
      ].join('\n'),
    );
    assert.deepEqual(template, {
      Conditions: {
        HasP: { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'P' }, ''] }] },
        Both: { 'Fn::And': [{ Condition: 'HasP' }, { Condition: 'HasP' }] },
      },
      Resources: {
        B: {
          Type: 'AWS::S3::Bucket',
          Properties: {
            BucketName: { 'Fn::If': ['HasP', { 'Fn::Sub': '${AWS::StackName}-x' }, { Ref: 'AWS::NoValue' }] },
            Tags: [
              { Key: 'arn', Value: { 'Fn::GetAtt': ['R', 'Arn'] } },
              { Key: 'dotted', Value: { 'Fn::GetAtt': ['R', 'A.B'] } },
            ],
            Other: { 'Fn::Select': [0, { 'Fn::Split': [',', { 'Fn::Join': [',', ['a', 'b']] }] }] },
          },
        },
      },
    });
  });

  it('rejects unknown tags and duplicate keys', () => {
    assert.throws(() => parseTemplate('Resources:\n  A: !Reference B\n'), /unknown YAML tag !Reference/);
    assert.throws(() => parseTemplate('Resources:\n  A: 1\n  A: 2\n'), /invalid YAML/);
  });
});
