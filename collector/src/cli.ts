#!/usr/bin/env node
/**
 * `hpu`: the collector service and the tools around it.
 */
import { COLLECT_USAGE, collect } from './commands/collect.js';
import { DEMO_USAGE, demo } from './commands/demo.js';
import { SIMULATE_USAGE, simulate } from './commands/simulate.js';
import { ConfigError } from './config.js';
import { ScenarioError } from './simulator/scenario.js';
import { SqlValueError } from '@hyperpod-usage/model';
import { COLLECTOR_VERSION } from './version.js';

interface Command {
  summary: string;
  usage: string;
  run(args: readonly string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  collect: { summary: 'watch a HyperPod cluster and write usage records (the service)', usage: COLLECT_USAGE, run: collect },
  simulate: { summary: 'play scenarios through a test API server and a collector into a local directory', usage: SIMULATE_USAGE, run: simulate },
  demo: { summary: 'the whole pipeline on one machine: built-in scenarios, collector, local records', usage: DEMO_USAGE, run: demo },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `hpu ${COLLECTOR_VERSION}: HyperPod usage collector and tools`,
    '',
    'Usage: hpu <command> [options]      hpu <command> --help',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Errors a user can fix: one line, exit code 2. Anything else is a bug or an outage: exit code 1. */
function isUsageError(e: unknown): boolean {
  return e instanceof ConfigError || e instanceof ScenarioError || e instanceof SqlValueError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return 0;
  }
  if (name === '--version') {
    console.log(COLLECTOR_VERSION);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`hpu: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    await command.run(args);
    return 0;
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    console.error(`hpu ${name}: ${message}`);
    return isUsageError(e) ? 2 : 1;
  }
}

// `collect` keeps running after main() returns; other commands exit when done.
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'collect') process.exit(code);
  },
  (e: unknown) => {
    console.error(`hpu: ${(e as Error).message}`);
    process.exit(1);
  },
);
