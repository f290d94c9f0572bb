/**
 * A small client for Grafana's HTTP API with a service-account token: JSON in and out, and
 * one-line errors that say what to do for the statuses a user can fix (401, 403, 404).
 */
export class GrafanaApiError extends Error {
  override name = 'GrafanaApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface GrafanaResponse<T> {
  status: number;
  body: T;
}

export interface RequestOptions {
  /** Statuses that are an answer, not an error (404 when looking an object up). */
  accept?: readonly number[];
  headers?: Record<string, string>;
}

function messageOf(body: unknown): string {
  if (body && typeof body === 'object' && 'message' in body && typeof (body as { message: unknown }).message === 'string') return (body as { message: string }).message;
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

export class GrafanaApi {
  private readonly base: string;
  constructor(
    url: string,
    private readonly token: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new GrafanaApiError(`--url ${JSON.stringify(url)} is not a URL (e.g. https://g-123.grafana-workspace.us-east-1.amazonaws.com)`, 0);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new GrafanaApiError(`--url must be http(s), got ${parsed.protocol}`, 0);
    this.base = parsed.href.replace(/\/+$/, '');
    if (token.trim() === '') throw new GrafanaApiError('--token is empty: create a service account token in Grafana (Administration > Service accounts)', 0);
  }

  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<GrafanaResponse<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, Accept: 'application/json', ...options.headers };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new GrafanaApiError(`cannot reach Grafana at ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, 0);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the error message.
    }
    if (response.ok || options.accept?.includes(response.status)) return { status: response.status, body: parsed as T };
    const detail = messageOf(parsed);
    const what = `${method} ${path}`;
    switch (response.status) {
      case 401:
        throw new GrafanaApiError(`Grafana refused the token (401 on ${what}): check --token; it must be a service account token of this Grafana and not expired`, 401);
      case 403:
        throw new GrafanaApiError(`the token may not do this (403 on ${what}${detail ? `: ${detail}` : ''}): give the service account the Admin role, or Editor plus data source and alert rule write permissions`, 403);
      case 404:
        throw new GrafanaApiError(`not found (404 on ${what}): is --url the root of a Grafana${detail ? `? ${detail}` : '?'}`, 404);
      default:
        throw new GrafanaApiError(`Grafana answered ${response.status} to ${what}${detail ? `: ${detail}` : ''}`, response.status);
    }
  }
}
