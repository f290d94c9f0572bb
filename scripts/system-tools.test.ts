import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

test('without the system tools and without a way to install them, npm test stops before any test, naming each tool', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run the check as an unprivileged user');
  // Only node on PATH, and a user who may not install packages: the newcomer's worst case. (runuser
  // would reset PATH, so env sets it inside.)
  const bin = mkdtempSync(join(tmpdir(), 'only-node-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  chmodSync(bin, 0o755);
  symlinkSync(process.execPath, join(bin, 'node'));
  // The scripts are copied where that user may read them: a checkout can be private to root (mktemp -d).
  const checkout = join(bin, 'checkout');
  mkdirSync(join(checkout, 'scripts'), { recursive: true, mode: 0o755 });
  chmodSync(checkout, 0o755);
  for (const script of ['test.mjs', 'system-tools.mjs']) copyFileSync(join(root, 'scripts', script), join(checkout, 'scripts', script));
  const result = spawnSync(
    '/usr/sbin/runuser',
    ['-u', 'nobody', '--', '/usr/bin/env', `PATH=${bin}`, 'HOME=/tmp', process.execPath, 'scripts/test.mjs'],
    { cwd: checkout, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(result.status, 1, result.stderr);
  const lines = result.stderr.trim().split('\n');
  for (const tool of ['kubectl', 'promtool', 'pdftotext', 'docker-compose', 'chromium']) {
    assert.ok(lines.some((l) => l.startsWith(`missing ${tool} `) && l.includes('apt-get install')), `no line for ${tool}:\n${result.stderr}`);
  }
  assert.equal(lines.at(-1), 'no tests were run');
  assert.doesNotMatch(result.stdout, /== type check/);
});
