// Runs the real agent CLI as a child process for integration tests, on a free loopback port,
// and collects its JSON log lines.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../receiver/version.js';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../../receiver/cli/node-flags.js';
import { freePort, stopPid, waitUntil } from './proc.js';
import { KERNEL_BTF, skipBecause } from './strict.js';
import { stringify } from 'yaml';

export const CLI = join(packageRoot(), 'dist', 'kubeskoop-otel.js');
/** The native helper as `make -C bpf` builds it. */
export const HELPER = join(packageRoot(), 'bpf', 'build', 'kubeskoop-bpf-helper');
/** The kernel's BTF: without it no eBPF probe loads (KSOTEL_BTF_PATH moves it: strict.ts). */
export { KERNEL_BTF };

/** In a `before` hook of a suite that runs eBPF probes: skips on a kernel without BTF (a missing
 *  kernel feature; a failure under KSOTEL_STRICT=1), fails when the helper is not built (a broken
 *  checkout, not a reason to skip). */
export function requireBpf(ctx: Mocha.Context): void {
  if (!existsSync(KERNEL_BTF)) skipBecause(ctx, `no kernel BTF at ${KERNEL_BTF}: no eBPF probe can load`);
  assert.ok(existsSync(HELPER), `the native helper is built (${HELPER})`);
}

export interface AgentLogLine {
  readonly level: string;
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface AgentProcess {
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly child: ChildProcess;
  /** Log lines parsed so far (stderr, JSON lines); non-JSON lines come as level "raw". */
  logs(): AgentLogLine[];
  get(path: string): Promise<{ status: number; text: string }>;
  /** SIGTERM, wait for exit (SIGKILL after graceMs). Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartAgentOptions {
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Wait until /healthz answers 200 (default true; at most timeoutMs, default 60 s). */
  readonly waitHealthy?: boolean;
  readonly timeoutMs?: number;
  /** Run the agent under this command, e.g. ['setpriv', '--bounding-set=-all', '--'] (the node
   *  command line is appended as arguments). */
  readonly wrapper?: readonly string[];
}

export async function startAgentProcess(o: StartAgentOptions = {}): Promise<AgentProcess> {
  // freePort() closes its socket before the agent binds, so another process on this shared machine
  // can take the port in between: the agent then exits with EADDRINUSE, and a new port is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAgentOnce(o);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortTaken)) throw err;
    }
  }
}

class PortTaken extends Error {}

async function startAgentOnce(o: StartAgentOptions): Promise<AgentProcess> {
  const port = await freePort();
  const argv = [
    process.execPath,
    ...AGENT_NODE_FLAGS,
    CLI,
    'run',
    '--address',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-format',
    'json',
    ...(o.args ?? []),
  ];
  const [cmd, ...args] = [...(o.wrapper ?? []), ...argv];
  const child = spawn(cmd!, args, {
    env: { ...process.env, ...AGENT_ENV, ...(o.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: AgentLogLine[] = [];
  let buf = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(line) as AgentLogLine);
      } catch {
        lines.push({ level: 'raw', msg: line });
      }
    }
  });
  child.stdout!.resume();
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const get = async (path: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(15_000) });
    return { status: r.status, text: await r.text() };
  };
  const agent: AgentProcess = {
    pid: child.pid!,
    port,
    url,
    child,
    logs: () => lines,
    get,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      await stopPid(child.pid, graceMs);
      return exited;
    },
  };
  if (o.waitHealthy !== false) {
    try {
      // an exit ends the wait at once (waitUntil would retry a throw until its deadline)
      const early = await waitUntil(
        async () => {
          if (exitCode !== undefined) {
            const why = lines.map((l) => JSON.stringify(l)).join(' | ');
            return new (/EADDRINUSE/.test(why) ? PortTaken : Error)(
              `agent exited with ${exitCode}: ${lines.map((l) => l.msg).join(' | ')}`,
            );
          }
          try {
            return (await get('/healthz')).status === 200 && 'healthy';
          } catch {
            return false;
          }
        },
        o.timeoutMs ?? 60_000,
        'agent /healthz',
      ); // a bound for a loaded 2-core machine, not a speed claim
      if (early instanceof Error) throw early;
    } catch (err) {
      await agent.stop(1000);
      throw err;
    }
  }
  return agent;
}

/** Waits until /status shows every probe of `names` in state running. */
export async function waitForProbesRunning(
  agent: AgentProcess,
  names: readonly string[],
  timeoutMs = 20_000,
): Promise<void> {
  await waitUntil(
    async () => {
      const s = JSON.parse((await agent.get('/status')).text) as {
        probes: Record<string, { state: string } | undefined>;
      };
      return names.every((n) => s.probes[n]?.state === 'running');
    },
    timeoutMs,
    `${names.join(', ')} running`,
  );
}

/** Writes `yaml` to `<dir>/config.yaml`, starts the agent with it (and `o.args`) and, when
 *  `o.running` names probes, waits until they run; the agent is stopped when that wait fails. */
export async function startAgentWithConfig(
  dir: string,
  yaml: string,
  o: StartAgentOptions & { readonly running?: readonly string[] } = {},
): Promise<AgentProcess> {
  const config = join(dir, 'config.yaml');
  writeFileSync(config, yaml);
  const agent = await startAgentProcess({ ...o, args: ['-c', config, ...(o.args ?? [])] });
  if (o.running && o.running.length > 0) {
    try {
      await waitForProbesRunning(agent, o.running);
    } catch (err) {
      await agent.stop(1000);
      throw err;
    }
  }
  return agent;
}

/** The event path's usual agent config: netdev metrics every `interval` (default 500ms) and every
 *  tcpreset event (no rate limit), exported over OTLP to `endpoint`; `otlp` adds or overrides keys
 *  under otlp: (export_interval defaults to 1s). */
export function resetEventsConfig(o: { endpoint: string; interval?: string; otlp?: Record<string, unknown> }): string {
  return stringify({
    interval: o.interval ?? '500ms',
    metrics: { probes: ['netdev'] },
    events: {
      probes: [{ name: 'tcpreset', options: { rate_per_namespace: 'unlimited', rate_per_node: 'unlimited' } }],
    },
    otlp: { endpoint: o.endpoint, export_interval: '1s', ...o.otlp },
  });
}
