// Debian's prometheus-node-exporter (1.5.0 on bookworm) run INSIDE a test namespace, with only the
// collectors the agent is compared against, listening on 127.0.0.1 inside that namespace; scraped
// from inside the namespace by Node itself (`ip netns exec NS node -e fetch(...)`).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { onFreePort, procUsage, run, runOk, sleep, stopPid, type ProcUsage } from './proc.js';
import { parsePromText, type PromTextParse } from './prom-text.js';
import type { Netns } from './netns.js';

export const NODE_EXPORTER_BIN = process.env['KSOTEL_NODE_EXPORTER_BIN'] ?? '/usr/bin/prometheus-node-exporter';

/** netdev: /proc/net/dev; netstat: /proc/net/netstat + snmp + snmp6; sockstat: /proc/net/sockstat(6);
 *  softnet: /proc/net/softnet_stat; conntrack: /proc/sys/net/netfilter/nf_conntrack_{count,max} + stat. */
export const DEFAULT_COLLECTORS = ['netdev', 'netstat', 'sockstat', 'softnet', 'conntrack'] as const;

export interface NodeExporterOptions {
  collectors?: readonly string[];
  /** Port inside the namespace (default 9100 in a namespace, a free one on the host). */
  port?: number;
  /** Include `lo` in netdev (Debian's default excludes it): default true. */
  includeLo?: boolean;
  /** Every /proc/net/{netstat,snmp,snmp6} field (node_exporter's default keeps a few): default true. */
  allNetstatFields?: boolean;
  extraArgs?: string[];
  startTimeoutMs?: number;
}

export interface NodeExporter {
  readonly pid: number;
  readonly port: number;
  /** Namespace name, or 'host'. */
  readonly netns: string;
  /** GET /metrics from inside the namespace: raw text. */
  fetchText(timeoutMs?: number): Promise<string>;
  /** GET /metrics and parse it. */
  scrape(timeoutMs?: number): Promise<PromTextParse>;
  /** RSS and CPU time of the exporter process. */
  usage(): Promise<ProcUsage>;
  log(): string;
  /** Stop it by pid. Idempotent. */
  stop(): Promise<void>;
}

export async function nodeExporterVersion(): Promise<string> {
  const r = await run(NODE_EXPORTER_BIN, ['--version'], { timeoutMs: 10_000 });
  return (r.stdout || r.stderr).split('\n')[0] ?? '';
}

export function nodeExporterArgs(port: number, o: NodeExporterOptions = {}): string[] {
  const args = [
    '--collector.disable-defaults',
    '--web.disable-exporter-metrics',
    `--web.listen-address=127.0.0.1:${port}`,
  ];
  for (const c of o.collectors ?? DEFAULT_COLLECTORS) args.push(`--collector.${c}`);
  const cs = new Set(o.collectors ?? DEFAULT_COLLECTORS);
  if (cs.has('netdev') && o.includeLo !== false) args.push('--collector.netdev.device-exclude=^$');
  if (cs.has('netstat') && o.allNetstatFields !== false) args.push('--collector.netstat.fields=.*');
  return [...args, ...(o.extraArgs ?? [])];
}

/** Is something in pid's network namespace listening on 127.0.0.1:port (from /proc/<pid>/net/tcp)? */
async function listening(pid: number, port: number): Promise<boolean> {
  const tcp = await readFile(`/proc/${pid}/net/tcp`, 'utf8').catch(() => '');
  const want = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return tcp.split('\n').some((l) => {
    const f = l.trim().split(/\s+/);
    return f[1] === want && f[3] === '0A';
  });
}

const FETCH = `
const [url, ms] = [process.argv[1], +process.argv[2]];
fetch(url, { signal: AbortSignal.timeout(ms) }).then(async (r) => {
  const t = await r.text();
  if (r.status !== 200) { process.stderr.write('HTTP ' + r.status + ' ' + t); process.exit(1); }
  process.stdout.write(t);
}, (e) => { process.stderr.write(String(e)); process.exit(1); });
`;

/** Fetch an http://127.0.0.1 URL from inside a namespace (or from here for 'host'). */
export async function fetchInNetns(netns: Netns | string | 'host', url: string, timeoutMs = 10_000): Promise<string> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|\[::1\]|10\.199\.\d+\.\d+)(:\d+)?\//.test(url))
    throw new Error(`not a loopback/test URL: ${url}`);
  const name = typeof netns === 'string' ? netns : netns.name;
  if (name === 'host') {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
    return r.text();
  }
  const r = await runOk('ip', ['netns', 'exec', name, process.execPath, '-e', FETCH, url, String(timeoutMs)], {
    timeoutMs: timeoutMs + 5000,
  });
  return r.stdout;
}

/** Start node_exporter inside `netns` ('host' for this namespace) and wait until it listens. */
export function startNodeExporter(netns: Netns | string | 'host', o: NodeExporterOptions = {}): Promise<NodeExporter> {
  const name = typeof netns === 'string' ? netns : netns.name;
  if (o.port !== undefined || name !== 'host') return startNodeExporterOn(netns, o, o.port ?? 9100);
  return onFreePort((port) => startNodeExporterOn(netns, o, port));
}

async function startNodeExporterOn(
  netns: Netns | string | 'host',
  o: NodeExporterOptions,
  port: number,
): Promise<NodeExporter> {
  const name = typeof netns === 'string' ? netns : netns.name;
  const args = nodeExporterArgs(port, o);
  const [cmd, argv] =
    name === 'host' ? [NODE_EXPORTER_BIN, args] : ['ip', ['netns', 'exec', name, NODE_EXPORTER_BIN, ...args]];
  let out = '';
  let exited: string | undefined;
  let stopped = false;
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (b: Buffer) => {
    if (out.length < 1_000_000) out += b.toString();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  child.on('exit', (code, sig) => {
    exited = `exited ${code ?? sig}`;
  });
  child.on('error', (e) => {
    exited = String(e);
  });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopPid(child.pid, 3000);
  };
  try {
    const end = Date.now() + (o.startTimeoutMs ?? 10_000);
    for (;;) {
      if (exited) throw new Error(`node_exporter ${exited}: ${out.trim()}`);
      if (child.pid && (await listening(child.pid, port))) break;
      if (Date.now() > end)
        throw new Error(`node_exporter not listening on 127.0.0.1:${port} in ${name}: ${out.trim()}`);
      await sleep(50);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const url = `http://127.0.0.1:${port}/metrics`;
  const ne: NodeExporter = {
    pid: child.pid!,
    port,
    netns: name,
    fetchText: (timeoutMs) => fetchInNetns(name, url, timeoutMs),
    scrape: async (timeoutMs) => parsePromText(await ne.fetchText(timeoutMs)),
    usage: () => procUsage(child.pid!),
    log: () => out,
    stop,
  };
  return ne;
}
