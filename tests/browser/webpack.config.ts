// The browser harness bundle: the plugin's own webpack rules and resolution (swc, styles, the
// shared model as TypeScript), but one plain script for a test page, with React and @grafana/*
// bundled in instead of supplied by Grafana.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Configuration, RuleSetRule } from 'webpack';
// Loaded as CommonJS, as webpack's CLI loads it: create-plugin's .config is a CommonJS package,
// whose default export an ES import would see wrapped.
const pluginConfig = (createRequire(import.meta.url)('../../webpack.config.ts') as { default: (env: Record<string, unknown>) => Promise<Configuration> }).default;

const root = path.resolve(import.meta.dirname, '..', '..');

export async function harnessConfig(outDir: string): Promise<Configuration> {
  const plugin = await pluginConfig({ production: true });
  // The AMD public-path shim only applies to Grafana's module.ts entries.
  const rules = (plugin.module?.rules ?? []).filter((rule) => !JSON.stringify((rule as RuleSetRule)?.use ?? '').includes('imports-loader'));
  return {
    mode: 'development',
    devtool: false,
    context: root,
    entry: { harness: './tests/browser/harness.tsx' },
    output: { path: outDir, filename: '[name].js', publicPath: '/', clean: true },
    // @grafana/ui's ES modules import OpenLayers without file extensions, and CommonJS packages
    // (react-custom-scrollbars-2) by their default export, as Grafana's own build allows.
    module: { rules: [{ test: /\.m?js$/, include: /node_modules/, type: 'javascript/auto', resolve: { fullySpecified: false } }, ...rules] },
    resolve: {
      ...plugin.resolve,
      // Grafana sets the page frame with setPluginPage, which @grafana/runtime does not export.
      alias: { 'hpu-harness-plugin-page$': path.join(root, 'node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs') },
    },
    cache: { type: 'filesystem', cacheDirectory: path.join(root, 'node_modules', '.cache', 'hpu-browser-harness') },
    performance: { hints: false },
    stats: 'errors-warnings',
  };
}
