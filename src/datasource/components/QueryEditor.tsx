import React, { useMemo } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { Alert, Collapse, InlineField, InlineFieldRow, InlineSwitch, Input, MultiSelect, RadioButtonGroup, Select, TagsInput, TextArea } from '@grafana/ui';
import {
  DIMENSIONS,
  MEASURES,
  QUERY_INTERVALS,
  RESOURCES,
  type Dimension,
  type Measure,
  type QueryFormat,
  type QueryInterval,
  type ResourceKey,
  type UsageQuery,
} from '@hyperpod-usage/model';
import type { UsageDataSource } from '../datasource';
import { variableLookup } from '../template-variables';
import { DEFAULT_USAGE_QUERY, DIMENSION_LABELS, type UsageDataQuery, type UsageDataSourceOptions } from '../types';
import { FiltersEditor } from './FiltersEditor';

type Props = QueryEditorProps<UsageDataSource, UsageDataQuery, UsageDataSourceOptions>;

export const MEASURE_LABELS: Record<Measure, string> = {
  hours: 'Hours in use',
  own_hours: 'Own quota hours',
  borrowed_hours: 'Borrowed hours',
  lent_hours: 'Lent hours',
  unused_hours: 'Unused quota hours',
  nominal_hours: 'Quota hours',
  idle_hours: 'Idle capacity hours',
  cost: 'Cost',
  quota_share: 'Share of quota',
};

const measureOptions = MEASURES.map((m) => ({ value: m, label: MEASURE_LABELS[m] }));
const resourceOptions = RESOURCES.map((r) => ({ value: r.key, label: r.label }));
const dimensionOptions = DIMENSIONS.map((d) => ({ value: d, label: DIMENSION_LABELS[d] }));
const intervalOptions = QUERY_INTERVALS.map((i) => ({ value: i, label: i === 'auto' ? 'Auto' : i[0]!.toUpperCase() + i.slice(1) }));
const formatOptions: Array<SelectableValue<QueryFormat>> = [
  { value: 'time_series', label: 'Time series' },
  { value: 'table', label: 'Table' },
];

/** The compiled statement for the editor's preview, or the one-line reason it cannot be compiled. */
function usePreview(datasource: UsageDataSource, query: UsageDataQuery, range: Props['range']): { sql?: string; error?: string } {
  return useMemo(() => {
    try {
      const lookup = variableLookup(getTemplateSrv());
      const now = Date.now();
      const scope = datasource.scope({ from: range?.from.valueOf() ?? now - 7 * 86_400_000, to: range?.to.valueOf() ?? now }, lookup);
      return { sql: datasource.compileTarget({ ...query, rawMode: false }, scope, lookup).compiled.sql };
    } catch (error) {
      return { error: (error as Error).message };
    }
  }, [datasource, query, range]);
}

const queryTypeOptions: Array<SelectableValue<'usage' | 'annotations'>> = [
  { value: 'usage', label: 'Usage' },
  { value: 'annotations', label: 'Preemptions and evictions', description: 'One annotation per preempted or evicted task (for dashboard annotations)' },
];

/** Annotation queries: the teams whose preemptions and evictions to mark (values or $variables). */
function AnnotationEditor({ query, onChange, onRunQuery }: Pick<Props, 'query' | 'onChange' | 'onRunQuery'>) {
  return (
    <InlineField label="Teams" labelWidth={12} tooltip="None means every team. $team and other variables work.">
      <TagsInput
        aria-label="Annotation teams"
        width={60}
        tags={[...(query.annotation?.teams ?? [])]}
        placeholder="team or $team, then Enter"
        onChange={(teams) => {
          onChange({ ...query, annotation: { teams } });
          onRunQuery();
        }}
      />
    </InlineField>
  );
}

export function QueryEditor(props: Props) {
  const { query, onChange, onRunQuery } = props;
  const queryType = query.queryType === 'annotations' ? 'annotations' : 'usage';
  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Query" labelWidth={12}>
          <RadioButtonGroup<'usage' | 'annotations'>
            options={queryTypeOptions}
            value={queryType}
            onChange={(type) => {
              onChange({ ...query, queryType: type });
              onRunQuery();
            }}
          />
        </InlineField>
      </InlineFieldRow>
      {queryType === 'annotations' ? <AnnotationEditor query={query} onChange={onChange} onRunQuery={onRunQuery} /> : <UsageEditor {...props} />}
    </div>
  );
}

