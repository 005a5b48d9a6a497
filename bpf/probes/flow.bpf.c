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
 * The packet's tuple as read (ports as sent, not yet the server's), in the words the per-CPU cache
 * compares: an IPv4 packet's in 3 (id, meta, a[0]), an IPv6 packet's in 6. id = netns | ifindex
 * << 32; meta = the 4 port bytes as sent (source, destination) | dir << 32 | proto << 40 | family
 * << 48 | ports << 56 (1: the ports were read; | 2: netns is a hostNetwork pod's socket's cgroup,
 * owner CGROUP), never 0 for an IP packet (family); a = the source and destination addresses:
 * IPv4 both in a[0] (source in the low half), a[1..3] 0; IPv6 source a[0..1], destination a[2..3].
 */
struct ks_flow_hot {
	__u64 id;
	__u64 meta;
	__u64 a[4];
};

/* the same tuple as the slow path (a new flow, a SYN) reads it: addresses zero-padded to 16 bytes */
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
	__u8 ports;
};

/*
 * Per CPU, by (namespace, interface, direction), the last flow counted and its slot id: a bulk
 * stream costs a compare of 3 words (IPv4; 6 for IPv6) and one counter add per packet, with no
 * server lookups and no hash lookup. Nothing is pending here (the counters are added at once), so a
 * read needs no flush. A cached slot id is used only in the epoch it was taken: the helper bumps the
 * epoch when it takes slots back, and gives them out again a cycle later, when no program can still
 * hold them. An empty entry has meta 0, which no packet's tuple has.
 */
struct ks_flow_lastslot {
	struct ks_flow_hot t;
	__u32 slot;
	__u32 epoch;
	__u32 misses; /* packets of other tuples since the last hit */
	__u32 _pad;
};

/* slots per CPU: a veth pair counted at both ends on one CPU (tx of one pod, rx of the other)
 * keeps two streams cached, not one evicting the other */
#define KS_FLOW_SLOTS  8
#define KS_FLOW_MISSES 16

/*
 * Two caches, so that no program reads a slot another one on its CPU has half written:
 *  - flow_last, the tc programs': they never run nested on one CPU. tcx egress runs in
 *    __dev_queue_xmit under rcu_read_lock_bh (bottom halves off), tcx ingress in
 *    __netif_receive_skb_core from the receive softirq (or with bottom halves off: netif_receive_skb
 *    may only be called so), and neither runs in hard interrupts; a program that sends a packet
 *    from inside itself (bpf_clone_redirect: its tcx egress hook runs within) is never ours, and
 *    ours run to the end before the next program of the chain. So while a tc program of ours runs
 *    on a CPU, no other tc program can start there: the cache needs no guard.
 *  - flow_last_cg, the cgroup_skb programs': egress runs in the sending task (process context,
 *    preemptible: migrate_disable only), where the receive softirq's ingress program (or another
 *    task's egress after a preemption) can run on the same CPU in the middle of it. busy: such a
 *    second program leaves the cache alone. (A tc program interrupting one uses the other map.)
 * BPF_PROG_TEST_RUN runs a program with only migration off: a benchmark loop over a tc program
 * could be interrupted by the same program on traffic; the bench never runs both at once.
 */
struct ks_flow_last {
	struct ks_flow_lastslot slot[KS_FLOW_SLOTS];
};

struct ks_flow_last_cg {
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

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_flow_last_cg);
} flow_last_cg SEC(".maps");

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
 * pod's series count frames like every other pod's. cache: this CPU's slots of its program kind's
 * cache, or NULL.
 */
