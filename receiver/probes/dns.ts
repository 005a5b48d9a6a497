// dns: DNS lookups per pod and resolver from the tc programs of bpf/probes/dns.bpf.c, attached by
// the native helper to the interfaces of every namespace the agent observes (the same attach layer
// as flow: receiver/peers/attach.ts). The kernel matches each response with its query (latency and
// rcode per namespace × resolver × question type × rcode × transport); each cycle one dump brings
// those cumulative counts, the failed/truncated/slow responses as records, and the queries the
// helper's sweep found unanswered after the timeout. Resolvers are named like flow's peers;
// question names stay off the lookup metrics (unbounded) and go on the events; a bounded set of
// names per pod is counted in kubeskoop.dns.questions (question_names option).
import {
  ATTR_DNS_QUESTION_NAME,
  ATTR_ERROR_TYPE,
  ATTR_KUBESKOOP_DNS_QUESTION_TYPE,
  ATTR_KUBESKOOP_DNS_RESPONSE_CODE,
  ATTR_KUBESKOOP_EVENT_TYPE,
  ATTR_KUBESKOOP_LATENCY_DURATION,
  ATTR_KUBESKOOP_PEER_KIND,
  ATTR_KUBESKOOP_PEER_NAME,
  ATTR_KUBESKOOP_PEER_NAMESPACE,
  ATTR_KUBESKOOP_PROBE_NAME,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  DNS_LOOKUP_DURATION,
  DNS_MALFORMED,
  DNS_QUERIES,
  DNS_QUESTIONS,
  DNS_RESPONSES,
  DNS_RETRANSMITTED,
  DNS_SEARCH_PATH,
  DNS_SERIES_OVERFLOW,
  DNS_TIMEOUTS,
  DNS_TRUNCATED,
  DNS_UNDELIVERED,
  DNS_UNMATCHED,
  EVENT_DNS_LOOKUP_FAILURE,
  EVENT_DNS_LOOKUP_SLOW,
  EVENT_DNS_LOOKUP_TIMEOUT,
} from '../../semconv/generated/registry.js';
import { parseDnsDump, type DnsEntry, type DnsLookup } from '../native/commands.js';
import { UNDELIVERED_CAUSES } from '../native/frames.js';
import { LATENCY_BOUNDS_NS } from '../native/records.js';
import { PeerResolver, type CidrBucket, type Peer } from '../peers/resolve.js';
import type { EventRecord } from './event-record.js';
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
import {
  TcPrograms,
  attachOptionSchema,
  hostNetworkPodsOptionSchema,
  tcDefault,
  tcIntegerSchema,
} from './tc-programs.js';
import { TC_PROBE_DESCRIPTORS } from '../native/generated/ebpf.js';
import { cidrsOptionSchema } from '../peers/governance.js';
import { readProcText } from '../kernel/read-proc.js';
import { cgroup2Root, processShares } from './process-split.js';
import { statSync } from 'node:fs';
import path from 'node:path';

export const DNS_DEFAULTS = {
  timeoutSeconds: 5,
  slowMs: tcDefault('dns', 'slow_ms'),
  maxSeries: 10000,
  ttlSeconds: 300,
  pending: tcDefault('dns', 'pending'),
  entries: tcDefault('dns', 'entries'),
  rate: tcDefault('dns', 'rate'),
  searchSuffixes: ['svc.cluster.local', 'cluster.local'],
  questionNamesTopK: 20,
  clusterDomain: 'cluster.local',
} as const;

/** A question name as a bounded label: under the cluster domain, a Service's names (its SRV names
 *  included) collapse to <svc>.<ns>.svc.<domain> and pod names to *.<ns>.pod.<domain>. */
export function collapseName(name: string, clusterDomain: string): string {
  const n = name.toLowerCase().replace(/\.$/, '');
  const d = clusterDomain.toLowerCase().replace(/^\.|\.$/g, '');
  if (d === '' || !n.endsWith(`.${d}`)) return n;
  const labels = n.slice(0, -(d.length + 1)).split('.');
  const kind = labels[labels.length - 1];
  if (kind === 'svc' && labels.length >= 3) return `${labels[labels.length - 3]}.${labels[labels.length - 2]}.svc.${d}`;
  if (kind === 'pod' && labels.length >= 3) return `*.${labels[labels.length - 2]}.pod.${d}`;
  return n;
}

