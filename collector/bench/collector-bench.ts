/**
 * `npm run bench:collector`: how much memory and CPU `hpu collect` needs on a large cluster.
 *
 * This process generates a scenario (by default `scale-2000-nodes`: 2,000 nodes, 50 teams, 5,000
 * workloads and 20,000 pods at the start, about 50 object changes per second), serves it from the
 * Kubernetes API test server and plays it on a scaled clock. The collector runs in a child process
 * (`hpu collect`, the real CLI against a kubeconfig file), so its memory and CPU are read from
 * /proc/<pid> alone, without the simulator's. Figures are printed, nothing is asserted; the aims
 * (256 MiB RSS, 5% of one core) get a PASS/OVER line each.
 *
 * Timeline (real time):
 *   spawn ──► /readyz 200 (initial sync) ──► start-up snapshot written: window begins ──► clock
 *   runs from the scenario's start to the end ──► every event handled and the end-of-hour snapshot
 *   written: window ends ──► SIGTERM, final flush.
 * Per-simulated-hour figures come from that window: an hour of churn and one hourly snapshot, as a
 * steady hour has. Totals also include the sync, the start-up snapshot and the final flush.
 *
 * V8 sizes its heap from the machine's memory (or a container's limit), and lets it grow well past
 * the live data when memory is plentiful: on a large machine RSS would say more about V8's headroom
 * than about the collector. So the collector runs with the Deployment's NODE_OPTIONS (its heap cap),
 * as in a pod; `--child-node-args=...` replaces them.
 *
 * Linux only (reads /proc).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { COLLECTOR_METRICS } from '@hyperpod-usage/model';
import { parquetMetadata } from 'hyparquet';
import { parse as parseYaml } from 'yaml';
import { ScaledClock, sleepReal } from '../src/clock.js';
import { watchedKinds } from '../src/kube/api.js';
import { FakeApiServer, KUEUE, NAMESPACES, NODES, PODS, type ResourceType } from '../src/simulator/api-server.js';
import { ClusterSimulator } from '../src/simulator/engine.js';
import {
  BUILTIN_GENERATED,
  formatScenarioSummary,
  generateScenario,
  isBuiltinGenerated,
  summarizeScenario,
  type BuiltinGeneratedName,
} from '../src/simulator/generator.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const CLI_SRC = join(REPO, 'collector', 'src', 'cli.ts');
const CLI_DIST = join(REPO, 'collector', 'dist', 'cli.js');
const COLLECT_SRC = join(REPO, 'collector', 'src', 'commands', 'collect.ts');
const COLLECT_DIST = join(REPO, 'collector', 'dist', 'commands', 'collect.js');

const AIM_RSS_MIB = 256;
const AIM_CORE_PERCENT = 5;
const MIB = 1024 * 1024;
const CLUSTER = 'bench';

const USAGE = `Usage: npm run bench:collector -- [options]

  --scenario NAME        scale-2000-nodes (default) or demo-small
  --speed N              simulated seconds per real second (default 10: a simulated hour in 6 minutes)
  --minutes N            simulated minutes of churn (default 60, at most the scenario's length)
  --sync-allowance S     real seconds between starting the collector and the scenario's start,
                         for its initial sync (default 20; a later /readyz is reported)
  --built                run the compiled collector (node collector/dist/cli.js; run npm run build first)
                         instead of transpiling TypeScript with tsx at run time
  --child-node-args=ARGS Node.js flags for the collector process (note the "="), instead of the
                         Deployment's NODE_OPTIONS (collector/deploy/base/deployment.yaml), e.g.
                         --child-node-args="--max-old-space-size=128 --cpu-prof --cpu-prof-dir=/tmp/prof"
                         or --child-node-args= for none (V8 then sizes the heap from this machine)
  --samples FILE         write the 1 s samples (real s, simulated time, RSS MiB, CPU s) as CSV
  --keep                 keep the temporary directory (records, spool, logs) and print its path
  --help`;

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  scenario: BuiltinGeneratedName;
  speed: number;
  minutes: number;
  syncAllowanceS: number;
  built: boolean;
  childNodeArgs: string[];
  keep: boolean;
  samples: string | undefined;
}

function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      scenario: { type: 'string', default: 'scale-2000-nodes' },
      speed: { type: 'string', default: '10' },
      minutes: { type: 'string', default: '60' },
      'sync-allowance': { type: 'string', default: '20' },
      built: { type: 'boolean', default: false },
      'child-node-args': { type: 'string' },
      keep: { type: 'boolean', default: false },
      samples: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  const scenario = values.scenario;
  if (!isBuiltinGenerated(scenario)) throw new BenchError(`--scenario: expected one of ${Object.keys(BUILTIN_GENERATED).join(', ')}, got ${JSON.stringify(scenario)}`);
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new BenchError(`--${name}: expected a positive number, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    scenario,
    speed: positive('speed', values.speed),
    minutes: positive('minutes', values.minutes),
    syncAllowanceS: positive('sync-allowance', values['sync-allowance']),
    built: values.built,
    childNodeArgs: (values['child-node-args'] ?? deploymentNodeOptions()).split(/\s+/).filter(Boolean),
    keep: values.keep,
    samples: values.samples,
  };
}

// ---------------------------------------------------------------------------------------------
// /proc readings

/** Clock ticks per second for /proc/<pid>/stat times. */
function clockTicks(): { hz: number; assumed: boolean } {
  try {
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(hz) && hz > 0) return { hz, assumed: false };
  } catch {
    // no getconf: fall through
  }
  return { hz: 100, assumed: true };
}

