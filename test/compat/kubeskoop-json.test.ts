// The JSON line KubeSkoop's sinks write, for every event type: the expected lines are written by hand
// from KubeSkoop's probe code (pkg/exporter/probe/trace*/ — type constants, LegacyEventLabels,
// BuildTupleEventLabels, the Sprintf formats, bpfutil.GetHumanTimes/GetSkcStateStr/GetProtoStr) and
// Go's encoding/json (which escapes <, > and &).
import assert from 'node:assert/strict';
import { EVENTS } from '../../semconv/generated/registry.js';
import type { EventRecord } from '../../receiver/probes/event-record.js';
import {
  goHumanTime,
  goJsonString,
  kubeskoopEventJson,
  kubeskoopType,
  toKubeskoopEvent,
  type KubeskoopIdentity,
} from '../../receiver/events/kubeskoop-json.js';

const WHO: KubeskoopIdentity = { pod: 'web-0', namespace: 'shop', node: 'node-a' };
const POD = '[{"name":"pod","value":"web-0"},{"name":"namespace","value":"shop"},{"name":"node","value":"node-a"}]';
const T = 1_764_000_000_123_456_789n;

const record = (type: string, attributes: EventRecord['attributes'], eventName = ''): EventRecord => ({
  eventName,
  type,
  severity: 'WARN',
  timeUnixNano: T,
  body: 'a human sentence',
  attributes,
});
/** `who` null: a namespace the agent does not know. */
const line = (r: EventRecord, who: KubeskoopIdentity | null = WHO): string =>
  kubeskoopEventJson(toKubeskoopEvent(r, who ?? undefined));
const tcp = (src: string, sport: number, dst: string, dport: number): EventRecord['attributes'] => ({
  'network.transport': 'tcp',
  'network.type': 'ipv4',
  'source.address': src,
  'source.port': sport,
  'destination.address': dst,
  'destination.port': dport,
});

