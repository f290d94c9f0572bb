/**
 * The pages' panels: @grafana/ui visualizations that work outside a dashboard (BigValue, Table,
 * TimeSeries, BarGauge), fed frames made displayable as a panel would be.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { FieldColorModeId, FieldType, getDisplayProcessor, type DataFrame, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { BarGauge, BigValue, BigValueColorMode, BigValueGraphMode, BigValueJustifyMode, BigValueTextMode, LegendDisplayMode, Table, TimeSeries, TooltipDisplayMode, useStyles2, useTheme2 } from '@grafana/ui';
import { AxisPlacement, BarGaugeDisplayMode, GraphDrawStyle, StackingMode, VisibilityMode, VizOrientation } from '@grafana/schema';
import { displayable } from '../../pages/data/frames';
import { useWidth } from './useWidth';

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({
    background: theme.colors.background.primary,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1, 1.5),
    minWidth: 0,
  }),
  title: css({ fontSize: theme.typography.h6.fontSize, fontWeight: theme.typography.fontWeightMedium, margin: theme.spacing(0, 0, 1) }),
  grid: css({ display: 'grid', gap: theme.spacing(1.5), gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', marginBottom: theme.spacing(2) }),
  wide: css({ display: 'grid', gap: theme.spacing(2), gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))', marginBottom: theme.spacing(2) }),
  empty: css({ color: theme.colors.text.secondary, padding: theme.spacing(2, 0) }),
});

export function Panel({ title, children, testId }: { title: string; children: React.ReactNode; testId?: string }) {
  const styles = useStyles2(getStyles);
  return (
    <section className={styles.panel} aria-label={title} data-testid={testId}>
      <h3 className={styles.title}>{title}</h3>
      {children}
    </section>
  );
}

export function StatRow({ children }: { children: React.ReactNode }) {
  return <div className={useStyles2(getStyles).grid}>{children}</div>;
}

export function PanelRow({ children }: { children: React.ReactNode }) {
  return <div className={useStyles2(getStyles).wide}>{children}</div>;
}

export function NoRows({ text }: { text: string }) {
  return <div className={useStyles2(getStyles).empty}>{text}</div>;
}

/** One number with its unit, as a stat panel shows it; "No data" when there is none. */
export function Stat({ title, value, unit, decimals, hint }: { title: string; value: number | null; unit?: string; decimals?: number; hint?: string }) {
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>(200);
  const display = useMemo(() => {
    const field = { name: title, type: FieldType.number, values: [value], config: { unit, decimals, displayName: title } };
    return getDisplayProcessor({ field, theme })(value);
  }, [title, value, unit, decimals, theme]);
  return (
    <Panel title={title} testId={`stat-${title}`}>
      <div ref={ref} title={hint}>
        <BigValue
          theme={theme}
          width={width}
          height={64}
          value={value === null ? { ...display, text: 'No data', numeric: NaN, suffix: undefined, prefix: undefined } : display}
          colorMode={BigValueColorMode.None}
          graphMode={BigValueGraphMode.None}
          justifyMode={BigValueJustifyMode.Auto}
          textMode={BigValueTextMode.Value}
        />
      </div>
    </Panel>
  );
}

/** Whether any value of the frame is at a time inside the range: otherwise the chart would be an empty grid. */
function hasPointInRange(frame: DataFrame, range: TimeRange): boolean {
  const time = frame.fields.find((f) => f.type === FieldType.time);
  if (!time) return false;
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const values = frame.fields.filter((f) => f.type === FieldType.number);
  return time.values.some((t, i) => typeof t === 'number' && t >= from && t < to && values.some((f) => f.values[i] !== null && f.values[i] !== undefined));
}

/**
 * A time series chart (bars stack when `stacked`). With `totals` the legend gives each series'
 * sum, for charts of hours.
 */
export function Chart({ frame, range, unit, stacked, height = 260, bars, totals }: { frame: DataFrame; range: TimeRange; unit?: string; stacked?: boolean; height?: number; bars?: boolean; totals?: boolean }) {
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>(600);
  const frames = useMemo(() => {
    // Set on each series itself: defaults passed to applyFieldOverrides do not reach `custom`.
    const config = {
      unit,
      color: { mode: FieldColorModeId.PaletteClassic },
      custom: {
        drawStyle: bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
        lineWidth: 1,
        fillOpacity: bars ? 80 : 15,
        barAlignment: 1,
        showPoints: VisibilityMode.Never,
        stacking: { mode: stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
        spanNulls: true,
        axisSoftMin: 0,
        axisPlacement: AxisPlacement.Auto,
      },
    };
    const styled = { ...frame, fields: frame.fields.map((f) => (f.type === FieldType.number ? { ...f, config: { ...config, ...f.config } } : f)) };
    return displayable([styled], theme);
  }, [frame, theme, unit, stacked, bars]);
  if (frame.length === 0 || !hasPointInRange(frame, range)) return <NoRows text="No data in this range." />;
  return (
    <div ref={ref}>
      <TimeSeries
        frames={frames}
        width={width}
        height={height}
        timeRange={range}
        timeZone="utc"
        legend={{ displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: totals ? ['sum'] : [] }}
        options={{ tooltip: { mode: TooltipDisplayMode.Multi } }}
      />
    </div>
  );
}

/** A sortable table with the frame's units and names. */
export function DataTable({ frame, height = 320, testId }: { frame: DataFrame; height?: number; testId?: string }) {
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>(800);
  const [data] = useMemo(() => displayable([frame], theme, { custom: { align: 'auto', cellOptions: { type: 'auto' } } }), [frame, theme]);
  if (!data || frame.length === 0) return <NoRows text="No rows in this range." />;
  const rowsHeight = Math.min(height, 36 * (frame.length + 1) + 8);
  return (
    <div ref={ref} data-testid={testId}>
      <Table data={data} width={width} height={rowsHeight} />
    </div>
  );
}

/** Horizontal bars, one per row: `label` names it, `value` its size. */
export function Bars({ items, unit, max }: { items: Array<{ label: string; value: number }>; unit?: string; max?: number }) {
  const theme = useTheme2();
  const [ref, width] = useWidth<HTMLDivElement>(400);
  const top = max ?? Math.max(0, ...items.map((i) => i.value));
  if (items.length === 0) return <NoRows text="No data in this range." />;
  return (
    <div ref={ref}>
      {items.map((item) => {
        const field = { name: item.label, type: FieldType.number, values: [item.value], config: { unit, min: 0, max: top, displayName: item.label } };
        const display = getDisplayProcessor({ field, theme })(item.value);
        return (
          <BarGauge
            key={item.label}
            theme={theme}
            width={width}
            height={30}
            field={field.config}
            display={getDisplayProcessor({ field, theme })}
            value={{ ...display, title: item.label }}
            orientation={VizOrientation.Horizontal}
            displayMode={BarGaugeDisplayMode.Basic}
            showUnfilled
          />
        );
      })}
    </div>
  );
}