/** User + system CPU seconds of a process, or null once it is gone. */
function cpuSeconds(pid: number, hz: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after "pid (comm)".
    return (Number(fields[11]) + Number(fields[12])) / hz;
  } catch {
    return null;
  }
}

interface MemStatus {
  rss: number;
  hwm: number;
  anon: number;
  file: number;
}

/** VmRSS, VmHWM, RssAnon and RssFile in bytes, or null once the process is gone. */
function memStatus(pid: number): MemStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

// ---------------------------------------------------------------------------------------------
// Prometheus text

type Samples = Array<{ name: string; labels: Record<string, string>; value: number }>;

function parseProm(text: string): Samples {
  const out: Samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

interface Scrape {
  realMs: number;
  simMs: number;
  cpu: number;
  events: number;
  eventsByKind: Map<string, number>;
  records: Map<string, number>;
  bytes: Map<string, number>;
  lastFlush: number;
  revision: number;
  /** Events the collector's watches were sent since it was started. */
  watchEvents: number;
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

function byLabel(samples: Samples, name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.name === name) out.set(s.labels[label] ?? '', (out.get(s.labels[label] ?? '') ?? 0) + s.value);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
const secs = (s: number, digits = 1): string => `${s.toFixed(digits)} s`;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolvePort(port) : reject(new Error('could not find a free port'))));
    });
  });
}

async function httpGet(url: string, timeoutMs = 10_000): Promise<{ status: number; body: string } | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return null;
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

/** SIGTERM, then SIGKILL after the grace period. True when it stopped within the grace period. */
async function stopChild(child: ChildProcess, graceMs = 30_000): Promise<boolean> {
  if (exited(child)) return true;
  child.kill('SIGTERM');
  if (await waitForExit(child, graceMs)) return true;
  child.kill('SIGKILL');
  await waitForExit(child, 5000);
  return false;
}

/** Files under a directory: count, bytes, and Parquet rows per raw table. */
function storageContents(directory: string): { files: number; bytes: number; rows: Map<string, number>; filesByTable: Map<string, number> } {
  const rows = new Map<string, number>();
  const filesByTable = new Map<string, number>();
  let files = 0;
  let bytes = 0;
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
        continue;
      }
      if (!entry.isFile()) continue;
      files++;
      bytes += statSync(path).size;
      if (!entry.name.endsWith('.parquet')) continue;
      // raw/<table>/year=.../...
      const table = relative(directory, path).split(sep)[1] ?? '?';
      const data = readFileSync(path);
      const meta = parquetMetadata(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      rows.set(table, (rows.get(table) ?? 0) + Number(meta.num_rows));
      filesByTable.set(table, (filesByTable.get(table) ?? 0) + 1);
    }
  };
  walk(directory);
  return { files, bytes, rows, filesByTable };
}

