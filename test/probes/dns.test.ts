// dns on the real kernel: a DNS server (a small UDP+TCP server in the test harness) in one
// namespace, a client "pod" namespace joined to it by a veth, the probe's tc programs attached by
// the native helper through its own cycle, and lookups made by glibc (getent, with the pod's own
// resolv.conf: search path and ndots:5) or by a raw client that sends exactly the queries the test
// counts. Expected values come from what the server answered and the client saw, never from the
// probe: exact counts per rcode, timeouts, the search-path NXDOMAINs, truncation then TCP, latency
// of an imposed delay, IPv4 and IPv6 resolvers, the series cap under 10k random names, and a
// fuzzed-packet flood that leaves the counts consistent and the helper alive.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';

import { NativeEventSource } from '../../receiver/events/native-source.js';
import { dns, hasSearchSuffix } from '../../receiver/probes/dns.js';
import type { EventRecord } from '../../receiver/probes/event-record.js';
import type { HistogramValue, MetricProbe, MetricSample, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { killPid, run, waitUntil } from '../support/proc.js';
import { dnsServer, rawClient } from '../support/dns-server.js';
import { startAgentWithConfig } from '../support/agent.js';
import {
  deleteNs,
  ensureHelperBuilt,
  helperTcxLinks,
  makeHostPair,
  makePair,
  nodeIn,
  startNodeIn,
  stopBackground,
  type Background,
  type NsPair,
} from '../native/support.js';

/** a process kept in each test namespace: a target is read through /proc/<pid>/net */
const keepers = new Map<string, ChildProcess>();
function keeper(ns: string): number {
  let c = keepers.get(ns);
  if (!c) {
    c = spawn('ip', ['netns', 'exec', ns, 'sleep', '900'], { stdio: 'ignore' });
    keepers.set(ns, c);
  }
  return c.pid!;
}
async function target(ns: string, inode: number): Promise<Target> {
  const pid = keeper(ns);
  await waitUntil(
    async () => (await stat(`/proc/${pid}/ns/net`).catch(() => undefined))?.ino === inode,
    5000,
    `a process in ${ns}`,
  );
  return { netnsInode: inode, pid, pids: [pid], kind: 'netns', netnsName: ns };
}

/** One collection cycle of the probe over the targets, as the scheduler runs it. */
async function cycle(
  probe: MetricProbe,
  ctx: ProbeContext,
  targets: readonly Target[],
): Promise<Map<number, MetricSample[]>> {
  await probe.beforeCycle!(ctx);
  const out = new Map<number, MetricSample[]>();
  for (const t of targets) out.set(t.netnsInode, [...(await probe.collect(t, ctx)).samples]);
  return out;
}

const attr = (s: MetricSample, k: string): string => String(s.attributes[k] ?? '');
/** sum of a counter metric's samples matching a filter */
function total(
  samples: readonly MetricSample[],
  metric: string,
  where: (s: MetricSample) => boolean = () => true,
): number {
  return samples.filter((s) => s.metric.name === metric && where(s)).reduce((a, s) => a + (s.value as number), 0);
}
/** responses per rcode name */
function byRcode(samples: readonly MetricSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples)
    if (s.metric.name === 'kubeskoop.dns.responses') {
      const rc = attr(s, 'kubeskoop.dns.response.code');
      out[rc] = (out[rc] ?? 0) + (s.value as number);
    }
  return out;
}

/** the histogram's p50 estimated as the upper bound of the bucket holding the median */
function p50(h: HistogramValue): number {
  let acc = 0;
  for (let i = 0; i < h.bucketCounts.length; i++) {
    acc += h.bucketCounts[i]!;
    if (acc * 2 >= h.count) {
      // linear interpolation inside the bucket
      const lo = i === 0 ? 0 : h.boundaries[i - 1]!;
      const hi = h.boundaries[i] ?? lo * 2;
      const before = acc - h.bucketCounts[i]!;
      return lo + ((hi - lo) * (h.count / 2 - before)) / h.bucketCounts[i]!;
    }
  }
  return NaN;
}

