/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tasks: what a collection cycle needs of every process of the node -- its network namespace, its
 * cgroup set, its parent and its /proc/<pid>/io counters -- from ONE walk of the kernel's task list
 * (an iter/task program), instead of a readlink of /proc/<pid>/ns/net and reads of
 * /proc/<pid>/cgroup and /proc/<pid>/io for every process every cycle.
 * Shared by bpf/probes/tasks.bpf.c (one record per task, threads included) and
 * bpf/helper/tasks.c (which folds a process's threads into one row, the same struct, and sends the
 * rows to the agent; receiver/kernel/task-table.ts decodes them: keep the three in step).
 */
#ifndef KS_TASKS_H
#define KS_TASKS_H

/* One task (from the iterator) or one process (to the agent), little-endian, 80 bytes. */
struct ks_task_row {
	__u32 tgid;
	__u32 tid;	/* = tgid in the rows sent to the agent */
	__u32 ppid;	/* real_parent's tgid, as /proc/<pid>/stat prints it */
	__u32 netns;	/* nsproxy->net_ns inode; 0: the task has left its namespaces (exiting) */
	__u64 start_ns; /* the process's start (group leader's start_time): pid + start = one process */
	__u32 css_lo;	/* the task's css_set (every cgroup it is in, v1 and v2) as an opaque id: */
	__u32 css_hi;	/*   another value = the process moved cgroup (or another process took the pid) */
	/* /proc/<pid>/io's first six counters: the task's own, plus (leader only) its signal's, which
	 * hold those of exited threads and reaped children, as the kernel's do_io_accounting adds them */
	__u64 rchar, wchar, syscr, syscw, read_bytes, write_bytes;
};

#define KS_TASK_ROW_BYTES 80

#endif
