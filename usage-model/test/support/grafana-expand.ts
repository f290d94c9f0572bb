/**
 * What Grafana and the Athena data source do to SQL text before it runs, modelled for tests:
 * the template service replaces `$name`, `${name}`, `${name.field}`, `${name:format}` and
 * `[[name]]` / `[[name:format]]` of known variables anywhere in the text (its variable regex),
 * and the Athena backend expands `$__macro` / `$__macro(args)` anywhere, string literals
 * included (sqlutil's macro regex `\$__name\b(?:\((.*?)\))?`). Each replacement carries a quote,
 * as real macro output does, so a rewrite inside a literal would end it early.
 */
const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;
const MACRO = /\$__(\w+)\b(?:\((.*?)\))?/g;

/** Variables a dashboard could have, named like the references hostile values contain. */
const KNOWN = new Set(['team', 'x', 'cluster', 'namespace', 'task', 'all', '__all']);

export function expandLikeGrafanaAndAthena(sql: string): string {
  const variables = sql.replace(VARIABLE, (match: string, ...groups: unknown[]) => {
    const name = (groups[0] ?? groups[1] ?? groups[3]) as string | undefined;
    return name !== undefined && KNOWN.has(name) ? `'it''s ${name}'` : match;
  });
  return variables.replace(MACRO, (_m: string, name: string) => `TIMESTAMP '2025-01-01 00:00:00' /* ${name} */`);
}
