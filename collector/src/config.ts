/**
 * Collector configuration from flags and environment (flags win). Every problem is a ConfigError
 * with a one-line message; the CLI prints it and exits non-zero.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { assertClusterName } from '@hyperpod-usage/model';
import { KUEUE_VERSIONS, type KueueVersion } from './kube/api.js';
import type { LogFormat, LogLevel } from './log.js';
import { parseStorageUrl, type StorageLocation } from './sink/object-store.js';
import { DEFAULT_TEAM_MAPPING, loadTeamMapping, type TeamMappingConfig } from './state/teams.js';

export class ConfigError extends Error {}

/** Runs a validator whose errors are the user's to fix, turning them into ConfigErrors (exit 2). */
export function asConfigError<T>(validate: () => T, option?: string): T {
  try {
    return validate();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const message = (e as Error).message ?? String(e);
    throw new ConfigError(option ? `--${option}: ${message}` : message);
  }
}

export interface CollectorConfig {
  clusterName: string;
  storage: StorageLocation;
  region: string | undefined;
  s3Endpoint: string | undefined;
  flushIntervalMs: number;
  spoolDir: string;
  spoolMaxBytes: number;
  teamMapping: TeamMappingConfig;
  metricsAddress: string;
  metricsPort: number;
  /** Serve /healthz and /readyz on this port instead of the metrics port. */
  probePort: number | undefined;
  /** A leader with no successful flush for this long fails /healthz. */
  maxFlushAgeMs: number;
  leaderElect: boolean;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  kueueVersion: KueueVersion | 'auto';
  kubeconfig: string | undefined;
  logFormat: LogFormat;
  logLevel: LogLevel;
  /** `origin,realOrigin,speed[,stopAt]`: run on a simulated cluster clock (simulator and tests). */
  simulatedClock: string | undefined;
}

/** Flag name → environment variable. */
export const COLLECTOR_OPTIONS = {
  'cluster-name': 'CLUSTER_NAME',
  'storage-url': 'STORAGE_URL',
  region: 'AWS_REGION',
  's3-endpoint': 'S3_ENDPOINT',
  'flush-interval': 'FLUSH_INTERVAL',
  'spool-dir': 'SPOOL_DIR',
  'spool-max-bytes': 'SPOOL_MAX_BYTES',
  'team-mapping': 'TEAM_MAPPING_FILE',
  'metrics-address': 'METRICS_ADDRESS',
  'metrics-port': 'METRICS_PORT',
  'probe-port': 'PROBE_PORT',
  'max-flush-age': 'MAX_FLUSH_AGE',
  'leader-elect': 'LEADER_ELECT',
  'lease-name': 'LEASE_NAME',
  'lease-namespace': 'POD_NAMESPACE',
  identity: 'POD_NAME',
  'lease-duration': 'LEASE_DURATION',
  'renew-deadline': 'RENEW_DEADLINE',
  'retry-period': 'RETRY_PERIOD',
  'kueue-api-version': 'KUEUE_API_VERSION',
  kubeconfig: 'KUBECONFIG',
  'log-format': 'LOG_FORMAT',
  'log-level': 'LOG_LEVEL',
  'simulated-clock': 'SIMULATED_CLOCK',
} as const;

export type CollectorOption = keyof typeof COLLECTOR_OPTIONS;

