// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `tcpsummary <id>`: one walk of every TCP established hash table of the node
 * (bpf/probes/tcpsummary.bpf.c, an iter/task program run by reading an iterator fd), answered by
 * one JSON frame:
 *
 *   {"msg":"tcpsummary","id":"<id>","ok":true,"run":N,"wall_ns":..,"cpu_ns":..,
 *    "stats":{"tables":..,"buckets":..,"sockets":..,"listeners":..,"read_err":..,"agg_full":..,
 *             "steps_cut":..,"tasks":..,"peer_full":..},
 *    "netns":[[inode, rx_queue_bytes, tx_queue_bytes, [count of st 0..15]], ...]}
 *
 * (st = the TCP state number /proc/net/tcp prints: 1 ESTABLISHED … 11 CLOSING; LISTEN sockets are
 * not in the established table and are not counted.) A namespace with no socket is absent. On
 * failure: {"msg":"tcpsummary","id":..,"ok":false,"stage":..,"errno":..,"error":..}; the load is
 * tried once per helper process (the kernel does not change under it).
 *
 * `tcpsummary <id> floor` (benchmarks only): the peers walk with every socket summed into one
 * value instead of its peer's, answered as peers mode (its peers are those of the hash overflow).
 *
 * `tcpsummary <id> peers`: the same walk in peers mode adds
 *    "peer_row_bytes":288,"peers_bin":"<base64>" -- the per-peer rows, each a struct
 *              ks_tcpsum_peer_key then a struct ks_tcpsum_peer_val (ks_tcpsummary.h; little-endian), in
 *              binary: at 50k peers printing them as JSON cost the helper more than the walk and the
 *              agent's JSON.parse more than everything else it does with them,
 *    "listeners":[[inode, family, port, sockets, backlog, max_backlog], ...],
 *    "closed":[[inode, family, role, "address", port, closes, segs_out, total_retrans, bytes_acked,
 *               bytes_received, busy_us, rwnd_limited_us, sndbuf_limited_us, retransmits by cause:
 *               timeout, fast, tail_loss_probe, syn], ...],
 *    "closed_stats":{"entries":..,"created":..,"evicted":..,"failed":..,"missed":..}[,"capture_error":".."]
 * (missed: runs of the capture programs the kernel skipped, recursion_misses)
 * ("closed": the final counters of the connections closed since the first peers walk, and the
 * segments retransmitted by cause, per key; read before the walk, see closed_read.)
 * (role 1 = this side connected, 2 = the peer connected to it; see ks_tcpsummary.h).
 *
 * Its own translation unit: the JSON builder and output are out.c's (helper.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "helper.h"
#include "ks_tcpsummary.h"
#include "tcpsummary.skel.h"

static struct tcpsummary_bpf *tsum;
static struct bpf_link *tsum_link;
/* close-time capture and retransmits by cause: attached at the first peers walk */
static struct bpf_link *tsum_capture[3];
static bool tsum_capture_tried;
static char tsum_capture_error[512];
static bool tsum_tried;
/* peer_slots through a shared mapping (read-only here): one pass over memory, no syscalls */
static const struct ks_tcpsum_peer_slot *tsum_slots;
static char tsum_stage[16];
static int tsum_errno;
static char tsum_error[2048];

static void tsum_fail(const char *stage, int err, const char *what)
{
	snprintf(tsum_stage, sizeof(tsum_stage), "%s", stage);
	tsum_errno = err;
	snprintf(tsum_error, sizeof(tsum_error), "%s: %s%s%s", what, strerror(err), log_tail[0] ? "; " : "",
		 log_tail_last(600));
}

