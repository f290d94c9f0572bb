import React from 'react';
import { DIMENSIONS, type Dimension, type DimensionFilter } from '@hyperpod-usage/model';
import { Button, IconButton, InlineField, InlineFieldRow, RadioButtonGroup, Select, TagsInput } from '@grafana/ui';
import { DIMENSION_LABELS } from '../types';

interface Props {
  filters: readonly DimensionFilter[];
  onChange: (filters: DimensionFilter[]) => void;
}

const dimensionOptions = DIMENSIONS.map((d) => ({ value: d, label: DIMENSION_LABELS[d] }));
const operatorOptions = [
  { value: 'in', label: 'is' },
  { value: 'not_in', label: 'is not' },
];

/** Filters on dimensions: each value (or template variable such as $team) is one escaped literal. */
export function FiltersEditor({ filters, onChange }: Props) {
  const replace = (index: number, filter: DimensionFilter) => onChange(filters.map((f, i) => (i === index ? filter : f)));
  return (
    <>
      {filters.map((filter, index) => (
        <InlineFieldRow key={index}>
          <InlineField label={index === 0 ? 'Where' : 'And'} labelWidth={12}>
            <Select<Dimension>
              aria-label={`Filter ${index + 1} dimension`}
              width={20}
              options={dimensionOptions}
              value={filter.dimension}
              onChange={(v) => replace(index, { ...filter, dimension: v.value! })}
            />
          </InlineField>
          <RadioButtonGroup
            options={operatorOptions}
            value={filter.exclude ? 'not_in' : 'in'}
            onChange={(v) => replace(index, { ...filter, exclude: v === 'not_in' })}
          />
          <TagsInput
            aria-label={`Filter ${index + 1} values`}
            tags={[...filter.values]}
            width={40}
            placeholder="value or $variable, then Enter"
            onChange={(values) => replace(index, { ...filter, values })}
          />
          <IconButton name="trash-alt" tooltip="Remove filter" onClick={() => onChange(filters.filter((_, i) => i !== index))} />
        </InlineFieldRow>
      ))}
      <Button variant="secondary" size="sm" icon="plus" onClick={() => onChange([...filters, { dimension: 'team', values: [] }])}>
        Filter
      </Button>
    </>
  );
}
