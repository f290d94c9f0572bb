/**
 * Data frames the pages build for @grafana/ui visualizations from summed rows, with the units and
 * display names the data source's frames carried, made displayable the way a dashboard panel
 * would (field overrides applied, so every field has its display processor).
 */
import { FieldType, applyFieldOverrides, type DataFrame, type GrafanaTheme2, type FieldConfig } from '@grafana/data';
import type { Row } from './rows';

export interface ColumnSpec {
  name: string;
  type: FieldType;
  displayName?: string;
  unit?: string;
  decimals?: number;
  custom?: Record<string, unknown>;
}

export function tableFrame(rows: readonly Row[], columns: readonly ColumnSpec[], refId = 'table'): DataFrame {
  return {
    refId,
    length: rows.length,
    fields: columns.map((c) => ({
      name: c.name,
      type: c.type,
      values: rows.map((r) => r[c.name] ?? null),
      config: {
        ...(c.displayName ? { displayName: c.displayName } : {}),
        ...(c.unit ? { unit: c.unit } : {}),
        ...(c.decimals !== undefined ? { decimals: c.decimals } : {}),
        ...(c.custom ? { custom: c.custom } : {}),
      },
    })),
  };
}

/**
 * One time field and one number field per series: `seriesOf(row)` names a row's series and
 * `valueOf(row)` its value; buckets a series lacks are 0 (nothing held), so stacks stay whole.
 */
export function timeSeriesFrame(rows: readonly Row[], seriesOf: (r: Row) => string, valueOf: (r: Row) => number | null, config: FieldConfig = {}, order?: readonly string[]): DataFrame {
  const times = [...new Set(rows.map((r) => r.time).filter((t): t is number => typeof t === 'number'))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const series = new Map<string, number[]>();
  for (const name of order ?? []) series.set(name, new Array(times.length).fill(0));
  for (const r of rows) {
    const i = index.get(r.time as number);
    const v = valueOf(r);
    if (i === undefined || v === null) continue;
    const name = seriesOf(r);
    const values = series.get(name) ?? new Array(times.length).fill(0);
    values[i] = (values[i] as number) + v;
    series.set(name, values);
  }
  return {
    refId: 'series',
    length: times.length,
    fields: [
      { name: 'time', type: FieldType.time, values: times, config: {} },
      ...[...series].map(([name, values]) => ({ name, type: FieldType.number, values, config: { ...config, displayName: name } })),
    ],
  };
}

/** Frames with display processors, as a panel's query runner would hand them to a visualization. */
export function displayable(frames: DataFrame[], theme: GrafanaTheme2, defaults: FieldConfig = {}): DataFrame[] {
  return applyFieldOverrides({
    data: frames,
    fieldConfig: { defaults, overrides: [] },
    replaceVariables: (value: string) => value,
    theme,
    timeZone: 'utc',
  });
}
