/**
 * Incremental runs (`hpu aggregate --incremental`, the hourly CronJob): a day is aggregated again
 * only when something it reads changed since the last run: a raw object of its read window's hour
 * partitions (added, rewritten, removed), the settings (prices, cost split, clusters, version), or
 * what the day before was built from (its task_daily is read). What each day was built from is kept
 * in a small state object next to the rollups (`rollups/aggregate-state.json`, a file locally, an
 * S3 object on AWS). A skipped day keeps its rollups as they are, and a run with nothing changed
 * writes nothing at all, so a re-run over unchanged data changes no byte.
 *
 * The logic is the same for both stores; only the listing of raw objects and the state's storage
 * differ (`RawLister`, `StateStore`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DAY_MS, HOUR_MS, RAW_TABLE_NAMES, hourPartitionOf, rawReadWindow, type RawTableName } from '@hyperpod-usage/model';

export const STATE_FILE = join('rollups', 'aggregate-state.json');
const STATE_KEY = 'rollups/aggregate-state.json';

export interface AggregateState {
  version: 1;
  /** Per UTC day (YYYY-MM-DD): the fingerprint of what its rollups were built from. */
  days: Record<string, string>;
}

/** One raw object: its key under the data root, size, and what changes when it is rewritten. */
export interface RawObject {
  key: string;
  size: number;
  /** Local: modification time; S3: ETag and LastModified. */
  version: string;
}

export interface RawLister {
  /** Every object of one raw table's hour partition (all clusters). */
  listHour(table: RawTableName, hour: number): Promise<RawObject[]>;
}

