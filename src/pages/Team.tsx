import React from 'react';
import { PluginPage } from '@grafana/runtime';

export default function Team(_props: { datasourceUid?: string }) {
  return <PluginPage>Team</PluginPage>;
}