/** QTYPE mnemonics (IANA DNS parameters); others are TYPE<n> (RFC 3597). */
const QTYPES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  43: 'DS',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  255: 'ANY',
  257: 'CAA',
};
export const qtypeName = (t: number): string => QTYPES[t] ?? `TYPE${t}`;

const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];
export const rcodeName = (r: number): string => RCODES[r] ?? `RCODE${r}`;

/** enum ks_dns_count (bpf/include/ks_dns.h) */
const C_QUERY_UDP = 1,
  C_QUERY_TCP = 2,
  C_MALFORMED = 3,
  C_UNMATCHED = 4,
  C_RETRANSMIT = 5,
  C_SEARCH_NX = 7;
const F_SLOW = 2;

/** resolv.conf names a resolver on the loopback (127.0.0.0/8 or ::1): a cache inside the pod. */
export function loopbackResolver(resolvConf: string): boolean {
  return resolvConf
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .some(([k, a]) => k === 'nameserver' && a !== undefined && (/^127\./.test(a) || a === '::1'));
}

/** The name carries one of the search suffixes (case-insensitive, whole labels). */
export function hasSearchSuffix(name: string, suffixes: readonly string[]): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return suffixes.some((s) => {
    const x = s.toLowerCase().replace(/^\.|\.$/g, '');
    return x !== '' && (n === x || n.endsWith(`.${x}`));
  });
}

interface Options {
  attach?: 'pod' | 'host';
  interfaces?: string[];
  loopback?: 'auto' | 'always' | 'never';
  timeout?: number;
  slow_ms?: number;
  max_series?: number;
  ttl?: number;
  pending?: number;
  entries?: number;
  rate?: number;
  search_suffixes?: string[];
  events?: boolean;
  cidrs?: CidrBucket[];
  question_names?: { top_k?: number; cluster_domain?: string };
  host_network_pods?: { interfaces?: string[] };
}

/** One reported series: cumulative sums of the kernel's deltas (so folding into `other` keeps totals). */
interface Series {
  readonly attributes: SampleAttributes;
  readonly netns: number;
  /** the querying socket's cgroup v2 id (node namespace with host_network_pods; else 0) */
  cgroup: number;
  buckets: number[];
  sumNs: number;
  count: number;
  truncated: number;
  timeouts: number;
  lastMoved: number;
}

const transportOf = (proto: number): string => (proto === 6 ? 'tcp' : 'udp');
const peerAttributes = (resolver: string, peer: Peer): Record<string, string> => ({
  [ATTR_NETWORK_PEER_ADDRESS]: resolver,
  [ATTR_KUBESKOOP_PEER_KIND]: peer.kind,
  [ATTR_KUBESKOOP_PEER_NAME]: peer.name,
  [ATTR_KUBESKOOP_PEER_NAMESPACE]: peer.namespace,
});