describe('dns (tc programs on real veths, a DNS server in a test namespace)', function () {
  this.timeout(240_000);
  let native: NativeEventSource;
  let p: NsPair;
  let server: Background | undefined;
  const events: EventRecord[] = [];
  const etcDir = (): string => `/etc/netns/${p.a}`;
  /** inputs too large for a command line */
  const scratch = `/tmp/ksotel-h19dns-${process.pid}.json`;

  before(async () => {
    await ensureHelperBuilt();
    native = new NativeEventSource({ probes: {}, emitEventsOf: new Set(), log: silentLogger, helperCommands: true });
    await native.start();
    p = await makePair('h19dns', 231);
    // the client pod's resolver config, bind-mounted over /etc/resolv.conf by `ip netns exec`
    await mkdir(etcDir(), { recursive: true });
    await writeFile(
      `${etcDir()}/resolv.conf`,
      `nameserver ${p.b4}\nsearch a.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:1\n`,
    );
    server = await startNodeIn(p.b, dnsServer([p.b4, p.b6]));
  });
  after(async () => {
    await stopBackground(server);
    await native?.stop();
    for (const c of keepers.values()) killPid(c.pid, 'SIGKILL');
    await rm(scratch, { force: true });
    if (p) {
      await rm(etcDir(), { recursive: true, force: true });
      await deleteNs(p.a, p.b).catch(() => undefined);
    }
  });

  async function setup(
    options: Record<string, unknown> = {},
  ): Promise<{ probe: MetricProbe; ctx: ProbeContext; targets: Target[] }> {
    const probe = dns.create({ native, emitEvent: (e) => events.push(e) });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options };
    assert.deepEqual(await probe.start!(ctx), { state: 'running' });
    const targets = [await target(p.a, p.aInode)];
    await cycle(probe, ctx, targets); // sees the interfaces
    await cycle(probe, ctx, targets); // attaches them
    assert.deepEqual(probe.status!(), { state: 'running' });
    return { probe, ctx, targets };
  }

  it('exact counts per rcode (NOERROR, NXDOMAIN, SERVFAIL, REFUSED) and timeouts, over IPv4 and IPv6 resolvers, with events for the failures', async () => {
    const { probe, ctx, targets } = await setup({ timeout: 1 });
    try {
      for (const server of [p.b4, p.b6]) {
        events.length = 0;
        const names = [
          ...Array.from({ length: 7 }, (_, i) => `ok${i}.example.test`),
          ...Array.from({ length: 5 }, (_, i) => `nxdomain.n${i}.test`),
          ...Array.from({ length: 4 }, (_, i) => `servfail.s${i}.test`),
          ...Array.from({ length: 3 }, (_, i) => `refused.r${i}.test`),
          ...Array.from({ length: 2 }, (_, i) => `drop.d${i}.test`),
        ];
        const before = await cycle(probe, ctx, targets);
        const r = (await nodeIn(p.a, rawClient(server, names, 1, 1500, 4), 30_000)) as { seen: Record<string, number> };
        assert.deepEqual(r.seen, { NOERROR: 7, NXDOMAIN: 5, SERVFAIL: 4, REFUSED: 3, timeout: 2 });
        await new Promise((res) => setTimeout(res, 1100)); // the timeout option (1 s) must pass before the sweep
        const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
        const b0 = before.get(p.aInode)!;
        const isServer = (s: MetricSample): boolean => attr(s, 'network.peer.address') === server;
        const delta = (metric: string, where: (s: MetricSample) => boolean): number =>
          total(after, metric, (s) => isServer(s) && where(s)) - total(b0, metric, (s) => isServer(s) && where(s));
        const rc = (name: string): number =>
          delta('kubeskoop.dns.responses', (s) => attr(s, 'kubeskoop.dns.response.code') === name);
        assert.deepEqual(
          { NOERROR: rc('NOERROR'), NXDOMAIN: rc('NXDOMAIN'), SERVFAIL: rc('SERVFAIL'), REFUSED: rc('REFUSED') },
          { NOERROR: 7, NXDOMAIN: 5, SERVFAIL: 4, REFUSED: 3 },
          `responses by rcode from ${server}`,
        );
        assert.equal(
          delta('kubeskoop.dns.timeouts', () => true),
          2,
          `timeouts to ${server}`,
        );
        const h = after.find(
          (s) =>
            s.metric.name === 'dns.lookup.duration' &&
            isServer(s) &&
            attr(s, 'kubeskoop.dns.response.code') === 'SERVFAIL',
        );
        assert.ok(h, 'a duration histogram for the SERVFAIL answers');
        assert.equal(attr(h, 'error.type'), 'SERVFAIL');
        assert.equal(attr(h, 'network.type'), server.includes(':') ? 'ipv6' : 'ipv4');
        assert.equal(attr(h, 'kubeskoop.dns.question.type'), 'A');
        assert.equal(attr(h, 'network.transport'), 'udp');
        const ok = after.find(
          (s) =>
            s.metric.name === 'dns.lookup.duration' &&
            isServer(s) &&
            attr(s, 'kubeskoop.dns.response.code') === 'NOERROR',
        );
        assert.equal(ok?.attributes['error.type'], undefined, 'no error.type on NOERROR');
        // events: one per failure (NXDOMAIN here carries no cluster suffix), one per timeout, with the full name
        const fails = events.filter((e) => e.type === 'DNS_FAIL');
        const touts = events.filter((e) => e.type === 'DNS_TIMEOUT');
        assert.equal(fails.length, 12, `failure events: ${fails.map((e) => e.body).join('; ')}`);
        assert.equal(touts.length, 2);
        assert.deepEqual(touts.map((e) => e.attributes['dns.question.name']).sort(), ['drop.d0.test', 'drop.d1.test']);
        assert.ok(fails.every((e) => e.attributes['network.peer.address'] === server));
        assert.deepEqual([...new Set(fails.map((e) => e.attributes['error.type']))].sort(), [
          'NXDOMAIN',
          'REFUSED',
          'SERVFAIL',
        ]);
      }
      // queries are exact per namespace: 21 per resolver, over UDP
      const last = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      assert.equal(
        total(last, 'kubeskoop.dns.queries', (s) => attr(s, 'network.transport') === 'udp'),
        42,
      );
      assert.equal(total(last, 'kubeskoop.dns.packets.malformed'), 0);
    } finally {
      await probe.stop!();
    }
  });

  it('search-path waste: glibc with ndots:5 sends 3 NXDOMAIN queries (one per search suffix) before the answer of an external name; counted in the kernel, exact with every record refused (rate 0)', async () => {
    const { probe, ctx, targets } = await setup({ rate: 0 });
    try {
      events.length = 0;
      const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const LOOKUPS = 4;
      for (let i = 0; i < LOOKUPS; i++) {
        const r = await run('ip', ['netns', 'exec', p.a, 'getent', 'ahostsv4', `api${i}.example.com`], {
          timeoutMs: 20_000,
        });
        assert.equal(r.code, 0, `getent resolved api${i}.example.com: ${r.stderr}`);
        assert.match(r.stdout, /10\.199\.250\.1/);
      }
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const d = (m: string, w?: (s: MetricSample) => boolean): number => total(after, m, w) - total(before, m, w);
      assert.equal(d('kubeskoop.dns.search_path.nxdomains'), 3 * LOOKUPS);
      const rc = byRcode(after),
        rc0 = byRcode(before);
      assert.equal((rc.NXDOMAIN ?? 0) - (rc0.NXDOMAIN ?? 0), 3 * LOOKUPS);
      assert.equal((rc.NOERROR ?? 0) - (rc0.NOERROR ?? 0), LOOKUPS);
      assert.equal(d('kubeskoop.dns.queries'), 4 * LOOKUPS);
      assert.equal(
        events.filter((e) => e.type === 'DNS_FAIL').length,
        0,
        'search-path NXDOMAINs are waste, not failure events',
      );
      // rate 0: no record reached the ring; each NXDOMAIN's record is counted as undelivered instead
      assert.equal(
        d('kubeskoop.event.undelivered', (s) => attr(s, 'error.type') === 'netns_rate_limit'),
        3 * LOOKUPS,
      );
    } finally {
      await probe.stop!();
    }
  });

  it('a truncated UDP answer, then the TCP retry: truncated counted, the TCP query and its NOERROR answer counted over TCP', async () => {
    const { probe, ctx, targets } = await setup();
    try {
      const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const N = 3;
      for (let i = 0; i < N; i++) {
        const r = await run('ip', ['netns', 'exec', p.a, 'getent', 'ahostsv4', `tc.t${i}.example.com.`], {
          timeoutMs: 20_000,
        });
        assert.equal(r.code, 0, `getent over TCP: ${r.stderr}`);
      }
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const d = (m: string, w?: (s: MetricSample) => boolean): number => total(after, m, w) - total(before, m, w);
      assert.equal(
        d('kubeskoop.dns.responses.truncated', (s) => attr(s, 'network.transport') === 'udp'),
        N,
      );
      assert.equal(
        d('kubeskoop.dns.queries', (s) => attr(s, 'network.transport') === 'tcp'),
        N,
      );
      assert.equal(
        d('kubeskoop.dns.queries', (s) => attr(s, 'network.transport') === 'udp'),
        N,
      );
      assert.equal(
        d(
          'kubeskoop.dns.responses',
          (s) => attr(s, 'network.transport') === 'tcp' && attr(s, 'kubeskoop.dns.response.code') === 'NOERROR',
        ),
        N,
      );
    } finally {
      await probe.stop!();
    }
  });

  it('latency: the histogram p50 is within 20 % of a delay the server imposes (150 ms), its mean within 20 % of what the client measured, and a slow event names the question', async () => {
    const { probe, ctx, targets } = await setup({ slow_ms: 50 });
    try {
      events.length = 0;
      const DELAY = 150, // the middle of the (100 ms, 200 ms] bucket: a busy machine's extra ms stay in it
        N = 30;
      const names = Array.from({ length: N }, (_, i) => `delay-${DELAY}.q${i}.test`);
      const r = (await nodeIn(p.a, rawClient(p.b4, names, 28, 3000, 5), 60_000)) as {
        seen: Record<string, number>;
        meanMs: number;
      };
      assert.equal(r.seen.NOERROR, N);
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const h = after.find(
        (s) => s.metric.name === 'dns.lookup.duration' && attr(s, 'kubeskoop.dns.question.type') === 'AAAA',
      );
      assert.ok(h, 'an AAAA histogram');
      const v = h.value as HistogramValue;
      assert.equal(v.count, N);
      const med = p50(v);
      assert.ok(Math.abs(med - DELAY / 1000) <= 0.2 * (DELAY / 1000), `p50 ${med} s vs ${DELAY} ms`);
      assert.ok(v.sum / v.count >= DELAY / 1000, 'no response can be faster than the imposed delay');
      // the kernel's mean (exact: sum / count) against the client's own clock, which also pays its event loop
      const mean = v.sum / v.count;
      assert.ok(
        Math.abs(mean - r.meanMs / 1000) <= 0.2 * (r.meanMs / 1000),
        `mean ${mean} s vs the client's ${r.meanMs} ms`,
      );
      const slow = events.filter((e) => e.type === 'DNS_SLOW');
      assert.equal(slow.length, N);
      assert.match(String(slow[0]!.attributes['dns.question.name']), /^delay-150\.q\d+\.test$/);
    } finally {
      await probe.stop!();
    }
  });

  it('10,000 random names keep the series bounded; a small max_series folds new series into other and counts the overflow', async () => {
    const { probe, ctx, targets } = await setup({ max_series: 3 });
    try {
      const N = 10_000;
      const names = Array.from({ length: N }, () => `r${Math.random().toString(36).slice(2, 12)}.example.test`);
      // (too long for a command line: the client reads them from a file)
      await writeFile(scratch, JSON.stringify(names));
      const r = (await nodeIn(p.a, rawClient(p.b4, scratch, 1, 2000, 50), 120_000)) as {
        seen: Record<string, number>;
        done: number;
      };
      assert.equal(r.done, N);
      // then three more qtypes: each would be a new series
      for (const qt of [28, 33, 16]) await nodeIn(p.a, rawClient(p.b4, [`x.example.test`], qt, 2000));
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const durations = after.filter((s) => s.metric.name === 'dns.lookup.duration');
      assert.ok(durations.length <= 4, `series: ${durations.length} (3 + other)`);
      assert.equal(total(after, 'kubeskoop.dns.responses'), (r.seen.NOERROR ?? 0) + 3, 'no response lost by folding');
      assert.equal(r.seen.NOERROR, N);
      assert.ok(durations.some((s) => attr(s, 'kubeskoop.peer.kind') === 'other'));
      // the node-wide overflow is reported on the host target: one refused series (the fourth qtype)
      const host: Target = {
        netnsInode: (await stat('/proc/self/ns/net')).ino,
        pid: process.pid,
        pids: [process.pid],
        kind: 'host',
      };
      const hs = (await probe.collect(host, ctx)).samples;
      assert.equal(total(hs, 'kubeskoop.dns.series.overflow'), 1);
    } finally {
      await probe.stop!();
    }
  });

  it('a fuzzed-packet flood (fast-check DNS payloads to port 53) leaves the counts consistent and the helper alive', async () => {
    const { probe, ctx, targets } = await setup({ timeout: 1 });
    try {
      const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      // hostile payloads: random headers, compression pointers and loops in the question,
      // truncated labels, oversized names, random bytes
      const label = fc.uint8Array({ minLength: 0, maxLength: 70 });
      const payload = fc.oneof(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        fc
          .tuple(
            fc.uint8Array({ minLength: 12, maxLength: 12 }),
            fc.array(label, { maxLength: 10 }),
            fc.uint8Array({ maxLength: 8 }),
          )
          .map(([h, ls, tail]) => {
            const parts = [Buffer.from(h)];
            for (const l of ls) parts.push(Buffer.from([l.length]), Buffer.from(l));
            parts.push(Buffer.from(tail));
            const b = Buffer.concat(parts);
            b[2] = (b[2] ?? 0) & 0x7f; // a query (QR=0), opcode random
            return b;
          }),
        fc.constantFrom(
          Buffer.from([1, 2, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), // pointer to itself
          Buffer.from([1, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 97]), // label runs past the end
          Buffer.concat([Buffer.from([1, 4, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.alloc(300, 5)]), // oversized name
        ),
      );
      const N = 3000;
      const payloads = fc.sample(payload, { numRuns: N, seed: 19 }).map((b) => Buffer.from(b).toString('base64'));
      await writeFile(scratch, JSON.stringify(payloads));
      const src = `
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(${JSON.stringify(scratch)}, 'utf8'));
const s = dgram.createSocket('udp4');
let sent = 0;
for (const b of p) { await new Promise((r) => s.send(Buffer.from(b, 'base64'), 53, '${p.b4}', r)); sent++; }
console.log(JSON.stringify({ sent })); process.exit(0);
`;
      const f = (await nodeIn(p.a, src, 60_000)) as { sent: number };
      assert.equal(f.sent, N);
      // a well-formed lookup after the flood still works and is counted
      const ok = (await nodeIn(p.a, rawClient(p.b4, ['after.flood.test'], 1, 2000))) as {
        seen: Record<string, number>;
      };
      assert.equal(ok.seen.NOERROR, 1);
      await new Promise((res) => setTimeout(res, 1100));
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      assert.deepEqual(probe.status!(), { state: 'running' }, 'the helper answered every dump');
      const d = (m: string): number => total(after, m) - total(before, m);
      const queries = d('kubeskoop.dns.queries');
      const malformed = d('kubeskoop.dns.packets.malformed');
      const retrans = d('kubeskoop.dns.queries.retransmitted');
      // a datagram is counted as a query at most once (malformed ones and other opcodes are not)
      assert.ok(queries <= N + 1, `queries ${queries} ≤ datagrams sent ${N + 1}`);
      assert.ok(malformed > 0, 'hostile packets were counted as malformed');
      assert.ok(queries >= 1);
      // what was tracked either got an answer, timed out, or is still pending: never more than the queries
      const answered = d('kubeskoop.dns.responses');
      const timeouts = d('kubeskoop.dns.timeouts');
      assert.ok(
        answered + timeouts + retrans <= queries,
        `answered ${answered} + timeouts ${timeouts} + retransmits ${retrans} ≤ queries ${queries}`,
      );
      assert.ok(answered >= 1, 'the lookup after the flood was answered and counted');
    } finally {
      await probe.stop!();
    }
  });

  it("attach: host — on the host end of the client pod's veth: the same exact counts per rcode, timeouts and queries as inside the pod, attributed to the pod, IPv4 and IPv6; no link left on the host interface", async () => {
    const helperPid = (native.helperStatus() as { pid?: number }).pid!;
    const h = await makeHostPair('h19dnshost', 233);
    let hostServer: Background | undefined;
    try {
      const hostIfindex = Number((await readFile(`/sys/class/net/${h.host}/ifindex`, 'utf8')).trim());
      // the resolver on the node (the host end's addresses), the client in the pod
      hostServer = await startNodeIn('host', dnsServer([h.h4, h.h6]));
      const t = await target(h.ns, h.inode);
      const names = [
        ...Array.from({ length: 4 }, (_, i) => `ok${i}.example.test`),
        ...Array.from({ length: 3 }, (_, i) => `nxdomain.n${i}.test`),
        ...Array.from({ length: 2 }, (_, i) => `servfail.s${i}.test`),
        'drop.d0.test',
      ];
      const seenBy: Record<string, unknown> = {};
      for (const attach of ['pod', 'host'] as const) {
        const probe = dns.create({ native, emitEvent: () => undefined });
        const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: { attach, timeout: 1 } };
        try {
          assert.deepEqual(await probe.start!(ctx), { state: 'running' });
          await cycle(probe, ctx, [t]);
          await cycle(probe, ctx, [t]);
          assert.deepEqual(probe.status!(), { state: 'running' });
          const onHost = (await helperTcxLinks(helperPid)).filter((l) => l.ifindex === hostIfindex).length;
          assert.equal(onHost, attach === 'host' ? 2 : 0, `${attach}: tcx links on the host end`);
          const got: Record<string, unknown> = {};
          for (const server of [h.h4, h.h6]) {
            const r = (await nodeIn(h.ns, rawClient(server, names, 1, 1500, 4), 30_000)) as {
              seen: Record<string, number>;
            };
            assert.deepEqual(r.seen, { NOERROR: 4, NXDOMAIN: 3, SERVFAIL: 2, timeout: 1 });
            await new Promise((res) => setTimeout(res, 1100)); // the timeout (1 s) passes before the sweep
            const after = (await cycle(probe, ctx, [t])).get(h.inode)!;
            const isServer = (x: MetricSample): boolean => attr(x, 'network.peer.address') === server;
            got[server] = {
              rcodes: byRcode(after.filter(isServer)),
              timeouts: total(after, 'kubeskoop.dns.timeouts', isServer),
            };
          }
          const last = (await cycle(probe, ctx, [t])).get(h.inode)!;
          got.queries = total(last, 'kubeskoop.dns.queries', (x) => attr(x, 'network.transport') === 'udp');
          for (const server of [h.h4, h.h6])
            assert.deepEqual(
              got[server],
              { rcodes: { NOERROR: 4, NXDOMAIN: 3, SERVFAIL: 2 }, timeouts: 1 },
              `${attach}: ${server}`,
            );
          assert.equal(got.queries, 20, `${attach}: queries of the pod`);
          seenBy[attach] = got;
          if (attach === 'host') {
            await cycle(probe, ctx, []);
            await cycle(probe, ctx, []);
            assert.equal((await helperTcxLinks(helperPid)).filter((l) => l.ifindex === hostIfindex).length, 0);
          }
        } finally {
          await probe.stop!();
        }
      }
      assert.deepEqual(seenBy.host, seenBy.pod);
    } finally {
      await stopBackground(hostServer);
      await deleteNs(h.ns).catch(() => undefined);
    }
  });

  it('the resolver is named like flow peers: a Service ClusterIP in the peer directory becomes kube-dns (kind service) on the series and the events', async () => {
    // the agent's directory answers from the Service list; here it is given the Service the test made up
    const peers = {
      service: (a: string) => (a === p.b4 ? { name: 'kube-dns', namespace: 'kube-system' } : undefined),
    };
    const probe = dns.create({ native, peers, emitEvent: (e) => events.push(e) });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options: {} };
    assert.deepEqual(await probe.start!(ctx), { state: 'running' });
    const targets = [await target(p.a, p.aInode)];
    try {
      await cycle(probe, ctx, targets);
      await cycle(probe, ctx, targets);
      events.length = 0;
      const r = (await nodeIn(p.a, rawClient(p.b4, ['ok.named.test', 'servfail.named.test'], 1, 2000))) as {
        seen: Record<string, number>;
      };
      assert.deepEqual(r.seen, { NOERROR: 1, SERVFAIL: 1 });
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const named = after.filter((s) => s.metric.name === 'kubeskoop.dns.responses');
      assert.equal(named.length, 2);
      for (const s of named) {
        assert.equal(attr(s, 'kubeskoop.peer.kind'), 'service');
        assert.equal(attr(s, 'kubeskoop.peer.name'), 'kube-dns');
        assert.equal(attr(s, 'kubeskoop.peer.namespace'), 'kube-system');
        assert.equal(attr(s, 'network.peer.address'), p.b4);
      }
      const fail = events.find((e) => e.type === 'DNS_FAIL');
      assert.equal(fail?.attributes['kubeskoop.peer.name'], 'kube-dns');
      assert.equal(fail?.attributes['dns.question.name'], 'servfail.named.test');
      assert.match(fail!.body, /kube-dns/);
    } finally {
      await probe.stop!();
    }
  });

  it('through the agent: the dns series on /metrics and the failure events in the file sink (KubeSkoop JSON msg with the name)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'ksotel-h19dns-'));
    // only this test's interfaces: the agent observes every namespace of this shared machine
    const pattern = `k${process.pid.toString(36)}n231*`;
    const agent = await startAgentWithConfig(
      dir,
      `interval: 1s
metrics:
  probes:
    - name: dns
      options: {timeout: 1, interfaces: ["${pattern}"]}
events:
  sinks:
    - name: file
      path: ${dir}/events.jsonl
`,
      { running: ['dns'], timeoutMs: 60_000 },
    );
    try {
      const series = async (code: string): Promise<number> => {
        const text = (await agent.get('/metrics')).text;
        let n = 0;
        for (const line of text.split('\n'))
          if (
            line.startsWith('kubeskoop_dns_responses_total{') &&
            line.includes(`network_peer_address="${p.b4}"`) &&
            line.includes(`kubeskoop_dns_response_code="${code}"`)
          )
            n += Number(line.slice(line.lastIndexOf(' ') + 1));
        return n;
      };
      // the agent attaches the cycle after it sees the namespace: probe until a lookup is counted
      await waitUntil(
        async () => {
          await nodeIn(p.a, rawClient(p.b4, ['warmup.agent.test'], 1, 1000));
          return (await series('NOERROR')) > 0;
        },
        30_000,
        'the agent counting lookups',
      );
      const r = (await nodeIn(p.a, rawClient(p.b4, ['servfail.a1.test', 'refused.a2.test'], 1, 2000))) as {
        seen: Record<string, number>;
      };
      assert.deepEqual(r.seen, { SERVFAIL: 1, REFUSED: 1 });
      await waitUntil(
        async () => (await series('SERVFAIL')) === 1 && (await series('REFUSED')) === 1,
        15_000,
        'SERVFAIL and REFUSED series',
      );
      const lines = async (): Promise<Record<string, unknown>[]> =>
        (await readFile(path.join(dir, 'events.jsonl'), 'utf8').catch(() => ''))
          .split('\n')
          .filter((l) => l.includes('DNS_FAIL'))
          .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>);
      await waitUntil(async () => (await lines()).length === 2, 15_000, 'two DNS_FAIL events in the file sink');
      const msgs = (await lines()).map((e) => String(e['msg'])).sort();
      assert.deepEqual(msgs, [
        `name=refused.a2.test type=A rcode=REFUSED resolver=${p.b4}`,
        `name=servfail.a1.test type=A rcode=SERVFAIL resolver=${p.b4}`,
      ]);
    } finally {
      await agent.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the search suffix match is by whole labels and case-insensitive', () => {
    const s = ['svc.cluster.local', 'cluster.local'];
    assert.equal(hasSearchSuffix('api.example.com.a.svc.cluster.local', s), true);
    assert.equal(hasSearchSuffix('API.Example.com.Cluster.Local.', s), true);
    assert.equal(hasSearchSuffix('api.notcluster.local', s), false);
    assert.equal(hasSearchSuffix('api.example.com', s), false);
  });
});
