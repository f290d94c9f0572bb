/**
 * The raw records as objects to list, read, write and delete: a local directory (the embedded
 * default) or an S3 bucket and prefix. The incremental runs list them; compaction (compaction.ts)
 * also rewrites closed hours.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { LocalRawLister, S3RawLister, type RawLister } from './incremental.js';

/** The raw objects compaction reads, writes and deletes: a local directory or an S3 bucket and prefix. */
export interface RawStore extends RawLister {
  /** A local file with the object's bytes: the file itself locally, a download into `scratch` on S3. */
  localCopy(key: string, scratch: string): Promise<string>;
  /** Stores a local file as `key`, whole: readers never see part of it. */
  putFile(key: string, file: string): Promise<void>;
  delete(keys: readonly string[]): Promise<void>;
}

export class LocalRawStore extends LocalRawLister implements RawStore {
  async localCopy(key: string): Promise<string> {
    return join(this.dataDir, key);
  }

  async putFile(key: string, file: string): Promise<void> {
    const target = join(this.dataDir, key);
    // Hidden and not *.parquet while it is copied in: DuckDB's globs and the listing skip it.
    const temporary = join(dirname(target), `.${basename(target)}.tmp`);
    writeFileSync(temporary, readFileSync(file));
    renameSync(temporary, target);
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) unlinkSync(join(this.dataDir, key));
  }
}

export class S3RawStore extends S3RawLister implements RawStore {
  async localCopy(key: string, scratch: string): Promise<string> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.root + key }));
    if (!object.Body) throw new Error(`s3://${this.bucket}/${this.root}${key}: empty answer`);
    const file = join(scratch, `${createHash('sha256').update(key).digest('hex').slice(0, 16)}.parquet`);
    writeFileSync(file, await object.Body.transformToByteArray());
    return file;
  }

  async putFile(key: string, file: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.root + key, Body: readFileSync(file), ContentType: 'application/vnd.apache.parquet' }));
  }

  async delete(keys: readonly string[]): Promise<void> {
    // A folder holds far fewer than the 1,000 keys one DeleteObjects takes.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const response = await this.s3.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.root + k })), Quiet: true } }),
      );
      const failed = response.Errors ?? [];
      if (failed.length) throw new Error(`S3 could not delete ${failed.length} merged raw file(s), e.g. ${failed[0]?.Key ?? '?'} (${failed[0]?.Code ?? 'error'})`);
    }
  }
}
