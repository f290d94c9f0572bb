// The plugin build: create-plugin's webpack config, extended (not edited) for this repository.
import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';
import { merge } from 'webpack-merge';
import grafanaConfig, { type Env } from './.config/webpack/webpack.config.ts';

const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return merge(base, {
    resolve: {
      // The shared usage model is imported as TypeScript source ("development" export condition)
      // and uses NodeNext `.js` specifiers for its `.ts` files.
      conditionNames: ['development', 'import', 'browser', 'module', 'default'],
      extensionAlias: { '.js': ['.ts', '.js'] },
    },
    // create-plugin copies only the root plugin.json's logos; the nested data source shows the same one.
    plugins: [new CopyWebpackPlugin({ patterns: [{ from: 'img/logo.svg', to: 'datasource/img/logo.svg' }] })],
  });
};

export default config;
