// The DNS server and the raw DNS client of the dns probe's test and benchmark: Node programs (source
// text) run inside test namespaces with nodeIn/startNodeIn (test/native/support.ts).

/**
 * The test's DNS server (UDP and TCP on port 53 of every address given). What it answers depends
 * on the question name (first label, case-insensitive):
 *   delay-<ms>.*  NOERROR after <ms> ms       nxdomain.*  NXDOMAIN        servfail.* SERVFAIL
 *   refused.*     REFUSED                      drop.*      no answer       tc.*       TC=1 over UDP, full answer over TCP
 *   any name ending in cluster.local: NXDOMAIN; everything else: NOERROR with one A record.
 * Over TCP (TCP_NODELAY):
 *   split.*  the answer's 2-byte length and the message in two writes 50 ms apart (two segments);
 *            answered NOERROR only when the query's own length prefix arrived alone (a 2-byte read),
 *            FORMERR otherwise, so a test knows the client's prefix and message were two segments
 *   pipe.*   the answers to the queries of one read are written together (one segment)
 * It prints {"ready":true} once every socket is bound.
 */
export const dnsServer = (addrs: readonly string[]): string => `
import dgram from 'node:dgram';
import net from 'node:net';
const stats = { answers: {}, udp: 0, tcp: 0, dropped: 0, truncated: 0 };
function parseQ(m) {
  let p = 12; const labels = [];
  while (p < m.length && m[p] !== 0 && labels.length < 128) { const l = m[p]; if (l & 0xc0) return null; labels.push(m.subarray(p + 1, p + 1 + l).toString('latin1')); p += l + 1; }
  if (p + 5 > m.length) return null;
  return { name: labels.join('.').toLowerCase(), end: p + 5 };
}
function answer(m, q, tcp) {
  const first = q.name.split('.')[0];
  let rcode = 0, tc = false, delay = 0, an = true;
  if (first.startsWith('delay-')) delay = Number(first.slice(6));
  else if (first === 'nxdomain' || q.name.endsWith('cluster.local')) rcode = 3;
  else if (first === 'servfail') rcode = 2;
  else if (first === 'refused') rcode = 5;
  else if (first === 'drop') return null;
  else if (first === 'tc' && !tcp) tc = true;
  if (rcode !== 0 || tc) an = false;
  const h = Buffer.from(m.subarray(0, q.end));
  h[2] = 0x80 | (m[2] & 0x01) | (tc ? 0x02 : 0); h[3] = 0x80 | rcode;
  h.writeUInt16BE(1, 4); h.writeUInt16BE(an ? 1 : 0, 6); h.writeUInt16BE(0, 8); h.writeUInt16BE(0, 10);
  const rr = an ? Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 199, 250, 1]) : Buffer.alloc(0);
  const name = tc ? 'TC' : ['NOERROR','FORMERR','SERVFAIL','NXDOMAIN','NOTIMP','REFUSED'][rcode];
  return { buf: Buffer.concat([h, rr]), delay, name };
}
function handle(m, tcp, send) {
  const q = m.length >= 12 ? parseQ(m) : null;
  if (!q) return;
  if (tcp) stats.tcp++; else stats.udp++;
  const a = answer(m, q, tcp);
  if (!a) { stats.dropped++; return; }
  setTimeout(() => { stats.answers[a.name] = (stats.answers[a.name] ?? 0) + 1; send(a.buf); }, a.delay);
}
let ready = 0;
const want = ${addrs.length * 2};
const up = () => { if (++ready === want) console.log(JSON.stringify({ ready: true })); };
for (const addr of ${JSON.stringify(addrs)}) {
  const s = dgram.createSocket(addr.includes(':') ? 'udp6' : 'udp4');
  s.on('message', (m, r) => handle(m, false, (b) => s.send(b, r.port, r.address)));
  s.bind(53, addr, up);
  const t = net.createServer((c) => {
    c.setNoDelay(true);
    let buf = Buffer.alloc(0);
    let prefixAlone = false;
    let queue = Promise.resolve();
    const frame = (b) => { const l = Buffer.alloc(2); l.writeUInt16BE(b.length); return [l, b]; };
    c.on('data', (d) => {
      if (buf.length === 0 && d.length === 2) prefixAlone = true;
      buf = Buffer.concat([buf, d]);
      const batch = [];
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0)); buf = buf.subarray(2 + m.length);
        const alone = prefixAlone; prefixAlone = false;
        const q = m.length >= 12 ? parseQ(m) : null;
        const first = q ? q.name.split('.')[0] : '';
        if (first === 'pipe') {
          stats.tcp++;
          const a = answer(m, q, true);
          stats.answers[a.name] = (stats.answers[a.name] ?? 0) + 1;
          batch.push(...frame(a.buf));
        } else if (first === 'split') {
          stats.tcp++;
          const a = answer(m, q, true);
          if (!alone) a.buf[3] = (a.buf[3] & 0xf0) | 1;
          const [l, b] = frame(a.buf);
          queue = queue.then(() => new Promise((res) => c.write(l, () => setTimeout(() => c.write(b, () => res()), 50))));
        } else {
          handle(m, true, (b) => c.write(Buffer.concat(frame(b))));
        }
      }
      if (batch.length) c.write(Buffer.concat(batch));
    });
    c.on('error', () => {});
  });
  t.listen(53, addr, up);
}
setTimeout(() => process.exit(0), 600000);
`;

