// Parser for /proc/<pid>/io. Pure and total.
//   rchar: 6976
//   wchar: 0
//   syscr: 10
//   syscw: 0
//   read_bytes: 0
//   write_bytes: 0
//   cancelled_write_bytes: 0
import { problemList } from './problems.js';
import type { ProcIo } from '../../kernel/io-counters.js';

export type { ProcIo };

export interface ProcIoParse {
  /** Undefined when a required field is missing or unreadable. */
  readonly io: ProcIo | undefined;
  readonly problems: readonly string[];
}

const KEYS = {
  rchar: 'rchar',
  wchar: 'wchar',
  syscr: 'syscr',
  syscw: 'syscw',
  read_bytes: 'readBytes',
  write_bytes: 'writeBytes',
} as const;

/** The kernel's seven lines in its own order ("%s: %llu\n" each). */
const KERNEL_LINES = [
  'rchar: ',
  'wchar: ',
  'syscr: ',
  'syscw: ',
  'read_bytes: ',
  'write_bytes: ',
  'cancelled_write_bytes: ',
];
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/** The file exactly as the kernel writes it, read in place (one per process per cycle: no line
 *  strings, no regular expressions); undefined when anything differs, and the full parse decides. */
function kernelFormat(text: string): ProcIo | undefined {
  const v: number[] = [];
  let p = 0;
  for (const key of KERNEL_LINES) {
    if (!text.startsWith(key, p)) return undefined;
    p += key.length;
    const start = p;
    let x = 0;
    for (let c = text.charCodeAt(p); c >= 48 && c <= 57; c = text.charCodeAt(++p)) x = x * 10 + (c - 48);
    if (p === start || text.charCodeAt(p) !== 10) return undefined;
    // Beyond 15 digits the sum above may round differently from Number() of the digits.
    v.push(p - start > 15 ? Number(text.slice(start, p)) : x);
    p++;
  }
  if (p !== text.length) return undefined;
  return { rchar: v[0]!, wchar: v[1]!, syscr: v[2]!, syscw: v[3]!, readBytes: v[4]!, writeBytes: v[5]! };
}

export function parseProcIo(text: string): ProcIoParse {
  const fast = kernelFormat(text);
  if (fast !== undefined) return { io: fast, problems: NO_PROBLEMS };
  const got: Partial<Record<keyof ProcIo, number>> = {};
  const problems = problemList();
  text.split('\n').forEach((line, idx) => {
    if (line.trim() === '') return;
    const m = /^([a-z_]+):\s*(\S*)\s*$/.exec(line);
    if (!m) {
      problems.push(`line ${idx + 1}: expected "key: value"`);
      return;
    }
    if (!/^\d+$/.test(m[2])) {
      problems.push(`line ${idx + 1} (${m[1]}): not a count: ${JSON.stringify(m[2].slice(0, 40))}`);
      return;
    }
    const key = KEYS[m[1] as keyof typeof KEYS];
    if (key !== undefined) got[key] = Number(m[2]); // cancelled_write_bytes and future fields: checked, not kept
  });
  const missing = Object.entries(KEYS)
    .filter(([, k]) => got[k] === undefined)
    .map(([f]) => f);
  if (missing.length > 0) {
    problems.push(`missing ${missing.join(', ')}`);
    return { io: undefined, problems };
  }
  return { io: got as ProcIo, problems };
}

/** The parent pid in /proc/<pid>/stat ("pid (comm) state ppid …"; comm may hold spaces and parentheses). */
export function parseStatPpid(text: string): number | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : undefined;
}
