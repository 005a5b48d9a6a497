// What one pass over /proc/kallsyms costs the agent (receiver/native/kallsyms.ts): packetloss resolves
// a drop location it has not seen by reading the file once for all new ones, and keeps only the
// answers. Each round: a new KernelSymbolizer in a new process (the first pass of an agent, before the
// JIT has seen the scan) and, in the same process, later passes (as when new locations appear later);
// for 1 and 100 addresses. CPU of the process (user + system) over the pass, and its wall time; next to
// it the floor: the same file read with `cat` into /dev/null (the kernel's work of producing it).
//   npm run build && node dist/test/bench/kallsyms-pass.js [--rounds N]
// Writes test/bench/results/kallsyms-pass.{json,md}.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchStamp, spread, type Spread } from './stamp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = path.resolve(here, '../../../test/bench/results');
const MODULE = path.resolve(here, '../../receiver/native/kallsyms.js');

interface Pass {
  cpuMs: number;
  userMs: number;
  systemMs: number;
  wallMs: number;
}

/** In a child: a first pass for `n` addresses, then `later` more passes for new ones. */
const CHILD = `
import { KernelSymbolizer } from ${JSON.stringify(MODULE)};
const n = Number(process.argv[1]), later = Number(process.argv[2]);
const base = 0xffffffff81000000n;
const k = new KernelSymbolizer('/proc/kallsyms');
const out = [];
for (let p = 0; p <= later; p++) {
  const addrs = Array.from({ length: n }, (_, i) => base + BigInt(p * 1_000_000 + i * 4099));
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await k.learn(addrs);
  const c = process.cpuUsage(c0);
  out.push({ cpuMs: (c.user + c.system) / 1000, userMs: c.user / 1000, systemMs: c.system / 1000, wallMs: performance.now() - t0 });
}
console.log(JSON.stringify({ passes: out, lastPass: k.lastPass }));
`;

function childPasses(n: number, later: number): { passes: Pass[]; lastPass: unknown } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, String(n), String(later)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`kallsyms-pass child: ${r.stderr}`);
  return JSON.parse(r.stdout.trim()) as { passes: Pass[]; lastPass: unknown };
}

/** The kernel's work alone: cat /proc/kallsyms > /dev/null, CPU of the child (user + system). */
function catFloor(): Pass {
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; time cat /proc/kallsyms > /dev/null'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [real, user, sys] = r.stderr.trim().split(/\s+/).map(Number) as [number, number, number];
  return { cpuMs: (user + sys) * 1000, userMs: user * 1000, systemMs: sys * 1000, wallMs: real * 1000 };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const ri = args.indexOf('--rounds');
  const rounds = ri >= 0 ? Number(args[ri + 1]) : 9;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('kallsyms-pass: --rounds N (N ≥ 1)');
  const stamp = await benchStamp();
  const lines = readFileSync('/proc/kallsyms', 'latin1').split('\n').length - 1;
  const bytes = Number(execFileSync('bash', ['-c', 'wc -c < /proc/kallsyms'], { encoding: 'utf8' }).trim());
  const first: Record<number, Pass[]> = { 1: [], 100: [] };
  const later: Record<number, Pass[]> = { 1: [], 100: [] };
  const floor: Pass[] = [];
  let lastPass: unknown;
  for (let r = 0; r < rounds; r++) {
    for (const n of [1, 100]) {
      const c = childPasses(n, 3);
      first[n]!.push(c.passes[0]!);
      later[n]!.push(...c.passes.slice(1));
      lastPass = c.lastPass;
    }
    floor.push(catFloor());
    process.stderr.write(`kallsyms-pass: round ${r + 1}/${rounds}\n`);
  }
  const sp = (xs: Pass[], k: keyof Pass): Spread => spread(xs.map((x) => x[k]));
  const row = (xs: Pass[]) => ({
    cpuMs: sp(xs, 'cpuMs'),
    userMs: sp(xs, 'userMs'),
    systemMs: sp(xs, 'systemMs'),
    wallMs: sp(xs, 'wallMs'),
  });
  const result = {
    ...stamp,
    node: process.version,
    rounds,
    kallsymsLines: lines,
    kallsymsBytes: bytes,
    lastPass,
    firstPass: { 1: row(first[1]!), 100: row(first[100]!) },
    laterPass: { 1: row(later[1]!), 100: row(later[100]!) },
    catFloor: row(floor),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'kallsyms-pass.json'), `${JSON.stringify(result, null, 2)}\n`);
  const f = (s: Spread): string =>
    `${s.median.toFixed(1)} [${s.q1.toFixed(1)}–${s.q3.toFixed(1)}; ${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
  const md = `# One pass over /proc/kallsyms (packetloss's drop locations)

Written by \`npm run bench\` (test/bench/kallsyms-pass.ts) at commit ${stamp.commit}${stamp.dirty ? ' (with uncommitted changes)' : ''}, ${stamp.date}, Node ${process.version}.
The file: ${lines.toLocaleString('en-US')} lines, ${bytes.toLocaleString('en-US')} bytes. ${rounds} rounds; figures: median [quartiles; min–max], ms.
A first pass is an agent's first (a new process: the scan not yet compiled by the JIT); later passes are three more in the same process, for addresses not seen before.
The floor is \`cat /proc/kallsyms > /dev/null\`: the kernel producing the file, nothing read into JavaScript.

| pass | addresses | CPU ms | of it user | of it system | wall ms |
|---|---:|---|---|---|---|
| first | 1 | ${f(result.firstPass[1].cpuMs)} | ${f(result.firstPass[1].userMs)} | ${f(result.firstPass[1].systemMs)} | ${f(result.firstPass[1].wallMs)} |
| first | 100 | ${f(result.firstPass[100].cpuMs)} | ${f(result.firstPass[100].userMs)} | ${f(result.firstPass[100].systemMs)} | ${f(result.firstPass[100].wallMs)} |
| later | 1 | ${f(result.laterPass[1].cpuMs)} | ${f(result.laterPass[1].userMs)} | ${f(result.laterPass[1].systemMs)} | ${f(result.laterPass[1].wallMs)} |
| later | 100 | ${f(result.laterPass[100].cpuMs)} | ${f(result.laterPass[100].userMs)} | ${f(result.laterPass[100].systemMs)} | ${f(result.laterPass[100].wallMs)} |
| floor: cat | — | ${f(result.catFloor.cpuMs)} | ${f(result.catFloor.userMs)} | ${f(result.catFloor.systemMs)} | ${f(result.catFloor.wallMs)} |
`;
  writeFileSync(path.join(RESULTS, 'kallsyms-pass.md'), md);
  process.stdout.write(md);
}

await main();
