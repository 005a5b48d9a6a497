// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* net_softirq: scheduling delay (tp_btf/softirq_raise -> softirq_entry) and execution time
 * (softirq_entry -> softirq_exit) of the selected softirq vectors (default NET_TX and NET_RX),
 * per CPU and vector. A softirq runs on the CPU that raised it, so the state is a per-CPU array
 * indexed by vector: no tracking table, no eviction. The first raise of a pending vector is
 * kept (later raises before it runs do not restart the clock). Thresholds 10 ms / 100 ms;
 * events NETSOFTIRQ_{SCHED,EXCUTE}_{SLOW,100MS} above each. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* thresholds, event level and tracking-table size: bpf/probes/net_softirq.yaml (ks_probes.gen.h) */
#include "ks_latency.bpf.h"

#define NR_VECS 10
/* bit per vector (HI=0 TIMER=1 NET_TX=2 NET_RX=3 BLOCK=4 IRQ_POLL=5 TASKLET=6 SCHED=7 HRTIMER=8 RCU=9) */
const volatile __u32 ks_softirq_mask = (1u << 2) | (1u << 3);

struct vec_state {
	__u64 raised;
	__u64 entered;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NR_VECS);
	__type(key, __u32);
	__type(value, struct vec_state);
} vecs SEC(".maps");

static __always_inline struct vec_state *state(unsigned int vec)
{
	if (vec >= NR_VECS || !(ks_softirq_mask & (1u << vec)))
		return NULL;
	__u32 k = vec;
	return bpf_map_lookup_elem(&vecs, &k);
}

static __always_inline void measure(__u8 metric, unsigned int vec, __u64 lat)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 level = ks_lat_record(cpu, metric, (__u8)vec, lat);
	if (!ks_lat_want_event(level))
		return;
	struct ks_latency *e = ks_lat_event(0, metric, (__u8)vec, level, lat);
	if (!e)
		return;
	e->aux = cpu;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
}

SEC("tp_btf/softirq_raise")
int BPF_PROG(ks_softirq_raise, unsigned int vec)
{
	struct vec_state *s = state(vec);
	if (s && !s->raised)
		s->raised = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(ks_softirq_entry, unsigned int vec)
{
	struct vec_state *s = state(vec);
	if (!s)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 raised = s->raised;
	s->raised = 0;
	s->entered = now;
	if (raised && now > raised)
		measure(KS_LAT_SOFTIRQ_SCHED, vec, now - raised);
	return 0;
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(ks_softirq_exit, unsigned int vec)
{
	struct vec_state *s = state(vec);
	if (!s || !s->entered)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 entered = s->entered;
	s->entered = 0;
	measure(KS_LAT_SOFTIRQ_EXEC, vec, now - entered);
	return 0;
}
