/**
 * Where records end up: an S3 bucket and prefix, or a local directory with the same layout (the
 * embedded default). Writers only ever create new keys; nothing here reads, lists or deletes.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface ObjectStore {
  /** Human-readable location, for logs. */
  readonly description: string;
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
}

export type StorageLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'local'; directory: string };

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix`, `file:///path` or a plain path. */
export function parseStorageUrl(url: string): StorageLocation {
  if (!url.trim()) throw new Error('storage URL is empty: use s3://bucket/prefix or a local directory');
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    if (!BUCKET_NAME.test(bucket)) throw new Error(`invalid S3 bucket name ${JSON.stringify(bucket)} in storage URL`);
    if (/[\\{}^%`[\]"<>~#|]/.test(prefix)) throw new Error(`invalid characters in S3 prefix ${JSON.stringify(prefix)}`);
    return { kind: 's3', bucket, prefix };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file://')) {
    throw new Error(`unsupported storage URL ${JSON.stringify(url)}: use s3://bucket/prefix or a local directory`);
  }
  return { kind: 'local', directory: resolve(url.startsWith('file://') ? fileURLToPath(url) : url) };
}

class LocalObjectStore implements ObjectStore {
  readonly description: string;

  constructor(private readonly directory: string) {
    this.description = directory;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const target = join(this.directory, key);
    await mkdir(dirname(target), { recursive: true });
    // Readers (DuckDB globs) must never see a half-written file.
    const temporary = join(dirname(target), `.${Date.now()}-${Math.random().toString(36).slice(2)}.tmp`);
    await writeFile(temporary, body);
    await rename(temporary, target);
  }
}

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Extra client settings (tests pass credentials and checksum behaviour). */
  clientConfig?: S3ClientConfig;
  timeouts?: S3Timeouts;
}

/** How long to wait for a connection and for a whole request; a stuck request then fails and is retried. */
export interface S3Timeouts {
  connectionMs: number;
  requestMs: number;
}

const S3_TIMEOUTS: S3Timeouts = { connectionMs: 5_000, requestMs: 30_000 };

class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.description = `s3://${options.bucket}/${options.prefix}`;
    this.client = new S3Client({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      // Fail a stuck request quickly; the uploader retries with backoff and the spool keeps the data.
      // Without throwOnRequestTimeout the SDK only logs a warning and the request hangs on.
      requestHandler: new NodeHttpHandler({
        connectionTimeout: (options.timeouts ?? S3_TIMEOUTS).connectionMs,
        requestTimeout: (options.timeouts ?? S3_TIMEOUTS).requestMs,
        throwOnRequestTimeout: true,
      }),
      maxAttempts: 2,
      ...options.clientConfig,
    });
  }

  async put(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const fullKey = this.options.prefix ? `${this.options.prefix}/${key}` : key;
    await this.client.send(
      new PutObjectCommand({ Bucket: this.options.bucket, Key: fullKey, Body: body, ContentType: contentType }),
    );
  }
}

export interface StoreOptions {
  region?: string;
  s3Endpoint?: string;
  s3ClientConfig?: S3ClientConfig;
  s3Timeouts?: S3Timeouts;
}

export function openObjectStore(location: StorageLocation, options: StoreOptions = {}): ObjectStore {
  if (location.kind === 'local') return new LocalObjectStore(location.directory);
  return new S3ObjectStore({
    bucket: location.bucket,
    prefix: location.prefix,
    ...(options.region ? { region: options.region } : {}),
    ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
    ...(options.s3ClientConfig ? { clientConfig: options.s3ClientConfig } : {}),
    ...(options.s3Timeouts ? { timeouts: options.s3Timeouts } : {}),
  });
}
