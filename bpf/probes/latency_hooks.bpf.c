// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* latency_hooks: ONE program per hook that several latency probes share, doing the work of each
 * loaded probe on that hook, so a packet runs one program where it ran three:
 *   tp_btf/net_dev_queue  kernellatency (tx), netiftxlatency (queued), socketlatency (send end)
 *   tp_btf/sk_data_ready  kernellatency (rx end), socketlatency (read start)
 * Not a probe (no descriptor): the helper loads it next to the probes (helper/hooks.c). Each
 * probe keeps its own object, maps and file; this object includes the three probe sources,
 * each with its globals renamed by a prefix (kl_, nt_, sl_), and the helper points every renamed
 * map at the loaded probe's own map (bpf_map__reuse_fd) and copies its rodata, so the work runs
 * on the probe's counts, histograms, tracking table and ring exactly as the probe's own program
 * would. Rodata flags (set by the helper) say which probes are loaded; the verifier drops the
 * rest.
 * Why hand-written and not generated: it is one file for the one case where descriptors share
 * hooks, and the program bodies are the probes' own (the inline functions their programs on these
 * hooks call), so nothing here repeats a probe's logic; a generator would need a C emitter for a
 * 40-line file. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";
#define KS_NO_LICENSE

/* which probes are loaded (set by the helper before load) */
const volatile bool ks_hook_kl = false; /* kernellatency */
const volatile bool ks_hook_nt = false; /* netiftxlatency */
const volatile bool ks_hook_sl = false; /* socketlatency */

/* every global name of ks_common.bpf.h, ks_latency.bpf.h and the three probe files that is not
 * unique across them gets the current probe's prefix */
#define KS_PFX3(p, x)	    p##x
#define KS_PFX2(p, x)	    KS_PFX3(p, x)
#define KS_PFX(x)	    KS_PFX2(KS_SHARE_PREFIX, x)
#define ks_netns_rate	    KS_PFX(ks_netns_rate)
#define ks_global_rate	    KS_PFX(ks_global_rate)
#define ks_window_ns	    KS_PFX(ks_window_ns)
#define ks_watermark	    KS_PFX(ks_watermark)
#define events		    KS_PFX(events)
#define counts		    KS_PFX(counts)
#define stats		    KS_PFX(stats)
#define ks_rate		    KS_PFX(ks_rate)
#define netns_rate	    KS_PFX(netns_rate)
#define global_rate	    KS_PFX(global_rate)
#define ks_stat		    KS_PFX(ks_stat)
#define ks_count	    KS_PFX(ks_count)
#define ks_window_allow	    KS_PFX(ks_window_allow)
#define ks_netns_allow	    KS_PFX(ks_netns_allow)
#define ks_global_allow	    KS_PFX(ks_global_allow)
#define ks_undelivered	    KS_PFX(ks_undelivered)
#define ks_reserve	    KS_PFX(ks_reserve)
#define ks_fill_hdr	    KS_PFX(ks_fill_hdr)
#define ks_submit	    KS_PFX(ks_submit)
#define ks_sk_netns	    KS_PFX(ks_sk_netns)
#define ks_skb_netns	    KS_PFX(ks_skb_netns)
#define ks_tuple_from_sk    KS_PFX(ks_tuple_from_sk)
#define ks_tuple_from_skb   KS_PFX(ks_tuple_from_skb)
#define ks_lat_thresh_ns    KS_PFX(ks_lat_thresh_ns)
#define ks_lat_event_level  KS_PFX(ks_lat_event_level)
#define ks_track_mask	    KS_PFX(ks_track_mask)
#define ks_track_max_age_ns KS_PFX(ks_track_max_age_ns)
#define ks_lat_slot_mask    KS_PFX(ks_lat_slot_mask)
#define ks_lat_bounds	    KS_PFX(ks_lat_bounds)
#define lat_slots	    KS_PFX(lat_slots)
#define lat		    KS_PFX(lat)
#define lat_used	    KS_PFX(lat_used)
#define ks_lat_bucket	    KS_PFX(ks_lat_bucket)
#define ks_count_add	    KS_PFX(ks_count_add)
#define ks_lat_slot_of	    KS_PFX(ks_lat_slot_of)
#define ks_lat_record	    KS_PFX(ks_lat_record)
#define ks_lat_want_event   KS_PFX(ks_lat_want_event)
#define ks_lat_event	    KS_PFX(ks_lat_event)
#define ks_key_anchor	    KS_PFX(ks_key_anchor)
#define ks_ptr_diff	    KS_PFX(ks_ptr_diff)
#define ks_track_slot	    KS_PFX(ks_track_slot)
#define ks_track_take	    KS_PFX(ks_track_take)
#define ks_track_fresh	    KS_PFX(ks_track_fresh)
#define ks_current_netns    KS_PFX(ks_current_netns)
#define ks_now		    KS_PFX(ks_now)
#define track		    KS_PFX(track)
#define emit		    KS_PFX(emit)
#define slot_of		    KS_PFX(slot_of)
#define slot_for	    KS_PFX(slot_for)
#define tcp_inet	    KS_PFX(tcp_inet)
#define tcp_payload	    KS_PFX(tcp_payload)
#define dev_netns	    KS_PFX(dev_netns)

