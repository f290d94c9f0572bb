/**
 * Incremental runs on the local engine: a day is aggregated again only when something it reads
 * changed since the last run: a raw file of its read window (added, rewritten, removed) or the
 * settings (prices, cost split, clusters, version). What each day was built from is kept in a
 * small state file next to the rollups. A skipped day keeps its rollups as they are, so a run
 * over unchanged data changes no byte.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { DAY_MS, HOUR_MS, RAW_TABLE_NAMES, hourPartitionOf, rawReadWindow } from '@hyperpod-usage/model';

export const STATE_FILE = join('rollups', 'aggregate-state.json');

export interface AggregateState {
  version: 1;
  /** Per UTC day (YYYY-MM-DD): the fingerprint of what its rollups were built from. */
  days: Record<string, string>;
}

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

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

/**
 * What a day's rollups depend on: every raw file of the hours its read window covers (path,
 * size, modification time) and the settings of the run.
 */
export function dayFingerprint(dataDir: string, day: number, settings: string): string {
  const hash = createHash('sha256').update(settings).update('\0');
  const window = rawReadWindow(day, day + DAY_MS);
  for (let d = Math.floor(window.start / DAY_MS) * DAY_MS; d < window.end; d += DAY_MS) {
    const p = hourPartitionOf(d);
    for (const table of RAW_TABLE_NAMES) {
      const folder = join(dataDir, 'raw', table, `year=${p.year}`, `month=${p.month}`, `day=${p.day}`);
      for (const file of filesUnder(folder).sort()) {
        // Only the hours of the window: today's new hours do not change yesterday's rollups.
        const hour = /(?:^|\/)hour=(\d\d)(?:\/|$)/.exec(relative(folder, file))?.[1];
        const at = d + Number(hour ?? 0) * HOUR_MS;
        if (hour !== undefined && (at < window.start || at >= window.end)) continue;
        const s = statSync(file);
        hash.update(`${relative(dataDir, file)}\0${s.size}\0${s.mtimeMs}\0`);
      }
    }
  }
  return hash.digest('hex');
}

/** The state of the last run; an unreadable or foreign file counts as no state (everything is redone). */
export function readState(dataDir: string): AggregateState {
  const file = join(dataDir, STATE_FILE);
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AggregateState>;
    if (parsed.version === 1 && parsed.days && typeof parsed.days === 'object') {
      const days: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(parsed.days)) if (/^\d{4}-\d\d-\d\d$/.test(k) && typeof v === 'string') days[k] = v;
      return { version: 1, days };
    }
  } catch {
    // No state yet, or not ours: aggregate every day asked for.
  }
  return { version: 1, days: Object.create(null) as Record<string, string> };
}

/** Written whole through a temporary file, so a crash leaves the old state or the new one. */
export function writeState(dataDir: string, state: AggregateState): void {
  const file = join(dataDir, STATE_FILE);
  mkdirSync(dirname(file), { recursive: true });
  const sorted = Object.fromEntries(Object.entries(state.days).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ version: 1, days: sorted }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export interface IncrementalPlan {
  /** Days to aggregate again. */
  changed: number[];
  /** Days whose inputs are as they were. */
  unchanged: number[];
  /** The fingerprints to record once the changed days are written. */
  fingerprints: Map<string, string>;
}

/** Splits the days asked for into those whose inputs changed since the state and those that did not. */
export function planIncremental(dataDir: string, days: readonly number[], settings: string, state: AggregateState): IncrementalPlan {
  const plan: IncrementalPlan = { changed: [], unchanged: [], fingerprints: new Map() };
  for (const day of days) {
    const fingerprint = dayFingerprint(dataDir, day, settings);
    plan.fingerprints.set(isoDay(day), fingerprint);
    (state.days[isoDay(day)] === fingerprint ? plan.unchanged : plan.changed).push(day);
  }
  return plan;
}
