/**
 * Checks every intrinsic function call: that Ref, Fn::GetAtt and Fn::Sub name things the template
 * or AWS declares, that Fn::If and Condition name declared conditions, that function arguments
 * have the documented shape, and that a resource which exists only under a condition is referenced
 * only where that condition holds.
 */
import { intrinsicOf, PSEUDO_PARAMETERS, type IntrinsicCall } from '../intrinsics.js';
import { describe, isPlainObject, type Problems, suggestion } from './problems.js';
import type { ResourceSpecs } from './spec.js';
import { sectionOf, type TemplateIndex } from './template-index.js';

interface Scope {
  /** Conditions section: only parameters and pseudo parameters may be referenced. */
  inConditions: boolean;
  /** Conditions known to hold here (the resource's or output's own, and enclosing Fn::If branches). */
  holding: ReadonlySet<string>;
  /** The resource being checked, which must not reference itself. */
  self?: string;
  /** Items of Fn::And / Fn::Or / Fn::Not, where `{ Condition: name }` is a function. */
  conditionList?: boolean;
}

const ARGUMENT_COUNTS: Readonly<Record<string, [min: number, max: number]>> = {
  'Fn::If': [3, 3],
  'Fn::Equals': [2, 2],
  'Fn::Not': [1, 1],
  'Fn::And': [2, 10],
  'Fn::Or': [2, 10],
  'Fn::Join': [2, 2],
  'Fn::Select': [2, 2],
  'Fn::Split': [2, 2],
  'Fn::FindInMap': [3, 4],
  'Fn::Cidr': [3, 3],
};

const OTHER_FUNCTIONS = new Set(['Fn::Base64', 'Fn::GetAZs', 'Fn::ImportValue', 'Fn::ToJsonString', 'Fn::Length', 'Fn::Transform']);

export function checkReferences(
  template: Record<string, unknown>,
  index: TemplateIndex,
  specs: ResourceSpecs,
  problems: Problems,
): void {
  const checker = new ReferenceChecker(index, specs, problems);
  for (const [name, body] of Object.entries(sectionOf(template, 'Conditions'))) {
    checker.walk(body, ['Conditions', name], { inConditions: true, holding: new Set() });
  }
  for (const [id, resource] of Object.entries(sectionOf(template, 'Resources'))) {
    if (!isPlainObject(resource)) continue;
    const holding = new Set(typeof resource.Condition === 'string' ? [resource.Condition] : []);
    for (const key of ['Properties', 'Metadata', 'CreationPolicy', 'UpdatePolicy']) {
      if (key in resource) checker.walk(resource[key], ['Resources', id, key], { inConditions: false, holding, self: id });
    }
  }
  for (const [name, output] of Object.entries(sectionOf(template, 'Outputs'))) {
    if (!isPlainObject(output)) continue;
    const holding = new Set(typeof output.Condition === 'string' ? [output.Condition] : []);
    for (const key of ['Value', 'Export', 'Description']) {
      if (key in output) checker.walk(output[key], ['Outputs', name, key], { inConditions: false, holding });
    }
  }
}

class ReferenceChecker {
  constructor(
    private readonly index: TemplateIndex,
    private readonly specs: ResourceSpecs,
    private readonly problems: Problems,
  ) {}

  walk(value: unknown, path: string[], scope: Scope): void {
    if (Array.isArray(value)) {
      value.forEach((item, i) => this.walk(item, [...path, String(i)], scope));
      return;
    }
    if (!isPlainObject(value)) return;
    const call = intrinsicOf(value, scope.conditionList);
    if (call) return this.checkCall(call, [...path, call.name], { ...scope, conditionList: false });
    for (const [key, item] of Object.entries(value)) this.walk(item, [...path, key], { ...scope, conditionList: false });
  }