static __always_inline void count(struct __sk_buff *skb, __u8 dir, struct ks_flow_lastslot *cache, __u32 netns,
				  __u32 l3, __u32 extra, __u8 owner)
{
	struct ks_flow_key k; /* zeroed where it is built: a cache hit never needs it */
	struct ks_flow_tuple t;
	if (ks_stop == 1) {
		volatile __u32 sink = netns; /* the read must stay */
		(void)sink;
		return;
	}
	__u32 len = skb->len + extra;
	__u32 ifindex = skb->ifindex;
	struct ks_flow_hot h = {.id = netns | (__u64)ifindex << 32};
	__u64 meta = (__u64)dir << 32 | (owner == KS_FLOW_OWNER_CGROUP ? 2ull << 56 : 0);
	__u8 family = 0, proto = 0, flags = 0;
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
		family = 4;
		proto = ip->protocol;
		h.a[0] = ip->saddr | (__u64)ip->daddr << 32;
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
		family = 6;
		proto = ip6->nexthdr; /* extension headers are not walked: counted without ports */
		__builtin_memcpy(&h.a[0], &ip6->saddr, 16);
		__builtin_memcpy(&h.a[2], &ip6->daddr, 16);
		l4off = l3 + 40;
	} else {
		/* not IP (ARP, LLDP…): counted per ethertype so the totals match the device's */
		t.netns = netns;
		__builtin_memset(&k, 0, sizeof(k));
		if (!key_netns(skb, &t, owner, &k.netns))
			return;
		k.ifindex = ifindex;
		k.dir = dir;
		k.port = bpf_ntohs(skb->protocol);
		k.owner = owner;
		goto add;
	}
	if (l4off && (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
		__u32 l4c[4];
		__u8 *l4 = data + l4off;
		if ((void *)(l4 + 14) > end) {
			/* short segment or non-linear headers: copy (UDP needs only its 4 port bytes) */
			if (bpf_skb_load_bytes(skb, l4off, l4c, proto == IPPROTO_TCP ? 14 : 4) < 0) {
				stat_inc(KS_FLOW_ST_SHORT);
				goto ports_done;
			}
			l4 = (__u8 *)l4c;
		}
		meta |= *(__u32 *)l4 | 1ull << 56;
		if (proto == IPPROTO_TCP)
			flags = l4[13];
	}
ports_done:
	meta |= (__u64)proto << 40 | (__u64)family << 48;
	h.meta = meta;
	struct ks_flow_lastslot *c = NULL;
	if (cache)
		c = &cache[((netns ^ ifindex) << 1 | dir) & (KS_FLOW_SLOTS - 1)];
	/* the same tuple as this CPU's last packet here: its key is known, only the counts move. A
	 * SYN goes the long way (it records the server). */
	__u32 epoch = *(volatile __u32 *)&ks_epoch;
	if (c && !(flags & 0x02) && c->epoch == epoch && c->t.id == h.id && c->t.meta == h.meta &&
	    c->t.a[0] == h.a[0] &&
	    (family == 4 || ((c->t.a[1] ^ h.a[1]) | (c->t.a[2] ^ h.a[2]) | (c->t.a[3] ^ h.a[3])) == 0)) {
		if (c->misses)
			c->misses = 0;
		if (c->slot != NO_SLOT) /* NO_SLOT: a hostNetwork pod's flow on a node device */
			slot_add(c->slot, len);
		return;
	}
	/* another tuple (or a SYN): the tuple in full for the key */
	t.netns = netns;
	t.ifindex = ifindex;
	t.dir = dir;
	t.proto = proto;
	t.family = family;
	t.ports = meta >> 56;
	__u32 pb = (__u32)meta; /* the port bytes as they were in the packet */
	t.sport = ks_be16((__u8 *)&pb);
	t.dport = ks_be16((__u8 *)&pb + 2);
	if (family == 4) {
		__u32 s4 = (__u32)h.a[0], d4 = h.a[0] >> 32;
		__builtin_memset(t.saddr, 0, 16);
		__builtin_memset(t.daddr, 0, 16);
		__builtin_memcpy(t.saddr, &s4, 4);
		__builtin_memcpy(t.daddr, &d4, 4);
	} else {
		__builtin_memcpy(t.saddr, &h.a[0], 16);
		__builtin_memcpy(t.daddr, &h.a[2], 16);
	}
	if (ks_hostnet && owner == KS_FLOW_OWNER_NETNS && netns == ks_host_netns &&
	    !bpf_map_lookup_elem(&flow_owner, &ifindex) && hostnet_own(skb, &t, dir)) {
		if (c && (c->t.meta == 0 || c->epoch != epoch || ++c->misses >= KS_FLOW_MISSES)) {
			c->t = h;
			c->slot = NO_SLOT;
			c->epoch = epoch;
			c->misses = 0;
		}
		return;
	}
	__builtin_memset(&k, 0, sizeof(k));
	if (!key_netns(skb, &t, owner, &k.netns))
		return;
	k.ifindex = ifindex;
	k.dir = dir;
	k.family = family;
	k.proto = proto;
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
		if (proto == IPPROTO_TCP) {
			if ((flags & 0x12) == 0x02) { /* SYN without ACK: the receiver is the server */
				struct ks_flow_srv s = {.port = dport, .family = family};
				__builtin_memcpy(s.addr, t.daddr, 16);
				__u8 one = 1;
				bpf_map_update_elem(&servers, &s, &one, BPF_ANY);
				dst_is_server = true;
			} else if (srv_known(t.daddr, dport, family)) {
				dst_is_server = true;
			} else if (srv_known(t.saddr, sport, family)) {
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
	if (c && (c->t.meta == 0 || c->epoch != epoch || ++c->misses >= KS_FLOW_MISSES)) {
		c->t = h;
		c->slot = slot;
		c->epoch = epoch;
		c->misses = 0;
	}
	return;
short_hdr:
	stat_inc(KS_FLOW_ST_SHORT);
	t.netns = netns;
	__builtin_memset(&k, 0, sizeof(k));
	if (!key_netns(skb, &t, owner, &k.netns))
		return;
	k.ifindex = ifindex;
	k.dir = dir;
	k.owner = owner; /* family and proto 0: an IP packet whose header could not be read */
add:;
	__u32 s2 = slot_of(&k);
	if (s2 != NO_SLOT)
		slot_add(s2, len);
}

/* the short way's end, once the family's words are read: one test, few branches — a packet of
 * another protocol differs in meta (only TCP's and UDP's entries have ports), a SYN by its flag,
 * other: what differs in the family's own words (IPv4: a later fragment's offset; IPv6: the other
 * three address words) */
static __always_inline bool hit_tail(struct __sk_buff *skb, struct ks_flow_lastslot *c, __u8 *l4, __u64 meta, __u64 id,
				     __u64 a0, __u64 other, __u32 extra)
{
	__u8 proto = meta >> 40;
	__u64 syn = l4[13] & 0x02 & -(__u64)(proto == IPPROTO_TCP);
	__u64 diff = (c->t.id ^ id) | (c->t.meta ^ (meta | *(__u32 *)l4)) | (c->t.a[0] ^ a0) |
		     (c->epoch ^ *(volatile __u32 *)&ks_epoch) | other | syn;
	if (diff)
		return false;
	c->misses = 0;
	if (c->slot != NO_SLOT) /* NO_SLOT: a hostNetwork pod's flow on a node device */
		slot_add(c->slot, skb->len + extra);
	return true;
}

/*
 * The common packet, apart and short: a TCP (not a SYN) or UDP packet, IPv4 unfragmented or IPv6
 * with no extension header, its headers in the linear part, of the tuple this CPU's cache holds.
 * Reads only what the compare needs and adds the counts; false: count() takes it the whole way (it
 * builds the same words). netns, l3, extra and owner as count() takes them, for either program kind.
 * Each family's branch ends in its own inlined copy of hit_tail, so that each keeps its values in
 * registers.
 */
static __always_inline bool hit(struct __sk_buff *skb, __u8 dir, struct ks_flow_lastslot *cache, __u32 netns, __u32 l3,
				__u32 extra, __u8 owner)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	__u32 ifindex = skb->ifindex;
	struct ks_flow_lastslot *c = &cache[((netns ^ ifindex) << 1 | dir) & (KS_FLOW_SLOTS - 1)];
	__u64 id = netns | (__u64)ifindex << 32;
	__u64 meta = (__u64)dir << 32 | (owner == KS_FLOW_OWNER_CGROUP ? 3ull : 1ull) << 56;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + l3;
		if ((void *)(ip + 1) > end)
			return false;
		__u8 *l4 = (__u8 *)ip + (ip->ihl & 0xf) * 4;
		if ((void *)(l4 + 14) > end)
			return false;
		return hit_tail(skb, c, l4, meta | (__u64)ip->protocol << 40 | 4ull << 48, id,
				ip->saddr | (__u64)ip->daddr << 32, ip->frag_off & bpf_htons(0x1fff), extra);
	}
	if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + l3;
		__u8 *l4 = (__u8 *)(ip6 + 1);
		if ((void *)(l4 + 14) > end)
			return false;
		__u64 a[4];
		__builtin_memcpy(a, &ip6->saddr, 32); /* saddr, then daddr */
		/* nexthdr: an extension header's number is no cached entry's protocol */
		return hit_tail(skb, c, l4, meta | (__u64)ip6->nexthdr << 40 | 6ull << 48, id, a[0],
				(c->t.a[1] ^ a[1]) | (c->t.a[2] ^ a[2]) | (c->t.a[3] ^ a[3]), extra);
	}
	return false;
}

