/**
 * Reading the generated template in tests: resources by type, policy statements with every
 * conditional branch, and intrinsic values as the text they stand for.
 */
import assert from 'node:assert/strict';
import { intrinsicOf } from '../src/intrinsics.js';
import { buildTemplate } from '../src/template.js';
import type { Json, Resource, Template } from '../src/types.js';

export const template: Template = buildTemplate();

export function resource(logicalId: string): Resource {
  const found = template.Resources[logicalId];
  assert.ok(found, `resource ${logicalId}`);
  return found;
}

export function props(logicalId: string): Record<string, Json> {
  const found = resource(logicalId).Properties;
  assert.ok(found, `properties of ${logicalId}`);
  return found;
}

/** `{ Ref: X }` → `${X}`, `Fn::GetAtt [A, B]` → `${A.B}`, `Fn::Sub 's'` → `s`; plain strings as they are. */
export function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  const call = intrinsicOf(value);
  if (call?.name === 'Ref') return '${' + String(call.argument) + '}';
  if (call?.name === 'Fn::GetAtt' && Array.isArray(call.argument)) return '${' + call.argument.join('.') + '}';
  if (call?.name === 'Fn::Sub' && typeof call.argument === 'string') return call.argument;
  throw new Error(`no text form for ${JSON.stringify(value)}`);
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, unknown>>;
  /** The condition the statement exists under, if any. */
  onlyIf?: string;
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Every statement a policy document may contain, whichever way its conditions go. */
export function statementsOf(document: unknown): Statement[] {
  const statements = asList((document as { Statement: unknown }).Statement);
  return statements.flatMap((item): Statement[] => {
    const call = intrinsicOf(item);
    if (call?.name === 'Fn::If') {
      const [condition, whenTrue, whenFalse] = call.argument as [string, unknown, unknown];
      return [whenTrue, whenFalse]
        .filter((branch) => intrinsicOf(branch)?.argument !== 'AWS::NoValue')
        .map((branch) => ({ ...toStatement(branch), onlyIf: condition }));
    }
    return [toStatement(item)];
  });
}

function toStatement(raw: unknown): Statement {
  const s = raw as Record<string, unknown>;
  return {
    ...(s as object),
    Effect: s.Effect as Statement['Effect'],
    Action: asList(s.Action).map(String),
    Resource: asList(s.Resource).map(asText),
  } as Statement;
}

/** All statements of a role's inline policies. */
export function roleStatements(logicalId: string): Statement[] {
  const policies = props(logicalId).Policies as { PolicyDocument: unknown }[];
  return policies.flatMap((policy) => statementsOf(policy.PolicyDocument));
}

type Path = readonly (string | number)[];
type Container = Record<string | number, unknown>;

function parentOf(root: unknown, path: Path): Container {
  const parent = getAt(root, path.slice(0, -1));
  assert.ok(parent !== null && typeof parent === 'object', `no object at ${path.slice(0, -1).join('.')}`);
  return parent as Container;
}

/** The value at a path of keys and list indexes. */
export function getAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, key) => (value === null || typeof value !== 'object' ? undefined : (value as Container)[key]), root);
}

export function setAt(root: unknown, path: Path, value: unknown): void {
  parentOf(root, path)[path.at(-1)!] = value;
}

export function deleteAt(root: unknown, path: Path): void {
  delete parentOf(root, path)[path.at(-1)!];
}

/** Renames a key, keeping its value. */
export function renameAt(root: unknown, path: Path, newKey: string): void {
  const parent = parentOf(root, path);
  parent[newKey] = parent[path.at(-1)!];
  delete parent[path.at(-1)!];
}
