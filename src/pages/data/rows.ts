/**
 * Frames from the usage data source, read back as rows the pages can sum: the SQL data sources
 * return the long table (format table) or, for time series, the wide frame their backend pivots
 * (one number field per series, its group in the field's labels). Both become one row per
 * (time, group) with one key per measure.
 */
import { FieldType, type DataFrame } from '@grafana/data';

export type Cell = string | number | null;
export type Row = Record<string, Cell>;

export function frameRows(frames: readonly DataFrame[]): Row[] {
  const rows: Row[] = [];
  for (const frame of frames) {
    const labelled = frame.fields.some((f) => f.labels && Object.keys(f.labels).length > 0);
    if (!labelled) {
      for (let i = 0; i < frame.length; i++) {
        const row: Row = {};
        for (const f of frame.fields) row[f.name] = (f.values[i] ?? null) as Cell;
        rows.push(row);
      }
      continue;
    }
    // Wide: the unlabelled fields (time, maybe dimensions) are the row keys; each labelled field is one measure of one group.
    const keys = frame.fields.filter((f) => !f.labels || Object.keys(f.labels).length === 0);
    const byKey = new Map<string, Row>();
    for (const f of frame.fields) {
      if (!f.labels || Object.keys(f.labels).length === 0) continue;
      for (let i = 0; i < frame.length; i++) {
        const value = f.values[i];
        if (value === null || value === undefined) continue;
        const base: Row = {};
        for (const k of keys) base[k.name] = (k.values[i] ?? null) as Cell;
        Object.assign(base, f.labels);
        const id = JSON.stringify(base);
        const row = byKey.get(id) ?? { ...base };
        row[f.name] = value as Cell;
        byKey.set(id, row);
      }
    }
    rows.push(...byKey.values());
  }
  return rows;
}

/** The unit the data source set on each measure (`suffix: GPU-h`, `currencyUSD`, ...). */
export function fieldUnits(frames: readonly DataFrame[]): Record<string, string | undefined> {
  const units: Record<string, string | undefined> = {};
  for (const frame of frames) for (const f of frame.fields) if (f.type === FieldType.number && f.config.unit && !units[f.name]) units[f.name] = f.config.unit;
  return units;
}

/** The display name the data source set on each field (labels aside). */
export function fieldNames(frames: readonly DataFrame[]): Record<string, string | undefined> {
  const names: Record<string, string | undefined> = {};
  for (const frame of frames) for (const f of frame.fields) if (f.config.displayName && !names[f.name]) names[f.name] = f.config.displayName;
  return names;
}

const num = (v: Cell | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Sum of a measure over rows; null when no row has it (no data is not zero). */
export function total(rows: readonly Row[], measure: string): number | null {
  let seen = false;
  let sum = 0;
  for (const r of rows) {
    const v = r[measure];
    if (typeof v === 'number' && Number.isFinite(v)) {
      seen = true;
      sum += v;
    }
  }
  return seen ? sum : null;
}

/** Rows summed per group of `keys`, largest first by the first measure. */
export function sumBy(rows: readonly Row[], keys: readonly string[], measures: readonly string[]): Row[] {
  const groups = new Map<string, Row>();
  for (const r of rows) {
    const id = JSON.stringify(keys.map((k) => r[k] ?? ''));
    let g = groups.get(id);
    if (!g) {
      g = Object.fromEntries([...keys.map((k) => [k, r[k] ?? ''] as const), ...measures.map((m) => [m, 0] as const)]);
      groups.set(id, g);
    }
    for (const m of measures) g[m] = num(g[m]) + num(r[m]);
  }
  const first = measures[0];
  return [...groups.values()].sort((a, b) => (first ? num(b[first]) - num(a[first]) : 0));
}
