// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `flow <id> <verb> …`: the flow probe (bpf/probes/flow.bpf.c). Its programs are
 * attached per interface as pods come and go, so it is driven by the agent's attach manager
 * instead of the `load` table:
 *
 *   flow <id> load [entries=N] [port=0|1]   load the object (attach loads it with defaults);
 *                                            x_empty=1 (benchmark only): programs that count nothing;
 *                                            x_stop=1|2, x_map=percpu_hash|lru_hash: where the time goes;
 *                                            x_cache=0: without the per-CPU last-flow cache
 *   flow <id> attach <inode>:<netns path>:<ifname>[:host] …
 *        tcx links in that namespace, placed before every other tcx program (BPF_F_BEFORE);
 *        `host` = a pod's host-side veth: the programs are swapped so rx/tx stay the pod's.
 *        Attaching what is attached is a no-op ("already").
 *   flow <id> detach <inode>[:<ifname>] …   close the links, delete that namespace's entries
 *   flow <id> dump [all]                     entries counted since the previous dump (all: every one)
 *   flow <id> unload                         detach everything and free the object
 *
 * Links are BPF links, not netlink tc filters: they go away with the helper (its fds) and with
 * the device (a deleted namespace leaves nothing behind). A link whose device is gone is found
 * at the next dump, closed and reported ("gone").
 *
 * Answer: {"msg":"flow","id":..,"verb":..,"ok":..,"error":..,"targets":[{"target","ok","state",
 * "ifindex","error"}], dump: "gen","live","sent","frames","max_entries","deleted","stats":{…}}.
 * A dump's entries go before its answer as binary frames (struct ks_flow_dump + struct
 * ks_flow_entry, bpf/include/ks_flow.h) carrying the answer's gen: no text per entry.
 *
 * Its own translation unit (helper.h: the JSON builder, output, and qdisc.c's namespace fd).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <net/if.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "helper.h"
#include "flow.skel.h"
#include "ks_flow.h"

static struct flow_bpf *fl;
static struct tcx_set fl_set; /* the attachments (tcx.c) */
static __u64 fl_gen;
static __u64 fl_deleted; /* entries the helper deleted (detach): evictions = new - live - deleted */
static __u32 fl_entries = 65536;
static bool fl_port = true;
static bool fl_empty;	     /* x_empty=1: the benchmark's floor (programs that return at once) */
static __u8 fl_stop;	     /* x_stop=1|2: benchmark only, programs that stop after the netns read / the key */
static bool fl_cache = true; /* x_cache=0: benchmark only, no per-CPU last-flow cache */
/* x_map=percpu_hash|lru_hash: benchmark only, the flow map as another type, to see what the LRU
 * per-CPU hash costs (lru_hash is shared by the CPUs: its counts are not exact, not for dumps) */
static enum bpf_map_type fl_map_type = BPF_MAP_TYPE_LRU_PERCPU_HASH;
static char fl_error[1024];

void fl_unload(void)
{
	tcx_clear(&fl_set);
	if (fl)
		flow_bpf__destroy(fl);
	fl = NULL;
	fl_gen = 0;
	fl_deleted = 0;
}

static bool fl_load(void)
{
	if (fl)
		return true;
	if (!tcx_btf_ready(fl_error, sizeof(fl_error)))
		return false;
	fl = flow_bpf__open();
	if (!fl) {
		snprintf(fl_error, sizeof(fl_error), "flow: open: %s", strerror(errno));
		return false;
	}
	fl->rodata->ks_port_in_key = fl_port ? 1 : 0;
	fl->rodata->ks_empty = fl_empty ? 1 : 0;
	fl->rodata->ks_stop = fl_stop;
	fl->rodata->ks_cache = fl_cache ? 1 : 0;
	bpf_map__set_type(fl->maps.flows, fl_map_type);
	bpf_map__set_max_entries(fl->maps.flows, fl_entries);
	int rc = flow_bpf__load(fl);
	if (rc) {
		snprintf(fl_error, sizeof(fl_error), "flow: load: %s; %s", strerror(rc < 0 ? -rc : rc),
			 log_tail_last(600));
		flow_bpf__destroy(fl);
		fl = NULL;
		return false;
	}
	fl_set.prog_rx = bpf_program__fd(fl->progs.ks_flow_rx);
	fl_set.prog_tx = bpf_program__fd(fl->progs.ks_flow_tx);
	return true;
}

/*
 * Every CPU's pending counts (the programs' per-CPU last-flow cache, flow_last) into the map:
 * ks_flow_flush run on each CPU. It answers 1 when it interrupted a tc program on that CPU (the
 * cache was in use): tried again. Returns the CPUs whose cache could not be flushed.
 */
static int fl_flush(void)
{
	if (!fl_cache)
		return 0;
	int pfd = bpf_program__fd(fl->progs.ks_flow_flush), ncpu = libbpf_num_possible_cpus(), failed = 0;
	for (int c = 0; c < ncpu; c++) {
		int tries = 0;
		for (;;) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)c);
			int rc = bpf_prog_test_run_opts(pfd, &o);
			if (rc < 0 && errno == ENXIO)
				break; /* offline: its cache is flushed by its next packet once it is back */
			if (rc == 0 && o.retval == 0)
				break;
			if (++tries >= 1000) {
				failed++;
				break;
			}
		}
	}
	return failed;
}

