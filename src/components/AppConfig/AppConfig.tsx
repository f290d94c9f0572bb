import React, { useState } from 'react';
import type { AppPluginMeta, DataSourceInstanceSettings, PluginConfigPageProps, PluginMeta } from '@grafana/data';
import { DataSourcePicker, getBackendSrv, locationService } from '@grafana/runtime';
import { Button, Field, FieldSet } from '@grafana/ui';
import { USAGE_DATASOURCE_TYPE, type AppSettings } from '../../constants';

export type AppConfigProps = PluginConfigPageProps<AppPluginMeta<AppSettings>>;

/** Which usage data source the app's pages read; the data source holds everything else. */
export default function AppConfig({ plugin }: AppConfigProps) {
  const { enabled, pinned, jsonData } = plugin.meta;
  const [usageDatasourceUid, setUid] = useState(jsonData?.usageDatasourceUid);

  const save = async () => {
    await updatePluginSettings(plugin.meta.id, { enabled, pinned, jsonData: { ...jsonData, usageDatasourceUid } });
    locationService.reload();
  };

  return (
    <FieldSet label="HyperPod Usage">
      <Field label="Usage data source" description="The HyperPod Usage data source the Overview, Team and Tasks pages read. Create one under Connections first.">
        <DataSourcePicker
          current={usageDatasourceUid ?? null}
          type={USAGE_DATASOURCE_TYPE}
          noDefault
          width={40}
          onChange={(ds: DataSourceInstanceSettings) => setUid(ds.uid)}
        />
      </Field>
      <Button onClick={save} disabled={!usageDatasourceUid}>
        Save settings
      </Button>
    </FieldSet>
  );
}

export function updatePluginSettings(pluginId: string, data: Partial<PluginMeta<AppSettings>>) {
  return getBackendSrv().post(`/api/plugins/${encodeURIComponent(pluginId)}/settings`, data);
}
