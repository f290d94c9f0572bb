/**
 * Frames back from the SQL data source, typed and labelled as the compiler said: Athena and DuckDB
 * return some numbers and times as strings, and neither knows that a column is hours or dollars.
 */
import { FieldType, type DataFrame, type Field } from '@grafana/data';
import type { CompiledField } from '@hyperpod-usage/model';

const GRAFANA_TYPE: Record<CompiledField['type'], FieldType> = {
  time: FieldType.time,
  string: FieldType.string,
  number: FieldType.number,
};

function convert(value: unknown, type: CompiledField['type']): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'number') {
    const n = typeof value === 'number' ? value : Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (type === 'time') {
    if (typeof value === 'number') return value;
    // Athena prints `2025-06-02 10:00:00.000` (UTC, no zone).
    const text = String(value);
    const ms = Date.parse(/[zZ+]|-\d\d:\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
    return Number.isFinite(ms) ? ms : null;
  }
  return String(value);
}

/** The compiled field a frame field stands for: by name, or by the labels a time-series pivot left. */
function compiledFor(field: Field, fields: readonly CompiledField[]): CompiledField | undefined {
  return fields.find((f) => f.name === field.name);
}

export function applyCompiledFields(frame: DataFrame, fields: readonly CompiledField[]): DataFrame {
  return {
    ...frame,
    fields: frame.fields.map((field) => {
      const compiled = compiledFor(field, fields);
      if (!compiled) return field;
      const type = GRAFANA_TYPE[compiled.type];
      // Field types can be guessed from strings ('12.5' says number), so look at the values themselves.
      const values = Array.from(field.values, (v) => convert(v, compiled.type));
      return {
        ...field,
        type,
        values,
        config: {
          ...field.config,
          ...(compiled.unit ? { unit: compiled.unit } : {}),
          ...(compiled.displayName && !field.labels ? { displayName: compiled.displayName } : {}),
        },
      };
    }),
  };
}
