/**
 * The shape of a CloudFormation template as plain data. Intrinsic functions are kept in their long
 * form (`{ Ref: 'X' }`, `{ 'Fn::Sub': '...' }`); the renderer turns them into short-form tags.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Parameter {
  Type: string;
  Description?: string;
  Default?: string | number;
  AllowedPattern?: string;
  AllowedValues?: (string | number)[];
  ConstraintDescription?: string;
  MinLength?: number;
  MaxLength?: number;
  MinValue?: number;
  MaxValue?: number;
  NoEcho?: boolean;
}

export type DeletionPolicy = 'Delete' | 'Retain' | 'RetainExceptOnCreate' | 'Snapshot';

export interface Resource {
  Type: string;
  Condition?: string;
  DependsOn?: string | string[];
  DeletionPolicy?: DeletionPolicy;
  UpdateReplacePolicy?: Exclude<DeletionPolicy, 'RetainExceptOnCreate'>;
  Properties?: { [name: string]: Json };
}

export interface Output {
  Description?: string;
  Value: Json;
  Export?: { Name: Json };
  Condition?: string;
}

export interface Template {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Metadata?: { [key: string]: Json };
  Parameters: { [name: string]: Parameter };
  Conditions: { [name: string]: Json };
  Resources: { [logicalId: string]: Resource };
  Outputs: { [name: string]: Output };
}
