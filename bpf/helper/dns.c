// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `dns <id> <verb> …`: the dns probe (bpf/probes/dns.bpf.c), attached per
 * interface through the same layer as flow (tcx.c), driven by the agent's attach manager:
 *
 *   dns <id> load [pending=N] [entries=N] [names=N] [slow_ms=N] [rate=N] [cgroup_netns=<inode>]
 *        [suffix=<name> …] [x_empty=1]
 *        cgroup_netns: the namespace (the node's) whose queries are told apart by the sending
 *        socket's cgroup v2 id (hostNetwork pods); other namespaces' cgroup is 0
 *        names: entries of the per-(namespace, question name) answer counts (0 = none kept)
 *        suffix: an NXDOMAIN answer for a name ending in it counts as search-path waste (count 7)
 *   dns <id> attach <inode>:<netns path>:<ifname>[:host] …   (as flow)
 *   dns <id> detach <inode>[:<ifname>] …
 *   dns <id> dump [timeout_ms=N]
 *   dns <id> unload
 *
 * dump answers, all read in one go:
 *   "entries": [[netns, family, proto, "resolver", qtype, rcode, count, sum_ns, truncated, [buckets…], cgroup]…]
 *       cumulative per (namespace, resolver, question type, rcode, transport), summed over CPUs;
 *   "timeouts": queries pending longer than timeout_ms (default 5000), removed from the kernel
 *       map by this dump: [[netns, family, proto, "resolver", qtype, cport, id, age_ns, ifindex, "name",
 *       cgroup]…];
 *   "records": ring records since the previous dump (failed, truncated or slow responses):
 *       [[ts_boot_ns, netns, family, proto, "resolver", qtype, rcode, flags, latency_ns, cport, id,
 *         ifindex, "name"]…];
 *   "names": [[netns, "name", count]…] answered questions per name, cumulative (LRU: a name can
 *       leave and start again from 1);
 *   "counts": [[netns, code, n]…] (enum ks_dns_count), "undelivered": [[netns, cause, n]…],
 *   "pending", "boot_ns", "real_ns" (to place records in wall-clock time), "gone" (as flow).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "helper.h"
#include "ks_dns.h"
#include "tc_dns.gen.h" /* dns.skel.h, the options, rodata, map sizes and programs of bpf/probes/dns.yaml */

static struct dns_bpf *dn;
static struct ring_buffer *dn_ring;
static struct tcx_set dn_set;
/* the load's options (bpf/probes/dns.yaml); cgroup_netns: queries in this namespace are keyed by
 * cgroup too */
static struct tc_dns_opts dn_o = TC_DNS_DEFAULTS;
static char dn_error[1024];
static struct sb *dn_out; /* where the ring callback writes (set during a dump) */
static bool dn_first_rec;

static void dns_unload(void)
{
	tcx_clear(&dn_set);
	dn_set.owner_fd = 0;
	if (dn_ring)
		ring_buffer__free(dn_ring);
	dn_ring = NULL;
	if (dn)
		dns_bpf__destroy(dn);
	dn = NULL;
}

/* wire-format name → dotted text; bytes outside [A-Za-z0-9-_*] as \DDD (RFC 1035 presentation) */
static void dn_name(char *out, size_t outlen, const __u8 *name, unsigned len, bool cut)
{
	size_t o = 0;
	unsigned p = 0;
	while (p < len && o + 8 < outlen) {
		unsigned l = name[p];
		if (l == 0 || l & 0xc0)
			break;
		if (o)
			out[o++] = '.';
		for (unsigned i = 1; i <= l && p + i < len && o + 6 < outlen; i++) {
			__u8 c = name[p + i];
			if (isalnum(c) || c == '-' || c == '_' || c == '*')
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, outlen - o, "\\%03u", c);
		}
		p += l + 1;
	}
	if (o == 0 && !cut)
		out[o++] = '.'; /* the root */
	if (cut && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}

static void dn_addr(char *out, size_t len, int family, const __u8 *a)
{
	out[0] = 0;
	inet_ntop(family == 6 ? AF_INET6 : AF_INET, a, out, (socklen_t)len);
}

static int dn_on_record(void *ctx, void *data, size_t size)
{
	const struct ks_dns_rec *r = data;
	if (!dn_out || size < sizeof(*r) || r->hdr.type != KS_REC_DNS)
		return 0;
	char addr[INET6_ADDRSTRLEN], name[1100];
	dn_addr(addr, sizeof(addr), r->family, r->resolver);
	dn_name(name, sizeof(name), r->name, r->namelen, r->flags & KS_DNS_F_NAME_CUT);
	sb_printf(dn_out, "%s[%llu,%u,%u,%u,\"%s\",%u,%u,%u,%llu,%u,%u,%u,", dn_first_rec ? "" : ",",
		  (unsigned long long)r->hdr.ts_ns, r->hdr.netns, r->family, r->proto, addr, r->qtype, r->rcode,
		  r->flags, (unsigned long long)r->latency_ns, r->cport, r->id, r->ifindex);
	sb_str(dn_out, name);
	sb_printf(dn_out, "]");
	dn_first_rec = false;
	return 0;
}

/* a dotted suffix → its wire length and hash; false when it is no valid name or too long */
static bool dn_suffix_hash(const char *dotted, unsigned *len, __u64 *hash)
{
	__u8 wire[KS_DNS_SUFFIX_LEN];
	unsigned n = 0;
	const char *p = dotted;
	while (*p == '.')
		p++;
	while (*p) {
		const char *e = strchr(p, '.');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 0 || l > 63 || n + 1 + l >= sizeof(wire))
			return false;
		wire[n++] = (__u8)l;
		memcpy(wire + n, p, l);
		n += (unsigned)l;
		p += l;
		while (*p == '.')
			p++;
	}
	if (n == 0)
		return false;
	wire[n++] = 0;
	__u64 h = KS_DNS_FNV_OFFSET;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ (__u8)(wire[i] | 0x20)) * KS_DNS_FNV_PRIME;
	*len = n;
	*hash = h;
	return true;
}

