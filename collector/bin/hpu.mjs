#!/usr/bin/env node
// `hpu` as a package bin: in a checkout it runs the TypeScript sources (no build needed after
// `npm ci`); where only the compiled output exists it runs that.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const compiled = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

if (!existsSync(source)) {
  await import(compiled);
} else {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', source, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // The CLI handles SIGINT/SIGTERM itself (a collector flushes before it exits): pass them on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
}
