/**
 * A real S3 API on loopback (s3rver) for tests, and a way to copy a bucket prefix to a local
 * folder through the S3 API so the written objects can be read back as the collector wrote them.
 */
import crypto from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

// s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17)
// only offers in its legacy provider, so every truncated listing (> 1000 keys) answers
// InternalError (ERR_OSSL_EVP_UNSUPPORTED). s3rver runs in the test process: let its 'des' use
// AES-128-CBC instead (the token only has to round-trip through s3rver itself).
type CipherArgs = [algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: never];
function withoutDes([algorithm, key, iv, options]: CipherArgs): CipherArgs {
  if (algorithm !== 'des' || !Buffer.isBuffer(key) || !Buffer.isBuffer(iv)) return [algorithm, key, iv, options];
  return ['aes-128-cbc', Buffer.concat([key, key]), Buffer.concat([iv, iv]), options];
}
const createCipheriv = crypto.createCipheriv;
const createDecipheriv = crypto.createDecipheriv;
crypto.createCipheriv = ((...args: CipherArgs) => createCipheriv(...withoutDes(args))) as typeof crypto.createCipheriv;
crypto.createDecipheriv = ((...args: CipherArgs) => createDecipheriv(...withoutDes(args))) as typeof crypto.createDecipheriv;

export interface TestS3 {
  endpoint: string;
  clientConfig: S3ClientConfig;
  client: S3Client;
  stop(): Promise<void>;
}

export async function startS3(bucket: string): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clientConfig: S3ClientConfig = {
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver stores aws-chunked framing verbatim when the SDK adds checksums to streamed bodies.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  const client = new S3Client({ ...clientConfig, endpoint });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    clientConfig,
    client,
    stop: async () => {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Downloads every object under `prefix/` into `target`, keeping the key layout; returns the keys. */
export async function mirrorPrefix(client: S3Client, bucket: string, prefix: string, target: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const key = object.Key as string;
      const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const file = join(target, key.slice(prefix.length + 1));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, await (body.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      keys.push(key);
    }
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}
