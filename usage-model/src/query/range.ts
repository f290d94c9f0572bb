/**
 * The time range of a statement, innermost on the scan: literal day-partition tuples and the exact
 * [from, to) on a time column — or, for SQL that grafana-athena-datasource runs as it stands
 * (portable dashboards, alert rules), its own macros, which its backend expands in UTC for the
 * panel's range: `$__timeFrom()`/`$__timeTo()` (`TIMESTAMP '…'`) and `$__rawTimeFrom(yyyyMMdd)`
 * (bare digits) for a padded-string range on the partitions.
 */
import { DAY_MS } from '../layout.js';
import { sqlTimestamp } from '../sql/dialect.js';
import { clusterPredicate, dayPartitionPredicate } from '../sql/partitions.js';
import { QueryModelError, type QueryScope } from './types.js';

/** Predicates on the partitions (`alias`.year/month/day/cluster) and on `timeColumn` (null: partitions only). */
export function rangePredicates(scope: QueryScope, alias: string, timeColumn: string | null, options: { dayBefore?: boolean } = {}): string[] {
  const clusters = clusterPredicate(scope.clusters, alias);
  if (scope.timeMacros) {
    if (scope.dialect !== 'athena') throw new QueryModelError('time macros belong to the Athena data source; DuckDB statements take a literal range');
    // Partition values are zero-padded, so the concatenation orders as dates do.
    const days = `concat(${alias}.year, ${alias}.month, ${alias}.day) BETWEEN '$__rawTimeFrom(yyyyMMdd)' AND '$__rawTimeTo(yyyyMMdd)'`;
    return [days, clusters, ...(timeColumn ? [`${timeColumn} >= $__timeFrom()`, `${timeColumn} < $__timeTo()`] : [])];
  }
  return [
    dayPartitionPredicate(options.dayBefore ? scope.from - DAY_MS : scope.from, scope.to, alias),
    clusters,
    ...(timeColumn ? [`${timeColumn} >= ${sqlTimestamp(scope.from)}`, `${timeColumn} < ${sqlTimestamp(scope.to)}`] : []),
  ];
}
