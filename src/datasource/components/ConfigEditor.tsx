import React from 'react';
import type { DataSourcePluginOptionsEditorProps, DataSourceInstanceSettings } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { Field, FieldSet, Input, TagsInput } from '@grafana/ui';
import { ATHENA_TYPE, SQL_DATASOURCE_TYPES, type SqlDatasourceType, type UsageDataSourceOptions } from '../types';

type Props = DataSourcePluginOptionsEditorProps<UsageDataSourceOptions>;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const json = options.jsonData;
  const update = (patch: Partial<UsageDataSourceOptions>) => onOptionsChange({ ...options, jsonData: { ...json, ...patch } });
  const sqlType = json.sqlDatasource?.type;

  return (
    <>
      <FieldSet label="Where the usage tables are">
        <Field
          label="SQL data source"
          description="Amazon Athena over the stack's Glue database, or DuckDB over the local rollups. Queries run through it, with its credentials."
        >
          <DataSourcePicker
            current={json.sqlDatasource?.uid ?? null}
            type={[...SQL_DATASOURCE_TYPES]}
            noDefault
            width={40}
            onChange={(ds: DataSourceInstanceSettings) => update({ sqlDatasource: { uid: ds.uid, type: ds.type as SqlDatasourceType } })}
          />
        </Field>
        {sqlType === ATHENA_TYPE ? (
          <>
            <Field label="Database" description="The stack's DatabaseName output (Glue database).">
              <Input width={40} value={json.database ?? ''} placeholder="hyperpod_usage" onChange={(e) => update({ database: e.currentTarget.value.trim() })} />
            </Field>
            <Field label="Region" description="Leave empty for the Athena data source's default region.">
              <Input width={40} value={json.region ?? ''} placeholder="__default" onChange={(e) => update({ region: e.currentTarget.value.trim() })} />
            </Field>
            <Field label="Catalog" description="Leave empty for AwsDataCatalog.">
              <Input width={40} value={json.catalog ?? ''} placeholder="__default" onChange={(e) => update({ catalog: e.currentTarget.value.trim() })} />
            </Field>
          </>
        ) : sqlType ? (
          <Field label="Data path" description="The folder with rollups/ and reports/, as Grafana's server sees it (the demo writes out/demo/usage-data).">
            <Input width={60} value={json.dataPath ?? ''} placeholder="/var/lib/grafana/usage-data" onChange={(e) => update({ dataPath: e.currentTarget.value.trim() })} />
          </Field>
        ) : null}
      </FieldSet>
      <FieldSet label="What to show">
        <Field label="Clusters" description="HyperPod cluster names; none means every cluster in the tables. Template variables such as $cluster work.">
          <TagsInput tags={json.clusters ?? []} onChange={(clusters) => update({ clusters })} placeholder="cluster name, then Enter" width={60} />
        </Field>
        <Field label="Prometheus" description="The Prometheus (or Amazon Managed Service for Prometheus) data source with DCGM, Neuron and collector metrics, for utilization next to allocation.">
          <DataSourcePicker
            current={json.prometheusUid ?? null}
            type="prometheus"
            noDefault
            width={40}
            onChange={(ds: DataSourceInstanceSettings) => update({ prometheusUid: ds.uid })}
          />
        </Field>
        <Field label="Stale after (hours)" description="The health check fails when the newest rollup hour is older than this. The aggregation runs hourly.">
          <Input
            type="number"
            min={1}
            width={20}
            value={json.maxAgeHours ?? 3}
            onChange={(e) => {
              const hours = Number(e.currentTarget.value);
              update({ maxAgeHours: Number.isFinite(hours) && hours >= 1 ? hours : undefined });
            }}
          />
        </Field>
      </FieldSet>
    </>
  );
}