/** A raw DNS client: sends each query (name, qtype) once over UDP from its own port, waits for
 *  the answer or a timeout, prints the rcodes it saw. Exact: one query per lookup, no retries. */
export const rawClient = (
  server: string,
  names: readonly string[] | string,
  qtype: number,
  waitMs: number,
  parallel = 1,
): string => `
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
const names = ${typeof names === 'string' ? `JSON.parse(readFileSync(${JSON.stringify(names)}, 'utf8'))` : JSON.stringify(names)};
const seen = {};
let i = 0, done = 0, answered = 0, answeredMs = 0;
const one = () => new Promise((resolve) => {
  const name = names[i++];
  const s = dgram.createSocket('${server.includes(':') ? 'udp6' : 'udp4'}');
  const id = (Math.random() * 65536) | 0;
  const parts = [Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of name.split('.')) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, ${qtype >> 8}, ${qtype & 255}, 0, 1]));
  const t = setTimeout(() => { seen.timeout = (seen.timeout ?? 0) + 1; s.close(); resolve(); }, ${waitMs});
  s.on('message', (m) => { clearTimeout(t); answeredMs += performance.now() - t0; answered++; const rc = ['NOERROR','FORMERR','SERVFAIL','NXDOMAIN','NOTIMP','REFUSED'][m[3] & 15]; seen[rc] = (seen[rc] ?? 0) + 1; s.close(); resolve(); });
  const t0 = performance.now();
  s.send(Buffer.concat(parts), 53, '${server}');
});
const worker = async () => { while (i < names.length) { await one(); done++; } };
await Promise.all(Array.from({ length: ${parallel} }, worker));
console.log(JSON.stringify({ seen, done, meanMs: answered ? answeredMs / answered : 0 }));
`;

/** A raw DNS-over-TCP client on one connection (TCP_NODELAY): first each of `split` as its 2-byte
 *  length, a 50 ms pause, then the message (two segments), awaiting each answer; then `pipe` in pairs,
 *  both queries in one write (one segment). Prints the rcodes seen and how many answers had their
 *  length prefix arrive alone (in a 2-byte read). */
export const tcpClient = (server: string, split: readonly string[], pipe: readonly string[], qtype = 1): string => `
import net from 'node:net';
const seen = {};
let prefixAlone = 0, buf = Buffer.alloc(0), waiting = [];
const query = (name) => {
  const id = (Math.random() * 65536) | 0;
  const parts = [Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of name.split('.')) parts.push(Buffer.from([l.length]), Buffer.from(l, 'latin1'));
  parts.push(Buffer.from([0, ${qtype >> 8}, ${qtype & 255}, 0, 1]));
  const m = Buffer.concat(parts), l = Buffer.alloc(2);
  l.writeUInt16BE(m.length);
  return [l, m];
};
const s = net.connect(53, '${server}');
s.setNoDelay(true);
await new Promise((res, rej) => { s.once('connect', res); s.once('error', rej); });
s.on('data', (d) => {
  if (buf.length === 0 && d.length === 2) prefixAlone++;
  buf = Buffer.concat([buf, d]);
  while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
    const m = buf.subarray(2, 2 + buf.readUInt16BE(0)); buf = buf.subarray(2 + m.length);
    const rc = ['NOERROR','FORMERR','SERVFAIL','NXDOMAIN','NOTIMP','REFUSED'][m[3] & 15];
    seen[rc] = (seen[rc] ?? 0) + 1;
    waiting.shift()?.();
  }
});
const answer = () => new Promise((res) => waiting.push(res));
const write = (b) => new Promise((res) => s.write(b, () => res()));
for (const name of ${JSON.stringify(split)}) {
  const [l, m] = query(name);
  const a = answer();
  await write(l);
  await new Promise((res) => setTimeout(res, 50));
  await write(m);
  await a;
}
const pipe = ${JSON.stringify(pipe)};
for (let i = 0; i + 1 < pipe.length; i += 2) {
  const a = Promise.all([answer(), answer()]);
  await write(Buffer.concat([...query(pipe[i]), ...query(pipe[i + 1])]));
  await a;
}
s.end();
console.log(JSON.stringify({ seen, prefixAlone }));
process.exit(0);
`;

/** What rawClient prints: answers by rcode (and `timeout`), lookups done, mean answer time. */
export interface RawClientResult {
  seen: Record<string, number>;
  done: number;
  meanMs: number;
}

/** Question names whose outcome dnsServer fixes, that many of each: `ok<i>.example.test` (NOERROR),
 *  `nxdomain.n<i>.test`, `servfail.s<i>.test`, `refused.r<i>.test`, `drop.d<i>.test` (no answer). */
export function namesAnswered(n: {
  ok?: number;
  nxdomain?: number;
  servfail?: number;
  refused?: number;
  drop?: number;
}): string[] {
  const many = (count: number | undefined, name: (i: number) => string): string[] =>
    Array.from({ length: count ?? 0 }, (_, i) => name(i));
  return [
    ...many(n.ok, (i) => `ok${i}.example.test`),
    ...many(n.nxdomain, (i) => `nxdomain.n${i}.test`),
    ...many(n.servfail, (i) => `servfail.s${i}.test`),
    ...many(n.refused, (i) => `refused.r${i}.test`),
    ...many(n.drop, (i) => `drop.d${i}.test`),
  ];
}
