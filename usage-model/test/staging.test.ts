// Staging: what the rollup queries leave out when a day's shared CTEs are already tables.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrinoSQL } from 'dt-sql-parser';
import { withClause, type Cte } from '../src/sql/intervals.js';
import { athenaRelations, rawRelations } from '../src/sql/relations.js';
import { rollupSql, sharedRangeCtes } from '../src/sql/rollups.js';
import { STAGED_CTES, stagingSelects, withStaged } from '../src/sql/staging.js';
import { ROLLUP_TABLE_NAMES } from '../src/rollup-schema.js';

const chain: Cte[] = [
  ['raw_rows', 'SELECT * FROM raw'],
  ['spans', 'SELECT * FROM raw_rows'],
  ['spans_hourly', 'SELECT * FROM spans'],
  ['unrelated', 'SELECT 1 AS x'],
];
const options = {
  relations: rawRelations(athenaRelations('hyperpod_usage')),
  range: { start: Date.parse('2025-01-31T00:00:00Z'), end: Date.parse('2025-02-01T00:00:00Z') },
  clusters: ['ml-prod'],
};

describe('staging', () => {
  it('with nothing staged, writes the WITH clause of every CTE, as the queries always were', () => {
    assert.equal(withStaged(chain, '\nSELECT * FROM spans_hourly'), `${withClause(chain)}\nSELECT * FROM spans_hourly`);
  });

  it('leaves out the staged CTEs and those only they needed, and keeps the rest in order', () => {
    const sql = withStaged(chain, 'SELECT * FROM spans_hourly JOIN raw_rows USING (id)', new Set(['spans']));
    assert.equal(sql, 'WITH raw_rows AS (\nSELECT * FROM raw\n),\nspans_hourly AS (\nSELECT * FROM spans\n)\nSELECT * FROM spans_hourly JOIN raw_rows USING (id)');
    assert.equal(withStaged(chain, 'SELECT * FROM spans_hourly', new Set(['spans_hourly'])), 'SELECT * FROM spans_hourly');
  });

  it('builds each staged table from the ones before it, and no rollup builds them again', () => {
    const selects = stagingSelects(sharedRangeCtes(options));
    assert.deepEqual(selects.map((s) => s.name), [...STAGED_CTES]);
    const held = selects.find((s) => s.name === 'held')?.select ?? '';
    assert.doesNotMatch(held, /\bintervals AS \(/, 'held reads the staged intervals');
    assert.match(held, /\bFROM intervals\b/);
    const staged = new Set<string>(STAGED_CTES);
    for (const table of ROLLUP_TABLE_NAMES.filter((t) => t !== 'prices')) {
      const sql = rollupSql(table as Exclude<typeof table, 'prices'>, { ...options, staged });
      for (const name of STAGED_CTES) assert.doesNotMatch(sql, new RegExp(`\\b${name} AS \\(`), `${table} builds ${name} again`);
    }
  });

  it('staged statements are valid Trino too', () => {
    const parser = new TrinoSQL();
    const staged = new Set<string>(STAGED_CTES);
    const statements = [
      ...stagingSelects(sharedRangeCtes(options)).map((s) => s.select),
      ...ROLLUP_TABLE_NAMES.filter((t) => t !== 'prices').map((t) => rollupSql(t as Exclude<typeof t, 'prices'>, { ...options, staged })),
    ];
    for (const sql of statements) assert.deepEqual(parser.validate(sql).map((e) => e.message), []);
  });

  it('writes DuckDB-only forms only for the DuckDB dialect; the portable queries keep theirs', () => {
    const staged = new Set<string>(STAGED_CTES);
    const selectOf = (name: string, dialect?: 'duckdb' | 'athena') =>
      stagingSelects(sharedRangeCtes({ ...options, ...(dialect ? { dialect } : {}) })).find((s) => s.name === name)?.select ?? '';
    // Each task's latest record: one arg_max grouping on DuckDB, row_number() elsewhere.
    const portable = selectOf('task_status');
    const duckdb = selectOf('task_status', 'duckdb');
    assert.match(portable, /row_number\(\) OVER/);
    assert.doesNotMatch(portable, /\barg_max\(/);
    assert.match(duckdb, /\barg_max\(/);
    assert.doesNotMatch(duckdb, /row_number\(\) OVER/);
    assert.equal(selectOf('task_status', 'athena'), portable);
    assert.doesNotMatch(rollupSql('task_daily', { ...options, staged, dialect: 'duckdb' }), /task_last|arg_max/, 'task_daily reads the staged task_status');
    // Only the tasks task_daily can keep get a status and lives on DuckDB; Athena, billed by the
    // bytes read, does not read the staged tables again for that.
    assert.match(duckdb, /SEMI JOIN/);
    assert.doesNotMatch(portable, /SEMI JOIN/);
    assert.match(rollupSql('task_daily', { ...options, staged, dialect: 'duckdb' }), /FROM kept_intervals GROUP BY cluster, task_uid/);
    assert.doesNotMatch(rollupSql('task_daily', { ...options, staged }), /kept_intervals/);
    // A ClusterQueue's whole setting by one arg_max on DuckDB, one max_by per column elsewhere.
    assert.match(selectOf('quota_segments', 'duckdb'), /arg_max\(\{n_gpu: n_gpu/);
    assert.doesNotMatch(selectOf('quota_segments'), /arg_max/);
    // The workload records are read by each CTE that needs them on DuckDB only (NOT MATERIALIZED is not Trino).
    assert.match(selectOf('intervals', 'duckdb'), /wl_rows AS NOT MATERIALIZED \(/);
    for (const { select } of stagingSelects(sharedRangeCtes(options))) assert.doesNotMatch(select, /MATERIALIZED/);
    // Hour and day cuts: a select-list unnest on DuckDB, CROSS JOIN UNNEST (Trino) otherwise.
    const heldHourly = (dialect?: 'duckdb') => stagingSelects(sharedRangeCtes({ ...options, ...(dialect ? { dialect } : {}) })).find((s) => s.name === 'held_hourly')?.select ?? '';
    assert.match(heldHourly(), /CROSS JOIN UNNEST\(sequence\(/);
    assert.match(heldHourly('duckdb'), /unnest\(generate_series\(/);
    assert.doesNotMatch(heldHourly('duckdb'), /CROSS JOIN UNNEST/);
    assert.match(rollupSql('detailed_report', { ...options, staged }), /CROSS JOIN UNNEST\(sequence\(/);
    assert.doesNotMatch(rollupSql('detailed_report', { ...options, staged, dialect: 'duckdb' }), /CROSS JOIN UNNEST/);
    // The first snapshot after a task's last record: an as-of join on DuckDB only.
    const intervals = (dialect?: 'duckdb') => stagingSelects(sharedRangeCtes({ ...options, ...(dialect ? { dialect } : {}) })).find((s) => s.name === 'intervals')?.select ?? '';
    assert.equal(intervals('duckdb').match(/ASOF JOIN snapshots/g)?.length, 2);
    assert.doesNotMatch(intervals(), /ASOF/);
  });

  it('refuses shared CTEs that lack a staged one', () => {
    assert.throws(() => stagingSelects(chain), /lack heartbeats/);
  });
});
