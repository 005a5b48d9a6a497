// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* virtcmdlatency: latency of virtio-net control-queue commands. No tracepoint covers the
 * control path, and since Linux 6.11 virtnet_send_command() is an inline wrapper: the function
 * that exists (and is in BTF) is virtnet_send_command_reply(). Two variants of the same
 * measurement (entry -> return of that function, keyed by thread), chosen by the helper at load
 * time: fentry/fexit (BPF trampolines; needs ftrace direct calls and a kernel that allows them)
 * and kprobe/kretprobe (needs CONFIG_KPROBES). Kernels before 6.11 name the function
 * virtnet_send_command; the helper retargets the programs when _reply is absent.
 * Thresholds 10 / 100 ms (node scope); events VIRTCMDEXCUTE / VIRTCMDEXCUTE_100MS. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* thresholds, event level and tracking-table size: bpf/probes/virtcmdlatency.yaml (ks_probes.gen.h) */
#include "ks_latency.bpf.h"

struct cmd_start {
	__u64 ts;
	__u32 cls_cmd; /* class << 8 | cmd */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* thread id: commands are synchronous, one per thread at a time */
	__type(value, struct cmd_start);
} inflight SEC(".maps");

static __always_inline void start(__u8 cls, __u8 cmd)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cmd_start v = {.ts = bpf_ktime_get_ns(), .cls_cmd = ((__u32)cls << 8) | cmd};
	bpf_map_update_elem(&inflight, &tid, &v, BPF_ANY);
}

static __always_inline void done(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct cmd_start *v = bpf_map_lookup_elem(&inflight, &tid);
	if (!v)
		return;
	__u64 lat = bpf_ktime_get_ns() - v->ts;
	__u32 cls_cmd = v->cls_cmd;
	bpf_map_delete_elem(&inflight, &tid);
	__u32 level = ks_lat_record(0, KS_LAT_VIRTCMD, 0, lat);
	if (!ks_lat_want_event(level))
		return;
	struct ks_latency *e = ks_lat_event(0, KS_LAT_VIRTCMD, (__u8)(cls_cmd >> 8), level, lat);
	if (!e)
		return;
	e->aux = cls_cmd;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
}

SEC("fentry/virtnet_send_command_reply")
int BPF_PROG(ks_virtcmd_fentry, void *vi, u8 cls, u8 cmd)
{
	start(cls, cmd);
	return 0;
}

SEC("fexit/virtnet_send_command_reply")
int BPF_PROG(ks_virtcmd_fexit, void *vi, u8 cls, u8 cmd)
{
	done();
	return 0;
}

SEC("kprobe/virtnet_send_command_reply")
int BPF_KPROBE(ks_virtcmd_kprobe, void *vi, u8 cls, u8 cmd)
{
	start(cls, cmd);
	return 0;
}

SEC("kretprobe/virtnet_send_command_reply")
int BPF_KRETPROBE(ks_virtcmd_kretprobe)
{
	done();
	return 0;
}
