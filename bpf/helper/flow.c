// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `flow <id> <verb> …`: the flow probe (bpf/probes/flow.bpf.c). Its programs are
 * attached per interface as pods come and go, so it is driven by the agent's attach manager
 * instead of the `load` table:
 *
 *   flow <id> load [entries=N] [port=0|1]   load the object (attach loads it with defaults);
 *                                            x_empty=1 (benchmark only): programs that count nothing;
 *                                            x_stop=1|2, x_map=percpu_hash|lru_hash: where the time goes
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

/* tcx (Linux 6.6) is newer than Debian 12's uapi headers: values from include/uapi/linux/bpf.h */
#define FL_TCX_INGRESS 46
#define FL_TCX_EGRESS  47
#define FL_F_BEFORE    (1U << 3)
_Static_assert(BPF_LSM_CGROUP == 43, "attach type numbering");

struct fl_att {
	unsigned long inode;
	char ifname[IFNAMSIZ];
	int ifindex;
	bool host;
	int link[2]; /* ingress, egress */
};

static struct flow_bpf *fl;
static struct fl_att *fl_atts;
static size_t fl_n, fl_cap;
static __u64 fl_gen;
static __u64 fl_deleted; /* entries the helper deleted (detach): evictions = new - live - deleted */
static __u32 fl_entries = 65536;
static bool fl_port = true;
static bool fl_empty; /* x_empty=1: the benchmark's floor (programs that return at once) */
static __u8 fl_stop;  /* x_stop=1|2: benchmark only, programs that stop after the netns read / the key */
/* x_map=percpu_hash|lru_hash: benchmark only, the flow map as another type, to see what the LRU
 * per-CPU hash costs (lru_hash is shared by the CPUs: its counts are not exact, not for dumps) */
static enum bpf_map_type fl_map_type = BPF_MAP_TYPE_LRU_PERCPU_HASH;
static char fl_error[1024];

static void fl_detach_one(struct fl_att *a)
{
	for (int i = 0; i < 2; i++)
		if (a->link[i] >= 0)
			close(a->link[i]);
	a->link[0] = a->link[1] = -1;
}

void fl_unload(void)
{
	for (size_t i = 0; i < fl_n; i++)
		fl_detach_one(&fl_atts[i]);
	fl_n = 0;
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
	log_tail_reset();
	if (!vmlinux_btf) {
		snprintf(fl_error, sizeof(fl_error), "kernel BTF unavailable: %s", btf_error);
		return false;
	}
	fl = flow_bpf__open();
	if (!fl) {
		snprintf(fl_error, sizeof(fl_error), "flow: open: %s", strerror(errno));
		return false;
	}
	fl->rodata->ks_port_in_key = fl_port ? 1 : 0;
	fl->rodata->ks_empty = fl_empty ? 1 : 0;
	fl->rodata->ks_stop = fl_stop;
	bpf_map__set_type(fl->maps.flows, fl_map_type);
	bpf_map__set_max_entries(fl->maps.flows, fl_entries);
	int rc = flow_bpf__load(fl);
	if (rc) {
		const char *tail = log_tail;
		size_t tl = strlen(tail);
		if (tl > 600)
			tail += tl - 600;
		snprintf(fl_error, sizeof(fl_error), "flow: load: %s; %s", strerror(rc < 0 ? -rc : rc), tail);
		flow_bpf__destroy(fl);
		fl = NULL;
		return false;
	}
	return true;
}

