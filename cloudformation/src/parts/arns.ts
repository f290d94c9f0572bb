/**
 * ARNs and S3 URLs of the stack's own resources, as template values.
 */
import { getAtt, sub, subVar } from '../intrinsics.js';
import type { Json } from '../types.js';
import { PARAM, RESOURCE } from './names.js';

const serviceArnPrefix = (service: string): string =>
  `arn:${subVar('AWS::Partition')}:${service}:${subVar('AWS::Region')}:${subVar('AWS::AccountId')}`;

export const bucketArn: Json = getAtt(RESOURCE.bucket, 'Arn');

/** Every object in the bucket. */
export const allObjectsArn: Json = sub(`${subVar(`${RESOURCE.bucket}.Arn`)}/*`);

/** Every object under a folder of the bucket (`folder` may hold `${...}` variables). */
export const objectsArn = (folder: string): Json => sub(`${subVar(`${RESOURCE.bucket}.Arn`)}/${folder}/*`);

/** Objects matching a key pattern (IAM wildcards, may hold `${...}` variables). */
export const objectsMatchingArn = (keyPattern: string): Json => sub(`${subVar(`${RESOURCE.bucket}.Arn`)}/${keyPattern}`);

/** The exports folder named by the ExportsPrefix parameter. */
export const exportsObjectsArn: Json = objectsArn(subVar(PARAM.exportsPrefix));

/** `s3://<bucket>/<path>` (path without a leading slash; empty for the bucket itself). */
export const s3Url = (path: string): Json => sub(`s3://${subVar(RESOURCE.bucket)}${path ? `/${path}` : ''}`);

export const workGroupArn: Json = sub(`${serviceArnPrefix('athena')}:workgroup/${subVar(RESOURCE.workGroup)}`);

/** The account's Glue catalog as Athena names it. */
const AWS_DATA_CATALOG = 'AwsDataCatalog';
export const dataCatalogArn: Json = sub(`${serviceArnPrefix('athena')}:datacatalog/${AWS_DATA_CATALOG}`);

/** Glue read grants need the catalog, the database and the tables. */
export const glueCatalogArns: Json[] = [
  sub(`${serviceArnPrefix('glue')}:catalog`),
  sub(`${serviceArnPrefix('glue')}:database/${subVar(RESOURCE.database)}`),
  sub(`${serviceArnPrefix('glue')}:table/${subVar(RESOURCE.database)}/*`),
];

/** Glue grants to create or drop tables need the catalog, the database and the table names. */
export function glueStagingArns(tablePrefix: string): Json[] {
  return [
    sub(`${serviceArnPrefix('glue')}:catalog`),
    sub(`${serviceArnPrefix('glue')}:database/${subVar(RESOURCE.database)}`),
    sub(`${serviceArnPrefix('glue')}:table/${subVar(RESOURCE.database)}/${tablePrefix}*`),
  ];
}
