// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* biolatency: block request latency, tp_btf/block_io_start -> block_io_done (Linux 6.5+, the
 * tracepoints inside blk_account_io_start/done that KubeSkoop hooked with kprobes), per device
 * and operation. The issuing task (pid, comm, network namespace) is kept at start so events
 * name the process and pod that issued the I/O (for writeback that is the flusher thread).
 * Only requests the block layer accounts (queue/iostats = 1) are seen. Thresholds 10 / 100 ms;
 * events BIOLAT (> 10 ms) and BIOLAT_100MS. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* thresholds, event level and tracking-table size: bpf/probes/biolatency.yaml (ks_probes.gen.h) */
#include "ks_latency.bpf.h"

#define REQ_OP_MASK_BITS 0xff

struct rq_slot {
	__u64 rq;
	__u64 ts;
	__u32 pid;
	__u32 netns;
	__u32 bytes;
	__u32 _pad;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_TRACK_ENTRIES);
	__type(key, __u32);
	__type(value, struct rq_slot);
} track SEC(".maps");

SEC("tp_btf/block_io_start")
int BPF_PROG(ks_block_io_start, struct request *rq)
{
	if (!rq)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 key = ks_ptr_key(&ctx[0]);
	__u32 i = ks_track_slot(key);
	struct rq_slot *s = bpf_map_lookup_elem(&track, &i);
	if (!s)
		return 0;
	if (s->ts)
		ks_track_take(s->rq, s->ts, key, now, KS_LAT_BIO);
	s->rq = key;
	s->ts = now;
	s->pid = bpf_get_current_pid_tgid() >> 32;
	s->netns = ks_current_netns();
	s->bytes = rq->__data_len;
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	return 0;
}

SEC("tp_btf/block_io_done")
int BPF_PROG(ks_block_io_done, struct request *rq)
{
	if (!rq)
		return 0;
	__u64 key = ks_ptr_key(&ctx[0]);
	__u32 i = ks_track_slot(key);
	struct rq_slot *s = bpf_map_lookup_elem(&track, &i);
	if (!s || s->rq != key || !s->ts)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 start = s->ts;
	s->ts = 0;
	s->rq = 0;
	if (!ks_track_fresh(start, now, KS_LAT_BIO))
		return 0;
	__u64 lat = now - start;
	struct block_device *part = rq->part;
	__u32 dev = part ? part->bd_dev : 0;
	__u8 op = rq->cmd_flags & REQ_OP_MASK_BITS;
	__u32 level = ks_lat_record(dev, KS_LAT_BIO, op, lat);
	if (!ks_lat_want_event(level))
		return 0;
	struct ks_latency *e = ks_lat_event(s->netns, KS_LAT_BIO, op, level, lat);
	if (!e)
		return 0;
	e->aux = dev;
	e->pid = s->pid;
	e->bytes = s->bytes;
	__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
	return 0;
}
