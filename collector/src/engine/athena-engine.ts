/**
 * The AWS engine: one statement per Athena query execution, polled to completion, with the
 * result pages turned into the same `{columns, rows}` shape (timestamps as epoch milliseconds)
 * that the embedded DuckDB engine returns.
 *
 * Retries: API throttling (`ThrottlingException`, and `TooManyRequestsException` when the account
 * runs too many queries at once) is retried by the SDK itself: the default client is built with
 * `maxAttempts: 8, retryMode: 'adaptive'`, and both codes are in the SDK's list of throttling
 * errors, so every call here (start, poll, stop, results) backs off with jitter (base 500 ms for
 * throttling, doubling, at most 20 s between attempts) and the adaptive mode also slows this
 * client's own send rate. There is deliberately no second retry layer here; when the SDK gives
 * up on a start, `AthenaThrottledError` says so. A FAILED query is never resubmitted: Athena marks
 * some failures `Retryable`, and the caller decides (see `AthenaQueryError.retryable`).
 */
import { randomUUID } from 'node:crypto';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetTableMetadataCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClientConfig,
  type AthenaError,
  type ColumnInfo,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Dialect } from '@hyperpod-usage/model';
import { sleepReal } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import type { Cell, QueryEngine, QueryResult, ResultRow } from './query-engine.js';

/** Waits `ms`; may resolve early when `signal` aborts (the engine checks the signal afterwards). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface AthenaEngineOptions {
  workGroup: string;
  database: string;
  /** Data catalog; `AwsDataCatalog` is the Glue catalog of the account. */
  catalog?: string;
  region?: string;
  /** A client to use instead of building one (tests inject a mocked client); not destroyed by `close()`. */
  client?: AthenaClient;
  /** Longest time one query may take from start to a final state; it is stopped after that. Default 30 min (Athena's default DML limit). */
  timeoutMs?: number;
  /** First pause between status polls; doubles up to `pollMaxMs`. Default 250 ms. */
  pollInitialMs?: number;
  /** Longest pause between status polls. Default 5 s. */
  pollMaxMs?: number;
  log?: Logger;
  /** Injectable for tests: how the engine waits between polls. */
  sleep?: Sleep;
  /** Injectable for tests: the clock the timeout is measured on. */
  now?: () => number;
}

/** What Athena reported about one finished (or abandoned) query execution. */
export interface AthenaQueryStatistics {
  queryExecutionId: string;
  /** Final state, or the last seen state when the query was stopped on timeout or abort. */
  state: string;
  /** `DML`, `DDL` or `UTILITY`. */
  statementType: string | undefined;
  /** e.g. `SELECT`, `UNLOAD`, `INSERT`, `CREATE_TABLE`. */
  substatementType: string | undefined;
  /** Bytes Athena read (what the query is billed on; 0 for DDL). */
  dataScannedInBytes: number;
  engineExecutionTimeInMillis: number;
  totalExecutionTimeInMillis: number | undefined;
  queryQueueTimeInMillis: number | undefined;
  reusedPreviousResult: boolean | undefined;
  /** Rows written by CTAS / INSERT INTO, from GetQueryResults. */
  updateCount: number | undefined;
  /** Wall time on this side, start call to final state. */
  elapsedMs: number;
}

const ERROR_CATEGORY: Record<number, string> = { 1: 'system', 2: 'user', 3: 'other' };

/** A query that ended FAILED or CANCELLED. The message is one line with everything Athena said. */
export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  readonly queryExecutionId: string;
  readonly state: 'FAILED' | 'CANCELLED';
  readonly stateChangeReason: string | undefined;
  readonly athenaError: AthenaError | undefined;
  readonly sql: string;

  constructor(execution: QueryExecution, queryExecutionId: string, state: 'FAILED' | 'CANCELLED', sql: string) {
    const status = execution.Status;
    const reason = oneLine(status?.StateChangeReason);
    const error = status?.AthenaError;
    const details: string[] = [];
    if (error?.ErrorType !== undefined) details.push(`ErrorType=${error.ErrorType}`);
    if (error?.ErrorCategory !== undefined) {
      const category = ERROR_CATEGORY[error.ErrorCategory];
      details.push(`ErrorCategory=${error.ErrorCategory}${category ? ` (${category})` : ''}`);
    }
    if (error?.Retryable !== undefined) details.push(`Retryable=${error.Retryable}`);
    const errorMessage = oneLine(error?.ErrorMessage);
    const text = [reason, errorMessage && errorMessage !== reason ? errorMessage : undefined].filter(Boolean).join(' / ');
    super(
      `Athena query ${queryExecutionId} ${state}${text ? `: ${text}` : state === 'CANCELLED' ? ' (stopped outside this process)' : ''}` +
        (details.length ? ` [${details.join(' ')}]` : ''),
    );
    this.queryExecutionId = queryExecutionId;
    this.state = state;
    this.stateChangeReason = status?.StateChangeReason;
    this.athenaError = error;
    this.sql = sql;
  }

  /** Athena says a resubmission (a new query, with a new request token) might succeed. */
  get retryable(): boolean {
    return this.athenaError?.Retryable === true;
  }
}

