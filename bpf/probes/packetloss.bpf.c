// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* packetloss: every kfree_skb whose reason is not filtered, counted per namespace and reason;
 * events carry the drop location and the packet tuple. Which reasons are ignored / counted only
 * is written by the helper into `reason_mode` after load (names resolved from BTF). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "ks_common.bpf.h"

/* mode for reasons outside the core enum (subsystem reasons: mac80211, openvswitch, ...) */
const volatile __u32 ks_subsys_mode = KS_MODE_EVENT;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_MAX_REASONS);
	__type(key, __u32);
	__type(value, __u32);
} reason_mode SEC(".maps");

SEC("tp_btf/kfree_skb")
int BPF_PROG(ks_kfree_skb, struct sk_buff *skb, void *location, int reason)
{
	if (!skb)
		return 0;
	__u32 r = (__u32)reason;
	__u32 mode = ks_subsys_mode;
	if (r < KS_MAX_REASONS) {
		__u32 *m = bpf_map_lookup_elem(&reason_mode, &r);
		mode = m ? *m : KS_MODE_EVENT;
	}
	if (mode == KS_MODE_IGNORE) {
		ks_stat(KS_STAT_IGNORED);
		return 0;
	}

	__u32 netns = ks_skb_netns(skb);
	ks_stat(KS_STAT_HITS);
	ks_count(netns, KS_DOMAIN_EVENTS, r);
	if (mode != KS_MODE_EVENT)
		return 0;
	__u64 now = bpf_ktime_get_boot_ns();

	struct ks_packet_drop *e = ks_reserve(netns, now, sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	ks_fill_hdr(&e->hdr, KS_REC_PACKET_DROP, KS_PACKET_DROP_V, sizeof(*e), now, netns);
	e->location = (__u64)location;
	e->reason = r;
	struct net_device *dev = BPF_CORE_READ(skb, dev);
	e->ifindex = dev ? BPF_CORE_READ(dev, ifindex) : BPF_CORE_READ(skb, skb_iif);
	ks_tuple_from_skb(skb, &e->tuple, false);
	ks_submit(e, sizeof(*e));
	return 0;
}
