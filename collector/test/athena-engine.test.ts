// The Athena engine against a mocked Athena API (aws-sdk-client-mock): polling with backoff,
// result paging and the header row, type conversion, failures, timeout, abort and the request
// parameters; and, against a small local HTTP server speaking Athena's JSON protocol, that the
// real SDK retries a throttled start with the same request token.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryResultsOutput,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import {
  AthenaEngine,
  AthenaQueryAbortedError,
  AthenaQueryError,
  AthenaQueryTimeoutError,
  AthenaThrottledError,
  athenaClientConfig,
  parseTimestamp,
  type AthenaEngineOptions,
} from '../src/engine/athena-engine.js';

const row = (...values: Array<string | undefined>): Row => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const columns = (...specs: Array<[string, string]>) => ({ ColumnInfo: specs.map(([Name, Type]) => ({ Name, Label: Name, Type })) });

function execution(state: string, extra: Partial<QueryExecution> = {}): { QueryExecution: QueryExecution } {
  return {
    QueryExecution: {
      QueryExecutionId: 'q1',
      StatementType: 'DML',
      SubstatementType: 'SELECT',
      Status: { State: state as never },
      ...extra,
    },
  };
}

/** A fake clock whose sleeps advance time instantly, recording what the engine asked for. */
function fakeTime() {
  const t = { now: 1_000_000, sleeps: [] as number[] };
  return {
    t,
    now: () => t.now,
    sleep: async (ms: number) => {
      t.sleeps.push(ms);
      t.now += ms;
    },
  };
}

