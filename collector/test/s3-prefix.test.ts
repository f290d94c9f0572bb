// Emptying a partition prefix before an UNLOAD: against a real S3 API (s3rver) for paging and
// batching, and against a mocked client for DeleteObjects' per-key errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { deletePrefix, parseS3Url } from '../src/engine/s3-prefix.js';
import { startS3, type TestS3 } from './support/s3.js';

const BUCKET = 'usage-prefix';

/** Counts the commands a client sends, by name. */
function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommandsForTest' },
  );
  return counts;
}

async function putAll(client: S3Client, keys: string[], concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'x' }));
      }
    }),
  );
}

async function listAll(client: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

describe('deletePrefix against s3rver', () => {
  let s3: TestS3;
  before(async () => {
    s3 = await startS3(BUCKET);
  });
  after(async () => {
    await s3.stop();
  });

  it('deletes 2,500 objects in 3 DeleteObjects calls and leaves everything else alone', async () => {
    const prefix = 'rollup/hourly/year=2025/month=01/day=02/';
    const inside = Array.from({ length: 2500 }, (_, i) => `${prefix}cluster=c${i % 3}/part-${String(i).padStart(5, '0')}.parquet`);
    const outside = [
      'rollup/hourly/year=2025/month=01/day=020/part.parquet', // shares the text prefix without the '/'
      'rollup/hourly/year=2025/month=01/day=02', // the "folder" name itself as a key
      'rollup/hourly/year=2025/month=01/day=03/part.parquet',
      'raw/pod_usage/year=2025/month=01/day=02/part.parquet',
    ];
    await putAll(s3.client, [...inside, ...outside]);

    const client = new S3Client({ ...s3.clientConfig, endpoint: s3.endpoint });
    const counts = countCommands(client);
    try {
      assert.equal(await deletePrefix(client, BUCKET, prefix), 2500);
    } finally {
      client.destroy();
    }
    assert.equal(counts.get('DeleteObjectsCommand'), 3);
    assert.equal(counts.get('ListObjectsV2Command'), 3);
    assert.deepEqual(await listAll(s3.client, prefix), []);
    assert.deepEqual(await listAll(s3.client, ''), [...outside].sort());
  });

  it('returns 0 for a prefix with nothing under it', async () => {
    assert.equal(await deletePrefix(s3.client, BUCKET, 'rollup/daily/day=2099-01-01/'), 0);
  });

  it('refuses an empty prefix, one without a trailing slash and other unsafe ones, before any request', async () => {
    const client = new S3Client({ ...s3.clientConfig, endpoint: s3.endpoint });
    const counts = countCommands(client);
    try {
      await assert.rejects(deletePrefix(client, BUCKET, ''), /refusing to delete under s3:\/\/usage-prefix\/: it is empty \(that would delete the whole bucket\)/);
      await assert.rejects(deletePrefix(client, BUCKET, 'rollup/hourly/year=2025/month=01/day=02'), /does not end with '\/'/);
      await assert.rejects(deletePrefix(client, BUCKET, '/'), /only '\/'/);
      await assert.rejects(deletePrefix(client, BUCKET, 'rollup//day=02/'), /contains '\/\/'/);
      await assert.rejects(deletePrefix(client, BUCKET, 'rollup/../'), /'\.\.' segment/);
      await assert.rejects(deletePrefix(client, '', 'rollup/'), /bucket is empty/);
    } finally {
      client.destroy();
    }
    assert.equal(counts.size, 0, 'no request was sent');
    assert.equal((await listAll(s3.client, '')).length, 4, 'the objects of the first test are still there');
  });
});

describe('deletePrefix with DeleteObjects errors (mocked client)', () => {
  it('turns per-key errors into one error listing the first few', async () => {
    const client = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(client);
    const keys = Array.from({ length: 10 }, (_, i) => `p/k${i}`);
    mock.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key })), IsTruncated: false });
    mock.on(DeleteObjectsCommand).resolves({
      Errors: keys.slice(0, 7).map((Key) => ({ Key, Code: 'AccessDenied', Message: 'Access Denied' })),
    });
    try {
      await assert.rejects(deletePrefix(client, 'b', 'p/'), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.equal(
          err.message,
          'deletePrefix: S3 could not delete 7 of 10 objects under s3://b/p/ (3 deleted so far): ' +
            'p/k0 (AccessDenied: Access Denied), p/k1 (AccessDenied: Access Denied), p/k2 (AccessDenied: Access Denied), ' +
            'p/k3 (AccessDenied: Access Denied), p/k4 (AccessDenied: Access Denied) and 2 more',
        );
        return true;
      });
      const deletes = mock.commandCalls(DeleteObjectsCommand);
      assert.equal(deletes.length, 1);
      assert.equal(deletes[0]?.args[0].input.Delete?.Quiet, true);
      assert.equal(deletes[0]?.args[0].input.Delete?.Objects?.length, 10);
    } finally {
      mock.restore();
      client.destroy();
    }
  });

  it('splits a listing page of more than 1000 keys into batches of at most 1000', async () => {
    const client = new S3Client({ region: 'us-east-1' });
    const mock = mockClient(client);
    const keys = Array.from({ length: 2001 }, (_, i) => `p/k${i}`);
    mock.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key })), IsTruncated: false });
    mock.on(DeleteObjectsCommand).resolves({});
    try {
      assert.equal(await deletePrefix(client, 'b', 'p/'), 2001);
      assert.deepEqual(
        mock.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length),
        [1000, 1000, 1],
      );
    } finally {
      mock.restore();
      client.destroy();
    }
  });
});

describe('parseS3Url', () => {
  it('splits bucket and prefix, keeping the trailing slash', () => {
    assert.deepEqual(parseS3Url('s3://my-bucket/rollup/hourly/day=02/'), { bucket: 'my-bucket', prefix: 'rollup/hourly/day=02/' });
    assert.deepEqual(parseS3Url('s3://my-bucket/a/key'), { bucket: 'my-bucket', prefix: 'a/key' });
    assert.deepEqual(parseS3Url('s3://my-bucket/'), { bucket: 'my-bucket', prefix: '' });
    assert.deepEqual(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
  });

  it('rejects what is not a usable S3 URL', () => {
    assert.throws(() => parseS3Url('https://my-bucket/x/'), /not an S3 URL/);
    assert.throws(() => parseS3Url('s3://'), /invalid S3 bucket name ""/);
    assert.throws(() => parseS3Url('s3://My_Bucket/x/'), /invalid S3 bucket name "My_Bucket"/);
    assert.throws(() => parseS3Url('s3://my-bucket//x/'), /invalid S3 prefix .*starts with '\/'/);
    assert.throws(() => parseS3Url('s3://my-bucket/a//b/'), /contains '\/\/'/);
    assert.throws(() => parseS3Url('s3://my-bucket/a/../b/'), /'\.\.' segment/);
    assert.throws(() => parseS3Url('s3://my-bucket/a\nb/'), /control characters/);
  });
});
