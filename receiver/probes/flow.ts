// flow: bytes and packets per pod and peer, from the tc programs of bpf/probes/flow.bpf.c that
// the native helper attaches (tcx, first in the chain) to the interfaces of every namespace the
// agent observes. Each cycle: attach what is new and detach what is gone (receiver/peers/attach.ts),
// one dump of what changed in the kernel map, peer names (receiver/peers/resolve.ts) and the
// cardinality rules (receiver/peers/governance.ts). A namespace is attached the cycle after it is
// first seen; traffic before that is not counted.
import {
  ATTR_KUBESKOOP_FLOW_PROTOCOL,
  ATTR_KUBESKOOP_PEER_KIND,
  ATTR_KUBESKOOP_PEER_NAME,
  ATTR_KUBESKOOP_PEER_NAMESPACE,
  ATTR_KUBESKOOP_PEER_ROLE,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_LOCAL_ADDRESS,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_PORT,
  FLOW_IO,
  FLOW_MAP_ENTRIES,
  FLOW_MAP_EVICTIONS,
  FLOW_PACKETS,
  FLOW_PEERS_FOLDED,
  FLOW_SERIES_OVERFLOW,
} from '../../semconv/generated/registry.js';
import { parseFlowFrame, type FlowEntry } from '../native/commands.js';
import { PEER_DEFAULTS, PeerGovernor, peerOptionsSchema, type Increase } from '../peers/governance.js';
import { PeerResolver, type CidrBucket } from '../peers/resolve.js';
import type {
  MetricProbe,
  MetricProbeModule,
  MetricSample,
  ProbeEnvironment,
  ProbeResult,
  ProbeStatus,
  SampleAttributes,
} from './probe.js';
import type { Target } from '../targets/target.js';
import { TcPrograms, attachOptionSchema } from './tc-programs.js';

export const FLOW_DEFAULTS = { ...PEER_DEFAULTS, entries: 65536 } as const;

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'icmp',
  2: 'igmp',
  47: 'gre',
  50: 'esp',
  58: 'icmpv6',
  132: 'sctp',
};
const ETHERTYPES: Readonly<Record<number, string>> = { 0x0806: 'arp', 0x8035: 'rarp', 0x88cc: 'lldp', 0x8100: 'vlan' };

/** The series attributes of a kernel entry, before peer naming. */
export function entryAttributes(e: FlowEntry, ifname: string, portInLabel: boolean): Record<string, string | number> {
  const a: Record<string, string | number> = {
    [ATTR_NETWORK_IO_DIRECTION]: e.direction,
    [ATTR_NETWORK_INTERFACE_NAME]: ifname,
  };
  if (e.family === 0) {
    a[ATTR_KUBESKOOP_FLOW_PROTOCOL] = ETHERTYPES[e.port] ?? `0x${e.port.toString(16).padStart(4, '0')}`;
    return a;
  }
  a[ATTR_NETWORK_TYPE] = e.family === 4 ? 'ipv4' : 'ipv6';
  if (e.proto === 6 || e.proto === 17) {
    a[ATTR_NETWORK_TRANSPORT] = e.proto === 6 ? 'tcp' : 'udp';
    if (portInLabel && e.port > 0) a[ATTR_SERVER_PORT] = e.port;
    a[ATTR_KUBESKOOP_PEER_ROLE] = e.peerIsServer ? 'server' : 'client';
  } else {
    a[ATTR_KUBESKOOP_FLOW_PROTOCOL] = PROTO_NAMES[e.proto] ?? String(e.proto);
  }
  a[ATTR_NETWORK_PEER_ADDRESS] = e.peer;
  a[ATTR_NETWORK_LOCAL_ADDRESS] = e.local;
  return a;
}

interface Options {
  attach?: 'pod' | 'host';
  interfaces?: string[];
  host_interfaces?: string[];
  interfaceName?: string;
  enablePortInLabel?: boolean;
  top_k?: number;
  ttl?: number;
  max_series?: number;
  entries?: number;
  cidrs?: CidrBucket[];
}

const entryKey = (e: FlowEntry): string =>
  `${e.netnsInode}|${e.ifindex}|${e.direction}|${e.family}|${e.proto}|${e.port}|${e.peerIsServer ? 1 : 0}|${e.peer}|${e.local}`;