static bool dn_load(void)
{
	if (dn)
		return true;
	if (!tcx_btf_ready(dn_error, sizeof(dn_error)))
		return false;
	dn = dns_bpf__open();
	if (!dn) {
		snprintf(dn_error, sizeof(dn_error), "dns: open: %s", strerror(errno));
		return false;
	}
	tc_dns_rodata(dn, &dn_o);
	/* search suffixes: their wire lengths, each once (the hashes go to `suffixes` after load) */
	__u64 hash[KS_DNS_SUFFIX_MAX];
	{
		int nl = 0;
		for (__u32 i = 0; i < dn_o.n_suffix; i++) {
			unsigned len = 0;
			dn_suffix_hash(dn_o.suffix[i], &len, &hash[i]);
			bool seen = false;
			for (int j = 0; j < nl; j++)
				seen |= dn->rodata->ks_suffix_len[j] == len;
			if (!seen)
				dn->rodata->ks_suffix_len[nl++] = (__u8)len;
		}
	}
	tc_dns_sizes(dn, &dn_o);
	int rc = dns_bpf__load(dn);
	if (rc) {
		snprintf(dn_error, sizeof(dn_error), "dns: load: %s; %s", strerror(rc < 0 ? -rc : rc),
			 log_tail_last(600));
		dns_bpf__destroy(dn);
		dn = NULL;
		return false;
	}
	for (__u32 i = 0; i < dn_o.n_suffix; i++) {
		__u8 one = 1;
		bpf_map_update_elem(bpf_map__fd(dn->maps.suffixes), &hash[i], &one, BPF_ANY);
	}
	dn_ring = ring_buffer__new(bpf_map__fd(dn->maps.events), dn_on_record, NULL, NULL);
	if (!dn_ring) {
		snprintf(dn_error, sizeof(dn_error), "dns: ring buffer: %s", strerror(errno));
		dns_bpf__destroy(dn);
		dn = NULL;
		return false;
	}
	tc_dns_programs(dn, &dn_set);
	return true;
}