static int fl_tcx_link(int prog_fd, int ifindex, __u32 type)
{
	/* bpf_attr.link_create for tcx: prog_fd, target_ifindex, attach_type, flags, then
	 * tcx.relative_fd (0 + BPF_F_BEFORE = the very front) and expected_revision */
	union {
		struct {
			__u32 prog_fd, ifindex, attach_type, flags, relative_fd, pad;
			__u64 expected_revision;
		} lc;
		__u8 raw[64];
	} attr;
	memset(&attr, 0, sizeof(attr));
	attr.lc.prog_fd = (__u32)prog_fd;
	attr.lc.ifindex = (__u32)ifindex;
	attr.lc.attach_type = type;
	attr.lc.flags = FL_F_BEFORE;
	return (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

/* enter the namespace at path (checked to be inode); 0 = inside, the caller must fl_leave() */
static int fl_enter(const char *path, unsigned long inode, char *err, size_t errlen)
{
	if (qd_self_ns < 0) {
		qd_self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (qd_self_ns < 0) {
			snprintf(err, errlen, "open /proc/self/ns/net: %s", strerror(errno));
			return -1;
		}
	}
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		snprintf(err, errlen, "%s %s: %s", errno == ENOENT || errno == ESRCH ? "gone:" : "open", path,
			 strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(nsfd, &st) < 0 || (unsigned long)st.st_ino != inode) {
		snprintf(err, errlen, "gone: %s is no longer namespace %lu", path, inode);
		close(nsfd);
		return -1;
	}
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		snprintf(err, errlen, "setns %s: %s", path, strerror(errno));
		close(nsfd);
		return -1;
	}
	close(nsfd);
	return 0;
}

static void fl_leave(void)
{
	if (setns(qd_self_ns, CLONE_NEWNET) < 0) {
		fprintf(stderr, "helper: setns back to its own namespace failed: %s; exiting\n", strerror(errno));
		exit(3);
	}
}

static struct fl_att *fl_find(unsigned long inode, const char *ifname)
{
	for (size_t i = 0; i < fl_n; i++)
		if (fl_atts[i].inode == inode && (!ifname || strcmp(fl_atts[i].ifname, ifname) == 0))
			return &fl_atts[i];
	return NULL;
}

static void fl_target_json(struct sb *b, bool *first, const char *target, bool ok, const char *state, int ifindex,
			   const char *err)
{
	sb_printf(b, "%s{\"target\":", *first ? "" : ",");
	sb_str(b, target);
	sb_printf(b, ",\"ok\":%s,\"state\":", ok ? "true" : "false");
	sb_str(b, state);
	sb_printf(b, ",\"ifindex\":%d,\"error\":", ifindex);
	sb_str(b, err);
	sb_printf(b, "}");
	*first = false;
}

static void fl_attach(struct sb *b, char *args)
{
	bool first = true;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char target[512], err[512] = "";
		snprintf(target, sizeof(target), "%s", t);
		/* <inode>:<path>:<ifname>[:host] */
		char *p1 = strchr(t, ':'), *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
		if (!p1 || !p2) {
			fl_target_json(b, &first, target, false, "invalid", 0,
				       "expected <inode>:<netns path>:<ifname>[:host]");
			continue;
		}
		*p1 = *p2 = 0;
		char *endp;
		unsigned long inode = strtoul(t, &endp, 10);
		char *ifname = p2 + 1, *p3 = strchr(ifname, ':');
		bool host = false;
		if (p3) {
			*p3 = 0;
			host = strcmp(p3 + 1, "host") == 0;
		}
		if (*endp || !inode || !*ifname || strlen(ifname) >= IFNAMSIZ || (p3 && !host)) {
			fl_target_json(b, &first, target, false, "invalid", 0,
				       "expected <inode>:<netns path>:<ifname>[:host]");
			continue;
		}
		struct fl_att *a = fl_find(inode, ifname);
		if (a && a->link[0] >= 0) {
			fl_target_json(b, &first, target, true, "already", a->ifindex, "");
			continue;
		}
		if (fl_enter(p1 + 1, inode, err, sizeof(err)) < 0) {
			fl_target_json(b, &first, target, false, strncmp(err, "gone:", 5) == 0 ? "gone" : "error", 0,
				       err);
			continue;
		}
		int ifindex = (int)if_nametoindex(ifname);
		int l[2] = {-1, -1};
		int e = 0;
		if (ifindex > 0) {
			int rx = bpf_program__fd(fl->progs.ks_flow_rx), tx = bpf_program__fd(fl->progs.ks_flow_tx);
			l[0] = fl_tcx_link(host ? tx : rx, ifindex, FL_TCX_INGRESS);
			if (l[0] < 0)
				e = errno;
			else if ((l[1] = fl_tcx_link(host ? rx : tx, ifindex, FL_TCX_EGRESS)) < 0) {
				e = errno;
				close(l[0]);
				l[0] = -1;
			}
		} else {
			e = errno ? errno : ENODEV;
		}
		fl_leave();
		if (ifindex <= 0) {
			snprintf(err, sizeof(err), "no interface %s in namespace %lu: %s", ifname, inode, strerror(e));
			fl_target_json(b, &first, target, false, "error", 0, err);
			continue;
		}
		if (l[0] < 0) {
			snprintf(err, sizeof(err), "tcx link on %s (ifindex %d) in namespace %lu: %s", ifname, ifindex,
				 inode, strerror(e));
			fl_target_json(b, &first, target, false, "error", ifindex, err);
			continue;
		}
		if (!a) {
			if (fl_n == fl_cap) {
				fl_cap = fl_cap ? fl_cap * 2 : 64;
				fl_atts = realloc(fl_atts, fl_cap * sizeof(*fl_atts));
				if (!fl_atts) {
					fprintf(stderr, "helper: out of memory\n");
					exit(3);
				}
			}
			a = &fl_atts[fl_n++];
		}
		a->inode = inode;
		snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
		a->ifindex = ifindex;
		a->host = host;
		a->link[0] = l[0];
		a->link[1] = l[1];
		fl_target_json(b, &first, target, true, "attached", ifindex, "");
	}
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

static void fl_remove_at(size_t i)
{
	fl_detach_one(&fl_atts[i]);
	fl_atts[i] = fl_atts[--fl_n];
}

static void fl_detach(struct sb *b, char *args)
{
	bool first = true;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char target[512];
		snprintf(target, sizeof(target), "%s", t);
		char *c = strchr(t, ':');
		if (c)
			*c++ = 0;
		char *endp;
		unsigned long inode = strtoul(t, &endp, 10);
		if (*endp || !inode) {
			fl_target_json(b, &first, target, false, "invalid", 0, "expected <inode>[:<ifname>]");
			continue;
		}
		int n = 0;
		for (size_t i = 0; i < fl_n;) {
			if (fl_atts[i].inode == inode && (!c || strcmp(fl_atts[i].ifname, c) == 0)) {
				fl_remove_at(i);
				n++;
			} else {
				i++;
			}
		}
		/* a pod's entries are keyed by its namespace (pod side) — gone with it either way */
		fl_delete_entries(inode, 0);
		fl_target_json(b, &first, target, true, n ? "detached" : "absent", 0, "");
	}
}

