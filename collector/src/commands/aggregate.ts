/**
 * `hpu aggregate`: raw records → rollups for a range of UTC days (default: yesterday and today,
 * which the hourly CronJob recomputes so late records land). Idempotent; backfill with --from/--to.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertClusterName, billingCodesOf, DEFAULT_PRICES, effectivePrices, type CurPartitioning, type InstancePrice } from '@hyperpod-usage/model';
import { aggregate, daysFromTo, lastDays, type AggregateResult } from '../aggregate/aggregator.js';
import { aggregateIncrementally, windowHours, type IncrementalPlan } from '../aggregate/incremental.js';
import { oldLayoutHeartbeats } from '../aggregate/old-heartbeats.js';
import { loadPriceList, readPriceList } from '../aggregate/price-list.js';
import { curPrices, loadPriceFile, parsePriceFlag } from '../aggregate/prices.js';
import { ConfigError, parseIsoDay } from '../config.js';
import { createLogger } from '../log.js';
import { COLLECTOR_VERSION } from '../version.js';
import { ENGINE_OPTIONS, ENGINE_USAGE, openEngine } from './engine-options.js';

export const AGGREGATE_USAGE = `Usage: hpu aggregate [options]
${ENGINE_USAGE}
  --from YYYY-MM-DD --to YYYY-MM-DD   days to (re)compute, both included
  --days N                   or the last N days up to today (default 2)
  --cluster NAME             only this cluster (repeatable; default every cluster with data)
  --price TYPE=USD           an hourly instance price, e.g. ml.p5.48xlarge=98.32 (repeatable; beats all others)
  --prices FILE              a YAML price file (see docs/cost.md)
  --price-list FILE|S3URL    HyperPod on-demand prices from the output of
                             aws pricing get-products --service-code AmazonSageMaker (repeatable;
                             with --engine athena also s3://bucket/reference/price-list.json)
  --price-region REGION      region the prices are for (default --region, else us-east-1)
  --cost-split accelerator|vcpu   charge per accelerator-hour (default) or per vCPU-hour
  --cur-table DB.TABLE       read effective rates from this Cost and Usage Report table
  --cur-partitioning legacy|billing-period|none   how that table is partitioned (default legacy)
  --incremental              only the days whose raw records (or settings) changed since the last
                             run, as recorded in rollups/aggregate-state.json (a file, or an S3
                             object with --engine athena); the others keep their rollups byte for byte
  --compact                  first merge the files of each closed raw hour these days read (ended
                             5 minutes ago or more) into one per table and cluster: the same rows,
                             in a fraction of the files every later read opens
  --log-level LEVEL          debug, info, warn, error (default info)`;

export interface AggregateArgs {
  from?: string;
  to?: string;
  days?: string;
}

export function daysOf(args: AggregateArgs, now = Date.now()): number[] {
  if (args.from || args.to) {
    if (!args.from || !args.to) throw new ConfigError('--from and --to go together');
    parseIsoDay(args.from, 'from');
    parseIsoDay(args.to, 'to');
    return daysFromTo(args.from, args.to);
  }
  const count = Number(args.days ?? '2');
  if (!Number.isInteger(count) || count < 1 || count > 366) throw new ConfigError('--days: expected a whole number from 1 to 366');
  return lastDays(count, now);
}

export async function aggregateCommand(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...ENGINE_OPTIONS,
      from: { type: 'string' },
      to: { type: 'string' },
      days: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      price: { type: 'string', multiple: true },
      prices: { type: 'string' },
      'price-list': { type: 'string', multiple: true },
      'price-region': { type: 'string' },
      'cost-split': { type: 'string', default: 'accelerator' },
      'cur-table': { type: 'string' },
      'cur-partitioning': { type: 'string', default: 'legacy' },
      'log-level': { type: 'string', default: 'info' },
      incremental: { type: 'boolean', default: false },
      compact: { type: 'boolean', default: false },
    },
    strict: true,
  });
  let days: number[];
  try {
    days = daysOf(values);
  } catch (e) {
    throw e instanceof ConfigError ? e : new ConfigError((e as Error).message);
  }
  // Cluster names become folder names: `x/../../victim` must never reach a path.
  const clusters = (values.cluster ?? []).map((name) => {
    try {
      return assertClusterName(name);
    } catch (e) {
      throw new ConfigError(`--cluster: ${(e as Error).message}`);
    }
  });
  const costSplit = values['cost-split'];
  if (costSplit !== 'accelerator' && costSplit !== 'vcpu') throw new ConfigError('--cost-split: expected accelerator or vcpu');
  const curPartitioning = values['cur-partitioning'] as CurPartitioning;
  if (!['legacy', 'billing-period', 'none'].includes(curPartitioning)) throw new ConfigError('--cur-partitioning: expected legacy, billing-period or none');
  const level = values['log-level'] as 'debug' | 'info' | 'warn' | 'error';
  const log = createLogger({ level, format: process.env.LOG_FORMAT === 'json' ? 'json' : 'text' });
  // Raw records are read day by day through rawRelationsFor, never through views over every file.
  const opened = await openEngine(values, log, { rawViews: false });
  try {
    const priceRegion = values['price-region'] ?? opened.region ?? 'us-east-1';
    const fromPriceList: InstancePrice[] = [];
    for (const source of values['price-list'] ?? []) {
      if (!source.startsWith('s3://')) {
        fromPriceList.push(...loadPriceList(source, priceRegion, log));
        continue;
      }
      if (!opened.readObject) throw new ConfigError(`--price-list ${source}: an S3 price list needs --engine athena; give a file`);
      const text = await opened.readObject(source).catch((e: unknown) => {
        throw new ConfigError(`--price-list ${(e as Error).message}`);
      });
      fromPriceList.push(...readPriceList(text, source, priceRegion, log));
    }
    const fromFile = values.prices ? loadPriceFile(values.prices) : [];
    const fromFlags = (values.price ?? []).map((p) => parsePriceFlag(p, priceRegion));
    if (values['cur-table'] && billingCodesOf(priceRegion).length === 0) {
      throw new ConfigError(`--cur-table: no billing code is known for Region ${JSON.stringify(priceRegion)} (--price-region), so its rates cannot be told apart`);
    }
    const fromCur = values['cur-table']
      ? await curPrices(
          opened.engine,
          {
            relation: curRelation(values['cur-table'], opened.engine.dialect),
            partitioning: curPartitioning,
            months: [...new Set(days.map((d) => new Date(d).toISOString().slice(0, 7)))],
          },
          priceRegion,
        )
      : [];
    // Later sets win between prices of the same source, so flags beat the price file.
    const prices = effectivePrices(priceRegion, DEFAULT_PRICES, fromPriceList, fromCur, fromFile, fromFlags);
    if (opened.engine.dialect === 'duckdb') {
      const old = oldLayoutHeartbeats(resolve(values.data ?? 'out/usage-data'), days);
      if (old.length) {
        log.warn('heartbeat files without a cluster folder are not read; move them as docs/collector.md ("Upgrading") says', {
          files: old.length,
          first: old[0],
        });
      }
    }
    if (values.compact) {
      // Loaded only here: the native DuckDB module (which merges the files) stays out of other Athena runs.
      const { closedHours, compactHours } = await import('../aggregate/compaction.js');
      const hours = closedHours(days.flatMap(windowHours), Date.now());
      await compactHours(opened.rawStore, hours, { clusters, log });
    }
    const run = (aggregateDays: number[]) =>
      aggregate({
        writer: opened.writer,
        relations: opened.relations,
        ...(opened.rawRelationsFor ? { rawRelationsFor: opened.rawRelationsFor } : {}),
        days: aggregateDays,
        clusters,
        prices,
        costSplit,
        log,
      });
    let result: AggregateResult | undefined;
    let plan: IncrementalPlan | undefined;
    if (values.incremental) {
      ({ plan, result } = await aggregateIncrementally({
        lister: opened.rawStore,
        store: opened.stateStore,
        days,
        settings: JSON.stringify({ version: COLLECTOR_VERSION, prices, costSplit, clusters: values.cluster ?? [] }),
        aggregateDays: run,
      }));
      log.info('incremental run', { changed: plan.changed.length, unchanged: plan.unchanged.length });
    } else {
      result = await run(days);
    }
    await opened.refresh();
    const kept = plan ? ` (${plan.unchanged.length} unchanged, kept)` : '';
    console.log(
      result
        ? `Aggregated ${plan ? plan.changed.length : days.length} day(s)${kept} for ${result.clusters.length} cluster(s) (${result.clusters.join(', ') || 'none with data'}): ` +
            `${result.partitions} partitions in ${result.seconds.toFixed(1)} s; ${prices.length} price(s) for ${priceRegion}.`
        : `Aggregated 0 day(s)${kept}: nothing changed, nothing written.`,
    );
  } finally {
    await opened.close();
  }
}

/** `db.table` as a quoted relation; in DuckDB a local view or table of that name. */
function curRelation(name: string, dialect: 'athena' | 'duckdb'): string {
  const parts = name.split('.');
  if (parts.length > 2 || parts.some((p) => !/^[a-z_][a-z0-9_]*$/.test(p))) throw new ConfigError(`--cur-table: expected db.table in lower case, got ${JSON.stringify(name)}`);
  return dialect === 'athena' || parts.length === 2 ? parts.map((p) => `"${p}"`).join('.') : `"${parts[0]}"`;
}