  private checkCall(call: IntrinsicCall, path: string[], scope: Scope): void {
    const { name, argument } = call;
    const counts = ARGUMENT_COUNTS[name];
    if (counts) {
      const [min, max] = counts;
      if (!Array.isArray(argument) || argument.length < min || argument.length > max) {
        const expected = min === max ? `${min}` : `${min} to ${max}`;
        this.problems.add(path, `expects a list of ${expected} arguments, got ${describe(argument)}`);
        return;
      }
    }
    switch (name) {
      case 'Ref':
        if (typeof argument !== 'string') return this.problems.add(path, `expects a name, got ${describe(argument)}`);
        return this.checkName(argument, path, scope);
      case 'Fn::GetAtt':
        return this.checkGetAtt(argument, path, scope);
      case 'Fn::Sub':
        return this.checkSub(argument, path, scope);
      case 'Condition':
        if (typeof argument !== 'string') return this.problems.add(path, `expects a condition name, got ${describe(argument)}`);
        return this.checkConditionName(argument, path);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as unknown[];
        if (scope.inConditions) this.problems.add(path, 'Fn::If cannot be used in the Conditions section');
        if (typeof condition !== 'string') this.problems.add([...path, '0'], `expects a condition name, got ${describe(condition)}`);
        else this.checkConditionName(condition, [...path, '0']);
        const holding = new Set(scope.holding);
        if (typeof condition === 'string') holding.add(condition);
        this.walk(whenTrue, [...path, '1'], { ...scope, holding });
        this.walk(whenFalse, [...path, '2'], scope);
        return;
      }
      case 'Fn::And':
      case 'Fn::Or':
      case 'Fn::Not':
        return this.walk(argument, path, { ...scope, conditionList: true });
      case 'Fn::FindInMap': {
        const [mapName] = argument as unknown[];
        if (typeof mapName === 'string' && !this.index.mappings.has(mapName)) {
          this.problems.add([...path, '0'], `unknown mapping ${mapName}`);
        }
        return this.walk(argument, path, scope);
      }
      default:
        if (counts || OTHER_FUNCTIONS.has(name)) return this.walk(argument, path, scope);
        this.problems.add(path, `unknown intrinsic function ${name}`);
    }
  }

  /** A Ref target or Fn::Sub variable without a dot. */
  private checkName(target: string, path: string[], scope: Scope): void {
    if (PSEUDO_PARAMETERS.has(target) || this.index.parameters.has(target)) return;
    if (this.index.resources.has(target)) {
      if (scope.inConditions) return this.problems.add(path, `conditions may reference parameters only, not resource ${target}`);
      return this.checkResourceReference(target, path, scope);
    }
    const known = [...this.index.parameters, ...this.index.resources.keys(), ...PSEUDO_PARAMETERS];
    this.problems.add(path, `${target} names no parameter, resource or pseudo parameter${suggestion(target, known)}`);
  }

  private checkGetAtt(argument: unknown, path: string[], scope: Scope): void {
    let target: unknown;
    let attribute: unknown;
    if (typeof argument === 'string' && argument.includes('.')) {
      const dot = argument.indexOf('.');
      [target, attribute] = [argument.slice(0, dot), argument.slice(dot + 1)];
    } else if (Array.isArray(argument) && argument.length === 2) {
      [target, attribute] = argument;
    } else {
      return this.problems.add(path, `expects [resource, attribute], got ${describe(argument)}`);
    }
    if (typeof target !== 'string') return this.problems.add(path, `expects a resource name, got ${describe(target)}`);
    this.checkAttribute(target, attribute, path, scope);
    if (typeof attribute !== 'string') this.walk(attribute, [...path, '1'], scope);
  }

  /** `Resource.Attribute`, from Fn::GetAtt or a Fn::Sub variable. */
  private checkAttribute(target: string, attribute: unknown, path: string[], scope: Scope): void {
    const entry = this.index.resources.get(target);
    if (!entry) {
      const hint = suggestion(target, this.index.resources.keys());
      return this.problems.add(path, `${target} is not a resource of this template${hint}`);
    }
    if (scope.inConditions) return this.problems.add(path, `conditions cannot read attributes of resource ${target}`);
    this.checkResourceReference(target, path, scope);
    if (typeof attribute !== 'string' || !entry.type) return;
    if (entry.type.startsWith('Custom::') || entry.type === 'AWS::CloudFormation::CustomResource') return;
    if (entry.type === 'AWS::CloudFormation::Stack' && attribute.startsWith('Outputs.')) return;
    const spec = this.specs.resource(entry.type);
    if (spec && !spec.attributes.has(attribute)) {
      const hint = suggestion(attribute, spec.attributes);
      this.problems.add(path, `${entry.type} has no attribute ${attribute}${hint}`);
    }
  }

  private checkSub(argument: unknown, path: string[], scope: Scope): void {
    let text: unknown = argument;
    let variables: Record<string, unknown> = {};
    if (Array.isArray(argument)) {
      if (argument.length !== 2 || !isPlainObject(argument[1])) {
        return this.problems.add(path, `expects a string or [string, { variables }], got ${describe(argument)}`);
      }
      [text, variables] = [argument[0], argument[1]];
      this.walk(variables, [...path, '1'], scope);
    }
    if (typeof text !== 'string') return this.problems.add(path, `expects a string, got ${describe(text)}`);
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      const variable = match[1]!.trim();
      // `${!name}` is the literal text `${name}`.
      if (variable.startsWith('!') || variable in variables) continue;
      if (variable === '') {
        this.problems.add(path, 'empty ${} variable');
      } else if (variable.includes('.') && !PSEUDO_PARAMETERS.has(variable)) {
        const dot = variable.indexOf('.');
        this.checkAttribute(variable.slice(0, dot), variable.slice(dot + 1), path, scope);
      } else {
        this.checkName(variable, path, scope);
      }
    }
  }

  private checkConditionName(condition: string, path: string[]): void {
    if (!this.index.conditions.has(condition)) {
      this.problems.add(path, `unknown condition ${condition}${suggestion(condition, this.index.conditions)}`);
    }
  }

  /** A resource created only under a condition cannot be referenced where that condition may be false. */
  private checkResourceReference(target: string, path: string[], scope: Scope): void {
    if (target === scope.self) return this.problems.add(path, `resource ${target} references itself`);
    const condition = this.index.resources.get(target)?.condition;
    if (condition && !scope.holding.has(condition)) {
      this.problems.add(
        path,
        `${target} exists only when ${condition} is true: reference it inside Fn::If [${condition}, ...] or under the same Condition`,
      );
    }
  }
}
