// SPDX-License-Identifier: Apache-2.0
/*
 * dns: lookups per (pod namespace, resolver, question type, rcode, transport) seen on each pod
 * interface by tc programs (tcx links, attached next to flow's by the same helper machinery).
 * ks_dns_tx (the pod sends): a query to port 53 is remembered in `pending` keyed by (namespace,
 * client port, DNS id, resolver, transport). ks_dns_rx (the pod receives): a response from port 53
 * is matched there, its latency and rcode counted in `dns` (per-CPU histogram) and, when it
 * failed, was truncated or was slow, written to the ring (rate-limited like every event probe).
 * Queries never answered are swept by the helper after a timeout.
 *
 * Cost: a packet that is not to/from port 53 leaves after the ethertype, the IP protocol and one
 * port load (IPv6: after its extension headers, walked only when there are some). Everything
 * DNS-specific is in a subprogram the fast path only calls for port 53.
 * The question name is parsed with one-byte loads in a loop bounded by KS_DNS_LABELS_MAX; a
 * compression pointer or reserved label type in the question, a name over 255 bytes, a short
 * packet or qdcount != 1 is counted as malformed and not parsed further.
 * Both programs return TCX_NEXT (= TC_ACT_UNSPEC): a CNI's programs still decide.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "ks_common.bpf.h"
#include "ks_tc.bpf.h"
#include "ks_dns.h"

#define TCX_NEXT -1
#define DNS_PORT 53

const volatile __u8 ks_empty = 0;		/* benchmark floor: the same hook and dispatch, no work */
const volatile __u64 ks_slow_ns = 100000000ull; /* responses slower than this are written as records */
/* the namespace (inode; the node's) whose queries are keyed by the sending socket's cgroup v2 id
 * too: hostNetwork pods share it, their cgroups tell them apart. 0 = none. */
const volatile __u32 ks_cgroup_netns = 0;
/* wire lengths of the search suffixes (helper: suffix=), distinct, 0 = end of the list */
const volatile __u8 ks_suffix_len[KS_DNS_SUFFIX_MAX] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* resized by the helper (pending= option) */
	__type(key, struct ks_dns_qkey);
	__type(value, struct ks_dns_pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* resized by the helper (entries= option) */
	__type(key, struct ks_dns_key);
	__type(value, struct ks_dns_val);
} dns SEC(".maps");

/* host-side attach (attach: pod | host): the host end's ifindex → the pod's namespace inode, kept
 * by the helper's attach layer, so a query seen on the host side is the pod's */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} ifowner SEC(".maps");

/* scratch for the pending value (too large for the stack next to the rest) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_dns_pending);
} dns_scratch SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

static const __u64 bounds[KS_LAT_NBOUNDS] = KS_LAT_BOUNDS_NS;
/* a new series' first value (208 bytes: kept off the 512-byte stack) */
static const struct ks_dns_val dns_zero;

/* the cluster search suffixes (wire format, lowercase) by hash, written by the helper (suffix=) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_DNS_SUFFIX_MAX);
	__type(key, __u64);
	__type(value, __u8);
} suffixes SEC(".maps");

/* the suffix test's copy of a name's tail (off the stack: the 512-byte limit spans both frames) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[KS_DNS_SUFFIX_LEN]);
} dns_tail SEC(".maps");

/* The question: walk the labels from `qoff` (one-byte loads, bounded), copy its start into
 * name[]; returns the name's wire length (terminator included) or 0 when malformed. */
static __always_inline __u32 question(struct __sk_buff *skb, __u32 qoff, __u8 *name, __u8 *namelen, __u8 *flags)
{
	__u32 p = 0;
	for (int i = 0; i < KS_DNS_LABELS_MAX; i++) {
		__u8 l;
		if (bpf_skb_load_bytes(skb, qoff + p, &l, 1) < 0)
			return 0; /* the name runs past the packet */
		if (l == 0) {
			p += 1;
			break;
		}
		if (l & 0xc0)
			return 0; /* compression pointer (or reserved type) in the question: not followed */
		p += (__u32)l + 1;
		if (p >= KS_DNS_NAME_LIMIT)
			return 0;
		if (i == KS_DNS_LABELS_MAX - 1)
			return 0;
	}
	__u32 n = p;
	if (n > KS_DNS_NAME_MAX) {
		n = KS_DNS_NAME_MAX;
		*flags |= KS_DNS_F_NAME_CUT;
	}
	barrier_var(n); /* keep the clamp where the verifier sees it */
	if (n < 1 || n > KS_DNS_NAME_MAX || bpf_skb_load_bytes(skb, qoff, name, n) < 0)
		return 0;
	*namelen = (__u8)n;
	return p;
}