void tsum_teardown(void)
{
	for (int i = 0; i < 3; i++) {
		if (tsum_capture[i])
			bpf_link__destroy(tsum_capture[i]);
		tsum_capture[i] = NULL;
	}
	if (tsum_slots)
		munmap((void *)tsum_slots, (size_t)KS_TCPSUM_PEER_SLOTS * sizeof(struct ks_tcpsum_peer_slot));
	tsum_slots = NULL;
	if (tsum_link)
		bpf_link__destroy(tsum_link);
	tsum_link = NULL;
	if (tsum)
		tcpsummary_bpf__destroy(tsum);
	tsum = NULL;
}

static bool tsum_setup(void)
{
	if (tsum_link)
		return true;
	if (tsum_tried)
		return false;
	tsum_tried = true;
	log_tail_reset();
	if (!vmlinux_btf) {
		tsum_fail("btf", ENOENT, "kernel BTF unavailable");
		return false;
	}
	tsum = tcpsummary_bpf__open();
	if (!tsum) {
		tsum_fail("open", errno, "tcpsummary: open");
		return false;
	}
	int rc = tcpsummary_bpf__load(tsum);
	if (rc) {
		tsum_fail("load", rc < 0 ? -rc : rc, "tcpsummary: load of the iter/task program");
		tsum_teardown();
		return false;
	}
	tsum_link = bpf_program__attach_iter(tsum->progs.ks_tcpsummary, NULL);
	if (!tsum_link) {
		tsum_fail("attach", errno, "tcpsummary: attach iter/task");
		tsum_teardown();
		return false;
	}
	return true;
}

/* Attaches the three capture programs once; on failure the walk still answers, naming it. */
static bool tsum_capture_setup(void)
{
	if (tsum_capture_tried)
		return tsum_capture[2] != NULL;
	tsum_capture_tried = true;
	struct bpf_program *progs[3] = {tsum->progs.ks_tcpsum_close, tsum->progs.ks_tcpsum_retrans,
					tsum->progs.ks_tcpsum_retrans_synack};
	for (int i = 0; i < 3; i++) {
		tsum_capture[i] = bpf_program__attach(progs[i]);
		if (!tsum_capture[i]) {
			int e = errno;
			snprintf(tsum_capture_error, sizeof(tsum_capture_error), "tcpsummary: attach %s: %s",
				 bpf_program__name(progs[i]), strerror(e));
			for (int j = 0; j < i; j++) {
				bpf_link__destroy(tsum_capture[j]);
				tsum_capture[j] = NULL;
			}
			return false;
		}
	}
	return true;
}

/* The `closed` map read BEFORE the walk: a connection that closes after this read is still in the
 * walk (or in neither, and in the next cycle's read), never in both, so closed + live only ever
 * undercounts, by connections closing during the read and walk, and the next cycle catches up. */
struct closed_row {
	struct ks_tcpsum_peer_key k;
	struct ks_tcpsum_closed_val v;
};

struct closed_snap {
	struct closed_row *rows;
	size_t n, cap;
};

static void closed_read(struct closed_snap *cs)
{
	int fd = bpf_map__fd(tsum->maps.closed);
	struct ks_tcpsum_peer_key key, next;
	int rc = bpf_map_get_next_key(fd, NULL, &next);
	while (rc == 0) {
		key = next;
		if (cs->n == cs->cap) {
			size_t cap = cs->cap ? cs->cap * 2 : 256;
			struct closed_row *nr = realloc(cs->rows, cap * sizeof(*nr));
			if (!nr)
				return;
			cs->rows = nr;
			cs->cap = cap;
		}
		if (bpf_map_lookup_elem(fd, &key, &cs->rows[cs->n].v) == 0)
			cs->rows[cs->n++].k = key;
		rc = bpf_map_get_next_key(fd, &key, &next);
	}
}

