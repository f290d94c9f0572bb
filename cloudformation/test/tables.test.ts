import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RAW_TABLE_NAMES,
  RAW_TABLES,
  rawPartitionPath,
  ROLLUP_TABLE_NAMES,
  ROLLUP_TABLES,
  type Column,
} from '@hyperpod-usage/model';
import { intrinsicOf } from '../src/intrinsics.js';
import { asText, getAt, template } from './helpers.js';

interface GlueTable {
  logicalId: string;
  name: string;
  parameters: Record<string, unknown>;
  partitionKeys: { Name: string; Type: string }[];
  columns: { Name: string; Type: string; Comment: string }[];
  location: string;
  storage: Record<string, unknown>;
  tableType: unknown;
}

const glueTables: GlueTable[] = Object.entries(template.Resources)
  .filter(([, r]) => r.Type === 'AWS::Glue::Table')
  .map(([logicalId, r]) => {
    const input = (path: string[]) => getAt(r.Properties, ['TableInput', ...path]);
    return {
      logicalId,
      name: String(input(['Name'])),
      parameters: input(['Parameters']) as GlueTable['parameters'],
      partitionKeys: input(['PartitionKeys']) as GlueTable['partitionKeys'],
      columns: input(['StorageDescriptor', 'Columns']) as GlueTable['columns'],
      location: asText(input(['StorageDescriptor', 'Location'])),
      storage: input(['StorageDescriptor']) as GlueTable['storage'],
      tableType: input(['TableType']),
    };
  });

function glueTable(name: string): GlueTable {
  const found = glueTables.find((t) => t.name === name);
  assert.ok(found, `Glue table ${name}`);
  return found;
}

const modelColumns = (columns: readonly Column[]) => columns.map((c) => ({ Name: c.name, Type: c.type, Comment: c.description }));

/** Fills a storage.location.template the way Athena does. */
function fillTemplate(text: string, values: Record<string, string>): string {
  return text.replaceAll(/\$\{!(\w+)\}/g, (_, key: string) => values[key] ?? `<${key}?>`).replace('${DataBucket}', 'bucket');
}

