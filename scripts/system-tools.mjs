#!/usr/bin/env node
// The system tools the tests run for real (not mocks), and their Debian packages. On a machine
// without them, installs them when it can (root with apt-get), saying what it installs; otherwise
// it stops with one line per missing tool, so no test can pass by skipping one.
import { spawnSync } from 'node:child_process';

export const SYSTEM_TOOLS = [
  { command: 'kubectl', debianPackage: 'kubernetes-client', why: 'renders the kustomize manifests' },
  { command: 'promtool', debianPackage: 'prometheus', why: 'checks /metrics and the alert rules' },
  { command: 'pdftotext', debianPackage: 'poppler-utils', why: 'reads back the PDF reports' },
  { command: 'docker-compose', debianPackage: 'docker-compose', why: 'checks docker-compose.yaml offline' },
  { command: 'chromium', debianPackage: 'chromium', why: 'renders the Grafana plugin in a headless browser' },
];

const onPath = (command) => spawnSync('/bin/sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

export function missingTools() {
  return SYSTEM_TOOLS.filter((tool) => !onPath(tool.command));
}

function run(command, args) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return result.status === 0;
}

/** Installs what is missing when this process may; returns the tools still missing. */
export function ensureSystemTools() {
  const missing = missingTools();
  if (missing.length === 0) return [];
  const canInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (canInstall) {
    const packages = missing.map((t) => t.debianPackage);
    console.log(`installing the tools the tests use: ${packages.join(' ')} (apt-get)`);
    if (run('apt-get', ['update', '-qq'])) run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages]);
  }
  return missingTools();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stillMissing = ensureSystemTools();
  for (const tool of stillMissing) {
    console.error(`missing ${tool.command} (${tool.why}): install it with  sudo apt-get install ${tool.debianPackage}`);
  }
  process.exit(stillMissing.length === 0 ? 0 : 1);
}