/* Does the question name (nl bytes at qoff, terminator included) end in one of the configured
 * suffixes? Only NXDOMAIN answers ask. For each configured suffix length (rodata: constants to the
 * verifier) the name's tail of that length is hashed with the helper's FNV-1a, case folded, and
 * looked up. No label walk: a tail equal to a suffix's wire bytes starts with its length byte, so
 * only a name built to contain those bytes inside a label could match off a label boundary (and
 * would only be counted as search-path waste). A global function: verified once, on its own. */
__noinline int dns_search_suffix(struct __sk_buff *skb, __u32 qoff, __u32 nl)
{
	if (!skb)
		return 0;
	__u32 zero = 0;
	__u8 *buf = bpf_map_lookup_elem(&dns_tail, &zero);
	if (!buf)
		return 0;
	for (int k = 0; k < KS_DNS_SUFFIX_MAX; k++) {
		__u32 len = ks_suffix_len[k];
		if (len == 0)
			break;
		if (len > KS_DNS_SUFFIX_LEN || len > nl)
			continue;
		if (bpf_skb_load_bytes(skb, qoff + nl - len, buf, len) < 0)
			continue;
		__u64 h = KS_DNS_FNV_OFFSET;
		for (__u32 i = 0; i < len; i++)
			/* | 0x20 folds case without a branch (also on length bytes and '_': the helper does the same)
			 */
			h = (h ^ (__u8)(buf[i] | 0x20)) * KS_DNS_FNV_PRIME;
		if (bpf_map_lookup_elem(&suffixes, &h))
			return 1;
	}
	return 0;
}

/* answered questions per (namespace, name) (helper: names=N entries, 0 = off) */
const volatile __u8 ks_names = 1;
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384); /* resized by the helper (names= option) */
	__type(key, struct ks_dns_nkey);
	__type(value, struct ks_dns_nval);
} names SEC(".maps");

/* a new name's first value (144 bytes: off the stack the call chain shares) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_dns_nval);
} name_scratch SEC(".maps");

/* Count an answered question by name: the name dns_scratch holds (the response's question), hashed
 * over the bytes kept. A global function: verified once, on its own. */
__noinline int dns_name_count(__u32 netns)
{
	__u32 zero = 0;
	struct ks_dns_pending *q = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!q)
		return 0;
	__u32 n = q->namelen;
	__u64 h = KS_DNS_FNV_OFFSET;
	for (__u32 i = 0; i < KS_DNS_NAME_MAX; i++) {
		if (i >= n)
			break;
		h = (h ^ (__u8)(q->name[i] | 0x20)) * KS_DNS_FNV_PRIME;
	}
	struct ks_dns_nkey k = {.netns = netns, .hash = h};
	struct ks_dns_nval *v = bpf_map_lookup_elem(&names, &k);
	if (v) {
		__sync_fetch_and_add(&v->count, 1);
		return 0;
	}
	struct ks_dns_nval *nv = bpf_map_lookup_elem(&name_scratch, &zero);
	if (!nv)
		return 0;
	nv->count = 1;
	nv->namelen = q->namelen;
	nv->flags = q->flags & KS_DNS_F_NAME_CUT;
	__builtin_memcpy(nv->name, q->name, KS_DNS_NAME_MAX);
	if (bpf_map_update_elem(&names, &k, nv, BPF_NOEXIST) == -17 /* EEXIST: another CPU's first */) {
		v = bpf_map_lookup_elem(&names, &k);
		if (v)
			__sync_fetch_and_add(&v->count, 1);
	}
	return 0;
}

/* what the fast path found (a BPF subprogram takes at most five arguments) */
struct dns_pkt {
	__u8 peer[16];
	__u32 netns;
	__u32 l4off;
	__u32 end; /* the IP packet's end (its length field: a NIC's Ethernet padding is not payload) */
	__u32 off; /* where the DNS message (its header) starts */
	__u16 cport;
	__u8 proto;
	__u8 family;
	__u8 tx;
	__u8 pad[3];
};

