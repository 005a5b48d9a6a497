// SPDX-License-Identifier: Apache-2.0
/*
 * flow: bytes and packets per (pod namespace, interface, direction, peer, server port, transport),
 * IPv4 and IPv6, counted in a tc program on each pod's interface (tcx link, first in the chain).
 * Both programs return TCX_NEXT (= TC_ACT_UNSPEC): counting never changes a packet's fate and a
 * CNI's own programs (tcx or clsact) still run after us and decide.
 *
 * ks_flow_rx: the pod receives (peer = source);  ks_flow_tx: the pod transmits (peer = destination).
 * Inside the pod: rx on ingress, tx on egress. On the host-side veth the helper swaps them.
 *
 * hostNetwork pods (ks_hostnet) have no interface of their own: their traffic is the node's. They
 * are counted by ks_flow_cg_rx/tx, cgroup_skb programs the helper attaches to each such pod's
 * cgroup (BPF_F_ALLOW_MULTI links, returning 1: a packet's fate never changes). Why there and not
 * on the node's tc hooks: they cost nothing to other pods and to the node's own traffic, see the
 * pod's loopback traffic (which never reaches a node uplink), and need no socket lookup on ingress
 * (the hook runs with the receiving socket). Their keys carry the pod's cgroup id (owner CGROUP).
 * So that no packet is counted twice, the tc programs on the node's own interfaces (host_interfaces)
 * leave a hostNetwork pod's packets to it: on egress by the sending socket's cgroup, on ingress by
 * the receiving socket's (a socket lookup, paid on the node's interfaces only while hostNetwork pods
 * are counted, and once per flow: the per-CPU cache remembers the verdict).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
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
const volatile __u64 ks_ring_mask = 0;	/* flow_free's size - 1 (a power of two) */
const volatile __u8 ks_hostnet = 0;	/* hostNetwork pods counted by their cgroup_skb programs */
const volatile __u32 ks_host_netns = 0; /* the node's namespace (its node attachments defer to them) */
const volatile __u8 ks_cg_lo = 0;	/* their loopback traffic counted too */

/* the free ring: the helper writes slot ids at tail and advances it; programs take them at head */
__u64 ks_free_head;
__u64 ks_free_tail;
/* bumped by the helper when it takes slots back: a cached slot id of an older epoch is not used */
__u32 ks_epoch;
/* bumped by the helper after it changed hostnet_pods: cg_owner entries of an older one are stale */
__u32 ks_cg_gen;

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

/* the cgroup v2 ids of the hostNetwork pods whose cgroups have the cgroup_skb programs (helper-kept) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} hostnet_pods SEC(".maps");

/* a socket's cgroup (a container's, below the pod's) → its hostNetwork pod's cgroup id or 0: one
 * lookup per packet instead of an ancestor walk. Cgroup ids are never reused; an entry of an older
 * ks_cg_gen (a pod came or went since) is walked again. */
struct ks_cg_owner {
	__u64 pod;
	__u32 gen;
	__u32 _pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, struct ks_cg_owner);
} cg_owner SEC(".maps");

/* host-side veth ifindex → its pod's namespace (the attach layer's owner map): a node-namespace
 * device that is here is a pod's, not the node's, and keeps all its packets */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u32);
} flow_owner SEC(".maps");

/* x_stop=3's one per-CPU array add */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_flow_cnt);
} flow_floor SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define NO_SLOT	     0xffffffffu
#define KS_CG_LEVELS 16 /* cgroup depths walked (kubelet's pod cgroups are at 2 to 4) */

static __always_inline __u64 cg_cached(__u64 leaf, __u32 gen, bool *found)
{
	struct ks_cg_owner *o = bpf_map_lookup_elem(&cg_owner, &leaf);
	*found = o && o->gen == gen;
	return *found ? o->pod : 0;
}

static __always_inline __u64 cg_remember(__u64 leaf, __u64 pod, __u32 gen)
{
	struct ks_cg_owner o = {.pod = pod, .gen = gen};
	bpf_map_update_elem(&cg_owner, &leaf, &o, BPF_ANY);
	return pod;
}

