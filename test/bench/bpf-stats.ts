// bpf_stats between two counter dumps of the helper: what each program ran in between.
import type { CounterSnapshot } from '../../receiver/native/index.js';

export interface ProgramRunDelta {
  probe: string;
  program: string;
  runs: number;
  runTimeNs: number;
  recursionMisses: number;
}

/** Per program of `b` (matched to `a` by program id; a program new in `b` counts from 0). */
export function programRunDeltas(a: CounterSnapshot, b: CounterSnapshot): ProgramRunDelta[] {
  const before = new Map<number, { runCount: number; runTimeNs: number; recursionMisses: number }>();
  for (const p of a.probes) for (const g of p.programs) before.set(g.id, g);
  const out: ProgramRunDelta[] = [];
  for (const p of b.probes) {
    for (const g of p.programs) {
      const o = before.get(g.id);
      out.push({
        probe: p.probe,
        program: g.name,
        runs: g.runCount - (o?.runCount ?? 0),
        runTimeNs: g.runTimeNs - (o?.runTimeNs ?? 0),
        recursionMisses: g.recursionMisses - (o?.recursionMisses ?? 0),
      });
    }
  }
  return out;
}
