/**
 * SQL text for two engines from one generator: Athena engine 3 (Trino) and DuckDB (the
 * embedded default). The generator writes the forms that mean the same in both (see
 * reference/aws-athena-facts.md §3): millisecond date_diff on millisecond data, explicit
 * DOUBLE division, coalesced arguments to least/greatest, INTERVAL literals, and
 * `sequence` (a DuckDB macro). Values enter SQL only through the literal helpers here.
 */
export type Dialect = 'athena' | 'duckdb';

export class SqlValueError extends Error {}

/** A string literal with quotes doubled; control characters refused rather than smuggled. */
export function sqlString(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) throw new SqlValueError('control characters are not allowed in SQL values');
  return `'${value.replace(/'/g, "''")}'`;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;

/** A lower-case identifier, double-quoted; anything else is refused. */
export function sqlIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new SqlValueError(`invalid identifier ${JSON.stringify(name.slice(0, 64))}`);
  return `"${name}"`;
}

/** `TIMESTAMP 'YYYY-MM-DD HH:MM:SS.mmm'` (UTC, millisecond precision, as the data is). */
export function sqlTimestamp(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new SqlValueError(`invalid time ${epochMs}`);
  const iso = new Date(epochMs).toISOString();
  return `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}'`;
}

export function sqlDate(epochMs: number): string {
  if (!Number.isFinite(epochMs)) throw new SqlValueError(`invalid time ${epochMs}`);
  return `DATE '${new Date(epochMs).toISOString().slice(0, 10)}'`;
}

export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new SqlValueError(`invalid number ${value}`);
  return String(value);
}

/** Later than any time in the data: stands for "no end" where least() must not see NULL. */
export const FAR_FUTURE = "TIMESTAMP '9999-12-31 00:00:00.000'";
/** Earlier than any time in the data. */
export const FAR_PAST = "TIMESTAMP '1970-01-01 00:00:00.000'";

/** Milliseconds from a to b, exact on millisecond-precision timestamps in both engines. */
export const millisBetween = (a: string, b: string): string => `date_diff('millisecond', ${a}, ${b})`;

/** Hours from a to b as DOUBLE. */
export const hoursBetween = (a: string, b: string): string => `CAST(${millisBetween(a, b)} AS DOUBLE) / 3600000.0`;

/**
 * A string value for SQL that a Grafana data source rewrites before it runs: Grafana's template
 * service replaces `$var`, `${var}` and `[[var]]` anywhere in the text, and the Athena backend's
 * macros (`$__name(...)`) match inside string literals too. So no literal this returns holds `$`
 * or `[`: those characters are spliced in as `chr(36)` and `chr(91)` (Trino and DuckDB alike), and
 * the value is one parenthesised expression. Values without them stay one plain literal.
 */
export function sqlText(value: string): string {
  const quoted = sqlString(value);
  if (!/[$[]/.test(value)) return quoted;
  const pieces = value.split(/([$[])/).filter((p) => p !== '');
  return `(${pieces.map((p) => (p === '$' ? 'chr(36)' : p === '[' ? 'chr(91)' : sqlString(p))).join(' || ')})`;
}
