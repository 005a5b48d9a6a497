// bpf_stats between two counter dumps of the helper: what each program ran in between.
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { CounterSnapshot } from '../../receiver/native/index.js';
import { ROOT, sh } from '../native/support.js';
import { runOk } from '../support/proc.js';

const ATTACH = path.join(ROOT, 'bpf', 'build', 'ksotel-bpfattach');

export interface ProgramRunDelta {
  probe: string;
  program: string;
  runs: number;
  runTimeNs: number;
  recursionMisses: number;
}

/** Per program of `b` (matched to `a` by program id; a program new in `b` counts from 0). A program
 *  listed under several probes (the latency probes' one program per shared hook) is one row, its
 *  probes joined with '+', so its time is counted once. */
export function programRunDeltas(a: CounterSnapshot, b: CounterSnapshot): ProgramRunDelta[] {
  const before = new Map<number, { runCount: number; runTimeNs: number; recursionMisses: number }>();
  for (const p of a.probes) for (const g of p.programs) before.set(g.id, g);
  const out = new Map<number, ProgramRunDelta>();
  for (const p of b.probes) {
    for (const g of p.programs) {
      const seen = out.get(g.id);
      if (seen) {
        seen.probe += `+${p.probe}`;
        continue;
      }
      const o = before.get(g.id);
      out.set(g.id, {
        probe: p.probe,
        program: g.name,
        runs: g.runCount - (o?.runCount ?? 0),
        runTimeNs: g.runTimeNs - (o?.runTimeNs ?? 0),
        recursionMisses: g.recursionMisses - (o?.recursionMisses ?? 0),
      });
    }
  }
  return [...out.values()];
}

/** Median of xs; 0 for none (a mode that did not run). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/** Ids of the helper's loaded programs with these names, found through its fds (links excluded). */
export async function helperProgramIds(helperPid: number, names: readonly string[]): Promise<number[]> {
  const ids = new Set<number>();
  for (const fd of await readdir(`/proc/${helperPid}/fdinfo`)) {
    const info = await readFile(`/proc/${helperPid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    const m = /prog_id:\s+(\d+)/.exec(info);
    if (m && !/link_type/.test(info)) ids.add(Number(m[1]));
  }
  const progs = JSON.parse(await sh('bpftool', 'prog', 'show', '-j')) as { id: number; name?: string }[];
  return progs.filter((x) => ids.has(x.id) && x.name !== undefined && names.includes(x.name)).map((x) => x.id);
}

/** bpf_stats of these programs summed, as bpftool reports them now. */
export async function runStats(ids: number[]): Promise<{ ns: number; runs: number }> {
  let ns = 0,
    runs = 0;
  for (const id of ids) {
    const p = JSON.parse(await sh('bpftool', 'prog', 'show', 'id', String(id), '-j')) as {
      run_time_ns?: number;
      run_cnt?: number;
    };
    ns += p.run_time_ns ?? 0;
    runs += p.run_cnt ?? 0;
  }
  return { ns, runs };
}

/** A floor: empty programs on a probe's hooks (an object of bpf/tools, loaded by ksotel-bpfattach),
 *  attached while the returned handle lives. */
export interface Floor {
  ids: { name: string; id: number }[];
  stop(): Promise<void>;
}
/** Attach the named programs of obj (all of them when none are named). */
export async function startFloor(obj: string, programs: string[] = []): Promise<Floor> {
  const child = spawn(ATTACH, [obj, ...programs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const ids = await new Promise<{ name: string; id: number }[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`bpfattach: no answer in 30 s ${err}`)), 30_000);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) {
        clearTimeout(t);
        resolve((JSON.parse(out) as { programs: { name: string; id: number }[] }).programs);
      }
    });
    child.on('close', (code) => {
      clearTimeout(t);
      reject(new Error(`bpfattach exited ${code}: ${err}`));
    });
  });
  return {
    ids,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** run_cnt / run_time_ns of programs by id (bpftool; a floor's programs are not the helper's) */
export async function progStats(ids: number[]): Promise<Map<number, { runCount: number; runTimeNs: number }>> {
  const r = await runOk('bpftool', ['-j', 'prog', 'show'], { timeoutMs: 30_000 });
  const all = JSON.parse(r.stdout) as { id: number; run_cnt?: number; run_time_ns?: number }[];
  const want = new Set(ids);
  return new Map(
    all.filter((p) => want.has(p.id)).map((p) => [p.id, { runCount: p.run_cnt ?? 0, runTimeNs: p.run_time_ns ?? 0 }]),
  );
}
