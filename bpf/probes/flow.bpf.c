// SPDX-License-Identifier: Apache-2.0
/*
 * flow: bytes and packets per (pod namespace, interface, direction, peer, server port, transport),
 * IPv4 and IPv6, counted in a tc program on each pod's interface (tcx link, first in the chain).
 * Both programs return TCX_NEXT (= TC_ACT_UNSPEC): counting never changes a packet's fate and a
 * CNI's own programs (tcx or clsact) still run after us and decide.
 *
 * ks_flow_rx: the pod receives (peer = source);  ks_flow_tx: the pod transmits (peer = destination).
 * Inside the pod: rx on ingress, tx on egress. On the host-side veth the helper swaps them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ks_flow.h"
#include "ks_tc.bpf.h"

#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCX_NEXT    -1

char LICENSE[] SEC("license") = "GPL";

const volatile __u8 ks_port_in_key = 1; /* KubeSkoop's enablePortInLabel */
const volatile __u8 ks_empty = 0;	/* benchmark floor: the same hook and dispatch, no work */
/* benchmark only, where the time goes: 1 = stop after reading the namespace, 2 = after building
 * the key (no map update) */
const volatile __u8 ks_stop = 0;
const volatile __u8 ks_cache = 1; /* benchmark only: 0 = no per-CPU last-flow cache (flow_last) */
__u64 ks_gen;			  /* written by the helper before each dump */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 65536); /* resized by the helper (entries option) */
	__type(key, struct ks_flow_key);
	__type(value, struct ks_flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct ks_flow_srv);
	__type(value, __u8);
} servers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KS_FLOW_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} flow_stats SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

static __always_inline void stat_inc(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&flow_stats, &i);
	if (v)
		*v += 1; /* per-CPU slot, no atomic needed */
}

static __always_inline bool srv_known(const __u8 *addr, __u16 port, __u8 family)
{
	struct ks_flow_srv s = {.port = port, .family = family};
	__builtin_memcpy(s.addr, addr, 16);
	return bpf_map_lookup_elem(&servers, &s) != NULL;
}

/* add to the entry of k (made when absent); the LRU evicts the least recently used when full */
static __always_inline void flow_add(const struct ks_flow_key *k, __u64 packets, __u64 bytes)
{
	struct ks_flow_val *v = bpf_map_lookup_elem(&flows, k);
	if (v) {
		v->packets += packets;
		v->bytes += bytes;
		v->gen = ks_gen;
	} else {
		struct ks_flow_val nv = {.packets = packets, .bytes = bytes, .gen = ks_gen};
		if (bpf_map_update_elem(&flows, k, &nv, BPF_NOEXIST) == 0)
			stat_inc(KS_FLOW_ST_NEW);
		else if ((v = bpf_map_lookup_elem(&flows, k))) {
			/* another CPU inserted it first */
			v->packets += packets;
			v->bytes += bytes;
			v->gen = ks_gen;
		} else
			stat_inc(KS_FLOW_ST_FULL);
	}
}

/*
 * The packet's tuple as read (ports as sent, not yet the server's): the per-CPU cache's match.
 * 48 bytes compared as six words.
 */
struct ks_flow_tuple {
	__u32 netns;
	__u32 ifindex;
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 dir;
	__u8 proto;
	__u8 family;
	__u8 ports; /* the ports were read */
};

/*
 * Per CPU and slot, the last flow counted and the counts not yet added to `flows`: a bulk stream costs a
 * 48-byte compare and two adds per packet instead of the server lookups and a hash update (the
 * hash update alone was ~100 of 201 ns). A packet of another tuple adds the pending counts to
 * `flows` and takes the slot. The helper adds every CPU's pending counts (ks_flow_flush, run on
 * that CPU) before a dump and before deleting a namespace's entries, so dumps stay exact.
 * `busy` keeps the two apart on one CPU: the flush can interrupt the tc program (IPI) and a tc
 * program can interrupt a flush (softirq on the helper's own CPU); whoever comes second leaves
 * the slot alone.
 */
struct ks_flow_slot {
	__u32 valid;
	__u32 misses; /* packets of other tuples since the last hit */
	struct ks_flow_tuple t;
	struct ks_flow_key key;
	__u64 packets;
	__u64 bytes;
};

/* slots per CPU, by (namespace, interface, direction): a veth pair counted at both ends on one
 * CPU (tx of one pod, rx of the other) keeps two streams cached, not one evicting the other */
