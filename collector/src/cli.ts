#!/usr/bin/env node
/**
 * `hpu`: the collector service and the tools around it. Commands load on demand, so the
 * long-running `collect` never loads DuckDB, PDF or simulator code.
 */
import { describeError, exitCodeOf } from './cli-errors.js';
import { COLLECTOR_VERSION } from './version.js';

interface CommandModule {
  usage: string;
  run(args: readonly string[]): Promise<void>;
}

interface Command {
  summary: string;
  load(): Promise<CommandModule>;
}

const COMMANDS: Record<string, Command> = {
  collect: {
    summary: 'watch a HyperPod cluster and write usage records (the service)',
    load: async () => {
      const m = await import('./commands/collect.js');
      return { usage: m.COLLECT_USAGE, run: m.collect };
    },
  },
  aggregate: {
    summary: 'raw records to rollups (hours, own quota vs borrowed, idle, lent) on DuckDB or Athena',
    load: async () => {
      const m = await import('./commands/aggregate.js');
      return { usage: m.AGGREGATE_USAGE, run: m.aggregateCommand };
    },
  },
  report: {
    summary: "usage reports for finance (summary or detailed, CSV or PDF), with AWS's run.py flags",
    load: async () => {
      const m = await import('./commands/report.js');
      return { usage: m.REPORT_USAGE, run: m.report };
    },
  },
  simulate: {
    summary: 'play scenarios through a test API server and a collector into a local directory',
    load: async () => {
      const m = await import('./commands/simulate.js');
      return { usage: m.SIMULATE_USAGE, run: m.simulate };
    },
  },
  budgets: {
    summary: 'monthly GPU-hour and cost budgets per team, and quota alert thresholds (the alert settings file)',
    load: async () => {
      const m = await import('./commands/budgets.js');
      return { usage: m.BUDGETS_USAGE, run: m.budgetsCommand };
    },
  },
  grafana: {
    summary: 'install the portable dashboards, alert rules and data sources into a Grafana (AMG included) over its HTTP API',
    load: async () => {
      const m = await import('./commands/grafana.js');
      return { usage: m.GRAFANA_USAGE, run: m.grafanaCommand };
    },
  },
  demo: {
    summary: 'the whole pipeline on one machine: built-in scenarios, collector, local records',
    load: async () => {
      const m = await import('./commands/demo.js');
      return { usage: m.DEMO_USAGE, run: m.demo };
    },
  },
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
  try {
    const module = await command.load();
    if (args.includes('--help') || args.includes('-h')) {
      console.log(module.usage);
      return 0;
    }
    await module.run(args);
    return 0;
  } catch (e) {
    // Errors a user can fix exit 2; bugs and outages exit 1. Either way one line.
    console.error(`hpu ${name}: ${describeError(e)}`);
    return exitCodeOf(e);
  }
}

// `collect` keeps running after main() returns; other commands exit when done.
main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'collect') process.exit(code);
  },
  (e: unknown) => {
    console.error(`hpu: ${describeError(e)}`);
    process.exit(exitCodeOf(e));
  },
);
