/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared BPF code for every event probe: the per-object maps, exact per-namespace counting,
 * rate limiting and ring-buffer submission with watermark wake-ups. Each probe object includes
 * it once, so each probe has its own ring buffer, counters and limits (a probe that fails to
 * load cannot take another one down).
 */
#ifndef KS_COMMON_BPF_H
#define KS_COMMON_BPF_H

#include "ks_proto.h"
#include "ks_probes.gen.h"

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#endif
#ifndef ETH_P_IPV6
#define ETH_P_IPV6 0x86DD
#endif
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#endif
#ifndef IPPROTO_UDP
#define IPPROTO_UDP 17
#endif

/* bpf/probes/latency_hooks.bpf.c includes several probes in one object: one license */
#ifndef KS_NO_LICENSE
char LICENSE[] SEC("license") = "GPL";
#endif

/* Set by the helper before load (skeleton .rodata); the verifier then prunes dead branches. */
const volatile __u32 ks_netns_rate = KS_DEFAULT_NETNS_RATE;   /* events per window per namespace, KS_UNLIMITED = off */
const volatile __u32 ks_global_rate = KS_DEFAULT_GLOBAL_RATE; /* events per window for this probe */
const volatile __u64 ks_window_ns = KS_DEFAULT_WINDOW_MS * 1000000ull;
const volatile __u64 ks_watermark = KS_DEFAULT_WATERMARK_KIB * 1024ull; /* bytes pending before a forced wake-up */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by the helper (ring_kib option) */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384); /* resized by the helper (count_entries option) */
	__type(key, struct ks_count_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct ks_rate {
	__u64 window_start;
	__u64 count;
};

/* Rate state may be evicted (LRU): losing it only restarts a window, never a count. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct ks_rate);
} netns_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_rate);
} global_rate SEC(".maps");

static __always_inline void ks_stat(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);
	if (v)
		__sync_fetch_and_add(v, 1);
}

/* Exact count. Per-CPU values, but programs of one object can preempt each other on a CPU
 * (process context vs softirq), so the add is still atomic. */
static __always_inline void ks_count(__u32 netns, __u16 domain, __u32 code)
{
	struct ks_count_key k = {.netns = netns, .domain = domain, .code = code};
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	__u64 one = 1;
	if (bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST) == 0)
		return;
	/* lost the insert race to another program on this CPU, or the map is full */
	v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		ks_stat(KS_STAT_COUNT_MAP_FULL);
}

/* Fixed window limiter made of atomics only (tracing programs may not use bpf_spin_lock).
 * At a window roll-over, racing CPUs can let through at most one extra event each. */
static __always_inline bool ks_window_allow(struct ks_rate *r, __u64 now, __u32 limit)
{
	__u64 ws = r->window_start;
	if (now - ws >= ks_window_ns) {
		if (__sync_val_compare_and_swap(&r->window_start, ws, now) == ws)
			__sync_fetch_and_and(&r->count, 0);
	}
	return __sync_fetch_and_add(&r->count, 1) < limit;
}

static __always_inline bool ks_netns_allow(__u32 netns, __u64 now)
{
	if (ks_netns_rate == KS_UNLIMITED)
		return true;
	if (ks_netns_rate == 0)
		return false;
	struct ks_rate *r = bpf_map_lookup_elem(&netns_rate, &netns);
	if (!r) {
		struct ks_rate init = {.window_start = now, .count = 0};
		bpf_map_update_elem(&netns_rate, &netns, &init, BPF_NOEXIST);
		r = bpf_map_lookup_elem(&netns_rate, &netns);
		if (!r)
			return true; /* cannot track: do not starve the namespace */
	}
	return ks_window_allow(r, now, ks_netns_rate);
}

static __always_inline bool ks_global_allow(__u64 now)
{
	if (ks_global_rate == KS_UNLIMITED)
		return true;
	if (ks_global_rate == 0)
		return false;
	__u32 zero = 0;
	struct ks_rate *r = bpf_map_lookup_elem(&global_rate, &zero);
	if (!r)
		return true;
	return ks_window_allow(r, now, ks_global_rate);
}

static __always_inline void ks_undelivered(__u32 netns, __u32 cause, __u32 stat)
{
	ks_stat(stat);
	ks_count(netns, KS_DOMAIN_UNDELIVERED, cause);
}

/* Rate limits, then a ring-buffer slot. NULL = not delivered (already counted as such). */
static __always_inline void *ks_reserve(__u32 netns, __u64 now, __u32 size)
{
	if (!ks_netns_allow(netns, now)) {
		ks_undelivered(netns, KS_UNDELIVERED_NETNS_RATE, KS_STAT_NETNS_RATE);
		return NULL;
	}
	if (!ks_global_allow(now)) {
		ks_undelivered(netns, KS_UNDELIVERED_GLOBAL_RATE, KS_STAT_GLOBAL_RATE);
		return NULL;
	}
	void *e = bpf_ringbuf_reserve(&events, size, 0);
	if (!e)
		ks_undelivered(netns, KS_UNDELIVERED_RING_FULL, KS_STAT_RING_FULL);
	return e;
}

static __always_inline void ks_fill_hdr(struct ks_hdr *h, __u8 type, __u8 version, __u32 len, __u64 now, __u32 netns)
{
	h->magic = KS_MAGIC;
	h->type = type;
	h->version = version;
	h->len = len;
	h->ts_ns = now;
	h->netns = netns;
	h->cpu = bpf_get_smp_processor_id();
}