/** The query did not reach a final state in time; it was stopped. */
export class AthenaQueryTimeoutError extends Error {
  override readonly name = 'AthenaQueryTimeoutError';
  constructor(
    readonly queryExecutionId: string,
    readonly elapsedMs: number,
    readonly timeoutMs: number,
    lastState: string | undefined,
    stopped: boolean,
  ) {
    super(
      `Athena query ${queryExecutionId} timed out after ${seconds(elapsedMs)} (limit ${seconds(timeoutMs)}, last state ${
        lastState ?? 'unknown'
      }); ${stopped ? 'StopQueryExecution sent' : 'StopQueryExecution failed, the query may still be running'}`,
    );
  }
}

/** The caller's signal aborted the query; a started query was stopped. */
export class AthenaQueryAbortedError extends Error {
  override readonly name = 'AbortError';
  constructor(
    readonly queryExecutionId: string | undefined,
    stopped: boolean,
    cause: unknown,
  ) {
    super(
      queryExecutionId === undefined
        ? 'Athena query aborted before it was started'
        : `Athena query ${queryExecutionId} aborted; ${stopped ? 'StopQueryExecution sent' : 'StopQueryExecution failed or not needed'}`,
      { cause },
    );
  }
}

/** The SDK retried a throttled StartQueryExecution `maxAttempts` times and gave up. */
export class AthenaThrottledError extends Error {
  override readonly name = 'AthenaThrottledError';
  constructor(
    readonly code: string,
    readonly reason: string | undefined,
    readonly attempts: number | undefined,
    cause: unknown,
  ) {
    const what =
      reason === 'CONCURRENT_QUERY_LIMIT_EXCEEDED' || code === 'TooManyRequestsException'
        ? 'too many queries running or queued in this account and Region; run fewer at once or raise the active DML query quota'
        : 'API request rate exceeded; call Athena less often';
    super(
      `Athena StartQueryExecution still throttled after ${attempts ?? '?'} attempt(s): ${code}${reason ? ` (${reason})` : ''}: ${oneLine(
        (cause as { message?: string }).message,
      )} - ${what}`,
      { cause },
    );
  }
}

/** The client the engine builds when none is given: generous retries for a batch job, bounded sockets. */
export function athenaClientConfig(region?: string): AthenaClientConfig {
  return {
    ...(region ? { region } : {}),
    // 8 attempts with the SDK's jittered backoff covers about a minute of throttling; 'adaptive'
    // also rate-limits this client after throttling responses.
    maxAttempts: 8,
    retryMode: 'adaptive',
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true }),
  };
}

const FINAL_STATES = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const PAGE_SIZE = 1000;

export class AthenaEngine implements QueryEngine {
  readonly dialect: Dialect = 'athena';
  readonly workGroup: string;
  readonly database: string;
  readonly catalog: string;
  /**
   * Statistics of the query that finished last (also a failed, stopped or timed-out one). With
   * concurrent queries on one engine use `queryWithStatistics` instead.
   */
  lastStatistics: AthenaQueryStatistics | undefined;

  private readonly client: AthenaClient;
  private readonly ownsClient: boolean;
  private readonly timeoutMs: number;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly log: Logger;
  private readonly sleep: Sleep;
  private readonly now: () => number;