interface LogLine {
  time?: string;
  level?: string;
  msg?: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------
// Idle baselines

/**
 * RSS of a Node.js process that only loads code and then idles: bare node, and node with the
 * collector's modules imported the way the child loads them (tsx or compiled). Readers can
 * subtract these from the collector's figures.
 */
async function idleRss(nodeArgs: string[], label: string): Promise<{ label: string; rss: number; hwm: number } | null> {
  const child = spawn(process.execPath, nodeArgs, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const ready = await new Promise<boolean>((done) => {
      const timer = setTimeout(() => done(false), 60_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) {
          clearTimeout(timer);
          done(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        done(false);
      });
    });
    if (!ready || child.pid === undefined) return null;
    await sleepReal(2000);
    const mem = memStatus(child.pid);
    return mem ? { label, rss: mem.rss, hwm: mem.hwm } : null;
  } finally {
    child.kill('SIGKILL');
    await waitForExit(child, 5000);
  }
}

function idleScript(moduleUrl: string | null): string {
  const load = moduleUrl ? `await import(${JSON.stringify(moduleUrl)});` : '';
  return `${load} process.stdout.write('ready\\n'); setInterval(() => {}, 1 << 30);`;
}

/** NODE_OPTIONS of the collector container in the Deployment, so the bench runs as a pod does. */
function deploymentNodeOptions(): string {
  const file = join(REPO, 'collector', 'deploy', 'base', 'deployment.yaml');
  const deployment = parseYaml(readFileSync(file, 'utf8')) as {
    spec?: { template?: { spec?: { containers?: Array<{ name?: string; env?: Array<{ name?: string; value?: string }> }> } } };
  };
  const container = deployment.spec?.template?.spec?.containers?.find((c) => c.name === 'collector');
  return container?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '';
}

/** V8's heap limit for a process started with these Node.js flags (its heap-sizing flags only). */
function heapLimit(childNodeArgs: readonly string[]): number | null {
  const sizing = childNodeArgs.filter((a) => /^--max-(old|semi)-space-size=/.test(a));
  try {
    const out = execFileSync(process.execPath, [...sizing, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit'], { encoding: 'utf8' });
    const n = Number(out.trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** True when a file under `dir` with one of the extensions is newer than `than`. */
function newerThan(dir: string, than: number): boolean {
  if (!existsSync(dir)) return false;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? newerThan(path, than) : entry.name.endsWith('.ts') && statSync(path).mtimeMs > than) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The run

async function main(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  if (!options) {
    console.log(USAGE);
    return;
  }
  if (process.platform !== 'linux') throw new BenchError('reads /proc/<pid>/status and /stat: Linux only');
  if (options.built) {
    const modelDist = join(REPO, 'usage-model', 'dist', 'index.js');
    if (!existsSync(CLI_DIST) || !existsSync(modelDist)) throw new BenchError('--built: collector/dist or usage-model/dist is missing; run `npm run build` first');
    const builtAt = Math.min(statSync(CLI_DIST).mtimeMs, statSync(modelDist).mtimeMs);
    if (newerThan(join(REPO, 'collector', 'src'), builtAt) || newerThan(join(REPO, 'usage-model', 'src'), builtAt)) {
      console.log('WARNING: --built: sources are newer than the build; run `npm run build` to measure the current code');
    }
  }

  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const checkAbort = (): void => {
    if (abort.signal.aborted) throw new BenchError('interrupted');
  };

  const ticks = clockTicks();
  const root = mkdtempSync(join(tmpdir(), 'hpu-bench-'));
  const dataDir = join(root, 'data');
  const spoolDir = join(root, 'spool');
  let server: FakeApiServer | undefined;
  let child: ChildProcess | undefined;
  // RSS and CPU of the collector every second (written to --samples even when the run fails).
  const samples: Array<{ realMs: number; simMs: number; rss: number; cpu: number }> = [];
  let samplesOrigin = Date.now();
  try {
    // ----- Scenario -----------------------------------------------------------------------------
    console.log(`HyperPod usage collector benchmark (node ${process.version}, ${process.platform}/${process.arch})`);
    let t0 = Date.now();
    const scenario = generateScenario(BUILTIN_GENERATED[options.scenario]);
    const summary = summarizeScenario(scenario);
    console.log(formatScenarioSummary(summary));
    console.log(`  (generated and summarised in ${secs((Date.now() - t0) / 1000)})`);
    const scenarioMinutes = (scenario.end - scenario.start) / 60_000;
    const minutes = Math.min(options.minutes, scenarioMinutes);
    if (minutes < options.minutes) console.log(`  --minutes ${options.minutes} is longer than the scenario: running ${minutes} simulated minutes`);
    const runEnd = scenario.start + minutes * 60_000;

    // ----- Cluster at the start -------------------------------------------------------------------
    server = new FakeApiServer({ kueueVersions: [scenario.kueueApiVersion], historySize: summary.objectChanges.total + 10_000 });
    const url = await server.start();
    t0 = Date.now();
    const simulator = new ClusterSimulator(scenario, server, CLUSTER);
    simulator.applyUntil(scenario.start);
    const kueue = KUEUE[scenario.kueueApiVersion];
    const types: Array<[string, ResourceType]> = [
      ['namespaces', NAMESPACES],
      ['nodes', NODES],
      ['pods', PODS],
      ['resourceflavors', kueue.resourceFlavors],
      ['workloadpriorityclasses', kueue.workloadPriorityClasses],
      ['localqueues', kueue.localQueues],
      ['clusterqueues', kueue.clusterQueues],
      ['workloads', kueue.workloads],
    ];
    const countObjects = (): { total: number; parts: string } => {
      const counts = types.map(([name, type]) => [name, (server as FakeApiServer).list(type).length] as const);
      return { total: counts.reduce((a, [, n]) => a + n, 0), parts: counts.map(([n, c]) => `${n} ${int(c)}`).join(', ') };
    };
    const atStart = countObjects();
    console.log(`cluster at the start: ${int(atStart.total)} objects (${atStart.parts}); set up in ${secs((Date.now() - t0) / 1000)}`);
    console.log(`  peak during the run (from the summary): ${int(summary.workloads.peak)} workloads, ${int(summary.pods.peak)} pods`);

    // ----- Baselines ---------------------------------------------------------------------------------
    const launcher = options.built ? [] : ['--conditions=development', '--import', 'tsx'];
    const collectModule = options.built ? COLLECT_DIST : COLLECT_SRC;
    const baselines = [
      await idleRss(['--input-type=module', '-e', idleScript(null)], 'idle `node` (nothing loaded)'),
      await idleRss(
        [...launcher, '--input-type=module', '-e', idleScript(new URL(`file://${collectModule}`).href)],
        `idle \`node${options.built ? '' : ' --import tsx'}\` with the collector's modules imported (${options.built ? 'compiled' : 'tsx'})`,
      ),
    ];
    checkAbort();

    // ----- Collector child ---------------------------------------------------------------------------
    const kubeconfig = join(root, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: sim, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]\n` +
        `users: [{name: bench, user: {token: bench}}]\ncontexts: [{name: sim, context: {cluster: sim, user: bench}}]\ncurrent-context: sim\n`,
    );
    const metricsPort = await freePort();
    const spawnAt = Date.now();
    samplesOrigin = spawnAt;
    const clock = new ScaledClock(scenario.start, spawnAt + options.syncAllowanceS * 1000, options.speed, runEnd);
    // Changes only count where the collector watches them (its pod watch leaves Kueue's pods out).
    const watchEventsSinceSpawn = server.countWatchEvents(watchedKinds(scenario.kueueApiVersion));
    const args = [
      ...options.childNodeArgs,
      ...launcher,
      options.built ? CLI_DIST : CLI_SRC,
      'collect',
      '--cluster-name', CLUSTER,
      '--storage-url', dataDir,
      '--spool-dir', spoolDir,
      '--kubeconfig', kubeconfig,
      '--leader-elect', 'false',
      '--identity', 'bench',
      '--metrics-address', '127.0.0.1',
      '--metrics-port', String(metricsPort),
      '--simulated-clock', clock.toSpec(),
      // info adds five lines in a whole run (start, synced, start-up snapshot, shutdown) and gives their times.
      '--log-level', 'info',
      '--log-format', 'json',
    ];
    const shown = args.map((a) => (a.includes(' ') ? JSON.stringify(a) : a.startsWith(REPO) ? relative(REPO, a) : a)).join(' ');
    console.log('');
    console.log(`collector: node ${shown}`);
    console.log(
      `run: speed ${options.speed} (simulated s per real s); ${minutes} simulated min of churn = ${secs((minutes * 60) / options.speed, 0)} real, ` +
        `after a ${options.syncAllowanceS} s sync allowance`,
    );
    child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    const pid = child.pid;
    if (pid === undefined) throw new BenchError('could not start the collector process');
    const logs: LogLine[] = [];
    const stderrTail: string[] = [];
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > 40) stderrTail.shift();
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    });
    let stopping = false;
    let childDied: string | undefined;
    child.once('exit', (code, signal) => {
      if (stopping) return;
      // The most telling line: a fatal error (e.g. V8's heap out of memory) over the last line.
      const lines = stderrTail.filter((l) => l.trim());
      const last = lines.find((l) => /FATAL|out of memory|^\S*Error/i.test(l)) ?? lines.at(-1) ?? '';
      childDied = `the collector exited early (${signal ?? `code ${code}`})${last ? `: ${last.slice(0, 300)}` : ''}`;
      abort.abort();
    });
    const checkChild = (): void => {
      if (childDied) throw new BenchError(childDied);
      checkAbort();
    };
    console.log(`collector pid ${pid}; metrics http://127.0.0.1:${metricsPort}/metrics; data in ${root}`);

    // Sample RSS and CPU every second for the whole life of the child.
    const sampler = setInterval(() => {
      const mem = memStatus(pid);
      const cpu = cpuSeconds(pid, ticks.hz);
      if (mem && cpu !== null) samples.push({ realMs: Date.now(), simMs: clock.now(), rss: mem.rss, cpu });
    }, 1000);

    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    let slowScrapes = 0;
    const scrape = async (): Promise<Scrape> => {
      const realMs = Date.now();
      const simMs = clock.now();
      const cpu = cpuSeconds(pid, ticks.hz) ?? NaN;
      const revision = Number((server as FakeApiServer).resourceVersion);
      const watchEvents = watchEventsSinceSpawn();
      // A collector deep in garbage collection can take a while to answer; it is slow, not gone.
      let res = await httpGet(`${metricsUrl}/metrics`, 30_000);
      checkChild();
      if (!res || res.status !== 200) {
        slowScrapes++;
        res = await httpGet(`${metricsUrl}/metrics`, 30_000);
        checkChild();
      }
      if (!res || res.status !== 200) throw new BenchError(`could not scrape the collector's /metrics (${res ? `HTTP ${res.status}` : 'no answer'})`);
      const s = parseProm(res.body);
      return {
        realMs,
        simMs,
        cpu,
        revision,
        watchEvents,
        events: sum(byLabel(s, COLLECTOR_METRICS.events.name, 'type')),
        eventsByKind: byLabel(s, COLLECTOR_METRICS.events.name, 'kind'),
        records: byLabel(s, COLLECTOR_METRICS.recordsWritten.name, 'table'),
        bytes: byLabel(s, COLLECTOR_METRICS.bytesWritten.name, 'table'),
        lastFlush: s.find((x) => x.name === COLLECTOR_METRICS.lastFlush.name)?.value ?? 0,
      };
    };

    try {
      // ----- Initial sync ----------------------------------------------------------------------------
      let readyAt = 0;
      while (!readyAt) {
        checkChild();
        const res = await httpGet(`${metricsUrl}/readyz`, 2000);
        if (res?.status === 200) readyAt = Date.now();
        else await sleepReal(50);
        if (Date.now() - spawnAt > 10 * 60_000) throw new BenchError('the collector was not ready within 10 minutes');
      }
      const cpuAtReady = cpuSeconds(pid, ticks.hz) ?? NaN;
      const rssAtReady = memStatus(pid)?.rss ?? NaN;
      const atReady = await scrape();
      const churnStartReal = clock.realOrigin;
      const lateSync = readyAt > churnStartReal;
      if (lateSync) console.log(`WARNING: /readyz came ${secs((readyAt - churnStartReal) / 1000)} after the churn began; raise --sync-allowance`);
      else console.log(`ready after ${secs((readyAt - spawnAt) / 1000)}; churn starts in ${secs((churnStartReal - readyAt) / 1000)}`);

      // The window starts once the start-up snapshot is written (nothing else happens until the clock
      // reaches the start) and ends once the end-of-hour snapshot is written and every event handled:
      // an hour of churn and one hourly snapshot, as a steady hour has. Taking the start now rather
      // than just before the clock starts also keeps a pause of this process (a full GC of the
      // simulator's heap) from moving it past a snapshot.
      let ws: Scrape = atReady;
      while (ws.lastFlush === 0 && Date.now() < churnStartReal - 1000) {
        await sleepReal(200);
        ws = await scrape();
      }
      if (ws.lastFlush === 0) console.log('WARNING: the start-up snapshot was not written before the churn began; per-hour figures include it');

      // ----- Churn: play the scenario on the clock ---------------------------------------------------
      let windowEnd: Scrape | undefined;
      let scrapeError: unknown;
      const pending: Array<Promise<void>> = [];
      const scrapeLater = (store: (s: Scrape) => void): void => {
        pending.push(scrape().then(store, (e: unknown) => void (scrapeError ??= e)));
      };
      let endRequested = false;
      let applied = scenario.start;
      const lags: number[] = [];
      let lastProgress = Date.now();
      // Two real seconds before the clock stops: how far behind the collector is while events still flow.
      const windowEndAt = churnStartReal + (runEnd - scenario.start) / options.speed - 2000;
      while (clock.now() < runEnd) {
        checkChild();
        if (scrapeError) throw scrapeError;
        const now = Date.now();
        if (!endRequested && now >= windowEndAt) {
          endRequested = true;
          scrapeLater((s) => void (windowEnd = s));
        }
        const target = clock.now();
        if (target >= scenario.start) {
          lags.push(Math.max(0, target - applied));
          simulator.applyUntil(target);
          applied = target;
        }
        if (now - lastProgress >= 60_000) {
          lastProgress = now;
          const last = samples.at(-1);
          console.log(
            `  … simulated ${((Math.max(scenario.start, clock.now()) - scenario.start) / 60_000).toFixed(0)} of ${minutes} min` +
              (last ? `; collector RSS ${mib(last.rss)}, CPU ${secs(last.cpu)}` : ''),
          );
        }
        await sleepReal(10);
      }
      simulator.applyUntil(runEnd);
      const clockEndedAt = Date.now();
      // A pause of this process right at the end can skip the tick that asks; ask now instead.
      if (!endRequested) scrapeLater((s) => void (windowEnd = s));
      await Promise.all(pending);
      if (scrapeError) throw scrapeError;
      checkChild();
      if (!windowEnd) throw new BenchError('missed the near-the-end scrape');
      const nearEnd: Scrape = windowEnd;

      // ----- Drain: the collector handles what is left and flushes the end-of-hour snapshot ------------
      const expectedEvents = (at: Scrape): number => atReady.events + at.watchEvents;
      const endsOnHour = runEnd % 3_600_000 === 0;
      // Every change sent to the collector's watches should become an event it handles; should some
      // never arrive, it counts as done once its count has not moved for 3 s.
      let final = await scrape();
      let drainedAt = 0;
      let steadySince = Date.now();
      while (Date.now() - clockEndedAt < 120_000) {
        const snapshotDone = !endsOnHour || final.lastFlush * 1000 >= runEnd;
        const allSeen = final.events >= expectedEvents(final);
        if (snapshotDone && (allSeen || Date.now() - steadySince >= 3000)) {
          drainedAt = allSeen ? Date.now() : steadySince;
          break;
        }
        await sleepReal(250);
        const next = await scrape();
        if (next.events !== final.events) steadySince = Date.now();
        final = next;
      }
      const missedEvents = expectedEvents(final) - final.events;
      await sleepReal(1000);
      final = await scrape();
      const memBeforeStop = memStatus(pid);
      const cpuBeforeStop = cpuSeconds(pid, ticks.hz) ?? NaN;
      const objectsAtEnd = countObjects();

      // ----- Stop ----------------------------------------------------------------------------------------
      stopping = true;
      clearInterval(sampler);
      const stopBegan = Date.now();
      const graceful = await stopChild(child);
      const stopSeconds = (Date.now() - stopBegan) / 1000;
      if (!graceful) console.log('WARNING: the collector did not stop within 30 s of SIGTERM and was killed');
      else if (child.exitCode !== 0) throw new BenchError(`the collector exited with ${child.signalCode ?? `code ${child.exitCode}`} on SIGTERM: ${stderrTail.at(-1) ?? ''}`);
      await server.stop();
      const stored = storageContents(dataDir);
      const spoolLeft = storageContents(spoolDir);

      // ----- Report ------------------------------------------------------------------------------------
      const logTime = (msg: string): number | null => {
        const line = logs.find((l) => l.msg === msg && typeof l.time === 'string');
        return line ? Date.parse(line.time as string) : null;
      };
      const startedLog = logTime('starting collector');
      const syncedLog = logs.find((l) => l.msg === 'watch caches synced');
      const warnings = logs.filter((l) => l.level === 'warn' || l.level === 'error' || l.level === undefined);

      const we = final;
      // Hour boundaries in the window: the collector writes a snapshot at each one it crosses.
      const snapshotsInWindow = Math.floor(we.simMs / 3_600_000) - Math.floor(ws.simMs / 3_600_000);
      const churnSimS = (runEnd - Math.max(ws.simMs, scenario.start)) / 1000;
      const churnRealS = ((drainedAt || we.realMs) - Math.max(ws.realMs, churnStartReal)) / 1000;
      const perHour = (x: number): number => (x * 3600) / churnSimS;
      const windowEvents = we.events - ws.events;
      const windowChanges = we.revision - ws.revision;
      const backlogNearEnd = expectedEvents(nearEnd) - nearEnd.events;
      const windowCpu = we.cpu - ws.cpu;
      const cpuPerSimHour = perHour(windowCpu);
      const corePercent = (cpuPerSimHour / 3600) * 100;
      const rssValues = samples.filter((x) => x.realMs >= churnStartReal && x.realMs <= we.realMs).map((x) => x.rss);
      const peak = memBeforeStop?.hwm ?? Math.max(...samples.map((x) => x.rss));
      const lagP99 = percentile(lags, 99) / 1000;
      const lagMax = Math.max(0, ...lags) / 1000;
      // Kept up: 99% of the ticks found the cluster less than 100 real ms behind the clock. Single long
      // stalls are this process's own GC pauses (its heap holds the whole watch history); they delay
      // events by that much but do not cap the rate.
      const keptUp = lagP99 <= Math.max(1, options.speed * 0.1);

      const lines: string[] = [];
      const out = (s = ''): void => void lines.push(s);
      out('');
      out('================================ results ================================');
      out(`collector: ${options.built ? 'compiled (collector/dist)' : 'TypeScript via tsx'}; CPU from /proc/${pid}/stat at ${ticks.hz} ticks/s${ticks.assumed ? ' (ASSUMED: getconf CLK_TCK failed)' : ' (getconf CLK_TCK)'}`);
      out('');
      out('Initial sync');
      out(`  child start → first /readyz 200:              ${secs((readyAt - spawnAt) / 1000, 2)}`);
      if (startedLog !== null) {
        out(`    start → "starting collector" log:          ${secs((startedLog - spawnAt) / 1000, 2)}  (Node start, module load, spool, HTTP server, API discovery)`);
        out(`    "starting collector" → /readyz:            ${secs((readyAt - startedLog) / 1000, 2)}  (list + cache fill of the 8 kinds, one after another)`);
      }
      out(`  objects listed (add events):                 ${int(atReady.events)}${syncedLog ? `  (collector state: ${int(Number(syncedLog.workloads))} workloads, ${int(Number(syncedLog.pods))} ungoverned pods, ${int(Number(syncedLog.nodes))} nodes, ${int(Number(syncedLog.clusterQueues))} ClusterQueues)` : ''}`);
      out(`  CPU until ready:                             ${secs(cpuAtReady, 2)}`);
      out(`  RSS at ready:                                ${mib(rssAtReady)}`);
      out('');
      out(
        `Churn window: ${secs(churnSimS, 0)} simulated (${new Date(Math.max(ws.simMs, scenario.start)).toISOString().slice(11, 19)} → ` +
          `${new Date(runEnd).toISOString().slice(11, 19)}), ${secs(churnRealS)} real until every event was handled; ` +
          `${snapshotsInWindow} hourly snapshot${snapshotsInWindow === 1 ? '' : 's'} in it`,
      );
      out(`  object changes made by the simulator:        ${int(windowChanges)}  (${(windowChanges / churnSimS).toFixed(1)} per simulated s)`);
      out(`    sent to the collector's watches:           ${int(we.watchEvents - ws.watchEvents)}  (the rest are changes to pods Kueue governs, outside its pod watch)`);
      out(`  watch events handled (events_total):         ${int(windowEvents)}`);
      const kinds = [...we.eventsByKind].map(([k, n]) => [k, n - (ws.eventsByKind.get(k) ?? 0)] as const).filter(([, n]) => n > 0);
      out(`    by kind:                                   ${kinds.sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${int(n)}`).join(', ')}`);
      out(`    per real second:                           ${(windowEvents / churnRealS).toFixed(0)} events/s`);
      out(`    per simulated hour:                        ${int(perHour(windowEvents))}  (${(perHour(windowEvents) / 3600).toFixed(1)} events/s in real time)`);
      out(
        `  collector behind, ${secs(Math.max(0, runEnd - nearEnd.simMs) / 1000 / options.speed)} before the clock stopped: ${int(Math.max(0, backlogNearEnd))} events; ` +
          `${drainedAt ? `all handled ${secs(Math.max(0, drainedAt - clockEndedAt) / 1000)} after the clock stopped` : 'NOT all handled within 120 s'}`,
      );
      if (missedEvents > 0) out(`  NOTE: ${int(missedEvents)} changes sent to the collector's watches were not handled (a stuck collector?)`);
      out(
        `  simulator lag behind the clock:              p99 ${secs(lagP99, 2)}, longest stall ${secs(lagMax, 2)} simulated  → ` +
          (keptUp ? "kept up: the events/s above are the scenario's rate, not a collector limit" : "LAGGED: the events/s above are the simulator's limit, not the collector's"),
      );
      out('');
      out('Memory (collector process)');
      out(`  peak RSS (VmHWM, read just before SIGTERM):  ${mib(peak)}`);
      out(`  RSS in the churn window (1 s samples):       median ${mib(percentile(rssValues, 50))}, p95 ${mib(percentile(rssValues, 95))}, max ${mib(Math.max(...rssValues))}`);
      if (memBeforeStop) out(`  RSS before SIGTERM:                          ${mib(memBeforeStop.rss)} (anonymous ${mib(memBeforeStop.anon)}, file-backed ${mib(memBeforeStop.file)})`);
      const bySimMinute: string[] = [];
      for (let m = 0; m <= minutes; m += Math.max(1, Math.round(minutes / 12))) {
        const at = churnStartReal + (m * 60_000) / options.speed;
        const x = samples.find((y) => y.realMs >= at);
        if (x) bySimMinute.push(`+${m}m ${(x.rss / MIB).toFixed(0)}`);
      }
      out(`  RSS by simulated minute (MiB):               ${bySimMinute.join(', ')}`);
      for (const b of baselines) if (b) out(`  baseline, ${b.label}: RSS ${mib(b.rss)}`);
      const limit = heapLimit(options.childNodeArgs);
      if (limit !== null) {
        out(
          `  V8 heap limit of the collector process:     ${mib(limit)} (${options.childNodeArgs.some((a) => a.startsWith('--max-old-space-size=')) ? 'from --max-old-space-size' : "from this machine's memory; in a pod without a cap, from its memory limit"})`,
        );
      }
      out('');
      out('CPU (collector process, user + system)');
      out(`  whole life until SIGTERM:                    ${secs(cpuBeforeStop, 1)}`);
      out(`  churn window:                                ${secs(windowCpu, 1)} in ${secs(churnRealS)} real = ${((windowCpu / churnRealS) * 100).toFixed(1)}% of a core at speed ${options.speed}`);
      out(`  per simulated hour:                          ${secs(cpuPerSimHour, 1)}`);
      out(`  as % of one core if the hour ran in real time: ${corePercent.toFixed(2)}%`);
      out('');
      out('Writes');
      const tables = [...new Set([...we.records.keys(), ...stored.rows.keys()])].sort();
      const recPerHour = perHour(sum(we.records) - sum(ws.records));
      const bytesPerHour = perHour(sum(we.bytes) - sum(ws.bytes));
      out(`  records per simulated hour:                  ${int(recPerHour)}  (${tables.map((t) => `${t} ${int(perHour((we.records.get(t) ?? 0) - (ws.records.get(t) ?? 0)))}`).join(', ')})`);
      out(`  Parquet bytes per simulated hour:            ${mib(bytesPerHour)}  (${tables.map((t) => `${t} ${mib(perHour((we.bytes.get(t) ?? 0) - (ws.bytes.get(t) ?? 0)))}`).join(', ')})`);
      out(`  whole run, from /metrics:                    ${int(sum(final.records))} records, ${mib(sum(final.bytes))} (before the final flush on SIGTERM)`);
      out(`  storage dir after stop:                      ${int(stored.files)} files, ${mib(stored.bytes)}, ${int(sum(stored.rows))} rows (${[...stored.rows].map(([t, n]) => `${t} ${int(n)} in ${int(stored.filesByTable.get(t) ?? 0)} files`).join(', ')})`);
      if (spoolLeft.files) out(`  left in the spool:                           ${int(spoolLeft.files)} files, ${mib(spoolLeft.bytes)}`);
      out(`  (per hour: the churn window, ${snapshotsInWindow} hourly snapshot${snapshotsInWindow === 1 ? '' : 's'}; whole run: also the start-up snapshot and the final flush)`);
      out('');
      out('Cluster');
      out(`  objects at the start: ${int(atStart.total)}; at the end: ${int(objectsAtEnd.total)} (${objectsAtEnd.parts})`);
      out(`  peak (summary): ${int(summary.workloads.peak)} workloads, ${int(summary.pods.peak)} pods, ${int(summary.nodes)} nodes`);
      out(`  graceful stop took ${secs(stopSeconds)}`);
      out(`  this process (API test server with the whole watch history, simulator): peak RSS ${mib(process.resourceUsage().maxRSS * 1024)}`);
      if (slowScrapes) out(`  /metrics did not answer within 30 s ${slowScrapes} time${slowScrapes === 1 ? '' : 's'} (answered on retry)`);
      if (warnings.length) {
        out(`  collector warnings/errors: ${warnings.length}; first: ${JSON.stringify(warnings[0]).slice(0, 300)}`);
      }
      out('');
      out('Aims');
      const verdict = (ok: boolean): string => (ok ? 'PASS' : 'OVER');
      out(`  peak RSS ${mib(peak)} vs ${AIM_RSS_MIB} MiB: ${verdict(peak <= AIM_RSS_MIB * MIB)}`);
      out(`  CPU ${corePercent.toFixed(2)}% of one core vs ${AIM_CORE_PERCENT}%: ${verdict(corePercent <= AIM_CORE_PERCENT)}`);
      if (!options.built) out('  (tsx transpiles at run time and adds to RSS and start-up CPU; compare the baselines above, or use --built)');
      if (lateSync) out('  NOTE: the sync overlapped the churn window (see the warning above)');
      if (!keptUp) out('  NOTE: the simulator lagged the clock; lower --speed for collector-bound figures');
      console.log(lines.join('\n'));
    } finally {
      clearInterval(sampler);
    }
  } finally {
    if (child && !exited(child)) {
      // stopChild() owns a normal stop; here only error paths remain.
      await stopChild(child);
    }
    if (server?.isUp) await server.stop();
    if (options.samples && samples.length) {
      const csv = samples.map((x) => `${((x.realMs - samplesOrigin) / 1000).toFixed(1)},${new Date(x.simMs).toISOString()},${(x.rss / MIB).toFixed(1)},${x.cpu.toFixed(2)}`);
      writeFileSync(options.samples, `real_seconds,simulated_time,rss_mib,cpu_seconds\n${csv.join('\n')}\n`);
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.keep) console.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    const usage = (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS_') ?? false;
    if (e instanceof BenchError || usage) {
      console.error(`collector-bench: ${(e as Error).message.split('\n')[0]}`);
      process.exit(usage ? 2 : 1);
    }
    console.error(`collector-bench: ${String((e as Error).stack ?? e)}`);
    process.exit(1);
  },
);
