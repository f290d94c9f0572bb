import React from 'react';
import { css } from '@emotion/css';
import { dateTime, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { RESOURCES, type ResourceKey } from '@hyperpod-usage/model';
import { InlineField, Select, TimeRangePicker, useStyles2 } from '@grafana/ui';

const getStyles = (theme: GrafanaTheme2) => ({
  bar: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), alignItems: 'center', justifyContent: 'flex-end', marginBottom: theme.spacing(2) }),
});

const resourceOptions = RESOURCES.map((r) => ({ value: r.key, label: r.label }));

/** The resource the page counts in. */
export function ResourcePicker({ value, onChange }: { value: ResourceKey; onChange: (r: ResourceKey) => void }) {
  return (
    <InlineField label="Resource">
      <Select<ResourceKey> aria-label="Resource" width={16} options={resourceOptions} value={value} onChange={(v) => v.value && onChange(v.value)} />
    </InlineField>
  );
}

/** A page's toolbar: its own pickers, then the time range (in UTC, the rollups' clock). */
export function PageControls({ range, onRangeChange, children }: { range: TimeRange; onRangeChange: (r: TimeRange) => void; children?: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  const shift = (direction: -1 | 1) => {
    const span = range.to.valueOf() - range.from.valueOf();
    const from = dateTime(range.from.valueOf() + direction * span);
    const to = dateTime(range.to.valueOf() + direction * span);
    onRangeChange({ from, to, raw: { from, to } });
  };
  const zoomOut = () => {
    const span = range.to.valueOf() - range.from.valueOf();
    const from = dateTime(range.from.valueOf() - span / 2);
    const to = dateTime(range.to.valueOf() + span / 2);
    onRangeChange({ from, to, raw: { from, to } });
  };
  return (
    <div className={styles.bar}>
      {children}
      <TimeRangePicker value={range} timeZone="utc" onChange={onRangeChange} onChangeTimeZone={() => undefined} onMoveBackward={() => shift(-1)} onMoveForward={() => shift(1)} onZoom={zoomOut} />
    </div>
  );
}