  constructor(options: AthenaEngineOptions) {
    if (!options.workGroup) throw new Error('AthenaEngine: workGroup is required');
    if (!options.database) throw new Error('AthenaEngine: database is required');
    this.workGroup = options.workGroup;
    this.database = options.database;
    this.catalog = options.catalog ?? 'AwsDataCatalog';
    this.timeoutMs = options.timeoutMs ?? 30 * 60_000;
    this.pollInitialMs = options.pollInitialMs ?? 250;
    this.pollMaxMs = options.pollMaxMs ?? 5_000;
    if (!(this.timeoutMs > 0) || !(this.pollInitialMs > 0) || !(this.pollMaxMs >= this.pollInitialMs)) {
      throw new Error('AthenaEngine: timeoutMs and pollInitialMs must be > 0 and pollMaxMs >= pollInitialMs');
    }
    this.log = options.log ?? silentLogger;
    this.sleep = options.sleep ?? sleepReal;
    this.now = options.now ?? Date.now;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new AthenaClient(athenaClientConfig(options.region));
  }

  async query(sql: string, signal?: AbortSignal): Promise<QueryResult> {
    return (await this.queryWithStatistics(sql, signal)).result;
  }

  /** `query`, also returning this query's statistics (safe with concurrent queries). */
  async queryWithStatistics(
    sql: string,
    signal?: AbortSignal,
  ): Promise<{ result: QueryResult; statistics: AthenaQueryStatistics }> {
    if (signal?.aborted) throw new AthenaQueryAbortedError(undefined, false, signal.reason);
    this.lastStatistics = undefined;
    const started = this.now();
    const id = await this.start(sql);
    const log = this.log.child({ queryExecutionId: id });
    log.debug('athena query started', { workGroup: this.workGroup, database: this.database });

    const execution = await this.waitForFinalState(id, started, sql, signal);
    const state = execution.Status?.State as string;
    let statistics = statisticsOf(id, execution, this.now() - started);
    this.lastStatistics = statistics;
    if (state === 'FAILED' || state === 'CANCELLED') {
      const error = new AthenaQueryError(execution, id, state, sql);
      log.warn('athena query did not succeed', { error: error.message });
      throw error;
    }

    const { result, updateCount } = await this.readResults(id, execution, signal);
    statistics = { ...statistics, updateCount };
    this.lastStatistics = statistics;
    log.info('athena query succeeded', {
      statementType: statistics.substatementType ?? statistics.statementType,
      dataScannedInBytes: statistics.dataScannedInBytes,
      engineExecutionTimeInMillis: statistics.engineExecutionTimeInMillis,
      elapsedMs: statistics.elapsedMs,
      rows: result.rows.length,
    });
    return { result, statistics };
  }