/* One DNS message whose header starts at pk->off: a query is remembered, a response matched.
 * A global function: verified once on its own, however many messages a TCP segment carries. */
__noinline int dns_message(struct __sk_buff *skb, struct dns_pkt *pk)
{
	if (!skb || !pk)
		return 0;
	__u32 netns = pk->netns, off = pk->off;
	__u8 proto = pk->proto, family = pk->family;
	__u16 cport = pk->cport;
	bool tx = pk->tx;
	const __u8 *peer = pk->peer;
	__u8 h[12];
	if (bpf_skb_load_bytes(skb, off, h, sizeof(h)) < 0)
		goto malformed;
	__u16 id = (__u16)h[0] << 8 | h[1];
	bool qr = h[2] & 0x80;
	__u8 opcode = (h[2] >> 3) & 0xf;
	bool tc = h[2] & 0x02;
	__u8 rcode = h[3] & 0xf;
	__u16 qdcount = (__u16)h[4] << 8 | h[5];
	if (opcode != 0 || qr != !tx)
		return 0; /* not a standard query/response in the direction we track (e.g. NOTIFY, UPDATE) */
	if (qdcount != 1)
		goto malformed;
	__u32 zero = 0;
	struct ks_dns_pending *q = bpf_map_lookup_elem(&dns_scratch, &zero);
	if (!q)
		return 0;
	q->flags = 0;
	q->namelen = 0;
	__u32 nl = question(skb, off + 12, q->name, &q->namelen, &q->flags);
	if (!nl)
		goto malformed;
	__u8 qt[2];
	if (bpf_skb_load_bytes(skb, off + 12 + nl, qt, 2) < 0)
		goto malformed;
	__u16 qtype = (__u16)qt[0] << 8 | qt[1];

	struct ks_dns_qkey k = {.netns = netns, .cport = cport, .id = id, .family = family, .proto = proto};
	__builtin_memcpy(k.resolver, peer, 16);
	__u64 now = bpf_ktime_get_boot_ns();
	if (tx) {
		/* on egress the skb still holds the sending socket: its cgroup is the pod's (or the node's;
		 * the root cgroup is 1). None (0): a pod's query forwarded through the node, not the node's
		 * own — left to the pod's own interface, not counted twice here. */
		__u64 cg = 0;
		if (ks_cgroup_netns && netns == ks_cgroup_netns) {
			cg = bpf_skb_cgroup_id(skb);
			if (!cg)
				return 0;
		}
		ks_count(netns, KS_DOMAIN_EVENTS, proto == IPPROTO_TCP ? KS_DNS_C_QUERY_TCP : KS_DNS_C_QUERY_UDP);
		q->ts = now;
		q->qtype = qtype;
		q->ifindex = skb->ifindex;
		q->cgroup = cg;
		int rc = bpf_map_update_elem(&pending, &k, q, BPF_NOEXIST);
		if (rc == -17 /* EEXIST */)
			ks_count(netns, KS_DOMAIN_EVENTS, KS_DNS_C_RETRANSMIT);
		else if (rc)
			ks_count(netns, KS_DOMAIN_EVENTS, KS_DNS_C_PENDING_FULL);
		return 0;
	}
	struct ks_dns_pending *p = bpf_map_lookup_elem(&pending, &k);
	if (!p) {
		ks_count(netns, KS_DOMAIN_EVENTS, KS_DNS_C_UNMATCHED);
		return 0;
	}
	__u64 lat = now - p->ts;
	__u16 pqtype = p->qtype;
	__u64 cgroup = p->cgroup;
	/* the response's own question wins for the record; the key's type is the query's */
	if (bpf_map_delete_elem(&pending, &k) < 0)
		return 0; /* another CPU matched it first (a duplicated response) */
	if (ks_names)
		dns_name_count(netns);
	if (rcode == 3 /* NXDOMAIN */ && dns_search_suffix(skb, off + 12, nl))
		ks_count(netns, KS_DOMAIN_EVENTS, KS_DNS_C_SEARCH_NX);
	struct ks_dns_key a = {
		.netns = netns, .qtype = pqtype, .rcode = rcode, .family = family, .proto = proto, .cgroup = cgroup};
	__builtin_memcpy(a.resolver, peer, 16);
	__u32 b = KS_LAT_NBOUNDS;
	for (int i = 0; i < KS_LAT_NBOUNDS; i++)
		if (lat <= bounds[i]) {
			b = i;
			break;
		}
	struct ks_dns_val *v = bpf_map_lookup_elem(&dns, &a);
	if (!v) {
		bpf_map_update_elem(&dns, &a, &dns_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&dns, &a);
	}
	if (v) {
		/* per-CPU value, and tc programs do not nest on one CPU: plain adds */
		v->count += 1;
		v->sum_ns += lat;
		if (tc)
			v->truncated += 1;
		if (b <= KS_LAT_NBOUNDS)
			v->buckets[b] += 1;
	} else {
		ks_stat(KS_STAT_COUNT_MAP_FULL);
	}
	__u8 flags = q->flags;
	if (tc)
		flags |= KS_DNS_F_TRUNCATED;
	if (lat >= ks_slow_ns)
		flags |= KS_DNS_F_SLOW;
	if (rcode == 0 && !(flags & (KS_DNS_F_TRUNCATED | KS_DNS_F_SLOW)))
		return 0;
	struct ks_dns_rec *e = ks_reserve(netns, now, sizeof(*e));
	if (!e)
		return 0;
	ks_fill_hdr(&e->hdr, KS_REC_DNS, KS_DNS_V, sizeof(*e), now, netns);
	__builtin_memcpy(e->resolver, peer, 16);
	e->latency_ns = lat;
	e->ifindex = skb->ifindex;
	e->cport = cport;
	e->id = id;
	e->qtype = pqtype;
	e->rcode = rcode;
	e->family = family;
	e->proto = proto;
	e->flags = flags;
	e->namelen = q->namelen;
	e->pad = 0;
	__builtin_memcpy(e->name, q->name, KS_DNS_NAME_MAX);
	ks_submit(e, sizeof(*e));
	return 0;
malformed:
	ks_count(netns, KS_DOMAIN_EVENTS, KS_DNS_C_MALFORMED);
	return 0;
}

