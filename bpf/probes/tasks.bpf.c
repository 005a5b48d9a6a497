// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * tasks: one record per task of the node (threads included) with what a collection cycle reads of
 * every process: its network namespace, its cgroup set, its parent and its I/O counters
 * (ks_tasks.h). Run by reading an iterator fd (bpf/helper/tasks.c, the `tasks` command); a thread's
 * record carries only its I/O counters, which the helper adds to its process's.
 *
 * Why: the agent read these per process per cycle (a readlink of ns/net, a read of cgroup and of io:
 * three system calls and a path walk each, ~5-10 us apiece from Node): at 10 namespaces that was
 * about half of a cycle's CPU (perf). Here it is one pass over the task list in the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ks_tasks.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline void add_io(struct ks_task_row *r, struct task_io_accounting *a)
{
	r->rchar += BPF_CORE_READ(a, rchar);
	r->wchar += BPF_CORE_READ(a, wchar);
	r->syscr += BPF_CORE_READ(a, syscr);
	r->syscw += BPF_CORE_READ(a, syscw);
	/* absent without CONFIG_TASK_IO_ACCOUNTING, where /proc/<pid>/io prints 0 */
	if (bpf_core_field_exists(a->read_bytes)) {
		r->read_bytes += BPF_CORE_READ(a, read_bytes);
		r->write_bytes += BPF_CORE_READ(a, write_bytes);
	}
}

SEC("iter/task")
int ks_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	struct ks_task_row r = {};
	r.tgid = BPF_CORE_READ(task, tgid);
	r.tid = BPF_CORE_READ(task, pid);
	add_io(&r, &task->ioac);
	if (r.tid == r.tgid) {
		r.ppid = BPF_CORE_READ(task, real_parent, tgid);
		/* NULL once the task has left its namespaces (exit_task_namespaces): 0, as its ns/net
		 * link then fails to read */
		r.netns = BPF_CORE_READ(task, nsproxy, net_ns, ns.inum);
		r.start_ns = BPF_CORE_READ(task, start_time);
		__u64 css = (__u64)BPF_CORE_READ(task, cgroups);
		r.css_lo = (__u32)css;
		r.css_hi = (__u32)(css >> 32);
		add_io(&r, &task->signal->ioac);
	}
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
