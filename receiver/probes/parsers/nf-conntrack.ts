// Parser for /proc/<pid>/net/stat/nf_conntrack: a header line naming the columns, then one line
// of hexadecimal values per possible CPU. Pure and total.
//   entries  clashres found new invalid ignore delete chainlength insert insert_failed drop …
//   00000000  00000000 00000000 …
// Columns are read by name (their set changed across kernels: clashres and chainlength are
// recent, delete_list and expect_* come and go). `entries` is the namespace's table size printed on
// every CPU line: it is taken from the first line, never summed. Every other column is a per-CPU
// counter and is summed.
import { problemList } from './problems.js';

export interface ConntrackStat {
  /** The namespace's current number of entries (nf_conntrack_count). */
  readonly entries: number | undefined;
  /** Per-CPU counters summed, by the kernel's column name. */
  readonly totals: ReadonlyMap<string, number>;
  readonly cpus: number;
}

export interface ConntrackStatParse {
  readonly stat: ConntrackStat;
  readonly problems: readonly string[];
}

const HEX = /^[0-9a-fA-F]{1,16}$/;

export function parseNfConntrackStat(text: string): ConntrackStatParse {
  const problems = problemList();
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const totals = new Map<string, number>();
  if (lines.length === 0) return { stat: { entries: undefined, totals, cpus: 0 }, problems: ['empty file'] };
  const names = lines[0].trim().split(/\s+/);
  if (names.some((n) => !/^[a-z_]+$/.test(n))) {
    return { stat: { entries: undefined, totals, cpus: 0 }, problems: ['line 1: not a header of column names'] };
  }
  let entries: number | undefined;
  let cpus = 0;
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length !== names.length) {
      problems.push(`line ${i + 1}: ${cols.length} columns, header has ${names.length}`);
      continue;
    }
    const bad = cols.findIndex((c) => !HEX.test(c));
    if (bad >= 0) {
      problems.push(
        `line ${i + 1}: column ${names[bad]} is not hexadecimal: ${JSON.stringify(cols[bad].slice(0, 40))}`,
      );
      continue;
    }
    cpus++;
    names.forEach((name, k) => {
      const v = Number.parseInt(cols[k], 16);
      if (name === 'entries') {
        entries ??= v;
        return;
      }
      totals.set(name, (totals.get(name) ?? 0) + v);
    });
  }
  if (cpus === 0) problems.push('no CPU line');
  return { stat: { entries, totals, cpus }, problems };
}
