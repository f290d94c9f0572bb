/**
 * The targets the usage data source hands to the SQL data source it delegates to: each plugin has
 * its own query model (Athena: `rawSQL` and a numeric format; the DuckDB plugin: plugin-ui's
 * `rawSql` and a format name).
 */
import type { DataQuery } from '@grafana/data';
import type { QueryFormat } from '@hyperpod-usage/model';
import { ATHENA_TYPE, type SqlDatasourceType, type UsageDataSourceOptions } from './types';

/** Athena's `format`: 0 time series, 1 table. */
const ATHENA_FORMAT: Record<QueryFormat, number> = { time_series: 0, table: 1 };

export interface SqlTarget extends DataQuery {
  [key: string]: unknown;
}

export function sqlTarget(
  refId: string,
  sql: string,
  format: QueryFormat,
  datasource: { uid: string; type: SqlDatasourceType },
  options: UsageDataSourceOptions,
): SqlTarget {
  if (datasource.type === ATHENA_TYPE) {
    return {
      refId,
      datasource,
      rawSQL: sql,
      format: ATHENA_FORMAT[format],
      connectionArgs: {
        region: options.region || '__default',
        catalog: options.catalog || '__default',
        database: options.database || '__default',
      },
    };
  }
  return { refId, datasource, rawSql: sql, rawQuery: true, editorMode: 'code', format };
}
