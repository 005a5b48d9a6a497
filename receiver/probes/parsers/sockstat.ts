// Parser for /proc/<pid>/net/sockstat and sockstat6. Pure and total.
//   sockets: used 13
//   TCP: inuse 1 orphan 0 tw 46 alloc 1 mem 0
//   UDP: inuse 0 mem 0
//   FRAG: inuse 0 memory 0
//   TCP6: inuse 0            (sockstat6)
// Every line is "LABEL: key value key value …"; the result keeps them as label → key → value.
import { problemList } from './problems.js';

export type SockstatTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface SockstatParse {
  readonly lines: SockstatTable;
  readonly problems: readonly string[];
}

export function parseSockstat(text: string): SockstatParse {
  const lines = new Map<string, Map<string, number>>();
  const problems = problemList();
  text.split('\n').forEach((line, idx) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${idx + 1}: no "LABEL:" prefix`);
      return;
    }
    const label = line.slice(0, colon).trim();
    const words = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0 || words.length % 2 !== 0) {
      problems.push(`line ${idx + 1} (${label}): expected key/value pairs, got ${words.length} words`);
    }
    const kv = lines.get(label) ?? new Map<string, number>();
    for (let k = 0; k + 1 < words.length; k += 2) {
      const v = words[k + 1];
      if (!/^\d+$/.test(v)) {
        problems.push(`line ${idx + 1} (${label} ${words[k]}): not a count: ${JSON.stringify(v.slice(0, 40))}`);
        continue;
      }
      kv.set(words[k], Number(v));
    }
    lines.set(label, kv);
  });
  return { lines, problems };
}