/* drop a detached namespace's pending queries (its aggregates stay: the agent forgets them) */
static void dn_forget(unsigned long inode, int ifindex)
{
	/* a host-side attachment's host device: its queries are keyed by the pod (forgotten with it) */
	if (ifindex)
		return;
	int fd = bpf_map__fd(dn->maps.pending);
	struct ks_dns_qkey k, next, *prev = NULL;
	size_t n = 0, cap = 0;
	struct ks_dns_qkey *del = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (next.netns == inode) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
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
		bpf_map_delete_elem(fd, &del[i]);
	free(del);
	/* its names */
	fd = bpf_map__fd(dn->maps.names);
	struct ks_dns_nkey nk, nnext, *nprev = NULL;
	while (bpf_map_get_next_key(fd, nprev, &nnext) == 0) {
		if (nnext.netns == inode) {
			bpf_map_delete_elem(fd, &nnext); /* the walk goes on from the deleted key's successor */
			continue;
		}
		nk = nnext;
		nprev = &nk;
	}
}

static void dn_dump(struct sb *b, char *args)
{
	__u64 timeout_ns = 5000000000ull;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (strncmp(t, "timeout_ms=", 11) == 0) {
			char *endp;
			unsigned long v = strtoul(t + 11, &endp, 10);
			if (!*endp && v >= 1 && v <= 3600000)
				timeout_ns = (__u64)v * 1000000ull;
		}
	}
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	tcx_gone(&dn_set, b, dn_forget);
	int ncpu = libbpf_num_possible_cpus();
	char addr[INET6_ADDRSTRLEN];
	/* records first: a response counted below has its record (if any) in this dump or before */
	sb_printf(b, ",\"records\":[");
	dn_out = b;
	dn_first_rec = true;
	ring_buffer__consume(dn_ring);
	dn_out = NULL;
	sb_printf(b, "]");
	/* aggregates */
	sb_printf(b, ",\"entries\":[");
	{
		int fd = bpf_map__fd(dn->maps.dns);
		struct ks_dns_key k, next, *prev = NULL;
		struct ks_dns_val *vals = calloc((size_t)ncpu, sizeof(*vals));
		if (!vals)
			exit(3);
		bool first = true;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, vals) < 0)
				continue;
			struct ks_dns_val s = {0};
			for (int c = 0; c < ncpu; c++) {
				s.count += vals[c].count;
				s.sum_ns += vals[c].sum_ns;
				s.truncated += vals[c].truncated;
				for (int i = 0; i <= KS_LAT_NBOUNDS; i++)
					s.buckets[i] += vals[c].buckets[i];
			}
			dn_addr(addr, sizeof(addr), k.family, k.resolver);
			sb_printf(b, "%s[%u,%u,%u,\"%s\",%u,%u,%llu,%llu,%llu,[", first ? "" : ",", k.netns, k.family,
				  k.proto, addr, k.qtype, k.rcode, (unsigned long long)s.count,
				  (unsigned long long)s.sum_ns, (unsigned long long)s.truncated);
			for (int i = 0; i <= KS_LAT_NBOUNDS; i++)
				sb_printf(b, "%s%llu", i ? "," : "", (unsigned long long)s.buckets[i]);
			sb_printf(b, "],%llu]", (unsigned long long)k.cgroup);
			first = false;
		}
		free(vals);
	}
	sb_printf(b, "]");
	/* answered questions per name */
	sb_printf(b, ",\"names\":[");
	{
		int fd = bpf_map__fd(dn->maps.names);
		struct ks_dns_nkey k, next, *prev = NULL;
		struct ks_dns_nval v;
		bool first = true;
		while (dn_o.names && bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, &v) < 0)
				continue;
			char name[1100];
			dn_name(name, sizeof(name), v.name, v.namelen, v.flags & KS_DNS_F_NAME_CUT);
			sb_printf(b, "%s[%u,", first ? "" : ",", k.netns);
			sb_str(b, name);
			sb_printf(b, ",%llu]", (unsigned long long)v.count);
			first = false;
		}
	}
	sb_printf(b, "]");
	/* the timeout sweep: queries older than timeout_ns leave the map here, once */
	__u64 now = ts_ns(CLOCK_BOOTTIME);
	sb_printf(b, ",\"timeouts\":[");
	__u64 pending = 0;
	{
		int fd = bpf_map__fd(dn->maps.pending);
		struct ks_dns_qkey k, next, *prev = NULL;
		struct ks_dns_pending v;
		size_t n = 0, cap = 0;
		struct ks_dns_qkey *old = NULL;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			pending++;
			if (bpf_map_lookup_elem(fd, &k, &v) == 0 && v.ts < now && now - v.ts > timeout_ns) {
				if (n == cap) {
					cap = cap ? cap * 2 : 64;
					old = realloc(old, cap * sizeof(*old));
					if (!old)
						exit(3);
				}
				old[n++] = k;
			}
		}
		bool first = true;
		for (size_t i = 0; i < n; i++) {
			/* read and delete: a response that won the race was counted by the kernel instead */
			if (bpf_map_lookup_and_delete_elem(fd, &old[i], &v) < 0 &&
			    (bpf_map_lookup_elem(fd, &old[i], &v) < 0 || bpf_map_delete_elem(fd, &old[i]) < 0))
				continue;
			pending--;
			char name[1100];
			dn_addr(addr, sizeof(addr), old[i].family, old[i].resolver);
			dn_name(name, sizeof(name), v.name, v.namelen, v.flags & KS_DNS_F_NAME_CUT);
			sb_printf(b, "%s[%u,%u,%u,\"%s\",%u,%u,%u,%llu,%u,", first ? "" : ",", old[i].netns,
				  old[i].family, old[i].proto, addr, v.qtype, old[i].cport, old[i].id,
				  (unsigned long long)(now - v.ts), v.ifindex);
			sb_str(b, name);
			sb_printf(b, ",%llu]", (unsigned long long)v.cgroup);
			first = false;
		}
		free(old);
	}
	sb_printf(b, "]");
	/* exact per-namespace counts (domain 1) and undelivered records (domain 2) */
	sb_printf(b, ",\"counts\":[");
	bool firstc = true;
	{
		int fd = bpf_map__fd(dn->maps.counts);
		struct ks_count_key k, next, *prev = NULL;
		__u64 *pc = calloc((size_t)ncpu, sizeof(__u64));
		if (!pc)
			exit(3);
		struct sb und = {0};
		bool firstu = true;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			k = next;
			prev = &k;
			if (bpf_map_lookup_elem(fd, &k, pc) < 0)
				continue;
			__u64 sum = 0;
			for (int c = 0; c < ncpu; c++)
				sum += pc[c];
			if (k.domain == KS_DOMAIN_EVENTS) {
				sb_printf(b, "%s[%u,%u,%llu]", firstc ? "" : ",", k.netns, k.code,
					  (unsigned long long)sum);
				firstc = false;
			} else if (k.domain == KS_DOMAIN_UNDELIVERED) {
				sb_printf(&und, "%s[%u,%u,%llu]", firstu ? "" : ",", k.netns, k.code,
					  (unsigned long long)sum);
				firstu = false;
			}
		}
		free(pc);
		sb_printf(b, "],\"undelivered\":[%s]", und.p ? und.p : "");
		sb_free(&und);
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	sb_printf(b, ",\"pending\":%llu,\"attached\":%zu,\"boot_ns\":%llu,\"real_ns\":%llu",
		  (unsigned long long)pending, dn_set.n, (unsigned long long)ts_ns(CLOCK_BOOTTIME),
		  (unsigned long long)((__u64)rt.tv_sec * 1000000000ull + (__u64)rt.tv_nsec));
	sb_printf(b, ",\"wall_ns\":%llu,\"cpu_ns\":%llu", (unsigned long long)(ts_ns(CLOCK_MONOTONIC) - w0),
		  (unsigned long long)(ts_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
}

/* a value of the one list option (suffix) is a DNS name that fits the kernel's suffix buffer */
static bool dn_check(const char *option, const char *value)
{
	unsigned len;
	__u64 hash;
	(void)option;
	return dn_suffix_hash(value, &len, &hash);
}

static bool dn_opts(char *args, char *err, size_t errlen)
{
	struct tc_dns_opts o;
	if (!tc_dns_parse(&dn_o, &o, args, err, errlen))
		return false;
	if (dn && !tc_dns_same(&o, &dn_o))
		dns_unload(); /* new shape: reload (links are made again by the agent's next attach) */
	dn_o = o;
	return true;
}

static bool dn_loaded(void)
{
	return dn != NULL;
}

const struct tcx_probe tc_dns_probe = {
	.desc = &tc_dns_desc,
	.check = dn_check,
	.set = &dn_set,
	.error = dn_error,
	.opts = dn_opts,
	.load = dn_load,
	.loaded = dn_loaded,
	.forget = dn_forget,
	.dump = dn_dump,
	.unload = dns_unload,
};
