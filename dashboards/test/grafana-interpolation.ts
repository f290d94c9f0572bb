/**
 * Fills in Grafana's template variables the way Grafana does before a query leaves the browser,
 * so generated PromQL and SQL can run outside Grafana: promtool for PromQL, DuckDB and the Trino
 * grammar for SQL. A variable the map does not know is an error, never left in place.
 */
export function interpolateGrafanaVariables(text: string, values: Readonly<Record<string, string>>): string {
  // `$1` in label_replace is no variable: Grafana leaves names it does not know alone, and no variable starts with a digit.
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    if (name.startsWith('__') && !(name in values)) return match; // macros such as $__timeFrom are the data source's
    const key = format ? `${name}:${format}` : name;
    const value = values[key] ?? values[name];
    if (value === undefined) throw new Error(`no value for Grafana variable ${match}`);
    return value;
  });
  return out;
}
