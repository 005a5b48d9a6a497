// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* netiftxlatency: time a packet waits in the qdisc (tp_btf/net_dev_queue -> net_dev_start_xmit)
 * and in the driver's transmit (net_dev_start_xmit -> net_dev_xmit), per namespace of the
 * device, keyed by the skb in a direct-mapped slot table. Thresholds 10 ms / 100 ms; events
 * TXLAT_QDISC_100MS / TXLAT_NETDEV_100MS above 100 ms (KubeSkoop's only threshold).
 * An skb the qdisc drops never reaches start_xmit: its slot is reused later and counted as
 * evicted/expired (the drop itself is packetloss's QDISC_DROP). GSO segments made after
 * net_dev_queue are new skbs and are not matched. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* thresholds, event level and tracking-table size: bpf/probes/netiftxlatency.yaml (ks_probes.gen.h) */
#include "ks_latency.bpf.h"

struct skb_slot {
	__u64 skb;
	__u64 qts;  /* queued (0 = not waiting for start_xmit) */
	__u64 sts;  /* handed to the driver (0 = not waiting for xmit) */
	__u64 qlat; /* time it spent in the qdisc, for the driver event's breakdown */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_TRACK_ENTRIES);
	__type(key, __u32);
	__type(value, struct skb_slot);
} track SEC(".maps");

static __always_inline struct skb_slot *slot_of(__u64 key)
{
	__u32 i = ks_track_slot(key);
	struct skb_slot *s = bpf_map_lookup_elem(&track, &i);
	return s && s->skb == key ? s : NULL;
}

static __always_inline void emit(const struct sk_buff *skb, const struct net_device *dev, __u32 netns, __u8 metric,
				 __u32 level, __u64 lat, __u64 qlat, __u64 dlat)
{
	struct ks_latency *e = ks_lat_event(netns, metric, 0, level, lat);
	if (!e)
		return;
	ks_tuple_from_skb(skb, &e->tuple, false);
	e->stage_ns[0] = qlat;
	e->stage_ns[1] = dlat;
	e->aux = BPF_CORE_READ(dev, ifindex);
	e->bytes = BPF_CORE_READ(skb, len);
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), dev->name);
	ks_submit(e, sizeof(*e));
}

static __always_inline __u32 dev_netns(const struct net_device *dev)
{
	return dev ? dev->nd_net.net->ns.inum : 0;
}

/* The body of the program on net_dev_queue, which this probe shares with others:
 * bpf/probes/latency_hooks.bpf.c runs it from one program per hook, with one clock read (ks_now). */
static __always_inline void nt_dev_queue(const struct sk_buff *skb, __u64 *now)
{
	if (!skb)
		return;
	__u64 t = ks_now(now);
	__u64 key = ks_ptr_diff(skb);
	__u32 i = ks_track_slot(key);
	struct skb_slot *s = bpf_map_lookup_elem(&track, &i);
	if (!s)
		return;
	if (s->skb != key) {
		if (s->qts)
			ks_track_take(s->skb, s->qts, key, t, KS_LAT_QDISC);
		else if (s->sts)
			ks_track_take(s->skb, s->sts, key, t, KS_LAT_NETDEV);
		s->skb = key;
	}
	s->qts = t;
	s->sts = 0;
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(ks_netif_queue, struct sk_buff *skb)
{
	__u64 now = 0;
	nt_dev_queue(skb, &now);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(ks_netif_start_xmit, const struct sk_buff *skb, const struct net_device *dev)
{
	if (!skb || !dev)
		return 0;
	struct skb_slot *s = slot_of(ks_ptr_key(&ctx[0]));
	if (!s || !s->qts)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 start = s->qts;
	s->qts = 0;
	s->sts = now;
	s->qlat = 0;
	if (!ks_track_fresh(start, now, KS_LAT_QDISC))
		return 0;
	__u64 lat = now - start;
	s->qlat = lat;
	__u32 netns = dev_netns(dev);
	__u32 level = ks_lat_record(netns, KS_LAT_QDISC, 0, lat);
	if (ks_lat_want_event(level))
		emit(skb, dev, netns, KS_LAT_QDISC, level, lat, lat, 0);
	return 0;
}

SEC("tp_btf/net_dev_xmit")
int BPF_PROG(ks_netif_xmit, struct sk_buff *skb, int rc, struct net_device *dev, unsigned int len)
{
	if (!skb || !dev)
		return 0;
	struct skb_slot *s = slot_of(ks_ptr_key(&ctx[0]));
	if (!s || !s->sts)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 start = s->sts;
	__u64 qlat = s->qlat;
	s->skb = 0;
	s->sts = 0;
	if (!ks_track_fresh(start, now, KS_LAT_NETDEV))
		return 0;
	__u64 lat = now - start;
	__u32 netns = dev_netns(dev);
	__u32 level = ks_lat_record(netns, KS_LAT_NETDEV, 0, lat);
	/* the skb may already be freed by the driver: the tuple is read fault-safe, may be empty */
	if (ks_lat_want_event(level))
		emit(skb, dev, netns, KS_LAT_NETDEV, level, lat, qlat, lat);
	return 0;
}
