/**
 * `hpu simulate`: plays scenarios through the Kubernetes API test server and a real collector into
 * a local directory (or S3), then prints what was captured per team.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertClusterName, heldCtes, withClause } from '@hyperpod-usage/model';
import { asConfigError, ConfigError, parseFlushInterval } from '../config.js';
import { DuckDbEngine } from '../engine/duckdb-engine.js';
import type { ResultRow } from '../engine/query-engine.js';
import { createLogger } from '../log.js';
import { parseStorageUrl } from '../sink/object-store.js';
import { allScenarioNames, builtinScenarioNames, resolveScenario } from '../simulator/builtin.js';
import { runSimulation } from '../simulator/simulation.js';

export const SIMULATE_USAGE = `Usage: hpu simulate [options]
  --scenario NAME|FILE   scenario to play (repeatable; default: every built-in one)
                         built-in: ${allScenarioNames().join(', ')}
  --out DIR              local directory for the records (default ./out/usage-data)
  --cluster-name NAME    cluster name in the records (default demo)
  --speed N              simulated seconds per real second (default 3600)
  --flush-interval D     collector flush interval in simulated time (default 60s)
  --metrics-port N       serve the collector's /metrics on this port while playing (default: none)
  --metrics-address A    address for --metrics-port (default 127.0.0.1)
  --log-level LEVEL      debug, info, warn, error (default warn)`;

export interface TeamCapture {
  team: string;
  gpuHours: number;
  vcpuHours: number;
  memoryGibHours: number;
  neuronDeviceHours: number;
  tasks: number;
}

/** Resource-hours per team in the records under `dataDir`, over [start, end). */
async function capturedPerTeam(dataDir: string, start: number, end: number): Promise<TeamCapture[]> {
  const engine = await DuckDbEngine.open(dataDir);
  try {
    const relations = { workload: 'workload', pod: 'pod', node: 'node', clusterqueue: 'clusterqueue', heartdub: 'heartdub' };
    const sql = `${withClause(heldCtes({ relations, range: { start, end }, clusters: [] }))}
SELECT team, sum(gpu * hours) AS gpu, sum(cpu * hours) AS cpu, sum(memory_gib * hours) AS memory_gib,
       sum(neuron_device * hours) AS neuron_device, count(DISTINCT task_uid) AS tasks
  FROM held_hourly GROUP BY team ORDER BY team`;
    const { rows } = await engine.query(sql);
    return rows.map((r: ResultRow) => ({
      team: String(r.team),
      gpuHours: Number(r.gpu),
      vcpuHours: Number(r.cpu),
      memoryGibHours: Number(r.memory_gib),
      neuronDeviceHours: Number(r.neuron_device),
      tasks: Number(r.tasks),
    }));
  } finally {
    await engine.close();
  }
}

function formatCaptureTable(rows: readonly TeamCapture[]): string {
  const header = ['team', 'GPU h', 'vCPU h', 'memory GiB h', 'Neuron dev h', 'tasks'];
  const body = rows.map((r) => [
    r.team || '(no team)',
    r.gpuHours.toFixed(2),
    r.vcpuHours.toFixed(2),
    r.memoryGibHours.toFixed(1),
    r.neuronDeviceHours.toFixed(2),
    String(r.tasks),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export async function simulate(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      scenario: { type: 'string', multiple: true },
      out: { type: 'string', default: 'out/usage-data' },
      'cluster-name': { type: 'string', default: 'demo' },
      speed: { type: 'string', default: '3600' },
      'flush-interval': { type: 'string', default: '60s' },
      'log-level': { type: 'string', default: 'warn' },
      'metrics-port': { type: 'string' },
      'metrics-address': { type: 'string', default: '127.0.0.1' },
    },
    strict: true,
  });
  const speed = Number(values.speed);
  if (!(speed > 0)) throw new ConfigError(`--speed: expected a positive number, got ${JSON.stringify(values.speed)}`);
  const clusterName = asConfigError(() => assertClusterName(values['cluster-name']), 'cluster-name');
  const level = values['log-level'];
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ConfigError(`--log-level: unknown level ${level}`);
  const log = createLogger({ level: level as 'debug' | 'info' | 'warn' | 'error' });
  const storage = asConfigError(() => parseStorageUrl(resolve(values.out)), 'out');
  if (storage.kind !== 'local') throw new ConfigError('--out must be a local directory');
  const metricsPort = values['metrics-port'] === undefined ? undefined : Number(values['metrics-port']);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort > 0 && metricsPort < 65536)) {
    throw new ConfigError(`--metrics-port: expected a port number, got ${JSON.stringify(values['metrics-port'])}`);
  }
  const metrics = metricsPort === undefined ? {} : { metricsAddress: values['metrics-address'], metricsPort };
  const names = values.scenario?.length ? values.scenario : builtinScenarioNames();
  for (const name of names) {
    const scenario = resolveScenario(name);
    console.log(`Playing ${scenario.name} (${new Date(scenario.start).toISOString()} to ${new Date(scenario.end).toISOString()}) at ${speed}x ...`);
    if (metricsPort !== undefined) console.log(`  collector metrics at http://${values['metrics-address']}:${metricsPort}/metrics`);
    const result = await runSimulation({ scenario, clusterName, storage, speed, flushIntervalMs: parseFlushInterval(values['flush-interval']), log, ...metrics });
    console.log(`  ${result.recordsWritten} records written to ${storage.directory} in ${result.realSeconds.toFixed(1)} s`);
    console.log(formatCaptureTable(await capturedPerTeam(storage.directory, scenario.start, scenario.end)));
  }
}
