// Parser unit tests on files captured from this kernel (test/fixtures/proc), and property tests
// (fast-check) showing every parser is total: it never throws, and it reports what it could not read.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseMibPairs, parseSnmp6 } from '../../receiver/probes/parsers/snmp.js';
import { parseSockstat } from '../../receiver/probes/parsers/sockstat.js';
import { parseSoftnet } from '../../receiver/probes/parsers/softnet.js';
import { parseProcIo } from '../../receiver/probes/parsers/proc-io.js';
import { parseNfConntrackStat } from '../../receiver/probes/parsers/nf-conntrack.js';
import { parseIpvsStats } from '../../receiver/probes/parsers/ip-vs-stats.js';
import { tcpSamples } from '../../receiver/probes/tcp.js';
import { udpSamples } from '../../receiver/probes/udp.js';
import { ipSamples } from '../../receiver/probes/ip.js';
import { tcpextSamples } from '../../receiver/probes/tcpext.js';
import { sockSamples } from '../../receiver/probes/sock.js';
import { softnetSamples } from '../../receiver/probes/softnet.js';
import { conntrackSamples } from '../../receiver/probes/conntrack.js';
import { ipvsSamples } from '../../receiver/probes/ipvs.js';
import { fieldSelection } from '../../receiver/probes/mib.js';
import type { MetricSample } from '../../receiver/probes/probe.js';
import {
  IPVS_IO,
  IPVS_PACKETS,
  IPVS_CONNECTIONS,
  TCP_RETRANSMITS,
  TCP_OPENS,
  TCPEXT_ABORTS,
  TCPEXT_MIB_EVENTS,
  TCPEXT_MIB_TIME,
  IP_NO_ROUTES,
  IP_TRUNCATED,
  SOCK_MEMORY,
  SOCK_TCP_ORPHAN,
  SOCK_TCP_TIME_WAIT,
  UDP_RECEIVE_BUFFER_ERRORS,
  CONNTRACK_ENTRIES,
  CONNTRACK_LIMIT,
  IP_MIB_EVENTS,
  IP_MIB_IO,
} from '../../semconv/generated/registry.js';

const FIX = join(process.cwd(), 'test', 'fixtures', 'proc');
const fx = (p: string): string => readFileSync(join(FIX, p), 'latin1');
const NUM_RUNS = 3000;

/** An independent reading of a header/value pair file: the value of Group Field. */
function pairValue(text: string, group: string, field: string): number {
  const lines = text.split('\n').filter((l) => l.startsWith(`${group}: `));
  const names = lines[0]!.split(/\s+/).slice(1);
  const values = lines[1]!.split(/\s+/).slice(1);
  return Number(values[names.indexOf(field)]);
}
const find = (
  s: readonly MetricSample[],
  name: string,
  attrs: Record<string, string | number> = {},
): number | undefined =>
  s.find((x) => x.metric.name === name && Object.entries(attrs).every(([k, v]) => x.attributes[k] === v))?.value as
    number | undefined;

