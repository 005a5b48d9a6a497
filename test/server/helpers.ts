// Shared by the endpoint tests: the real agent started with a web config (HTTPS /healthz wait), an
// HTTPS client that can present a client certificate and reports the server's certificate, and a
// wait on a Prometheus target's health.
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { sleep, waitUntil } from '../support/proc.js';
import type { Prometheus, PromTarget } from '../support/prometheus.js';

export interface GetOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  readonly method?: string;
  /** The name the certificate must carry (SNI too), instead of the URL's host. */
  readonly servername?: string;
  /** Do not verify the server's certificate (as the kubelet's HTTPS probes). */
  readonly insecure?: boolean;
}

export interface GetResult {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The certificate the server presented (https only). */
  readonly serverFingerprint?: string;
}

/** One request on a fresh connection (no keep-alive pool), so each call sees the server's current certificate. */
export function get(url: string, o: GetOptions = {}): Promise<GetResult> {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(
      u,
      {
        method: o.method ?? 'GET',
        agent: false,
        headers: o.headers ?? {},
        ...(isHttps
          ? {
              ca: o.ca,
              cert: o.cert,
              key: o.key,
              ...(o.servername ? { servername: o.servername } : {}),
              ...(o.insecure ? { rejectUnauthorized: false } : {}),
            }
          : {}),
        timeout: o.timeoutMs ?? 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let fp: string | undefined;
        if (isHttps) fp = (res.socket as TLSSocket).getPeerCertificate?.().fingerprint256;
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
            ...(fp ? { serverFingerprint: fp } : {}),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${o.timeoutMs ?? 15_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The error a request ends with (rejects when it succeeded: a refusal was expected). */
export async function refused(url: string, o: GetOptions = {}): Promise<Error> {
  try {
    const r = await get(url, o);
    throw Object.assign(new Error(`expected the request to be refused, got HTTP ${r.status}`), { unexpected: true });
  } catch (e) {
    if ((e as { unexpected?: boolean }).unexpected) throw e;
    return e as Error;
  }
}

export interface SecureAgent extends AgentProcess {
  /** https://127.0.0.1:PORT (or http:// without TLS) */
  readonly base: string;
}

/** Starts the agent (1 s interval, netdev only, no Kubernetes) with `args`, waiting until /healthz
 *  answers 200 over `scheme` with these client options. */
export async function startSecureAgent(
  dir: string,
  o: {
    readonly args?: readonly string[];
    readonly scheme: 'http' | 'https';
    readonly client?: GetOptions;
    readonly env?: Record<string, string>;
    readonly config?: string;
  },
): Promise<SecureAgent> {
  const config = path.join(dir, 'agent.yaml');
  writeFileSync(config, o.config ?? 'interval: 1s\nmetrics:\n  probes: [netdev]\nkubernetes:\n  enabled: false\n');
  const agent = await startAgentProcess({
    args: ['-c', config, ...(o.args ?? [])],
    waitHealthy: false,
    ...(o.env ? { env: o.env } : {}),
  });
  const base = `${o.scheme}://127.0.0.1:${agent.port}`;
  try {
    await waitUntil(
      async () => {
        if (agent.child.exitCode !== null)
          throw new Error(
            `agent exited ${agent.child.exitCode}: ${agent
              .logs()
              .map((l) => l.msg)
              .join(' | ')}`,
          );
        try {
          return (await get(`${base}/healthz`, { ...o.client, timeoutMs: 2000 })).status === 200;
        } catch {
          return false;
        }
      },
      30_000,
      'agent /healthz',
      200,
    );
  } catch (err) {
    await agent.stop(1000);
    throw err;
  }
  return Object.assign(agent, { base });
}

/** The cycle number /healthz reports ("ok: cycle N, …"). */
export async function cycleOf(base: string, o: GetOptions = {}): Promise<number> {
  const r = await get(`${base}/healthz`, o);
  const m = /cycle (\d+)/.exec(r.body);
  if (r.status !== 200 || !m) throw new Error(`/healthz: ${r.status} ${r.body}`);
  return Number(m[1]);
}

/** Waits until the target of `job` has been scraped with this health (and, when given, a last error
 *  matching `error`); returns it. */
export async function waitForTarget(
  prom: Prometheus,
  job: string,
  health: 'up' | 'down',
  error?: RegExp,
  timeoutMs = 20_000,
): Promise<PromTarget> {
  let last: PromTarget | undefined;
  const end = Date.now() + timeoutMs;
  for (;;) {
    last = (await prom.targets()).find((t) => t.labels.job === job);
    if (last && last.health === health && (!error || error.test(last.lastError))) return last;
    if (Date.now() > end)
      throw new Error(`target ${job}: expected ${health}${error ? ` (${error})` : ''}, last ${JSON.stringify(last)}`);
    await sleep(250);
  }
}
