/**
 * The collector's small HTTP surface: Prometheus /metrics, liveness /healthz, readiness /readyz.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one server serves; a path without a handler answers 404 (metrics and probes may be on separate ports). */
export interface HttpHandlers {
  metrics?(): Promise<{ contentType: string; body: string }>;
  /** Liveness: false when the process is wedged or cannot write and should be restarted. */
  healthy?(): boolean;
  /** Readiness: every watch cache has completed its first list. */
  ready?(): boolean;
}

export interface RunningHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(address: string, port: number, handlers: HttpHandlers): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
    if (path === '/metrics' && handlers.metrics) {
      handlers.metrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'Content-Type': contentType });
          res.end(body);
        },
        (e: unknown) => text(500, `metrics failed: ${(e as Error).message}\n`),
      );
      return;
    }
    if (path === '/healthz' && handlers.healthy) return handlers.healthy() ? text(200, 'ok\n') : text(503, 'unhealthy: timer loop stuck or no successful flush within --max-flush-age\n');
    if (path === '/readyz' && handlers.ready) return handlers.ready() ? text(200, 'ok\n') : text(503, 'not ready: watch caches still syncing\n');
    text(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const host = address === '0.0.0.0' || address === '::' ? '127.0.0.1' : address;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
