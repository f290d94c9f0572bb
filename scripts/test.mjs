#!/usr/bin/env node
// `npm test`: the system tools first (installed when missing, or a clear stop before any test),
// then type checks, lint and every test. Stops at the first step that fails.
import { spawnSync } from 'node:child_process';
import { ensureSystemTools } from './system-tools.mjs';

const stillMissing = ensureSystemTools();
if (stillMissing.length > 0) {
  for (const tool of stillMissing) {
    console.error(`missing ${tool.command} (${tool.why}): install it with  sudo apt-get install ${tool.debianPackage}`);
  }
  console.error('no tests were run');
  process.exit(1);
}

const steps = [
  ['type check', 'npm', ['run', '--silent', 'typecheck']],
  ['lint', 'npm', ['run', '--silent', 'lint']],
  // The node tests check the built plugin (dist/) and drive it in Chromium.
  ['plugin build', 'npm', ['run', '--silent', 'build:plugin']],
  ['tests', process.execPath, ['scripts/run-tests.mjs', ...process.argv.slice(2)]],
  ['plugin unit tests', 'npm', ['run', '--silent', 'test:plugin']],
];

const root = new URL('..', import.meta.url).pathname;
for (const [name, command, args] of steps) {
  console.log(`\n== ${name}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`${name} failed`);
    process.exit(result.status ?? 1);
  }
}