static void closed_json(struct sb *b, const struct closed_snap *cs)
{
	sb_printf(b, ",\"closed\":[");
	for (size_t i = 0; i < cs->n; i++) {
		const struct ks_tcpsum_peer_key *k = &cs->rows[i].k;
		const struct ks_tcpsum_closed_val *v = &cs->rows[i].v;
		char addr[INET6_ADDRSTRLEN] = "";
		inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, k->addr, addr, sizeof(addr));
		sb_printf(b, "%s[%u,%u,%u,\"%s\",%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu]",
			  i ? "," : "", k->netns, k->family, k->role, addr, k->port, (unsigned long long)v->closes,
			  (unsigned long long)v->segs_out, (unsigned long long)v->total_retrans,
			  (unsigned long long)v->bytes_acked, (unsigned long long)v->bytes_received,
			  (unsigned long long)v->busy_us, (unsigned long long)v->rwnd_us,
			  (unsigned long long)v->sndbuf_us, (unsigned long long)v->retrans[KS_RETRANS_TIMEOUT],
			  (unsigned long long)v->retrans[KS_RETRANS_FAST],
			  (unsigned long long)v->retrans[KS_RETRANS_TLP],
			  (unsigned long long)v->retrans[KS_RETRANS_SYN]);
	}
	/* runs of the capture programs the kernel skipped (one already running on that CPU, e.g.
	 * preempted): a close or retransmit not counted */
	__u64 missed = 0;
	struct bpf_program *progs[3] = {tsum->progs.ks_tcpsum_close, tsum->progs.ks_tcpsum_retrans,
					tsum->progs.ks_tcpsum_retrans_synack};
	for (int i = 0; i < 3 && tsum_capture[2]; i++) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info, &len) == 0)
			missed += info.recursion_misses;
	}
	__u64 created = tsum->bss->ks_closed_created;
	sb_printf(b,
		  "],\"closed_stats\":{\"entries\":%zu,\"created\":%llu,\"evicted\":%llu,\"failed\":%llu,\"missed\":%"
		  "llu}",
		  cs->n, (unsigned long long)created, (unsigned long long)(created > cs->n ? created - cs->n : 0),
		  (unsigned long long)tsum->bss->ks_closed_failed, (unsigned long long)missed);
	if (tsum_capture_error[0]) {
		sb_printf(b, ",\"capture_error\":");
		sb_str(b, tsum_capture_error);
	}
}

/* Collects keys of a map whose value's first field (run) is not the current run, to delete them. */
struct stale {
	void *keys;
	size_t n, cap, ksize;
};

static void stale_add(struct stale *st, const void *key)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		void *nk = realloc(st->keys, cap * st->ksize);
		if (!nk)
			return;
		st->keys = nk;
		st->cap = cap;
	}
	memcpy((char *)st->keys + st->n++ * st->ksize, key, st->ksize);
}

static void stale_drop(struct stale *st, int fd)
{
	for (size_t i = 0; i < st->n; i++)
		bpf_map_delete_elem(fd, (char *)st->keys + i * st->ksize);
	free(st->keys);
}

/* One peer row as the agent decodes it from "peers_bin": the key and value as the walk wrote them
 * (ks_tcpsum_peer_key, 24 bytes, then ks_tcpsum_peer_val, 264 bytes; little-endian). */
#define PEER_BIN_ROW (sizeof(struct ks_tcpsum_peer_key) + sizeof(struct ks_tcpsum_peer_val))

struct bin {
	unsigned char *p;
	size_t len, cap;
};

