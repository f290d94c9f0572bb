/**
 * Prometheus metrics the collector exports. The plugin's PromQL and the alert rules use these
 * names, so they live here, beside the tables.
 */
export interface MetricSpec {
  name: string;
  help: string;
  labels: readonly string[];
  type: 'gauge' | 'counter';
}

const QUOTA_LABELS = ['cluster', 'team', 'cluster_queue', 'cohort', 'flavor', 'instance_type', 'resource'] as const;

const gauge = (name: string, help: string, labels: readonly string[]): MetricSpec => ({ name, help, labels, type: 'gauge' });
const counter = (name: string, help: string, labels: readonly string[]): MetricSpec => ({
  name,
  help,
  labels,
  type: 'counter',
});

/** Live quota state per team, flavor and resource, from the ClusterQueues and admitted Workloads. */
export const QUOTA_METRICS = {
  nominal: gauge('hyperpod_usage_quota_nominal', 'Nominal quota of the ClusterQueue (resource units: GPUs, vCPUs, bytes, devices).', QUOTA_LABELS),
  usage: gauge('hyperpod_usage_quota_usage', 'Quota in use by admitted workloads, including borrowed.', QUOTA_LABELS),
  borrowed: gauge('hyperpod_usage_quota_borrowed', 'Quota in use above the nominal quota (borrowed from the cohort).', QUOTA_LABELS),
  lent: gauge('hyperpod_usage_quota_lent', "Part of the team's nominal quota in use by other teams of its cohort.", QUOTA_LABELS),
  borrowingLimit: gauge('hyperpod_usage_quota_borrowing_limit', 'Borrowing limit (absent when unlimited).', QUOTA_LABELS),
  lendingLimit: gauge('hyperpod_usage_quota_lending_limit', 'Lending limit (absent when unlimited).', QUOTA_LABELS),
  workloads: gauge('hyperpod_usage_workloads', 'Workloads per ClusterQueue by state (admitted, pending).', ['cluster', 'team', 'cluster_queue', 'state']),
} as const;

/** Health of the collector itself; each series also carries `cluster` (a default label of the registry). */
export const COLLECTOR_METRICS = {
  events: counter('hyperpod_usage_collector_events_total', 'Watch events handled.', ['kind', 'type']),
  watchRestarts: counter('hyperpod_usage_collector_watch_restarts_total', 'Watches restarted after an error.', ['kind']),
  objectsSkipped: counter('hyperpod_usage_collector_objects_skipped_total', 'Objects skipped because they could not be read.', ['kind', 'reason']),
  recordsWritten: counter('hyperpod_usage_collector_records_written_total', 'Records written to the spool.', ['table']),
  bytesWritten: counter('hyperpod_usage_collector_bytes_written_total', 'Parquet bytes written to the spool.', ['table']),
  recordsDropped: counter('hyperpod_usage_collector_records_dropped_total', 'Records dropped because spool and memory buffer were both full.', ['table']),
  valuesNulled: counter(
    'hyperpod_usage_collector_values_nulled_total',
    'Values written as null because their column type cannot hold them (out of range, not finite).',
    ['table', 'column'],
  ),
  flushFailures: counter('hyperpod_usage_collector_flush_failures_total', 'Flushes that failed to write to the spool (their records stay buffered).', []),
  spoolQuarantined: counter('hyperpod_usage_collector_spool_quarantined_total', 'Spool files that could not be read and were moved to the quarantine folder.', []),
  uploads: counter('hyperpod_usage_collector_uploads_total', 'Objects uploaded to storage.', []),
  uploadFailures: counter('hyperpod_usage_collector_upload_failures_total', 'Failed upload attempts (each is retried).', []),
  spoolBytes: gauge('hyperpod_usage_collector_spool_bytes', 'Bytes waiting in the spool for upload.', []),
  spoolFull: gauge('hyperpod_usage_collector_spool_full', '1 while the spool is at its limit and records wait in memory.', []),
  bufferedRecords: gauge('hyperpod_usage_collector_buffered_records', 'Records in memory not yet written to the spool.', []),
  bufferedBytes: gauge('hyperpod_usage_collector_buffered_bytes', 'Estimated heap bytes of the records in memory.', []),
  bufferLimitBytes: gauge('hyperpod_usage_collector_buffer_limit_bytes', 'Bound of the in-memory buffer (a quarter of the heap limit); past it the oldest records are dropped.', []),
  lastFlushSuccess: gauge('hyperpod_usage_collector_last_flush_success_timestamp_seconds', 'Unix time (real clock) of the last flush that wrote everything it had.', []),
  leader: gauge('hyperpod_usage_collector_leader', '1 while this replica holds the Lease and writes.', []),
  lastUploadSuccess: gauge('hyperpod_usage_collector_last_upload_success_timestamp_seconds', 'Unix time of the last successful upload.', []),
  lastFlush: gauge('hyperpod_usage_collector_last_flush_timestamp_seconds', 'Cluster time (Unix seconds) of the last flush.', []),
  heapUsed: gauge('hyperpod_usage_collector_heap_used_bytes', 'V8 heap in use (bytes).', []),
  heapLimit: gauge('hyperpod_usage_collector_heap_limit_bytes', 'V8 heap size limit (bytes): --max-old-space-size in NODE_OPTIONS, plus new space.', []),
} as const;