function UsageEditor({ datasource, query, onChange, onRunQuery, range }: Props) {
  const usage: UsageQuery = query.usage ?? DEFAULT_USAGE_QUERY;
  const preview = usePreview(datasource, query, range);
  const [showSql, setShowSql] = React.useState(false);

  const change = (patch: Partial<UsageQuery>) => {
    onChange({ ...query, usage: { ...usage, ...patch } });
    onRunQuery();
  };

  const setRawMode = (rawMode: boolean) => {
    onChange({ ...query, rawMode, rawSql: rawMode ? query.rawSql || preview.sql : query.rawSql, rawFormat: query.rawFormat ?? usage.format });
    onRunQuery();
  };

  return (
    <div>
      <InlineFieldRow>
        <InlineField label="Raw SQL" tooltip="Edit the compiled statement by hand. Template variables become escaped literals.">
          <InlineSwitch aria-label="Raw SQL" value={Boolean(query.rawMode)} onChange={(e) => setRawMode(e.currentTarget.checked)} />
        </InlineField>
        <InlineField label="Format">
          <RadioButtonGroup<QueryFormat>
            options={formatOptions}
            value={query.rawMode ? (query.rawFormat ?? usage.format) : usage.format}
            onChange={(format) => (query.rawMode ? (onChange({ ...query, rawFormat: format }), onRunQuery()) : change({ format }))}
          />
        </InlineField>
      </InlineFieldRow>
      {query.rawMode ? (
        <TextArea
          aria-label="SQL"
          rows={12}
          style={{ fontFamily: 'monospace' }}
          value={query.rawSql ?? ''}
          onChange={(e) => onChange({ ...query, rawSql: e.currentTarget.value })}
          onBlur={onRunQuery}
        />
      ) : (
        <>
          <InlineFieldRow>
            <InlineField label="Measure" labelWidth={12} grow>
              <MultiSelect<Measure>
                aria-label="Measure"
                options={measureOptions}
                value={[...usage.measures]}
                onChange={(v) => change({ measures: v.map((o) => o.value!).filter(Boolean) })}
              />
            </InlineField>
            <InlineField label="Resource">
              <Select<ResourceKey> aria-label="Resource" width={20} options={resourceOptions} value={usage.resource} onChange={(v) => change({ resource: v.value! })} />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Group by" labelWidth={12} grow>
              <MultiSelect<Dimension>
                aria-label="Group by"
                options={dimensionOptions}
                value={[...usage.groupBy]}
                onChange={(v) => change({ groupBy: v.map((o) => o.value!).filter(Boolean) })}
              />
            </InlineField>
            <InlineField label="Interval">
              <Select<QueryInterval> aria-label="Interval" width={14} options={intervalOptions} value={usage.interval} onChange={(v) => change({ interval: v.value! })} />
            </InlineField>
            <InlineField label="Top" tooltip="Keep the largest groups over the range; the rest are summed as Other. Empty keeps every group.">
              <Input
                aria-label="Top N"
                type="number"
                min={1}
                width={10}
                value={usage.topN ?? ''}
                onChange={(e) => {
                  const n = Number.parseInt(e.currentTarget.value, 10);
                  change({ topN: Number.isFinite(n) && n > 0 ? n : undefined });
                }}
              />
            </InlineField>
          </InlineFieldRow>
          <FiltersEditor filters={usage.filters} onChange={(filters) => change({ filters })} />
        </>
      )}
      {preview.error && !query.rawMode ? (
        <Alert severity="warning" title="This query cannot run">
          {preview.error}
        </Alert>
      ) : null}
      {!query.rawMode && preview.sql ? (
        <Collapse label="Compiled SQL" collapsible isOpen={showSql} onToggle={() => setShowSql(!showSql)}>
          <pre aria-label="Compiled SQL" style={{ whiteSpace: 'pre-wrap', fontSize: 12 }}>
            {preview.sql}
          </pre>
        </Collapse>
      ) : null}
    </div>
  );
}
