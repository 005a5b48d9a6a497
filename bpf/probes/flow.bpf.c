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
 * the key (no map work), 3 = after the key and one per-CPU array add (the unavoidable minimum) */
const volatile __u8 ks_stop = 0;
const volatile __u8 ks_cache = 1; /* benchmark only: 0 = no per-CPU last-flow cache (flow_last) */
/* counters per slot: 0 = one shared pair added with atomics; N = N per-CPU pairs (slot * N + cpu),
 * plain adds (benchmark: which costs less) */
const volatile __u32 ks_pcpu = 0;
const volatile __u64 ks_ring_mask = 0; /* flow_free's size - 1 (a power of two) */

/* the free ring: the helper writes slot ids at tail and advances it; programs take them at head */
__u64 ks_free_head;
__u64 ks_free_tail;
/* bumped by the helper when it takes slots back: a cached slot id of an older epoch is not used */
__u32 ks_epoch;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536); /* resized by the helper (entries option) */
	__type(key, struct ks_flow_key);
	__type(value, __u32);
} flow_slot SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 65536); /* entries (× CPUs with ks_pcpu) */
	__type(key, __u32);
	__type(value, struct ks_flow_cnt);
} flow_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct ks_flow_slotkey);
} flow_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 65536); /* a power of two ≥ entries */
	__type(key, __u32);
	__type(value, __u64); /* a slot id (8 bytes: the mmapped element size) */
} flow_free SEC(".maps");

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

/* x_stop=3's one per-CPU array add */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_flow_cnt);
} flow_floor SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

#define NO_SLOT 0xffffffffu

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

/* a slot's counters: exact under concurrency (atomics on the shared pair, or this CPU's pair) */
static __always_inline void slot_add(__u32 slot, __u64 bytes)
{
	if (ks_pcpu) {
		__u32 i = slot * ks_pcpu + bpf_get_smp_processor_id();
		struct ks_flow_cnt *c = bpf_map_lookup_elem(&flow_cnt, &i);
		if (c) {
			c->packets += 1;
			c->bytes += bytes;
		}
	} else {
		struct ks_flow_cnt *c = bpf_map_lookup_elem(&flow_cnt, &slot);
		if (c) {
			__sync_fetch_and_add(&c->packets, 1);
			__sync_fetch_and_add(&c->bytes, bytes);
		}
	}
}

/* the slot of k: the hash when known; else one from the free ring, its key written, then made
 * known (the hash decides between CPUs making the same key at once) */
static __always_inline __u32 slot_of(const struct ks_flow_key *k)
{
	__u32 *s = bpf_map_lookup_elem(&flow_slot, k);
	if (s)
		return *s;
	__u64 h = 0;
	bool got = false;
	for (int i = 0; i < 4; i++) {
		h = *(volatile __u64 *)&ks_free_head;
		if (h >= *(volatile __u64 *)&ks_free_tail)
			break;
		if (__sync_val_compare_and_swap(&ks_free_head, h, h + 1) == h) {
			got = true;
			break;
		}
	}
	if (!got) {
		stat_inc(KS_FLOW_ST_FULL);
		return NO_SLOT;
	}
	__u32 idx = (__u32)(h & ks_ring_mask);
	__u64 *fs = bpf_map_lookup_elem(&flow_free, &idx);
	if (!fs)
		return NO_SLOT;
	__u32 slot = (__u32)*fs;
	struct ks_flow_slotkey *sk = bpf_map_lookup_elem(&flow_keys, &slot);
	if (!sk)
		return NO_SLOT;
	sk->key = *k;
	if (bpf_map_update_elem(&flow_slot, k, &slot, BPF_NOEXIST) == 0) {
		__sync_lock_test_and_set(&sk->pos, h + 1); /* a full barrier: the key is written before */
		stat_inc(KS_FLOW_ST_NEW);
		return slot;
	}
	/* another CPU made it first: this slot goes back to the helper unused */
	__sync_lock_test_and_set(&sk->pos, (h + 1) | KS_FLOW_DEAD);
	s = bpf_map_lookup_elem(&flow_slot, k);
	return s ? *s : NO_SLOT;
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
 * Per CPU, by (namespace, interface, direction), the last flow counted and its slot id: a bulk
 * stream costs a 48-byte compare and one counter add per packet, with no server lookups and no
 * hash lookup. Nothing is pending here (the counters are added at once), so a read needs no flush.
 * A cached slot id is used only in the epoch it was taken: the helper bumps the epoch when it
 * takes slots back, and gives them out again a cycle later, when no program can still hold them.
 */
struct ks_flow_lastslot {
	__u32 valid;
	__u32 misses; /* packets of other tuples since the last hit */
	struct ks_flow_tuple t;
	__u32 slot;
	__u32 epoch;
};

/* slots per CPU: a veth pair counted at both ends on one CPU (tx of one pod, rx of the other)
 * keeps two streams cached, not one evicting the other */
#define KS_FLOW_SLOTS  8
#define KS_FLOW_MISSES 16

/* busy: a tc program interrupted on its CPU (softirq over a process-context transmit) by another
 * one; the second leaves the cache alone, so no slot is read half-written */
struct ks_flow_last {
	__u32 busy;
	__u32 _pad;
	struct ks_flow_lastslot slot[KS_FLOW_SLOTS];
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
	struct ks_flow_lastslot *c = NULL;
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
	__u32 epoch = *(volatile __u32 *)&ks_epoch;
	if (c && c->valid && !(flags & 0x02) && c->epoch == epoch && tuple_eq(&c->t, &t)) {
		c->misses = 0;
		slot_add(c->slot, skb->len);
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
	if (ks_stop == 3) {
		/* the unavoidable minimum: the key, then one per-CPU array add (no hash) */
		__u32 z = (k.netns ^ k.ifindex ^ k.port ^ k.peer[3] ^ k.local[3]) & 0;
		struct ks_flow_cnt *f = bpf_map_lookup_elem(&flow_floor, &z);
		if (f) {
			f->packets += 1;
			f->bytes += skb->len;
		}
		return;
	}
	/* another tuple: counted through the hash. It takes the cache slot when the slot is free or
	 * after KS_FLOW_MISSES packets in a row that were not the slot's: a new bulk stream takes over
	 * soon, and many interleaved flows (every packet a miss) move a slot once per KS_FLOW_MISSES
	 * packets, not at every packet. */
	__u32 slot = slot_of(&k);
	if (slot == NO_SLOT)
		return;
	slot_add(slot, skb->len);
	if (c && (!c->valid || c->epoch != epoch || ++c->misses >= KS_FLOW_MISSES)) {
		c->t = t;
		c->slot = slot;
		c->epoch = epoch;
		c->misses = 0;
		c->valid = 1;
	}
	return;
short_hdr:
	stat_inc(KS_FLOW_ST_SHORT);
	__builtin_memset(&k, 0, sizeof(k));
	k.netns = t.netns;
	k.ifindex = t.ifindex;
	k.dir = dir;
	k.family = t.family;
	k.proto = t.proto;
add:;
	__u32 s2 = slot_of(&k);
	if (s2 != NO_SLOT)
		slot_add(s2, skb->len);
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
			c = NULL;
	}
	if (c)
		c->busy = 1;
	count(skb, dir, c);
	if (c)
		c->busy = 0;
	return TCX_NEXT;
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