/* TCP: the stream's messages, each behind a 2-byte length (RFC 1035 4.2.2), cut into segments
 * anyhow: the length alone, then the message (a client or server writing them separately with
 * TCP_NODELAY), or several messages in one segment (pipelined queries). `streams` keeps, per
 * connection and direction, the sequence number where the next unread piece starts and what it
 * is; a segment is read from there. Segments wholly before it (retransmissions) or inside a
 * message body are skipped. A DNS header cut across segments is not reassembled (malformed). */
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_FIN		0x01
#define KS_DNS_TCP_MSGS 8 /* messages read from one segment; past that the stream is read afresh */

struct dns_stream_key {
	__u32 netns;
	__u8 resolver[16];
	__u16 cport;
	__u8 family;
	__u8 tx;
};

struct dns_stream {
	__u32 seq;  /* where the next unread piece starts */
	__u16 mlen; /* phase 1: the length of the message whose header starts at seq */
	__u8 phase; /* 0: a length prefix at seq; 1: a message header; 2: the prefix's second byte */
	__u8 hi;    /* phase 2: the prefix's first byte */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct dns_stream_key);
	__type(value, struct dns_stream);
} streams SEC(".maps");

/* dns_tcp's key, value and header copy, off the stack (the call chain down to the suffix test
 * shares 512 bytes) */
struct dns_tcp_scratch {
	struct dns_stream_key k;
	struct dns_stream st;
	__u8 th[16];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dns_tcp_scratch);
} tcp_scratch SEC(".maps");