describe('procfs parsers on files captured from this kernel', () => {
  for (const where of ['host', 'netns']) {
    describe(where, () => {
      it('snmp: every Ip, Icmp, Tcp, Udp field, equal to an independent read', () => {
        const text = fx(`${where}/snmp`);
        const p = parseMibPairs(text);
        assert.deepEqual(p.problems, []);
        // IcmpMsg is printed only once some ICMP type was seen: the fresh namespace has none.
        for (const g of ['Ip', 'Icmp', 'Tcp', 'Udp', 'UdpLite', ...(where === 'host' ? ['IcmpMsg'] : [])])
          assert.ok(p.groups.has(g), g);
        for (const [g, f] of [
          ['Tcp', 'ActiveOpens'],
          ['Tcp', 'PassiveOpens'],
          ['Tcp', 'RetransSegs'],
          ['Udp', 'RcvbufErrors'],
          ['Ip', 'InReceives'],
          ['Tcp', 'MaxConn'],
        ] as const) {
          assert.equal(p.groups.get(g)!.get(f), pairValue(text, g, f), `${g} ${f}`);
        }
        assert.equal(p.groups.get('Tcp')!.get('MaxConn'), -1);
        const t = tcpSamples(p);
        assert.deepEqual(t.missing, []);
        assert.equal(find(t.samples, TCP_RETRANSMITS.name), pairValue(text, 'Tcp', 'RetransSegs'));
        assert.equal(
          find(t.samples, TCP_OPENS.name, { 'kubeskoop.tcp.open.role': 'active' }),
          pairValue(text, 'Tcp', 'ActiveOpens'),
        );
      });
      it('netstat: TcpExt, IpExt, MPTcpExt; the seed fields and InNoRoutes/InTruncatedPkts from IpExt', () => {
        const text = fx(`${where}/netstat`);
        const p = parseMibPairs(text);
        assert.deepEqual(p.problems, []);
        assert.ok(p.groups.get('TcpExt')!.size > 100);
        assert.equal(p.groups.get('IpExt')!.get('InNoRoutes'), pairValue(text, 'IpExt', 'InNoRoutes'));
        const x = tcpextSamples(p);
        assert.deepEqual(x.missing, []);
        for (const [reason, field] of [
          ['close', 'TCPAbortOnClose'],
          ['data', 'TCPAbortOnData'],
          ['memory', 'TCPAbortOnMemory'],
          ['timeout', 'TCPAbortOnTimeout'],
          ['linger', 'TCPAbortOnLinger'],
        ]) {
          assert.equal(
            find(x.samples, TCPEXT_ABORTS.name, { 'kubeskoop.tcp.abort.reason': reason }),
            pairValue(text, 'TcpExt', field!),
          );
        }
        assert.equal(
          x.samples.filter((s) => s.metric === TCPEXT_MIB_EVENTS || s.metric === TCPEXT_MIB_TIME).length,
          0,
          'generic fields are opt-in',
        );
        const all = tcpextSamples(p, fieldSelection(['*']));
        const generic = all.samples.filter((s) => s.metric === TCPEXT_MIB_EVENTS || s.metric === TCPEXT_MIB_TIME);
        // every TcpExt and MPTcpExt field except the 14 curated ones and MPCurrEstab
        assert.equal(generic.length, p.groups.get('TcpExt')!.size + p.groups.get('MPTcpExt')!.size - 14 - 1);
        // one unit per name: the *Chrono fields (ms in the kernel) in kubeskoop.mib.time, in seconds; the rest are counts
        const chrono = generic.filter((s) => String(s.attributes['kubeskoop.mib.field']).endsWith('Chrono'));
        assert.ok(chrono.length > 0 && chrono.every((s) => s.metric === TCPEXT_MIB_TIME));
        assert.equal(
          find(all.samples, TCPEXT_MIB_TIME.name, { 'kubeskoop.mib.field': 'TCPMemoryPressuresChrono' }),
          pairValue(text, 'TcpExt', 'TCPMemoryPressuresChrono') / 1000,
        );
        assert.ok(generic.filter((s) => !chrono.includes(s)).every((s) => s.metric === TCPEXT_MIB_EVENTS));
        const one = tcpextSamples(p, fieldSelection(['TcpExt.TCPFastRetrans', 'TcpExt.NoSuchField']));
        assert.equal(
          find(one.samples, TCPEXT_MIB_EVENTS.name, { 'kubeskoop.mib.field': 'TCPFastRetrans' }),
          pairValue(text, 'TcpExt', 'TCPFastRetrans'),
        );
        assert.deepEqual(one.missing, ['TcpExt NoSuchField']);
      });
      it('snmp6 read in place after the first file: every field the same as its line, new values seen, a bad file still reported', () => {
        const text = fx(`${where}/snmp6`);
        const lines = text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => /^(\S+)\s+(\d+)$/.exec(l)!);
        const check = (p: ReturnType<typeof parseSnmp6>, t: string): void => {
          assert.deepEqual(p.problems, []);
          let n = 0;
          for (const [group, fields] of p.groups) {
            for (const [field, v] of fields) {
              n++;
              assert.equal(v, Number(new RegExp(`^${group}${field}\\s+(\\d+)$`, 'm').exec(t)![1]), `${group}${field}`);
            }
          }
          assert.equal(n, lines.length);
        };
        parseSnmp6(text); // learns this kernel's names
        check(parseSnmp6(text), text);
        // Another namespace: same names, other values (one beyond 2^53, as a 64-bit counter may be).
        const other = text
          .replace(/^(Ip6InReceives\s+)\d+$/m, '$1123456789')
          .replace(/^(Udp6InDatagrams\s+)\d+$/m, '$118446744073709551615');
        const p2 = parseSnmp6(other);
        check(p2, other);
        assert.ok(!(p2.groups.get('Ip6') instanceof Map), 'the second file took the in-place path');
        assert.equal(p2.groups.get('Ip6')!.get('InReceives'), 123456789);
        assert.equal(p2.groups.get('Udp6')!.get('InDatagrams'), Number('18446744073709551615'));
        const bad = text.replace(/^(Ip6InReceives\s+)\d+$/m, '$1x12');
        assert.match(parseSnmp6(bad).problems.join('; '), /Ip6InReceives.*not an integer/);
      });
      it('snmp6: groups split by prefix; ip and udp take ipv6 from it', () => {
        const text = fx(`${where}/snmp6`);
        const p = parseSnmp6(text);
        assert.deepEqual(p.problems, []);
        assert.deepEqual([...p.groups.keys()].sort(), ['Icmp6', 'Ip6', 'Udp6', 'UdpLite6']);
        const want = Number(/^Ip6InReceives\s+(\d+)/m.exec(text)![1]);
        assert.equal(p.groups.get('Ip6')!.get('InReceives'), want);
        const snmp = parseMibPairs(fx(`${where}/snmp`));
        const netstat = parseMibPairs(fx(`${where}/netstat`));
        const ipOut = ipSamples(snmp, p, netstat, undefined, 'always');
        assert.deepEqual(ipOut.missing, []);
        assert.equal(find(ipOut.samples, 'kubeskoop.ip.receives', { 'network.type': 'ipv6' }), want);
        assert.equal(
          find(ipOut.samples, IP_NO_ROUTES.name, { 'network.type': 'ipv4', 'network.io.direction': 'receive' }),
          pairValue(fx(`${where}/netstat`), 'IpExt', 'InNoRoutes'),
        );
        assert.equal(
          find(ipOut.samples, IP_TRUNCATED.name, { 'network.type': 'ipv4' }),
          pairValue(fx(`${where}/netstat`), 'IpExt', 'InTruncatedPkts'),
        );
        const ipAll = ipSamples(snmp, p, netstat, fieldSelection(['Ip.*']));
        assert.ok(find(ipAll.samples, IP_MIB_EVENTS.name, { 'kubeskoop.mib.field': 'ReasmTimeout' }) !== undefined);
        assert.equal(
          find(ipAll.samples, IP_MIB_EVENTS.name, { 'kubeskoop.mib.field': 'Forwarding' }),
          undefined,
          'levels are never wildcard counters',
        );
        // bytes apart from counts: IpExt's *Octets in kubeskoop.mib.io (unit By)
        const ipExt = ipSamples(snmp, p, netstat, fieldSelection(['IpExt.*']));
        assert.equal(
          find(ipExt.samples, IP_MIB_IO.name, { 'kubeskoop.mib.field': 'InOctets' }),
          pairValue(fx(`${where}/netstat`), 'IpExt', 'InOctets'),
        );
        assert.equal(find(ipExt.samples, IP_MIB_EVENTS.name, { 'kubeskoop.mib.field': 'InOctets' }), undefined);
        const u = udpSamples(snmp, p, undefined, 'always');
        assert.deepEqual(u.missing, []);
        assert.equal(
          find(u.samples, UDP_RECEIVE_BUFFER_ERRORS.name, { 'network.type': 'ipv4' }),
          pairValue(fx(`${where}/snmp`), 'Udp', 'RcvbufErrors'),
        );
        assert.equal(u.samples.length, 18);
        // 'when-used': IPv6 series only once the namespace saw IPv6 (the fresh namespace never did)
        const used = p.groups.get('Ip6')!.get('InReceives')! + p.groups.get('Ip6')!.get('OutRequests')! > 0;
        assert.equal(udpSamples(snmp, p).samples.length, used ? 18 : 9);
        assert.equal(
          ipSamples(snmp, p, netstat).samples.some((s) => s.attributes['network.type'] === 'ipv6'),
          used,
        );
      });
      it('sockstat + sockstat6: per-namespace and node-wide values, mem in bytes', () => {
        const s4 = parseSockstat(fx(`${where}/sockstat`));
        const s6 = parseSockstat(fx(`${where}/sockstat6`));
        assert.deepEqual([...s4.problems, ...s6.problems], []);
        const tcpLine = /^TCP: inuse (\d+) orphan (\d+) tw (\d+) alloc (\d+) mem (\d+)$/m.exec(
          fx(`${where}/sockstat`),
        )!;
        const out = sockSamples(s4, s6, { nodeWide: true, pageBytes: 4096 });
        assert.deepEqual(out.problems, []);
        assert.equal(find(out.samples, SOCK_TCP_TIME_WAIT.name), Number(tcpLine[3]));
        assert.equal(find(out.samples, SOCK_TCP_ORPHAN.name), Number(tcpLine[2]));
        assert.equal(find(out.samples, SOCK_MEMORY.name, { 'network.transport': 'tcp' }), Number(tcpLine[5]) * 4096);
        const perNs = sockSamples(s4, s6, { nodeWide: false, pageBytes: 4096 });
        assert.equal(find(perNs.samples, SOCK_MEMORY.name), undefined);
        assert.equal(perNs.samples.length, 14);
      });
      it('softnet_stat: one line per CPU, CPU number from column 13', () => {
        const p = parseSoftnet(fx(`${where}/softnet_stat`));
        assert.deepEqual(p.problems, []);
        const lines = fx(`${where}/softnet_stat`).trim().split('\n');
        assert.equal(p.cpus.length, lines.length);
        p.cpus.forEach((c, i) => {
          const cols = lines[i]!.trim().split(/\s+/);
          assert.equal(c.cpu, parseInt(cols[12]!, 16));
          assert.equal(c.processed, parseInt(cols[0]!, 16));
        });
        assert.equal(softnetSamples(p).samples.length, 3 * lines.length);
      });
      it('nf_conntrack: per-CPU columns summed, entries not summed', () => {
        const p = parseNfConntrackStat(fx(`${where}/nf_conntrack`));
        assert.deepEqual(p.problems, []);
        assert.equal(p.stat.cpus, fx(`${where}/nf_conntrack`).trim().split('\n').length - 1);
        const out = conntrackSamples(p, 262144);
        assert.equal(find(out.samples, CONNTRACK_ENTRIES.name), 0);
        assert.equal(find(out.samples, CONNTRACK_LIMIT.name), 262144);
        assert.equal(out.samples.length, 12);
      });
    });
  }

  it('nf_conntrack: entries is taken once, other columns are summed over CPUs', () => {
    const text =
      'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n' +
      '0000000a  00000001 00000010 00000000 00000002 00000000 00000000 00000000 00000000 00000003 00000004 00000005 00000006  00000000 00000000 00000000 00000007\n' +
      '0000000a  00000001 00000020 00000000 00000002 00000000 00000000 00000000 00000000 00000003 00000004 00000005 00000006  00000000 00000000 00000000 00000007\n';
    const p = parseNfConntrackStat(text);
    assert.equal(p.stat.entries, 10);
    assert.equal(p.stat.totals.get('found'), 0x30);
    assert.equal(p.stat.totals.get('insert_failed'), 6);
    assert.equal(p.stat.totals.get('search_restart'), 14);
  });

  it('/proc/self/io', () => {
    const p = parseProcIo(fx('host/io'));
    assert.deepEqual(p.problems, []);
    assert.equal(p.io!.rchar, Number(/^rchar: (\d+)$/m.exec(fx('host/io'))![1]));
  });

  it("ip_vs_stats in the kernel's format: totals line, each value from its own column", () => {
    const busy = parseIpvsStats(fx('ipvs/ip_vs_stats.busy'));
    assert.deepEqual(busy.problems, []);
    assert.deepEqual(busy.stats, {
      connections: 1523,
      incomingPackets: 982311,
      outgoingPackets: 875002,
      incomingBytes: 120934551,
      outgoingBytes: 998877665,
    });
    const s = ipvsSamples(busy).samples;
    // KubeSkoop's bug: incomingpackets carried the incoming bytes. Not here.
    assert.equal(find(s, IPVS_PACKETS.name, { 'kubeskoop.ipvs.direction': 'incoming' }), 982311);
    assert.equal(find(s, IPVS_IO.name, { 'kubeskoop.ipvs.direction': 'incoming' }), 120934551);
    assert.equal(find(s, IPVS_CONNECTIONS.name), 1523);
    const wide = parseIpvsStats(fx('ipvs/ip_vs_stats.wide'));
    assert.deepEqual(wide.stats, {
      connections: 2 ** 32,
      incomingPackets: 3 * 2 ** 32,
      outgoingPackets: 2 ** 33,
      incomingBytes: 2 ** 40,
      outgoingBytes: 2 ** 41,
    });
    assert.deepEqual(parseIpvsStats(fx('ipvs/ip_vs_stats.idle')).stats, {
      connections: 0,
      incomingPackets: 0,
      outgoingPackets: 0,
      incomingBytes: 0,
      outgoingBytes: 0,
    });
  });
});

