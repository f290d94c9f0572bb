/**
 * Checks resource properties against the resource schemas: names at every level, required
 * properties, and the kind of every literal value. Values computed by intrinsic functions are
 * known only at deploy time and pass, except `Fn::If`, whose two branches are each checked.
 */
import { intrinsicOf } from '../intrinsics.js';
import { describe, isPlainObject, Problems, suggestion } from './problems.js';
import type { ResourceSpecs, SpecObject, SpecResource, SpecType } from './spec.js';

/** The legacy `tag` type of the schemas: a `{ Key, Value }` pair. */
const TAG: SpecObject = {
  name: 'Tag',
  properties: { Key: { type: { type: 'string' }, required: true }, Value: { type: { type: 'string' }, required: true } },
};

export function checkResourceProperties(
  resource: SpecResource,
  properties: unknown,
  path: string[],
  specs: ResourceSpecs,
  problems: Problems,
): void {
  const checker = new PropertyChecker(resource.name, specs, problems);
  if (properties === undefined) checker.checkObject({}, resource, path);
  else if (!isPlainObject(properties)) problems.add(path, `expected an object, got ${describe(properties)}`);
  else checker.checkObject(properties, resource, path);
}

class PropertyChecker {
  constructor(
    private readonly resourceType: string,
    private readonly specs: ResourceSpecs,
    private readonly problems: Problems,
  ) {}

  checkObject(value: Record<string, unknown>, spec: SpecObject, path: string[]): void {
    for (const [name, item] of Object.entries(value)) {
      const property = spec.properties[name];
      if (!property) {
        const known = Object.keys(spec.properties);
        this.problems.add(path, `unknown property ${name} of ${spec.name}${suggestion(name, known)}`);
        continue;
      }
      if (property.deprecated && property.deprecated !== 'NONE') {
        this.problems.add([...path, name], `${spec.name} marks ${name} as deprecated`);
      }
      this.checkValue(item, property.type, [...path, name]);
    }
    for (const [name, property] of Object.entries(spec.properties)) {
      if (property.required && !(name in value)) {
        this.problems.add(path, `missing required property ${name} of ${spec.name}`);
      }
    }
  }

  checkValue(value: unknown, type: SpecType, path: string[]): void {
    const call = intrinsicOf(value);
    if (call) {
      if (call.name === 'Fn::If' && Array.isArray(call.argument) && call.argument.length === 3) {
        this.checkValue(call.argument[1], type, [...path, 'Fn::If', '1']);
        this.checkValue(call.argument[2], type, [...path, 'Fn::If', '2']);
      }
      return;
    }
    switch (type.type) {
      case 'string':
        if (typeof value !== 'string') return this.mismatch(path, 'a string', value);
        if (type.allowedValues && !type.allowedValues.includes(value)) {
          this.problems.add(path, `${JSON.stringify(value)} is not one of ${type.allowedValues.join(', ')}`);
        }
        return;
      case 'date-time':
        if (typeof value !== 'string') this.mismatch(path, 'a date-time string', value);
        return;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) return this.mismatch(path, 'an integer', value);
        if (type.allowedValues && !type.allowedValues.includes(value)) {
          this.problems.add(path, `${value} is not one of ${type.allowedValues.join(', ')}`);
        }
        return;
      case 'number':
        if (typeof value !== 'number') this.mismatch(path, 'a number', value);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.mismatch(path, 'a boolean', value);
        return;
      case 'json':
      case 'null':
        return;
      case 'tag':
        if (!isPlainObject(value)) return this.mismatch(path, 'a { Key, Value } tag', value);
        return this.checkObject(value, TAG, path);
      case 'array':
        if (!Array.isArray(value)) return this.mismatch(path, 'a list', value);
        value.forEach((item, index) => this.checkValue(item, type.element, [...path, String(index)]));
        return;
      case 'map':
        if (!isPlainObject(value)) return this.mismatch(path, 'a map', value);
        for (const [key, item] of Object.entries(value)) this.checkValue(item, type.element, [...path, key]);
        return;
      case 'ref':
        if (!isPlainObject(value)) return this.mismatch(path, 'an object', value);
        return this.checkObject(value, this.specs.definition(type, this.resourceType), path);
      case 'union':
        return this.checkUnion(value, type.types, path);
    }
  }

  /** A union accepts the value when one member does; otherwise the closest member's problems stand. */
  private checkUnion(value: unknown, members: SpecType[], path: string[]): void {
    let closest: Problems | undefined;
    for (const member of members) {
      const trial = new Problems();
      new PropertyChecker(this.resourceType, this.specs, trial).checkValue(value, member, path);
      if (trial.list.length === 0) return;
      if (!closest || trial.list.length < closest.list.length) closest = trial;
    }
    if (closest) this.problems.merge(closest);
  }

  private mismatch(path: string[], expected: string, value: unknown): void {
    this.problems.add(path, `expected ${expected}, got ${describe(value)}`);
  }
}