/* one probe source, with its own descriptor defaults (ks_probes.gen.h under KS_PROBE_<name>) and
 * its tracking-key anchor in a section of its own (.data.<prefix>anchor: the helper points it at
 * the probe's .data.ks_anchor, so both objects compute the same keys) */

#define KS_SHARE_PREFIX kl_
#define KS_ANCHOR_SEC	".data.kl_anchor"
#define KS_PROBE_kernellatency
#include "kernellatency.bpf.c"
#undef KS_PROBE_kernellatency
#undef KS_SHARE_PREFIX
#undef KS_ANCHOR_SEC
#undef KS_PROBES_GEN_H
#undef KS_COMMON_BPF_H
#undef KS_LATENCY_BPF_H
#undef KS_LAT_T0_DEFAULT
#undef KS_LAT_T1_DEFAULT
#undef KS_LAT_EVENT_LEVEL_DEFAULT
#undef KS_TRACK_ENTRIES

#define KS_SHARE_PREFIX nt_
#define KS_ANCHOR_SEC	".data.nt_anchor"
#define KS_PROBE_netiftxlatency
#include "netiftxlatency.bpf.c"
#undef KS_PROBE_netiftxlatency
#undef KS_SHARE_PREFIX
#undef KS_ANCHOR_SEC
#undef KS_PROBES_GEN_H
#undef KS_COMMON_BPF_H
#undef KS_LATENCY_BPF_H
#undef KS_LAT_T0_DEFAULT
#undef KS_LAT_T1_DEFAULT
#undef KS_LAT_EVENT_LEVEL_DEFAULT
#undef KS_TRACK_ENTRIES

#define KS_SHARE_PREFIX sl_
#define KS_ANCHOR_SEC	".data.sl_anchor"
#define KS_PROBE_socketlatency
#include "socketlatency.bpf.c"

/* The probes' own programs above are compiled into this object too (their SEC()s cannot be
 * switched off without touching each probe file); the helper never loads them here. What runs
 * is one program per shared hook, made by KS_HOOK: each loaded member's body in turn (the
 * probes' own, always inlined), sharing one clock read (ks_now: read by the first member with
 * something to measure, 0 until then). ks_hook_none stands for a probe not on that hook. */
static __always_inline void ks_hook_none(const void *arg, __u64 *now)
{
}

#define KS_HOOK(hook, type, kl, nt, sl)                                                                                \
	SEC("tp_btf/" #hook)                                                                                           \
	int BPF_PROG(ks_hook_##hook, type arg)                                                                         \
	{                                                                                                              \
		__u64 now = 0;                                                                                         \
		if (ks_hook_kl)                                                                                        \
			kl(arg, &now);                                                                                 \
		if (ks_hook_nt)                                                                                        \
			nt(arg, &now);                                                                                 \
		if (ks_hook_sl)                                                                                        \
			sl(arg, &now);                                                                                 \
		return 0;                                                                                              \
	}

KS_HOOK(net_dev_queue, struct sk_buff *, kl_dev_queue, nt_dev_queue, sl_dev_queue)
KS_HOOK(sk_data_ready, const struct sock *, kl_data_ready, ks_hook_none, sl_data_ready)
