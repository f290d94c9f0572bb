// The harness's alias for @grafana/runtime's page-frame setter (see webpack.config.ts).
declare module 'hpu-harness-plugin-page' {
  import type { PluginPageType } from '@grafana/runtime';
  export function setPluginPage(component: PluginPageType): void;
}
