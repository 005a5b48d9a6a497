// Parsers for the kernel's MIB counter files. Pure and total: text in, typed tables and the
// problems met out; they never throw.
//
//  - /proc/<pid>/net/snmp and /proc/<pid>/net/netstat: pairs of lines, a header line
//    "Group: Field1 Field2 …" followed by a value line "Group: v1 v2 …".
//  - /proc/<pid>/net/snmp6: one "Ip6InReceives   16" line per counter; the group is the prefix
//    (Ip6, Icmp6, Udp6, UdpLite6) and the field the rest (InReceives).
//
// Values are signed decimal integers (Tcp MaxConn is -1). Counters above 2^53 lose precision in a
// JavaScript number; the kernel's u64 counters reach that after ~285 years at 1 M/s.

/** group → field → value, in file order. */
export type MibTable = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface MibParse {
  readonly groups: MibTable;
  readonly problems: readonly string[];
}

const INT = /^-?\d+$/;

/** Space-separated words; the kernel writes single spaces, anything else takes the slow path. */
function words(s: string): string[] {
  const w = s.split(' ');
  if (w[0] === '') w.shift();
  if (w.length > 0 && w[w.length - 1] === '') w.pop();
  for (const x of w) if (x === '' || x.includes('\t')) return s.trim().split(/\s+/).filter((t) => t !== '');
  return w;
}

/** /proc/net/snmp and /proc/net/netstat. */
export function parseMibPairs(text: string): MibParse {
  const groups = new Map<string, Map<string, number>>();
  const problems: string[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const header = lines[i];
    if (header.trim() === '') { i++; continue; }
    const colon = header.indexOf(':');
    if (colon <= 0) {
      problems.push(`line ${i + 1}: no "Group:" prefix`);
      i++;
      continue;
    }
    const group = header.slice(0, colon);
    const values = lines[i + 1];
    if (values === undefined || !values.startsWith(`${group}:`)) {
      problems.push(`line ${i + 1} (${group}): header without a value line`);
      i++;
      continue;
    }
    const names = words(header.slice(colon + 1));
    const nums = words(values.slice(colon + 1));
    if (names.length !== nums.length) {
      problems.push(`line ${i + 2} (${group}): ${nums.length} values for ${names.length} fields`);
    }
    const fields = groups.get(group) ?? new Map<string, number>();
    const n = Math.min(names.length, nums.length);
    for (let k = 0; k < n; k++) {
      if (!INT.test(nums[k])) {
        problems.push(`line ${i + 2} (${group} ${names[k]}): not an integer: ${JSON.stringify(nums[k].slice(0, 40))}`);
        continue;
      }
      fields.set(names[k], Number(nums[k]));
    }
    if (fields.size > 0) groups.set(group, fields);
    i += 2;
  }
  return { groups, problems };
}

/** The snmp6 prefixes, longest first so UdpLite6 is not read as Udp…. */
const SNMP6_GROUPS = ['UdpLite6', 'Icmp6', 'Udp6', 'Ip6'] as const;

const SNMP6_LINE = /^\s*(\S+)\s+(\S+)\s*$/;

/** /proc/net/snmp6. */
export function parseSnmp6(text: string): MibParse {
  const groups = new Map<string, Map<string, number>>();
  const problems: string[] = [];
  text.split('\n').forEach((line, idx) => {
    const m = SNMP6_LINE.exec(line);
    if (m === null) {
      if (line.trim() !== '') problems.push(`line ${idx + 1}: expected "name value"`);
      return;
    }
    const name = m[1];
    const value = m[2];
    const group = SNMP6_GROUPS.find((g) => name.startsWith(g) && name.length > g.length);
    if (group === undefined) {
      problems.push(`line ${idx + 1}: unknown counter prefix in ${JSON.stringify(name.slice(0, 40))}`);
      return;
    }
    if (!INT.test(value)) {
      problems.push(`line ${idx + 1} (${name}): not an integer: ${JSON.stringify(value.slice(0, 40))}`);
      return;
    }
    const fields = groups.get(group) ?? new Map<string, number>();
    fields.set(name.slice(group.length), Number(value));
    groups.set(group, fields);
  });
  return { groups, problems };
}

/** A field of a table, or undefined. */
export function mibValue(t: MibTable, group: string, field: string): number | undefined {
  return t.get(group)?.get(field);
}
