import React from 'react';
import { DIMENSIONS, type Dimension } from '@hyperpod-usage/model';
import { InlineField, Select } from '@grafana/ui';
import { DIMENSION_LABELS, type UsageVariableQuery } from '../types';

interface Props {
  query: UsageVariableQuery;
  onChange: (query: UsageVariableQuery, definition: string) => void;
}

const OPTIONS = DIMENSIONS.map((d) => ({ value: d, label: DIMENSION_LABELS[d] }));

export function VariableQueryEditor({ query, onChange }: Props) {
  return (
    <InlineField label="Values of" labelWidth={14}>
      <Select<Dimension>
        aria-label="Variable dimension"
        width={30}
        options={OPTIONS}
        value={query?.dimension ?? 'team'}
        onChange={(v) => v.value && onChange({ ...query, dimension: v.value }, `${DIMENSION_LABELS[v.value]} values`)}
      />
    </InlineField>
  );
}
