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
import { collapseName, dns, hasSearchSuffix, loopbackResolver } from '../../receiver/probes/dns.js';
import type { EventRecord } from '../../receiver/probes/event-record.js';
import type {
  HistogramValue,
  MetricProbe,
  MetricSample,
  ProbeContext,
  ProbeEnvironment,
} from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { silentLogger } from '../../receiver/log.js';
import { killPid, run, sleep, waitUntil, type RunResult } from '../support/proc.js';
import { dnsServer, namesAnswered, rawClient, tcpClient, type RawClientResult } from '../support/dns-server.js';
import { NamespaceTargets, cycle } from '../support/probe-cycle.js';
import { startAgentWithConfig } from '../support/agent.js';
import { createPodCgroup, detectCgroupLayout } from '../support/cgroup.js';
import {
  deleteNs,
  ensureHelperBuilt,
  helperTcxLinks,
  makeHostPair,
  makePair,
  nodeIn,
  nsName,
  sh,
  inNs,
  startNodeIn,
  stopBackground,
  type Background,
  type NsPair,
} from '../native/support.js';

const attr = (s: MetricSample, k: string): string => String(s.attributes[k] ?? '');
/** sum of a counter metric's samples matching a filter */
function total(
  samples: readonly MetricSample[],
  metric: string,
  where: (s: MetricSample) => boolean = () => true,
): number {
  return samples.filter((s) => s.metric.name === metric && where(s)).reduce((a, s) => a + (s.value as number), 0);
}
/** a counter's change between two cycles' samples, over the samples matching a filter */
const deltaOf =
  (before: readonly MetricSample[], after: readonly MetricSample[]) =>
  (metric: string, where?: (s: MetricSample) => boolean): number =>
    total(after, metric, where) - total(before, metric, where);
/** the probe's `timeout` option (1 s) must pass before the next cycle's sweep counts a timeout */
const pastQueryTimeout = (): Promise<void> => sleep(1100);

