import React from 'react';
import { PluginPage } from '@grafana/runtime';

export default function Overview(_props: { datasourceUid?: string }) {
  return <PluginPage>Overview</PluginPage>;
}
