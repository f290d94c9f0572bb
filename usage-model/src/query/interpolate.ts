/**
 * Grafana template variables in usage queries. The data source resolves variables itself and
 * never pastes text into SQL: a filter value that is exactly a variable reference (`$team`,
 * `${team}`, `${team:csv}`, `[[team]]`) becomes that variable's values, each of which then
 * enters the SQL as exactly one escaped literal; "All" drops the restriction. A reference inside
 * a longer value is replaced by the variable's single value. Unknown names (`$__interval`,
 * `$nope`) are left as they are, so they match only that literal text.
 *
 * For raw SQL, `sqlLiterals` is the format function to give Grafana's `templateSrv.replace`.
 */
import { sqlText } from '../sql/dialect.js';
import { QueryModelError, type DimensionFilter } from './types.js';

/** A template variable's current value, as the data source reads it from Grafana. */
export interface TemplateVariableValue {
  /** The selected values (the text of each option's value). */
  values: readonly string[];
  /** "All" is selected: every value, however many there are. */
  all: boolean;
}

/** The current value of the variable `name`, or undefined when there is no such variable. */
export type TemplateVariableLookup = (name: string) => TemplateVariableValue | undefined;

// `$name`, `${name}`, `${name:format}`, `${name.field}`, `[[name]]`, `[[name:format]]`, as Grafana spells them.
const REFERENCE = /\$(\w+)|\$\{(\w+)(?:\.[^:}]+)?(?::[^}]+)?\}|\[\[(\w+)(?::\w+)?\]\]/g;

const nameOf = (m: RegExpExecArray | RegExpMatchArray): string => (m[1] ?? m[2] ?? m[3]) as string;

/** The variable a value consists of, if it is exactly one known reference. */
function wholeReference(value: string, lookup: TemplateVariableLookup): TemplateVariableValue | undefined {
  const matches = [...value.matchAll(REFERENCE)];
  const m = matches[0];
  if (matches.length !== 1 || !m || m[0] !== value) return undefined;
  return lookup(nameOf(m));
}

/** A value with references inside it replaced by single-valued variables. */
function substitute(value: string, lookup: TemplateVariableLookup): string {
  return value.replace(REFERENCE, (...args: unknown[]) => {
    const text = args[0] as string;
    const name = (args[1] ?? args[2] ?? args[3]) as string;
    const v = lookup(name);
    if (!v) return text;
    if (v.all || v.values.length !== 1) throw new QueryModelError(`$${name} has several values; use it as a whole filter value, not inside ${JSON.stringify(value)}`);
    return v.values[0] as string;
  });
}

/** Values with variables expanded, or 'all' when one of them is a variable set to All. */
export function interpolateValues(values: readonly string[], lookup: TemplateVariableLookup): string[] | 'all' {
  const out: string[] = [];
  for (const value of values) {
    const whole = wholeReference(value, lookup);
    if (whole) {
      if (whole.all) return 'all';
      out.push(...whole.values);
    } else {
      out.push(substitute(value, lookup));
    }
  }
  return [...new Set(out)];
}

/**
 * Filters with variables expanded. A filter whose variable is All is dropped (no restriction);
 * an excluding filter set to All excludes everything.
 */
export function interpolateFilters(filters: readonly DimensionFilter[], lookup: TemplateVariableLookup): DimensionFilter[] {
  return filters.flatMap((f): DimensionFilter[] => {
    const values = interpolateValues(f.values, lookup);
    if (values === 'all') return f.exclude ? [{ dimension: f.dimension, values: [] }] : [];
    return [{ ...f, values }];
  });
}

/** Cluster names with variables expanded; All (or nothing left) means every cluster: []. */
export function interpolateClusters(clusters: readonly string[], lookup: TemplateVariableLookup): string[] {
  const values = interpolateValues(clusters, lookup);
  return values === 'all' ? [] : values;
}

/**
 * Grafana's format function for raw SQL: `templateSrv.replace(sql, scopedVars, sqlLiterals)`
 * turns `team IN ($team)` into `team IN ('a', 'b')`, one literal per value; no value at all
 * becomes NULL, which matches nothing and keeps `IN (...)` valid.
 */
export function sqlLiterals(value: string | readonly string[]): string {
  const values = typeof value === 'string' ? [value] : [...value];
  return values.length === 0 ? 'NULL' : values.map(sqlText).join(', ');
}
