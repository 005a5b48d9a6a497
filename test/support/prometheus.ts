// Debian's real Prometheus (/usr/bin/prometheus, 2.42 on bookworm) scraping test targets on loopback
// every second, with query helpers over its HTTP API. Stopped by pid; its temp dir is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onFreePort, sleep, stopPid, run } from './proc.js';

export const PROMETHEUS_BIN = process.env['KSOTEL_PROMETHEUS_BIN'] ?? '/usr/bin/prometheus';

export interface ScrapeJob {
  job: string;
  /** host:port, loopback only. */
  targets: string[];
  metricsPath?: string;
  /** Keep the target's own job/instance labels (default false). */
  honorLabels?: boolean;
  /** http (default) or https. */
  scheme?: 'http' | 'https';
  /** Prometheus' tls_config: file paths, server_name, insecure_skip_verify. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string; serverName?: string; insecureSkipVerify?: boolean };
  basicAuth?: { username: string; password: string };
  /** Prometheus' authorization (type Bearer): the token itself or a file holding it. */
  bearer?: { credentials?: string; credentialsFile?: string };
}

export interface PrometheusOptions {
  /** Either plain host:port targets (one job "test") or full jobs. */
  targets?: string[];
  jobs?: ScrapeJob[];
  /** Default 1 s. */
  scrapeIntervalSeconds?: number;
  /** How long to wait for /-/ready, default 20 s. */
  startTimeoutMs?: number;
  extraArgs?: string[];
}

export interface PromSample {
  metric: Record<string, string>;
  /** [unix seconds, value as Prometheus prints it] */
  value: [number, string];
}

export interface PromTarget {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
}