/* A wake-up costs ~12 us on this VM against ~0.2 us without, so records go in with
 * BPF_RB_NO_WAKEUP and the reader is woken only by the record that makes the pending data
 * cross the watermark: once the reader lags beyond it, later records must not wake it again
 * (it is awake and draining), or every record would pay for a wake-up. Whatever stays under
 * the watermark is found by the helper's short poll timeout. */
static __always_inline void ks_submit(void *e, __u32 size)
{
	/* pending bytes, this record (with its 8-byte ring header) included */
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 mine = ((__u64)size + 8 + 7) & ~7ull;
	if (avail >= ks_watermark && avail - mine < ks_watermark) {
		bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
		ks_stat(KS_STAT_WAKEUPS);
	} else {
		bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	}
	ks_stat(KS_STAT_SUBMITTED);
}

/* ---- namespace and tuple helpers ----
 * Hot path (every hook run): direct BTF pointer loads, which the verifier turns into
 * fault-safe loads (a NULL or bad pointer reads as 0) at a fraction of the cost of
 * bpf_probe_read_kernel() calls; field offsets are still CO-RE relocated (vmlinux.h carries
 * preserve_access_index). Only the event path uses BPF_CORE_READ / probe reads. */

static __always_inline __u32 ks_sk_netns(const struct sock *sk)
{
	if (!sk)
		return 0;
	return sk->__sk_common.skc_net.net->ns.inum;
}

static __always_inline __u32 ks_skb_netns(const struct sk_buff *skb)
{
	/* tp_btf pointer args are trusted-or-NULL: the verifier wants the check before any use */
	if (!skb)
		return 0;
	struct net_device *dev = skb->dev;
	if (dev)
		return dev->nd_net.net->ns.inum;
	return ks_sk_netns(skb->sk);
}

/* Tuple of a socket, local -> remote, or remote -> local with swap (works for full, request and
 * timewait sockets: all start with struct sock_common). */
static __always_inline void ks_tuple_from_sk(const struct sock *sk, struct ks_tuple *t, bool swap)
{
	__u16 fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	__u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	__u8 *local = swap ? t->daddr : t->saddr;
	__u8 *remote = swap ? t->saddr : t->daddr;
	if (lport == 0) {
		/* tcp_set_state(TCP_CLOSE) releases the bound port (skc_num = 0) before an abort's
		 * reset is sent; a full socket still has the port in inet_sport (timewait and request
		 * sockets are not inet_socks, but they keep skc_num) */
		__u8 st = BPF_CORE_READ(sk, __sk_common.skc_state);
		if (st != 6 /* TCP_TIME_WAIT */ && st != 12 /* TCP_NEW_SYN_RECV */)
			lport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	}
	t->l4proto = IPPROTO_TCP;
	t->sport = swap ? rport : lport;
	t->dport = swap ? lport : rport;
	if (fam == AF_INET) {
		t->family = KS_FAMILY_IPV4;
		bpf_core_read(local, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(remote, 4, &sk->__sk_common.skc_daddr);
	} else if (fam == AF_INET6) {
		t->family = KS_FAMILY_IPV6;
		bpf_core_read(local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(remote, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Tuple from the packet headers; swap = write the packet's destination as source (a reset
 * answers the packet). Returns 0 when an IP header was found. */
static __always_inline int ks_tuple_from_skb(const struct sk_buff *skb, struct ks_tuple *t, bool swap)
{
	if (!skb)
		return -1;
	unsigned char *head = BPF_CORE_READ(skb, head);
	__u16 nh = BPF_CORE_READ(skb, network_header);
	__u16 proto = bpf_ntohs(BPF_CORE_READ(skb, protocol));
	__u8 l4 = 0;
	__u32 l4off = 0;
	bool ports = false;
	__u8 *sa = swap ? t->daddr : t->saddr;
	__u8 *da = swap ? t->saddr : t->daddr;

	if (!head || nh == (__u16)~0U)
		return -1;
	if (proto == ETH_P_IP) {
		struct iphdr ip;
		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return -1;
		if (ip.version != 4 || ip.ihl < 5)
			return -1;
		t->family = KS_FAMILY_IPV4;
		__builtin_memcpy(sa, &ip.saddr, 4);
		__builtin_memcpy(da, &ip.daddr, 4);
		l4 = ip.protocol;
		l4off = nh + ip.ihl * 4;
		/* only the first fragment carries ports */
		ports = (bpf_ntohs(ip.frag_off) & 0x1fff) == 0;
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr ip6;
		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return -1;
		if (ip6.version != 6)
			return -1;
		t->family = KS_FAMILY_IPV6;
		__builtin_memcpy(sa, &ip6.saddr, 16);
		__builtin_memcpy(da, &ip6.daddr, 16);
		l4 = ip6.nexthdr; /* extension headers are not walked: ports stay 0 behind them */
		l4off = nh + sizeof(ip6);
		ports = true;
	} else {
		return -1;
	}
	t->l4proto = l4;
	if (ports && (l4 == IPPROTO_TCP || l4 == IPPROTO_UDP)) {
		__be16 p[2];
		if (bpf_probe_read_kernel(p, sizeof(p), head + l4off) == 0) {
			__u16 s = bpf_ntohs(p[0]), d = bpf_ntohs(p[1]);
			t->sport = swap ? d : s;
			t->dport = swap ? s : d;
		}
	}
	return 0;
}

#endif