static __noinline int dns_tcp(struct __sk_buff *skb, struct dns_pkt *pk)
{
	__u32 zero = 0;
	struct dns_tcp_scratch *x = bpf_map_lookup_elem(&tcp_scratch, &zero);
	if (!x)
		return 0;
	__u8 *th = x->th;
	if (bpf_skb_load_bytes(skb, pk->l4off, th, 14) < 0)
		return 0;
	__u32 seq = (__u32)th[4] << 24 | (__u32)th[5] << 16 | (__u32)th[6] << 8 | th[7];
	__u8 flags = th[13], doff = th[12] >> 4;
	struct dns_stream_key *sk = &x->k;
	sk->netns = pk->netns;
	sk->cport = pk->cport;
	sk->family = pk->family;
	sk->tx = pk->tx;
	__builtin_memcpy(sk->resolver, pk->peer, 16);
	if (flags & (TCP_SYN | TCP_RST)) {
		bpf_map_delete_elem(&streams, sk); /* a new connection (or none): its stream starts afresh */
		return 0;
	}
	__u32 pay = pk->l4off + doff * 4, end = pk->end;
	if (pay >= end) {
		if (flags & TCP_FIN)
			bpf_map_delete_elem(&streams, sk);
		return 0; /* no payload (an ACK) */
	}
	__u32 len = end - pay, cur = pay;
	__u8 phase = 0, hi = 0;
	__u16 mlen = 0;
	struct dns_stream *st = bpf_map_lookup_elem(&streams, sk);
	if (st) {
		__s32 d = (__s32)(st->seq - seq);
		if (d >= 0 && (__u32)d >= len)
			return 0; /* inside a message body, or data already read (a retransmission) */
		if (d >= 0) {
			cur = pay + (__u32)d;
			phase = st->phase;
			mlen = st->mlen;
			hi = st->hi;
		}
		/* d < 0: bytes before this segment were never seen; read it as starting with a length */
	}
	int i;
	for (i = 0; i < KS_DNS_TCP_MSGS; i++) {
		if (phase == 0) {
			__u8 l[2];
			if (cur + 1 == end) {
				if (bpf_skb_load_bytes(skb, cur, l, 1) < 0)
					return 0;
				hi = l[0];
				phase = 2;
				cur += 1;
				break;
			}
			if (bpf_skb_load_bytes(skb, cur, l, 2) < 0)
				return 0;
			mlen = (__u16)l[0] << 8 | l[1];
			cur += 2;
		} else if (phase == 2) {
			__u8 lo;
			if (bpf_skb_load_bytes(skb, cur, &lo, 1) < 0)
				return 0;
			mlen = (__u16)hi << 8 | lo;
			cur += 1;
		}
		phase = 1;
		if (cur >= end)
			break; /* the length came alone: the header is in the next segment */
		pk->off = cur;
		dns_message(skb, pk);
		cur += mlen;
		phase = 0;
		if (cur >= end)
			break;
	}
	if (flags & TCP_FIN) {
		bpf_map_delete_elem(&streams, sk);
		return 0;
	}
	if (i == KS_DNS_TCP_MSGS) {
		bpf_map_delete_elem(&streams, sk); /* more messages than read: resynchronise at the next segment */
		return 0;
	}
	x->st.seq = seq + (cur - pay);
	x->st.mlen = mlen;
	x->st.phase = phase;
	x->st.hi = hi;
	bpf_map_update_elem(&streams, sk, &x->st, BPF_ANY);
	return 0;
}

/* inlined into the port-53 branch: a frame less on the 512-byte stack the call chain shares */
static __always_inline int dns_packet(struct __sk_buff *skb, struct dns_pkt *pk)
{
	if (pk->proto == IPPROTO_TCP)
		return dns_tcp(skb, pk);
	pk->off = pk->l4off + 8;
	return dns_message(skb, pk);
}

/* IPv6 extension headers before UDP/TCP (RFC 8200 4.1: hop-by-hop, routing, fragment, destination
 * options; AH), walked with one-byte-pair loads in a bounded loop. Returns the L4 offset and sets
 * *proto, or 0: too many headers, a later fragment (its ports are in the first), or no UDP/TCP. */
#define KS_DNS_V6_EXT_MAX 6
/* uapi <linux/in6.h> numbers (macros, so not in vmlinux.h) */
#define V6_HOPOPTS  0
#define V6_ROUTING  43
#define V6_FRAGMENT 44
#define V6_DSTOPTS  60
static __noinline __u32 ipv6_ext(struct __sk_buff *skb, __u32 off, __u8 *proto)
{
	__u8 nh = *proto;
	for (int i = 0; i < KS_DNS_V6_EXT_MAX; i++) {
		__u8 e[4];
		if (nh == IPPROTO_UDP || nh == IPPROTO_TCP) {
			*proto = nh;
			return off;
		}
		if (bpf_skb_load_bytes(skb, off, e, sizeof(e)) < 0)
			return 0;
		switch (nh) {
		case V6_HOPOPTS:
		case V6_ROUTING:
		case V6_DSTOPTS:
			off += ((__u32)e[1] + 1) * 8;
			break;
		case V6_FRAGMENT:
			if (((__u16)e[2] << 8 | e[3]) & 0xfff8)
				return 0; /* not the first fragment: no L4 header */
			off += 8;
			break;
		case IPPROTO_AH:
			off += ((__u32)e[1] + 2) * 4;
			break;
		default:
			return 0;
		}
		nh = e[0];
	}
	if (nh == IPPROTO_UDP || nh == IPPROTO_TCP) {
		*proto = nh;
		return off;
	}
	return 0;
}

