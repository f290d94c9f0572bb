// The aggregation's AWS path, where no Athena can run: Athena mocked at the SDK, S3 real (s3rver).
// Each partition's prefix is emptied, then UNLOADed into; every statement sent parses as Trino.
// Also: effective rates from a Cost and Usage Report table, on DuckDB with hand-computed answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { TrinoSQL } from 'dt-sql-parser';
import { athenaRelations, DEFAULT_PRICES, effectivePrices } from '@hyperpod-usage/model';
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

  it('empties each partition prefix and UNLOADs into it; the SQL is valid Trino', async () => {
    const put = (key: string) => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
    // A failed earlier run left a partial file; another cluster's partition and the raw data must survive.
    await put('usage/rollups/team_hourly/year=2025/month=04/day=16/cluster=prod/old-part.parquet');
    await put('usage/rollups/team_hourly/year=2025/month=04/day=16/cluster=other/keep.parquet');
    await put('usage/raw/workload/year=2025/month=04/day=16/hour=08/cluster=prod/keep.parquet');

    const athena = mockClient(AthenaClient);
    let id = 0;
    athena.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${++id}` }));
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML', SubstatementType: 'UNLOAD' } });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } }, UpdateCount: 0 });
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
      });
      const statements = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
      assert.equal(statements.length, 7, 'the price table and six rollups of one day and cluster');
      assert.ok(statements.every((s) => s.WorkGroup === 'hyperpod-usage' && s.QueryExecutionContext?.Database === 'hyperpod_usage'));
      const parser = new TrinoSQL();
      for (const s of statements) {
        const m = /^UNLOAD \(([\s\S]*)\) TO '(s3:\/\/[^']+)' WITH \(format = 'PARQUET', compression = 'SNAPPY'\)$/.exec(s.QueryString ?? '');
        assert.ok(m, `an UNLOAD: ${s.QueryString?.slice(0, 80)}`);
        assert.deepEqual(parser.validate(m[1] as string), [], `the SELECT of ${m[2]} parses as Trino`);
      }
      const targets = statements.map((s) => /TO '([^']+)'/.exec(s.QueryString ?? '')?.[1]);
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
        ('2025', '4', 'AmazonSageMaker', 'USE1-Cluster:ml.g5.8xlarge', 'Usage', 4, 12.24, 0, 0)`);
      const fromCur = await curPrices(engine, { relation: 'cur', partitioning: 'legacy', months: ['2025-04'] }, 'us-east-1');
      // p5: (983.2 on demand + 600 under a Savings Plan + 250 reserved) / 25 hours = 73.328 per hour.
      assert.deepEqual(
        fromCur.map((p) => [p.instanceType, Math.round(p.pricePerHour * 1e6) / 1e6, p.source]),
        [
          ['ml.g5.8xlarge', 3.06, 'cur'],
          ['ml.p5.48xlarge', 73.328, 'cur'],
        ],
      );
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
