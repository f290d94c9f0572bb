// The aggregation's AWS path, where no Athena can run: Athena mocked at the SDK, S3 real (s3rver).
// Each day's intervals and quota segments are staged by CTAS and read by the rollups; each
// partition's prefix is emptied, then UNLOADed into; every statement sent parses as Trino.
// Also: effective rates from a Cost and Usage Report table, on DuckDB with hand-computed answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, GetTableMetadataCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { TrinoSQL } from 'dt-sql-parser';
import { ATHENA_STAGED_CTES, athenaRelations, DAY_MS, DEFAULT_PRICES, effectivePrices } from '@hyperpod-usage/model';
import { aggregate } from '../src/aggregate/aggregator.js';
import { curPrices } from '../src/aggregate/prices.js';
import { AthenaRollupWriter } from '../src/aggregate/rollup-writer.js';
import { AthenaEngine } from '../src/engine/athena-engine.js';
import { DuckDbEngine } from '../src/engine/duckdb-engine.js';
import { silentLogger } from '../src/log.js';
import { startS3, type TestS3 } from './support/s3.js';

const BUCKET = 'usage-athena';
const DAY = Date.parse('2025-04-16T00:00:00Z');

describe('aggregation on Athena', () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startS3(BUCKET);
  });
  after(async () => s3.stop());

  it('unstaged: empties each partition prefix and UNLOADs into it; the SQL is valid Trino', async () => {
    const put = (key: string) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
    // A failed earlier run left a partial file; another cluster's partition and the raw data must survive.
    await put('usage/rollups/team_hourly/year=2025/month=04/day=16/cluster=prod/old-part.parquet');
    await put('usage/rollups/team_hourly/year=2025/month=04/day=16/cluster=other/keep.parquet');
    await put('usage/raw/workload/year=2025/month=04/day=16/hour=08/cluster=prod/keep.parquet');

    const athena = mockClient(AthenaClient);
    let id = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${++id}` }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML', SubstatementType: 'UNLOAD' } });
    // The lookup of the day's last snapshot (q2) finds one at 23:00 the day before; other queries return nothing.
    const snapshotAt = DAY - 3_600_000;
    athena.on(GetQueryResultsCommand).callsFake((input: { QueryExecutionId: string }) =>
      input.QueryExecutionId === 'q2'
        ? {
            ResultSet: {
              Rows: [{ Data: [{ VarCharValue: 'snapshot_ms' }] }, { Data: [{ VarCharValue: String(snapshotAt) }] }],
              ResultSetMetadata: { ColumnInfo: [{ Name: 'snapshot_ms', Type: 'bigint' }] },
            },
          }
        : { ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } }, UpdateCount: 0 },
    );
    const engine = new AthenaEngine({ workGroup: 'hyperpod-usage', database: 'hyperpod_usage', client: new AthenaClient({ region: 'us-east-1' }), sleep: async () => undefined });
    try {
      await aggregate({
        writer: new AthenaRollupWriter(engine, s3.client, BUCKET, 'usage'),
        relations: athenaRelations('hyperpod_usage'),
        days: [DAY],
        clusters: ['prod'],
        prices: effectivePrices('us-east-1', DEFAULT_PRICES),
        costSplit: 'accelerator',
        log: silentLogger,
        stage: false,
      });
      const sent = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
      assert.equal(sent.length, 8, 'the price table, the snapshot lookup and six rollups of one day and cluster');
      assert.ok(sent.every((s) => s.WorkGroup === 'hyperpod-usage' && s.QueryExecutionContext?.Database === 'hyperpod_usage'));
      const parser = new TrinoSQL();
      const [, lookup, ...statements] = sent;
      assert.match(lookup?.QueryString ?? '', /^SELECT [\s\S]* AS snapshot_ms\s+FROM "hyperpod_usage"\."heartdub" WHERE [\s\S]*cluster IN \('prod'\)[\s\S]*snapshot = true/);
      assert.deepEqual(parser.validate(lookup?.QueryString ?? ''), [], 'the snapshot lookup parses as Trino');
      // Every rollup reads its raw records from the hour before that snapshot, 22:00, not from the day before's midnight.
      for (const s of statements) {
        assert.match(s.QueryString ?? '', /"timestamp" >= TIMESTAMP '2025-04-15 22:00:00\.000'/, 'reads from the hour before the snapshot');
        assert.doesNotMatch(s.QueryString ?? '', /"timestamp" >= TIMESTAMP '2025-04-15 00:00:00\.000'/);
        assert.match(s.QueryString ?? '', /day = '15' AND hour IN \('22', '23'\)/, 'and only those hour partitions of the day before');
      }
      for (const s of sent.filter((q) => q !== lookup)) {
        const m = /^UNLOAD \(([\s\S]*)\) TO '(s3:\/\/[^']+)' WITH \(format = 'PARQUET', compression = 'SNAPPY'\)$/.exec(s.QueryString ?? '');
        assert.ok(m, `an UNLOAD: ${s.QueryString?.slice(0, 80)}`);
        assert.deepEqual(parser.validate(m[1] as string), [], `the SELECT of ${m[2]} parses as Trino`);
      }
      const targets = sent.filter((q) => q !== lookup).map((s) => /TO '([^']+)'/.exec(s.QueryString ?? '')?.[1]);
      assert.ok(targets.includes(`s3://${BUCKET}/usage/rollups/team_hourly/year=2025/month=04/day=16/cluster=prod/`));
      assert.ok(targets.includes(`s3://${BUCKET}/usage/reports/summary/year=2025/month=04/day=16/cluster=prod/`));
      assert.ok(targets.includes(`s3://${BUCKET}/usage/reference/prices/`));
      const left = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      assert.deepEqual(
        (left.Contents ?? []).map((o) => o.Key).sort(),
        ['usage/raw/workload/year=2025/month=04/day=16/hour=08/cluster=prod/keep.parquet', 'usage/rollups/team_hourly/year=2025/month=04/day=16/cluster=other/keep.parquet'],
      );
    } finally {
      athena.restore();
      await engine.close();
    }
  });

  /**
   * A fake Athena that remembers each query's text: a CTAS "creates" its table by writing a file
   * where the catalog then says the table lives (under athena-results/tables/, as an enforced
   * workgroup does), and `fail` picks statements that end FAILED.
   */
  function fakeAthena(fail: (sql: string) => boolean = () => false) {
    const athena = mockClient(AthenaClient);
    const sqlOf = new Map<string, string>();
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
      const id = `q${sqlOf.size + 1}`;
      sqlOf.set(id, input.QueryString);
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => {
      const sql = sqlOf.get(input.QueryExecutionId) ?? '';
      if (fail(sql)) return { QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'injected' }, StatementType: 'DML' } };
      const ctas = /^CREATE TABLE \w+\.(\w+) /.exec(sql);
      if (ctas) await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `athena-results/tables/${ctas[1]}/part-0.parquet`, Body: 'x' }));
      return { QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: /^DROP /.test(sql) ? 'DDL' : 'DML' } };
    });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } }, UpdateCount: 0 });
    athena.on(GetTableMetadataCommand).callsFake((input: { TableName: string }) => ({
      TableMetadata: { Name: input.TableName, Parameters: { location: `s3://${BUCKET}/athena-results/tables/${input.TableName}` } },
    }));
    const engine = new AthenaEngine({ workGroup: 'hyperpod-usage', database: 'hyperpod_usage', client: new AthenaClient({ region: 'us-east-1' }), sleep: async () => undefined });
    const statements = () => athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString ?? '');
    return { athena, engine, statements };
  }

  const keys = async (prefix: string) =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key as string).sort();

  it('staged: builds intervals and quota segments once per day and cluster by CTAS, the rollups read them, then drops them and their files', async () => {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'athena-results/earlier-query.csv', Body: 'x' }));
    const { athena, engine, statements } = fakeAthena();
    try {
      const days = [DAY, DAY + DAY_MS];
      await aggregate({
        writer: new AthenaRollupWriter(engine, s3.client, BUCKET, 'usage'),
        relations: athenaRelations('hyperpod_usage'),
        days,
        clusters: ['prod', 'dev-2'],
        prices: effectivePrices('us-east-1', DEFAULT_PRICES),
        costSplit: 'accelerator',
        log: silentLogger,
      });
      const sent = statements();
      const staged = [...ATHENA_STAGED_CTES];
      const perDay = 1 + 2 * staged.length + 6;
      // prices, then per day and cluster: the snapshot lookup, a CTAS per staged CTE, 6 UNLOADs, a DROP per staged table.
      assert.equal(sent.length, 1 + 2 * 2 * perDay);
      const parser = new TrinoSQL();
      const ctasPattern = /^CREATE TABLE hyperpod_usage\.(hpu_stage_(\d{8})_(\w+?)_([0-9a-f]{8})_(\w+)) WITH \(format = 'PARQUET', write_compression = 'SNAPPY'\) AS\n([\s\S]+)$/;
      const runs = new Set<string>();
      for (let i = 1; i < sent.length; i += perDay) {
        const [lookup, ...group] = sent.slice(i, i + perDay);
        assert.match(lookup ?? '', /^SELECT [\s\S]* AS snapshot_ms\s+FROM /, 'the snapshot lookup first');
        const ctas = group.slice(0, staged.length).map((sql) => ctasPattern.exec(sql));
        assert.ok(ctas.every(Boolean), `a CTAS per staged CTE first: ${group[0]?.slice(0, 80)}`);
        assert.deepEqual(ctas.map((m) => m?.[5]), staged);
        const tableOf = new Map(ctas.map((m) => [m?.[5] as string, `hyperpod_usage.${m?.[1] as string}`]));
        assert.equal(new Set(ctas.map((m) => m?.[4])).size, 1, 'one run id for the day and cluster');
        runs.add(`${ctas[0]?.[2] as string} ${ctas[0]?.[3] as string} ${ctas[0]?.[4] as string}`);
        for (const sql of group.slice(0, staged.length)) assert.deepEqual(parser.validate(sql), [], 'the CTAS parses as Trino');
        // The quota segments read the staged intervals instead of rebuilding them.
        const segments = ctas.find((m) => m?.[5] === 'quota_segments')?.[6] as string;
        assert.match(segments, new RegExp(`\\bintervals AS \\(\\nSELECT \\* FROM ${(tableOf.get('intervals') as string).replace('.', '\\.')}\\n\\)`));
        assert.doesNotMatch(segments, /\bwl_rows AS \(/);
        for (const sql of group.slice(staged.length, staged.length + 6)) {
          const m = /^UNLOAD \(([\s\S]*)\) TO '(s3:\/\/[^']+)' WITH \(format = 'PARQUET', compression = 'SNAPPY'\)$/.exec(sql);
          assert.ok(m, `an UNLOAD: ${sql.slice(0, 80)}`);
          assert.deepEqual(parser.validate(m[1] as string), [], `the SELECT of ${m[2]} parses as Trino`);
          assert.ok(m[1]?.includes(tableOf.get('intervals') as string) || m[1]?.includes(tableOf.get('quota_segments') as string), `${m[2]} reads a staged table`);
          for (const name of ['wl_cycles', 'pod_spans', 'member_split']) assert.doesNotMatch(m[1] as string, new RegExp(`\\b${name} AS \\(\\nSELECT (?!\\* FROM)`), `${m[2]} rebuilds ${name}`);
        }
        assert.deepEqual(group.slice(staged.length + 6), [...staged].reverse().map((c) => `DROP TABLE IF EXISTS ${tableOf.get(c) as string}`));
        for (const sql of group.slice(staged.length + 6)) assert.deepEqual(parser.validate(sql), []);
      }
      assert.deepEqual(
        [...runs].map((r) => r.split(' ').slice(0, 2).join(' ')).sort(),
        ['20250416 dev_2', '20250416 prod', '20250417 dev_2', '20250417 prod'],
        'names carry the day and the cluster',
      );
      assert.equal(new Set([...runs].map((r) => r.split(' ')[2])).size, 4, 'a new run id for every day and cluster');
      assert.equal(athena.commandCalls(GetTableMetadataCommand).length, 4 * ATHENA_STAGED_CTES.length, 'the location of each staged table is asked');
      assert.deepEqual(await keys('athena-results/'), ['athena-results/earlier-query.csv'], 'the staged files are gone, other results stay');
    } finally {
      athena.restore();
      await engine.close();
    }
  });

  it('staged: a failed staging query drops what it built and fails the run', async () => {
    const { athena, engine, statements } = fakeAthena((sql) => /^CREATE TABLE .*_quota_segments /.test(sql));
    try {
      await assert.rejects(
        aggregate({
          writer: new AthenaRollupWriter(engine, s3.client, BUCKET, 'usage'),
          relations: athenaRelations('hyperpod_usage'),
          days: [DAY],
          clusters: ['prod'],
          prices: effectivePrices('us-east-1', DEFAULT_PRICES),
          costSplit: 'accelerator',
          log: silentLogger,
        }),
        /FAILED: injected/,
      );
      const sent = statements();
      const drops = sent.filter((sql) => sql.startsWith('DROP TABLE'));
      assert.equal(sent.filter((sql) => sql.startsWith('UNLOAD')).length, 1, 'only the price table was written');
      assert.equal(drops.length, ATHENA_STAGED_CTES.length, 'every staged table is dropped (the failed one may exist)');
      assert.ok(drops.some((sql) => sql.endsWith('_intervals')) && drops.some((sql) => sql.endsWith('_quota_segments')));
      assert.deepEqual(await keys('athena-results/tables/'), [], 'the built table\'s files are deleted');
    } finally {
      athena.restore();
      await engine.close();
    }
  });
});