/* the hostNetwork pod (its cgroup id) whose cgroup holds `leaf`, 0 = none: the ancestors from the
 * root down, the first with the programs attached. The generation is read before the walk (the
 * helper bumps it after changing hostnet_pods), so a walk racing a change is stored as stale. */
#define CG_POD(leaf, ANCESTOR)                                                                                         \
	({                                                                                                             \
		__u64 _pod = 0;                                                                                        \
		__u32 _gen = *(volatile __u32 *)&ks_cg_gen;                                                            \
		bool _hit;                                                                                             \
		if (leaf) {                                                                                            \
			_pod = cg_cached(leaf, _gen, &_hit);                                                           \
			if (!_hit) {                                                                                   \
				for (int _l = 1; _l < KS_CG_LEVELS; _l++) {                                            \
					__u64 _a = ANCESTOR(_l);                                                       \
					if (!_a)                                                                       \
						break;                                                                 \
					if (bpf_map_lookup_elem(&hostnet_pods, &_a)) {                                 \
						_pod = _a;                                                             \
						break;                                                                 \
					}                                                                              \
					if (_a == leaf)                                                                \
						break;                                                                 \
				}                                                                                      \
				cg_remember(leaf, _pod, _gen);                                                         \
			}                                                                                              \
		}                                                                                                      \
		_pod;                                                                                                  \
	})

static __always_inline __u64 pod_of_skb(struct __sk_buff *skb)
{
	__u64 leaf = bpf_skb_cgroup_id(skb);
#define SKB_ANC(l) bpf_skb_ancestor_cgroup_id(skb, l)
	return CG_POD(leaf, SKB_ANC);
#undef SKB_ANC
}

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
	__u8 ports; /* 1: the ports were read; | 2: netns is a hostNetwork pod's cgroup (owner CGROUP) */
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

/* a kernel cgroup's id (its kernfs node's): 0 when unreadable */
static __always_inline __u64 cg_id_at(__u64 cgrp)
{
	__u64 kn = 0, id = 0;
	if (!cgrp)
		return 0;
	bpf_probe_read_kernel(&kn, sizeof(kn), (void *)(cgrp + bpf_core_field_offset(struct cgroup, kn)));
	if (kn)
		bpf_probe_read_kernel(&id, sizeof(id), (void *)(kn + bpf_core_field_offset(struct kernfs_node, id)));
	return id;
}

static __always_inline __u64 cg_ancestor_at(__u64 cgrp, int level, int l)
{
	__u64 a = 0;
	if (l > level)
		return 0;
	bpf_probe_read_kernel(&a, sizeof(a),
			      (void *)(cgrp + bpf_core_field_offset(struct cgroup, ancestors) + (__u64)l * sizeof(a)));
	return cg_id_at(a);
}

/* the hostNetwork pod of a looked-up socket: tc has no bpf_sk_cgroup_id, so the socket's cgroup
 * (sk_cgrp_data, as bpf_skb_cgroup_id reads it) and its ancestors are read from the kernel's
 * structures, as plain values */
static __always_inline __u64 pod_of_sock(struct bpf_sock *bsk)
{
	struct sock *sk = bpf_rdonly_cast(bsk, bpf_core_type_id_kernel(struct sock));
	__u64 cgrp = 0;
	int level = 0;
	bpf_probe_read_kernel(&cgrp, sizeof(cgrp), &sk->sk_cgrp_data.cgroup);
	if (!cgrp)
		return 0;
	bpf_probe_read_kernel(&level, sizeof(level), (void *)(cgrp + bpf_core_field_offset(struct cgroup, level)));
	__u64 leaf = cg_id_at(cgrp);
#define SOCK_ANC(l) cg_ancestor_at(cgrp, level, l)
	return CG_POD(leaf, SOCK_ANC);
#undef SOCK_ANC
}

