/**
 * How the CLI reports a failure: one line, and exit code 2 for what the user can fix
 * (configuration, arguments, scenarios) or 1 for bugs and outages.
 */
import { AlertSettingsError, SqlValueError } from '@hyperpod-usage/model';
import { ConfigError } from './config.js';
import { GrafanaApiError } from './grafana/grafana-api.js';
import { ScenarioError } from './simulator/scenario.js';

/** Errors carry `code` as a string (Node), a number (HTTP clients) or not at all. */
function codeOf(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}

export function exitCodeOf(e: unknown): 1 | 2 {
  const usage =
    e instanceof ConfigError ||
    e instanceof ScenarioError ||
    e instanceof SqlValueError ||
    e instanceof AlertSettingsError ||
    e instanceof GrafanaApiError ||
    codeOf(e).startsWith('ERR_PARSE_ARGS_');
  return usage ? 2 : 1;
}

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused by',
  ECONNRESET: 'connection reset by',
  ETIMEDOUT: 'timed out connecting to',
  EHOSTUNREACH: 'no route to',
  ENOTFOUND: 'cannot resolve',
  EAI_AGAIN: 'cannot resolve',
  UND_ERR_CONNECT_TIMEOUT: 'timed out connecting to',
};

/** Where a network error went, from the cause chain of `fetch failed` and friends. */
function networkDetail(e: unknown): string | undefined {
  for (let cause: unknown = e, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const what = NETWORK_FAILURES[codeOf(cause)];
    if (!what) continue;
    const c = cause as { address?: unknown; port?: unknown; hostname?: unknown };
    const host = typeof c.address === 'string' ? c.address : typeof c.hostname === 'string' ? c.hostname : undefined;
    const target = host ? `${host}${typeof c.port === 'number' ? `:${c.port}` : ''}` : (cause as Error).message;
    return `${what} ${target}`;
  }
  return undefined;
}

/** One line that says what failed, naming the address for network errors. */
export function describeError(e: unknown): string {
  const message = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
  const network = networkDetail(e);
  return network && !message.includes(network) ? `${message}: ${network}` : message;
}