// ------------------------------------------------------------------------------------------------
// Property tests: arbitrary text never throws; a real file with one value corrupted is reported.

interface Case {
  name: string;
  parse: (t: string) => { problems: readonly string[] };
  fixtures: string[];
  numeric: RegExp;
}
const CASES: Case[] = [
  {
    name: 'snmp/netstat',
    parse: parseMibPairs,
    fixtures: ['host/snmp', 'host/netstat', 'netns/snmp', 'netns/netstat'],
    numeric: /(?<=: (?:-?\d+ )*)-?\d+/g,
  },
  { name: 'snmp6', parse: parseSnmp6, fixtures: ['host/snmp6', 'netns/snmp6'], numeric: /(?<=\s)\d+$/gm },
  {
    name: 'sockstat',
    parse: parseSockstat,
    fixtures: ['host/sockstat', 'host/sockstat6', 'netns/sockstat'],
    numeric: /(?<= )\d+/g,
  },
  { name: 'softnet_stat', parse: parseSoftnet, fixtures: ['host/softnet_stat'], numeric: /[0-9a-f]{8}/g },
  { name: 'proc io', parse: parseProcIo, fixtures: ['host/io'], numeric: /(?<=: )\d+/g },
  {
    name: 'nf_conntrack',
    parse: parseNfConntrackStat,
    fixtures: ['host/nf_conntrack', 'netns/nf_conntrack'],
    numeric: /\b[0-9a-f]{8}\b/g,
  },
  {
    name: 'ip_vs_stats',
    parse: parseIpvsStats,
    fixtures: ['ipvs/ip_vs_stats.busy'],
    numeric: /(?<=^ *(?:[0-9A-F]+ +){0,4})[0-9A-F]+(?= |$)/gm,
  },
];