export interface Prometheus {
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly dir: string;
  /** Instant query; returns the vector (or [] ), throws on a query error. */
  query(expr: string, time?: number): Promise<PromSample[]>;
  /** Raw /api/v1/query data ({ resultType, result }). */
  queryRaw(expr: string, time?: number): Promise<{ resultType: string; result: unknown }>;
  /** /api/v1/series for one or more matchers; label sets. */
  series(match: string | string[], startSec?: number, endSec?: number): Promise<Record<string, string>[]>;
  /** /api/v1/label/__name__/values: every metric name it has. */
  metricNames(): Promise<string[]>;
  /** Active targets with health and last error. */
  targets(): Promise<PromTarget[]>;
  /** Poll a query until it returns a non-empty vector that passes `accept`, then return it. */
  waitForQuery(expr: string, accept?: (r: PromSample[]) => boolean, timeoutMs?: number): Promise<PromSample[]>;
  /** Wait until every target has been scraped successfully at least once. */
  waitForTargetsUp(timeoutMs?: number): Promise<void>;
  /** Its stdout+stderr so far (for messages on failure). */
  log(): string;
  /** SIGTERM (then SIGKILL) by pid, and remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

function yamlStr(s: string): string {
  return JSON.stringify(s); // JSON strings are valid YAML double-quoted scalars
}

export function prometheusConfig(jobs: ScrapeJob[], intervalSeconds: number): string {
  const lines = [
    'global:',
    `  scrape_interval: ${intervalSeconds}s`,
    `  scrape_timeout: ${intervalSeconds}s`,
    `  evaluation_interval: ${intervalSeconds}s`,
    'scrape_configs:',
  ];
  for (const j of jobs) {
    for (const t of j.targets) {
      if (!/^(127\.\d+\.\d+\.\d+|\[::1\]|localhost):\d+$/.test(t))
        throw new Error(`scrape targets must be loopback host:port, not ${t}`);
    }
    lines.push(`  - job_name: ${yamlStr(j.job)}`);
    lines.push(`    metrics_path: ${yamlStr(j.metricsPath ?? '/metrics')}`);
    lines.push(`    honor_labels: ${j.honorLabels ? 'true' : 'false'}`);
    if (j.scheme) lines.push(`    scheme: ${j.scheme}`);
    if (j.tls) {
      lines.push('    tls_config:');
      if (j.tls.caFile) lines.push(`      ca_file: ${yamlStr(j.tls.caFile)}`);
      if (j.tls.certFile) lines.push(`      cert_file: ${yamlStr(j.tls.certFile)}`);
      if (j.tls.keyFile) lines.push(`      key_file: ${yamlStr(j.tls.keyFile)}`);
      if (j.tls.serverName) lines.push(`      server_name: ${yamlStr(j.tls.serverName)}`);
      if (j.tls.insecureSkipVerify) lines.push('      insecure_skip_verify: true');
    }
    if (j.basicAuth) {
      lines.push(
        '    basic_auth:',
        `      username: ${yamlStr(j.basicAuth.username)}`,
        `      password: ${yamlStr(j.basicAuth.password)}`,
      );
    }
    if (j.bearer) {
      lines.push('    authorization:', '      type: Bearer');
      if (j.bearer.credentials) lines.push(`      credentials: ${yamlStr(j.bearer.credentials)}`);
      if (j.bearer.credentialsFile) lines.push(`      credentials_file: ${yamlStr(j.bearer.credentialsFile)}`);
    }
    lines.push('    static_configs:');
    lines.push(`      - targets: [${j.targets.map(yamlStr).join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

/** `prometheus --version` first line, e.g. "prometheus, version 2.42.0+ds (...)". */
export async function prometheusVersion(): Promise<string> {
  const r = await run(PROMETHEUS_BIN, ['--version'], { timeoutMs: 10_000 });
  return (r.stdout || r.stderr).split('\n')[0] ?? '';
}

export function startPrometheus(opts: PrometheusOptions): Promise<Prometheus> {
  return onFreePort((port) => startPrometheusOn(opts, port));
}

async function startPrometheusOn(opts: PrometheusOptions, port: number): Promise<Prometheus> {
  const jobs: ScrapeJob[] = [...(opts.jobs ?? [])];
  if (opts.targets?.length) jobs.push({ job: 'test', targets: opts.targets });
  if (jobs.length === 0) throw new Error('startPrometheus needs targets or jobs');
  const interval = opts.scrapeIntervalSeconds ?? 1;
  const config = prometheusConfig(jobs, interval); // validates the targets before anything is made
  const dir = await mkdtemp(path.join(tmpdir(), 'ksotel-prom-'));
  const cfg = path.join(dir, 'prometheus.yml');
  await writeFile(cfg, config);
  const url = `http://127.0.0.1:${port}`;
  let out = '';
  let child: ChildProcess | undefined;
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopPid(child?.pid, 5000);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${cfg}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
        ...(opts.extraArgs ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    const append = (b: Buffer) => {
      if (out.length < 1_000_000) out += b.toString();
    };
    child.stdout!.on('data', append);
    child.stderr!.on('data', append);
    let exited: string | undefined;
    child.on('exit', (code, sig) => {
      exited = `exited ${code ?? sig}`;
    });
    child.on('error', (e) => {
      exited = String(e);
    });
    const end = Date.now() + (opts.startTimeoutMs ?? 20_000);
    for (;;) {
      if (exited) throw new Error(`prometheus ${exited}: ${out.trim()}`);
      try {
        const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (r.status === 200) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > end)
        throw new Error(`prometheus not ready at ${url} after ${opts.startTimeoutMs ?? 20_000} ms: ${out.trim()}`);
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const api = async <T>(p: string, params: [string, string][]): Promise<T> => {
    const body = new URLSearchParams(params);
    const r = await fetch(`${url}${p}`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });
    const j = (await r.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (j.status !== 'success')
      throw new Error(`prometheus ${p} ${JSON.stringify(params)}: ${j.errorType}: ${j.error}`);
    return j.data;
  };

  const prom: Prometheus = {
    pid: child.pid!,
    port,
    url,
    dir,
    queryRaw: (expr, time) =>
      api('/api/v1/query', [
        ['query', expr],
        ...(time !== undefined ? [['time', String(time)] as [string, string]] : []),
      ]),
    async query(expr, time) {
      const d = await prom.queryRaw(expr, time);
      if (d.resultType === 'vector') return d.result as PromSample[];
      if (d.resultType === 'scalar') return [{ metric: {}, value: d.result as [number, string] }];
      throw new Error(`query ${expr} gave a ${d.resultType}`);
    },
    series: (match, startSec, endSec) =>
      api('/api/v1/series', [
        ...(Array.isArray(match) ? match : [match]).map((m) => ['match[]', m] as [string, string]),
        ...(startSec !== undefined ? [['start', String(startSec)] as [string, string]] : []),
        ...(endSec !== undefined ? [['end', String(endSec)] as [string, string]] : []),
      ]),
    async metricNames() {
      const r = await fetch(`${url}/api/v1/label/__name__/values`, { signal: AbortSignal.timeout(10_000) });
      return ((await r.json()) as { data: string[] }).data;
    },
    async targets() {
      const r = await fetch(`${url}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(10_000) });
      const j = (await r.json()) as { data: { activeTargets: PromTarget[] } };
      return j.data.activeTargets;
    },
    async waitForQuery(expr, accept = () => true, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      let last: PromSample[] = [];
      let lastErr: unknown;
      for (;;) {
        try {
          last = await prom.query(expr);
          if (last.length > 0 && accept(last)) return last;
        } catch (e) {
          lastErr = e;
        }
        if (Date.now() > end) {
          const ts = await prom.targets().catch(() => []);
          throw new Error(
            `query ${expr} gave no accepted result in ${timeoutMs} ms; last ${JSON.stringify(last)}` +
              `${lastErr ? `, error ${String(lastErr)}` : ''}; targets ${JSON.stringify(ts.map((t) => [t.scrapeUrl, t.health, t.lastError]))}`,
          );
        }
        await sleep(250);
      }
    },
    async waitForTargetsUp(timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const ts = await prom.targets();
        if (ts.length > 0 && ts.every((t) => t.health === 'up')) return;
        if (Date.now() > end)
          throw new Error(`targets not up: ${JSON.stringify(ts.map((t) => [t.scrapeUrl, t.health, t.lastError]))}`);
        await sleep(250);
      }
    },
    log: () => out,
    stop,
  };
  return prom;
}
