// Shared pieces of the fault suite: config files in a temp dir, bounded refused-connect traffic
// inside a test namespace, RSS/CPU sampling of the agent, /status and /metrics readers.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KERNEL_BTF, type AgentProcess } from '../support/agent.js';
import { procUsage, run, type ProcUsage } from '../support/proc.js';
import { parsePromText, type PromTextSample as PromSample } from '../support/prom-text.js';

export const MiB = 1024 * 1024;

/** The kernel can run the eBPF event probes (it has BTF). A missing helper build is a failure, not a skip: requireBpf. */
export const BPF_EVENTS = existsSync(KERNEL_BTF);

export interface TempDir {
  readonly path: string;
  file(name: string, text: string): string;
  dispose(): void;
}

export function tempDir(label: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `ksotel-faults-${label}-`));
  return {
    path,
    file(name, text) {
      const p = join(path, name);
      writeFileSync(p, text);
      return p;
    },
    dispose() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

// One node process inside the namespace making `count` connects to a closed loopback port, at most
// `perSecond` a second and for at most `maxMs`: each gives a RST (TCPRESET_NOSOCK). Prints a JSON line.
const CONNECT_LOOP = `
const net = require('node:net');
const [count, perSecond, maxMs, port] = process.argv.slice(1).map(Number);
const t0 = Date.now(); let started = 0, refused = 0, other = 0, inflight = 0;
function one() {
  started++; inflight++;
  const s = net.connect({ host: '127.0.0.1', port });
  const done = (kind) => { if (kind === 'refused') refused++; else other++; inflight--; s.destroy(); };
  s.once('connect', () => done('other'));
  s.once('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'other'));
}
const tick = setInterval(() => {
  const elapsed = Date.now() - t0;
  const due = Math.min(count, Math.floor((elapsed / 1000) * perSecond) + 1);
  while (started < due && inflight < 256) one();
  if ((started >= count && inflight === 0) || elapsed > maxMs) {
    clearInterval(tick);
    process.stdout.write(JSON.stringify({ started, refused, other, ms: Date.now() - t0 }) + '\\n');
    process.exit(0);
  }
}, 5);
`;

export interface ConnectLoop {
  readonly pid: number;
  readonly done: Promise<{ started: number; refused: number; other: number; ms: number }>;
}

export function refusedConnects(
  nsName: string,
  o: { count: number; perSecond: number; maxMs: number; port?: number },
): ConnectLoop {
  // 15 minutes at most: the outage bench's 10-minute flood; tests stay far below.
  if (!(o.count > 0 && o.count <= 2_000_000 && o.maxMs <= 900_000))
    throw new Error('refusedConnects: unbounded request');
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      nsName,
      process.execPath,
      '-e',
      CONNECT_LOOP,
      String(o.count),
      String(o.perSecond),
      String(o.maxMs),
      String(o.port ?? 9),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), o.maxMs + 10_000);
  const done = new Promise<{ started: number; refused: number; other: number; ms: number }>((resolve, reject) => {
    child.once('exit', (code) => {
      clearTimeout(killer);
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch {
        reject(new Error(`connect loop exited ${code}: ${err}`));
      }
    });
  });
  return { pid: child.pid!, done };
}

/** Samples the RSS and CPU of a pid every `everyMs` until stopped. */
export function sampleUsage(pid: number, everyMs = 250): { stop(): ProcUsage[]; samples: ProcUsage[] } {
  const samples: ProcUsage[] = [];
  let busy = false;
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    procUsage(pid)
      .then(
        (u) => {
          samples.push(u);
        },
        () => undefined,
      )
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  return {
    samples,
    stop() {
      clearInterval(t);
      return samples;
    },
  };
}

export const maxRss = (s: readonly ProcUsage[]): number => Math.max(0, ...s.map((u) => u.rssBytes));
export const mib = (b: number): string => (b / MiB).toFixed(1);

export interface StatusDoc {
  lastCycle: { cycle: number; targets: { total: number } };
  probes: Record<string, { kind: string; state: string; reason?: string; errors?: Record<string, number> }>;
  exports: null | Record<
    'metrics' | 'logs',
    {
      exports: number;
      failures: number;
      consecutiveFailures: number;
      exportedRecords: number;
      buffered: number;
      dropped: { queue_full: number; buffer_full: number; export_failed: number; shutdown: number };
      lastError?: string;
    }
  >;
  [k: string]: unknown;
}

export async function status(agent: AgentProcess): Promise<StatusDoc> {
  const r = await agent.get('/status');
  if (r.status !== 200) throw new Error(`/status answered ${r.status}`);
  return JSON.parse(r.text) as StatusDoc;
}

export async function scrape(agent: AgentProcess): Promise<{ status: number; text: string; samples: PromSample[] }> {
  const r = await agent.get('/metrics');
  return { ...r, samples: r.status === 200 ? parsePromText(r.text).samples : [] };
}

export function sum(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

export async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

/** Inodes of every network namespace alive now (held by a process or a /run/netns mount). */
export async function liveNetnsInodes(): Promise<Set<number>> {
  const { stat } = await import('node:fs/promises');
  const out = new Set<number>();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      out.add(Number(/\[(\d+)\]/.exec(await readlink(`/proc/${pid}/ns/net`))![1]));
    } catch {
      /* gone */
    }
  }
  try {
    for (const n of await readdir('/run/netns')) {
      try {
        out.add((await stat(`/run/netns/${n}`)).ino);
      } catch {
        /* gone */
      }
    }
  } catch {
    /* no /run/netns */
  }
  return out;
}

/** The helper: the agent's child process running the helper binary. */
export async function helperPid(agentPid: number): Promise<number | undefined> {
  for (const task of await readdir(`/proc/${agentPid}/task`).catch(() => [] as string[])) {
    const kids = (await readFile(`/proc/${agentPid}/task/${task}/children`, 'utf8').catch(() => ''))
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (const k of kids) {
      const exe = await readlink(`/proc/${k}/exe`).catch(() => '');
      if (exe.endsWith('kubeskoop-bpf-helper')) return Number(k);
    }
  }
  return undefined;
}

/** BPF program and map ids a process holds (from /proc/<pid>/fdinfo). */
export async function bpfIds(pid: number): Promise<{ progs: Set<number>; maps: Set<number> }> {
  const progs = new Set<number>();
  const maps = new Set<number>();
  for (const fd of await readdir(`/proc/${pid}/fdinfo`)) {
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    const p = /^prog_id:\s*(\d+)/m.exec(info);
    const m = /^map_id:\s*(\d+)/m.exec(info);
    if (p) progs.add(Number(p[1]));
    if (m) maps.add(Number(m[1]));
  }
  return { progs, maps };
}

export async function liveBpfIds(): Promise<{ progs: Set<number>; maps: Set<number> }> {
  const ids = async (what: 'prog' | 'map'): Promise<Set<number>> => {
    const r = await run('bpftool', [what, 'show', '-j'], { timeoutMs: 20_000 });
    return new Set((JSON.parse(r.stdout || '[]') as { id: number }[]).map((x) => x.id));
  };
  return { progs: await ids('prog'), maps: await ids('map') };
}
