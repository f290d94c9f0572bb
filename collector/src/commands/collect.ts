/**
 * `hpu collect`: the collector service. Runs until SIGTERM/SIGINT, then flushes, uploads what it
 * can and hands the Lease over.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ScaledClock, systemClock } from '../clock.js';
import { alwaysLeader, Collector, type LeadershipFactory } from '../collector.js';
import { COLLECT_USAGE, ConfigError, parseCollectorConfig, type CollectorConfig } from '../config.js';
import { LeaderElector } from '../kube/leader-election.js';
import { createLogger, type Logger } from '../log.js';

export { COLLECT_USAGE };

/**
 * In-cluster credentials when running in a pod, else the kubeconfig file (or $KUBECONFIG,
 * ~/.kube/config). A file that cannot be read or is not a kubeconfig is a configuration error
 * that names the file.
 */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  const file = path ?? (process.env.KUBERNETES_SERVICE_HOST ? undefined : (process.env.KUBECONFIG ?? '~/.kube/config'));
  try {
    if (path) kubeConfig.loadFromFile(path);
    else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
    else kubeConfig.loadFromDefault();
  } catch (e) {
    const reason = ((e as Error).message ?? String(e)).split('\n')[0];
    const unreadable = (e as { code?: unknown }).code === 'ENOENT' || (e as { code?: unknown }).code === 'EACCES';
    throw new ConfigError(`${unreadable ? 'cannot read kubeconfig' : 'not a valid kubeconfig'} ${file ?? '(in-cluster)'}: ${reason}`);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError(`no Kubernetes cluster configured${file ? ` in kubeconfig ${file}` : ''}: pass --kubeconfig or run in a pod`);
  }
  return kubeConfig;
}

function leaseLeadership(config: CollectorConfig, kubeConfig: KubeConfig, log: Logger): LeadershipFactory {
  if (!config.leaderElect) return alwaysLeader;
  return (callbacks) => {
    const elector = new LeaderElector({
      kubeConfig,
      namespace: config.leaseNamespace,
      name: config.leaseName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: config.renewDeadlineMs,
      retryPeriodMs: config.retryPeriodMs,
      log,
    });
    elector.onStartedLeading(callbacks.onStartedLeading);
    elector.onStoppedLeading(callbacks.onStoppedLeading);
    return { start: () => elector.start(), stop: (release = true) => elector.stop({ release }) };
  };
}

export async function collect(args: readonly string[]): Promise<void> {
  const config = parseCollectorConfig(args);
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const clock = config.simulatedClock ? ScaledClock.fromSpec(config.simulatedClock) : systemClock;
  const collector = new Collector(config, {
    kubeConfig,
    log,
    clock,
    leadership: leaseLeadership(config, kubeConfig, log),
    storeOptions: { ...(config.region ? { region: config.region } : {}), ...(config.s3Endpoint ? { s3Endpoint: config.s3Endpoint } : {}) },
  });
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    log.info('shutting down', { signal });
    stopping = collector.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error('shutdown failed', { error: e });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await collector.start();
}