export const COLLECT_USAGE = `Usage: hpu collect [options]   (each option can also be set by its environment variable)
  --cluster-name NAME        CLUSTER_NAME        HyperPod cluster name (required)
  --storage-url URL          STORAGE_URL         s3://bucket/prefix or a local directory (required)
  --region REGION            AWS_REGION          AWS region of the bucket
  --s3-endpoint URL          S3_ENDPOINT         S3-compatible endpoint (tests, MinIO)
  --flush-interval DURATION  FLUSH_INTERVAL      how often records are written (default 60s; 1s to 1h)
  --spool-dir DIR            SPOOL_DIR           local spool (default ./.hpu-spool)
  --spool-max-bytes SIZE     SPOOL_MAX_BYTES     spool limit (default 1Gi)
  --team-mapping FILE        TEAM_MAPPING_FILE   YAML mapping of namespaces/ClusterQueues to teams
  --metrics-address ADDR     METRICS_ADDRESS     address of /metrics, /healthz, /readyz (default 0.0.0.0)
  --metrics-port PORT        METRICS_PORT        port of /metrics, /healthz, /readyz (default 8080; 0 = any)
  --probe-port PORT          PROBE_PORT          serve /healthz and /readyz on this port, /metrics alone on the other
  --max-flush-age DURATION   MAX_FLUSH_AGE       /healthz fails when the leader flushed nothing for this long (default 10m or 3 flush intervals)
  --leader-elect BOOL        LEADER_ELECT        elect a leader with a Lease (default true)
  --lease-name NAME          LEASE_NAME          Lease name (default hyperpod-usage-collector)
  --lease-namespace NS       POD_NAMESPACE       Lease namespace (default hyperpod-usage)
  --identity NAME            POD_NAME            this replica's identity (default the host name)
  --lease-duration DURATION  LEASE_DURATION      default 15s
  --renew-deadline DURATION  RENEW_DEADLINE      default 10s
  --retry-period DURATION    RETRY_PERIOD        default 2s
  --kueue-api-version V      KUEUE_API_VERSION   auto, v1beta1 or v1beta2 (default auto)
  --kubeconfig FILE          KUBECONFIG          default: in-cluster, else ~/.kube/config
  --log-format json|text     LOG_FORMAT          default text
  --log-level LEVEL          LOG_LEVEL           debug, info, warn, error (default info)`;

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(value: string, option: string): number {
  const m = DURATION.exec(value.trim());
  if (!m) throw new ConfigError(`--${option}: invalid duration ${JSON.stringify(value)} (use e.g. 500ms, 60s, 5m, 1h)`);
  const ms = Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? 1);
  if (ms <= 0) throw new ConfigError(`--${option}: must be greater than zero`);
  return ms;
}

/** A duration within [minMs, maxMs], named in the error as written. */
export function parseBoundedDuration(value: string, option: string, minMs: number, maxMs: number, bounds: string): number {
  const ms = parseDuration(value, option);
  if (ms < minMs || ms > maxMs) throw new ConfigError(`--${option}: must be between ${bounds}, got ${JSON.stringify(value)}`);
  return ms;
}

/** 1 s .. 1 h: shorter floods storage with tiny files, longer loses the hour-partition rhythm. */
export const parseFlushInterval = (value: string, option = 'flush-interval'): number =>
  parseBoundedDuration(value, option, 1000, 3_600_000, '1s and 1h');