describe('KubeSkoop’s event JSON, type by type', () => {
  it('every type of the registry and every older spelling → KubeSkoop’s current spelling', () => {
    const cases: [string, string][] = [
      ['PACKETLOSS', 'PacketLoss'],
      ['PacketLoss', 'PacketLoss'],
      ['TCPRETRANS', 'TCPRetrans'],
      ['TXLAT_QDISC_100MS', 'NETIFTXLAT_QDISC'],
      ['TXLAT_NETDEV_100MS', 'NETIFTXLAT_XMIT'],
      ['NETSOFTIRQ_SCHED_SLOW', 'SOFTIRQ_SCHED_SLOW'],
      ['NETSOFTIRQ_SCHED_100MS', 'SOFTIRQ_SCHED_100MS'],
      ['NETSOFTIRQ_EXCUTE_SLOW', 'SOFTIRQ_EXCUTE_SLOW'],
      ['NETSOFTIRQ_EXCUTE_100MS', 'SOFTIRQ_EXCUTE_100MS'],
      ['BIOLAT', 'BIOLAT_10MS'],
      ['TCP_NOSOCK', 'TCPRESET_NOSOCK'],
      ['RTKERNEL_SLOW', 'TXKERNEL_SLOW'],
    ];
    for (const [given, want] of cases) assert.equal(kubeskoopType(given), want, given);
    // KubeSkoop v1's 19 non-conntrack types are all registry types (its 6 Conntrack* events: no conntrack events here).
    const v1 = [
      'TCPRESET_NOSOCK',
      'TCPRESET_ACTIVE',
      'TCPRESET_PROCESS',
      'TCPRESET_RECEIVE',
      'PacketLoss',
      'TCPRetrans',
      'RXKERNEL_SLOW',
      'TXKERNEL_SLOW',
      'NETIFTXLAT_QDISC',
      'NETIFTXLAT_XMIT',
      'SOCKETLAT_READSLOW',
      'SOCKETLAT_SENDSLOW',
      'SOFTIRQ_SCHED_SLOW',
      'SOFTIRQ_SCHED_100MS',
      'SOFTIRQ_EXCUTE_SLOW',
      'SOFTIRQ_EXCUTE_100MS',
      'VIRTCMDEXCUTE',
      'VIRTCMDEXCUTE_100MS',
      'BIOLAT_10MS',
    ];
    const types = new Set(EVENTS.flatMap((e) => e.types.map((t) => t.type)));
    for (const t of v1) assert.ok(types.has(t), t);
    for (const e of EVENTS)
      for (const t of e.types) assert.notEqual(t.kubeskoopMsg, undefined, `${t.type} has KubeSkoop's msg`);
  });

  it('connections (not in KubeSkoop): the tuple in KubeSkoop’s style, then the cause or the latency', () => {
    const a = { ...tcp('10.0.0.1', 40000, '10.0.0.2', 80), 'process.pid': 7, 'process.executable.name': 'curl' };
    const fail = JSON.parse(line(record('TCPCONNECT_FAIL', { ...a, 'error.type': 'refused' }))) as { msg: string };
    assert.equal(
      fail.msg,
      'protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80 error=refused comm=curl pid=7',
    );
    const slow = JSON.parse(line(record('TCPCONNECT_SLOW', { ...a, 'kubeskoop.latency.duration': 1.5 }))) as {
      msg: string;
    };
    assert.equal(
      slow.msg,
      'protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80 latency=1500 ms comm=curl pid=7',
    );
  });

  it('tcpreset: [pod, namespace, node]; the tuple KubeSkoop printed and the state, two spaces between', () => {
    // NOSOCK: our source is the reset's sender (the closed port); KubeSkoop printed the SYN it answered.
    assert.equal(
      line(record('TCPRESET_NOSOCK', { ...tcp('10.0.0.2', 80, '10.0.0.1', 40000) })),
      `{"timestamp":${T},"type":"TCPRESET_NOSOCK","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  state:TCP_OTHER "}`,
    );
    assert.equal(
      line(
        record('TCPRESET_ACTIVE', {
          ...tcp('10.0.0.1', 40000, '10.0.0.2', 80),
          'network.connection.state': 'established',
        }),
      ),
      `{"timestamp":${T},"type":"TCPRESET_ACTIVE","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  state:TCP_ESTABLISHED "}`,
    );
    assert.equal(
      line(
        record('TCPRESET_RECEIVE', {
          ...tcp('10.0.0.2', 80, '10.0.0.1', 40000),
          'network.connection.state': 'syn_sent',
        }),
      ),
      `{"timestamp":${T},"type":"TCPRESET_RECEIVE","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  state:TCP_SYN_SENT "}`,
    );
    assert.equal(
      line(
        record('TCPRESET_PROCESS', {
          ...tcp('10.0.0.2', 80, '10.0.0.1', 40000),
          'network.connection.state': 'time_wait',
        }),
      ),
      `{"timestamp":${T},"type":"TCPRESET_PROCESS","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  state:TCP_OTHER "}`,
    );
    // A namespace the agent does not know: KubeSkoop wrote labels null.
    assert.equal(
      line(record('TCPRESET_NOSOCK', tcp('::1', 9, '::1', 40000)), null),
      `{"timestamp":${T},"type":"TCPRESET_NOSOCK","labels":null,"msg":"protocol=TCP saddr=::1 sport=40000 daddr=::1 dport=9  state:TCP_OTHER "}`,
    );
  });

  it('PacketLoss and TCPRetrans: the 13 tuple labels (types unknown, as KubeSkoop), msg empty (no kernel stack)', () => {
    const tuple = (proto: string, src: string, sport: number, dst: string, dport: number): string =>
      `[{"name":"protocol","value":"${proto}"},` +
      `{"name":"src","value":"${src}"},{"name":"src_type","value":"unknown"},{"name":"src_node","value":""},{"name":"src_namespace","value":""},{"name":"src_pod","value":""},` +
      `{"name":"dst","value":"${dst}"},{"name":"dst_type","value":"unknown"},{"name":"dst_node","value":""},{"name":"dst_namespace","value":""},{"name":"dst_pod","value":""},` +
      `{"name":"sport","value":"${sport}"},{"name":"dport","value":"${dport}"}]`;
    const drop = {
      'network.transport': 'udp',
      'source.address': '10.1.0.1',
      'source.port': 5353,
      'destination.address': '10.1.0.2',
      'destination.port': 53,
      'kubeskoop.drop.reason': 'NETFILTER_DROP',
    };
    assert.equal(
      line(record('PACKETLOSS', drop)),
      `{"timestamp":${T},"type":"PacketLoss","labels":${tuple('UDP', '10.1.0.1', 5353, '10.1.0.2', 53)},"msg":""}`,
    );
    // No transport attribute (ICMP, other IP): KubeSkoop's GetProtoStr default; no IP header: empty addresses, ports 0.
    assert.equal(
      line(
        record('PACKETLOSS', {
          'source.address': '10.1.0.1',
          'source.port': 0,
          'destination.address': '10.1.0.2',
          'destination.port': 0,
        }),
      ),
      `{"timestamp":${T},"type":"PacketLoss","labels":${tuple('IP', '10.1.0.1', 0, '10.1.0.2', 0)},"msg":""}`,
    );
    assert.equal(
      line(record('PACKETLOSS', {})),
      `{"timestamp":${T},"type":"PacketLoss","labels":${tuple('IP', '', 0, '', 0)},"msg":""}`,
    );
    assert.equal(
      line(
        record('TCPRETRANS', { ...tcp('10.0.0.1', 40000, '10.0.0.2', 80), 'network.connection.state': 'established' }),
      ),
      `{"timestamp":${T},"type":"TCPRetrans","labels":${tuple('TCP', '10.0.0.1', 40000, '10.0.0.2', 80)},"msg":""}`,
    );
  });

  it('latency events: KubeSkoop’s msg formats and GetHumanTimes (whole ms above 1 ms, us above 1 µs)', () => {
    const lat = (s: number): EventRecord['attributes'] => ({
      'kubeskoop.latency.duration': s,
      'kubeskoop.latency.threshold': 0.1,
    });
    const flow = tcp('10.0.0.1', 40000, '10.0.0.2', 80);
    const cases: [EventRecord, string][] = [
      [
        record('SOCKETLAT_READSLOW', { ...flow, ...lat(0.1507) }),
        `"type":"SOCKETLAT_READSLOW","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  latency=150 ms"`,
      ],
      [
        record('SOCKETLAT_SENDSLOW', { ...flow, ...lat(0.2) }),
        `"type":"SOCKETLAT_SENDSLOW","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  latency=200 ms"`,
      ],
      [
        record('RXKERNEL_SLOW', { ...flow, ...lat(0.012) }),
        `"type":"RXKERNEL_SLOW","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  latency:12 ms"`,
      ],
      [
        record('TXKERNEL_SLOW', { ...flow, ...lat(0.012) }),
        `"type":"TXKERNEL_SLOW","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  latency=12 ms"`,
      ],
      [
        record('TXLAT_QDISC_100MS', { ...flow, ...lat(0.3) }),
        `"type":"NETIFTXLAT_QDISC","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  latency:300 ms"`,
      ],
      [
        record('TXLAT_NETDEV_100MS', { ...flow, ...lat(0.1) }),
        `"type":"NETIFTXLAT_XMIT","labels":${POD},"msg":"protocol=TCP saddr=10.0.0.1 sport=40000 daddr=10.0.0.2 dport=80  latency:100 ms"`,
      ],
      [
        record('NETSOFTIRQ_SCHED_SLOW', {
          ...lat(0.0155),
          'kubeskoop.softirq.type': 'NET_RX',
          'cpu.logical_number': 1,
          'process.pid': 4321,
        }),
        '"type":"SOFTIRQ_SCHED_SLOW","labels":[{"name":"type","value":"net_rx"}],"msg":"cpu=1 pid=4321 latency=15 ms "',
      ],
      [
        record('NETSOFTIRQ_EXCUTE_100MS', {
          ...lat(0.101),
          'kubeskoop.softirq.type': 'NET_TX',
          'cpu.logical_number': 0,
        }),
        '"type":"SOFTIRQ_EXCUTE_100MS","labels":[{"name":"type","value":"net_tx"}],"msg":"cpu=0 pid=0 latency=101 ms "',
      ],
      [
        record('BIOLAT', { ...lat(0.0312), 'process.pid': 77, 'process.executable.name': 'postgres' }),
        '"type":"BIOLAT_10MS","labels":null,"msg":"postgres 77 latency 31 ms"',
      ],
      [
        record('BIOLAT_100MS', { ...lat(0.15), 'process.pid': 77, 'process.executable.name': 'postgres' }),
        '"type":"BIOLAT_100MS","labels":null,"msg":"postgres 77 latency 150 ms"',
      ],
      [
        record('VIRTCMDEXCUTE', { ...lat(0.011), 'process.pid': 9 }),
        '"type":"VIRTCMDEXCUTE","labels":null,"msg":"cpu=0  pid=9  latency=11 ms"',
      ],
    ];
    for (const [r, body] of cases) assert.equal(line(r), `{"timestamp":${T},${body}}`, r.type);
    assert.deepEqual(
      [goHumanTime(1_000_001), goHumanTime(1_000_000), goHumanTime(1001), goHumanTime(1000), goHumanTime(5)],
      ['1 ms', '1000 us', '1 us', '1000 ns', '5 ns'],
    );
  });

  it('strings as Go’s encoding/json writes them: <, >, & and U+2028 escaped; a type the registry does not know passes through', () => {
    assert.equal(goJsonString('a<b>&"c"\n\u2028'), '"a\\u003cb\\u003e\\u0026\\"c\\"\\n\\u2028"');
    const e = toKubeskoopEvent(record('SOMETHING_NEW', {}), { pod: 'p<1>', namespace: 'n&s', node: 'x' });
    assert.equal(
      kubeskoopEventJson(e),
      `{"timestamp":${T},"type":"SOMETHING_NEW","labels":[{"name":"pod","value":"p\\u003c1\\u003e"},{"name":"namespace","value":"n\\u0026s"},{"name":"node","value":"x"}],"msg":"a human sentence"}`,
    );
  });
});
