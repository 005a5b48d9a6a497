// SPDX-License-Identifier: Apache-2.0
/* libbpf's messages (their tail becomes a probe's failure message) and the kernel's BTF enums
 * (drop and reset reasons, TCP states) sent in the hello and used to resolve reason names. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "helper.h"

/* ------------------------------------------------------------------ libbpf log capture */

/* The tail of libbpf's messages (verifier log included) becomes the probe's failure message. */
char log_tail[3072];
size_t log_tail_len;

void log_tail_reset(void)
{
	log_tail_len = 0;
	log_tail[0] = 0;
}

const char *log_tail_last(size_t max)
{
	size_t tl = strlen(log_tail);
	return tl > max ? log_tail + tl - max : log_tail;
}

int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	char *line = NULL;
	if (vasprintf(&line, fmt, ap) < 0 || !line)
		return 0;
	fprintf(stderr, "libbpf: %s", line);
	size_t total = strlen(line), l = total;
	if (l >= sizeof(log_tail))
		l = sizeof(log_tail) - 1;
	if (log_tail_len + l >= sizeof(log_tail)) {
		/* keep the newest text: the verifier's reason is at the end */
		size_t drop = log_tail_len + l - (sizeof(log_tail) - 1);
		if (drop > log_tail_len)
			drop = log_tail_len;
		memmove(log_tail, log_tail + drop, log_tail_len - drop);
		log_tail_len -= drop;
	}
	memcpy(log_tail + log_tail_len, line + (total - l), l);
	log_tail_len += l;
	log_tail[log_tail_len] = 0;
	free(line);
	return 0;
}

/* ------------------------------------------------------------------ BTF enums */

struct btf *vmlinux_btf;
char btf_error[256];

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Names go out without the kernel's prefix (SKB_DROP_REASON_, SK_RST_REASON_, TCP_); the
 * MAX/MASK sentinels are not reasons and are left out. Names without the prefix (for example
 * SKB_NOT_DROPPED_YET, SKB_CONSUMED) are sent whole. */
void enum_json(struct sb *b, const struct btf_type *t, const char *prefix)
{
	const struct btf_enum *m = btf_enum(t);
	int n = btf_vlen(t);
	bool first = true;
	size_t pl = strlen(prefix);
	sb_printf(b, "[");
	for (int i = 0; i < n; i++) {
		const char *name = btf__name_by_offset(vmlinux_btf, m[i].name_off);
		if (!name || ends_with(name, "_MAX") || ends_with(name, "MAX_STATES") || ends_with(name, "SUBSYS_MASK"))
			continue;
		if (strncmp(name, prefix, pl) == 0 && name[pl])
			name += pl;
		sb_printf(b, "%s[%u,", first ? "" : ",", (unsigned)m[i].val);
		sb_str(b, name);
		sb_printf(b, "]");
		first = false;
	}
	sb_printf(b, "]");
}

const struct btf_type *find_enum(const char *name)
{
	if (!vmlinux_btf)
		return NULL;
	int id = btf__find_by_name_kind(vmlinux_btf, name, BTF_KIND_ENUM);
	return id > 0 ? btf__type_by_id(vmlinux_btf, id) : NULL;
}

/* TCP states live in an anonymous enum: find it by its TCP_ESTABLISHED member. */
const struct btf_type *find_tcp_state_enum(void)
{
	if (!vmlinux_btf)
		return NULL;
	__u32 cnt = btf__type_cnt(vmlinux_btf);
	for (__u32 id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux_btf, id);
		if (!btf_is_enum(t) || t->name_off)
			continue;
		const struct btf_enum *m = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++) {
			const char *n = btf__name_by_offset(vmlinux_btf, m[i].name_off);
			if (n && strcmp(n, "TCP_ESTABLISHED") == 0)
				return t;
		}
	}
	return NULL;
}

/* value of one drop reason by name (with or without prefix), -1 if unknown */
long drop_reason_value(const char *name)
{
	const struct btf_type *t = find_enum("skb_drop_reason");
	if (!t)
		return -1;
	char *end;
	long v = strtol(name, &end, 0);
	if (*name && *end == 0)
		return v;
	const struct btf_enum *m = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(vmlinux_btf, m[i].name_off);
		if (!n)
			continue;
		const char *s = strncmp(n, "SKB_DROP_REASON_", 16) == 0 ? n + 16 : n;
		if (strcasecmp(s, name) == 0 || strcasecmp(n, name) == 0)
			return m[i].val;
	}
	return -1;
}
