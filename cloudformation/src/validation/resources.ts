/**
 * Checks each resource: its type exists in the schemas, its attributes (Condition, DependsOn,
 * DeletionPolicy, UpdateReplacePolicy) are valid, and its properties match the type's schema.
 */
import { checkResourceProperties } from './properties.js';
import { describe, isPlainObject, type Problems, suggestion } from './problems.js';
import type { ResourceSpecs } from './spec.js';
import { sectionOf, type TemplateIndex } from './template-index.js';

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'Condition',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);
const DELETION_POLICIES = ['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot'];
const UPDATE_REPLACE_POLICIES = ['Delete', 'Retain', 'Snapshot'];
export function checkResources(
  template: Record<string, unknown>,
  index: TemplateIndex,
  specs: ResourceSpecs,
  problems: Problems,
): void {
  for (const [id, resource] of Object.entries(sectionOf(template, 'Resources'))) {
    const path = ['Resources', id];
    if (!isPlainObject(resource)) {
      problems.add(path, `expected an object, got ${describe(resource)}`);
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.add(path, `unknown resource attribute ${key}${suggestion(key, RESOURCE_KEYS)}`);
    }
    checkAttributes(id, resource, index, path, problems);
    const type = resource.Type;
    if (typeof type !== 'string') {
      problems.add(path, 'missing Type');
      continue;
    }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') continue;
    const spec = specs.resource(type);
    if (!spec) {
      problems.add([...path, 'Type'], `unknown resource type ${type}`);
      continue;
    }
    checkResourceProperties(spec, resource.Properties, [...path, 'Properties'], specs, problems);
  }
}

function checkAttributes(
  id: string,
  resource: Record<string, unknown>,
  index: TemplateIndex,
  path: string[],
  problems: Problems,
): void {
  const { Condition: condition, DependsOn: dependsOn, DeletionPolicy: deletion, UpdateReplacePolicy: replace } = resource;
  if (condition !== undefined && (typeof condition !== 'string' || !index.conditions.has(condition))) {
    problems.add([...path, 'Condition'], `unknown condition ${String(condition)}${suggestion(String(condition), index.conditions)}`);
  }
  if (dependsOn !== undefined) {
    const targets = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
    for (const target of targets) {
      if (typeof target !== 'string' || !index.resources.has(target)) {
        problems.add([...path, 'DependsOn'], `${String(target)} is not a resource of this template`);
      } else if (target === id) {
        problems.add([...path, 'DependsOn'], 'a resource cannot depend on itself');
      }
    }
  }
  for (const [key, value, allowed] of [
    ['DeletionPolicy', deletion, DELETION_POLICIES],
    ['UpdateReplacePolicy', replace, UPDATE_REPLACE_POLICIES],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || !allowed.includes(value)) {
      problems.add([...path, key], `${describe(value)} is not one of ${allowed.join(', ')}`);
    }
  }
}
