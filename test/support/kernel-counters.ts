// The kernel's own counters of a test namespace, read as an operator would (`ip netns exec NS cat
// /proc/net/snmp`): the independent oracle the native probes' counts are compared with.
import { runOk } from './proc.js';

/** One field of a "Group: names" / "Group: values" line pair (the format of snmp and netstat). */
async function mibField(ns: string, file: string, group: string, field: string): Promise<number> {
  const text = (await runOk('ip', ['netns', 'exec', ns, 'cat', file], { timeoutMs: 30_000 })).stdout;
  const [keys, values] = text
    .split('\n')
    .filter((l) => l.startsWith(`${group}:`))
    .map((l) => l.split(/\s+/));
  const i = keys?.indexOf(field) ?? -1;
  if (i < 0 || values?.[i] === undefined) throw new Error(`no ${group} ${field} in ${file} of ${ns}`);
  return Number(values[i]);
}

/** A namespace's `Tcp:` MIB field in /proc/net/snmp (e.g. RetransSegs, OutSegs). */
export const tcpMib = (ns: string, field: string): Promise<number> => mibField(ns, '/proc/net/snmp', 'Tcp', field);

/** A namespace's `TcpExt:` field in /proc/net/netstat (e.g. TCPSynRetrans). */
export const tcpExt = (ns: string, field: string): Promise<number> =>
  mibField(ns, '/proc/net/netstat', 'TcpExt', field);
