/**
 * Checks parameter declarations: valid types, constraints that fit the type, patterns that
 * compile, and defaults that satisfy every constraint; and that the console's parameter groups
 * name declared parameters.
 */
import { describe, isPlainObject, type Problems } from './problems.js';
import { sectionOf } from './template-index.js';

const PARAMETER_KEYS = new Set([
  'Type',
  'Default',
  'Description',
  'AllowedPattern',
  'AllowedValues',
  'ConstraintDescription',
  'MinLength',
  'MaxLength',
  'MinValue',
  'MaxValue',
  'NoEcho',
]);

const AWS_PARAMETER_TYPES = [
  'AWS::EC2::AvailabilityZone::Name',
  'AWS::EC2::Image::Id',
  'AWS::EC2::Instance::Id',
  'AWS::EC2::KeyPair::KeyName',
  'AWS::EC2::SecurityGroup::GroupName',
  'AWS::EC2::SecurityGroup::Id',
  'AWS::EC2::Subnet::Id',
  'AWS::EC2::Volume::Id',
  'AWS::EC2::VPC::Id',
  'AWS::Route53::HostedZone::Id',
];

const VALID_TYPES: ReadonlySet<string> = new Set([
  'String',
  'Number',
  'List<Number>',
  'CommaDelimitedList',
  'AWS::SSM::Parameter::Name',
  ...AWS_PARAMETER_TYPES,
  ...AWS_PARAMETER_TYPES.map((t) => `List<${t}>`),
  ...['String', 'List<String>', 'CommaDelimitedList', ...AWS_PARAMETER_TYPES, ...AWS_PARAMETER_TYPES.map((t) => `List<${t}>`)].map(
    (t) => `AWS::SSM::Parameter::Value<${t}>`,
  ),
]);

type Kind = 'string' | 'number' | 'other';

function kindOf(type: string): Kind {
  if (type === 'Number' || type === 'List<Number>') return 'number';
  if (type === 'String' || type === 'CommaDelimitedList') return 'string';
  return 'other';
}

export function checkParameters(template: Record<string, unknown>, problems: Problems): void {
  const declared = sectionOf(template, 'Parameters');
  for (const [name, parameter] of Object.entries(declared)) {
    const path = ['Parameters', name];
    if (!isPlainObject(parameter)) {
      problems.add(path, `expected an object, got ${describe(parameter)}`);
      continue;
    }
    checkParameter(parameter, path, problems);
  }
  checkParameterGroups(template, new Set(Object.keys(declared)), problems);
}

function checkParameter(parameter: Record<string, unknown>, path: string[], problems: Problems): void {
  for (const key of Object.keys(parameter)) {
    if (!PARAMETER_KEYS.has(key)) problems.add(path, `unknown parameter attribute ${key}`);
  }
  const { Type: type } = parameter;
  if (typeof type !== 'string') return problems.add(path, 'missing Type');
  if (!VALID_TYPES.has(type)) return problems.add([...path, 'Type'], `invalid parameter type ${type}`);
  const kind = kindOf(type);

  for (const key of ['MinLength', 'MaxLength', 'MinValue', 'MaxValue']) {
    if (key in parameter && typeof parameter[key] !== 'number') {
      problems.add([...path, key], `expected a number, got ${describe(parameter[key])}`);
    }
  }
  for (const key of ['AllowedPattern', 'MinLength', 'MaxLength']) {
    if (key in parameter && kind !== 'string') problems.add([...path, key], `applies to String parameters only, not ${type}`);
  }
  for (const key of ['MinValue', 'MaxValue']) {
    if (key in parameter && kind !== 'number') problems.add([...path, key], `applies to Number parameters only, not ${type}`);
  }
  if ('AllowedValues' in parameter && !Array.isArray(parameter.AllowedValues)) {
    problems.add([...path, 'AllowedValues'], `expected a list, got ${describe(parameter.AllowedValues)}`);
  }

  let pattern: RegExp | undefined;
  if (typeof parameter.AllowedPattern === 'string') {
    try {
      // CloudFormation matches the whole value (Java `matches`).
      pattern = new RegExp(`^(?:${parameter.AllowedPattern})$`);
    } catch (error) {
      problems.add([...path, 'AllowedPattern'], `does not compile: ${(error as Error).message}`);
    }
  } else if ('AllowedPattern' in parameter) {
    problems.add([...path, 'AllowedPattern'], `expected a string, got ${describe(parameter.AllowedPattern)}`);
  }

  if ('Default' in parameter) checkDefault(parameter, type, kind, pattern, [...path, 'Default'], problems);
}

function checkDefault(
  parameter: Record<string, unknown>,
  type: string,
  kind: Kind,
  pattern: RegExp | undefined,
  path: string[],
  problems: Problems,
): void {
  const value = parameter.Default;
  if (typeof value !== 'string' && typeof value !== 'number') {
    return problems.add(path, `expected a string or number, got ${describe(value)}`);
  }
  const text = String(value);
  const items = type.startsWith('List<') || type === 'CommaDelimitedList' ? text.split(',') : [text];
  const allowed = Array.isArray(parameter.AllowedValues) ? parameter.AllowedValues.map(String) : undefined;
  for (const item of items) {
    const shown = JSON.stringify(item);
    if (allowed && !allowed.includes(item)) problems.add(path, `${shown} is not among AllowedValues`);
    if (kind === 'number') {
      const number = Number(item);
      if (item.trim() === '' || !Number.isFinite(number)) {
        problems.add(path, `${shown} is not a number`);
        continue;
      }
      if (typeof parameter.MinValue === 'number' && number < parameter.MinValue) problems.add(path, `${shown} is below MinValue ${parameter.MinValue}`);
      if (typeof parameter.MaxValue === 'number' && number > parameter.MaxValue) problems.add(path, `${shown} is above MaxValue ${parameter.MaxValue}`);
    }
    if (kind === 'string') {
      if (pattern && !pattern.test(item)) problems.add(path, `${shown} does not match AllowedPattern`);
      if (typeof parameter.MinLength === 'number' && item.length < parameter.MinLength) problems.add(path, `${shown} is shorter than MinLength ${parameter.MinLength}`);
      if (typeof parameter.MaxLength === 'number' && item.length > parameter.MaxLength) problems.add(path, `${shown} is longer than MaxLength ${parameter.MaxLength}`);
    }
  }
}

function checkParameterGroups(template: Record<string, unknown>, declared: ReadonlySet<string>, problems: Problems): void {
  const ui = sectionOf(template, 'Metadata')['AWS::CloudFormation::Interface'];
  if (!isPlainObject(ui) || !Array.isArray(ui.ParameterGroups)) return;
  ui.ParameterGroups.forEach((group: unknown, i: number) => {
    const names = isPlainObject(group) && Array.isArray(group.Parameters) ? group.Parameters : [];
    for (const name of names) {
      if (typeof name !== 'string' || !declared.has(name)) {
        problems.add(['Metadata', 'AWS::CloudFormation::Interface', 'ParameterGroups', String(i)], `unknown parameter ${String(name)}`);
      }
    }
  });
}