static void bin_row(struct bin *o, const struct ks_tcpsum_peer_key *key, const struct ks_tcpsum_peer_val *v)
{
	if (o->len + PEER_BIN_ROW > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 64 * PEER_BIN_ROW;
		unsigned char *np = realloc(o->p, cap);
		if (!np) {
			fprintf(stderr, "helper: out of memory\n");
			exit(1);
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, key, sizeof(*key));
	memcpy(o->p + o->len + sizeof(*key), v, sizeof(*v));
	o->len += PEER_BIN_ROW;
}

static const struct ks_tcpsum_peer_slot *slots_map(void)
{
	if (tsum_slots)
		return tsum_slots;
	void *m = mmap(NULL, (size_t)KS_TCPSUM_PEER_SLOTS * sizeof(struct ks_tcpsum_peer_slot), PROT_READ, MAP_SHARED,
		       bpf_map__fd(tsum->maps.peer_slots), 0);
	if (m == MAP_FAILED)
		return NULL;
	tsum_slots = m;
	return tsum_slots;
}

static void peers_json(struct sb *b, __u32 run)
{
	struct bin rows = {0};
	const struct ks_tcpsum_peer_slot *slots = tsum_slots; /* mapped before the walk */
	for (size_t i = 0; slots && i < KS_TCPSUM_PEER_SLOTS; i++) {
		if (slots[i].v.run != run)
			continue;
		bin_row(&rows, &slots[i].k, &slots[i].v);
	}
	int fd = bpf_map__fd(tsum->maps.peers);
	struct ks_tcpsum_peer_key key, next;
	struct ks_tcpsum_peer_val v;
	struct stale st = {.ksize = sizeof(key)};
	int rc = bpf_map_get_next_key(fd, NULL, &next);
	while (rc == 0) {
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &v) == 0) {
			if (v.run != run)
				stale_add(&st, &key);
			else
				bin_row(&rows, &key, &v);
		}
		rc = bpf_map_get_next_key(fd, &key, &next);
	}
	stale_drop(&st, fd);
	sb_printf(b, ",\"peer_row_bytes\":%zu,\"peers_bin\":\"", PEER_BIN_ROW);
	sb_base64(b, rows.p, rows.len);
	sb_printf(b, "\"");
	free(rows.p);
	fd = bpf_map__fd(tsum->maps.listeners);
	struct ks_tcpsum_listen_key lkey, lnext;
	struct ks_tcpsum_listen_val lv;
	struct stale lst = {.ksize = sizeof(lkey)};
	bool first = true;
	sb_printf(b, ",\"listeners\":[");
	rc = bpf_map_get_next_key(fd, NULL, &lnext);
	while (rc == 0) {
		lkey = lnext;
		if (bpf_map_lookup_elem(fd, &lkey, &lv) == 0) {
			if (lv.run != run) {
				stale_add(&lst, &lkey);
			} else if (lkey.family == 0) {
				/* the walk's "any family" key of the port, not a listener row */
			} else {
				sb_printf(b, "%s[%u,%u,%u,%u,%u,%u]", first ? "" : ",", lkey.netns, lkey.family,
					  lkey.port, lv.sockets, lv.backlog, lv.max_backlog);
				first = false;
			}
		}
		rc = bpf_map_get_next_key(fd, &lkey, &lnext);
	}
	stale_drop(&lst, fd);
	sb_printf(b, "]");
}

