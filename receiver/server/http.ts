// The agent's HTTP endpoints. All are read-only: /metrics, /status, /healthz.
// With a web config file (exporter-toolkit's format, web-config.ts) they are served over TLS,
// optionally asking clients for certificates, and behind basic auth; with server.authorization
// kubernetes every caller is checked with the Kubernetes API (kubernetes-auth.ts). /healthz stays
// open in every mode: the kubelet's probes carry no credentials, and it tells nothing but "ok".
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log.js';
import { BasicAuthenticator } from './basic-auth.js';
import type { KubernetesAuthorizer, UserInfo } from './kubernetes-auth.js';
import { certificateSans, secureContextOptions, type LoadedWebConfig, type TlsServerConfig } from './web-config.js';
import { watchFiles } from './file-watch.js';

export interface HttpHandlers {
  metrics(req: IncomingMessage, res: ServerResponse): void;
  status(): Record<string, unknown>;
  /** Healthy once the first cycle ran. */
  healthy(): { ok: boolean; detail: string };
}

export interface ServerSecurity {
  /** The web config as loaded and checked at start (a bad one never gets here: exit 2). */
  readonly web?: LoadedWebConfig;
  /** Re-reads the web config after its files changed; throws (ConfigError) when the new one is bad. */
  readonly reloadWeb?: () => LoadedWebConfig;
  readonly authorizer?: KubernetesAuthorizer;
  readonly log: Logger;
  /** How often the web config's files are compared when no change event came (default 2 s). */
  readonly pollMs?: number;
}

export interface HttpServer {
  readonly server: Server;
  readonly port: number;
  /** TLS on, client certificates, auth, the certificate served, reloads (for /status). */
  security(): Record<string, unknown>;
  close(): Promise<void>;
}

/** Limits that keep a slow or hostile client from holding memory or the event loop. */
export const SERVER_LIMITS = {
  /** Request line and headers together; beyond, 431. Node's default, said out loud. */
  maxHeaderSize: 16 * 1024,
  /** A client that has not sent its headers by then is cut (slow-loris). */
  headersTimeoutMs: 10_000,
  /** The whole request (not the response: a large /metrics may take longer to send). */
  requestTimeoutMs: 30_000,
  /** The TLS handshake. */
  handshakeTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  /** A connection with no traffic either way (a reader that stopped reading). */
  idleTimeoutMs: 30_000,
  /** How often Node checks the two timeouts above. */
  checkIntervalMs: 1_000,
  /** Open connections; beyond, new ones are closed at once. */
  maxConnections: 1024,
} as const;

/** Client-certificate rules Node's options cannot express (asking without verifying, SAN matching). */
function connectionRefusal(tls: TlsServerConfig, socket: TLSSocket): string | undefined {
  const cert = socket.getPeerCertificate();
  const has = cert !== null && typeof cert === 'object' && Object.keys(cert).length > 0;
  switch (tls.clientAuth) {
    case 'RequireAnyClientCert':
      if (!has) return 'no client certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (has && !socket.authorized) return `client certificate not verified: ${String(socket.authorizationError)}`;
      break;
    case 'RequireAndVerifyClientCert':
      if (!has || !socket.authorized)
        return `client certificate not verified: ${String(socket.authorizationError ?? 'none given')}`;
      break;
    default:
  }
  if (tls.clientAllowedSans) {
    const sans = has ? certificateSans(cert.subjectaltname) : [];
    if (!sans.some((s) => tls.clientAllowedSans!.includes(s)))
      return 'client certificate has none of client_allowed_sans';
  }
  return undefined;
}

/** The identity of a verified client certificate, as the API server reads one: CN the user, O the groups. */
function certificateUser(socket: Socket): UserInfo | undefined {
  const s = socket as TLSSocket;
  if (typeof s.getPeerCertificate !== 'function' || !s.authorized) return undefined;
  const subject = s.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
  const cn = subject?.CN;
  if (typeof cn !== 'string' || cn === '') return undefined;
  const o = subject?.O;
  return { username: cn, groups: o === undefined ? [] : Array.isArray(o) ? o : [o] };
}

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }
  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.intervalMs);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

