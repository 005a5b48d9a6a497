// The agent's HTTP endpoints. All are read-only: /metrics, /status, /healthz.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpHandlers {
  metrics(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void;
  status(): Record<string, unknown>;
  /** Healthy once the first cycle ran. */
  healthy(): { ok: boolean; detail: string };
}

export interface HttpServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(address: string, port: number, h: HttpHandlers): Promise<HttpServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // Nothing here changes state. The body is discarded, never read into memory, and the
      // connection closed, so a client never reuses a socket the server is dropping.
      req.resume();
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain', connection: 'close' }).end('method not allowed\n');
      return;
    }
    switch (path) {
      case '/metrics':
        h.metrics(req, res);
        return;
      case '/status':
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(h.status(), null, 2)}\n`);
        return;
      case '/healthz': {
        const { ok, detail } = h.healthy();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${detail}\n`);
        return;
      }
      case '/':
        res.writeHead(200, { 'content-type': 'text/html' })
          .end('<html><body><h1>kubeskoop-otel</h1><a href="/metrics">/metrics</a> <a href="/status">/status</a> <a href="/healthz">/healthz</a></body></html>\n');
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => { server.off('error', reject); resolve(); });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
