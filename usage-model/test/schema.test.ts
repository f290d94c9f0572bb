import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RAW_TABLES } from '../src/raw-schema.js';
import { columnsNamedLikePartitionKeys, ROLLUP_TABLES } from '../src/rollup-schema.js';

test('no raw or rollup table has a column named like one of its partition keys (Athena rejects such tables)', () => {
  for (const table of [...Object.values(RAW_TABLES), ...Object.values(ROLLUP_TABLES)]) {
    assert.deepEqual(columnsNamedLikePartitionKeys(table), [], `${table.name}`);
  }
});

test('the partition-key check finds a clash whatever the case', () => {
  const table = { columns: [{ name: 'Day' }, { name: 'gpu_hours' }], partitionKeys: ['year', 'month', 'day'] };
  assert.deepEqual(columnsNamedLikePartitionKeys(table), ['Day']);
});
