// The DNS server and the raw DNS client of the dns probe's test and benchmark: Node programs (source
// text) run inside test namespaces with nodeIn/startNodeIn (test/native/support.ts).

/**
 * The test's DNS server (UDP and TCP on port 53 of every address given). What it answers depends
 * on the question name (first label, case-insensitive):
 *   delay-<ms>.*  NOERROR after <ms> ms       nxdomain.*  NXDOMAIN        servfail.* SERVFAIL
 *   refused.*     REFUSED                      drop.*      no answer       tc.*       TC=1 over UDP, full answer over TCP
 *   any name ending in cluster.local: NXDOMAIN; everything else: NOERROR with one A record.
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
    let buf = Buffer.alloc(0);
    c.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0)); buf = buf.subarray(2 + m.length);
        handle(m, true, (b) => { const l = Buffer.alloc(2); l.writeUInt16BE(b.length); c.write(Buffer.concat([l, b])); });
      }
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