/** A failed, slow or timed-out lookup as an event (undefined: not one). */
export function dnsEvent(l: DnsLookup, peer: Peer): EventRecord | undefined {
  const timeout = l.rcode < 0;
  const failed = l.rcode > 0;
  const slow = (l.flags & F_SLOW) !== 0;
  if (!timeout && !failed && !slow) return undefined;
  const ev = timeout ? EVENT_DNS_LOOKUP_TIMEOUT : failed ? EVENT_DNS_LOOKUP_FAILURE : EVENT_DNS_LOOKUP_SLOW;
  const type = timeout ? 'DNS_TIMEOUT' : failed ? 'DNS_FAIL' : 'DNS_SLOW';
  const qtype = qtypeName(l.qtype);
  const ms = (l.latencyNs / 1e6).toFixed(1);
  const who = peer.kind === 'ip' ? l.resolver : `${peer.name} (${l.resolver})`;
  const body = timeout
    ? `DNS ${qtype} ${l.name} to ${who}: no answer after ${ms} ms`
    : `DNS ${qtype} ${l.name} to ${who}: ${rcodeName(l.rcode)} in ${ms} ms`;
  return {
    eventName: ev.name,
    type,
    severity: ev.severity,
    timeUnixNano: l.timeUnixNano,
    body,
    attributes: {
      [ATTR_KUBESKOOP_EVENT_TYPE]: type,
      [ATTR_DNS_QUESTION_NAME]: l.name,
      [ATTR_KUBESKOOP_DNS_QUESTION_TYPE]: qtype,
      ...(timeout ? { [ATTR_ERROR_TYPE]: 'timeout' } : { [ATTR_KUBESKOOP_DNS_RESPONSE_CODE]: rcodeName(l.rcode) }),
      ...(failed ? { [ATTR_ERROR_TYPE]: rcodeName(l.rcode) } : {}),
      [ATTR_KUBESKOOP_LATENCY_DURATION]: l.latencyNs / 1e9,
      [ATTR_NETWORK_TRANSPORT]: transportOf(l.proto),
      [ATTR_NETWORK_TYPE]: l.family === 6 ? 'ipv6' : 'ipv4',
      ...peerAttributes(l.resolver, peer),
    },
  };
}

