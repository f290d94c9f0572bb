// The webpack build of the browser test pages: each tests/browser/pages/<name>.tsx becomes
// <name>.js with React, @grafana/ui, @grafana/runtime and the usage model bundled in (Grafana
// would supply the first three at run time; here nothing is external).
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import webpack, { type Configuration } from 'webpack';

const root = new URL('../../..', import.meta.url).pathname;
export const pagesDir = join(root, 'tests', 'browser', 'pages');
const inPageDir = join(root, 'tests', 'browser', 'in-page');
export const buildDir = join(root, 'tests', 'browser', '.build');

export function pageNames(): string[] {
  return readdirSync(pagesDir)
    .filter((file) => file.endsWith('.tsx'))
    .map((file) => basename(file, '.tsx'))
    .sort();
}

export function browserPagesConfig(pages: readonly string[] = pageNames()): Configuration {
  return {
    mode: 'development',
    devtool: false,
    context: root,
    // boot-data first: @grafana/runtime reads window.grafanaBootData when it is first imported.
    entry: Object.fromEntries(pages.map((name) => [name, [join(inPageDir, 'boot-data.ts'), join(pagesDir, `${name}.tsx`)]])),
    output: { path: buildDir, filename: '[name].js', chunkFilename: 'chunks/[name].js', publicPath: '/', clean: false },
    // @grafana/ui is large: the cache makes every build after the first one take seconds.
    cache: { type: 'filesystem', cacheDirectory: join(buildDir, '.cache'), buildDependencies: { config: [new URL(import.meta.url).pathname] } },
    performance: { hints: false },
    stats: 'errors-warnings',
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.json'],
      // As in the plugin build: the usage model as TypeScript source, with NodeNext `.js` specifiers.
      conditionNames: ['development', 'browser', 'import', 'module', 'default'],
      extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
      modules: [join(root, 'src'), 'node_modules'],
    },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: { jsc: { target: 'es2020', parser: { syntax: 'typescript', tsx: true, dynamicImport: true } } },
          },
        },
        // Some dependencies ship ESM with extensionless relative imports.
        { test: /\.m?js$/, resolve: { fullySpecified: false } },
        { test: /\.css$/, use: ['style-loader', 'css-loader'] },
        { test: /\.(png|jpe?g|gif|svg|woff2?|eot|ttf|otf)$/, type: 'asset/resource' },
      ],
    },
    plugins: [
      new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('development') }),
    ],
  };
}

/** Builds the pages; rejects with webpack's own error text when a page does not compile. */
export function buildBrowserPages(pages: readonly string[] = pageNames()): Promise<string> {
  return new Promise((resolve, reject) => {
    webpack(browserPagesConfig(pages), (error, stats) => {
      if (error) return reject(error);
      if (!stats || stats.hasErrors()) return reject(new Error(stats?.toString('errors-only') ?? 'webpack failed'));
      resolve(buildDir);
    });
  });
}
