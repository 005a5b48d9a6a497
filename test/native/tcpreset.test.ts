// tcpreset on the real kernel: resets made on purpose between two test namespaces.
import assert from 'node:assert/strict';

import type { TcpResetEvent } from '../../receiver/native/index.js';
import { nodeIn, startNodeIn, stopBackground, type Background, type Harness, tcpTuple } from './support.js';
import { pairWithHelper, type HelperPair } from '../support/helper-pair.js';
import { sleep } from '../support/proc.js';

const connectScript = (host: string, port: number, localPort: number): string => `
import net from 'node:net';
const s = net.connect({ host: '${host}', port: ${port}, localPort: ${localPort} });
s.on('error', (e) => { console.log(JSON.stringify({ code: e.code })); process.exit(0); });
s.on('connect', () => { console.log(JSON.stringify({ code: 'CONNECTED' })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ code: 'TIMEOUT' })); process.exit(0); }, 5000);
`;

// accepts, never reads, then closes with the client's data unread -> RST from tcp_close
const unreadServer = (host: string, port: number): string => `
import net from 'node:net';
const srv = net.createServer({ pauseOnConnect: true }, (sock) => {
  setTimeout(() => { sock.destroy(); srv.close(); setTimeout(() => { console.log(JSON.stringify({ closed: true })); process.exit(0); }, 100); }, 300);
});
srv.listen(${port}, '${host}', () => console.log(JSON.stringify({ ready: true })));
setTimeout(() => process.exit(3), 15000);
`;

const readingServer = (host: string, port: number): string => `
import net from 'node:net';
const srv = net.createServer((sock) => {
  sock.on('data', () => {});
  sock.on('error', (e) => { console.log(JSON.stringify({ serverError: e.code })); srv.close(); setTimeout(() => process.exit(0), 50); });
  sock.on('close', () => { srv.close(); setTimeout(() => process.exit(0), 50); });
});
srv.listen(${port}, '${host}', () => console.log(JSON.stringify({ ready: true })));
setTimeout(() => process.exit(3), 15000);
`;

const writeThenWait = (host: string, port: number, localPort: number): string => `
import net from 'node:net';
const s = net.connect({ host: '${host}', port: ${port}, localPort: ${localPort} });
s.on('connect', () => s.write('data the server never reads'));
s.on('error', (e) => { console.log(JSON.stringify({ code: e.code })); process.exit(0); });
s.on('close', () => { console.log(JSON.stringify({ code: 'CLOSED' })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ code: 'TIMEOUT' })); process.exit(0); }, 5000);
`;

const linger0 = (host: string, port: number, localPort: number): string => `
import net from 'node:net';
const s = net.connect({ host: '${host}', port: ${port}, localPort: ${localPort} });
s.on('connect', () => setTimeout(() => { s.resetAndDestroy(); console.log(JSON.stringify({ code: 'RESET' })); setTimeout(() => process.exit(0), 50); }, 100));
s.on('error', (e) => { console.log(JSON.stringify({ code: e.code })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ code: 'TIMEOUT' })); process.exit(0); }, 5000);
`;

// accepts and closes at once (FIN, socket orphaned in FIN_WAIT); data arriving after that is
// answered with a reset while the kernel processes the segment for that socket -> PROCESS
const closingServer = (host: string, port: number): string => `
import net from 'node:net';
const srv = net.createServer((sock) => { sock.on('error', () => {}); sock.destroy(); srv.close(); setTimeout(() => process.exit(0), 1500); });
srv.listen(${port}, '${host}', () => console.log(JSON.stringify({ ready: true })));
setTimeout(() => process.exit(3), 15000);
`;

const writeAfterFin = (host: string, port: number, localPort: number): string => `
import net from 'node:net';
const s = net.connect({ host: '${host}', port: ${port}, localPort: ${localPort}, allowHalfOpen: true });
s.resume(); // 'end' (the peer's FIN) is only seen by a flowing stream
s.on('end', () => { s.write('data after the peer closed'); setTimeout(() => s.write('more'), 200); });
s.on('error', (e) => { console.log(JSON.stringify({ code: e.code })); process.exit(0); });
setTimeout(() => { console.log(JSON.stringify({ code: 'TIMEOUT' })); process.exit(0); }, 5000);
`;