describe('Glue tables', () => {
  it('exist once for every model table and for nothing else', () => {
    const expected = [...RAW_TABLE_NAMES, ...ROLLUP_TABLE_NAMES].sort();
    assert.deepEqual(glueTables.map((t) => t.name).sort(), expected);
    assert.ok(expected.includes('prices') && expected.includes('summary_report') && expected.includes('detailed_report'));
  });

  it('all reference the stack database in this account', () => {
    for (const { logicalId } of glueTables) {
      const properties = template.Resources[logicalId]!.Properties!;
      assert.deepEqual(properties.DatabaseName, { Ref: 'Database' });
      assert.deepEqual(properties.CatalogId, { Ref: 'AWS::AccountId' });
    }
  });

  it('are external Snappy Parquet tables with the Hive Parquet SerDe', () => {
    for (const table of glueTables) {
      assert.equal(table.tableType, 'EXTERNAL_TABLE');
      assert.equal(table.parameters.classification, 'parquet');
      assert.equal(table.parameters['parquet.compression'], 'SNAPPY');
      assert.equal(table.parameters.EXTERNAL, 'TRUE');
      assert.equal(table.storage.InputFormat, 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      assert.equal(table.storage.OutputFormat, 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat');
      assert.equal(getAt(table.storage, ['SerdeInfo', 'SerializationLibrary']), 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    }
  });

  it('have only string table parameters (Glue stores a string map), apart from intrinsic values', () => {
    for (const table of glueTables) {
      for (const [key, value] of Object.entries(table.parameters)) {
        assert.ok(typeof value === 'string' || intrinsicOf(value), `${table.name} ${key}`);
      }
    }
  });

  it('use lower-case column names, as Athena stores them', () => {
    for (const table of glueTables) for (const c of [...table.columns, ...table.partitionKeys]) assert.equal(c.Name, c.Name.toLowerCase());
  });
});

describe('raw tables', () => {
  for (const name of RAW_TABLE_NAMES) {
    const model = RAW_TABLES[name];
    describe(name, () => {
      const table = glueTable(name);

      it("have the model's columns: names, Glue types and descriptions, in order", () => {
        assert.deepEqual(table.columns, modelColumns(model.columns));
      });

      it('are partitioned by the model partition keys, all strings', () => {
        assert.deepEqual(table.partitionKeys, model.partitionKeys.map((key) => ({ Name: key, Type: 'string' })));
        // Heartbeats too: the collector role's grant names the cluster folder of every raw table.
        assert.deepEqual([...model.partitionKeys], ['year', 'month', 'day', 'hour', 'cluster']);
      });

      it(`live under raw/${name}/`, () => {
        assert.equal(table.location, `s3://\${DataBucket}/raw/${name}/`);
      });

      it('project zero-padded hour partitions and the configured clusters', () => {
        const p = table.parameters;
        assert.equal(p['projection.enabled'], 'true');
        assert.equal(p['projection.year.type'], 'integer');
        const [first, last] = String(p['projection.year.range']).split(',').map(Number);
        assert.ok(first! <= 2025 && last! >= 2099, `year range ${String(p['projection.year.range'])}`);
        for (const [key, range] of [['month', '1,12'], ['day', '1,31'], ['hour', '0,23']]) {
          assert.equal(p[`projection.${key}.type`], 'integer');
          assert.equal(p[`projection.${key}.range`], range);
          assert.equal(p[`projection.${key}.digits`], '2');
        }
        // Every partition key needs a projection, or Athena refuses the table (heartbeats included).
        assert.equal(p['projection.cluster.type'], 'enum');
        assert.deepEqual(p['projection.cluster.values'], { Ref: 'ClusterNames' });
      });

      it('find records where the collector writes them', () => {
        const expected = `s3://\${DataBucket}/raw/${name}/year=\${!year}/month=\${!month}/day=\${!day}/hour=\${!hour}/cluster=\${!cluster}/`;
        const storageTemplate = asText(table.parameters['storage.location.template']);
        assert.equal(storageTemplate, expected);
        // The same folder the collector's writer computes for a record of 2025-03-07 05:xx UTC.
        const written = rawPartitionPath(name, Date.UTC(2025, 2, 7, 5, 30), 'hp-cluster-1');
        const filled = fillTemplate(storageTemplate, { year: '2025', month: '03', day: '07', hour: '05', cluster: 'hp-cluster-1' });
        assert.equal(filled, `s3://bucket/${written}/`);
      });
    });
  }
});

describe('rollup and report tables', () => {
  for (const name of ROLLUP_TABLE_NAMES) {
    const model = ROLLUP_TABLES[name];
    describe(name, () => {
      const table = glueTable(name);

      it("have the model's columns and location", () => {
        assert.deepEqual(table.columns, modelColumns(model.columns));
        assert.equal(table.location, `s3://\${DataBucket}/${model.location}/`);
      });

      if (model.partitionKeys.length === 0) {
        it('are unpartitioned, with an explicitly empty key list and no projection', () => {
          assert.deepEqual(table.partitionKeys, []);
          assert.ok(!Object.keys(table.parameters).some((key) => key.startsWith('projection.') || key.startsWith('storage.')));
        });
        return;
      }

      it('are partitioned by day and cluster, projected like the raw tables', () => {
        assert.deepEqual(table.partitionKeys.map((k) => k.Name), ['year', 'month', 'day', 'cluster']);
        assert.ok(table.partitionKeys.every((k) => k.Type === 'string'));
        const p = table.parameters;
        assert.equal(p['projection.enabled'], 'true');
        assert.equal(p['projection.month.digits'], '2');
        assert.equal(p['projection.day.digits'], '2');
        assert.equal(p['projection.hour.type'], undefined);
        assert.equal(p['projection.cluster.type'], 'enum');
        assert.deepEqual(p['projection.cluster.values'], { Ref: 'ClusterNames' });
        assert.equal(
          asText(p['storage.location.template']),
          `s3://\${DataBucket}/${model.location}/year=\${!year}/month=\${!month}/day=\${!day}/cluster=\${!cluster}/`,
        );
      });
    });
  }

  it("keep AWS's report tables where AWS's report tool reads them", () => {
    assert.equal(glueTable('summary_report').location, 's3://${DataBucket}/reports/summary/');
    assert.equal(glueTable('detailed_report').location, 's3://${DataBucket}/reports/detailed/');
    assert.equal(glueTable('prices').location, 's3://${DataBucket}/reference/prices/');
  });
});