describe('effective rates from the Cost and Usage Report', () => {
  it('prices covered usage at its effective cost, leaves out negations and other products, and loses to an override', async () => {
    const engine = await DuckDbEngine.open('/nonexistent-empty-dir');
    try {
      await engine.execute(`CREATE TABLE cur (year VARCHAR, month VARCHAR, line_item_product_code VARCHAR, line_item_usage_type VARCHAR,
        line_item_line_item_type VARCHAR, line_item_usage_amount DOUBLE, line_item_unblended_cost DOUBLE,
        savings_plan_savings_plan_effective_cost DOUBLE, reservation_effective_cost DOUBLE)`);
      await engine.execute(`INSERT INTO cur VALUES
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:ml.p5.48xlarge', 'Usage', 10, 983.2, 0, 0),
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:ml.p5.48xlarge', 'SavingsPlanCoveredUsage', 10, 983.2, 600, 0),
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:ml.p5.48xlarge', 'DiscountedUsage', 5, 491.6, 0, 250),
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:ml.p5.48xlarge', 'SavingsPlanNegation', 0, -983.2, 0, 0),
        ('2025', '4', 'AmazonEC2', 'USE1-BoxUsage:p5.48xlarge', 'Usage', 10, 550, 0, 0),
        ('2025', '3', 'AmazonSageMaker', 'USE1-Cluster:ml.p5.48xlarge', 'Usage', 100, 1, 0, 0),
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:VolumeUsage.gp2', 'Usage', 100, 10, 0, 0),
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:ml.g5.8xlarge', 'Usage', 4, 12.24, 0, 0),
        ('2025', '4', 'AmazonSageMaker', 'USW2-Cluster:ml.p5.48xlarge', 'Usage', 2, 150, 0, 0)`);
      const fromCur = await curPrices(engine, { relation: 'cur', partitioning: 'legacy', months: ['2025-04'] }, 'us-east-1');
      // p5: (983.2 on demand + 600 under a Savings Plan + 250 reserved) / 25 hours = 73.328 per hour.
      assert.deepEqual(
        fromCur.map((p) => [p.instanceType, Math.round(p.pricePerHour * 1e6) / 1e6, p.source]),
        [
          ['ml.g5.8xlarge', 3.06, 'cur'],
          ['ml.p5.48xlarge', 73.328, 'cur'],
        ],
      );
      // Another Region's usage has its own rate, and is not mixed into this one's.
      const west = await curPrices(engine, { relation: 'cur', partitioning: 'legacy', months: ['2025-04'] }, 'us-west-2');
      assert.deepEqual(west.map((p) => [p.instanceType, p.pricePerHour, p.region]), [['ml.p5.48xlarge', 75, 'us-west-2']]);
      await assert.rejects(curPrices(engine, { relation: 'cur', partitioning: 'legacy', months: ['2025-04'] }, 'xx-nowhere-1'), /no billing code is known for Region "xx-nowhere-1"/);
      const override = { ...fromCur[1]!, pricePerHour: 90, source: 'override' as const, reference: 'contract' };
      const prices = effectivePrices('us-east-1', DEFAULT_PRICES, fromCur, [override]);
      assert.deepEqual(prices.map((p) => [p.instanceType, p.pricePerHour, p.source]), [
        ['ml.g5.8xlarge', 3.06, 'cur'],
        ['ml.p5.48xlarge', 90, 'override'],
      ]);
    } finally {
      await engine.close();
    }
  });
});
