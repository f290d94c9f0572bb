// Staging on Athena: the staged CTEs are read through alias CTEs of the same name, and every
// statement (staging SELECTs and rollups) is valid Trino.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrinoSQL } from 'dt-sql-parser';
import { ATHENA_STAGED_CTES, athenaStagedRollupSql, athenaStagingSelects, readingStaged } from '../src/sql/athena-staging.js';
import { athenaRelations, rawRelations } from '../src/sql/relations.js';
import { ROLLUP_TABLE_NAMES } from '../src/rollup-schema.js';

const options = {
  relations: rawRelations(athenaRelations('hyperpod_usage')),
  range: { start: Date.parse('2025-01-31T00:00:00Z'), end: Date.parse('2025-02-01T00:00:00Z') },
  clusters: ['ml-prod'],
};
const relationOf = (cte: string) => `hyperpod_usage.hpu_stage_20250131_ml_prod_0123abcd_${cte}`;
const DAILY = ROLLUP_TABLE_NAMES.filter((t): t is Exclude<typeof t, 'prices'> => t !== 'prices');

describe('Athena staging', () => {
  it('puts an alias CTE for each staged table the query mentions in front, and only those', () => {
    const staged = new Map([['spans', 'db.t_spans'], ['other', 'db.t_other']]);
    assert.equal(readingStaged('SELECT * FROM spans', staged), 'WITH spans AS (\nSELECT * FROM db.t_spans\n)\nSELECT * FROM spans');
    assert.equal(
      readingStaged('WITH x AS (\nSELECT * FROM spans\n)\nSELECT * FROM x', staged),
      'WITH spans AS (\nSELECT * FROM db.t_spans\n),\nx AS (\nSELECT * FROM spans\n)\nSELECT * FROM x',
    );
    assert.equal(readingStaged('SELECT 1', staged), 'SELECT 1');
  });

  it('builds each staged table from the raw records and the tables staged before it', () => {
    const steps = athenaStagingSelects(options, relationOf);
    assert.deepEqual(steps.map((s) => s.cte), [...ATHENA_STAGED_CTES]);
    const step = (cte: string) => steps.find((s) => s.cte === cte);
    const [cycles, intervals, segments] = [step('wl_cycles'), step('intervals'), step('quota_segments')];
    assert.match(cycles?.select ?? '', /\bwl_rows AS \(/);
    assert.doesNotMatch(cycles?.select ?? '', /\bquota_segments AS \(|\bcq_rows AS \(|\bheartbeats AS \(/, 'pruned to what wl_cycles needs');
    assert.match(intervals?.select ?? '', /^WITH wl_cycles AS \(\nSELECT \* FROM hyperpod_usage\.hpu_stage_20250131_ml_prod_0123abcd_wl_cycles\n\)/);
    assert.doesNotMatch(intervals?.select ?? '', /\bwl_cycles AS \(\nSELECT cluster/, 'intervals reads the staged cycles');
    assert.match(segments?.select ?? '', /\bcq_settings AS \(\nSELECT \* FROM hyperpod_usage\.hpu_stage_20250131_ml_prod_0123abcd_cq_settings\n\)/);
    assert.match(segments?.select ?? '', /\bintervals AS \(\nSELECT \* FROM hyperpod_usage\.hpu_stage_20250131_ml_prod_0123abcd_intervals\n\)/);
    assert.doesNotMatch(segments?.select ?? '', /\bwl_cycles AS \(|\bpod_spans AS \(/);
  });

  it('rollups read the staged tables and build neither again', () => {
    const staged = new Map(ATHENA_STAGED_CTES.map((c) => [c as string, relationOf(c)]));
    for (const table of DAILY) {
      const sql = athenaStagedRollupSql(table, options, staged);
      assert.match(sql, /hpu_stage_20250131_ml_prod_0123abcd_(intervals|quota_segments)/, table);
      for (const name of ['wl_cycles', 'member_split', 'pool_levels']) assert.doesNotMatch(sql, new RegExp(`\\b${name} AS \\(`), `${table} builds ${name}`);
    }
  });

  it('reads the raw workload records as few times as Athena needs: once for the stated ends, never in task_daily', () => {
    const steps = athenaStagingSelects(options, relationOf);
    const ends = steps.find((s) => s.cte === 'wl_stated_ends')?.select ?? '';
    // Athena evaluates a CTE at every reference: one reference of wl_rows is one scan.
    assert.equal([...ends.matchAll(/\b(?:FROM|JOIN)\s+wl_rows\b/g)].length, 1, 'wl_stated_ends references wl_rows once');
    const staged = new Map(ATHENA_STAGED_CTES.map((c) => [c as string, relationOf(c)]));
    const taskDaily = athenaStagedRollupSql('task_daily', options, staged);
    assert.match(taskDaily, /\btask_status AS \(\nSELECT \* FROM hyperpod_usage\.hpu_stage_20250131_ml_prod_0123abcd_task_status\n\)/);
    assert.doesNotMatch(taskDaily, /\b(wl_rows|pod_rows|task_last) AS \(/, 'task_daily reads the staged task_status, not the raw records');
  });

  it('every statement is valid Trino', () => {
    const parser = new TrinoSQL();
    const staged = new Map(ATHENA_STAGED_CTES.map((c) => [c as string, relationOf(c)]));
    const statements = [
      ...athenaStagingSelects(options, relationOf).map((s) => `CREATE TABLE ${s.relation} WITH (format = 'PARQUET', write_compression = 'SNAPPY') AS\n${s.select}`),
      ...DAILY.map((t) => athenaStagedRollupSql(t, options, staged)),
    ];
    for (const sql of statements) assert.deepEqual(parser.validate(sql).map((e) => e.message), []);
  });
});
