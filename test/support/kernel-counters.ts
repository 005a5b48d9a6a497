// The kernel's own counters of a test namespace, read as an operator would (`ip netns exec NS cat
// /proc/net/snmp`): the independent oracle the native probes' counts are compared with.
import { runOk } from './proc.js';

/** One field of a namespace's `Tcp:` MIB line in /proc/net/snmp (e.g. RetransSegs, OutSegs). */
export async function tcpMib(ns: string, field: string): Promise<number> {
  const snmp = (await runOk('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'], { timeoutMs: 30_000 })).stdout;
  const [keys, values] = snmp
    .split('\n')
    .filter((l) => l.startsWith('Tcp:'))
    .map((l) => l.split(/\s+/));
  const i = keys?.indexOf(field) ?? -1;
  if (i < 0 || values?.[i] === undefined) throw new Error(`no Tcp ${field} in /proc/net/snmp of ${ns}`);
  return Number(values[i]);
}