/* delete every entry of (netns, ifindex); ifindex 0 = every interface of netns */
static void fl_delete_entries(unsigned long inode, int ifindex)
{
	int fd = bpf_map__fd(fl->maps.flows);
	struct ks_flow_key k, next, *prev = NULL;
	/* collect first: deleting while walking with get_next_key restarts the walk */
	size_t n = 0, cap = 0;
	struct ks_flow_key *del = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (next.netns == inode && (!ifindex || (int)next.ifindex == ifindex)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				del = realloc(del, cap * sizeof(*del));
				if (!del)
					exit(3);
			}
			del[n++] = next;
		}
		k = next;
		prev = &k;
	}
	for (size_t i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &del[i]) == 0)
			fl_deleted++;
	free(del);
}

static void fl_forget(unsigned long inode, int ifindex)
{
	/* the links are closed: what the caches hold of it goes to the map first, then goes with it */
	fl_flush();
	fl_delete_entries(inode, ifindex);
}

static void fl_dump(struct sb *b, char *args)
{
	bool all = strcmp(args, "all") == 0;
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	/* attachments whose device went away */
	tcx_gone(&fl_set, b, fl_forget);
	__u64 since = fl_gen;
	fl->bss->ks_gen = ++fl_gen;
	__u64 f0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	int unflushed = fl_flush();
	__u64 flush_ns = ts_ns(CLOCK_PROCESS_CPUTIME_ID) - f0;
	int fd = bpf_map__fd(fl->maps.flows);
	int ncpu = libbpf_num_possible_cpus();
	const __u32 chunk = 4096;
	size_t vsz = sizeof(struct ks_flow_val); /* a multiple of 8: per-CPU values are not padded */
	struct ks_flow_key *keys = calloc(chunk, sizeof(*keys));
	struct ks_flow_val *vals = calloc((size_t)chunk * (size_t)ncpu, vsz);
	if (!keys || !vals)
		exit(3);
	__u64 live = 0, sent = 0, frames = 0;
	__u64 batch_ns = 0; /* CPU in the kernel's batch lookups alone: the floor of a read this way */
	__u32 batch = 0;
	bool first_batch = true;
	int read_errno = 0;
	/* one frame per batch: header + the batch's changed entries, per-CPU values summed here */
	size_t cap = sizeof(struct ks_flow_dump) + (size_t)chunk * sizeof(struct ks_flow_entry);
	__u8 *frame = malloc(cap);
	if (!frame)
		exit(3);
	for (;;) {
		__u32 count = chunk;
		__u64 b0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
		int rc = bpf_map_lookup_batch(fd, first_batch ? NULL : &batch, &batch, keys, vals, &count, NULL);
		int e = rc < 0 ? errno : 0;
		batch_ns += ts_ns(CLOCK_PROCESS_CPUTIME_ID) - b0;
		first_batch = false;
		struct ks_flow_entry *out = (struct ks_flow_entry *)(frame + sizeof(struct ks_flow_dump));
		__u32 n = 0;
		for (__u32 i = 0; i < count; i++) {
			live++;
			__u64 pk = 0, by = 0, gen = 0;
			const struct ks_flow_val *v = &vals[(size_t)i * (size_t)ncpu];
			for (int c = 0; c < ncpu; c++) {
				pk += v[c].packets;
				by += v[c].bytes;
				if (v[c].gen > gen)
					gen = v[c].gen;
			}
			/* counted after the previous dump set its generation (or never dumped) */
			if (!all && since && gen + 1 < since)
				continue;
			out[n].key = keys[i];
			out[n].packets = pk;
			out[n].bytes = by;
			n++;
		}
		if (n) {
			struct ks_flow_dump *h = (struct ks_flow_dump *)frame;
			memset(h, 0, sizeof(*h));
			h->hdr.magic = KS_MAGIC;
			h->hdr.type = KS_REC_FLOW_DUMP;
			h->hdr.version = KS_FLOW_DUMP_V;
			h->hdr.len = (__u32)(sizeof(*h) + (size_t)n * sizeof(struct ks_flow_entry));
			h->gen = fl_gen;
			h->count = n;
			out_put(frame, h->hdr.len);
			sent += n;
			frames++;
		}
		if (rc < 0) {
			read_errno = e == ENOENT ? 0 : e; /* ENOENT: the walk reached the end */
			break;
		}
	}
	free(frame);
	if (read_errno) {
		sb_printf(b, ",\"read_error\":");
		sb_str(b, strerror(read_errno));
	}
	free(keys);
	free(vals);
	__u64 st[KS_FLOW_ST_MAX] = {0};
	__u64 *pc = calloc((size_t)ncpu, sizeof(__u64));
	for (__u32 i = 0; i < KS_FLOW_ST_MAX && pc; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(fl->maps.flow_stats), &i, pc) == 0)
			for (int c = 0; c < ncpu; c++)
				st[i] += pc[c];
	}
	free(pc);
	sb_printf(b, ",\"frames\":%llu,\"unflushed_cpus\":%d", (unsigned long long)frames, unflushed);
	sb_printf(b, ",\"gen\":%llu,\"live\":%llu,\"sent\":%llu,\"max_entries\":%u,\"deleted\":%llu,\"attached\":%zu",
		  (unsigned long long)fl_gen, (unsigned long long)live, (unsigned long long)sent,
		  bpf_map__max_entries(fl->maps.flows), (unsigned long long)fl_deleted, fl_set.n);
	sb_printf(b, ",\"stats\":{\"new\":%llu,\"full\":%llu,\"short\":%llu,\"guess\":%llu}",
		  (unsigned long long)st[KS_FLOW_ST_NEW], (unsigned long long)st[KS_FLOW_ST_FULL],
		  (unsigned long long)st[KS_FLOW_ST_SHORT], (unsigned long long)st[KS_FLOW_ST_GUESS]);
	sb_printf(b, ",\"wall_ns\":%llu,\"cpu_ns\":%llu,\"batch_cpu_ns\":%llu,\"flush_cpu_ns\":%llu",
		  (unsigned long long)(ts_ns(CLOCK_MONOTONIC) - w0),
		  (unsigned long long)(ts_ns(CLOCK_PROCESS_CPUTIME_ID) - c0), (unsigned long long)batch_ns,
		  (unsigned long long)flush_ns);
}