/* a node device's packet that a hostNetwork pod's socket sent (egress: the skb's socket) or will
 * receive (ingress: looked up, TCP and UDP) — its pod's cgroup programs count it, not the node */
static __always_inline bool hostnet_own(struct __sk_buff *skb, const struct ks_flow_tuple *t, __u8 dir)
{
	if (dir == KS_FLOW_TX)
		return pod_of_skb(skb) != 0;
	if (!(t->ports & 1))
		return false;
	struct bpf_sock_tuple tu;
	__u32 sz;
	__builtin_memset(&tu, 0, sizeof(tu));
	if (t->family == 4) {
		__builtin_memcpy(&tu.ipv4.saddr, t->saddr, 4);
		__builtin_memcpy(&tu.ipv4.daddr, t->daddr, 4);
		tu.ipv4.sport = bpf_htons(t->sport);
		tu.ipv4.dport = bpf_htons(t->dport);
		sz = sizeof(tu.ipv4);
	} else {
		__builtin_memcpy(tu.ipv6.saddr, t->saddr, 16);
		__builtin_memcpy(tu.ipv6.daddr, t->daddr, 16);
		tu.ipv6.sport = bpf_htons(t->sport);
		tu.ipv6.dport = bpf_htons(t->dport);
		sz = sizeof(tu.ipv6);
	}
	struct bpf_sock *sk = t->proto == IPPROTO_TCP ? bpf_sk_lookup_tcp(skb, &tu, sz, BPF_F_CURRENT_NETNS, 0)
						      : bpf_sk_lookup_udp(skb, &tu, sz, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return false;
	__u64 pod = pod_of_sock(sk);
	bpf_sk_release(sk);
	return pod != 0;
}

/* the key's netns: the tuple's for tc; for a hostNetwork pod the attached cgroup above the
 * socket's (the tuple holds the socket's own: one helper call, so a cache hit needs no map work) */
static __always_inline bool key_netns(struct __sk_buff *skb, const struct ks_flow_tuple *t, __u8 owner, __u32 *out)
{
	if (owner != KS_FLOW_OWNER_CGROUP) {
		*out = t->netns;
		return true;
	}
	__u64 pod = pod_of_skb(skb);
	*out = (__u32)pod;
	return pod != 0; /* 0: a socket of a cgroup whose pod just went (its links are being closed) */
}

/*
 * One packet. tc: netns = the device's namespace, l3 = the IP header's offset, bytes = skb->len
 * (the frame). cgroup_skb (owner = CGROUP): netns = the socket's cgroup id (the key gets its pod's),
 * the data at the IP header, bytes = skb->len + the device's link-layer header, so a hostNetwork
 * pod's series count frames like every other pod's.
 */
static __always_inline void count(struct __sk_buff *skb, __u8 dir, struct ks_flow_last *last, __u32 netns, __u32 l3,
				  __u32 extra, __u8 owner)
{
	struct ks_flow_lastslot *c = NULL;
	struct ks_flow_key k; /* zeroed where it is built: a cache hit never needs it */
	struct ks_flow_tuple t = {};
	t.netns = netns;
	if (ks_stop == 1) {
		volatile __u32 sink = t.netns; /* the read must stay */
		(void)sink;
		return;
	}
	__u32 len = skb->len + extra;
	t.ifindex = skb->ifindex;
	t.ports = owner == KS_FLOW_OWNER_CGROUP ? 2 : 0;
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
		if (!key_netns(skb, &t, owner, &k.netns))
			return;
		k.ifindex = t.ifindex;
		k.dir = dir;
		k.port = bpf_ntohs(skb->protocol);
		k.owner = owner;
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
		t.ports |= 1;
	}
ports_done:
	if (last)
		c = &last->slot[((t.netns ^ t.ifindex) << 1 | dir) & (KS_FLOW_SLOTS - 1)];
	/* the same tuple as this CPU's last packet: its key is known, only the counts move. A SYN
	 * goes the long way (it records the server). */
	__u32 epoch = *(volatile __u32 *)&ks_epoch;
	if (c && c->valid && !(flags & 0x02) && c->epoch == epoch && tuple_eq(&c->t, &t)) {
		c->misses = 0;
		if (c->slot != NO_SLOT) /* NO_SLOT: a hostNetwork pod's flow on a node device */
			slot_add(c->slot, len);
		return;
	}
	if (ks_hostnet && owner == KS_FLOW_OWNER_NETNS && t.netns == ks_host_netns &&
	    !bpf_map_lookup_elem(&flow_owner, &t.ifindex) && hostnet_own(skb, &t, dir)) {
		if (c && (!c->valid || c->epoch != epoch || ++c->misses >= KS_FLOW_MISSES)) {
			c->t = t;
			c->slot = NO_SLOT;
			c->epoch = epoch;
			c->misses = 0;
			c->valid = 1;
		}
		return;
	}
	__builtin_memset(&k, 0, sizeof(k));
	if (!key_netns(skb, &t, owner, &k.netns))
		return;
	k.ifindex = t.ifindex;
	k.dir = dir;
	k.family = t.family;
	k.proto = t.proto;
	k.owner = owner;
	if (dir == KS_FLOW_RX) {
		__builtin_memcpy(k.peer, t.saddr, 16);
		__builtin_memcpy(k.local, t.daddr, 16);
	} else {
		__builtin_memcpy(k.peer, t.daddr, 16);
		__builtin_memcpy(k.local, t.saddr, 16);
	}
	if (t.ports & 1) {
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
			f->bytes += len;
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
	slot_add(slot, len);
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
	if (!key_netns(skb, &t, owner, &k.netns))
		return;
	k.ifindex = t.ifindex;
	k.dir = dir;
	k.family = t.family;
	k.proto = t.proto;
	k.owner = owner;
add:;
	__u32 s2 = slot_of(&k);
	if (s2 != NO_SLOT)
		slot_add(s2, len);
}

static __always_inline void run(struct __sk_buff *skb, __u8 dir, __u32 netns, __u32 l3, __u32 extra, __u8 owner)
{
	struct ks_flow_last *c = NULL;
	if (ks_cache) {
		__u32 z = 0;
		c = bpf_map_lookup_elem(&flow_last, &z);
		if (c && c->busy)
			c = NULL;
	}
	if (c)
		c->busy = 1;
	count(skb, dir, c, netns, l3, extra, owner);
	if (c)
		c->busy = 0;
}

static __always_inline int run_tc(struct __sk_buff *skb, __u8 dir)
{
	if (ks_empty)
		return TCX_NEXT;
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	run(skb, dir, ks_tc_netns(kskb), ks_tc_l3_offset(kskb), 0, KS_FLOW_OWNER_NETNS);
	return TCX_NEXT;
}

SEC("tc")
int ks_flow_rx(struct __sk_buff *skb)
{
	return run_tc(skb, KS_FLOW_RX);
}

SEC("tc")
int ks_flow_tx(struct __sk_buff *skb)
{
	return run_tc(skb, KS_FLOW_TX);
}

/* a hostNetwork pod's socket sends or receives: counted under the pod (its cgroup id) */
static __always_inline int run_cg(struct __sk_buff *skb, __u8 dir)
{
	if (!ks_hostnet || ks_empty)
		return 1;
	if (skb->ifindex == 1 && !ks_cg_lo) /* LOOPBACK_IFINDEX: the node's lo (a pod's default) */
		return 1;
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct net_device *dev = kskb->dev;
	__u32 hh = dev ? dev->hard_header_len : 0;
	run(skb, dir, (__u32)bpf_skb_cgroup_id(skb), 0, hh, KS_FLOW_OWNER_CGROUP);
	return 1;
}

SEC("cgroup_skb/ingress")
int ks_flow_cg_rx(struct __sk_buff *skb)
{
	return run_cg(skb, KS_FLOW_RX);
}

SEC("cgroup_skb/egress")
int ks_flow_cg_tx(struct __sk_buff *skb)
{
	return run_cg(skb, KS_FLOW_TX);
}
