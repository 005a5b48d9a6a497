// SPDX-License-Identifier: Apache-2.0
/* The helper's stdout: buffered record output, the JSON string builder and JSON frames, and the
 * clock records that pair the BPF timestamps' clock with wall-clock time. */
#define _GNU_SOURCE
#include <ctype.h>
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

/* ------------------------------------------------------------------ output */

static char outbuf[256 * 1024];
static size_t outlen;
bool out_broken; /* the agent closed our stdout: nothing more is written */

static void write_all(const void *p, size_t n)
{
	const char *c = p;
	while (n > 0 && !out_broken) {
		ssize_t w = write(STDOUT_FILENO, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* the agent is gone: nothing left to serve */
			out_broken = true;
			stop_requested = 1;
			return;
		}
		c += w;
		n -= (size_t)w;
	}
}

void out_flush(void)
{
	if (outlen) {
		write_all(outbuf, outlen);
		outlen = 0;
	}
}

void out_put(const void *p, size_t n)
{
	if (outlen + n > sizeof(outbuf))
		out_flush();
	if (n > sizeof(outbuf)) {
		write_all(p, n);
		return;
	}
	memcpy(outbuf + outlen, p, n);
	outlen += n;
}

/* ------------------------------------------------------------------ string builder + JSON */

void sb_reserve(struct sb *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *np = realloc(b->p, cap);
	if (!np) {
		fprintf(stderr, "helper: out of memory\n");
		exit(1);
	}
	b->p = np;
	b->cap = cap;
}

void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_str(struct sb *b, const char *s)
{
	sb_reserve(b, 2);
	b->p[b->len++] = '"';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c < 0x20)
			sb_printf(b, "\\u%04x", c);
		else {
			sb_reserve(b, 1);
			b->p[b->len++] = (char)c;
		}
	}
	sb_reserve(b, 1);
	b->p[b->len++] = '"';
}

void sb_free(struct sb *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

char *next_word(char **args)
{
	char *w = *args, *a = *args;
	while (*a && !isspace((unsigned char)*a))
		a++;
	if (*a)
		*a++ = 0;
	while (isspace((unsigned char)*a))
		a++;
	*args = a;
	return w;
}

void send_json(struct sb *b)
{
	struct ks_hdr h = {
		.magic = KS_MAGIC,
		.type = KS_REC_JSON,
		.version = KS_JSON_V,
		.len = (__u32)(sizeof(h) + b->len),
	};
	out_put(&h, sizeof(h));
	out_put(b->p, b->len);
	out_flush();
}

void send_error(const char *what, const char *detail)
{
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"error\",\"what\":");
	sb_str(&b, what);
	sb_printf(&b, ",\"detail\":");
	sb_str(&b, detail);
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
}

/* ------------------------------------------------------------------ clock */

__u64 ts_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

__u64 mono_ms(void)
{
	return ts_ns(CLOCK_MONOTONIC) / 1000000ull;
}

/* Boottime (the BPF timestamps' clock) paired with realtime: realtime is read between two
 * boottime reads and paired with their midpoint, so the pair is off by < half the read gap. */
void send_clock(void)
{
	struct ks_clock c;
	memset(&c, 0, sizeof(c));
	__u64 b1 = ts_ns(CLOCK_BOOTTIME);
	__u64 rt = ts_ns(CLOCK_REALTIME);
	__u64 b2 = ts_ns(CLOCK_BOOTTIME);
	c.hdr.magic = KS_MAGIC;
	c.hdr.type = KS_REC_CLOCK;
	c.hdr.version = KS_CLOCK_V;
	c.hdr.len = sizeof(c);
	c.hdr.ts_ns = b1 + (b2 - b1) / 2;
	c.realtime_ns = rt;
	c.monotonic_ns = ts_ns(CLOCK_MONOTONIC);
	out_put(&c, sizeof(c));
}

/* base64 of the rows into the JSON string being built (no quotes or escapes needed) */
void sb_base64(struct sb *b, const unsigned char *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	sb_reserve(b, (n + 2) / 3 * 4);
	char *o = b->p + b->len;
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned x = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*o++ = tab[x >> 18];
		*o++ = tab[(x >> 12) & 63];
		*o++ = tab[(x >> 6) & 63];
		*o++ = tab[x & 63];
	}
	if (i < n) {
		unsigned x = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
		*o++ = tab[x >> 18];
		*o++ = tab[(x >> 12) & 63];
		*o++ = i + 1 < n ? tab[(x >> 6) & 63] : '=';
		*o++ = '=';
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
}

__u64 cpu_ns(void)
{
	return ts_ns(CLOCK_PROCESS_CPUTIME_ID);
}
