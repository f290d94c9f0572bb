// `hpu aggregate --price-list s3://…`: the aggregation CronJob has no files of its own, so it reads
// the get-products output from the data bucket (its role may read reference/*). The S3 client is
// the one `hpu aggregate --engine athena` makes, pointed at s3rver through the SDK's standard
// environment (AWS_ENDPOINT_URL_S3), in this file's own process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readPriceList } from '../src/aggregate/price-list.js';
import { openEngine, type OpenedEngine } from '../src/commands/engine-options.js';
import { ConfigError } from '../src/config.js';
import { silentLogger } from '../src/log.js';
import { startS3, type TestS3 } from './support/s3.js';

const fixture = fileURLToPath(new URL('./fixtures/price-list/get-products-sagemaker.json', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const BUCKET = 'hpu-prices-test';

describe('price list from S3', () => {
  let s3: TestS3;
  let opened: OpenedEngine;
  before(async () => {
    s3 = await startS3(BUCKET);
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reference/price-list.json', Body: readFileSync(fixture, 'utf8') }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    });
    opened = await openEngine({ engine: 'athena', database: 'hyperpod_usage', workgroup: 'hyperpod-usage', 'storage-url': `s3://${BUCKET}`, region: 'us-east-1' }, silentLogger);
  });
  after(async () => {
    await opened?.close();
    await s3?.stop();
  });

  it('reads the object the Athena engine is given and finds the same prices as in the file', async () => {
    assert.ok(opened.readObject, 'the Athena engine reads objects');
    const text = await opened.readObject(`s3://${BUCKET}/reference/price-list.json`);
    assert.equal(text, readFileSync(fixture, 'utf8'));
    const prices = readPriceList(text, `s3://${BUCKET}/reference/price-list.json`, 'us-east-1', silentLogger).filter((p) => p.region === 'us-east-1');
    assert.deepEqual(prices.map((p) => [p.instanceType, p.pricePerHour]), [
      ['ml.c5.xlarge', 0.2],
      ['ml.g5.8xlarge', 3.06],
      ['ml.g6e.xlarge', 1.8],
      ['ml.m5.xlarge', 0.24],
      ['ml.p5.48xlarge', 40],
      ['ml.trn1.32xlarge', 16],
    ]);
  });

  it('a missing object, a folder or a bad bucket is a one-line configuration error naming the URL', async () => {
    const read = opened.readObject as (url: string) => Promise<string>;
    for (const [url, message] of [
      [`s3://${BUCKET}/reference/nope.json`, /^s3:\/\/hpu-prices-test\/reference\/nope\.json: NoSuchKey: /],
      [`s3://${BUCKET}/reference/`, /^s3:\/\/hpu-prices-test\/reference\/: name an object, not a folder/],
      ['s3://Bad_Bucket/x.json', /^invalid S3 bucket name "Bad_Bucket"/],
    ] as const) {
      await assert.rejects(read(url), (e: unknown) => e instanceof ConfigError && message.test(e.message) && !e.message.includes('\n'), url);
    }
  });

  it('the local engine refuses an S3 price list with one line, before aggregating', () => {
    const run = spawnSync(process.execPath, ['--conditions=development', '--import', 'tsx', cli, 'aggregate', '--data', '/nonexistent-empty-dir', '--days', '1', '--price-list', `s3://${BUCKET}/reference/price-list.json`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, /--price-list s3:\/\/hpu-prices-test\/reference\/price-list\.json: an S3 price list needs --engine athena; give a file/);
  });
});
