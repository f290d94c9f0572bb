/**
 * Where the SQL runs, for `aggregate` and `report`: the embedded DuckDB over a local directory
 * (the default), or Athena over the Glue tables of the AWS stack.
 */
import { resolve } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { athenaRelations, localRelations, type RawRelations, type Relations } from '@hyperpod-usage/model';
import { LocalStateStore, S3StateStore, type StateStore } from '../aggregate/incremental.js';
import { LocalRawStore, S3RawStore, type RawStore } from '../aggregate/raw-store.js';
import { AthenaRollupWriter, LocalRollupWriter, type RollupWriter } from '../aggregate/rollup-writer.js';
import { asConfigError, ConfigError } from '../config.js';
import { AthenaEngine } from '../engine/athena-engine.js';
import { parseS3Url } from '../engine/s3-prefix.js';
import type { QueryEngine } from '../engine/query-engine.js';
import type { Logger } from '../log.js';
import { parseStorageUrl } from '../sink/object-store.js';

export const ENGINE_OPTIONS = {
  engine: { type: 'string', default: 'local' },
  data: { type: 'string', default: 'out/usage-data' },
  database: { type: 'string' },
  workgroup: { type: 'string' },
  'storage-url': { type: 'string' },
  region: { type: 'string' },
  'memory-limit': { type: 'string' },
  'temp-dir': { type: 'string' },
} as const;

export const ENGINE_USAGE = `  --engine local|athena      where the SQL runs (default local)
  --data DIR                 local: the collector's storage directory (default ./out/usage-data)
  --memory-limit SIZE        local: DuckDB's memory limit, e.g. 8GB (default DUCKDB_MEMORY_LIMIT, else
                             half of the machine's or container's memory); past it DuckDB spills to disk
  --temp-dir DIR             local: where DuckDB spills (default DUCKDB_TEMP_DIRECTORY, else a new folder
                             in the system's temporary directory, removed at the end)
  --database NAME            athena: Glue database (stack output DatabaseName)
  --workgroup NAME           athena: workgroup (stack output WorkGroupName)
  --storage-url s3://B/P     athena: the bucket and prefix the collector writes to (stack output StorageUrl)
  --region REGION            AWS region (default AWS_REGION)`;

export interface EngineArgs {
  engine?: string;
  data?: string;
  database?: string;
  workgroup?: string;
  'storage-url'?: string;
  region?: string;
  'memory-limit'?: string;
  'temp-dir'?: string;
}

export interface OpenedEngine {
  engine: QueryEngine;
  /** Local engine: make views see tables that just got their first files. */
  refresh(): Promise<void>;
  relations: Relations;
  /** Local engine: raw tables over only the day folders a range needs (see AggregateOptions). */
  rawRelationsFor?: (start: number, end: number) => RawRelations;
  /** Writes rollups where the engine reads them. */
  writer: RollupWriter;
  /** The raw objects: fingerprinted by incremental runs, closed hours compacted by `--compact`. */
  rawStore: RawStore;
  /** Where incremental runs keep their state. */
  stateStore: StateStore;
  region: string | undefined;
  /**
   * The text of an object the engine's role may read (`s3://bucket/key`), e.g. a price list
   * uploaded next to the rollups; undefined for the local engine, which reads files. Failures are
   * one-line ConfigErrors naming the URL.
   */
  readObject?: (url: string) => Promise<string>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Local engine: make views over the raw tables too (default true). The aggregation reads raw
   * records through `rawRelationsFor` and opens faster, in less memory, without them.
   */
  rawViews?: boolean;
}

export async function openEngine(args: EngineArgs, log: Logger, options: OpenOptions = {}): Promise<OpenedEngine> {
  const region = args.region ?? process.env.AWS_REGION;
  if (args.engine === 'local') {
    const dataDir = resolve(args.data ?? 'out/usage-data');
    // Loaded only here: the native DuckDB module stays out of processes that use Athena.
    const { DuckDbEngine, resolveMemoryLimit } = await import('../engine/duckdb-engine.js');
    let memoryLimit: string;
    try {
      memoryLimit = resolveMemoryLimit(args['memory-limit'], '--memory-limit');
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    const engine = await DuckDbEngine.open(dataDir, {
      memoryLimit,
      ...(args['temp-dir'] ? { tempDirectory: resolve(args['temp-dir']) } : {}),
      ...(options.rawViews === undefined ? {} : { rawViews: options.rawViews }),
    });
    return {
      engine,
      refresh: () => engine.refreshViews(),
      relations: localRelations(),
      rawRelationsFor: (start, end) => engine.rawRelationsFor(start, end),
      writer: new LocalRollupWriter(engine, dataDir),
      rawStore: new LocalRawStore(dataDir),
      stateStore: new LocalStateStore(dataDir),
      region,
      close: () => engine.close(),
    };
  }
  if (args.engine !== 'athena') throw new ConfigError(`--engine: expected local or athena, got ${JSON.stringify(args.engine)}`);
  for (const required of ['database', 'workgroup', 'storage-url'] as const) {
    if (!args[required]) throw new ConfigError(`--${required} is required with --engine athena`);
  }
  const storage = asConfigError(() => parseStorageUrl(args['storage-url'] as string), 'storage-url');
  if (storage.kind !== 's3') throw new ConfigError('--storage-url must be s3://bucket/prefix with --engine athena');
  const relations = athenaRelations(args.database as string);
  const engine = new AthenaEngine({ workGroup: args.workgroup as string, database: args.database as string, ...(region ? { region } : {}), log });
  const s3 = new S3Client(region ? { region } : {});
  return {
    engine,
    refresh: async () => undefined,
    relations,
    writer: new AthenaRollupWriter(engine, s3, storage.bucket, storage.prefix, log),
    rawStore: new S3RawStore(s3, storage.bucket, storage.prefix),
    stateStore: new S3StateStore(s3, storage.bucket, storage.prefix),
    region,
    readObject: async (url) => {
      const { bucket, prefix: key } = asConfigError(() => parseS3Url(url));
      if (key === '' || key.endsWith('/')) throw new ConfigError(`${url}: name an object, not a folder`);
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!object.Body) throw new Error('empty answer');
        return await object.Body.transformToString('utf8');
      } catch (e) {
        const error = e as Error;
        throw new ConfigError(`${url}: ${error.name === 'Error' ? '' : `${error.name}: `}${error.message.split('\n')[0]}`);
      }
    },
    close: async () => {
      s3.destroy();
      await engine.close();
    },
  };
}