/* a tcx link whose device was deleted (with its namespace) reports ifindex 0 */
static bool fl_link_alive(int fd)
{
	__u8 info[256];
	__u32 len = sizeof(info);
	memset(info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, info, &len) < 0)
		return false;
	__u32 ifindex;
	memcpy(&ifindex, info + 16, sizeof(ifindex)); /* bpf_link_info.tcx.ifindex */
	return ifindex != 0;
}

static void fl_dump(struct sb *b, const char *args)
{
	bool all = strcmp(args, "all") == 0;
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	/* attachments whose device went away */
	sb_printf(b, ",\"gone\":[");
	bool first = true;
	for (size_t i = 0; i < fl_n;) {
		if (!fl_link_alive(fl_atts[i].link[0])) {
			sb_printf(b, "%s[%lu,", first ? "" : ",", fl_atts[i].inode);
			sb_str(b, fl_atts[i].ifname);
			sb_printf(b, "]");
			first = false;
			unsigned long inode = fl_atts[i].inode;
			int ifindex = fl_atts[i].ifindex;
			bool host = fl_atts[i].host;
			fl_remove_at(i);
			fl_delete_entries(inode, host ? ifindex : 0);
		} else {
			i++;
		}
	}
	sb_printf(b, "]");
	__u64 since = fl_gen;
	fl->bss->ks_gen = ++fl_gen;
	int fd = bpf_map__fd(fl->maps.flows);
	int ncpu = libbpf_num_possible_cpus();
	const __u32 chunk = 4096;
	size_t vsz = sizeof(struct ks_flow_val); /* a multiple of 8: per-CPU values are not padded */
	struct ks_flow_key *keys = calloc(chunk, sizeof(*keys));
	struct ks_flow_val *vals = calloc((size_t)chunk * (size_t)ncpu, vsz);
	if (!keys || !vals)
		exit(3);
	__u64 live = 0, sent = 0, frames = 0;
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
		int rc = bpf_map_lookup_batch(fd, first_batch ? NULL : &batch, &batch, keys, vals, &count, NULL);
		int e = rc < 0 ? errno : 0;
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
	sb_printf(b, ",\"frames\":%llu", (unsigned long long)frames);
	sb_printf(b, ",\"gen\":%llu,\"live\":%llu,\"sent\":%llu,\"max_entries\":%u,\"deleted\":%llu,\"attached\":%zu",
		  (unsigned long long)fl_gen, (unsigned long long)live, (unsigned long long)sent,
		  bpf_map__max_entries(fl->maps.flows), (unsigned long long)fl_deleted, fl_n);
	sb_printf(b, ",\"stats\":{\"new\":%llu,\"full\":%llu,\"short\":%llu,\"guess\":%llu}",
		  (unsigned long long)st[KS_FLOW_ST_NEW], (unsigned long long)st[KS_FLOW_ST_FULL],
		  (unsigned long long)st[KS_FLOW_ST_SHORT], (unsigned long long)st[KS_FLOW_ST_GUESS]);
	sb_printf(b, ",\"wall_ns\":%llu,\"cpu_ns\":%llu", (unsigned long long)(ts_ns(CLOCK_MONOTONIC) - w0),
		  (unsigned long long)(ts_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
}

static bool fl_opts(char *args, char *err, size_t errlen)
{
	__u32 entries = fl_entries;
	bool port = fl_port, empty = false;
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
		} else if (strcmp(t, "x_map=percpu_hash") == 0) {
			mt = BPF_MAP_TYPE_PERCPU_HASH;
		} else if (strcmp(t, "x_map=lru_hash") == 0) {
			mt = BPF_MAP_TYPE_LRU_HASH;
		} else {
			snprintf(err, errlen, "unknown option %s (entries=N, port=0|1)", t);
			return false;
		}
	}
	if (fl &&
	    (entries != fl_entries || port != fl_port || empty != fl_empty || stop != fl_stop || mt != fl_map_type))
		fl_unload(); /* new shape: reload (links are made again by the agent's next attach) */
	fl_entries = entries;
	fl_port = port;
	fl_empty = empty;
	fl_stop = stop;
	fl_map_type = mt;
	return true;
}