void cmd_tcpsummary(const char *args)
{
	/* "<id> [peers]" */
	char id[128];
	const char *sp = strchr(args, ' ');
	size_t idlen = sp ? (size_t)(sp - args) : strlen(args);
	if (idlen >= sizeof(id))
		idlen = sizeof(id) - 1;
	memcpy(id, args, idlen);
	id[idlen] = 0;
	bool floor = sp && strcmp(sp + 1, "floor") == 0;
	bool peers = sp && (strcmp(sp + 1, "peers") == 0 || floor);
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"tcpsummary\",\"id\":");
	sb_str(&b, id);
	if (!tsum_setup()) {
		sb_printf(&b, ",\"ok\":false,\"stage\":");
		sb_str(&b, tsum_stage);
		sb_printf(&b, ",\"errno\":%d,\"error\":", tsum_errno);
		sb_str(&b, tsum_error);
		sb_printf(&b, "}");
		send_json(&b);
		sb_free(&b);
		return;
	}
	if (peers && !slots_map()) {
		int e = errno;
		sb_printf(&b, ",\"ok\":false,\"stage\":\"mmap\",\"errno\":%d,\"error\":", e);
		sb_str(&b, "tcpsummary: mapping the peer_slots map");
		sb_printf(&b, "}");
		send_json(&b);
		sb_free(&b);
		return;
	}
	struct closed_snap cs = {0};
	if (peers) {
		tsum_capture_setup();
		closed_read(&cs);
	}
	__u32 run = ++tsum->bss->ks_run;
	tsum->bss->ks_peers = peers ? 1 : 0;
	tsum->bss->ks_floor = floor ? 1 : 0;
	memset(tsum->bss->ks_stats, 0, sizeof(tsum->bss->ks_stats));
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = cpu_ns();
	int fd = bpf_iter_create(bpf_link__fd(tsum_link));
	if (fd < 0) {
		int e = errno;
		sb_printf(&b, ",\"ok\":false,\"stage\":\"iter\",\"errno\":%d,\"error\":", e);
		sb_str(&b, strerror(e));
		sb_printf(&b, "}");
		send_json(&b);
		sb_free(&b);
		free(cs.rows);
		return;
	}
	char buf[256];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0 || (r < 0 && errno == EINTR))
		;
	int read_errno = r < 0 ? errno : 0;
	close(fd);
	__u64 w1 = ts_ns(CLOCK_MONOTONIC), c1 = cpu_ns();
	if (read_errno) {
		sb_printf(&b, ",\"ok\":false,\"stage\":\"iter\",\"errno\":%d,\"error\":", read_errno);
		sb_str(&b, strerror(read_errno));
		sb_printf(&b, "}");
		send_json(&b);
		sb_free(&b);
		free(cs.rows);
		return;
	}
	const __u64 *s = tsum->bss->ks_stats;
	sb_printf(
		&b,
		",\"ok\":true,\"run\":%u,\"wall_ns\":%llu,\"cpu_ns\":%llu,\"stats\":{\"tables\":%llu,\"buckets\":%llu,"
		"\"sockets\":%llu,\"listeners\":%llu,\"read_err\":%llu,\"agg_full\":%llu,\"steps_cut\":%llu,"
		"\"tasks\":%llu,\"peer_full\":%llu},\"netns\":[",
		run, (unsigned long long)(w1 - w0), (unsigned long long)(c1 - c0), (unsigned long long)s[0],
		(unsigned long long)s[1], (unsigned long long)s[2], (unsigned long long)s[3], (unsigned long long)s[4],
		(unsigned long long)s[5], (unsigned long long)s[6], (unsigned long long)s[7], (unsigned long long)s[8]);
	int afd = bpf_map__fd(tsum->maps.agg);
	__u32 key, next, *stale = NULL;
	size_t nstale = 0, capstale = 0;
	bool first = true;
	struct ks_tcpsum_val v;
	int rc = bpf_map_get_next_key(afd, NULL, &next);
	while (rc == 0) {
		key = next;
		if (bpf_map_lookup_elem(afd, &key, &v) == 0) {
			if (v.run == run) {
				sb_printf(&b, "%s[%u,%llu,%llu,[", first ? "" : ",", key,
					  (unsigned long long)v.rx_queue, (unsigned long long)v.tx_queue);
				for (int i = 0; i < KS_TCPSUM_NSTATES; i++)
					sb_printf(&b, "%s%u", i ? "," : "", v.states[i]);
				sb_printf(&b, "]]");
				first = false;
			} else {
				/* a namespace with no socket left (or gone): forget it */
				if (nstale == capstale) {
					capstale = capstale ? capstale * 2 : 64;
					__u32 *ns = realloc(stale, capstale * sizeof(*stale));
					if (!ns)
						break;
					stale = ns;
				}
				stale[nstale++] = key;
			}
		}
		rc = bpf_map_get_next_key(afd, &key, &next);
	}
	for (size_t i = 0; i < nstale; i++)
		bpf_map_delete_elem(afd, &stale[i]);
	free(stale);
	sb_printf(&b, "]");
	if (peers) {
		peers_json(&b, run);
		closed_json(&b, &cs);
		free(cs.rows);
	}
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
}