const LANDING =
  '<html><body><h1>kubeskoop-otel</h1><a href="/metrics">/metrics</a> <a href="/status">/status</a> ' +
  '<a href="/healthz">/healthz</a></body></html>\n';

export async function startHttpServer(
  address: string,
  port: number,
  h: HttpHandlers,
  sec?: ServerSecurity,
): Promise<HttpServer> {
  let web = sec?.web;
  const basic = new BasicAuthenticator(web?.config.users ?? new Map());
  let limiter = web?.config.rateLimit
    ? new TokenBucket(web.config.rateLimit.intervalMs, web.config.rateLimit.burst)
    : undefined;
  const refused = new WeakSet<Socket>();
  const reloads = { count: 0, lastAt: null as string | null, lastError: null as string | null };
  const counts = { handshakeFailures: 0, refusedCertificates: 0, basicDenied: 0, rateLimited: 0 };

  const route = (req: IncomingMessage, res: ServerResponse, path: string): void => {
    switch (path) {
      case '/metrics':
        h.metrics(req, res);
        return;
      case '/status':
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(h.status(), null, 2)}\n`);
        return;
      case '/':
        res.writeHead(200, { 'content-type': 'text/html' }).end(LANDING);
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (refused.has(req.socket)) {
      req.socket.destroy();
      return;
    }
    for (const [k, v] of Object.entries(web?.config.headers ?? {})) res.setHeader(k, v);
    const path = (req.url ?? '/').split('?')[0];
    if (limiter && !limiter.take()) {
      counts.rateLimited++;
      res.writeHead(429, { 'content-type': 'text/plain' }).end('Too Many Requests\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // Nothing here changes state. The body is discarded, never read into memory, and the
      // connection closed, so a client never reuses a socket the server is dropping.
      req.resume();
      res
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain', connection: 'close' })
        .end('method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      const { ok, detail } = h.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(`${detail}\n`);
      return;
    }
    if (basic.enabled) {
      const outcome = await basic.check(req.headers.authorization);
      if (outcome === 'busy') {
        res
          .writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' })
          .end('Service Unavailable: too many authentication attempts at once\n');
        return;
      }
      if (outcome !== 'allowed') {
        counts.basicDenied++;
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic' }).end('Unauthorized\n');
        return;
      }
    } else if (sec?.authorizer) {
      const d = await sec.authorizer.decide(req.headers.authorization, certificateUser(req.socket), path, req.method);
      if (d.kind === 'unauthenticated') {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized\n');
        return;
      }
      if (d.kind === 'forbidden') {
        res
          .writeHead(403, { 'content-type': 'text/plain' })
          .end(`Forbidden (user=${d.user}, verb=get, path=${path})\n`);
        return;
      }
      if (d.kind === 'unavailable') {
        res
          .writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' })
          .end('Service Unavailable: cannot check the caller with the Kubernetes API\n');
        return;
      }
    }
    if (res.destroyed) return;
    route(req, res, path);
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      sec?.log.error('request failed', { path: (req.url ?? '').split('?')[0], error: (err as Error).message });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      else res.destroy();
    });
  };

  const common = {
    maxHeaderSize: SERVER_LIMITS.maxHeaderSize,
    headersTimeout: SERVER_LIMITS.headersTimeoutMs,
    requestTimeout: SERVER_LIMITS.requestTimeoutMs,
    connectionsCheckingInterval: SERVER_LIMITS.checkIntervalMs,
  };
  let server: Server;
  const tlsAtStart = web?.config.tls;
  if (web?.config.tls && web.tls) {
    const t = web.config.tls;
    const requestCert = t.clientAuth !== 'NoClientCert';
    const https: HttpsServer = createHttpsServer(
      {
        ...common,
        ...secureContextOptions(t, web.tls),
        requestCert,
        rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
        handshakeTimeout: SERVER_LIMITS.handshakeTimeoutMs,
      },
      listener,
    );
    https.on('secureConnection', (socket: TLSSocket) => {
      const tls = web?.config.tls;
      const why = tls ? connectionRefusal(tls, socket) : undefined;
      if (why !== undefined) {
        counts.refusedCertificates++;
        refused.add(socket);
        sec?.log.debug('connection refused', { remote: socket.remoteAddress ?? '', reason: why });
        socket.destroy();
      }
    });
    // Plain HTTP to the TLS port, a malformed handshake, an unknown client certificate: the socket is
    // closed by Node; only counted here (a scanner must not fill the log).
    https.on('tlsClientError', () => {
      counts.handshakeFailures++;
    });
    server = https;
  } else {
    server = createHttpServer(common, listener);
  }
  server.keepAliveTimeout = SERVER_LIMITS.keepAliveTimeoutMs;
  server.maxConnections = SERVER_LIMITS.maxConnections;
  server.timeout = SERVER_LIMITS.idleTimeoutMs;
  // A connection that never sends a byte is covered neither by the header timeout nor (measured on
  // Node 20 with the timeouts above) by the idle timeout: cut it when its headers would be late.
  server.on('connection', (socket: Socket) => {
    const t = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, SERVER_LIMITS.headersTimeoutMs);
    t.unref();
    socket.once('close', () => clearTimeout(t));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const apply = (next: LoadedWebConfig): void => {
    if (Boolean(next.config.tls) !== Boolean(tlsAtStart)) {
      throw new Error(`${next.config.tls ? 'turning TLS on' : 'turning TLS off'} needs a restart of the agent`);
    }
    if (next.config.tls && next.tls) {
      const s = server as HttpsServer & { requestCert: boolean; rejectUnauthorized: boolean };
      s.setSecureContext(secureContextOptions(next.config.tls, next.tls));
      // Read by Node for each new connection.
      s.requestCert = next.config.tls.clientAuth !== 'NoClientCert';
      s.rejectUnauthorized = next.config.tls.clientAuth === 'RequireAndVerifyClientCert';
    }
    basic.setUsers(next.config.users);
    limiter = next.config.rateLimit
      ? new TokenBucket(next.config.rateLimit.intervalMs, next.config.rateLimit.burst)
      : undefined;
    web = next;
  };

  let stopWatch = (): void => undefined;
  if (web && sec?.reloadWeb) {
    const reloadWeb = sec.reloadWeb;
    const onChange = (): string[] => {
      let next: LoadedWebConfig;
      try {
        next = reloadWeb();
        apply(next);
      } catch (err) {
        const message = (err as Error).message;
        if (message !== reloads.lastError) {
          sec.log.error('web config reload rejected; the previous one stays in force', {
            file: web!.config.file,
            error: message,
          });
        }
        reloads.lastError = message;
        return web!.files as string[];
      }
      reloads.count++;
      reloads.lastAt = new Date().toISOString();
      reloads.lastError = null;
      sec.log.info('web config reloaded', {
        file: next.config.file,
        tls: Boolean(next.tls),
        basicAuthUsers: next.config.users.size,
        ...(next.tls
          ? { certificate: next.tls.subject, notAfter: next.tls.notAfter, fingerprint256: next.tls.fingerprint256 }
          : {}),
      });
      return next.files as string[];
    };
    stopWatch = watchFiles(web.files, onChange, sec.pollMs ?? 2000);
  }

  return {
    server,
    port: (server.address() as AddressInfo).port,
    security: () => ({
      tls: web?.tls
        ? {
            clientAuth: web.config.tls?.clientAuth,
            minVersion: web.config.tls?.minVersion,
            maxVersion: web.config.tls?.maxVersion,
            certificate: {
              subject: web.tls.subject,
              notAfter: web.tls.notAfter,
              fingerprint256: web.tls.fingerprint256,
            },
          }
        : null,
      webConfigFile: web?.config.file ?? null,
      basicAuthUsers: web?.config.users.size ?? 0,
      authorization: sec?.authorizer ? { mode: 'kubernetes', ...sec.authorizer.status() } : { mode: 'none' },
      reloads,
      ...counts,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        stopWatch();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
