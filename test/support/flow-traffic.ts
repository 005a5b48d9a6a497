// What the flow tests share: traffic of known size (UDP sinks, TCP sinks and clients), nftables
// counters to compare with, and the probe's series by direction|transport|peer|port.
import type { MetricSample } from '../../receiver/probes/probe.js';
import { parseFlowFrame, type FlowEntry } from '../../receiver/native/commands.js';
import { inNs, sh } from '../native/support.js';

export interface Row {
  bytes: number;
  packets: number;
  attributes: Record<string, string | number>;
}
/** flow series of one namespace, keyed by direction|transport-or-protocol|peer|port */
export function rows(samples: readonly MetricSample[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const s of samples) {
    if (s.metric.name !== 'kubeskoop.flow.io' && s.metric.name !== 'kubeskoop.flow.packet.count') continue;
    const a = s.attributes as Record<string, string | number>;
    const key = `${a['network.io.direction']}|${a['network.transport'] ?? a['kubeskoop.flow.protocol']}|${a['network.peer.address'] ?? ''}|${a['server.port'] ?? ''}`;
    const r = out.get(key) ?? { bytes: 0, packets: 0, attributes: a };
    if (s.metric.name === 'kubeskoop.flow.io') r.bytes += s.value as number;
    else r.packets += s.value as number;
    out.set(key, r);
  }
  return out;
}

/** A UDP receiver bound to addr:port in ns (so no ICMP unreachable answers the datagrams). */
export const udpSink = (addr: string, port: number, n: number): string => `
import dgram from 'node:dgram';
const s = dgram.createSocket('${addr.includes(':') ? 'udp6' : 'udp4'}');
let got = 0;
const end = () => { console.log(JSON.stringify({ received: got })); process.exit(0); };
s.on('message', () => { if (++got >= ${n}) end(); });
s.bind(${port}, '${addr}', () => console.log(JSON.stringify({ ready: true })));
setTimeout(end, 15000);
`;

/** A TCP server at addr:port counting bytes of every connection; prints {"ready":true}. */
export const tcpSink = (addr: string, port: number, conns: number): string => `
import net from 'node:net';
let bytes = 0, closed = 0;
const srv = net.createServer((c) => { c.on('data', (d) => { bytes += d.length; }); c.on('close', () => { if (++closed >= ${conns}) { console.log(JSON.stringify({ bytes, closed })); process.exit(0); } }); c.on('error', () => {}); });
srv.listen(${port}, '${addr}', () => console.log(JSON.stringify({ ready: true })));
setTimeout(() => { console.log(JSON.stringify({ bytes, closed })); process.exit(0); }, 60000);
`;

/** n TCP connections one after another to addr:port, each writing `size` bytes then closing. */
export const tcpClient = (addr: string, port: number, n: number, size: number): string => `
import net from 'node:net';
let left = ${n}, sent = 0;
const deadline = Date.now() + 50000;
const one = () => {
  if (left === 0 || Date.now() > deadline) { console.log(JSON.stringify({ sent, done: ${n} - left })); process.exit(0); }
  const c = net.connect({ host: '${addr}', port: ${port} }, () => { c.end(Buffer.alloc(${size}, 7)); sent += ${size}; });
  c.on('close', () => { left--; one(); });
  c.on('error', () => {});
};
one();
`;

/** nft counters for traffic with `peer` at `port` in a namespace: input and output, IP-level bytes. */
export async function nftCounters(
  ns: string,
  v6: boolean,
  peer: string,
  port: number,
  /** table: its name (default ksflow); client: port is the peer's (ns connects to it), not ns's */
  o: { table?: string; client?: boolean } = {},
): Promise<void> {
  const fam = v6 ? 'ip6' : 'ip';
  const [inPort, outPort] = o.client ? ['sport', 'dport'] : ['dport', 'sport'];
  const rules = `table inet ${o.table ?? 'ksflow'} {
  chain in { type filter hook input priority -400; ${fam} saddr ${peer} tcp ${inPort} ${port} counter; }
  chain out { type filter hook output priority -400; ${fam} daddr ${peer} tcp ${outPort} ${port} counter; }
}`;
  await sh('ip', 'netns', 'exec', ns, 'nft', rules);
}
export async function readNft(
  ns: string,
  table = 'ksflow',
): Promise<{ in: { packets: number; bytes: number }; out: { packets: number; bytes: number } }> {
  const j = JSON.parse(await inNs(ns, 'nft', '-j', 'list', 'table', 'inet', table)) as {
    nftables: Record<string, { chain?: string; expr?: Record<string, { packets: number; bytes: number }>[] }>[];
  };
  const res = { in: { packets: 0, bytes: 0 }, out: { packets: 0, bytes: 0 } };
  for (const o of j.nftables) {
    const r = o['rule'];
    if (!r?.expr) continue;
    const c = r.expr.find((e) => e['counter'])?.['counter'];
    if (c) res[r.chain === 'in' ? 'in' : 'out'] = { packets: c.packets, bytes: c.bytes };
  }
  return res;
}

/** The entries of a `flow dump` answer (decoded from the helper's binary frames). */
export function flowEntries(d: Record<string, unknown>): readonly FlowEntry[] {
  const f = parseFlowFrame(d);
  if (!f.ok || !f.dump) throw new Error(`flow dump failed: ${f.ok ? 'no dump' : f.error}`);
  return f.dump.entries;
}
