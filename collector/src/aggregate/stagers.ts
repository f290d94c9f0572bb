/**
 * Building a day's shared intermediate results once per day and cluster, and the rollup queries
 * that read them: temporary tables on DuckDB (staging.ts), Parquet tables made by CTAS on Athena
 * (athena-staging.ts says which CTEs, and why those).
 */
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  athenaStagedRollupSql,
  athenaStagingSelects,
  hourPartitionOf,
  rollupSql,
  sharedRangeCtes,
  stagingSelects,
  STAGING_TABLE_PREFIX,
  type IntervalOptions,
  type RollupTableName,
} from '@hyperpod-usage/model';
import type { QueryEngine } from '../engine/query-engine.js';
import { deletePrefix, parseS3Url } from '../engine/s3-prefix.js';
import { silentLogger, type Logger } from '../log.js';

export type DailyTable = Exclude<RollupTableName, 'prices'>;

/** One range's staged tables. */
export interface StagedRange {
  /** The SELECT of a rollup that reads the staged tables. */
  rollupSql(table: DailyTable): string;
  /** Removes the staged tables (and their files); safe to call once after a failure too. */
  drop(): Promise<void>;
}

export interface RangeStager {
  stage(range: IntervalOptions, at: { day: number; cluster: string }): Promise<StagedRange>;
}

/** DuckDB: each staged CTE as a temporary table of the same name, read by the rollups as is. */
export function duckDbStager(engine: QueryEngine): RangeStager {
  return {
    async stage(range) {
      const staged = new Set<string>();
      const drop = async () => {
        for (const name of staged) await engine.query(`DROP TABLE IF EXISTS ${name}`);
        staged.clear();
      };
      try {
        for (const { name, select } of stagingSelects(sharedRangeCtes(range))) {
          await engine.query(`CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`);
          staged.add(name);
        }
      } catch (e) {
        await drop();
        throw e;
      }
      const names = new Set(staged);
      return { rollupSql: (table) => rollupSql(table, { ...range, staged: names }), drop };
    },
  };
}

/** What the Athena stager needs of the engine: queries, and where a table's files are. */
export interface AthenaStagingEngine extends QueryEngine {
  readonly database: string;
  /** The S3 location of a table of the engine's database, or undefined when it has none. */
  tableLocation(table: string): Promise<string | undefined>;
}

const NAME = /^[a-z][a-z0-9_]{0,127}$/;

/**
 * A staged table's name: day, cluster and a random run id, so concurrent runs for other clusters
 * or days (or a second run of the same) never meet in the Glue database.
 */
export function stagingTableName(day: number, cluster: string, run: string, cte: string): string {
  const p = hourPartitionOf(day);
  const slug = cluster.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40);
  const name = `${STAGING_TABLE_PREFIX}${p.year}${p.month}${p.day}_${slug}_${run}_${cte}`;
  if (!NAME.test(name)) throw new Error(`cannot make a staging table name from ${JSON.stringify(cluster)}`);
  return name;
}

/**
 * Athena: one CTAS per staged CTE. The workgroup enforces its settings, where a CTAS may not name
 * an `external_location`: Athena writes the table under the workgroup's result location (in the
 * data bucket, `athena-results/tables/<query id>/`), which the aggregation may already rewrite.
 * The location is read back from the catalog; dropping the table (DDL, not billed) leaves the
 * files, so they are deleted too. A crash between the two leaves files only under athena-results/,
 * which its lifecycle rule expires.
 */
export class AthenaStager implements RangeStager {
  constructor(
    private readonly engine: AthenaStagingEngine,
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly log: Logger = silentLogger,
    private readonly runId: () => string = () => randomBytes(4).toString('hex'),
  ) {
    if (!NAME.test(engine.database)) throw new Error(`invalid Glue database name ${JSON.stringify(engine.database)}`);
  }

  async stage(range: IntervalOptions, at: { day: number; cluster: string }): Promise<StagedRange> {
    const run = this.runId();
    const created: Array<{ table: string; location: string | undefined }> = [];
    const relations = new Map<string, string>();
    const drop = async () => {
      // Later tables first; every one is attempted, the first failure is thrown at the end.
      let failure: unknown;
      for (const { table, location } of created.splice(0).reverse()) {
        try {
          await this.engine.query(`DROP TABLE IF EXISTS ${this.engine.database}.${table}`);
          if (location) await this.deleteFiles(table, location);
        } catch (e) {
          failure ??= e;
        }
      }
      if (failure) throw failure;
    };
    try {
      for (const { cte, relation, select } of athenaStagingSelects(range, (cte) => `${this.engine.database}.${stagingTableName(at.day, at.cluster, run, cte)}`)) {
        const table = relation.slice(this.engine.database.length + 1);
        // Registered before it runs: a CTAS that fails after creating the table is dropped too.
        const entry: { table: string; location: string | undefined } = { table, location: undefined };
        created.push(entry);
        await this.engine.query(`CREATE TABLE ${relation} WITH (format = 'PARQUET', write_compression = 'SNAPPY') AS\n${select}`);
        entry.location = await this.engine.tableLocation(table);
        relations.set(cte, relation);
      }
    } catch (e) {
      await drop().catch((error: unknown) => this.log.warn('could not remove the staged tables of a failed run', { error }));
      throw e;
    }
    return { rollupSql: (table) => athenaStagedRollupSql(table, range, relations), drop };
  }

  private async deleteFiles(table: string, location: string): Promise<void> {
    const { bucket, prefix } = parseS3Url(location.endsWith('/') ? location : `${location}/`);
    // Only a table's own folder in the data bucket, never a shallow prefix.
    if (bucket !== this.bucket || prefix.split('/').filter(Boolean).length < 2) {
      this.log.warn('staged table files left in place: not a folder of the data bucket', { table, location });
      return;
    }
    await deletePrefix(this.s3, bucket, prefix);
  }
}
