import React from 'react';
import { PluginPage } from '@grafana/runtime';

export default function Tasks(_props: { datasourceUid?: string }) {
  return <PluginPage>Tasks</PluginPage>;
}
