/** Grafana's template variables, read as the shared model's lookup (which escapes every value itself). */
import type { ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { TemplateVariableLookup } from '@hyperpod-usage/model';

const ALL = '$__all';

const asList = (value: unknown): string[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

export function variableLookup(templateSrv: TemplateSrv, scopedVars: ScopedVars = {}): TemplateVariableLookup {
  return (name) => {
    // Repeated panels and rows carry their own value of the variable.
    const scoped = scopedVars[name];
    if (scoped) return { values: asList(scoped.value), all: false };
    const variable = templateSrv.getVariables().find((v) => v.name === name);
    if (!variable) return undefined;
    const current = 'current' in variable ? (variable.current as { value?: unknown } | undefined)?.value : undefined;
    const values = asList(current);
    return values.includes(ALL) ? { values: [], all: true } : { values, all: false };
  };
}