function parsePort(value: string | undefined, option: string, fallback: number): number {
  const port = Number(value ?? String(fallback));
  if (value?.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--${option}: expected a port number, got ${JSON.stringify(value)}`);
  }
  return port;
}

/** `YYYY-MM-DD` that names a real calendar day (2025-02-30 does not), as UTC midnight epoch ms. */
export function parseIsoDay(value: string, option: string): number {
  const ms = /^\d{4}-\d\d-\d\d$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) {
    throw new ConfigError(`--${option}: ${value} is not a date (expected YYYY-MM-DD)`);
  }
  return ms;
}

const SIZE = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$/;
const SIZE_UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

function parseSize(value: string, option: string): number {
  const m = SIZE.exec(value.trim());
  if (!m) throw new ConfigError(`--${option}: invalid size ${JSON.stringify(value)} (use e.g. 512Mi, 1Gi)`);
  const bytes = Math.floor(Number(m[1]) * (SIZE_UNITS[m[2] ?? ''] ?? 1));
  if (bytes < 1024 * 1024) throw new ConfigError(`--${option}: at least 1Mi is needed to hold one flush`);
  return bytes;
}

function parseBool(value: string, option: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  throw new ConfigError(`--${option}: expected true or false, got ${JSON.stringify(value)}`);
}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if (!allowed.includes(value as T)) throw new ConfigError(`--${option}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Reads the collector configuration from command-line arguments and the environment. */
export function parseCollectorConfig(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  let values: Record<string, string | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(COLLECTOR_OPTIONS).map((k) => [k, { type: 'string' as const }]));
    ({ values } = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }) as {
      values: Record<string, string | undefined>;
    });
  } catch (e) {
    throw new ConfigError((e as Error).message.split('\n')[0] ?? 'invalid arguments');
  }
  const get = (option: CollectorOption): string | undefined => {
    const v = values[option] ?? env[COLLECTOR_OPTIONS[option]];
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (option: CollectorOption): string => {
    const v = get(option);
    if (v === undefined) throw new ConfigError(`--${option} (or ${COLLECTOR_OPTIONS[option]}) is required`);
    return v;
  };
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw e instanceof ConfigError ? e : new ConfigError((e as Error).message);
    }
  };

  const clusterName = wrap(() => assertClusterName(required('cluster-name')));
  const storage = wrap(() => parseStorageUrl(required('storage-url')));
  const metricsPort = parsePort(get('metrics-port'), 'metrics-port', 8080);
  const probeText = get('probe-port');
  const probePort = probeText === undefined ? undefined : parsePort(probeText, 'probe-port', 0);
  if (probePort !== undefined && probePort !== 0 && probePort === metricsPort) throw new ConfigError('--probe-port: must differ from --metrics-port');
  const flushIntervalMs = parseFlushInterval(get('flush-interval') ?? '60s');
  const maxFlushAgeText = get('max-flush-age');
  // Default: 10 minutes, or three flush intervals when those are longer.
  const maxFlushAgeMs = maxFlushAgeText === undefined ? Math.max(600_000, 3 * flushIntervalMs) : parseDuration(maxFlushAgeText, 'max-flush-age');
  if (maxFlushAgeMs < 2 * flushIntervalMs) throw new ConfigError('--max-flush-age: must be at least twice --flush-interval');
  const leaseDurationMs = parseDuration(get('lease-duration') ?? '15s', 'lease-duration');
  const renewDeadlineMs = parseDuration(get('renew-deadline') ?? '10s', 'renew-deadline');
  const retryPeriodMs = parseDuration(get('retry-period') ?? '2s', 'retry-period');
  if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs * 1.2)) {
    throw new ConfigError('lease timing: need lease-duration > renew-deadline > 1.2 × retry-period');
  }
  const teamMappingFile = get('team-mapping');
  const simulatedClock = get('simulated-clock');
  return {
    clusterName,
    storage,
    region: get('region'),
    s3Endpoint: get('s3-endpoint'),
    flushIntervalMs,
    spoolDir: get('spool-dir') ?? '.hpu-spool',
    spoolMaxBytes: parseSize(get('spool-max-bytes') ?? '1Gi', 'spool-max-bytes'),
    teamMapping: teamMappingFile ? wrap(() => loadTeamMapping(teamMappingFile)) : DEFAULT_TEAM_MAPPING,
    metricsAddress: get('metrics-address') ?? '0.0.0.0',
    metricsPort,
    probePort,
    maxFlushAgeMs,
    leaderElect: parseBool(get('leader-elect') ?? 'true', 'leader-elect'),
    leaseName: get('lease-name') ?? 'hyperpod-usage-collector',
    leaseNamespace: get('lease-namespace') ?? 'hyperpod-usage',
    identity: get('identity') ?? hostname(),
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    kueueVersion: oneOf(get('kueue-api-version') ?? 'auto', ['auto', ...KUEUE_VERSIONS], 'kueue-api-version'),
    kubeconfig: get('kubeconfig'),
    logFormat: oneOf(get('log-format') ?? 'text', ['json', 'text'] as const, 'log-format'),
    logLevel: oneOf(get('log-level') ?? 'info', ['debug', 'info', 'warn', 'error'] as const, 'log-level'),
    simulatedClock,
  };
}
