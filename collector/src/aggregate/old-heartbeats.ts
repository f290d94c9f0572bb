/**
 * Heartbeats in the layout of versions before they had a cluster folder
 * (`raw/heartdub/year=/month=/day=/hour=/<file>`). Neither engine reads them, so a day that has
 * only those has no data horizon: the local aggregation says so rather than quietly computing it
 * without them. docs/collector.md ("Upgrading") says how to move them.
 */
import { readdirSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';
import { DAY_MS, daysBetween, hourPartitionOf, rawReadWindow } from '@hyperpod-usage/model';

function entries(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // no such day: nothing old there
  }
}

/** Old-layout heartbeat files (relative to `dataDir`) of the days the rollups of `days` read. */
export function oldLayoutHeartbeats(dataDir: string, days: readonly number[]): string[] {
  const folders = new Set<string>();
  for (const day of days) {
    const window = rawReadWindow(day, day + DAY_MS);
    for (const d of daysBetween(window.start, window.end)) {
      const p = hourPartitionOf(d);
      folders.add(join(dataDir, 'raw', 'heartdub', `year=${p.year}`, `month=${p.month}`, `day=${p.day}`));
    }
  }
  const found: string[] = [];
  for (const folder of [...folders].sort()) {
    for (const hour of entries(folder)) {
      if (!hour.isDirectory() || !/^hour=\d\d$/.test(hour.name)) continue;
      for (const file of entries(join(folder, hour.name))) {
        // Files straight in the hour folder; the current layout has them one level down, in cluster=<name>/.
        if (file.isFile() && file.name.endsWith('.parquet') && !file.name.startsWith('.')) {
          found.push(relative(dataDir, join(folder, hour.name, file.name)));
        }
      }
    }
  }
  return found;
}
