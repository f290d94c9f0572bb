/**
 * Stack outputs, exported under the stack's name so other stacks can import them.
 */
import { getAtt, ref, sub, subVar } from '../intrinsics.js';
import type { Json, Output } from '../types.js';
import { s3Url } from './arns.js';
import { ATHENA_RESULTS_FOLDER } from './layout.js';
import { RESOURCE } from './names.js';

function exported(description: string, value: Json, name: string): Output {
  return { Description: description, Value: value, Export: { Name: sub(`${subVar('AWS::StackName')}-${name}`) } };
}

const outputList: [name: string, description: string, value: Json][] = [
  ['BucketName', 'Bucket that holds raw records, rollups, reports and Athena results.', ref(RESOURCE.bucket)],
  ['StorageUrl', "The collector's STORAGE_URL.", s3Url('')],
  ['DatabaseName', 'Glue database of the usage tables.', ref(RESOURCE.database)],
  ['WorkGroupName', 'Athena workgroup for the aggregation, reports and the Grafana Athena data source.', ref(RESOURCE.workGroup)],
  ['AthenaResultsLocation', 'Where the workgroup writes query results.', s3Url(`${ATHENA_RESULTS_FOLDER}/`)],
  ['CollectorRoleArn', 'Role of the collector service account (EKS Pod Identity).', getAtt(RESOURCE.collectorRole, 'Arn')],
  ['AggregationRoleArn', 'Role of the aggregation service account (EKS Pod Identity).', getAtt(RESOURCE.aggregationRole, 'Arn')],
  [
    'GrafanaReaderPolicyArn',
    'Managed policy to attach to the role Grafana uses for Athena.',
    getAtt(RESOURCE.grafanaReaderPolicy, 'PolicyArn'),
  ],
];

export const outputs: Record<string, Output> = Object.fromEntries(
  outputList.map(([name, description, value]) => [name, exported(description, value, name)]),
);