describe('AthenaEngine (mocked Athena API)', () => {
  let client: AthenaClient;
  let mock: AwsClientStub<AthenaClient>;
  let time: ReturnType<typeof fakeTime>;

  const engine = (options: Partial<AthenaEngineOptions> = {}): AthenaEngine =>
    new AthenaEngine({ workGroup: 'usage-attribution', database: 'usage_db', client, sleep: time.sleep, now: time.now, ...options });

  beforeEach(() => {
    client = new AthenaClient({ region: 'us-east-1' });
    mock = mockClient(client);
    time = fakeTime();
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    mock.on(StopQueryExecutionCommand).resolves({});
  });
  afterEach(() => {
    mock.restore();
    client.destroy();
  });

  it('polls QUEUED → RUNNING → QUEUED → RUNNING → SUCCEEDED with growing pauses and reads the rows', async () => {
    mock
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(
        execution('SUCCEEDED', { Statistics: { DataScannedInBytes: 123_456, EngineExecutionTimeInMillis: 789 } }),
      );
    mock.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: columns(['namespace', 'varchar'], ['gpu', 'double']), Rows: [row('namespace', 'gpu'), row('team-a', '2.5')] },
    });

    const e = engine();
    const result = await e.query('SELECT namespace, gpu FROM t');
    assert.deepEqual(result, { columns: ['namespace', 'gpu'], rows: [{ namespace: 'team-a', gpu: 2.5 }] });
    assert.equal(mock.commandCalls(GetQueryExecutionCommand).length, 5);
    assert.deepEqual(time.t.sleeps, [250, 500, 1000, 2000]);
    assert.equal(e.lastStatistics?.queryExecutionId, 'q1');
    assert.equal(e.lastStatistics?.dataScannedInBytes, 123_456);
    assert.equal(e.lastStatistics?.engineExecutionTimeInMillis, 789);
    assert.equal(e.lastStatistics?.state, 'SUCCEEDED');
    assert.equal(e.lastStatistics?.elapsedMs, 3750);
    assert.equal(mock.commandCalls(StopQueryExecutionCommand).length, 0);
  });

  it('caps the pause between polls at pollMaxMs', async () => {
    const states = ['QUEUED', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING'];
    const stub = mock.on(GetQueryExecutionCommand);
    for (const s of states) stub.resolvesOnce(execution(s));
    stub.resolves(execution('SUCCEEDED'));
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: columns(['x', 'integer']), Rows: [row('x')] } });
    await engine({ pollInitialMs: 100, pollMaxMs: 700 }).query('SELECT 1 AS x WHERE false');
    assert.deepEqual(time.t.sleeps, [100, 200, 400, 700, 700, 700]);
  });

  it('pages through GetQueryResults and skips the header only on the first page', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    const meta = columns(['namespace', 'varchar']);
    mock
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('namespace'), row('a'), row('b')] }, NextToken: 't2' });
    // A data row that happens to spell the column name, first on a later page: it is data.
    mock
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 't2' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('namespace'), row('c')] }, NextToken: 't3' });
    mock
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 't3' })
      .resolves({ ResultSet: { ResultSetMetadata: meta, Rows: [row('d')] } });

    const result = await engine().query('SELECT namespace FROM t');
    assert.deepEqual(
      result.rows.map((r) => r.namespace),
      ['a', 'b', 'namespace', 'c', 'd'],
    );
    const calls = mock.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);
    assert.deepEqual(
      calls.map((i) => [i.NextToken, i.MaxResults]),
      [
        [undefined, 1000],
        ['t2', 1000],
        ['t3', 1000],
      ],
    );
  });

  it('converts every Athena type, NULLs and a timestamp to the millisecond', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    const specs: Array<[string, string]> = [
      ['s', 'varchar'],
      ['c', 'char'],
      ['j', 'json'],
      ['big', 'bigint'],
      ['i', 'integer'],
      ['si', 'smallint'],
      ['ti', 'tinyint'],
      ['d', 'double'],
      ['f', 'float'],
      ['r', 'real'],
      ['dec', 'decimal'],
      ['b', 'boolean'],
      ['ts', 'timestamp'],
      ['day', 'date'],
      ['arr', 'array'],
    ];
    const names = specs.map(([n]) => n);
    mock.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: columns(...specs),
        Rows: [
          row(...names),
          row('x y', 'ab', '{"a":1}', '9007199254740991', '-42', '7', '1', '1.0E-5', '0.5', 'Infinity', '12.340', 'true', '2025-04-16 08:00:00.001', '2025-04-16', '[1, 2]'),
          row('', ' ', '[]', '0', '0', '0', '0', 'NaN', '-0.25', '-Infinity', '0.00', 'false', '1970-01-01 00:00:00.000', '1999-12-31', '[]'),
          row(...names.map(() => undefined)),
        ],
      },
    } satisfies GetQueryResultsOutput);

    const { columns: cols, rows } = await engine().query('SELECT ...');
    assert.deepEqual(cols, names);
    assert.deepEqual(rows[0], {
      s: 'x y',
      c: 'ab',
      j: '{"a":1}',
      big: 9007199254740991,
      i: -42,
      si: 7,
      ti: 1,
      d: 0.00001,
      f: 0.5,
      r: Infinity,
      dec: 12.34,
      b: true,
      ts: Date.UTC(2025, 3, 16, 8, 0, 0, 1),
      day: '2025-04-16',
      arr: '[1, 2]',
    });
    assert.equal(rows[1]?.s, '', 'an empty string is not NULL');
    assert.ok(Number.isNaN(rows[1]?.d));
    assert.equal(rows[1]?.r, -Infinity);
    assert.equal(rows[1]?.b, false);
    assert.equal(rows[1]?.ts, 0);
    assert.deepEqual(rows[2], Object.fromEntries(names.map((n) => [n, null])));
  });

  it('parses timestamps as UTC whatever the process time zone, truncating below milliseconds', () => {
    assert.equal(parseTimestamp('2025-04-16 08:00:00.000'), Date.UTC(2025, 3, 16, 8));
    assert.equal(parseTimestamp('2025-04-16 08:00:00.123456'), Date.UTC(2025, 3, 16, 8, 0, 0, 123));
    assert.equal(parseTimestamp('2025-04-16 08:00:00'), Date.UTC(2025, 3, 16, 8));
    assert.equal(parseTimestamp('2025-04-16 08:00:00.000 UTC'), Date.UTC(2025, 3, 16, 8));
    assert.equal(parseTimestamp('2025-04-16 10:00:00.000 +02:00'), Date.UTC(2025, 3, 16, 8));
    assert.equal(parseTimestamp('2025-04-16 08:00:00.000 Europe/Paris'), undefined);
    assert.equal(parseTimestamp('yesterday'), undefined);
  });

  it('rejects a value that does not fit its column type with a clear error', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    mock.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: columns(['gpu', 'double']), Rows: [row('gpu'), row('lots')] },
    });
    await assert.rejects(engine().query('SELECT gpu FROM t'), /query q1: column gpu \(double\) has "lots", not a number/);
  });

  it('returns no rows for UNLOAD and DDL, and keeps the first row of DDL output (no header there)', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { SubstatementType: 'UNLOAD', Statistics: { DataScannedInBytes: 10 } }));
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    const e = engine();
    assert.deepEqual(await e.query("UNLOAD (SELECT 1) TO 's3://b/p/' WITH (format = 'PARQUET')"), { columns: [], rows: [] });
    assert.equal(e.lastStatistics?.substatementType, 'UNLOAD');
    assert.equal(e.lastStatistics?.dataScannedInBytes, 10);

    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { StatementType: 'DDL', SubstatementType: 'CREATE_TABLE' }));
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [] } });
    assert.deepEqual(await e.query('CREATE EXTERNAL TABLE x (a string) LOCATION ...'), { columns: [], rows: [] });

    mock.on(GetQueryResultsCommand).resolves({ UpdateCount: 3, ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { SubstatementType: 'INSERT' }));
    assert.deepEqual(await e.query('INSERT INTO x SELECT ...'), { columns: [], rows: [] });
    assert.equal(e.lastStatistics?.updateCount, 3);

    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { StatementType: 'DDL', SubstatementType: 'SHOW_PARTITIONS' }));
    mock.on(GetQueryResultsCommand).resolves({
      ResultSet: { ResultSetMetadata: columns(['partition', 'string']), Rows: [row('day=01'), row('day=02')] },
    });
    assert.deepEqual((await e.query('SHOW PARTITIONS x')).rows, [{ partition: 'day=01' }, { partition: 'day=02' }]);
  });

  it('FAILED: one line with the id, StateChangeReason and AthenaError', async () => {
    mock.on(GetQueryExecutionCommand).resolvesOnce(execution('RUNNING')).resolves(
      execution('FAILED', {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'gpux' cannot be resolved\n or requester is not authorized",
          AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: "COLUMN_NOT_FOUND: line 1:8: Column 'gpux' cannot be resolved" },
        },
        Statistics: { DataScannedInBytes: 0 },
      }),
    );
    const e = engine();
    const error = await e.query('SELECT gpux FROM t').then(
      () => assert.fail('expected a failure'),
      (err: unknown) => err,
    );
    assert.ok(error instanceof AthenaQueryError);
    assert.ok(!error.message.includes('\n'), 'the message is one line');
    assert.match(error.message, /^Athena query q1 FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'gpux' cannot be resolved or requester/);
    assert.match(error.message, /ErrorType=1006 ErrorCategory=2 \(user\) Retryable=false/);
    assert.equal(error.queryExecutionId, 'q1');
    assert.equal(error.state, 'FAILED');
    assert.equal(error.retryable, false);
    assert.equal(e.lastStatistics?.state, 'FAILED');
    assert.equal(mock.commandCalls(GetQueryResultsCommand).length, 0);
    assert.equal(mock.commandCalls(StopQueryExecutionCommand).length, 0);
  });

  it('CANCELLED: an AthenaQueryError naming the id', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } }));
    await assert.rejects(engine().query('SELECT 1'), (err: unknown) => {
      assert.ok(err instanceof AthenaQueryError);
      assert.equal(err.message, 'Athena query q1 CANCELLED: Query cancelled by user');
      return true;
    });
    mock.on(GetQueryExecutionCommand).resolves(execution('CANCELLED'));
    await assert.rejects(engine().query('SELECT 1'), /^AthenaQueryError: Athena query q1 CANCELLED \(stopped outside this process\)$/);
  });

  it('stops the query and throws a timeout error naming the id and the elapsed time', async () => {
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-slow' });
    mock.on(GetQueryExecutionCommand).resolves(execution('RUNNING', { QueryExecutionId: 'q-slow' }));
    const e = engine({ timeoutMs: 3000 });
    await assert.rejects(e.query('SELECT slow()'), (err: unknown) => {
      assert.ok(err instanceof AthenaQueryTimeoutError);
      assert.equal(err.queryExecutionId, 'q-slow');
      assert.equal(err.elapsedMs, 3000);
      assert.equal(
        err.message,
        'Athena query q-slow timed out after 3.0 s (limit 3.0 s, last state RUNNING); StopQueryExecution sent',
      );
      return true;
    });
    // The last pause is cut to the time left.
    assert.deepEqual(time.t.sleeps, [250, 500, 1000, 1250]);
    const stops = mock.commandCalls(StopQueryExecutionCommand);
    assert.equal(stops.length, 1);
    assert.deepEqual(stops[0]?.args[0].input, { QueryExecutionId: 'q-slow' });
    assert.equal(e.lastStatistics?.state, 'RUNNING');
  });

  it('says so when the timed-out query could not be stopped', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('QUEUED'));
    mock.on(StopQueryExecutionCommand).rejects(new Error('AccessDenied'));
    await assert.rejects(engine({ timeoutMs: 100 }).query('SELECT 1'), /StopQueryExecution failed, the query may still be running/);
  });

  it('an aborted signal stops polling and stops the query', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    const controller = new AbortController();
    const e = engine({
      sleep: async (ms) => {
        time.t.sleeps.push(ms);
        if (time.t.sleeps.length === 2) controller.abort(new Error('shutting down'));
      },
    });
    await assert.rejects(e.query('SELECT 1', controller.signal), (err: unknown) => {
      assert.ok(err instanceof AthenaQueryAbortedError);
      assert.equal(err.name, 'AbortError');
      assert.equal(err.queryExecutionId, 'q1');
      assert.equal((err.cause as Error).message, 'shutting down');
      return true;
    });
    assert.equal(mock.commandCalls(GetQueryExecutionCommand).length, 2);
    assert.deepEqual(mock.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input, { QueryExecutionId: 'q1' });

    // Already aborted: nothing is started.
    mock.resetHistory();
    await assert.rejects(e.query('SELECT 1', AbortSignal.abort()), AthenaQueryAbortedError);
    assert.equal(mock.commandCalls(StartQueryExecutionCommand).length, 0);
  });

  it('a failing status poll stops the query and names it', async () => {
    mock.on(GetQueryExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await assert.rejects(
      engine().query('SELECT 1'),
      /^Error: Athena GetQueryExecution for query q1 failed: ThrottlingException: Rate exceeded; StopQueryExecution sent$/,
    );
    assert.equal(mock.commandCalls(StopQueryExecutionCommand).length, 1);
  });

  it('sends workgroup, catalog, database, result reuse off and a fresh request token per query', async () => {
    mock.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    mock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: columns(['x', 'integer']), Rows: [row('x'), row('1')] } });
    const e = engine();
    await e.query('SELECT 1 AS x');
    await e.query('SELECT 1 AS x');
    await engine({ catalog: 'OtherCatalog' }).query('SELECT 1 AS x');
    const starts = mock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    assert.equal(starts.length, 3);
    const [first, second, third] = starts;
    assert.deepEqual({ ...first, ClientRequestToken: undefined }, {
      QueryString: 'SELECT 1 AS x',
      ClientRequestToken: undefined,
      WorkGroup: 'usage-attribution',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'usage_db' },
      ResultReuseConfiguration: { ResultReuseByAgeConfiguration: { Enabled: false } },
    });
    assert.equal(first && 'ResultConfiguration' in first, false, 'the workgroup sets the output location');
    assert.deepEqual(third?.QueryExecutionContext, { Catalog: 'OtherCatalog', Database: 'usage_db' });
    const tokens = starts.map((s) => s.ClientRequestToken as string);
    assert.equal(new Set(tokens).size, 3, 'every query gets its own token');
    for (const token of tokens) assert.ok(token.length >= 32 && token.length <= 128, token);
    assert.notEqual(first?.ClientRequestToken, second?.ClientRequestToken);
  });

  it('surfaces a start that stayed throttled after the SDK retries', async () => {
    mock.on(StartQueryExecutionCommand).rejects(
      new TooManyRequestsException({
        message: 'You have exceeded the limit for the number of queries you can run concurrently.',
        Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
        $metadata: { attempts: 8, totalRetryDelay: 41_000 },
      }),
    );
    await assert.rejects(engine().query('SELECT 1'), (err: unknown) => {
      assert.ok(err instanceof AthenaThrottledError);
      assert.equal(err.attempts, 8);
      assert.match(
        err.message,
        /^Athena StartQueryExecution still throttled after 8 attempt\(s\): TooManyRequestsException \(CONCURRENT_QUERY_LIMIT_EXCEEDED\): You have exceeded .* - too many queries running or queued/,
      );
      return true;
    });
    assert.equal(mock.commandCalls(GetQueryExecutionCommand).length, 0);
  });

  it('closes only a client it created', async () => {
    let destroyed = 0;
    const injected = new AthenaClient({ region: 'us-east-1' });
    injected.destroy = () => void destroyed++;
    await new AthenaEngine({ workGroup: 'w', database: 'd', client: injected }).close();
    assert.equal(destroyed, 0);
    await new AthenaEngine({ workGroup: 'w', database: 'd', region: 'us-east-1' }).close();
  });

  it('builds its own client with 8 attempts in adaptive retry mode', () => {
    const config = athenaClientConfig('eu-west-1');
    assert.equal(config.maxAttempts, 8);
    assert.equal(config.retryMode, 'adaptive');
    assert.equal(config.region, 'eu-west-1');
    assert.equal(new AthenaEngine({ workGroup: 'w', database: 'd', region: 'eu-west-1' }).dialect, 'athena');
    assert.throws(() => new AthenaEngine({ workGroup: '', database: 'd' }), /workGroup is required/);
  });
});

