/**
 * An HTTP proxy that passes requests to a real server (s3rver) until told to fail them: answer
 * 500 or 503 with an S3 error document, or hang so the client times out.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyFault = 'none' | '500' | '503' | 'hang';

export class FaultProxy {
  fault: ProxyFault = 'none';
  readonly counts = { passed: 0, failed: 0 };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.fault !== 'none') {
      this.counts.failed++;
      req.resume();
      if (this.fault === 'hang') return; // never answers; the client's timeout fires
      const code = this.fault === '503' ? 'ServiceUnavailable' : 'InternalError';
      res.writeHead(Number(this.fault), { 'Content-Type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected fault</Message></Error>`);
      return;
    }
    this.counts.passed++;
    const url = new URL(req.url ?? '/', this.target);
    const upstream = request(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
