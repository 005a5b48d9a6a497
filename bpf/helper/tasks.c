// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `tasks <id>`: one walk of the node's task list (bpf/probes/tasks.bpf.c, an
 * iter/task program run by reading an iterator fd), each process's threads folded into one row,
 * answered by one JSON frame:
 *
 *   {"msg":"tasks","id":"<id>","ok":true,"wall_ns":..,"cpu_ns":..,"tasks":N,"processes":M,
 *    "row_bytes":80,"rows_bin":"<base64>"}
 *
 * rows_bin: M struct ks_task_row (ks_tasks.h, little-endian), one per process, by pid; binary for
 * the reason tcpsummary's peer rows are (a JSON number per field cost more than the walk). On
 * failure: {"msg":"tasks","id":..,"ok":false,"stage":..,"errno":..,"error":..}; the load is tried
 * once per helper process (the kernel does not change under it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "helper.h"
#include "ks_tasks.h"
#include "tasks.skel.h"

_Static_assert(sizeof(struct ks_task_row) == KS_TASK_ROW_BYTES, "ks_task_row: the agent decodes 80 bytes");

static struct tasks_bpf *tk;
static struct bpf_link *tk_link;
static bool tk_tried;
static char tk_stage[16];
static int tk_errno;
static char tk_error[2048];
/* the walk's records, kept between commands (a node's task count changes little) */
static struct ks_task_row *tk_rows;
static size_t tk_cap;

static void tk_fail(const char *stage, int err, const char *what)
{
	snprintf(tk_stage, sizeof(tk_stage), "%s", stage);
	tk_errno = err;
	snprintf(tk_error, sizeof(tk_error), "%s: %s%s%s", what, strerror(err), log_tail[0] ? "; " : "",
		 log_tail_last(600));
}

void tasks_teardown(void)
{
	if (tk_link)
		bpf_link__destroy(tk_link);
	tk_link = NULL;
	if (tk)
		tasks_bpf__destroy(tk);
	tk = NULL;
	free(tk_rows);
	tk_rows = NULL;
	tk_cap = 0;
}

static bool tk_setup(void)
{
	if (tk_link)
		return true;
	if (tk_tried)
		return false;
	tk_tried = true;
	log_tail_reset();
	if (!vmlinux_btf) {
		tk_fail("btf", ENOENT, "kernel BTF unavailable");
		return false;
	}
	tk = tasks_bpf__open();
	if (!tk) {
		tk_fail("open", errno, "tasks: open");
		return false;
	}
	int rc = tasks_bpf__load(tk);
	if (rc) {
		tk_fail("load", rc < 0 ? -rc : rc, "tasks: load of the iter/task program");
		tasks_teardown();
		return false;
	}
	tk_link = bpf_program__attach_iter(tk->progs.ks_tasks, NULL);
	if (!tk_link) {
		tk_fail("attach", errno, "tasks: attach iter/task");
		tasks_teardown();
		return false;
	}
	return true;
}

/* by pid, a process's leader first, then its threads */
static int row_order(const void *a, const void *b)
{
	const struct ks_task_row *x = a, *y = b;
	if (x->tgid != y->tgid)
		return x->tgid < y->tgid ? -1 : 1;
	bool xl = x->tid == x->tgid, yl = y->tid == y->tgid;
	return xl == yl ? 0 : xl ? -1 : 1;
}

static void reply_error(struct sb *b, const char *stage, int err, const char *msg)
{
	sb_printf(b, ",\"ok\":false,\"stage\":");
	sb_str(b, stage);
	sb_printf(b, ",\"errno\":%d,\"error\":", err);
	sb_str(b, msg);
	sb_printf(b, "}");
	send_json(b);
	sb_free(b);
}

void cmd_tasks(const char *args)
{
	char id[128];
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(args, " "), args);
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"tasks\",\"id\":");
	sb_str(&b, id);
	if (!tk_setup()) {
		reply_error(&b, tk_stage, tk_errno, tk_error);
		return;
	}
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = cpu_ns();
	int fd = bpf_iter_create(bpf_link__fd(tk_link));
	if (fd < 0) {
		int e = errno;
		reply_error(&b, "iter", e, strerror(e));
		return;
	}
	/* whole records only: the iterator never splits one across reads of at least its size */
	size_t n = 0;
	ssize_t r = 0;
	for (;;) {
		if (n == tk_cap) {
			size_t cap = tk_cap ? tk_cap * 2 : 1024;
			struct ks_task_row *p = realloc(tk_rows, cap * sizeof(*p));
			if (!p) {
				r = -1;
				errno = ENOMEM;
				break;
			}
			tk_rows = p;
			tk_cap = cap;
		}
		r = read(fd, tk_rows + n, (tk_cap - n) * sizeof(*tk_rows));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r / sizeof(*tk_rows);
	}
	int read_errno = r < 0 ? errno : 0;
	close(fd);
	if (read_errno) {
		reply_error(&b, "iter", read_errno, strerror(read_errno));
		return;
	}
	/* fold each process's threads into its leader's row; a thread whose leader was not seen (it
	 * was reaped during the walk) is dropped with it */
	qsort(tk_rows, n, sizeof(*tk_rows), row_order);
	size_t m = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		struct ks_task_row *lead = &tk_rows[i];
		bool has_leader = lead->tid == lead->tgid;
		for (; j < n && tk_rows[j].tgid == lead->tgid; j++) {
			if (!has_leader)
				continue;
			const struct ks_task_row *t = &tk_rows[j];
			lead->rchar += t->rchar;
			lead->wchar += t->wchar;
			lead->syscr += t->syscr;
			lead->syscw += t->syscw;
			lead->read_bytes += t->read_bytes;
			lead->write_bytes += t->write_bytes;
		}
		if (has_leader)
			tk_rows[m++] = *lead;
		i = j;
	}
	__u64 w1 = ts_ns(CLOCK_MONOTONIC), c1 = cpu_ns();
	sb_printf(&b,
		  ",\"ok\":true,\"wall_ns\":%llu,\"cpu_ns\":%llu,\"tasks\":%zu,\"processes\":%zu,\"row_bytes\":%d,"
		  "\"rows_bin\":\"",
		  (unsigned long long)(w1 - w0), (unsigned long long)(c1 - c0), n, m, KS_TASK_ROW_BYTES);
	sb_base64(&b, (const unsigned char *)tk_rows, m * sizeof(*tk_rows));
	sb_printf(&b, "\"}");
	send_json(&b);
	sb_free(&b);
}
