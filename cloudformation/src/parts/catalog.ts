/**
 * The Glue database and one table per model table, with partition projection so Athena finds new
 * partitions without MSCK REPAIR or crawlers.
 */
import type { ColumnType } from '@hyperpod-usage/model';
import { ref, sub, subLiteral, subVar } from '../intrinsics.js';
import type { Json, Resource } from '../types.js';
import { CATALOG_TABLES, type CatalogTable } from './layout.js';
import { PARAM, RESOURCE, tableLogicalId } from './names.js';

/** Years the projection enumerates; data outside them is silently invisible, so the range is generous. */
const PROJECTED_YEARS = '2024,2099';

const PARQUET = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: {
    SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
    Parameters: { 'serialization.format': '1' },
  },
};

/** Glue's column comment limit. */
const MAX_COMMENT_LENGTH = 255;

/** The model's column types are Glue/Hive type names; the switch makes a new model type a compile error here. */
function glueType(type: ColumnType): string {
  switch (type) {
    case 'string':
    case 'double':
    case 'boolean':
    case 'timestamp':
    case 'bigint':
    case 'int':
    case 'date':
      return type;
  }
}

/** Projection settings per partition key: zero-padded integers for time, the configured cluster list. */
function projectionOf(key: string): Record<string, Json> {
  const integer = (range: string, digits?: number): Record<string, Json> => ({
    [`projection.${key}.type`]: 'integer',
    [`projection.${key}.range`]: range,
    ...(digits ? { [`projection.${key}.digits`]: String(digits) } : {}),
  });
  switch (key) {
    case 'year':
      return integer(PROJECTED_YEARS);
    case 'month':
      return integer('1,12', 2);
    case 'day':
      return integer('1,31', 2);
    case 'hour':
      return integer('0,23', 2);
    case 'cluster':
      return { 'projection.cluster.type': 'enum', 'projection.cluster.values': ref(PARAM.clusterNames) };
    default:
      throw new Error(`no partition projection defined for partition key ${key}`);
  }
}

const tableUrl = (table: CatalogTable): string => `s3://${subVar(RESOURCE.bucket)}/${table.location}/`;

function tableParameters(table: CatalogTable): Record<string, Json> {
  const parameters: Record<string, Json> = {
    classification: 'parquet',
    'parquet.compression': 'SNAPPY',
    EXTERNAL: 'TRUE',
  };
  if (table.partitionKeys.length === 0) return parameters;
  const folders = table.partitionKeys.map((key) => `${key}=${subLiteral(key)}`).join('/');
  return {
    ...parameters,
    'projection.enabled': 'true',
    ...Object.fromEntries(table.partitionKeys.flatMap((key) => Object.entries(projectionOf(key)))),
    'storage.location.template': sub(`${tableUrl(table)}${folders}/`),
  };
}

function columnsOf(table: CatalogTable): Json[] {
  return table.columns.map((column) => {
    if (column.description.length > MAX_COMMENT_LENGTH) {
      throw new Error(`${table.name}.${column.name}: description longer than Glue's ${MAX_COMMENT_LENGTH}-character comment limit`);
    }
    return { Name: column.name, Type: glueType(column.type), Comment: column.description };
  });
}

function tableResource(table: CatalogTable): Resource {
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: ref('AWS::AccountId'),
      DatabaseName: ref(RESOURCE.database),
      TableInput: {
        Name: table.name,
        Description: table.description,
        TableType: 'EXTERNAL_TABLE',
        Parameters: tableParameters(table),
        // Glue wants an empty list, not a missing one, for unpartitioned tables.
        PartitionKeys: table.partitionKeys.map((key) => ({ Name: key, Type: 'string' })),
        StorageDescriptor: {
          Location: sub(tableUrl(table)),
          ...PARQUET,
          Columns: columnsOf(table),
        },
      },
    },
  };
}

export const database: Resource = {
  Type: 'AWS::Glue::Database',
  Properties: {
    CatalogId: ref('AWS::AccountId'),
    DatabaseInput: {
      // A fixed name keeps SQL, Grafana settings and IAM ARNs simple.
      Name: ref(PARAM.databaseName),
      Description: 'HyperPod usage records, rollups and report tables (HyperPod Usage for Grafana).',
    },
  },
};

export const tables: Record<string, Resource> = Object.fromEntries(
  CATALOG_TABLES.map((table) => [tableLogicalId(table.name), tableResource(table)]),
);
