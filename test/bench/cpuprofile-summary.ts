// Where one agent's CPU went, from a V8 .cpuprofile (`node --cpu-prof`, written by procfs.ts with
// --cpu-prof): every sampled tick is put in one bucket by its stack — garbage collection; outside
// the collection cycle (start-up, /status requests, timers); or, inside the cycle, its phase
// (discovery, identity, one probe, the scheduler and snapshot) and what it was doing (a file
// syscall: open/read/close/readlink/stat/readdir; a parser under probes/parsers; Node's fs wrapper
// and the text copy; any other JavaScript: samples, attributes, bookkeeping).
//   node dist/test/bench/cpuprofile-summary.js FILE.cpuprofile
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileBucket {
  phase: string;
  kind: 'syscall' | 'parse' | 'fs wrapper' | 'js' | 'gc' | 'outside';
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled non-idle time, ms. */
  busyMs: number;
  /** The cycle's share of busy time with GC counted in (GC is allocation the cycle makes, almost all). */
  buckets: ProfileBucket[];
  /** Per kind over the whole cycle (GC included), shares of the busy time. */
  kinds: Record<ProfileBucket['kind'], number>;
}

const SYSCALLS = new Set(['open', 'read', 'close', 'readlink', 'stat', 'lstat', 'readdir']);
const PROBE_FILE = /receiver\/probes\/([a-z_]+)\.js$/;

function phaseOf(chain: readonly CallFrame[]): string {
  if (chain.some((c) => c.url.endsWith('targets/discover.js'))) return 'discovery';
  if (chain.some((c) => c.url.endsWith('targets/identity.js') || c.url.endsWith('targets/cgroup.js')))
    return 'identity';
  // The outermost probe module on the stack (a probe may call shared helpers such as mib.js).
  for (let i = chain.length - 1; i >= 0; i--) {
    const m = PROBE_FILE.exec(chain[i]!.url);
    if (m && !chain[i]!.url.includes('/parsers/')) return `probe ${m[1]}`;
  }
  return 'scheduler, snapshot';
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ticks = new Map<number, number>();
  profile.samples.forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const acc = new Map<string, ProfileBucket>();
  const add = (phase: string, kind: ProfileBucket['kind'], us: number): void => {
    const k = `${phase}\0${kind}`;
    const b = acc.get(k) ?? { phase, kind, ms: 0, share: 0 };
    b.ms += us / 1000;
    acc.set(k, b);
  };
  for (const [id, us] of ticks) {
    const chain: CallFrame[] = [];
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) chain.push(byId.get(x)!.callFrame);
    const leaf = chain[0]!;
    if (leaf.functionName === '(idle)' || leaf.functionName === '(program)') continue;
    if (leaf.functionName === '(garbage collector)') add('garbage collection', 'gc', us);
    else if (!chain.some((c) => c.url.endsWith('snapshot/scheduler.js'))) add('outside the cycle', 'outside', us);
    else {
      const kind: ProfileBucket['kind'] =
        leaf.url === '' && SYSCALLS.has(leaf.functionName)
          ? 'syscall'
          : chain.some((c) => c.url.includes('/probes/parsers/') || c.url.endsWith('targets/cgroup.js'))
            ? 'parse'
            : chain.some((c) => c.url.endsWith('kernel/read-proc.js') || c.url === 'node:fs')
              ? 'fs wrapper'
              : 'js';
      add(phaseOf(chain), kind, us);
    }
  }
  const buckets = [...acc.values()].sort((a, b) => b.ms - a.ms);
  const busyMs = buckets.reduce((s, b) => s + b.ms, 0);
  const kinds = { syscall: 0, parse: 0, 'fs wrapper': 0, js: 0, gc: 0, outside: 0 };
  for (const b of buckets) {
    b.share = b.ms / busyMs;
    kinds[b.kind] += b.share;
  }
  return { busyMs, buckets, kinds };
}

export function summarizeProfileFile(file: string): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
}

/** Markdown lines: the kinds, then each phase's split. */
export function profileMarkdown(s: ProfileSummary): string[] {
  const pc = (x: number): string => `${(x * 100).toFixed(1)} %`;
  const phases = new Map<string, Partial<Record<ProfileBucket['kind'], number>>>();
  for (const b of s.buckets) phases.set(b.phase, { ...phases.get(b.phase), [b.kind]: b.share });
  const kinds = ['syscall', 'parse', 'fs wrapper', 'js'] as const;
  const rows = [...phases]
    .filter(([p]) => p !== 'garbage collection' && p !== 'outside the cycle')
    .map(([p, k]) => ({ p, k, total: kinds.reduce((t, x) => t + (k[x] ?? 0), 0) }))
    .sort((a, b) => b.total - a.total);
  return [
    `Busy (non-idle) time sampled: ${(s.busyMs / 1000).toFixed(1)} s. Shares of it: file syscalls ${pc(s.kinds.syscall)}, garbage collection ${pc(s.kinds.gc)}, other JavaScript in the cycle (samples, attributes, bookkeeping) ${pc(s.kinds.js)}, parsers ${pc(s.kinds.parse)}, Node's fs wrapper and text copies ${pc(s.kinds['fs wrapper'])}, outside the cycle (start-up, /status) ${pc(s.kinds.outside)}.`,
    '',
    '| phase of the cycle | syscalls | parse | fs wrapper | other JS | total |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.p} | ${pc(r.k.syscall ?? 0)} | ${pc(r.k.parse ?? 0)} | ${pc(r.k['fs wrapper'] ?? 0)} | ${pc(r.k.js ?? 0)} | ${pc(r.total)} |`,
    ),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.stdout.write(`${profileMarkdown(summarizeProfileFile(process.argv[2]!)).join('\n')}\n`);
}
