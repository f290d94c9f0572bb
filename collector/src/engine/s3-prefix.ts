/**
 * Emptying one S3 "folder" so an Athena UNLOAD (which refuses a non-empty target) can rewrite a
 * partition: the aggregation deletes the partition prefix, then UNLOADs into it, and a re-run
 * converges (the delete also removes a failed run's partial files).
 *
 * On a versioned bucket the deletes add delete markers; a NoncurrentVersionExpiration lifecycle
 * rule reclaims the old versions.
 */
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** DeleteObjects accepts at most this many keys per request. */
const DELETE_BATCH = 1000;
/** How many failed keys a DeleteObjects error message names. */
const ERRORS_SHOWN = 5;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Why a prefix is not safe to delete under, or undefined when it is. */
function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return 'it is empty (that would delete the whole bucket)';
  if (!prefix.endsWith('/')) return "it does not end with '/' (that would also match sibling keys sharing the prefix)";
  if (/^\/+$/.test(prefix)) return "it is only '/'";
  if (prefix.startsWith('/')) return "it starts with '/'";
  if (prefix.includes('//')) return "it contains '//'";
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..')) return "it has a '.' or '..' segment";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(prefix)) return 'it contains control characters or a backslash';
  return undefined;
}

/**
 * Deletes every object whose key starts with `prefix` (which must end with '/') and returns how
 * many were deleted. Pages through ListObjectsV2 and deletes each page with one DeleteObjects
 * call (at most 1000 keys). Keys DeleteObjects reports as failed are thrown as one error naming
 * the first few; nothing after that batch is deleted.
 */
export async function deletePrefix(client: S3Client, bucket: string, prefix: string): Promise<number> {
  if (!bucket) throw new Error('deletePrefix: bucket is empty');
  const problem = prefixProblem(prefix);
  if (problem) throw new Error(`deletePrefix: refusing to delete under s3://${bucket}/${prefix}: ${problem}`);

  let deleted = 0;
  let continuationToken: string | undefined;
  do {
    // ListObjectsV2 continues after the last key returned, so deleting listed keys between pages
    // does not make it skip any.
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
    );
    const keys = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => k !== undefined && k.startsWith(prefix));
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      const response = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          // Quiet: the response lists only the keys that could not be deleted.
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const errors = response.Errors ?? [];
      if (errors.length > 0) {
        const shown = errors
          .slice(0, ERRORS_SHOWN)
          .map((e) => `${e.Key ?? '?'} (${e.Code ?? 'error'}${e.Message ? `: ${e.Message}` : ''})`)
          .join(', ');
        const more = errors.length > ERRORS_SHOWN ? ` and ${errors.length - ERRORS_SHOWN} more` : '';
        throw new Error(
          `deletePrefix: S3 could not delete ${errors.length} of ${batch.length} objects under s3://${bucket}/${prefix} ` +
            `(${deleted + batch.length - errors.length} deleted so far): ${shown}${more}`,
        );
      }
      deleted += batch.length;
    }
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return deleted;
}

/**
 * `s3://bucket/some/prefix/` → `{ bucket: 'bucket', prefix: 'some/prefix/' }`. The prefix is kept
 * exactly (a trailing '/' matters to S3); `s3://bucket` and `s3://bucket/` give an empty prefix.
 */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  if (!url.startsWith('s3://')) throw new Error(`not an S3 URL (expected s3://bucket/prefix/): ${JSON.stringify(url)}`);
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new Error(`invalid S3 bucket name ${JSON.stringify(bucket)} in ${JSON.stringify(url)}`);
  }
  if (prefix !== '') {
    const problem = prefixProblem(prefix.endsWith('/') ? prefix : `${prefix}/`);
    if (problem) throw new Error(`invalid S3 prefix in ${JSON.stringify(url)}: ${problem}`);
  }
  return { bucket, prefix };
}