describe('native tcpreset (real BPF)', function () {
  this.timeout(60_000);
  let p: HelperPair;
  let h: Harness;
  let bg: Background | undefined;

  before(async () => {
    p = await pairWithHelper('rst', 11, {
      probes: { tcpreset: { netnsRatePerSecond: 1000 } },
      running: ['tcpreset'],
    });
    h = p.helper;
  });
  after(async () => {
    await stopBackground(bg);
    await p?.dispose();
  });
  beforeEach(() => {
    h.events.length = 0;
  });
  afterEach(async () => {
    await stopBackground(bg);
    bg = undefined;
  });

  const resets = (ns: number): TcpResetEvent[] =>
    h.events.filter((e): e is TcpResetEvent => e.type === 'tcp_reset' && e.netnsInode === ns);
  const countOf = async (ns: number, kind: string): Promise<number> => {
    const d = await h.client.dumpCounters();
    return d.events
      .filter((c) => c.probe === 'tcpreset' && c.netnsInode === ns && c.key === kind)
      .reduce((a, c) => a + c.count, 0);
  };

  it('connect to a closed port gives exactly one NOSOCK in the server namespace, and RECEIVE in the client one', async () => {
    const r = await nodeIn(p.a, connectScript(p.b4, 9, 40001));
    assert.equal(r.code, 'ECONNREFUSED');
    await sleep(200);
    assert.equal(await countOf(p.bInode, 'NOSOCK'), 1); // dump drains the ring first
    const nosock = resets(p.bInode).filter((e) => e.kind === 'NOSOCK');
    assert.equal(nosock.length, 1);
    const e = nosock[0]!;
    assert.equal(e.resetReason, 'NO_SOCKET');
    assert.equal(e.tcpState, '');
    assert.deepEqual(e.tuple, tcpTuple(p.b4, 9, p.a4, 40001));
    const now = BigInt(Date.now()) * 1_000_000n;
    assert.ok(
      now - e.timeUnixNano < 5_000_000_000n && now - e.timeUnixNano > -1_000_000_000n,
      `wall time ${e.timeUnixNano} vs now ${now}`,
    );

    const recv = resets(p.aInode).filter((x) => x.kind === 'RECEIVE');
    assert.equal(recv.length, 1);
    assert.equal(recv[0]!.tcpState, 'SYN_SENT');
    assert.deepEqual(recv[0]!.tuple, tcpTuple(p.b4, 9, p.a4, 40001));
    assert.equal(await countOf(p.aInode, 'RECEIVE'), 1);
  });

  it('IPv6: connect to a closed port gives one NOSOCK with IPv6 addresses', async () => {
    const r = await nodeIn(p.a, connectScript(p.b6, 19, 40002));
    assert.equal(r.code, 'ECONNREFUSED');
    await sleep(200);
    assert.equal(await countOf(p.bInode, 'NOSOCK'), 2); // cumulative: one v4 before + this one
    const nosock = resets(p.bInode).filter((e) => e.kind === 'NOSOCK');
    assert.equal(nosock.length, 1);
    assert.deepEqual(nosock[0]!.tuple, tcpTuple(p.b6, 19, p.a6, 40002));
    const recv = resets(p.aInode).filter((x) => x.kind === 'RECEIVE');
    assert.equal(recv.length, 1);
    assert.equal(recv[0]!.tuple.family, 'ipv6');
  });

  it('a listener closing with unread data sends ACTIVE (TCP_ABORT_ON_CLOSE); the client gets RECEIVE', async () => {
    bg = await startNodeIn(p.b, unreadServer(p.b4, 8081));
    const r = await nodeIn(p.a, writeThenWait(p.b4, 8081, 40003));
    assert.equal(r.code, 'ECONNRESET');
    await bg.done;
    await h.client.dumpCounters();
    const active = resets(p.bInode).filter((e) => e.kind === 'ACTIVE');
    assert.equal(
      active.length,
      1,
      JSON.stringify(resets(p.bInode), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    );
    assert.equal(active[0]!.resetReason, 'TCP_ABORT_ON_CLOSE');
    assert.deepEqual(active[0]!.tuple, tcpTuple(p.b4, 8081, p.a4, 40003));
    assert.equal(active[0]!.comm, 'node'); // sent from close(), in the server's own context
    const recv = resets(p.aInode).filter((e) => e.kind === 'RECEIVE');
    assert.equal(recv.length, 1);
    assert.equal(recv[0]!.tcpState, 'ESTABLISHED');
  });

  it('data reaching a socket that already closed gets a PROCESS reset', async () => {
    bg = await startNodeIn(p.b, closingServer(p.b4, 8083));
    const r = await nodeIn(p.a, writeAfterFin(p.b4, 8083, 40005));
    assert.ok(r.code === 'ECONNRESET' || r.code === 'EPIPE', String(r.code)); // EPIPE: the reset came first
    await h.client.dumpCounters();
    const proc = resets(p.bInode).filter((e) => e.kind === 'PROCESS');
    assert.equal(proc.length, 1, JSON.stringify(resets(p.bInode).map((e) => [e.kind, e.resetReason, e.tcpState])));
    // the orphaned socket answers from FIN_WAIT (TCP_ABORT_ON_DATA) or, once it has become a
    // timewait socket (FIN_WAIT2 orphans do), from there (TCP_TIMEWAIT_SOCKET): a timing matter
    assert.ok(['TCP_ABORT_ON_DATA', 'TCP_TIMEWAIT_SOCKET'].includes(proc[0]!.resetReason), proc[0]!.resetReason);
    assert.deepEqual(proc[0]!.tuple, tcpTuple(p.b4, 8083, p.a4, 40005));
    assert.equal(resets(p.aInode).filter((e) => e.kind === 'RECEIVE').length, 1);
    assert.equal(await countOf(p.bInode, 'PROCESS'), 1);
  });

  it('SO_LINGER 0 close sends ACTIVE from the client namespace; the server gets RECEIVE', async () => {
    bg = await startNodeIn(p.b, readingServer(p.b6, 8082));
    const r = await nodeIn(p.a, linger0(p.b6, 8082, 40004));
    assert.equal(r.code, 'RESET');
    await bg.done;
    await h.client.dumpCounters();
    const active = resets(p.aInode).filter((e) => e.kind === 'ACTIVE');
    assert.equal(active.length, 1);
    assert.ok(['TCP_STATE', 'TCP_ABORT_ON_LINGER'].includes(active[0]!.resetReason), active[0]!.resetReason);
    assert.deepEqual(active[0]!.tuple, tcpTuple(p.a6, 40004, p.b6, 8082));
    assert.ok(active[0]!.pid > 0);
    const recv = resets(p.bInode).filter((e) => e.kind === 'RECEIVE');
    assert.equal(recv.length, 1);
    assert.deepEqual(recv[0]!.tuple, tcpTuple(p.a6, 40004, p.b6, 8082));
  });
});
