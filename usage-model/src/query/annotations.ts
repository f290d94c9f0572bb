/**
 * Annotations: when tasks of the selected teams were preempted or evicted. Each row of the
 * detailed report is a continuous admitted interval; one that ended in Preempted or Evicted marks
 * the moment the task lost its capacity (its period end).
 */
import { sqlString } from '../sql/dialect.js';
import { rangePredicates } from './range.js';
import { PARTITION_COLUMNS, column } from './columns.js';
import { checkScope, filterPredicate } from './compile-usage.js';
import { TIME_FIELD } from './fields.js';
import type { CompiledQuery, QueryScope } from './types.js';

/** Statuses of the detailed report that mean the capacity was taken away. */
export const INTERRUPTED_STATUSES = ['Preempted', 'Evicted'] as const;

export interface AnnotationQuery {
  /** [] = every team. */
  teams: readonly string[];
}

export function compileAnnotationQuery(query: AnnotationQuery, scope: QueryScope): CompiledQuery {
  checkScope(scope);
  const c = (name: string): string => `d.${column('detailed_report', name)}`;
  const end = c('period_end');
  const where = [
    // An interval is filed under the day it ran; one that ended at `from` may be filed a day earlier.
    ...rangePredicates(scope, 'd', end, { dayBefore: true }),
    `${c('status')} IN (${INTERRUPTED_STATUSES.map(sqlString).join(', ')})`,
    ...(query.teams.length ? [filterPredicate(`coalesce(${c('team')}, '')`, { dimension: 'team', values: query.teams })] : []),
  ];
  const text = `coalesce(${c('task_name')}, '') || ' ' || lower(${c('status')}) || ' (' || coalesce(${c('namespace')}, '') || ', ' || coalesce(${c('instance')}, '') || ')'`;
  const sql = `SELECT ${end} AS "${TIME_FIELD}", coalesce(${c('team')}, '') AS "team", coalesce(${c('task_name')}, '') AS "task", ${text} AS "text"
  FROM ${scope.relations.detailed_report} d
 WHERE ${where.join('\n   AND ')}
 ORDER BY 1, 2, 3`;
  return {
    sql,
    fields: [
      { name: TIME_FIELD, type: 'time', displayName: 'Time' },
      { name: 'team', type: 'string', displayName: 'Team' },
      { name: 'task', type: 'string', displayName: 'Task' },
      { name: 'text', type: 'string', displayName: 'Text' },
    ],
    scans: [{ table: 'detailed_report', columns: [...PARTITION_COLUMNS, 'period_end', 'status', 'team', 'task_name', 'namespace', 'instance'] }],
  };
}