/** the rcodes a rawClient run outside ip netns exec saw */
function rcodesSeen(r: RunResult): unknown {
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as RawClientResult).seen;
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
  const namespaces = new NamespaceTargets();
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
    namespaces.dispose();
    await rm(scratch, { force: true });
    if (p) {
      await rm(etcDir(), { recursive: true, force: true });
      await deleteNs(p.a, p.b).catch(() => undefined);
    }
  });

  interface Probed {
    probe: MetricProbe;
    ctx: ProbeContext;
    targets: Target[];
  }
  /** The dns probe started with `options`, attached to its targets (default: the client pod) by its
   *  own cycles, handed to `body`, and stopped after it whatever happens. */
  async function withProbe(
    options: Record<string, unknown>,
    body: (s: Probed) => Promise<void>,
    on: { targets?: Target[]; cycles?: number; peers?: ProbeEnvironment['peers'] } = {},
  ): Promise<void> {
    const probe = dns.create({ native, emitEvent: (e) => events.push(e), ...(on.peers ? { peers: on.peers } : {}) });
    const ctx: ProbeContext = { procRoot: '/proc', log: silentLogger, options };
    try {
      assert.deepEqual(await probe.start!(ctx), { state: 'running' });
      const targets = on.targets ?? [await namespaces.target(p.a, p.aInode)];
      // the first cycle sees the interfaces, the next attaches them
      for (let i = 0; i < (on.cycles ?? 2); i++) await cycle(probe, ctx, targets);
      assert.deepEqual(probe.status!(), { state: 'running' });
      await body({ probe, ctx, targets });
    } finally {
      await probe.stop!();
    }
  }
  /** rawClient's lookups from namespace `ns` (see test/support/dns-server.ts) */
  const ask = async (
    ns: string,
    server: string,
    names: readonly string[] | string,
    o: { qtype?: number; waitMs?: number; parallel?: number; hardMs?: number } = {},
  ): Promise<RawClientResult> =>
    (await nodeIn(
      ns,
      rawClient(server, names, o.qtype ?? 1, o.waitMs ?? 1500, o.parallel ?? 1),
      o.hardMs ?? 30_000,
    )) as unknown as RawClientResult;

  it('exact counts per rcode (NOERROR, NXDOMAIN, SERVFAIL, REFUSED) and timeouts, over IPv4 and IPv6 resolvers, with events for the failures', async () => {
    await withProbe({ timeout: 1 }, async ({ probe, ctx, targets }) => {
      for (const server of [p.b4, p.b6]) {
        events.length = 0;
        const names = namesAnswered({ ok: 7, nxdomain: 5, servfail: 4, refused: 3, drop: 2 });
        const before = await cycle(probe, ctx, targets);
        const r = await ask(p.a, server, names, { parallel: 4 });
        assert.deepEqual(r.seen, { NOERROR: 7, NXDOMAIN: 5, SERVFAIL: 4, REFUSED: 3, timeout: 2 });
        await pastQueryTimeout();
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
    });
  });

  it('search-path waste: glibc with ndots:5 sends 3 NXDOMAIN queries (one per search suffix) before the answer of an external name; counted in the kernel, exact with every record refused (rate 0)', async () => {
    await withProbe({ rate: 0 }, async ({ probe, ctx, targets }) => {
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
      const d = deltaOf(before, after);
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
    });
  });

  it('a truncated UDP answer, then the TCP retry: truncated counted, the TCP query and its NOERROR answer counted over TCP', async () => {
    await withProbe({}, async ({ probe, ctx, targets }) => {
      const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const N = 3;
      for (let i = 0; i < N; i++) {
        const r = await run('ip', ['netns', 'exec', p.a, 'getent', 'ahostsv4', `tc.t${i}.example.com.`], {
          timeoutMs: 20_000,
        });
        assert.equal(r.code, 0, `getent over TCP: ${r.stderr}`);
      }
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const d = deltaOf(before, after);
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
    });
  });

  it('latency: the histogram p50 is within 20 % of a delay the server imposes (150 ms), its mean within 20 % of what the client measured, and a slow event names the question', async () => {
    await withProbe({ slow_ms: 50 }, async ({ probe, ctx, targets }) => {
      events.length = 0;
      const DELAY = 150, // the middle of the (100 ms, 200 ms] bucket: a busy machine's extra ms stay in it
        N = 30;
      const names = Array.from({ length: N }, (_, i) => `delay-${DELAY}.q${i}.test`);
      const r = await ask(p.a, p.b4, names, { qtype: 28, waitMs: 3000, parallel: 5, hardMs: 60_000 });
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
    });
  });

  it('10,000 random names keep the series bounded; a small max_series folds new series into other and counts the overflow', async () => {
    await withProbe({ max_series: 3 }, async ({ probe, ctx, targets }) => {
      const N = 10_000;
      const names = Array.from({ length: N }, () => `r${Math.random().toString(36).slice(2, 12)}.example.test`);
      // (too long for a command line: the client reads them from a file)
      await writeFile(scratch, JSON.stringify(names));
      const r = await ask(p.a, p.b4, scratch, { waitMs: 2000, parallel: 50, hardMs: 120_000 });
      assert.equal(r.done, N);
      // then three more qtypes: each would be a new series
      for (const qtype of [28, 33, 16]) await ask(p.a, p.b4, ['x.example.test'], { qtype, waitMs: 2000 });
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
    });
  });

  it('a fuzzed-packet flood (fast-check DNS payloads to port 53) leaves the counts consistent and the helper alive', async () => {
    await withProbe({ timeout: 1 }, async ({ probe, ctx, targets }) => {
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
      const ok = await ask(p.a, p.b4, ['after.flood.test'], { waitMs: 2000 });
      assert.equal(ok.seen.NOERROR, 1);
      await pastQueryTimeout();
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      assert.deepEqual(probe.status!(), { state: 'running' }, 'the helper answered every dump');
      const d = deltaOf(before, after);
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
    });
  });

  it("attach: host — on the host end of the client pod's veth: the same exact counts per rcode, timeouts and queries as inside the pod, attributed to the pod, IPv4 and IPv6; no link left on the host interface", async () => {
    const helperPid = (native.helperStatus() as { pid?: number }).pid!;
    const h = await makeHostPair('h19dnshost', 233);
    let hostServer: Background | undefined;
    try {
      const hostIfindex = Number((await readFile(`/sys/class/net/${h.host}/ifindex`, 'utf8')).trim());
      // the resolver on the node (the host end's addresses), the client in the pod
      hostServer = await startNodeIn('host', dnsServer([h.h4, h.h6]));
      const t = await namespaces.target(h.ns, h.inode);
      const names = namesAnswered({ ok: 4, nxdomain: 3, servfail: 2, drop: 1 });
      const seenBy: Record<string, unknown> = {};
      for (const attach of ['pod', 'host'] as const)
        await withProbe(
          { attach, timeout: 1 },
          async ({ probe, ctx }) => {
            const onHost = (await helperTcxLinks(helperPid)).filter((l) => l.ifindex === hostIfindex).length;
            assert.equal(onHost, attach === 'host' ? 2 : 0, `${attach}: tcx links on the host end`);
            const got: Record<string, unknown> = {};
            for (const server of [h.h4, h.h6]) {
              const r = await ask(h.ns, server, names, { parallel: 4 });
              assert.deepEqual(r.seen, { NOERROR: 4, NXDOMAIN: 3, SERVFAIL: 2, timeout: 1 });
              await pastQueryTimeout();
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
          },
          { targets: [t] },
        );
      assert.deepEqual(seenBy.host, seenBy.pod);
    } finally {
      await stopBackground(hostServer);
      await deleteNs(h.ns).catch(() => undefined);
    }
  });

  it("host_network_pods: a process in a hostNetwork pod's cgroup (the node's namespace) is attributed to its pod by the querying socket's cgroup v2 id; the node's own lookups stay with the node; exact counts per rcode and timeouts, IPv4 and IPv6", async () => {
    const h = await makeHostPair('h19cgrp', 234);
    const cg = await createPodCgroup();
    let podServer: Background | undefined;
    let podProc: ChildProcess | undefined;
    try {
      // the v2 directory of the pod's container: the socket's cgroup id is its inode
      const layout = detectCgroupLayout();
      const v2root = layout.kind === 'v2' ? layout.root : layout.kind === 'hybrid' ? layout.unified : undefined;
      if (!v2root) throw new Error('no cgroup v2 hierarchy on this machine');
      const v2dir = path.join(v2root, cg.relPath);
      // the resolver in a test namespace, the clients in the node's namespace
      podServer = await startNodeIn(h.ns, dnsServer([h.p4, h.p6]));
      // the hostNetwork pod's long-lived process: the agent finds the pod's cgroup through it
      podProc = spawn('sleep', ['900'], { stdio: 'ignore' });
      await cg.addPid(podProc.pid!);
      const hostInode = (await stat('/proc/self/ns/net')).ino;
      const host: Target = {
        netnsInode: hostInode,
        pid: process.pid,
        pids: [process.pid, podProc.pid!],
        kind: 'host',
        processGroups: [{ pids: [process.pid] }, { pids: [podProc.pid!], podUid: cg.podUid }],
      };
      const options = { timeout: 1, host_network_pods: { interfaces: [h.host] } };
      await withProbe(
        options,
        async ({ probe, ctx }) => {
          const podNames = namesAnswered({ ok: 4, nxdomain: 3, servfail: 2, drop: 1 });
          const nodeNames = ['ok9.example.test', 'refused.r0.test', 'refused.r1.test'];
          for (const server of [h.p4, h.p6]) {
            // in the pod's cgroup (the shell moves itself there, then becomes node): its sockets are the pod's
            const r = await run(
              'sh',
              [
                '-c',
                `echo $$ > ${v2dir}/cgroup.procs && exec "$0" --input-type=module -e "$1"`,
                process.execPath,
                rawClient(server, podNames, 1, 1500, 4),
              ],
              { timeoutMs: 30_000 },
            );
            assert.deepEqual(rcodesSeen(r), { NOERROR: 4, NXDOMAIN: 3, SERVFAIL: 2, timeout: 1 });
            // the node's own lookup (this test's cgroup, no pod)
            const own = await run(
              process.execPath,
              ['--input-type=module', '-e', rawClient(server, nodeNames, 1, 1500, 1)],
              {
                timeoutMs: 30_000,
              },
            );
            assert.deepEqual(rcodesSeen(own), { NOERROR: 1, REFUSED: 2 });
          }
          await pastQueryTimeout();
          await cycle(probe, ctx, [host]);
          const samples = (await cycle(probe, ctx, [host])).get(hostInode)!;
          const ofPod = (x: MetricSample): boolean => attr(x, 'k8s.pod.uid') === cg.podUid;
          for (const server of [h.p4, h.p6]) {
            const isServer = (x: MetricSample): boolean => attr(x, 'network.peer.address') === server;
            assert.deepEqual(
              byRcode(samples.filter((x) => isServer(x) && ofPod(x))),
              { NOERROR: 4, NXDOMAIN: 3, SERVFAIL: 2 },
              `the pod's answers from ${server}`,
            );
            assert.deepEqual(
              byRcode(samples.filter((x) => isServer(x) && !ofPod(x))),
              { NOERROR: 1, REFUSED: 2 },
              `the node's answers from ${server}`,
            );
          }
          // the unanswered query (one per resolver) is the pod's too; the node had none
          assert.equal(total(samples, 'kubeskoop.dns.timeouts', ofPod), 2);
          assert.equal(total(samples, 'kubeskoop.dns.timeouts'), 2);
        },
        { targets: [host] },
      );
    } finally {
      if (podProc) killPid(podProc.pid, 'SIGKILL');
      await cg.dispose().catch(() => undefined);
      await stopBackground(podServer);
      await deleteNs(h.ns).catch(() => undefined);
    }
  });

  it("host_network_pods: a pod's query forwarded through the node (no sending socket) is not counted as the node's; the node's own query there is", async () => {
    // a "node" namespace that routes between a client pod namespace and a server namespace
    const id = process.pid.toString(36);
    const [c, r, sv] = [nsName('h19cfc'), nsName('h19cfr'), nsName('h19cfs')];
    const [cr, rc, rs, sr] = [`k${id}fcr`, `k${id}frc`, `k${id}frs`, `k${id}fsr`];
    let fwdServer: Background | undefined;
    try {
      for (const n of [c, r, sv]) await sh('ip', 'netns', 'add', n);
      await sh('ip', 'link', 'add', cr, 'netns', c, 'type', 'veth', 'peer', 'name', rc, 'netns', r);
      await sh('ip', 'link', 'add', rs, 'netns', r, 'type', 'veth', 'peer', 'name', sr, 'netns', sv);
      await inNs(c, 'ip', 'addr', 'add', '10.199.235.2/24', 'dev', cr);
      await inNs(r, 'ip', 'addr', 'add', '10.199.235.1/24', 'dev', rc);
      await inNs(r, 'ip', 'addr', 'add', '10.199.236.1/24', 'dev', rs);
      await inNs(sv, 'ip', 'addr', 'add', '10.199.236.2/24', 'dev', sr);
      for (const [n, dev] of [
        [c, cr],
        [r, rc],
        [r, rs],
        [sv, sr],
      ] as const)
        await inNs(n, 'ip', 'link', 'set', dev, 'up');
      for (const n of [c, r, sv]) await inNs(n, 'ip', 'link', 'set', 'lo', 'up');
      await inNs(c, 'ip', 'route', 'add', 'default', 'via', '10.199.235.1');
      await inNs(sv, 'ip', 'route', 'add', 'default', 'via', '10.199.236.1');
      await inNs(r, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'); // the test namespace's own setting
      fwdServer = await startNodeIn(sv, dnsServer(['10.199.236.2']));
      const rInode = Number((await sh('stat', '-L', '-c', '%i', `/run/netns/${r}`)).trim());
      const node: Target = { ...(await namespaces.target(r, rInode)), kind: 'host' };
      // the first cycle learns the node's namespace from its target; the next ones reload and attach
      await withProbe(
        { timeout: 1, host_network_pods: { interfaces: [rs] } },
        async ({ probe, ctx }) => {
          const names = ['ok1.example.test', 'nxdomain.n1.test', 'refused.r1.test'];
          const fwd = await ask(c, '10.199.236.2', names);
          assert.deepEqual(fwd.seen, { NOERROR: 1, NXDOMAIN: 1, REFUSED: 1 }, 'the forwarded lookups were answered');
          const own = await ask(r, '10.199.236.2', ['ok2.example.test']);
          assert.deepEqual(own.seen, { NOERROR: 1 });
          const samples = (await cycle(probe, ctx, [node])).get(rInode)!;
          assert.deepEqual(byRcode(samples), { NOERROR: 1 }, "only the node's own lookup");
          assert.equal(total(samples, 'kubeskoop.dns.queries'), 1);
          assert.equal(total(samples, 'kubeskoop.dns.responses.unmatched'), 3, 'the forwarded answers match nothing');
        },
        { targets: [node], cycles: 3 },
      );
    } finally {
      await stopBackground(fwdServer);
      await deleteNs(c, r, sv).catch(() => undefined);
    }
  });

  it('TCP: a length prefix and its message in separate segments (both ways), and two pipelined queries in one segment answered in one segment, counted exactly over IPv4 and IPv6', async () => {
    await withProbe({}, async ({ probe, ctx, targets }) => {
      for (const server of [p.b4, p.b6]) {
        const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
        const split = Array.from({ length: 3 }, (_, i) => `split.s${i}.test`);
        const pipe = Array.from({ length: 4 }, (_, i) => `pipe.p${i}.test`);
        const r = (await nodeIn(p.a, tcpClient(server, split, pipe), 30_000)) as {
          seen: Record<string, number>;
          prefixAlone: number;
        };
        // NOERROR for split.* also says the server read each query's prefix alone (else FORMERR)
        assert.deepEqual(r.seen, { NOERROR: 7 }, `answers from ${server}`);
        assert.ok(r.prefixAlone >= 1, `an answer's length arrived in its own segment (${r.prefixAlone})`);
        const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
        const d = deltaOf(before, after);
        const tcp = (s: MetricSample): boolean => attr(s, 'network.transport') === 'tcp';
        assert.equal(d('kubeskoop.dns.queries', tcp), 7, `TCP queries to ${server}`);
        assert.equal(
          d('kubeskoop.dns.responses', (s) => tcp(s) && attr(s, 'network.peer.address') === server),
          7,
          `TCP answers from ${server}`,
        );
        assert.equal(d('kubeskoop.dns.packets.malformed'), 0);
        assert.equal(d('kubeskoop.dns.responses.unmatched'), 0);
        assert.equal(d('kubeskoop.dns.queries.retransmitted'), 0);
      }
    });
  });

  it('IPv6 extension headers before UDP: queries with a destination-options or a hop-by-hop header, and a query fragmented by the kernel, matched with their answers', async () => {
    await withProbe({}, async ({ probe, ctx, targets }) => {
      const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      // sticky IPV6_DSTOPTS (59) / IPV6_HOPOPTS (54): an 8-byte header holding one PadN option
      const py = `
import socket, struct, random, json
def q(name, pad=0):
    h = struct.pack('!HHHHHH', random.randrange(65536), 0x0100, 1, 0, 0, 1 if pad else 0)
    b = b''.join(bytes([len(l)]) + l.encode() for l in name.split('.')) + b'\\0' + struct.pack('!HH', 1, 1)
    if pad:  # an OPT record with EDNS padding: a query larger than the link MTU
        b += b'\\0' + struct.pack('!HHIH', 41, 4096, 0, pad + 4) + struct.pack('!HH', 12, pad) + bytes(pad)
    return h + b
seen = {}
def ask(opt, name, pad=0):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    if opt:
        s.setsockopt(socket.IPPROTO_IPV6, opt, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
    s.settimeout(3)
    m = q(name, pad)
    s.sendto(m, ('${p.b6}', 53))
    rc = s.recv(4096)[3] & 15
    k = '%d:%d' % (opt, rc)
    seen[k] = seen.get(k, 0) + 1
    s.close()
    return len(m)
for i in range(3): ask(59, 'dst%d.ext.test' % i)
for i in range(2): ask(54, 'hop%d.ext.test' % i)
big = ask(0, 'frag.ext.test', 2000)
print(json.dumps({'seen': seen, 'big': big}))
`;
      const r = await run('ip', ['netns', 'exec', p.a, 'python3', '-c', py], { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seen: Record<string, number>; big: number };
      assert.deepEqual(out.seen, { '59:0': 3, '54:0': 2, '0:0': 1 });
      assert.ok(out.big > 1500, `the large query (${out.big} B) is fragmented on a 1500-byte link`);
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      const d = deltaOf(before, after);
      assert.equal(d('kubeskoop.dns.queries'), 6);
      assert.equal(
        d(
          'kubeskoop.dns.responses',
          (s) => attr(s, 'network.peer.address') === p.b6 && attr(s, 'kubeskoop.dns.response.code') === 'NOERROR',
        ),
        6,
      );
      assert.equal(d('kubeskoop.dns.responses.unmatched'), 0);
      assert.equal(d('kubeskoop.dns.packets.malformed'), 0);
    });
  });

  it("a resolver on the pod's own loopback (a local cache on 127.0.0.53 and ::1): lo watched when resolv.conf names it (auto), or always; never when told", async () => {
    const local = await startNodeIn(p.a, dnsServer(['127.0.0.53', '::1']));
    const conf = `${etcDir()}/resolv.conf`;
    const original = await readFile(conf, 'utf8');
    const names = ['ok.l0.test', 'ok.l1.test', 'servfail.l2.test', 'nxdomain.l3.test'];
    const NONE = { '127.0.0.53': 0, '::1': 0, queries: 0, unmatched: 0 };
    const ALL = { '127.0.0.53': 4, '::1': 4, queries: 8, unmatched: 0 };
    /** lookups to both loopback resolvers; the probe's answers from each, as deltas over them */
    const lookups = async ({ probe, ctx, targets }: Probed): Promise<Record<string, number>> => {
      const before = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      for (const server of ['127.0.0.53', '::1']) {
        const r = await ask(p.a, server, names, { waitMs: 2000 });
        assert.deepEqual(r.seen, { NOERROR: 2, SERVFAIL: 1, NXDOMAIN: 1 }, `answers from ${server}`);
      }
      const d = deltaOf(before, (await cycle(probe, ctx, targets)).get(p.aInode)!);
      const out: Record<string, number> = {};
      for (const server of ['127.0.0.53', '::1'])
        out[server] = d('kubeskoop.dns.responses', (s) => attr(s, 'network.peer.address') === server);
      out.queries = d('kubeskoop.dns.queries');
      out.unmatched = d('kubeskoop.dns.responses.unmatched');
      return out;
    };
    try {
      // auto, resolv.conf without a loopback resolver: lo is left alone
      await withProbe({}, async (s) => {
        assert.deepEqual(await lookups(s), NONE);
        // the pod's resolv.conf now names its local cache first: the next cycles attach lo
        await writeFile(conf, `nameserver 127.0.0.53\n${original}`);
        await cycle(s.probe, s.ctx, s.targets);
        await cycle(s.probe, s.ctx, s.targets);
        assert.deepEqual(await lookups(s), ALL);
        const fails = (await cycle(s.probe, s.ctx, s.targets)).get(p.aInode)!;
        const sf = fails.find(
          (x) =>
            x.metric.name === 'kubeskoop.dns.responses' &&
            attr(x, 'network.peer.address') === '127.0.0.53' &&
            attr(x, 'kubeskoop.dns.response.code') === 'SERVFAIL',
        );
        assert.equal(sf?.value, 1);
        assert.equal(attr(sf!, 'kubeskoop.peer.kind'), 'ip');
      });
      // never: not even when resolv.conf names it
      await withProbe({ loopback: 'never' }, async (s) => assert.deepEqual(await lookups(s), NONE));
      // always, with the original resolv.conf and an interface list: lo joins the list
      await writeFile(conf, original);
      await withProbe({ loopback: 'always', interfaces: [`k${process.pid.toString(36)}n231*`] }, async (s) =>
        assert.deepEqual(await lookups(s), ALL),
      );
    } finally {
      await writeFile(conf, original);
      await stopBackground(local);
    }
  });

  it('resolv.conf with a loopback nameserver', () => {
    assert.equal(loopbackResolver('search x\nnameserver 127.0.0.53\n'), true);
    assert.equal(loopbackResolver('nameserver ::1'), true);
    assert.equal(loopbackResolver('nameserver 10.96.0.10\noptions ndots:5\n# nameserver 127.0.0.1\n'), false);
    assert.equal(loopbackResolver('nameserver 1270.0.0.1'), false);
  });

  it('question names in the metrics are bounded: top_k names per pod (heaviest first), Service names collapsed, the rest `other`, totals exact', async () => {
    await withProbe({ question_names: { top_k: 3 } }, async ({ probe, ctx, targets }) => {
      const questions = (samples: readonly MetricSample[]): Record<string, number> =>
        Object.fromEntries(
          samples
            .filter((x) => x.metric.name === 'kubeskoop.dns.questions')
            .map((x) => [attr(x, 'dns.question.name'), x.value as number]),
        );
      const names = [
        'a.example.test',
        'a.example.test',
        'A.Example.test',
        'web.default.svc.cluster.local', // NXDOMAIN from the test server: still answered questions
        '_http._tcp.web.default.svc.cluster.local',
        'd.example.test',
        'c.example.test',
        'b.example.test',
      ];
      const r = await ask(p.a, p.b4, names, { waitMs: 2000 });
      assert.equal((r.seen.NOERROR ?? 0) + (r.seen.NXDOMAIN ?? 0), names.length);
      let q = questions((await cycle(probe, ctx, targets)).get(p.aInode)!);
      // a.example.test 3, the Service 2, then b/c/d with 1 each: b by name order takes the last place
      assert.deepEqual(q, {
        'a.example.test': 3,
        'web.default.svc.cluster.local': 2,
        'b.example.test': 1,
        other: 2,
      });
      // 300 new random names: all `other`, the admitted names keep their series
      const N = 300;
      const rnd = Array.from({ length: N }, (_, i) => `n${i}-${Math.random().toString(36).slice(2, 10)}.example.test`);
      await writeFile(scratch, JSON.stringify([...rnd, 'b.example.test']));
      const r2 = await ask(p.a, p.b4, scratch, { waitMs: 2000, parallel: 8, hardMs: 60_000 });
      assert.equal(r2.seen.NOERROR, N + 1);
      const after = (await cycle(probe, ctx, targets)).get(p.aInode)!;
      q = questions(after);
      assert.deepEqual(q, {
        'a.example.test': 3,
        'web.default.svc.cluster.local': 2,
        'b.example.test': 2,
        other: 2 + N,
      });
      // the per-name counts add up to every answer the pod got
      assert.equal(
        Object.values(q).reduce((a, b) => a + b, 0),
        total(after, 'kubeskoop.dns.responses'),
      );
    });
  });

  it('cluster names collapse to their Service or to the namespace pod domain; others stay whole', () => {
    assert.equal(collapseName('_grpc._tcp.API.prod.svc.cluster.local.', 'cluster.local'), 'api.prod.svc.cluster.local');
    assert.equal(collapseName('api.prod.svc.cluster.local', 'cluster.local'), 'api.prod.svc.cluster.local');
    assert.equal(collapseName('10-1-2-3.prod.pod.cluster.local', 'cluster.local'), '*.prod.pod.cluster.local');
    assert.equal(collapseName('api.prod.svc.corp.example', 'corp.example'), 'api.prod.svc.corp.example');
    assert.equal(collapseName('api.example.com', 'cluster.local'), 'api.example.com');
    assert.equal(collapseName('svc.cluster.local', 'cluster.local'), 'svc.cluster.local');
  });

  it('the resolver is named like flow peers: a Service ClusterIP in the peer directory becomes kube-dns (kind service) on the series and the events', async () => {
    // the agent's directory answers from the Service list; here it is given the Service the test made up
    const peers = {
      service: (a: string) => (a === p.b4 ? { name: 'kube-dns', namespace: 'kube-system' } : undefined),
    };
    await withProbe(
      {},
      async ({ probe, ctx, targets }) => {
        events.length = 0;
        const r = await ask(p.a, p.b4, ['ok.named.test', 'servfail.named.test'], { waitMs: 2000 });
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
      },
      { peers },
    );
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
          await ask(p.a, p.b4, ['warmup.agent.test'], { waitMs: 1000 });
          return (await series('NOERROR')) > 0;
        },
        30_000,
        'the agent counting lookups',
      );
      const r = await ask(p.a, p.b4, ['servfail.a1.test', 'refused.a2.test'], { waitMs: 2000 });
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