#define KS_FLOW_SLOTS  8
#define KS_FLOW_MISSES 16

struct ks_flow_last {
	__u32 busy;
	__u32 _pad;
	struct ks_flow_slot slot[KS_FLOW_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_flow_last);
} flow_last SEC(".maps");

static __always_inline bool tuple_eq(const struct ks_flow_tuple *a, const struct ks_flow_tuple *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5])) == 0;
}

static __always_inline void count(struct __sk_buff *skb, __u8 dir, struct ks_flow_last *last)
{
	struct ks_flow_slot *c = NULL;
	struct ks_flow_key k; /* zeroed where it is built: a cache hit never needs it */
	struct ks_flow_tuple t = {};
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	t.netns = ks_tc_netns(kskb);
	if (ks_stop == 1) {
		volatile __u32 sink = t.netns; /* the read must stay */
		(void)sink;
		return;
	}
	__u32 l3 = ks_tc_l3_offset(kskb);
	t.ifindex = skb->ifindex;
	t.dir = dir;
	__u8 flags = 0;
	__u32 l4off = 0;
	/* direct packet access where the headers are in the linear part (always on veth); else copies */
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ipc, *ip = data + l3;
		if ((void *)(ip + 1) > end) {
			if (bpf_skb_load_bytes(skb, l3, &ipc, sizeof(ipc)) < 0)
				goto short_hdr;
			ip = &ipc;
		}
		t.family = 4;
		t.proto = ip->protocol;
		__builtin_memcpy(t.saddr, &ip->saddr, 4);
		__builtin_memcpy(t.daddr, &ip->daddr, 4);
		/* ports only in the first fragment */
		if (!(ip->frag_off & bpf_htons(0x1fff)))
			l4off = l3 + (ip->ihl & 0xf) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6c, *ip6 = data + l3;
		if ((void *)(ip6 + 1) > end) {
			if (bpf_skb_load_bytes(skb, l3, &ip6c, sizeof(ip6c)) < 0)
				goto short_hdr;
			ip6 = &ip6c;
		}
		t.family = 6;
		t.proto = ip6->nexthdr; /* extension headers are not walked: counted without ports */
		__builtin_memcpy(t.saddr, &ip6->saddr, 16);
		__builtin_memcpy(t.daddr, &ip6->daddr, 16);
		l4off = l3 + 40;
	} else {
		/* not IP (ARP, LLDP…): counted per ethertype so the totals match the device's */
		__builtin_memset(&k, 0, sizeof(k));
		k.netns = t.netns;
		k.ifindex = t.ifindex;
		k.dir = dir;
		k.port = bpf_ntohs(skb->protocol);
		goto add;
	}
	if (l4off && (t.proto == IPPROTO_TCP || t.proto == IPPROTO_UDP)) {
		__u8 l4c[14], *l4 = data + l4off;
		if ((void *)(l4 + 14) > end) {
			/* short segment or non-linear headers: copy (UDP needs only its 4 port bytes) */
			if (bpf_skb_load_bytes(skb, l4off, l4c, t.proto == IPPROTO_TCP ? 14 : 4) < 0) {
				stat_inc(KS_FLOW_ST_SHORT);
				goto ports_done;
			}
			l4 = l4c;
		}
		t.sport = ks_be16(l4);
		t.dport = ks_be16(l4 + 2);
		if (t.proto == IPPROTO_TCP)
			flags = l4[13];
		t.ports = 1;
	}
