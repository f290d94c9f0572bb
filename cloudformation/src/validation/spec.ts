/**
 * The CloudFormation resource provider schemas, as `@aws-cdk/aws-service-spec` ships them, reduced
 * to what the validator reads: property names and types, required flags and attributes.
 */
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';

export type SpecType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };

export interface SpecProperty {
  type: SpecType;
  required?: boolean;
  deprecated?: string;
}

export interface SpecObject {
  /** Name for messages: `AWS::S3::Bucket` or `AWS::S3::Bucket.Rule`. */
  name: string;
  properties: Readonly<Record<string, SpecProperty>>;
}

export interface SpecResource extends SpecObject {
  attributes: ReadonlySet<string>;
}

export interface ResourceSpecs {
  resource(cloudFormationType: string): SpecResource | undefined;
  /** The object type a `ref` property type points to. */
  definition(type: Extract<SpecType, { type: 'ref' }>, ownerType: string): SpecObject;
}

let loaded: ResourceSpecs | undefined;

/** Loads the bundled database once (about half a second). */
export function resourceSpecs(): ResourceSpecs {
  loaded ??= open();
  return loaded;
}

function open(): ResourceSpecs {
  const db = loadAwsServiceSpecSync();
  const resources = new Map<string, SpecResource | undefined>();
  return {
    resource(cloudFormationType) {
      if (!resources.has(cloudFormationType)) {
        const [found] = db.lookup('resource', 'cloudFormationType', 'equals', cloudFormationType);
        resources.set(
          cloudFormationType,
          found && {
            name: cloudFormationType,
            properties: found.properties as Record<string, SpecProperty>,
            attributes: new Set(Object.keys(found.attributes)),
          },
        );
      }
      return resources.get(cloudFormationType);
    },
    definition(type, ownerType) {
      const definition = db.get('typeDefinition', type.reference.$ref);
      return { name: `${ownerType}.${definition.name}`, properties: definition.properties as Record<string, SpecProperty> };
    },
  };
}