  /** The S3 location of a table of this engine's database (from the catalog), if it has one. */
  async tableLocation(table: string): Promise<string | undefined> {
    const response = await this.client.send(
      new GetTableMetadataCommand({ CatalogName: this.catalog, DatabaseName: this.database, TableName: table }),
    );
    return response.TableMetadata?.Parameters?.location;
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async start(sql: string): Promise<string> {
    // One token per logical query. The SDK's retries of this one request send the same token, so
    // a start that reached Athena but whose response was lost yields the same QueryExecutionId
    // instead of a second query. A new call must not reuse a token: Athena would hand back the
    // earlier execution (for an UNLOAD re-run after deleting its prefix: nothing written) or
    // reject the request when the query text differs.
    const token = randomUUID();
    try {
      const response = await this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          ClientRequestToken: token,
          WorkGroup: this.workGroup,
          QueryExecutionContext: { Catalog: this.catalog, Database: this.database },
          // Reused results are not re-read from S3: after a rewrite they would be stale.
          ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
          // No ResultConfiguration: the workgroup enforces the output location and encryption.
        }),
      );
      if (!response.QueryExecutionId) throw new Error('Athena StartQueryExecution returned no QueryExecutionId');
      return response.QueryExecutionId;
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'TooManyRequestsException' || name === 'ThrottlingException') {
        const e = error as { Reason?: string; $metadata?: { attempts?: number } };
        throw new AthenaThrottledError(name, e.Reason, e.$metadata?.attempts, error);
      }
      throw error;
    }
  }

  private async waitForFinalState(id: string, started: number, sql: string, signal?: AbortSignal): Promise<QueryExecution> {
    let delay = this.pollInitialMs;
    let lastState: string | undefined;
    let execution: QueryExecution | undefined;
    for (;;) {
      if (signal?.aborted) await this.abort(id, signal, execution, started);
      try {
        execution = (await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution;
      } catch (error) {
        // Losing track of a running query would leave it running (and billing) unseen.
        const stopped = await this.stopQuietly(id, 'polling failed');
        throw new Error(
          `Athena GetQueryExecution for query ${id} failed: ${describe(error)}${stopped ? '; StopQueryExecution sent' : ''}`,
          { cause: error },
        );
      }
      const state = execution?.Status?.State;
      if (state && FINAL_STATES.has(state)) return execution as QueryExecution;
      if (state !== lastState) this.log.debug('athena query state', { queryExecutionId: id, state, sql: sql.slice(0, 80) });
      lastState = state;
      // QUEUED and RUNNING are not ordered: a transient error sends RUNNING back to QUEUED.
      const elapsed = this.now() - started;
      if (elapsed >= this.timeoutMs) {
        const stopped = await this.stopQuietly(id, 'timeout');
        this.lastStatistics = execution ? statisticsOf(id, execution, elapsed) : undefined;
        throw new AthenaQueryTimeoutError(id, elapsed, this.timeoutMs, lastState, stopped);
      }
      await this.sleep(Math.min(delay, this.timeoutMs - elapsed), signal);
      delay = Math.min(delay * 2, this.pollMaxMs);
    }
  }

  private async abort(id: string, signal: AbortSignal, execution: QueryExecution | undefined, started: number): Promise<never> {
    const stopped = await this.stopQuietly(id, 'aborted');
    this.lastStatistics = execution ? statisticsOf(id, execution, this.now() - started) : undefined;
    throw new AthenaQueryAbortedError(id, stopped, signal.reason);
  }

  /** Stops a query; a failure to stop is logged, not thrown (the caller is already failing). */
  private async stopQuietly(id: string, why: string): Promise<boolean> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
      this.log.warn('athena query stopped', { queryExecutionId: id, why });
      return true;
    } catch (error) {
      this.log.error('athena query could not be stopped', { queryExecutionId: id, why, error: describe(error) });
      return false;
    }
  }

  private async readResults(
    id: string,
    execution: QueryExecution,
    signal?: AbortSignal,
  ): Promise<{ result: QueryResult; updateCount: number | undefined }> {
    // Statement types: DDL (CREATE/ALTER/DROP, SHOW PARTITIONS) and UTILITY (SHOW, DESCRIBE,
    // EXPLAIN) rows have no header row. DML covers SELECT (first row of the first page is the
    // header) and writes (UNLOAD, INSERT INTO, CTAS), which return no rows; for DML the first row
    // is taken as the header only when it spells the column names from ResultSetMetadata.
    const isDml = (execution.StatementType ?? 'DML') === 'DML';
    let columnInfo: ColumnInfo[] | undefined;
    let columns: string[] = [];
    let converters: Array<(value: string) => Cell> = [];
    let updateCount: number | undefined;
    const rows: ResultRow[] = [];
    let nextToken: string | undefined;
    let firstPage = true;
    do {
      if (signal?.aborted) throw new AthenaQueryAbortedError(id, false, signal.reason);
      let page;
      try {
        page = await this.client.send(
          new GetQueryResultsCommand({ QueryExecutionId: id, MaxResults: PAGE_SIZE, NextToken: nextToken }),
        );
      } catch (error) {
        throw new Error(`Athena GetQueryResults for query ${id} failed: ${describe(error)}`, { cause: error });
      }
      if (page.UpdateCount !== undefined) updateCount = page.UpdateCount;
      if (!columnInfo && page.ResultSet?.ResultSetMetadata?.ColumnInfo) {
        columnInfo = page.ResultSet.ResultSetMetadata.ColumnInfo;
        columns = columnInfo.map((c, i) => c.Name ?? c.Label ?? `_col${i}`);
        converters = columnInfo.map((c, i) => converterFor(c.Type, columns[i] as string, id));
      }
      let pageRows: Row[] = page.ResultSet?.Rows ?? [];
      if (firstPage && isDml && columnInfo?.length && pageRows[0] && isHeader(pageRows[0], columnInfo)) {
        pageRows = pageRows.slice(1);
      }
      for (const row of pageRows) rows.push(toRow(row, columns, converters));
      firstPage = false;
      nextToken = page.NextToken;
    } while (nextToken);
    return { result: { columns, rows }, updateCount };
  }
}

function isHeader(row: Row, columnInfo: ColumnInfo[]): boolean {
  const data = row.Data ?? [];
  if (data.length !== columnInfo.length) return false;
  return columnInfo.every((c, i) => {
    const value = data[i]?.VarCharValue;
    return value !== undefined && (value === c.Name || value === c.Label || value.toLowerCase() === c.Name?.toLowerCase());
  });
}