const noisyText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'Tcp:',
          'TcpExt:',
          'Ip6InReceives',
          'TCP:',
          'inuse',
          'entries',
          ' ',
          '  ',
          '\n',
          ':',
          '-1',
          '0',
          'ffffffff',
          '99999999999999999999',
          'x',
        ),
        fc.nat().map(String),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 80 },
    )
    .map((a) => a.join(' ')),
);

describe('procfs parsers are total (fast-check)', () => {
  for (const c of CASES) {
    it(`${c.name}: arbitrary text never throws and always returns a problems list`, () => {
      fc.assert(
        fc.property(noisyText, (t) => {
          const r = c.parse(t);
          return Array.isArray(r.problems);
        }),
        { numRuns: NUM_RUNS },
      );
    });
    it(`${c.name}: a real file cut at any point, or with lines dropped, never throws`, () => {
      const texts = c.fixtures.map(fx);
      fc.assert(
        fc.property(
          fc.nat({ max: texts.length - 1 }),
          fc.nat(),
          fc.array(fc.nat(), { maxLength: 5 }),
          (i, cut, drops) => {
            const t = texts[i]!;
            c.parse(t.slice(0, cut % (t.length + 1)));
            const lines = t.split('\n');
            for (const d of drops) lines.splice(d % Math.max(1, lines.length), 1);
            c.parse(lines.join('\n'));
            return true;
          },
        ),
        { numRuns: NUM_RUNS },
      );
    });
    it(`${c.name}: a real file with one value replaced by garbage reports a problem`, () => {
      const texts = c.fixtures.map(fx);
      const garbage = fc.constantFrom('x', '1.5', 'NaN', '--', 'zz', '0x1g', '½');
      fc.assert(
        fc.property(fc.nat({ max: texts.length - 1 }), fc.nat(), garbage, (i, k, g) => {
          const t = texts[i]!;
          const matches = [
            ...t.matchAll(
              new RegExp(c.numeric.source, c.numeric.flags.includes('g') ? c.numeric.flags : `${c.numeric.flags}g`),
            ),
          ];
          if (matches.length === 0) return true;
          const m = matches[k % matches.length]!;
          const bad = t.slice(0, m.index) + g + t.slice(m.index! + m[0].length);
          return c.parse(bad).problems.length > 0;
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }
});