static bool fl_opts(char *args, char *err, size_t errlen)
{
	__u32 entries = fl_entries;
	bool port = fl_port, empty = false, cache = true;
	__u8 stop = 0;
	enum bpf_map_type mt = BPF_MAP_TYPE_LRU_PERCPU_HASH;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char *endp;
		if (strncmp(t, "entries=", 8) == 0) {
			unsigned long v = strtoul(t + 8, &endp, 10);
			if (*endp || v < 64 || v > (1u << 24)) {
				snprintf(err, errlen, "entries=%s: a number from 64 to 16777216", t + 8);
				return false;
			}
			entries = (__u32)v;
		} else if (strcmp(t, "port=0") == 0 || strcmp(t, "port=1") == 0) {
			port = t[5] == '1';
		} else if (strcmp(t, "x_empty=1") == 0) {
			empty = true;
		} else if (strcmp(t, "x_stop=1") == 0 || strcmp(t, "x_stop=2") == 0) {
			stop = (__u8)(t[7] - '0');
		} else if (strcmp(t, "x_cache=0") == 0) {
			cache = false;
		} else if (strcmp(t, "x_map=percpu_hash") == 0) {
			mt = BPF_MAP_TYPE_PERCPU_HASH;
		} else if (strcmp(t, "x_map=lru_hash") == 0) {
			mt = BPF_MAP_TYPE_LRU_HASH;
		} else {
			snprintf(err, errlen, "unknown option %s (entries=N, port=0|1)", t);
			return false;
		}
	}
	if (fl && (entries != fl_entries || port != fl_port || empty != fl_empty || stop != fl_stop ||
		   mt != fl_map_type || cache != fl_cache))
		fl_unload(); /* new shape: reload (links are made again by the agent's next attach) */
	fl_entries = entries;
	fl_port = port;
	fl_empty = empty;
	fl_stop = stop;
	fl_map_type = mt;
	fl_cache = cache;
	return true;
}

static void fl_describe(struct sb *b)
{
	sb_printf(b, ",\"entries\":%u,\"port\":%s", fl_entries, fl_port ? "true" : "false");
}

static bool fl_loaded(void)
{
	return fl != NULL;
}

void cmd_flow(char *args)
{
	static const struct tcx_probe p = {
		.name = "flow",
		.set = &fl_set,
		.error = fl_error,
		.opts = fl_opts,
		.load = fl_load,
		.loaded = fl_loaded,
		.forget = fl_forget,
		.dump = fl_dump,
		.unload = fl_unload,
		.describe = fl_describe,
	};
	tcx_command(&p, args);
}