void cmd_flow(char *args)
{
	char *id = args;
	while (*args && !isspace((unsigned char)*args))
		args++;
	if (*args)
		*args++ = 0;
	while (isspace((unsigned char)*args))
		args++;
	char *verb = args;
	while (*args && !isspace((unsigned char)*args))
		args++;
	if (*args)
		*args++ = 0;
	while (isspace((unsigned char)*args))
		args++;
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"flow\",\"id\":");
	sb_str(&b, id);
	sb_printf(&b, ",\"verb\":");
	sb_str(&b, verb);
	char err[1100] = "";
	bool ok = true;
	if (strcmp(verb, "load") == 0) {
		ok = fl_opts(args, err, sizeof(err)) && fl_load();
		if (!err[0] && !ok)
			snprintf(err, sizeof(err), "%s", fl_error);
		sb_printf(&b, ",\"entries\":%u,\"port\":%s", fl_entries, fl_port ? "true" : "false");
	} else if (strcmp(verb, "attach") == 0) {
		if (!fl_load()) {
			ok = false;
			snprintf(err, sizeof(err), "%s", fl_error);
		} else {
			sb_printf(&b, ",\"targets\":[");
			fl_attach(&b, args);
			sb_printf(&b, "]");
		}
	} else if (strcmp(verb, "detach") == 0) {
		sb_printf(&b, ",\"targets\":[");
		if (fl)
			fl_detach(&b, args);
		sb_printf(&b, "]");
	} else if (strcmp(verb, "dump") == 0) {
		if (!fl) {
			ok = false;
			snprintf(err, sizeof(err), "flow is not loaded");
		} else {
			fl_dump(&b, args);
		}
	} else if (strcmp(verb, "unload") == 0) {
		fl_unload();
	} else {
		ok = false;
		snprintf(err, sizeof(err), "unknown verb '%s' (load, attach, detach, dump, unload)", verb);
	}
	sb_printf(&b, ",\"ok\":%s,\"error\":", ok ? "true" : "false");
	sb_str(&b, err);
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
}