ports_done:
	if (last)
		c = &last->slot[((t.netns ^ t.ifindex) << 1 | dir) & (KS_FLOW_SLOTS - 1)];
	/* the same tuple as this CPU's last packet: its key is known, only the counts move. A SYN
	 * goes the long way (it records the server). */
	if (c && c->valid && !(flags & 0x02) && tuple_eq(&c->t, &t)) {
		c->packets += 1;
		c->bytes += skb->len;
		c->misses = 0;
		return;
	}
	__builtin_memset(&k, 0, sizeof(k));
	k.netns = t.netns;
	k.ifindex = t.ifindex;
	k.dir = dir;
	k.family = t.family;
	k.proto = t.proto;
	if (dir == KS_FLOW_RX) {
		__builtin_memcpy(k.peer, t.saddr, 16);
		__builtin_memcpy(k.local, t.daddr, 16);
	} else {
		__builtin_memcpy(k.peer, t.daddr, 16);
		__builtin_memcpy(k.local, t.saddr, 16);
	}
	if (t.ports) {
		__u16 sport = t.sport, dport = t.dport;
		/* which port is the server's: TCP by who sent the SYN, UDP by the lower port */
		bool dst_is_server;
		if (t.proto == IPPROTO_TCP) {
			if ((flags & 0x12) == 0x02) { /* SYN without ACK: the receiver is the server */
				struct ks_flow_srv s = {.port = dport, .family = t.family};
				__builtin_memcpy(s.addr, t.daddr, 16);
				__u8 one = 1;
				bpf_map_update_elem(&servers, &s, &one, BPF_ANY);
				dst_is_server = true;
			} else if (srv_known(t.daddr, dport, t.family)) {
				dst_is_server = true;
			} else if (srv_known(t.saddr, sport, t.family)) {
				dst_is_server = false;
			} else {
				stat_inc(KS_FLOW_ST_GUESS);
				dst_is_server = dport <= sport;
			}
		} else {
			dst_is_server = dport <= sport;
		}
		/* the peer is the server when the packet goes to it (tx) or comes from it (rx) */
		k.peer_server = (dir == KS_FLOW_TX) == dst_is_server;
		if (ks_port_in_key)
			k.port = dst_is_server ? dport : sport;
	}
	if (ks_stop == 2) {
		/* keep the key's stores: a volatile read of it, no map work */
		volatile __u32 sink = k.netns ^ k.ifindex ^ k.port ^ k.peer[3] ^ k.local[3];
		(void)sink;
		return;
	}
	/* another tuple: counted in the map. It takes the slot (the last one's pending counts go to
	 * the map) when the slot is free or after KS_FLOW_MISSES packets in a row that were not the
	 * slot's: a new bulk stream takes over soon, and many interleaved flows (every packet a miss)
	 * move a slot once per KS_FLOW_MISSES packets, not at every packet. */
	if (c && (!c->valid || ++c->misses >= KS_FLOW_MISSES)) {
		if (c->valid && c->packets)
			flow_add(&c->key, c->packets, c->bytes);
		c->t = t;
		c->key = k;
		c->packets = 0;
		c->bytes = 0;
		c->misses = 0;
		c->valid = 1;
	}
	goto add;
short_hdr:
	stat_inc(KS_FLOW_ST_SHORT);
	__builtin_memset(&k, 0, sizeof(k));
	k.netns = t.netns;
	k.ifindex = t.ifindex;
	k.dir = dir;
	k.family = t.family;
	k.proto = t.proto;
add:
	flow_add(&k, 1, skb->len);
}

static __always_inline int run(struct __sk_buff *skb, __u8 dir)
{
	if (ks_empty)
		return TCX_NEXT;
	struct ks_flow_last *c = NULL;
	if (ks_cache) {
		__u32 z = 0;
		c = bpf_map_lookup_elem(&flow_last, &z);
		if (c && c->busy)
			c = NULL; /* a flush on this CPU was interrupted by this packet: straight to the map */
	}
	if (c)
		c->busy = 1;
	count(skb, dir, c);
	if (c)
		c->busy = 0;
	return TCX_NEXT;
}

/* run by the helper on each CPU (BPF_PROG_TEST_RUN with BPF_F_TEST_RUN_ON_CPU): that CPU's
 * pending counts into `flows`. 1 = busy (it interrupted a tc program): the helper tries again. */
SEC("raw_tp")
int ks_flow_flush(void *ctx)
{
	__u32 z = 0;
	struct ks_flow_last *c = bpf_map_lookup_elem(&flow_last, &z);
	if (!c)
		return 0;
	if (c->busy)
		return 1;
	c->busy = 1;
	for (int i = 0; i < KS_FLOW_SLOTS; i++) {
		struct ks_flow_slot *s = &c->slot[i];
		if (s->valid && s->packets)
			flow_add(&s->key, s->packets, s->bytes);
		s->packets = 0;
		s->bytes = 0;
	}
	c->busy = 0;
	return 0;
}

SEC("tc")
int ks_flow_rx(struct __sk_buff *skb)
{
	return run(skb, KS_FLOW_RX);
}

SEC("tc")
int ks_flow_tx(struct __sk_buff *skb)
{
	return run(skb, KS_FLOW_TX);
}
