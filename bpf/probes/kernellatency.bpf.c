// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* kernellatency: time a packet spends in the kernel, without kprobes.
 *   rx: tp_btf/netif_receive_skb (IPv4/IPv6 skb enters the stack; slot keyed by the skb) ->
 *       tp_btf/sk_data_ready of a TCP/UDP socket whose receive-queue tail is that skb. Covers
 *       the whole IP + transport receive path in one stage (no tracepoint between: KubeSkoop's
 *       PREROUTING/ROUTE/LOCAL_IN breakdown needed kprobes). Segments coalesced into an older
 *       skb, forwarded packets and pure ACKs never reach a socket queue and are not measured.
 *   tx: tp_btf/net_dev_queue: now - skb->tstamp for TCP segments, which TCP stamps with its
 *       CLOCK_MONOTONIC transmit time in __tcp_transmit_skb (EDT): the IP output path and the
 *       neighbour layer up to the device queue. Future (paced) stamps are skipped; other
 *       protocols carry no send stamp and are not measured.
 * Per namespace of the socket. Thresholds 10 / 100 ms; events RXKERNEL_SLOW / TXKERNEL_SLOW. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* thresholds, event level and tracking-table size: bpf/probes/kernellatency.yaml (ks_probes.gen.h) */
#include "ks_latency.bpf.h"

#define SKB_CLOCK_MONO 1

struct rx_slot {
	__u64 skb;
	__u64 ts;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_TRACK_ENTRIES);
	__type(key, __u32);
	__type(value, struct rx_slot);
} track SEC(".maps");

static __always_inline void emit(const struct sock *sk, __u32 netns, __u8 metric, __u32 level, __u64 lat, __u32 ifindex,
				 __u32 len)
{
	struct ks_latency *e = ks_lat_event(netns, metric, 0, level, lat);
	if (!e)
		return;
	/* rx: remote -> local, tx: local -> remote */
	ks_tuple_from_sk(sk, &e->tuple, metric == KS_LAT_KERNEL_RX);
	e->stage_ns[0] = lat;
	e->aux = ifindex;
	e->bytes = len;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
}

SEC("tp_btf/netif_receive_skb")
int BPF_PROG(ks_kl_netif_receive_skb, struct sk_buff *skb)
{
	if (!skb)
		return 0;
	__u16 proto = skb->protocol;
	if (proto != bpf_htons(ETH_P_IP) && proto != bpf_htons(ETH_P_IPV6))
		return 0;
	/* a slot still holding an unmatched skb is normal here (forwarded packets, pure ACKs,
	 * coalesced segments never reach a socket queue): overwritten, not counted as loss */
	__u64 key = ks_ptr_key(&ctx[0]);
	__u32 i = ks_track_slot(key);
	struct rx_slot *s = bpf_map_lookup_elem(&track, &i);
	if (!s)
		return 0;
	s->skb = key;
	s->ts = bpf_ktime_get_ns();
	return 0;
}

/* The bodies of the programs on the hooks this probe shares with others (sk_data_ready,
 * net_dev_queue): bpf/probes/latency_hooks.bpf.c runs them from one program per hook, with one
 * clock read for all of them (ks_now). */
static __always_inline void kl_data_ready(const struct sock *sk, __u64 *now)
{
	if (!sk)
		return;
	__u16 fam = sk->__sk_common.skc_family;
	__u16 proto = sk->sk_protocol;
	if ((fam != AF_INET && fam != AF_INET6) || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return;
	/* the queue head is the list sentinel: prev == its own address when the queue is empty */
	struct sk_buff *tail = sk->sk_receive_queue.prev;
	if (!tail)
		return;
	__u64 tailkey = ks_ptr_diff(tail);
	if (tailkey == ks_ptr_diff(&sk->sk_receive_queue))
		return;
	__u32 i = ks_track_slot(tailkey);
	struct rx_slot *s = bpf_map_lookup_elem(&track, &i);
	if (!s || s->skb != tailkey || !s->ts)
		return;
	__u64 t = ks_now(now);
	__u64 start = s->ts;
	s->skb = 0;
	s->ts = 0;
	if (!ks_track_fresh(start, t, KS_LAT_KERNEL_RX))
		return;
	__u64 lat = t - start;
	__u32 netns = ks_sk_netns(sk);
	__u32 level = ks_lat_record(netns, KS_LAT_KERNEL_RX, 0, lat);
	if (ks_lat_want_event(level))
		emit(sk, netns, KS_LAT_KERNEL_RX, level, lat, tail->skb_iif, tail->len);
}

static __always_inline void kl_dev_queue(const struct sk_buff *skb, __u64 *now)
{
	if (!skb)
		return;
	struct sock *sk = skb->sk;
	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return;
	__u64 ts = skb->tstamp;
	if (!ts || BPF_CORE_READ_BITFIELD(skb, tstamp_type) != SKB_CLOCK_MONO)
		return;
	__u64 t = ks_now(now);
	if (ts > t)
		return; /* paced: departure time in the future */
	__u64 lat = t - ts;
	__u32 netns = ks_sk_netns(sk);
	__u32 level = ks_lat_record(netns, KS_LAT_KERNEL_TX, 0, lat);
	if (ks_lat_want_event(level)) {
		struct net_device *dev = skb->dev;
		emit(sk, netns, KS_LAT_KERNEL_TX, level, lat, dev ? dev->ifindex : 0, skb->len);
	}
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(ks_kl_sk_data_ready, const struct sock *sk)
{
	__u64 now = 0;
	kl_data_ready(sk, &now);
	return 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(ks_kl_net_dev_queue, struct sk_buff *skb)
{
	__u64 now = 0;
	kl_dev_queue(skb, &now);
	return 0;
}