function toRow(row: Row, columns: string[], converters: Array<(value: string) => Cell>): ResultRow {
  const out: ResultRow = {};
  const data = row.Data ?? [];
  columns.forEach((name, i) => {
    const value = data[i]?.VarCharValue;
    out[name] = value === undefined ? null : (converters[i] as (value: string) => Cell)(value);
  });
  return out;
}

function statisticsOf(id: string, execution: QueryExecution, elapsedMs: number): AthenaQueryStatistics {
  const s = execution.Statistics;
  return {
    queryExecutionId: id,
    state: execution.Status?.State ?? 'UNKNOWN',
    statementType: execution.StatementType,
    substatementType: execution.SubstatementType,
    dataScannedInBytes: s?.DataScannedInBytes ?? 0,
    engineExecutionTimeInMillis: s?.EngineExecutionTimeInMillis ?? 0,
    totalExecutionTimeInMillis: s?.TotalExecutionTimeInMillis,
    queryQueueTimeInMillis: s?.QueryQueueTimeInMillis,
    reusedPreviousResult: s?.ResultReuseInformation?.ReusedPreviousResult,
    updateCount: undefined,
    elapsedMs,
  };
}

// ---- value conversion -------------------------------------------------------------------------

const STRING_TYPES = new Set(['varchar', 'char', 'string', 'json']);
const NUMBER_TYPES = new Set(['bigint', 'integer', 'int', 'smallint', 'tinyint', 'double', 'float', 'real', 'decimal']);
const TIMESTAMP = /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(?: ?(UTC|Z|[+-]\d{2}:?\d{2}))?$/;
const DATE = /^-?\d{4,}-\d{2}-\d{2}$/;

/** `varchar(10)` → `varchar`, `timestamp(3) with time zone` → `timestamp with time zone`. */
function baseType(type: string | undefined): string {
  return (type ?? 'varchar').toLowerCase().replace(/\(.*?\)/g, '').replace(/\s+/g, ' ').trim();
}

/**
 * How to turn one column's VarCharValue into a cell. Types not listed (arrays, maps, rows,
 * varbinary, time, interval, uuid, ...) stay as Athena's text.
 */
function converterFor(type: string | undefined, column: string, queryExecutionId: string): (value: string) => Cell {
  const base = baseType(type);
  const bad = (value: string, what: string): Error =>
    new Error(
      `Athena query ${queryExecutionId}: column ${column} (${type ?? 'no type'}) has ${JSON.stringify(value.slice(0, 60))}, not ${what}`,
    );
  if (STRING_TYPES.has(base)) return (v) => v;
  if (NUMBER_TYPES.has(base)) {
    return (v) => {
      const n = Number(v);
      // Number('') is 0 and Number('x') is NaN; Athena prints NaN as 'NaN' for doubles.
      if (v.trim() === '' || (Number.isNaN(n) && v !== 'NaN')) throw bad(v, 'a number');
      return n;
    };
  }
  if (base === 'boolean') {
    return (v) => {
      if (v === 'true') return true;
      if (v === 'false') return false;
      throw bad(v, 'a boolean');
    };
  }
  if (base === 'timestamp' || base === 'timestamp with time zone') {
    return (v) => {
      const ms = parseTimestamp(v);
      if (ms === undefined) throw bad(v, `a timestamp (cast a zoned timestamp AT TIME ZONE 'UTC')`);
      return ms;
    };
  }
  if (base === 'date') {
    return (v) => {
      if (!DATE.test(v)) throw bad(v, 'a date');
      return v;
    };
  }
  return (v) => v;
}

/**
 * `2025-04-16 08:00:00.123` (a naive timestamp, which this project keeps in UTC) → epoch ms.
 * Digits past milliseconds are truncated. A zone suffix is honoured when it is `UTC`, `Z` or a
 * numeric offset; named zones are refused (undefined).
 */
export function parseTimestamp(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Number(((frac ?? '') + '000').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear keeps years 0-99 literal (Date.UTC would map them to 1900-1999).
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s ?? 0), ms);
  let epoch = date.getTime();
  if (Number.isNaN(epoch)) return undefined;
  if (zone && zone !== 'UTC' && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return epoch;
}

function oneLine(text: string | undefined): string | undefined {
  const t = text?.replace(/\s*[\r\n]+\s*/g, ' ').trim();
  return t ? t : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${oneLine(error.message) ?? ''}`;
  return String(error);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
