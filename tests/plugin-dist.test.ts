// The built plugin (dist/, from `npm run build:plugin`) as Grafana will load it: both plugin.json
// files valid against Grafana's schema, versions filled in, the nested data source declared,
// every logo and module present.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Ajv } from 'ajv';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const schemaPath = join(root, '..', 'shared', 'reference', 'grafana-plugin.schema.json');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

test('dist/ holds the built app and its nested data source', () => {
  assert.ok(existsSync(join(dist, 'module.js')), 'dist/module.js is missing: run npm run build:plugin');
  assert.ok(existsSync(join(dist, 'datasource', 'module.js')), 'dist/datasource/module.js is missing');
});

const plugins = () => [['app', readJson(join(dist, 'plugin.json'))], ['datasource', readJson(join(dist, 'datasource', 'plugin.json'))]] as const;

// The schema is Grafana's, kept with the project's reference facts next to the checkout (not in
// it); a clone elsewhere checks everything else below.
test("both plugin.json files are valid against Grafana's plugin.json schema", { skip: existsSync(schemaPath) ? false : `no ${schemaPath}` }, () => {
  const schema = readJson(schemaPath);
  delete schema.$schema; // draft-07, which Ajv knows without the meta-schema URL
  const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile(schema);
  for (const [name, plugin] of plugins()) {
    // create-plugin's build stamps `buildMode` (production/development), which Grafana reads but
    // this copy of the schema predates.
    const { buildMode: _buildMode, ...declared } = plugin;
    assert.ok(validate(declared), `${name} plugin.json: ${JSON.stringify(validate.errors, null, 1)}`);
  }
});

test('both plugin.json files have versions, ids, includes and logos', () => {
  const [[, app], [, datasource]] = plugins();
  for (const [name, plugin] of plugins()) {
    assert.equal(plugin.buildMode, 'production');
    assert.equal(plugin.info.version, version, `${name}: %VERSION% was not replaced`);
    assert.match(plugin.info.updated, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(plugin.id, /^[0-9a-z]+-([0-9a-z]+-)?(app|datasource)$/);
    assert.equal(typeof plugin.name, 'string');
    assert.ok(['app', 'datasource'].includes(plugin.type), `${name}: type ${String(plugin.type)}`);
  }
  assert.equal(app.id, 'hyperpod-usage-app');
  assert.equal(datasource.id, 'hyperpod-usage-datasource');
  assert.ok(
    app.includes.some((i: { type: string; path?: string }) => i.type === 'datasource' && i.path === 'datasource/plugin.json'),
    'the app must declare its nested data source',
  );
  assert.ok(app.dependencies.plugins.some((p: { id: string }) => p.id === 'grafana-athena-datasource'));
  assert.ok(!JSON.stringify(app).includes('%PLUGIN_ID%'), 'page paths still hold %PLUGIN_ID%');
  for (const [dir, plugin] of [[dist, app], [join(dist, 'datasource'), datasource]] as const) {
    for (const logo of new Set([plugin.info.logos.small, plugin.info.logos.large])) {
      assert.ok(existsSync(join(dir, logo)), `${plugin.id}: logo ${logo} is not in dist`);
    }
  }
});

test('every bundled dashboard the app lists is in dist/, and every generated one is listed', () => {
  const app = readJson(join(dist, 'plugin.json'));
  const listed = app.includes.filter((i: { type: string }) => i.type === 'dashboard').map((i: { path: string }) => i.path);
  const generated = readdirSync(join(root, 'src', 'dashboards')).filter((f) => f.endsWith('.json')).map((f) => `dashboards/${f}`);
  assert.deepEqual([...listed].sort(), generated.sort());
  for (const include of app.includes.filter((i: { type: string }) => i.type === 'dashboard')) {
    const file = join(dist, include.path);
    assert.ok(existsSync(file), `dashboard ${include.path} is missing`);
    assert.ok(readJson(file).panels.length > 0, `dashboard ${include.path} has no panels`);
  }
});

test('bundle size is reported', () => {
  const sizes = new Map<string, number>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.js')) sizes.set(path.slice(dist.length + 1), statSync(path).size);
    }
  };
  walk(dist);
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  console.log(`plugin bundle: ${(total / 1024).toFixed(1)} KiB of JavaScript in ${sizes.size} files (app module ${(sizes.get('module.js')! / 1024).toFixed(1)} KiB, data source ${(sizes.get('datasource/module.js')! / 1024).toFixed(1)} KiB)`);
  assert.ok(total > 0);
});