static __always_inline int run_tc(struct __sk_buff *skb, __u8 dir)
{
	if (ks_empty)
		return TCX_NEXT;
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	struct ks_flow_last *c = NULL;
	if (ks_cache) {
		__u32 z = 0;
		c = bpf_map_lookup_elem(&flow_last, &z); /* no guard: see flow_last */
	}
	__u32 netns = ks_tc_netns(kskb);
	__u32 l3 = ks_tc_l3_offset(kskb);
	if (c && hit(skb, dir, c->slot, netns, l3, 0, KS_FLOW_OWNER_NETNS))
		return TCX_NEXT;
	count(skb, dir, c ? c->slot : NULL, netns, l3, 0, KS_FLOW_OWNER_NETNS);
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
	struct ks_flow_last_cg *c = NULL;
	if (ks_cache) {
		__u32 z = 0;
		c = bpf_map_lookup_elem(&flow_last_cg, &z);
		if (c && c->busy) /* a program of ours that this one interrupted is using it */
			c = NULL;
	}
	__u32 leaf = (__u32)bpf_skb_cgroup_id(skb);
	if (c) {
		c->busy = 1;
		if (!hit(skb, dir, c->slot, leaf, 0, hh, KS_FLOW_OWNER_CGROUP))
			count(skb, dir, c->slot, leaf, 0, hh, KS_FLOW_OWNER_CGROUP);
		c->busy = 0;
	} else {
		count(skb, dir, NULL, leaf, 0, hh, KS_FLOW_OWNER_CGROUP);
	}
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
