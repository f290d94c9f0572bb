import React from 'react';
import { PluginPage } from '@grafana/runtime';

export default function Settings(_props: { datasourceUid?: string }) {
  return <PluginPage>Settings</PluginPage>;
}
