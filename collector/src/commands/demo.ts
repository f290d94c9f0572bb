/**
 * `hpu demo` (`npm run demo`): the whole pipeline on the embedded default, on one machine and
 * without an AWS account: the built-in scenarios through the Kubernetes API test server and a
 * real collector into a local directory in the S3 layout.
 */
import { resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createLogger } from '../log.js';
import { builtinScenarioNames, resolveScenario } from '../simulator/builtin.js';
import { runSimulation } from '../simulator/simulation.js';
import { capturedPerTeam, formatCaptureTable } from './simulate.js';

export const DEMO_USAGE = `Usage: hpu demo [--out DIR]
  Plays the built-in scenarios (${builtinScenarioNames().join(', ')}) through a test Kubernetes API
  server and a real collector, and prints what was captured per team.
  --out DIR   where to put the data (default ./out/demo; emptied first)`;

export async function demo(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...args], options: { out: { type: 'string', default: 'out/demo' } }, strict: true });
  const out = resolve(values.out);
  rmSync(out, { recursive: true, force: true });
  const dataDir = resolve(out, 'usage-data');
  const log = createLogger({ level: 'warn' });
  for (const name of builtinScenarioNames()) {
    const scenario = resolveScenario(name);
    process.stdout.write(`Simulating ${scenario.name}: ${scenario.description}\n`);
    const result = await runSimulation({ scenario, clusterName: 'demo', storage: { kind: 'local', directory: dataDir }, spoolDir: resolve(out, 'spool'), speed: 3600, log });
    process.stdout.write(`  collector wrote ${result.recordsWritten} records in ${result.realSeconds.toFixed(1)} s\n\n`);
    process.stdout.write(`${formatCaptureTable(await capturedPerTeam(dataDir, scenario.start, scenario.end))}\n\n`);
  }
  process.stdout.write(`Raw usage records (Parquet, S3 layout): ${dataDir}/raw\n`);
}