export interface StateStore {
  /** The state of the last run; none, unreadable or foreign counts as empty (every day is redone). */
  read(): Promise<AggregateState>;
  write(state: AggregateState): Promise<void>;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** `raw/<table>/year=YYYY/month=MM/day=DD/hour=HH/` (the folder of an hour, trailing slash). */
function hourFolder(table: RawTableName, hour: number): string {
  const p = hourPartitionOf(hour);
  return `raw/${table}/year=${p.year}/month=${p.month}/day=${p.day}/hour=${p.hour}/`;
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export class LocalRawLister implements RawLister {
  constructor(protected readonly dataDir: string) {}

  async listHour(table: RawTableName, hour: number): Promise<RawObject[]> {
    return filesUnder(join(this.dataDir, hourFolder(table, hour))).map((file) => {
      const s = statSync(file);
      return { key: relative(this.dataDir, file).split('\\').join('/'), size: s.size, version: String(s.mtimeMs) };
    });
  }
}

export class S3RawLister implements RawLister {
  /** The prefix raw keys are under, with a trailing slash ('' for none). */
  protected readonly root: string;

  constructor(
    protected readonly s3: S3Client,
    protected readonly bucket: string,
    prefix: string,
  ) {
    this.root = prefix.replace(/\/+$/, '') ? `${prefix.replace(/\/+$/, '')}/` : '';
  }

  async listHour(table: RawTableName, hour: number): Promise<RawObject[]> {
    const prefix = `${this.root}${hourFolder(table, hour)}`;
    const out: RawObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key?.startsWith(prefix)) continue;
        out.push({ key: o.Key.slice(this.root.length), size: o.Size ?? 0, version: `${o.ETag ?? ''} ${o.LastModified?.toISOString() ?? ''}` });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }
}

/** The hours a day's rollups read: those of its raw read window (the day before, the day, one hour after). */
export function windowHours(day: number): number[] {
  const window = rawReadWindow(day, day + DAY_MS);
  const hours: number[] = [];
  for (let h = window.start; h < window.end; h += HOUR_MS) hours.push(h);
  return hours;
}

/** Lists at most this many hour partitions at once (S3: one LIST request each). */
const LIST_CONCURRENCY = 8;

/**
 * What a day's rollups depend on: every raw object of the hours its read window covers (key,
 * size, version) and the settings of the run. Only the window's hours: today's new hours do not
 * change yesterday's rollups once its window has passed.
 */
export async function dayFingerprint(lister: RawLister, day: number, settings: string): Promise<string> {
  const jobs = windowHours(day).flatMap((hour) => RAW_TABLE_NAMES.map((table) => () => lister.listHour(table, hour)));
  const objects: RawObject[] = [];
  for (let i = 0; i < jobs.length; i += LIST_CONCURRENCY) {
    for (const listed of await Promise.all(jobs.slice(i, i + LIST_CONCURRENCY).map((job) => job()))) objects.push(...listed);
  }
  objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256').update(settings).update('\0');
  for (const o of objects) hash.update(`${o.key}\0${o.size}\0${o.version}\0`);
  return hash.digest('hex');
}

function emptyState(): AggregateState {
  return { version: 1, days: Object.create(null) as Record<string, string> };
}

/** The state in a file's or object's text; anything else than our format counts as no state. */
export function parseState(text: string): AggregateState {
  try {
    const parsed = JSON.parse(text) as Partial<AggregateState>;
    if (parsed.version === 1 && parsed.days && typeof parsed.days === 'object') {
      const state = emptyState();
      for (const [k, v] of Object.entries(parsed.days)) if (/^\d{4}-\d\d-\d\d$/.test(k) && typeof v === 'string') state.days[k] = v;
      return state;
    }
  } catch {
    // Not ours: aggregate every day asked for.
  }
  return emptyState();
}

/** The state's text: days sorted, so the same state is always the same bytes. */
export function stateText(state: AggregateState): string {
  const sorted = Object.fromEntries(Object.entries(state.days).sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify({ version: 1, days: sorted }, null, 2)}\n`;
}

export class LocalStateStore implements StateStore {
  constructor(private readonly dataDir: string) {}

  async read(): Promise<AggregateState> {
    try {
      return parseState(readFileSync(join(this.dataDir, STATE_FILE), 'utf8'));
    } catch {
      return emptyState();
    }
  }

  /** Written whole through a temporary file, so a crash leaves the old state or the new one. */
  async write(state: AggregateState): Promise<void> {
    const file = join(this.dataDir, STATE_FILE);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, stateText(state));
    renameSync(`${file}.tmp`, file);
  }
}

/** The state as one object under the rollups prefix; a PUT replaces it whole. */
export class S3StateStore implements StateStore {
  readonly key: string;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    prefix: string,
  ) {
    const root = prefix.replace(/\/+$/, '');
    this.key = root ? `${root}/${STATE_KEY}` : STATE_KEY;
  }

  async read(): Promise<AggregateState> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key }));
      return parseState((await response.Body?.transformToString('utf8')) ?? '');
    } catch (e) {
      // No state yet: every day is redone. Anything else (access denied, network) must not pass
      // for "no state", or every run would redo every day without saying why.
      const name = (e as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return emptyState();
      throw e;
    }
  }

  async write(state: AggregateState): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: stateText(state), ContentType: 'application/json' }),
    );
  }
}

export interface IncrementalPlan {
  /** Days to aggregate again. */
  changed: number[];
  /** Days whose inputs are as they were. */
  unchanged: number[];
  /** The fingerprints to record once the changed days are written. */
  fingerprints: Map<string, string>;
}

/**
 * Splits the days asked for into those whose inputs changed since the state and those that did not.
 * A day's task_daily reads the day before's, so what that day was built from is an input too: a
 * day redone with other inputs has every later day redone after it, in order.
 */
export async function planIncremental(lister: RawLister, days: readonly number[], settings: string, state: AggregateState): Promise<IncrementalPlan> {
  const plan: IncrementalPlan = { changed: [], unchanged: [], fingerprints: new Map() };
  for (const day of [...days].sort((a, b) => a - b)) {
    const before = isoDay(day - DAY_MS);
    const dayBefore = plan.fingerprints.get(before) ?? state.days[before] ?? '';
    const fingerprint = await dayFingerprint(lister, day, `${settings}\0${dayBefore}`);
    plan.fingerprints.set(isoDay(day), fingerprint);
    (state.days[isoDay(day)] === fingerprint ? plan.unchanged : plan.changed).push(day);
  }
  return plan;
}

export interface IncrementalRun<T> {
  plan: IncrementalPlan;
  /** What `aggregateDays` returned; undefined when no day had changed (nothing was run). */
  result: T | undefined;
}

/**
 * One incremental run: plan, aggregate the changed days, then record their fingerprints. The
 * state is written only after the rollups, so a failed run redoes its days next time; with no
 * day changed nothing is aggregated or written (not even the price table).
 */
export async function aggregateIncrementally<T>(options: {
  lister: RawLister;
  store: StateStore;
  days: readonly number[];
  settings: string;
  aggregateDays: (days: number[]) => Promise<T>;
}): Promise<IncrementalRun<T>> {
  const state = await options.store.read();
  const plan = await planIncremental(options.lister, options.days, options.settings, state);
  if (plan.changed.length === 0) return { plan, result: undefined };
  const result = await options.aggregateDays(plan.changed);
  for (const day of plan.changed) state.days[isoDay(day)] = plan.fingerprints.get(isoDay(day)) as string;
  await options.store.write(state);
  return { plan, result };
}
