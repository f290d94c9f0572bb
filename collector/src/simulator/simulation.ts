/**
 * One simulated run: a scenario played by the simulator into the Kubernetes API test server,
 * watched by a real collector through the real client, records written to a local directory or
 * S3. Simulated time runs `speed` times faster than real time; records carry the scenario's times.
 */
import { join } from 'node:path';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { ScaledClock, sleepReal } from '../clock.js';
import { Collector, type LeadershipFactory } from '../collector.js';
import { kubeConfigForUrl } from '../kube/kubeconfig.js';
import type { Logger } from '../log.js';
import type { StorageLocation } from '../sink/object-store.js';
import { DEFAULT_TEAM_MAPPING, type TeamMappingConfig } from '../state/teams.js';
import { FakeApiServer } from './api-server.js';
import { ClusterSimulator } from './engine.js';
import type { Scenario } from './scenario.js';

export interface SimulationOptions {
  scenario: Scenario;
  clusterName: string;
  storage: StorageLocation;
  /** Where the collector spools; default a folder next to a local storage directory. */
  spoolDir?: string;
  /** Simulated seconds per real second. */
  speed: number;
  flushIntervalMs?: number;
  teamMapping?: TeamMappingConfig;
  log: Logger;
  s3ClientConfig?: S3ClientConfig;
  s3Endpoint?: string;
  leadership?: LeadershipFactory;
  /** Where the collector serves /metrics; default a random port on the loopback interface. */
  metricsAddress?: string;
  metricsPort?: number;
}

export interface SimulationResult {
  simulator: ClusterSimulator;
  realSeconds: number;
  recordsWritten: number;
}

/** Real time the scenario waits at most for the collector to record before it starts anyway. */
const STARTUP_ALLOWANCE_MS = 30_000;
/** Simulated time the collector watches the cluster before the scenario's first event. */
const LEAD_MS = 60_000;

export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const { scenario, log } = options;
  const server = new FakeApiServer({ kueueVersions: [scenario.kueueApiVersion], historySize: 100_000 });
  const url = await server.start();
  try {
    const simulator = new ClusterSimulator(scenario, server, options.clusterName);
    // The clock stands a minute before the scenario's start until the collector records, and stops at its end.
    const clock = ScaledClock.held(scenario.start - LEAD_MS, options.speed, scenario.end);
    const spoolDir =
      options.spoolDir ?? (options.storage.kind === 'local' ? join(options.storage.directory, '..', '.spool') : '.hpu-spool');
    const collector = new Collector(
      {
        clusterName: options.clusterName,
        storage: options.storage,
        flushIntervalMs: options.flushIntervalMs ?? 60_000,
        spoolDir,
        spoolMaxBytes: 1024 ** 3,
        teamMapping: options.teamMapping ?? DEFAULT_TEAM_MAPPING,
        metricsAddress: options.metricsAddress ?? '127.0.0.1',
        metricsPort: options.metricsPort ?? 0,
        identity: 'simulated-collector',
        kueueVersion: 'auto',
      },
      {
        kubeConfig: kubeConfigForUrl(url),
        log,
        clock,
        ...(options.leadership ? { leadership: options.leadership } : {}),
        storeOptions: {
          ...(options.s3Endpoint ? { s3Endpoint: options.s3Endpoint } : {}),
          ...(options.s3ClientConfig ? { s3ClientConfig: options.s3ClientConfig } : {}),
        },
      },
    );
    const began = Date.now();
    await collector.start();
    // With leadership of its own (drills), the collector may rightly not lead: then only wait for the sync.
    const recording = () => (options.leadership === undefined ? collector.recording : collector.ready);
    for (const until = Date.now() + STARTUP_ALLOWANCE_MS; !recording() && Date.now() < until; ) await sleepReal(20);
    clock.start();
    await simulator.run(clock);
    // Let the clock reach the end and the collector see the last events before its final flush.
    while (clock.now() < scenario.end) await sleepReal(Math.min(200, clock.realDelay(scenario.end - clock.now())));
    await sleepReal(300);
    await collector.stop(30_000);
    const written = await collector.metrics.recordsWritten.get();
    return {
      simulator,
      realSeconds: (Date.now() - began) / 1000,
      recordsWritten: written.values.reduce((sum, v) => sum + v.value, 0),
    };
  } finally {
    await server.stop();
  }
}
