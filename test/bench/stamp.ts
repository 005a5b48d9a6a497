// What every results file carries: when, at which commit (and whether the tree had changes), so a
// published figure can be traced to the code that produced it; and a median with its spread.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function benchStamp(): Promise<{ date: string; commit: string; dirty: boolean }> {
  const git = async (...args: string[]): Promise<string> => {
    try {
      return (await exec('git', args)).stdout.trim();
    } catch {
      return '';
    }
  };
  const commit = (await git('rev-parse', 'HEAD')) || 'unknown';
  // Results files themselves are written by the run: they do not make it dirty.
  const dirty = (await git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!test/bench/results')) !== '';
  return { date: new Date().toISOString(), commit, dirty };
}

export interface Spread {
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  n: number;
}

/** Median, quartiles (nearest rank) and range of a sample. */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new Error('spread of no values');
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
  return { median: at(0.5), q1: at(0.25), q3: at(0.75), min: s[0]!, max: s[s.length - 1]!, n: s.length };
}