// ---- the real SDK against a local server speaking Athena's JSON 1.1 protocol --------------------

interface FakeAthena {
  server: Server;
  endpoint: string;
  requests: Array<{ target: string; body: Record<string, unknown> }>;
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

/** Answers StartQueryExecution with `throttled` TooManyRequestsException errors before succeeding. */
async function fakeAthena(throttled: number): Promise<FakeAthena> {
  const requests: FakeAthena['requests'] = [];
  let starts = 0;
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AmazonAthena.', '');
      requests.push({ target, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (target === 'StartQueryExecution') {
        if (starts++ < throttled) {
          return reply(400, {
            __type: 'TooManyRequestsException',
            Message: 'You have exceeded the limit for the number of queries you can run concurrently.',
            Reason: 'CONCURRENT_QUERY_LIMIT_EXCEEDED',
          });
        }
        return reply(200, { QueryExecutionId: 'q-real' });
      }
      if (target === 'GetQueryExecution') {
        return reply(200, {
          QueryExecution: { QueryExecutionId: 'q-real', StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 42 } },
        });
      }
      if (target === 'GetQueryResults') {
        return reply(200, {
          ResultSet: {
            ResultSetMetadata: { ColumnInfo: [{ Name: 'ts', Label: 'ts', Type: 'timestamp' }] },
            Rows: [{ Data: [{ VarCharValue: 'ts' }] }, { Data: [{ VarCharValue: '2025-04-16 08:00:00.000' }] }],
          },
        });
      }
      return reply(400, { __type: 'InvalidRequestException', Message: `unexpected ${target}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}`, requests };
}

function realClient(endpoint: string, maxAttempts: number): AthenaClient {
  return new AthenaClient({
    ...athenaClientConfig('us-east-1'),
    endpoint,
    maxAttempts,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

describe('AthenaEngine with the real SDK retry logic', () => {
  it('the SDK retries a TooManyRequestsException start, resending the same ClientRequestToken', async () => {
    const fake = await fakeAthena(2);
    const client = realClient(fake.endpoint, 8);
    try {
      const e = new AthenaEngine({ workGroup: 'w', database: 'd', client, sleep: async () => undefined });
      const result = await e.query('SELECT ts FROM t');
      assert.deepEqual(result.rows, [{ ts: Date.UTC(2025, 3, 16, 8) }]);
      assert.equal(e.lastStatistics?.dataScannedInBytes, 42);
      const starts = fake.requests.filter((r) => r.target === 'StartQueryExecution');
      assert.equal(starts.length, 3, 'two throttled attempts and one that went through');
      const tokens = new Set(starts.map((r) => r.body.ClientRequestToken));
      assert.equal(tokens.size, 1, 'SDK retries reuse the token, so Athena starts one query at most');
      assert.deepEqual(starts[0]?.body.ResultReuseConfiguration, { ResultReuseByAgeConfiguration: { Enabled: false } });
    } finally {
      client.destroy();
      fake.server.close();
    }
  });

  it('when the SDK runs out of attempts the error says throttled, how often, and why', async () => {
    const fake = await fakeAthena(Infinity);
    const client = realClient(fake.endpoint, 2);
    try {
      const e = new AthenaEngine({ workGroup: 'w', database: 'd', client });
      await assert.rejects(e.query('SELECT 1'), (err: unknown) => {
        assert.ok(err instanceof AthenaThrottledError, String(err));
        assert.equal(err.attempts, 2);
        assert.match(err.message, /still throttled after 2 attempt\(s\): TooManyRequestsException \(CONCURRENT_QUERY_LIMIT_EXCEEDED\)/);
        return true;
      });
      assert.equal(fake.requests.filter((r) => r.target === 'StartQueryExecution').length, 2);
    } finally {
      client.destroy();
      fake.server.close();
    }
  });
});
