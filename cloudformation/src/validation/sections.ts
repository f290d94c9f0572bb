/**
 * Checks the template's outline: known top-level sections, logical id syntax, no name shared by a
 * parameter and a resource, and well-formed outputs with unique export names.
 */
import { intrinsicOf } from '../intrinsics.js';
import { describe, isPlainObject, type Problems, suggestion } from './problems.js';
import { sectionOf, type TemplateIndex } from './template-index.js';

const SECTIONS = new Set([
  'AWSTemplateFormatVersion',
  'Description',
  'Metadata',
  'Parameters',
  'Rules',
  'Mappings',
  'Conditions',
  'Transform',
  'Resources',
  'Outputs',
]);
const NAMED_SECTIONS = ['Parameters', 'Mappings', 'Conditions', 'Resources', 'Outputs'];
const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Condition']);
const OUTPUT_KEYS = new Set(['Description', 'Value', 'Export', 'Condition']);
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;
const MAX_DESCRIPTION = 1024;

export function checkSections(template: Record<string, unknown>, index: TemplateIndex, problems: Problems): void {
  for (const key of Object.keys(template)) {
    if (!SECTIONS.has(key)) problems.add([key], `unknown top-level section${suggestion(key, SECTIONS)}`);
  }
  const version = template.AWSTemplateFormatVersion;
  if (version !== undefined && version !== '2010-09-09') {
    problems.add(['AWSTemplateFormatVersion'], `must be "2010-09-09", got ${describe(version)}`);
  }
  if (typeof template.Description === 'string' && template.Description.length > MAX_DESCRIPTION) {
    problems.add(['Description'], `longer than ${MAX_DESCRIPTION} characters`);
  }
  for (const name of NAMED_SECTIONS) {
    const section = template[name];
    if (section === undefined) continue;
    if (!isPlainObject(section)) {
      problems.add([name], `expected an object, got ${describe(section)}`);
      continue;
    }
    for (const id of Object.keys(section)) {
      if (!LOGICAL_ID.test(id)) problems.add([name, id], 'names must be 1-255 letters and digits');
    }
  }
  if (Object.keys(sectionOf(template, 'Resources')).length === 0) problems.add(['Resources'], 'a template needs at least one resource');
  for (const name of index.parameters) {
    if (index.resources.has(name)) problems.add(['Parameters', name], 'a resource has the same name');
  }
  for (const [name, body] of Object.entries(sectionOf(template, 'Conditions'))) {
    const call = intrinsicOf(body, true);
    if (!call || !CONDITION_FUNCTIONS.has(call.name)) {
      problems.add(['Conditions', name], 'a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition');
    }
  }
  checkOutputs(template, index, problems);
}

function checkOutputs(template: Record<string, unknown>, index: TemplateIndex, problems: Problems): void {
  const exportNames = new Map<string, string>();
  for (const [name, output] of Object.entries(sectionOf(template, 'Outputs'))) {
    const path = ['Outputs', name];
    if (!isPlainObject(output)) {
      problems.add(path, `expected an object, got ${describe(output)}`);
      continue;
    }
    for (const key of Object.keys(output)) {
      if (!OUTPUT_KEYS.has(key)) problems.add(path, `unknown output attribute ${key}${suggestion(key, OUTPUT_KEYS)}`);
    }
    if (!('Value' in output)) problems.add(path, 'missing Value');
    const { Condition: condition, Export: exported } = output;
    if (condition !== undefined && (typeof condition !== 'string' || !index.conditions.has(condition))) {
      problems.add([...path, 'Condition'], `unknown condition ${String(condition)}`);
    }
    if (exported === undefined) continue;
    if (!isPlainObject(exported) || !('Name' in exported) || Object.keys(exported).length !== 1) {
      problems.add([...path, 'Export'], 'expected { Name: ... }');
      continue;
    }
    // Compare export names as written: the same expression yields the same name.
    const key = JSON.stringify(exported.Name);
    const previous = exportNames.get(key);
    if (previous) problems.add([...path, 'Export', 'Name'], `same export name as output ${previous}`);
    else exportNames.set(key, name);
  }
}
