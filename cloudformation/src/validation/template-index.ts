/**
 * The names a template declares, for resolving references.
 */
import { isPlainObject } from './problems.js';

export interface ResourceEntry {
  type: string | undefined;
  condition: string | undefined;
}

export interface TemplateIndex {
  parameters: ReadonlySet<string>;
  conditions: ReadonlySet<string>;
  mappings: ReadonlySet<string>;
  resources: ReadonlyMap<string, ResourceEntry>;
}

/** A top-level section as an object; empty when missing or malformed (the section check reports that). */
export function sectionOf(template: Record<string, unknown>, name: string): Record<string, unknown> {
  const section = template[name];
  return isPlainObject(section) ? section : {};
}

export function indexTemplate(template: Record<string, unknown>): TemplateIndex {
  const resources = new Map<string, ResourceEntry>();
  for (const [id, resource] of Object.entries(sectionOf(template, 'Resources'))) {
    const entry = isPlainObject(resource) ? resource : {};
    resources.set(id, {
      type: typeof entry.Type === 'string' ? entry.Type : undefined,
      condition: typeof entry.Condition === 'string' ? entry.Condition : undefined,
    });
  }
  return {
    parameters: new Set(Object.keys(sectionOf(template, 'Parameters'))),
    conditions: new Set(Object.keys(sectionOf(template, 'Conditions'))),
    mappings: new Set(Object.keys(sectionOf(template, 'Mappings'))),
    resources,
  };
}