export const dns: MetricProbeModule = {
  name: 'dns',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      attach: attachOptionSchema,
      interfaces: {
        type: 'array',
        items: { type: 'string', minLength: 1, maxLength: 15 },
        description:
          'Interfaces to watch inside each pod (or other) namespace, names or patterns with * (default: every interface but lo).',
      },
      loopback: {
        enum: ['auto', 'always', 'never'],
        description:
          "Also watch the namespace's lo, for a resolver inside the pod (a local cache on 127.0.0.x or ::1): auto (default) when the pod's /etc/resolv.conf names one, always, or never.",
      },
      timeout: {
        type: 'number',
        minimum: 0.001,
        maximum: 3600,
        description: `Seconds without a response after which a query counts as a timeout (default ${DNS_DEFAULTS.timeoutSeconds}); checked once per cycle.`,
      },
      slow_ms: Object.assign(tcIntegerSchema('dns', 'slow_ms'), {
        description: `Responses slower than this are events (kubeskoop.dns.lookup.slow; default ${DNS_DEFAULTS.slowMs}).`,
      }),
      max_series: {
        type: 'integer',
        minimum: 1,
        description: `DNS series on the node; new series beyond it are folded into their pod's \`other\` series and counted (default ${DNS_DEFAULTS.maxSeries}).`,
      },
      ttl: {
        type: 'number',
        minimum: 1,
        description: `Seconds a series without lookups is kept (default ${DNS_DEFAULTS.ttlSeconds}).`,
      },
      pending: Object.assign(tcIntegerSchema('dns', 'pending'), {
        description: `Queries awaiting an answer the kernel can track at once (default ${DNS_DEFAULTS.pending}).`,
      }),
      entries: Object.assign(tcIntegerSchema('dns', 'entries'), {
        description: `Entries of the kernel's per-series map (default ${DNS_DEFAULTS.entries}).`,
      }),
      rate: Object.assign(tcIntegerSchema('dns', 'rate'), {
        description: `Records (failed, truncated, slow responses) per namespace per second the kernel writes; the rest are counted as undelivered (default ${DNS_DEFAULTS.rate}).`,
      }),
      search_suffixes: {
        type: 'array',
        maxItems: TC_PROBE_DESCRIPTORS.dns.options.suffix.maxCount,
        items: {
          type: 'string',
          minLength: 1,
          maxLength: 62,
          pattern: '^\\.?[A-Za-z0-9_-]{1,63}(\\.[A-Za-z0-9_-]{1,63})*\\.?$',
        },
        description: `An NXDOMAIN for a name ending in one of these is search-path waste, counted in the kernel (at most 16, each at most 62 characters; default ${DNS_DEFAULTS.searchSuffixes.join(', ')}; <namespace>.svc.cluster.local ends in svc.cluster.local).`,
      },
      events: {
        type: 'boolean',
        description: 'Emit failed, timed-out and slow lookups as events (default true).',
      },
      cidrs: cidrsOptionSchema('resolvers'),
      host_network_pods: hostNetworkPodsOptionSchema(
        "Also watch the node's interfaces in its own namespace: lookups of hostNetwork pods, told apart by the querying socket's cgroup v2 id (taken in the kernel on egress) and reported under their pod; the node's other lookups stay with the node.",
        "The node's interfaces to watch, names or patterns with * (default: every interface but lo).",
      ),
      question_names: {
        type: 'object',
        additionalProperties: false,
        properties: {
          top_k: {
            type: 'integer',
            minimum: 0,
            maximum: 1000,
            description: `Question names per pod with their own kubeskoop.dns.questions series (default ${DNS_DEFAULTS.questionNamesTopK}; the heaviest new names of a cycle first; the rest are \`other\`; 0 turns the per-name count off, in the kernel too).`,
          },
          cluster_domain: {
            type: 'string',
            minLength: 1,
            maxLength: 200,
            description: `Names under this domain collapse to their Service (<svc>.<ns>.svc.<domain>) or to *.<ns>.pod.<domain> (default ${DNS_DEFAULTS.clusterDomain}).`,
          },
        },
        description: 'Answered questions counted by name, bounded per pod (on by default).',
      },
    },
  },
  create(env?: ProbeEnvironment): MetricProbe {
    const native = env?.native;
    const tc = new TcPrograms('dns', native);
    let opts: Options = {};
    let resolver = new PeerResolver(env?.peers);
    /** kernel key → its previous cumulative values (deltas go to the key's series) */
    const prev = new Map<string, { buckets: number[]; sumNs: number; count: number; truncated: number; at: number }>();
    /** series key → series; `${ns}|other|${rcode}` for what the cap folded */
    const series = new Map<string, Series>();
    let overflow = 0;
    /** kernel (namespace, name) → its previous cumulative count */
    const prevNames = new Map<string, { count: number; at: number }>();
    /** per namespace: label → answered count (cumulative), `other` included */
    const names = new Map<number, Map<string, { count: number; lastMoved: number }>>();
    const topK = (): number => opts.question_names?.top_k ?? DNS_DEFAULTS.questionNamesTopK;
    /** kernel keys the cap refused (each counted once in the overflow) */
    const refused = new Set<string>();
    /** per namespace: the kernel's exact counts */
    let counts = new Map<number, Map<number, number>>();
    let undelivered: (readonly [number, number, number])[] = [];
    let problem: string | undefined;
    const maxSeries = (): number => opts.max_series ?? DNS_DEFAULTS.maxSeries;
    const nb = LATENCY_BOUNDS_NS.length + 1;

    const emptySeries = (attributes: SampleAttributes, netns: number, now: number): Series => ({
      attributes,
      netns,
      cgroup: 0,
      buckets: new Array<number>(nb).fill(0),
      sumNs: 0,
      count: 0,
      truncated: 0,
      timeouts: 0,
      lastMoved: now,
    });

    /** the series a kernel key's deltas go to: its own, or its pod's `other` when the cap is reached */
    const seriesFor = (
      ns: number,
      key: string,
      rcode: number,
      attributes: () => SampleAttributes,
      now: number,
    ): Series => {
      let s = series.get(key);
      if (s) return s;
      if (series.size < maxSeries()) {
        s = emptySeries(attributes(), ns, now);
        series.set(key, s);
        return s;
      }
      if (!refused.has(key)) {
        refused.add(key);
        overflow++;
      }
      const ok = `${ns}|other|${rcode}`;
      let o = series.get(ok);
      if (!o) {
        // `other` series are always allowed: they keep a pod's totals right
        const rc: Record<string, string> = rcode < 0 ? {} : { [ATTR_KUBESKOOP_DNS_RESPONSE_CODE]: rcodeName(rcode) };
        o = emptySeries(
          Object.assign({}, rc, rcode > 0 ? { [ATTR_ERROR_TYPE]: rcodeName(rcode) } : {}, {
            [ATTR_NETWORK_PEER_ADDRESS]: 'other',
            [ATTR_KUBESKOOP_PEER_KIND]: 'other',
            [ATTR_KUBESKOOP_PEER_NAME]: 'other',
            [ATTR_KUBESKOOP_PEER_NAMESPACE]: '',
            [ATTR_KUBESKOOP_DNS_QUESTION_TYPE]: 'other',
          }),
          ns,
          now,
        );
        series.set(ok, o);
      }
      return o;
    };

    const addEntry = (e: DnsEntry, now: number): void => {
      const k = `${e.netnsInode}|${e.family}|${e.proto}|${e.resolver}|${e.qtype}|${e.rcode}|${e.cgroup}`;
      const p = prev.get(k);
      const reset = p !== undefined && e.count < p.count; // the kernel entry restarted (helper reload)
      const base = p && !reset ? p : { buckets: [] as number[], sumNs: 0, count: 0, truncated: 0 };
      const dCount = e.count - base.count;
      prev.set(k, { buckets: [...e.buckets], sumNs: e.sumNs, count: e.count, truncated: e.truncated, at: now });
      if (dCount <= 0) return;
      const s = seriesFor(
        e.netnsInode,
        `${k}|`,
        e.rcode,
        () =>
          Object.assign(
            {},
            e.rcode > 0 ? { [ATTR_ERROR_TYPE]: rcodeName(e.rcode) } : {},
            {
              [ATTR_KUBESKOOP_DNS_QUESTION_TYPE]: qtypeName(e.qtype),
              [ATTR_KUBESKOOP_DNS_RESPONSE_CODE]: rcodeName(e.rcode),
              [ATTR_NETWORK_TRANSPORT]: transportOf(e.proto),
              [ATTR_NETWORK_TYPE]: e.family === 6 ? 'ipv6' : 'ipv4',
            },
            peerAttributes(e.resolver, resolver.resolve(e.resolver)),
          ),
        now,
      );
      s.cgroup = e.cgroup;
      for (let i = 0; i < nb; i++) s.buckets[i]! += (e.buckets[i] ?? 0) - (base.buckets[i] ?? 0);
      s.sumNs += e.sumNs - base.sumNs;
      s.count += dCount;
      s.truncated += e.truncated - base.truncated;
      s.lastMoved = now;
    };

    const addTimeout = (l: DnsLookup, now: number): void => {
      const k = `${l.netnsInode}|${l.family}|${l.proto}|${l.resolver}|${l.qtype}|timeout|${l.cgroup ?? 0}`;
      const s = seriesFor(
        l.netnsInode,
        k,
        -1,
        () => ({
          [ATTR_KUBESKOOP_DNS_QUESTION_TYPE]: qtypeName(l.qtype),
          [ATTR_NETWORK_TRANSPORT]: transportOf(l.proto),
          [ATTR_NETWORK_TYPE]: l.family === 6 ? 'ipv6' : 'ipv4',
          ...peerAttributes(l.resolver, resolver.resolve(l.resolver)),
        }),
        now,
      );
      s.cgroup = l.cgroup ?? 0;
      s.timeouts++;
      s.lastMoved = now;
    };

    /** the node's namespace inode when host_network_pods is on (its queries carry their cgroup) */
    let hostNs = 0;
    const hostNetns = (): number => (opts.host_network_pods ? hostNs : 0);

    /** cgroup v2 id (the inode of the cgroup's directory, as bpf_skb_cgroup_id gives it) → the
     *  hostNetwork pod whose processes are in it, from the host target's process groups */
    const cgroupPods = (target: Target, procRoot: string): Map<number, SampleAttributes> => {
      const m = new Map<number, SampleAttributes>();
      const root = opts.host_network_pods ? cgroup2Root() : undefined;
      if (!root) return m;
      for (const share of processShares(target)) {
        if (Object.keys(share.attributes).length === 0) continue; // the node's own processes
        for (const pid of share.pids) {
          const r = readProcText(`${procRoot}/${pid}/cgroup`);
          const line = r.ok ? r.text.split('\n').find((l) => l.startsWith('0::')) : undefined;
          if (!line) continue;
          try {
            m.set(statSync(path.join(root, line.slice(3))).ino, share.attributes);
          } catch {
            // the process left, or its cgroup did: nothing to attribute
          }
        }
      }
      return m;
    };

    /** a namespace's series; in the node's, each cgroup's go to its hostNetwork pod (pod
     *  attributes added) or to the node, summed where they meet */
    const seriesOf = (ns: number, pods: Map<number, SampleAttributes> | undefined): Series[] => {
      const own = [...series.values()].filter((s) => s.netns === ns);
      if (!pods || !own.some((s) => s.cgroup !== 0)) return own;
      const merged = new Map<string, Series>();
      for (const s of own) {
        const attributes = Object.assign({}, s.attributes, pods.get(s.cgroup));
        const k = JSON.stringify(Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
        const m = merged.get(k);
        if (!m) {
          merged.set(k, Object.assign({}, s, { attributes, buckets: [...s.buckets] }));
          continue;
        }
        for (let i = 0; i < m.buckets.length; i++) m.buckets[i]! += s.buckets[i] ?? 0;
        m.sumNs += s.sumNs;
        m.count += s.count;
        m.truncated += s.truncated;
        m.timeouts += s.timeouts;
      }
      return [...merged.values()];
    };

    const forgetNamespace = (ns: number): void => {
      const head = `${ns}|`;
      for (const k of prev.keys()) if (k.startsWith(head)) prev.delete(k);
      for (const k of series.keys()) if (k.startsWith(head)) series.delete(k);
      for (const k of refused) if (k.startsWith(head)) refused.delete(k);
      for (const k of prevNames.keys()) if (k.startsWith(head)) prevNames.delete(k);
      names.delete(ns);
      counts.delete(ns);
    };

    /** a dump's per-name counts → each pod's labels: new labels admitted heaviest first while the pod
     *  has fewer than top_k, the rest added to `other` (which keeps the pod's total right) */
    const addNames = (rows: readonly (readonly [number, string, number])[], now: number): void => {
      const domain = opts.question_names?.cluster_domain ?? DNS_DEFAULTS.clusterDomain;
      const deltas = new Map<number, Map<string, number>>();
      for (const [ns, name, count] of rows) {
        const k = `${ns}|${name}`;
        const p = prevNames.get(k);
        // a smaller count: the LRU dropped the name and it started again
        const d = p && count >= p.count ? count - p.count : count;
        prevNames.set(k, { count, at: now });
        if (d <= 0) continue;
        let m = deltas.get(ns);
        if (!m) deltas.set(ns, (m = new Map()));
        const label = collapseName(name, domain);
        m.set(label, (m.get(label) ?? 0) + d);
      }
      for (const [ns, m] of deltas) {
        let have = names.get(ns);
        if (!have) names.set(ns, (have = new Map()));
        const order = [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        for (const [label, d] of order) {
          let e = have.get(label);
          if (!e) {
            const admitted = have.size - (have.has('other') ? 1 : 0);
            const l = label !== 'other' && admitted >= topK() ? 'other' : label;
            e = have.get(l);
            if (!e) have.set(l, (e = { count: 0, lastMoved: now }));
          }
          e.count += d;
          e.lastMoved = now;
        }
      }
    };

    /** the interfaces to watch in a target: the configured ones (default all but lo), plus lo when
     *  a resolver listens there (a pod-local cache: its queries never reach another interface) */
    const interfacesFor = (target: Target, procRoot: string): readonly string[] | undefined => {
      if (target.kind === 'host') return opts.host_network_pods ? opts.host_network_pods.interfaces : [];
      const mode = opts.loopback ?? 'auto';
      let lo = mode === 'always';
      if (mode === 'auto') {
        const r = readProcText(`${procRoot}/${target.pid}/root/etc/resolv.conf`);
        lo = r.ok && loopbackResolver(r.text);
      }
      if (!lo) return opts.interfaces;
      return opts.interfaces ? [...new Set([...opts.interfaces, 'lo'])] : ['*'];
    };

    const emit = (l: DnsLookup): void => {
      if (opts.events === false || !env?.emitEvent) return;
      const e = dnsEvent(l, resolver.resolve(l.resolver));
      if (e) env.emitEvent(e, l.netnsInode, 'dns');
    };

    return {
      name: 'dns',
      scope: 'netns',
      metrics: [
        DNS_LOOKUP_DURATION,
        DNS_RESPONSES,
        DNS_TRUNCATED,
        DNS_TIMEOUTS,
        DNS_QUERIES,
        DNS_RETRANSMITTED,
        DNS_SEARCH_PATH,
        DNS_MALFORMED,
        DNS_UNMATCHED,
        DNS_SERIES_OVERFLOW,
        DNS_QUESTIONS,
        DNS_UNDELIVERED,
      ],
      async start(ctx): Promise<ProbeStatus> {
        opts = ctx.options as Options;
        // the agent runs in the node's namespace (hostNetwork); the host target corrects it if not
        if (opts.host_network_pods) hostNs = statSync('/proc/self/ns/net').ino;
        resolver = new PeerResolver(env?.peers, opts.cidrs ?? [], 'probes dns: options.cidrs');
        return this.status!();
      },
      status(): ProbeStatus {
        return tc.status(problem);
      },
      async beforeCycle(): Promise<void> {
        if (!tc.usable()) return;
        const now = Date.now();
        try {
          const synced = await tc.sync({
            pending: opts.pending ?? DNS_DEFAULTS.pending,
            entries: opts.entries ?? DNS_DEFAULTS.entries,
            slow_ms: opts.slow_ms ?? DNS_DEFAULTS.slowMs,
            rate: opts.rate ?? DNS_DEFAULTS.rate,
            names: topK() > 0 ? (opts.entries ?? DNS_DEFAULTS.entries) : 0,
            suffix: opts.search_suffixes ?? DNS_DEFAULTS.searchSuffixes,
            ...(hostNetns() ? { cgroup_netns: hostNetns() } : {}),
          });
          if ('error' in synced) {
            problem = synced.error;
            return;
          }
          for (const ns of synced.gone) forgetNamespace(ns);
          const timeoutMs = Math.max(1, Math.round((opts.timeout ?? DNS_DEFAULTS.timeoutSeconds) * 1000));
          const raw = await tc.call(['dump', `timeout_ms=${timeoutMs}`]);
          if (raw.ok !== true) {
            // the helper restarted and has no dns object: load and attach again next cycle
            problem = `dns dump failed: ${typeof raw.error === 'string' ? raw.error : 'no answer'}`;
            tc.lost();
            return;
          }
          const d = parseDnsDump(raw);
          tc.attach.gone(d.gone);
          for (const [ns] of d.gone) forgetNamespace(ns);
          for (const e of d.entries) addEntry(e, now);
          if (topK() > 0) addNames(d.names, now);
          const suffixes = opts.search_suffixes ?? DNS_DEFAULTS.searchSuffixes;
          for (const r of d.records) {
            // NXDOMAIN for a search-expanded name: waste (the kernel counts it), not an event
            if (r.rcode === 3 && hasSearchSuffix(r.name, suffixes)) {
              if ((r.flags & F_SLOW) === 0) continue;
              emit(Object.assign({}, r, { rcode: 0 })); // still slow: reported as slow, not as a failure
              continue;
            }
            emit(r);
          }
          for (const t of d.timeouts) {
            addTimeout(t, now);
            emit(t);
          }
          const c = new Map<number, Map<number, number>>();
          for (const [ns, code, n] of d.counts) {
            let m = c.get(ns);
            if (!m) c.set(ns, (m = new Map()));
            m.set(code, n);
          }
          counts = c;
          undelivered = [...d.undelivered];
          const ttl = (opts.ttl ?? DNS_DEFAULTS.ttlSeconds) * 1000;
          for (const [k, s] of series) if (now - s.lastMoved >= ttl) series.delete(k);
          for (const [k, p] of prev) if (now - p.at > ttl) prev.delete(k);
          for (const [k, p] of prevNames) if (now - p.at > ttl) prevNames.delete(k);
          for (const m of names.values()) for (const [l, e] of m) if (now - e.lastMoved >= ttl) m.delete(l);
          problem = undefined;
        } catch (err) {
          problem = `dns: ${(err as Error).message}`;
        }
      },
      collect(target: Target, ctx): ProbeResult {
        const hostSide = target.kind !== 'host' && opts.attach === 'host';
        if (!tc.see(target, ctx.procRoot, interfacesFor(target, ctx.procRoot), hostSide))
          return { samples: [], problems: [], targetGone: true };
        const samples: MetricSample[] = [];
        const ns = target.netnsInode;
        if (target.kind === 'host' && opts.host_network_pods) hostNs = ns;
        const pods = target.kind === 'host' ? cgroupPods(target, ctx.procRoot) : undefined;
        for (const s of seriesOf(ns, pods)) {
          if (s.count > 0) {
            samples.push({
              metric: DNS_LOOKUP_DURATION,
              attributes: s.attributes,
              value: {
                boundaries: LATENCY_BOUNDS_NS.map((b) => b / 1e9),
                bucketCounts: [...s.buckets],
                sum: s.sumNs / 1e9,
                count: s.count,
              },
            });
            samples.push({ metric: DNS_RESPONSES, attributes: s.attributes, value: s.count });
          }
          const { [ATTR_ERROR_TYPE]: _e, [ATTR_KUBESKOOP_DNS_RESPONSE_CODE]: _r, ...rest } = s.attributes;
          if (s.truncated > 0) samples.push({ metric: DNS_TRUNCATED, attributes: rest, value: s.truncated });
          if (s.timeouts > 0) samples.push({ metric: DNS_TIMEOUTS, attributes: rest, value: s.timeouts });
        }
        for (const [label, e] of names.get(ns) ?? [])
          samples.push({ metric: DNS_QUESTIONS, attributes: { [ATTR_DNS_QUESTION_NAME]: label }, value: e.count });
        const c = counts.get(ns);
        if (c) {
          const q = (code: number): number => c.get(code) ?? 0;
          if (q(C_QUERY_UDP) > 0)
            samples.push({
              metric: DNS_QUERIES,
              attributes: { [ATTR_NETWORK_TRANSPORT]: 'udp' },
              value: q(C_QUERY_UDP),
            });
          if (q(C_QUERY_TCP) > 0)
            samples.push({
              metric: DNS_QUERIES,
              attributes: { [ATTR_NETWORK_TRANSPORT]: 'tcp' },
              value: q(C_QUERY_TCP),
            });
          samples.push({ metric: DNS_RETRANSMITTED, attributes: {}, value: q(C_RETRANSMIT) });
          samples.push({ metric: DNS_MALFORMED, attributes: {}, value: q(C_MALFORMED) });
          samples.push({ metric: DNS_UNMATCHED, attributes: {}, value: q(C_UNMATCHED) });
          samples.push({ metric: DNS_SEARCH_PATH, attributes: {}, value: q(C_SEARCH_NX) });
        }
        for (const [uns, cause, n] of undelivered) {
          if (uns !== ns) continue;
          samples.push({
            metric: DNS_UNDELIVERED,
            value: n,
            attributes: {
              [ATTR_KUBESKOOP_PROBE_NAME]: 'dns',
              [ATTR_ERROR_TYPE]: UNDELIVERED_CAUSES[cause] ?? 'unknown',
            },
          });
        }
        if (target.kind === 'host') samples.push({ metric: DNS_SERIES_OVERFLOW, attributes: {}, value: overflow });
        return { samples, problems: [] };
      },
      async stop(): Promise<void> {
        await tc.stop();
      },
    };
  },
};