static __always_inline int handle(struct __sk_buff *skb, bool tx)
{
	if (ks_empty)
		return TCX_NEXT;
	__u16 eth = skb->protocol;
	if (eth != bpf_htons(ETH_P_IP) && eth != bpf_htons(ETH_P_IPV6))
		return TCX_NEXT;
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	__u32 l3 = ks_tc_l3_offset(kskb);
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u8 proto, family;
	__u32 l4off, iplen;
	struct dns_pkt pk = {};
	if (eth == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + l3;
		if ((void *)(ip + 1) > end)
			return TCX_NEXT; /* headers not linear: never on veth; not DNS we can see cheaply */
		proto = ip->protocol;
		if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
			return TCX_NEXT;
		if (ip->frag_off & bpf_htons(0x1fff))
			return TCX_NEXT;
		l4off = l3 + (ip->ihl & 0xf) * 4;
		iplen = bpf_ntohs(ip->tot_len);
		family = 4;
	} else {
		struct ipv6hdr *ip6 = data + l3;
		if ((void *)(ip6 + 1) > end)
			return TCX_NEXT;
		proto = ip6->nexthdr;
		l4off = l3 + 40;
		iplen = 40 + bpf_ntohs(ip6->payload_len);
		family = 6;
		if (proto != IPPROTO_UDP && proto != IPPROTO_TCP) {
			/* only packets with extension headers pay for the walk */
			if (proto != V6_HOPOPTS && proto != V6_ROUTING && proto != V6_DSTOPTS && proto != V6_FRAGMENT &&
			    proto != IPPROTO_AH)
				return TCX_NEXT;
			l4off = ipv6_ext(skb, l4off, &proto);
			if (l4off == 0 || l4off > 1024)
				return TCX_NEXT;
		}
	}
	__u8 *l4 = data + l4off;
	if ((void *)(l4 + 4) > end)
		return TCX_NEXT;
	__u16 port = ks_be16(tx ? l4 + 2 : l4);
	if (port != DNS_PORT)
		return TCX_NEXT;
	pk.cport = ks_be16(tx ? l4 : l4 + 2);
	/* the resolver: the destination of a query, the source of a response */
	if (family == 4) {
		struct iphdr *ip = data + l3;
		if ((void *)(ip + 1) > end)
			return TCX_NEXT;
		__builtin_memcpy(pk.peer, tx ? (void *)&ip->daddr : (void *)&ip->saddr, 4);
	} else {
		struct ipv6hdr *ip6 = data + l3;
		if ((void *)(ip6 + 1) > end)
			return TCX_NEXT;
		__builtin_memcpy(pk.peer, tx ? (void *)&ip6->daddr : (void *)&ip6->saddr, 16);
	}
	/* only DNS packets get here: the owner lookup costs nothing on the non-DNS path */
	__u32 ifindex = skb->ifindex, *owner = bpf_map_lookup_elem(&ifowner, &ifindex);
	pk.netns = ks_tc_netns(kskb);
	if (owner) {
		__u32 o = *owner;
		/* kept apart from the kernel pointer read above (one load for both is refused) */
		asm volatile("" : "+r"(o));
		pk.netns = o;
	}
	pk.l4off = l4off;
	/* the packet's end by its IP length (0 in a BIG TCP packet's header: then the skb's) */
	pk.end = iplen > 40 && l3 + iplen < skb->len ? l3 + iplen : skb->len;
	pk.proto = proto;
	pk.family = family;
	pk.tx = tx;
	dns_packet(skb, &pk);
	return TCX_NEXT;
}

SEC("tc")
int ks_dns_rx(struct __sk_buff *skb)
{
	return handle(skb, false);
}

SEC("tc")
int ks_dns_tx(struct __sk_buff *skb)
{
	return handle(skb, true);
}
