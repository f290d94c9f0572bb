// Incremental aggregation on S3 and Athena (the hourly CronJob): raw objects are listed per hour
// partition of each day's read window, the state is an object under the rollups prefix, and a
// run over unchanged data sends no query and changes no object. Athena is faked at the SDK: an
// UNLOAD writes one object of random bytes into its target, so a rewrite would show.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, GetTableMetadataCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { athenaRelations, DAY_MS, DEFAULT_PRICES, effectivePrices } from '@hyperpod-usage/model';
import { aggregate } from '../src/aggregate/aggregator.js';
import { aggregateIncrementally, S3RawLister, S3StateStore, windowHours } from '../src/aggregate/incremental.js';
import { AthenaRollupWriter } from '../src/aggregate/rollup-writer.js';
import { AthenaEngine } from '../src/engine/athena-engine.js';
import { silentLogger } from '../src/log.js';
import { startS3, type TestS3 } from './support/s3.js';

const BUCKET = 'usage-incremental';
const PREFIX = 'usage';
const D16 = Date.parse('2025-04-16T00:00:00Z');
const D17 = D16 + DAY_MS;

describe('incremental aggregation on S3', () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startS3(BUCKET);
  });
  after(async () => s3.stop());

  const put = (key: string, body = 'x') => s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${key}`, Body: body }));

  /** Every object with its ETag and modification time. */
  async function snapshot(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
      for (const o of page.Contents ?? []) out.set(o.Key as string, `${o.ETag} ${o.LastModified?.toISOString()}`);
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  it('redoes only the days whose window hours changed, and a re-run over unchanged data writes nothing', async () => {
    await put('raw/heartdub/year=2025/month=04/day=15/hour=23/hb-1.parquet');
    await put('raw/workload/year=2025/month=04/day=16/hour=10/cluster=prod/w-1.parquet');
    await put('raw/heartdub/year=2025/month=04/day=17/hour=05/hb-2.parquet');

    const athena = mockClient(AthenaClient);
    const sqlOf = new Map<string, string>();
    athena.on(StartQueryExecutionCommand).callsFake((input: { QueryString: string }) => {
      const id = `q${sqlOf.size + 1}`;
      sqlOf.set(id, input.QueryString);
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake(async (input: { QueryExecutionId: string }) => {
      const target = /^UNLOAD [\s\S]* TO 's3:\/\/[^/]+\/([^']+)'/.exec(sqlOf.get(input.QueryExecutionId) ?? '')?.[1];
      if (target) await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${target}part-0.parquet`, Body: randomBytes(16) }));
      return { QueryExecution: { Status: { State: 'SUCCEEDED' }, StatementType: 'DML' } };
    });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [], ResultSetMetadata: { ColumnInfo: [] } } });
    athena.on(GetTableMetadataCommand).resolves({ TableMetadata: { Name: 't' } });
    const engine = new AthenaEngine({ workGroup: 'hyperpod-usage', database: 'hyperpod_usage', client: new AthenaClient({ region: 'us-east-1' }), sleep: async () => undefined });
    const lister = new S3RawLister(s3.client, BUCKET, PREFIX);
    const store = new S3StateStore(s3.client, BUCKET, PREFIX);
    const unloadTargets = () => athena.commandCalls(StartQueryExecutionCommand).flatMap((c) => /TO '([^']+)'/.exec(c.args[0].input.QueryString ?? '')?.[1] ?? []);
    const run = async (settings = 'settings A') => {
      athena.resetHistory();
      return aggregateIncrementally({
        lister,
        store,
        days: [D16, D17],
        settings,
        aggregateDays: (days) =>
          aggregate({
            writer: new AthenaRollupWriter(engine, s3.client, BUCKET, PREFIX),
            relations: athenaRelations('hyperpod_usage'),
            days,
            clusters: ['prod'],
            prices: effectivePrices('us-east-1', DEFAULT_PRICES),
            costSplit: 'accelerator',
            log: silentLogger,
          }),
      });
    };
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    try {
      let r = await run();
      assert.deepEqual(r.plan.changed.map(day), ['2025-04-16', '2025-04-17'], 'no state yet: every day');
      assert.equal(store.key, 'usage/rollups/aggregate-state.json');
      const state = JSON.parse(await (await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: store.key }))).Body!.transformToString()) as { days: Record<string, string> };
      assert.deepEqual(Object.keys(state.days), ['2025-04-16', '2025-04-17']);

      // Unchanged: no query, and not one object rewritten (the state and the price table included).
      const before = await snapshot();
      r = await run();
      assert.deepEqual(r.plan.unchanged.map(day), ['2025-04-16', '2025-04-17']);
      assert.equal(r.result, undefined);
      assert.equal(athena.commandCalls(StartQueryExecutionCommand).length, 0);
      assert.deepEqual(await snapshot(), before);

      // An hour outside both windows (the 18th, 03:00) changes nothing.
      await put('raw/heartdub/year=2025/month=04/day=18/hour=03/hb-3.parquet');
      r = await run();
      assert.deepEqual(r.plan.changed, []);

      // A new object at 05:00 on the 17th: only the 17th reads it (the 16th's window ends at 01:00).
      await put('raw/pod/year=2025/month=04/day=17/hour=05/cluster=prod/p-1.parquet');
      r = await run();
      assert.deepEqual(r.plan.changed.map(day), ['2025-04-17']);
      assert.deepEqual(r.plan.unchanged.map(day), ['2025-04-16']);
      const targets = unloadTargets().filter((t) => t.includes('/day='));
      assert.equal(targets.length, 6);
      assert.ok(targets.every((t) => t.includes('/day=17/cluster=prod/')), 'only the 17th is rewritten');

      // Near midnight: 00:00 on the 17th is in both windows.
      await put('raw/heartdub/year=2025/month=04/day=17/hour=00/hb-4.parquet');
      r = await run();
      assert.deepEqual(r.plan.changed.map(day), ['2025-04-16', '2025-04-17']);

      // A rewritten object (same key, other bytes) counts as a change; other settings redo every day.
      await put('raw/pod/year=2025/month=04/day=17/hour=05/cluster=prod/p-1.parquet', 'y-longer');
      r = await run();
      assert.deepEqual(r.plan.changed.map(day), ['2025-04-17']);
      r = await run('settings B');
      assert.deepEqual(r.plan.changed.map(day), ['2025-04-16', '2025-04-17']);
    } finally {
      athena.restore();
      await engine.close();
    }
  });

  it('lists only the hour partitions of the read window: the day before, the day and one hour', () => {
    const hours = windowHours(D17);
    assert.equal(hours.length, 49);
    assert.equal(new Date(hours[0] as number).toISOString(), '2025-04-16T00:00:00.000Z');
    assert.equal(new Date(hours[48] as number).toISOString(), '2025-04-18T00:00:00.000Z');
  });
});
