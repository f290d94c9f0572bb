#!/usr/bin/env node
// Runs the project's tests with Node's own test runner. Node 20 does not expand globs for --test,
// so this finds the test files; pass files or folders to run only those.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', 'dist', '.git', 'coverage']);

function findTests(path, out = []) {
  if (statSync(path).isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path)) {
    if (!skip.has(entry) && !entry.startsWith('.')) findTests(join(path, entry), out);
  }
  return out;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['usage-model', 'collector', 'cloudformation', 'scripts', 'tests', 'dashboards'])
  .flatMap((t) => findTests(join(root, t)))
  .map((f) => relative(root, f))
  .sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--conditions=development', '--import', 'tsx', '--test', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TZ: 'UTC' } },
);
process.exit(result.status ?? 1);
