/**
 * Builders and recognisers for CloudFormation intrinsic functions, in their long (JSON) form.
 * The template builders, the YAML renderer and the validator all agree on this one representation.
 */
import type { Json } from './types.js';

/** Long-form function names and the short-form YAML tag of each. */
export const SHORT_FORM_TAGS: Readonly<Record<string, string>> = {
  Ref: '!Ref',
  Condition: '!Condition',
  'Fn::And': '!And',
  'Fn::Base64': '!Base64',
  'Fn::Cidr': '!Cidr',
  'Fn::Equals': '!Equals',
  'Fn::FindInMap': '!FindInMap',
  'Fn::GetAtt': '!GetAtt',
  'Fn::GetAZs': '!GetAZs',
  'Fn::If': '!If',
  'Fn::ImportValue': '!ImportValue',
  'Fn::Join': '!Join',
  'Fn::Length': '!Length',
  'Fn::Not': '!Not',
  'Fn::Or': '!Or',
  'Fn::Select': '!Select',
  'Fn::Split': '!Split',
  'Fn::Sub': '!Sub',
  'Fn::ToJsonString': '!ToJsonString',
  'Fn::Transform': '!Transform',
};

export const PSEUDO_PARAMETERS: ReadonlySet<string> = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

export interface IntrinsicCall {
  name: string;
  argument: unknown;
}

/**
 * The function call a value stands for, or undefined for plain data. `{ Condition: name }` is a
 * function only inside condition functions, so callers say whether that form counts.
 */
export function intrinsicOf(value: unknown, conditionRefCounts = false): IntrinsicCall | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const name = keys[0]!;
  const isFunction = name === 'Ref' || name.startsWith('Fn::') || (conditionRefCounts && name === 'Condition');
  return isFunction ? { name, argument: (value as Record<string, unknown>)[name] } : undefined;
}

export const ref = (name: string): Json => ({ Ref: name });

export function sub(text: string, variables?: { [name: string]: Json }): Json {
  return variables ? { 'Fn::Sub': [text, variables] } : { 'Fn::Sub': text };
}

export const getAtt = (logicalId: string, attribute: string): Json => ({ 'Fn::GetAtt': [logicalId, attribute] });

export const ifCondition = (condition: string, whenTrue: Json, whenFalse: Json): Json => ({
  'Fn::If': [condition, whenTrue, whenFalse],
});

export const equals = (left: Json, right: Json): Json => ({ 'Fn::Equals': [left, right] });

export const not = (condition: Json): Json => ({ 'Fn::Not': [condition] });

/** Removes the property (or list item) it stands in for. */
export const NO_VALUE: Json = ref('AWS::NoValue');

/** `${name}` inside a Fn::Sub string: a parameter, resource, `Resource.Attribute` or pseudo parameter. */
export const subVar = (name: string): string => '${' + name + '}';

/** `${!name}` inside a Fn::Sub string renders the literal text `${name}`. */
export const subLiteral = (name: string): string => '${!' + name + '}';