export const flow: MetricProbeModule = {
  name: 'flow',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      attach: attachOptionSchema,
      interfaces: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 15 },
        description: 'Interfaces to count on inside each pod (or other) namespace (default: every interface but lo).',
      },
      host_interfaces: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 15 },
        description:
          "Interfaces of the host namespace to count on (the node uplink, e.g. [eth0]); default none. hostNetwork pods' traffic is the host's.",
      },
      interfaceName: {
        type: 'string',
        minLength: 1,
        description:
          "KubeSkoop's option: the node interface(s) to count on, a name or a pattern with * (eth0, cali*); the same as host_interfaces: [<it>].",
      },
      enablePortInLabel: {
        type: 'boolean',
        description: "KubeSkoop's option: false drops the server port from the key and the series (default true).",
      },
      ...peerOptionsSchema('bytes'),
      entries: {
        type: 'integer',
        minimum: 64,
        maximum: 16777216,
        description: `Size of the kernel flow map (LRU; default ${FLOW_DEFAULTS.entries}).`,
      },
    },
  },
  create(env?: ProbeEnvironment): MetricProbe {
    const native = env?.native;
    const tc = new TcPrograms('flow', native);
    const attach = tc.attach;
    let opts: Options = {};
    let resolver = new PeerResolver(env?.peers);
    const governor = new PeerGovernor<SampleAttributes>({
      topK: FLOW_DEFAULTS.topK,
      ttlMs: FLOW_DEFAULTS.ttlSeconds * 1000,
      maxSeries: FLOW_DEFAULTS.maxSeries,
    });
    const prev = new Map<string, { packets: number; bytes: number; at: number }>();
    /** series key → the peer names it was reported under (a rename drops the old series) */
    const named = new Map<string, string>();
    let problem: string | undefined;
    let mapEntries = 0;
    let evictions = 0;
    let lastNew = 0;
    let lastDeleted = 0;

    const increasesOf = (entries: readonly FlowEntry[], now: number): Map<number, Increase<SampleAttributes>[]> => {
      const portInLabel = opts.enablePortInLabel !== false;
      const byPod = new Map<number, Increase<SampleAttributes>[]>();
      for (const e of entries) {
        const k = entryKey(e);
        const p = prev.get(k);
        // smaller than before: the entry was evicted and made again (counts restarted)
        const dp = p && e.packets >= p.packets ? e.packets - p.packets : e.packets;
        const db = p && e.bytes >= p.bytes ? e.bytes - p.bytes : e.bytes;
        prev.set(k, { packets: e.packets, bytes: e.bytes, at: now });
        if (dp === 0 && db === 0) continue;
        const ifname = attach.ifname(e.netnsInode, e.ifindex) ?? String(e.ifindex);
        const a = entryAttributes(e, ifname, portInLabel);
        const peer = resolver.resolve(e.peer);
        a[ATTR_KUBESKOOP_PEER_KIND] = peer.kind;
        a[ATTR_KUBESKOOP_PEER_NAME] = peer.name;
        a[ATTR_KUBESKOOP_PEER_NAMESPACE] = peer.namespace;
        const names = `${peer.kind}|${peer.namespace}|${peer.name}`;
        const old = named.get(k);
        if (old !== undefined && old !== names) governor.drop(String(e.netnsInode), `${k}|${old}`);
        named.set(k, names);
        const otherKey = `other|${e.direction}|${e.ifindex}`;
        const otherAttributes: SampleAttributes = {
          [ATTR_NETWORK_IO_DIRECTION]: e.direction,
          [ATTR_NETWORK_INTERFACE_NAME]: ifname,
          [ATTR_NETWORK_PEER_ADDRESS]: 'other',
          [ATTR_KUBESKOOP_PEER_KIND]: 'other',
          [ATTR_KUBESKOOP_PEER_NAME]: 'other',
          [ATTR_KUBESKOOP_PEER_NAMESPACE]: '',
        };
        let list = byPod.get(e.netnsInode);
        if (!list) {
          list = [];
          byPod.set(e.netnsInode, list);
        }
        list.push({
          key: `${k}|${names}`,
          peer: e.peer || `non-ip ${e.port}`,
          attributes: a,
          otherKey,
          otherAttributes,
          bytes: db,
          packets: dp,
        });
      }
      return byPod;
    };

    const forgetNamespace = (ns: number): void => {
      governor.forget(String(ns));
      const head = `${ns}|`;
      for (const k of prev.keys())
        if (k.startsWith(head)) {
          prev.delete(k);
          named.delete(k);
        }
    };

    return {
      name: 'flow',
      scope: 'netns',
      metrics: [FLOW_IO, FLOW_PACKETS, FLOW_PEERS_FOLDED, FLOW_MAP_ENTRIES, FLOW_MAP_EVICTIONS, FLOW_SERIES_OVERFLOW],
      async start(ctx): Promise<ProbeStatus> {
        opts = ctx.options as Options;
        resolver = new PeerResolver(env?.peers, opts.cidrs ?? [], 'probes flow: options.cidrs');
        governor.setOptions({
          topK: opts.top_k ?? FLOW_DEFAULTS.topK,
          ttlMs: (opts.ttl ?? FLOW_DEFAULTS.ttlSeconds) * 1000,
          maxSeries: opts.max_series ?? FLOW_DEFAULTS.maxSeries,
        });
        return this.status!();
      },
      status(): ProbeStatus {
        return tc.status(problem);
      },
      async beforeCycle(): Promise<void> {
        if (!tc.usable()) return;
        const now = Date.now();
        try {
          const shape = [
            `entries=${opts.entries ?? FLOW_DEFAULTS.entries}`,
            `port=${opts.enablePortInLabel === false ? 0 : 1}`,
          ];
          const synced = await tc.sync(shape, () => prev.clear());
          if ('error' in synced) {
            problem = synced.error;
            return;
          }
          for (const ns of synced.gone) forgetNamespace(ns);
          const f = parseFlowFrame(await tc.call(['dump']));
          if (!f.ok || !f.dump) {
            // the helper restarted and has no flow object: load and attach again next cycle
            problem = `flow map dump failed: ${f.ok ? 'no dump' : f.error}`;
            tc.lost();
            return;
          }
          const d = f.dump;
          attach.gone(d.gone);
          for (const [ns] of d.gone) forgetNamespace(ns);
          for (const [ns, list] of increasesOf(attach.remap(d.entries), now)) governor.add(String(ns), list, now);
          governor.expire(now);
          const ttl = (opts.ttl ?? FLOW_DEFAULTS.ttlSeconds) * 1000;
          for (const [k, p] of prev)
            if (now - p.at > ttl) {
              prev.delete(k);
              named.delete(k);
            }
          mapEntries = d.live;
          const inserted = d.stats['new'] ?? 0;
          // LRU evictions are silent: inserted − live − deleted by the helper, counted as it grows
          const ev = Math.max(0, inserted - d.live - d.deleted);
          if (inserted >= lastNew && d.deleted >= lastDeleted) evictions = Math.max(evictions, ev);
          lastNew = inserted;
          lastDeleted = d.deleted;
          problem = d.readError
            ? `flow map read: ${d.readError}`
            : d.unflushedCpus > 0
              ? `flow: the last-flow cache of ${d.unflushedCpus} CPU(s) could not be flushed before the read; their counts show in a later cycle`
              : undefined;
        } catch (err) {
          problem = `flow: ${(err as Error).message}`;
        }
      },
      collect(target: Target, ctx): ProbeResult {
        const names =
          target.kind === 'host'
            ? [...(opts.host_interfaces ?? []), ...(opts.interfaceName ? [opts.interfaceName] : [])]
            : opts.interfaces;
        const hostSide = target.kind !== 'host' && opts.attach === 'host';
        if (!tc.see(target, ctx.procRoot, names, hostSide)) return { samples: [], problems: [], targetGone: true };
        const samples: MetricSample[] = [];
        const pod = String(target.netnsInode);
        for (const s of governor.series(pod)) {
          samples.push({ metric: FLOW_IO, value: s.bytes, attributes: s.attributes });
          samples.push({ metric: FLOW_PACKETS, value: s.packets, attributes: s.attributes });
        }
        samples.push({ metric: FLOW_PEERS_FOLDED, value: governor.foldedPeers(pod), attributes: {} });
        if (target.kind === 'host') {
          samples.push({ metric: FLOW_MAP_ENTRIES, value: mapEntries, attributes: {} });
          samples.push({ metric: FLOW_MAP_EVICTIONS, value: evictions, attributes: {} });
          samples.push({ metric: FLOW_SERIES_OVERFLOW, value: governor.overflow, attributes: {} });
        }
        return { samples, problems: [] };
      },
      async stop(): Promise<void> {
        await tc.stop();
      },
    };
  },
};
