// Every statement the generator writes for Athena parses with a Trino grammar (dt-sql-parser),
// and a broken statement does not: Athena engine 3 is Trino.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrinoSQL } from 'dt-sql-parser';
import { athenaRelations, rawRelations } from '../src/sql/relations.js';
import { curEffectiveRatesSql } from '../src/sql/cur.js';
import { heldCtes } from '../src/sql/held.js';
import { podIntervalCtes, withClause, workloadIntervalCtes, horizonCtes } from '../src/sql/intervals.js';
import { rollupSql } from '../src/sql/rollups.js';
import { rollupPartitionScan } from '../src/sql/partitions.js';
import { ROLLUP_TABLE_NAMES } from '../src/rollup-schema.js';

const parser = new TrinoSQL();
const relations = rawRelations(athenaRelations('hyperpod_usage'));
// A range across a month boundary, and two clusters with awkward names.
const options = { relations, range: { start: Date.parse('2025-01-31T00:00:00Z'), end: Date.parse('2025-02-02T00:00:00Z') }, clusters: ["it's", 'ml-prod'] };

function assertParses(sql: string, what: string): void {
  const errors = parser.validate(sql);
  assert.deepEqual(errors.map((e) => `${e.startLine}:${e.startColumn} ${e.message}`), [], what);
}

describe('generated SQL is valid Trino', () => {
  for (const table of ROLLUP_TABLE_NAMES.filter((t) => t !== 'prices')) {
    it(`the ${table} rollup`, () => assertParses(rollupSql(table as Exclude<typeof table, 'prices'>, options), table));
  }

  it('task_daily reading the day before\'s rows, as the aggregation on Athena runs it', () => {
    const previousTaskDaily = rollupPartitionScan(athenaRelations('hyperpod_usage').task_daily, Date.parse('2025-01-30T00:00:00Z'), "it's");
    const sql = rollupSql('task_daily', { ...options, clusters: ["it's"], previousTaskDaily });
    assert.match(sql, /task_before/);
    assertParses(sql, 'task_daily with the day before');
  });

  it('the interval reconstruction', () => {
    assertParses(`${withClause([...horizonCtes(options), ...workloadIntervalCtes(options), ...podIntervalCtes(options)])} SELECT * FROM workload_intervals`, 'intervals');
    assertParses(`${withClause(heldCtes(options))} SELECT * FROM held_hourly`, 'held');
  });

  it('the Cost and Usage Report rates, for every partitioning', () => {
    for (const partitioning of ['legacy', 'billing-period', 'none'] as const) {
      assertParses(curEffectiveRatesSql({ relation: '"cur"."hourly"', partitioning, months: ['2025-01', '2025-02'], region: 'us-west-2' }), partitioning);
    }
  });

  it('catches a broken statement (the check can fail)', () => {
    assert.ok(parser.validate('SELECT team, sum(gpu FROM usage WHERE day BETWEEN 1 AND GROUP BY 1').length > 0);
  });
});
