// SPDX-License-Identifier: Apache-2.0
/*
 * Helper command `flow <id> <verb> …`: the flow probe (bpf/probes/flow.bpf.c). Its programs are
 * attached per interface as pods come and go, so it is driven by the agent's attach manager
 * instead of the `load` table:
 *
 *   flow <id> load [entries=N] [port=0|1] [hostnet=<inode>] [cg_lo=0|1]
 *                                            load the object (attach loads it with defaults);
 *                                            x_empty=1 (benchmark only): programs that count nothing;
 *                                            x_stop=1|2|3: where the time goes (3: the key and one
 *                                            per-CPU array add, the floor); x_cache=0: without the
 *                                            per-CPU last-flow cache; x_counts=percpu: per-CPU
 *                                            counter pairs instead of atomics
 *   flow <id> attach <inode>:<netns path>:<ifname>[:host] …
 *        tcx links in that namespace, placed before every other tcx program (BPF_F_BEFORE);
 *        `host` = a pod's host-side veth: the programs are swapped so rx/tx stay the pod's.
 *        Attaching what is attached is a no-op ("already").
 *   flow <id> detach <inode>[:<ifname>] …   close the links, delete that namespace's entries
 *   flow <id> cgattach <cgroup v2 directory> …
 *        hostNetwork pods (load with hostnet=<the node's namespace inode>): the cgroup_skb programs
 *        on that pod's cgroup (links: many programs may share a cgroup, ours never changes a
 *        packet's fate); its sockets' packets are counted under the cgroup's id (owner CGROUP),
 *        every device of the node's namespace, lo only with cg_lo=1. Answer targets carry "id".
 *   flow <id> cgdetach <cgroup id> …          close the links, delete that pod's entries
 *   flow <id> read [all] [ttl=S]             the cycle's read: keys of new slots (once), counters of
 *                                            the slots that moved, slots taken back (idle > S seconds,
 *                                            evicted when nearly full, namespace detached); all:
 *                                            every slot's key and counters (the agent starts over)
 *   flow <id> dump [all]                     every slot's key and counters as ks_flow_entry frames
 *                                            (tests, tools: no state changes)
 *   flow <id> unload                         detach everything and free the object
 *
 * Links are BPF links, not netlink tc filters: they go away with the helper (its fds) and with
 * the device (a deleted namespace leaves nothing behind). A link whose device is gone is found
 * at the next dump, closed and reported ("gone"); a cgroup link whose cgroup was removed, at the
 * next read ("cg_gone": ids).
 *
 * Answer: {"msg":"flow","id":..,"verb":..,"ok":..,"error":..,"targets":[{"target","ok","state",
 * "ifindex","error"}], dump: "gen","live","sent","frames","max_entries","deleted","stats":{…}}.
 * A read's keys/counters/freed slots and a dump's entries go before the answer as binary frames
 * (struct ks_flow_read / ks_flow_dump, bpf/include/ks_flow.h) carrying the answer's gen.
 *
 * Slots: the programs count into flow_cnt[slot] (mmapped here); a new key takes a slot id from
 * the free ring (flow_free, mmapped) and announces itself in flow_keys[slot].pos. The helper owns
 * the ring: it fills it at load and gives back the slots it takes (TTL, eviction, detach) two
 * reads later, after bumping ks_epoch, so no program still holds their id.
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
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <net/if.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "helper.h"
#include "ks_flow.h"
#include "tc_flow.gen.h" /* flow.skel.h, the options, rodata, map sizes and programs of bpf/probes/flow.yaml */

static struct flow_bpf *fl;
static struct tcx_set fl_set; /* the attachments (tcx.c) */
static __u64 fl_gen;
static __u64 fl_deleted; /* slots taken back because their namespace/interface was detached */
static __u64 fl_evicted; /* slots taken back from the least recently moved when nearly full */
static __u64 fl_expired; /* slots taken back after the TTL without traffic */
/* the load's options (bpf/probes/flow.yaml): entries; port; hostnet = the node's namespace inode
 * (0: hostNetwork pods not counted); cg_lo: their loopback counted too; bench only: x_empty (the
 * floor: programs that return at once), x_stop=1|2|3 (where the time goes), x_cache=0 (no per-CPU
 * last-flow cache), x_counts=percpu (per-CPU counter pairs instead of atomics) */
static struct tc_flow_opts fl_o = TC_FLOW_DEFAULTS;

/* hostNetwork pods' cgroups with the cgroup_skb programs */
struct fl_cg {
	__u64 id; /* the cgroup v2 id (the directory's inode) */
	int link[2];
};
static struct fl_cg *fl_cgs;
static size_t fl_ncg, fl_capcg;
static char fl_error[1024];

/* the mmapped arrays and the helper's own state per slot */
static struct ks_flow_cnt *fl_cnt;
static struct ks_flow_slotkey *fl_keys;
static __u64 *fl_ring;
static size_t fl_cnt_len, fl_keys_len, fl_ring_len;
static __u32 fl_ring_size, fl_stride = 1;
enum { SL_FREE = 0, SL_USED, SL_QUAR };
static __u8 *fl_state;		    /* SL_*: USED = announced to the agent */
static struct ks_flow_cnt *fl_prev; /* counters at the previous read */
static __u64 *fl_moved;		    /* CLOCK_MONOTONIC ns of the last read that saw it move */
static __u64 fl_seen;		    /* ring positions below this were looked at */
static __u32 fl_used;
/* slots taken back: q_wait this read, q_ready the read before (recycled at the next read) */
static __u32 *fl_q_wait, *fl_q_ready, fl_nq_wait, fl_nq_ready;
static __u32 *fl_freed, fl_nfreed; /* taken back since the last read, told to the agent */

static void *fl_mmap(struct bpf_map *m, size_t *len)
{
	size_t v = (bpf_map__value_size(m) + 7) & ~(size_t)7, pg = (size_t)sysconf(_SC_PAGESIZE);
	*len = (v * bpf_map__max_entries(m) + pg - 1) & ~(pg - 1);
	void *p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	return p == MAP_FAILED ? NULL : p;
}

static void fl_cg_close(struct fl_cg *c)
{
	for (int i = 0; i < 2; i++)
		if (c->link[i] >= 0)
			close(c->link[i]);
	c->link[0] = c->link[1] = -1;
}

static void fl_unload(void)
{
	tcx_clear(&fl_set);
	fl_set.owner_fd = 0;
	for (size_t i = 0; i < fl_ncg; i++)
		fl_cg_close(&fl_cgs[i]);
	fl_ncg = 0;
	if (fl_cnt)
		munmap(fl_cnt, fl_cnt_len);
	if (fl_keys)
		munmap(fl_keys, fl_keys_len);
	if (fl_ring)
		munmap(fl_ring, fl_ring_len);
	fl_cnt = NULL;
	fl_keys = NULL;
	fl_ring = NULL;
	free(fl_state);
	free(fl_prev);
	free(fl_moved);
	free(fl_q_wait);
	free(fl_q_ready);
	free(fl_freed);
	fl_state = NULL;
	fl_prev = NULL;
	fl_moved = NULL;
	fl_q_wait = fl_q_ready = fl_freed = NULL;
	fl_nq_wait = fl_nq_ready = fl_nfreed = 0;
	if (fl)
		flow_bpf__destroy(fl);
	fl = NULL;
	fl_gen = 0;
	fl_deleted = fl_evicted = fl_expired = 0;
	fl_seen = 0;
	fl_used = 0;
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
	int ncpu = libbpf_num_possible_cpus();
	bool pcpu = fl_o.x_counts == TC_FLOW_X_COUNTS_PERCPU;
	fl_stride = pcpu ? (__u32)ncpu : 1;
	fl_ring_size = 1;
	while (fl_ring_size < fl_o.entries)
		fl_ring_size <<= 1;
	tc_flow_rodata(fl, &fl_o);
	fl->rodata->ks_pcpu = pcpu ? (__u32)ncpu : 0;
	fl->rodata->ks_ring_mask = fl_ring_size - 1;
	tc_flow_sizes(fl, &fl_o);
	bpf_map__set_max_entries(fl->maps.flow_cnt, fl_o.entries * fl_stride);
	bpf_map__set_max_entries(fl->maps.flow_free, fl_ring_size);
	int rc = flow_bpf__load(fl);
	if (rc) {
		snprintf(fl_error, sizeof(fl_error), "flow: load: %s; %s", strerror(rc < 0 ? -rc : rc),
			 log_tail_last(600));
		flow_bpf__destroy(fl);
		fl = NULL;
		return false;
	}
	fl_cnt = fl_mmap(fl->maps.flow_cnt, &fl_cnt_len);
	fl_keys = fl_mmap(fl->maps.flow_keys, &fl_keys_len);
	fl_ring = fl_mmap(fl->maps.flow_free, &fl_ring_len);
	fl_state = calloc(fl_o.entries, 1);
	fl_prev = calloc(fl_o.entries, sizeof(*fl_prev));
	fl_moved = calloc(fl_o.entries, sizeof(*fl_moved));
	fl_q_wait = calloc(fl_o.entries, sizeof(__u32));
	fl_q_ready = calloc(fl_o.entries, sizeof(__u32));
	fl_freed = calloc(fl_o.entries, sizeof(__u32));
	if (!fl_cnt || !fl_keys || !fl_ring || !fl->bss) {
		snprintf(fl_error, sizeof(fl_error), "flow: mmap of the slot arrays: %s", strerror(errno));
		fl_unload();
		return false;
	}
	if (!fl_state || !fl_prev || !fl_moved || !fl_q_wait || !fl_q_ready || !fl_freed)
		exit(3);
	/* every slot free: the ring holds them all */
	for (__u32 i = 0; i < fl_o.entries; i++)
		fl_ring[i] = i;
	__atomic_store_n(&fl->bss->ks_free_tail, (__u64)fl_o.entries, __ATOMIC_RELEASE);
	/* the owner map also tells host-side veths (pods' attachments) from the node's own devices */
	tc_flow_programs(fl, &fl_set);
	return true;
}

/* a slot's counters now (the per-CPU pairs summed) */
static inline struct ks_flow_cnt fl_count(__u32 slot)
{
	struct ks_flow_cnt c = {0, 0};
	const struct ks_flow_cnt *p = &fl_cnt[(size_t)slot * fl_stride];
	for (__u32 i = 0; i < fl_stride; i++) {
		c.packets += __atomic_load_n(&p[i].packets, __ATOMIC_RELAXED);
		c.bytes += __atomic_load_n(&p[i].bytes, __ATOMIC_RELAXED);
	}
	return c;
}

/* a slot whose key is complete and not given back (announced or not yet) */
static inline bool fl_live(__u32 slot)
{
	__u64 pos = __atomic_load_n(&fl_keys[slot].pos, __ATOMIC_ACQUIRE);
	return pos && !(pos & KS_FLOW_DEAD) && fl_state[slot] != SL_QUAR;
}

/* take a slot back: its key leaves the hash now, the slot id goes back to the ring two reads on */
static void fl_take_back(__u32 slot)
{
	bpf_map_delete_elem(bpf_map__fd(fl->maps.flow_slot), &fl_keys[slot].key);
	if (fl_state[slot] == SL_USED) {
		fl_used--;
		fl_freed[fl_nfreed++] = slot;
	}
	fl_state[slot] = SL_QUAR;
	fl_q_wait[fl_nq_wait++] = slot;
}

/* the slots given back the read before the previous one: zeroed, then into the free ring */
static void fl_recycle(void)
{
	__u64 tail = fl->bss->ks_free_tail;
	__u32 carry = 0;
	for (__u32 i = 0; i < fl_nq_ready; i++) {
		__u32 s = fl_q_ready[i];
		__u64 pos = fl_keys[s].pos & ~KS_FLOW_DEAD;
		if (pos && pos - 1 >= fl_seen) {
			/* its ring position is not yet looked at: zeroed, that read could not pass it */
			fl_q_ready[carry++] = s;
			continue;
		}
		memset(&fl_cnt[(size_t)s * fl_stride], 0, sizeof(*fl_cnt) * fl_stride);
		memset(&fl_keys[s], 0, sizeof(fl_keys[s]));
		fl_prev[s].packets = fl_prev[s].bytes = 0;
		fl_state[s] = SL_FREE;
		fl_ring[tail++ & (fl_ring_size - 1)] = s;
	}
	__atomic_store_n(&fl->bss->ks_free_tail, tail, __ATOMIC_RELEASE);
	for (__u32 i = 0; i < carry; i++)
		fl_q_wait[fl_nq_wait++] = fl_q_ready[i];
	__u32 *t = fl_q_ready;
	fl_q_ready = fl_q_wait;
	fl_nq_ready = fl_nq_wait;
	fl_q_wait = t;
	fl_nq_wait = 0;
}

/* delete every slot of (netns, ifindex); ifindex 0 = every interface of netns */
static void fl_forget(unsigned long inode, int ifindex)
{
	bool any = false;
	for (__u32 s = 0; s < fl_o.entries; s++) {
		if (!fl_live(s))
			continue;
		const struct ks_flow_key *k = &fl_keys[s].key;
		if (k->owner == KS_FLOW_OWNER_NETNS && k->netns == inode && (!ifindex || (int)k->ifindex == ifindex)) {
			fl_take_back(s);
			fl_deleted++;
			any = true;
		}
	}
	if (any)
		__atomic_add_fetch(&fl->bss->ks_epoch, 1, __ATOMIC_SEQ_CST);
}

/* delete every slot of a hostNetwork pod (its cgroup id's low 32 bits, as the programs key it) */
static void fl_cg_forget(__u64 id)
{
	bool any = false;
	for (__u32 s = 0; s < fl_o.entries; s++) {
		if (!fl_live(s))
			continue;
		const struct ks_flow_key *k = &fl_keys[s].key;
		if (k->owner == KS_FLOW_OWNER_CGROUP && k->netns == (__u32)id) {
			fl_take_back(s);
			fl_deleted++;
			any = true;
		}
	}
	if (any)
		__atomic_add_fetch(&fl->bss->ks_epoch, 1, __ATOMIC_SEQ_CST);
}

/* hostnet_pods changed: the programs' cached socket-cgroup → pod answers are stale, and so are the
 * per-CPU caches' verdicts on node devices (a flow counted for the node that is now a pod's, or
 * the other way): a new epoch sends every flow through the long way once */
static void fl_cg_changed(void)
{
	__atomic_add_fetch(&fl->bss->ks_cg_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&fl->bss->ks_epoch, 1, __ATOMIC_SEQ_CST);
}

static void fl_cg_remove_at(size_t i)
{
	__u64 id = fl_cgs[i].id;
	fl_cg_close(&fl_cgs[i]);
	fl_cgs[i] = fl_cgs[--fl_ncg];
	bpf_map_delete_elem(bpf_map__fd(fl->maps.hostnet_pods), &id);
	fl_cg_changed();
	fl_cg_forget(id);
}

static void fl_cgattach(struct sb *b, char *args)
{
	bool first = true;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char err[600] = "";
		int fd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0) {
			snprintf(err, sizeof(err), "cgroup %s: %s", t, strerror(errno));
			if (fd >= 0)
				close(fd);
			tc_target_json(b, &first, t, false, errno == ENOENT ? "gone" : "error", "id", 0, err);
			continue;
		}
		__u64 id = (__u64)st.st_ino;
		bool have = false;
		for (size_t i = 0; i < fl_ncg && !have; i++)
			have = fl_cgs[i].id == id;
		if (have) {
			close(fd);
			tc_target_json(b, &first, t, true, "already", "id", id, "");
			continue;
		}
		__u8 one = 1;
		bpf_map_update_elem(bpf_map__fd(fl->maps.hostnet_pods), &id, &one, BPF_ANY);
		fl_cg_changed();
		int l0 = bpf_link_create(fl_set.prog_cg_rx, fd, BPF_CGROUP_INET_INGRESS, NULL);
		int e = l0 < 0 ? errno : 0;
		int l1 = l0 < 0 ? -1 : bpf_link_create(fl_set.prog_cg_tx, fd, BPF_CGROUP_INET_EGRESS, NULL);
		if (l0 >= 0 && l1 < 0) {
			e = errno;
			close(l0);
		}
		close(fd);
		if (l0 < 0 || l1 < 0) {
			bpf_map_delete_elem(bpf_map__fd(fl->maps.hostnet_pods), &id);
			fl_cg_changed();
			snprintf(err, sizeof(err), "cgroup_skb link on %s: %s", t, strerror(e));
			tc_target_json(b, &first, t, false, "error", "id", id, err);
			continue;
		}
		if (fl_ncg == fl_capcg) {
			fl_capcg = fl_capcg ? fl_capcg * 2 : 16;
			fl_cgs = realloc(fl_cgs, fl_capcg * sizeof(*fl_cgs));
			if (!fl_cgs)
				exit(3);
		}
		fl_cgs[fl_ncg++] = (struct fl_cg){.id = id, .link = {l0, l1}};
		tc_target_json(b, &first, t, true, "attached", "id", id, "");
	}
}

static void fl_cgdetach(struct sb *b, char *args)
{
	bool first = true;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		char *endp;
		__u64 id = strtoull(t, &endp, 10);
		if (*endp || !id) {
			tc_target_json(b, &first, t, false, "invalid", "id", 0, "expected a cgroup id");
			continue;
		}
		bool n = false;
		for (size_t i = 0; i < fl_ncg; i++)
			if (fl_cgs[i].id == id) {
				fl_cg_remove_at(i);
				n = true;
				break;
			}
		if (!n)
			fl_cg_forget(id);
		tc_target_json(b, &first, t, true, n ? "detached" : "absent", "id", id, "");
	}
}

/* cgroup links whose cgroup was removed (the kernel released it: the link names no cgroup) */
static void fl_cg_gone(struct sb *b)
{
	sb_printf(b, ",\"cg_gone\":[");
	bool first = true;
	for (size_t i = 0; i < fl_ncg;) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fl_cgs[i].link[0], &info, &len) == 0 && info.cgroup.cgroup_id == 0) {
			sb_printf(b, "%s%llu", first ? "" : ",", (unsigned long long)fl_cgs[i].id);
			first = false;
			fl_cg_remove_at(i);
		} else {
			i++;
		}
	}
	sb_printf(b, "]");
}

static bool fl_verb(const char *verb, struct sb *b, char *args, bool *ok, char *err, size_t errlen)
{
	bool at = strcmp(verb, TC_FLOW_VERB_CGATTACH) == 0;
	if (!at && strcmp(verb, TC_FLOW_VERB_CGDETACH) != 0)
		return false;
	if (at && (!fl_load() || !fl_o.hostnet)) {
		*ok = false;
		snprintf(err, errlen, "%s", fl ? "flow: loaded without hostnet=<inode>" : fl_error);
		return true;
	}
	sb_printf(b, ",\"targets\":[");
	if (fl)
		(at ? fl_cgattach : fl_cgdetach)(b, args);
	sb_printf(b, "]");
	return true;
}

static void fl_stats(struct sb *b)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 st[KS_FLOW_ST_MAX] = {0};
	__u64 *pc = calloc((size_t)ncpu, sizeof(__u64));
	for (__u32 i = 0; i < KS_FLOW_ST_MAX && pc; i++) {
		if (bpf_map_lookup_elem(bpf_map__fd(fl->maps.flow_stats), &i, pc) == 0)
			for (int c = 0; c < ncpu; c++)
				st[i] += pc[c];
	}
	free(pc);
	sb_printf(b,
		  ",\"gen\":%llu,\"live\":%u,\"max_entries\":%u,\"deleted\":%llu,\"evicted\":%llu,\"expired\":%llu,"
		  "\"attached\":%zu,\"cgroups\":%zu",
		  (unsigned long long)fl_gen, fl_used, fl_o.entries, (unsigned long long)fl_deleted,
		  (unsigned long long)fl_evicted, (unsigned long long)fl_expired, fl_set.n, fl_ncg);
	sb_printf(b, ",\"stats\":{\"new\":%llu,\"full\":%llu,\"short\":%llu,\"guess\":%llu}",
		  (unsigned long long)st[KS_FLOW_ST_NEW], (unsigned long long)st[KS_FLOW_ST_FULL],
		  (unsigned long long)st[KS_FLOW_ST_SHORT], (unsigned long long)st[KS_FLOW_ST_GUESS]);
}

/* frames of one kind: header + items, at most 4096 items a frame */
struct fl_out {
	__u8 *frame;
	size_t isz;
	__u32 kind, n;
	__u64 frames;
};
#define FL_CHUNK 4096u

static void fl_out_flush(struct fl_out *o)
{
	if (!o->n)
		return;
	struct ks_flow_read *h = (struct ks_flow_read *)o->frame;
	size_t body = (size_t)o->n * o->isz;
	body = (body + 7) & ~(size_t)7;
	memset(h, 0, sizeof(*h));
	h->hdr.magic = KS_MAGIC;
	h->hdr.type = KS_REC_FLOW_READ;
	h->hdr.version = KS_FLOW_READ_V;
	h->hdr.len = (__u32)(sizeof(*h) + body);
	h->gen = fl_gen;
	h->kind = o->kind;
	h->count = o->n;
	out_put(o->frame, h->hdr.len);
	o->n = 0;
	o->frames++;
}

static void *fl_out_item(struct fl_out *o)
{
	if (o->n == FL_CHUNK)
		fl_out_flush(o);
	return o->frame + sizeof(struct ks_flow_read) + (size_t)o->n++ * o->isz;
}

static void fl_out_init(struct fl_out *o, __u32 kind, size_t isz)
{
	o->kind = kind;
	o->isz = isz;
	o->n = 0;
	o->frames = 0;
	o->frame = calloc(1, sizeof(struct ks_flow_read) + FL_CHUNK * isz + 8);
	if (!o->frame)
		exit(3);
}

struct fl_age {
	__u64 moved;
	__u32 slot;
};

static int fl_age_cmp(const void *a, const void *b)
{
	const struct fl_age *x = a, *y = b;
	return x->moved < y->moved ? -1 : x->moved > y->moved ? 1 : (x->slot < y->slot ? -1 : 1);
}

static void fl_read(struct sb *b, char *args)
{
	bool all = false;
	__u64 ttl_ns = 0;
	char *save = NULL;
	for (char *t = strtok_r(args, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (strcmp(t, "all") == 0)
			all = true;
		else if (strncmp(t, "ttl=", 4) == 0)
			ttl_ns = strtoull(t + 4, NULL, 10) * 1000000000ULL;
	}
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID), now = w0;
	tcx_gone(&fl_set, b, fl_forget);
	fl_cg_gone(b);
	fl_gen++;
	struct fl_out keys, counts, freed;
	fl_out_init(&keys, KS_FLOW_READ_KEYS, sizeof(struct ks_flow_newkey));
	fl_out_init(&counts, KS_FLOW_READ_COUNTS, sizeof(struct ks_flow_count));
	fl_out_init(&freed, KS_FLOW_READ_FREED, sizeof(__u32));
	/* the slots taken from the ring since the last read whose keys are complete: announced once */
	__u64 head = __atomic_load_n(&fl->bss->ks_free_head, __ATOMIC_ACQUIRE);
	__u64 announced = 0;
	for (; fl_seen < head; fl_seen++) {
		__u32 s = (__u32)fl_ring[fl_seen & (fl_ring_size - 1)];
		__u64 pos = __atomic_load_n(&fl_keys[s].pos, __ATOMIC_ACQUIRE);
		if (!pos)
			break; /* still being written: the next read */
		if (fl_state[s] != SL_FREE)
			continue; /* taken back already (its namespace detached) */
		if (pos & KS_FLOW_DEAD) {
			fl_state[s] = SL_QUAR; /* never counted: back to the ring */
			fl_q_wait[fl_nq_wait++] = s;
			continue;
		}
		fl_state[s] = SL_USED;
		fl_used++;
		fl_moved[s] = now;
		if (!all) {
			struct ks_flow_newkey *k = fl_out_item(&keys);
			k->slot = s;
			k->_pad = 0;
			k->key = fl_keys[s].key;
			announced++;
		}
	}
	fl_recycle();
	/* the counters: one pass over the mmapped array, the slots that moved */
	__u64 k0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	__u64 sent = 0;
	for (__u32 s = 0; s < fl_o.entries; s++) {
		if (fl_state[s] != SL_USED)
			continue;
		struct ks_flow_cnt c = fl_count(s);
		bool moved = c.packets != fl_prev[s].packets || c.bytes != fl_prev[s].bytes;
		if (moved)
			fl_moved[s] = now;
		if (all) {
			struct ks_flow_newkey *k = fl_out_item(&keys);
			k->slot = s;
			k->_pad = 0;
			k->key = fl_keys[s].key;
			announced++;
		}
		if (moved || all) {
			struct ks_flow_count *o = fl_out_item(&counts);
			o->slot = s;
			o->_pad = 0;
			o->packets = c.packets;
			o->bytes = c.bytes;
			fl_prev[s] = c;
			sent++;
		}
	}
	__u64 counts_ns = ts_ns(CLOCK_PROCESS_CPUTIME_ID) - k0;
	/* taken back: idle past the TTL; then, when fewer than 1/8 of the slots are free, the least
	 * recently moved (evicted) */
	bool any = false;
	if (ttl_ns)
		for (__u32 s = 0; s < fl_o.entries; s++)
			if (fl_state[s] == SL_USED && now - fl_moved[s] > ttl_ns) {
				fl_take_back(s);
				fl_expired++;
				any = true;
			}
	__u64 free_now = fl->bss->ks_free_tail - __atomic_load_n(&fl->bss->ks_free_head, __ATOMIC_ACQUIRE) +
			 fl_nq_wait + fl_nq_ready;
	__u64 want = fl_o.entries / 8;
	if (free_now < want && fl_used) {
		struct fl_age *ages = malloc((size_t)fl_used * sizeof(*ages));
		if (!ages)
			exit(3);
		__u32 n = 0;
		for (__u32 s = 0; s < fl_o.entries && n < fl_used; s++)
			if (fl_state[s] == SL_USED)
				ages[n++] = (struct fl_age){fl_moved[s], s};
		qsort(ages, n, sizeof(*ages), fl_age_cmp);
		for (__u32 i = 0; i < n && free_now < want; i++, free_now++) {
			fl_take_back(ages[i].slot);
			fl_evicted++;
			any = true;
		}
		free(ages);
	}
	if (any)
		__atomic_add_fetch(&fl->bss->ks_epoch, 1, __ATOMIC_SEQ_CST);
	for (__u32 i = 0; i < fl_nfreed; i++)
		*(__u32 *)fl_out_item(&freed) = fl_freed[i];
	__u64 nfreed = fl_nfreed;
	fl_nfreed = 0;
	fl_out_flush(&keys);
	fl_out_flush(&counts);
	fl_out_flush(&freed);
	free(keys.frame);
	free(counts.frame);
	free(freed.frame);
	sb_printf(b, ",\"frames\":%llu,\"new\":%llu,\"sent\":%llu,\"freed\":%llu",
		  (unsigned long long)(keys.frames + counts.frames + freed.frames), (unsigned long long)announced,
		  (unsigned long long)sent, (unsigned long long)nfreed);
	fl_stats(b);
	sb_printf(b, ",\"wall_ns\":%llu,\"cpu_ns\":%llu,\"counts_cpu_ns\":%llu",
		  (unsigned long long)(ts_ns(CLOCK_MONOTONIC) - w0),
		  (unsigned long long)(ts_ns(CLOCK_PROCESS_CPUTIME_ID) - c0), (unsigned long long)counts_ns);
}

/* every live slot as struct ks_flow_entry frames (the old dump's format): for tests and tools, it
 * changes nothing the cycle read keeps */
static void fl_dump(struct sb *b, char *args)
{
	(void)args;
	__u64 w0 = ts_ns(CLOCK_MONOTONIC), c0 = ts_ns(CLOCK_PROCESS_CPUTIME_ID);
	tcx_gone(&fl_set, b, fl_forget);
	const __u32 chunk = 4096;
	size_t cap = sizeof(struct ks_flow_dump) + (size_t)chunk * sizeof(struct ks_flow_entry);
	__u8 *frame = malloc(cap);
	if (!frame)
		exit(3);
	struct ks_flow_entry *out = (struct ks_flow_entry *)(frame + sizeof(struct ks_flow_dump));
	__u64 live = 0, frames = 0;
	__u32 n = 0;
	for (__u32 s = 0; s <= fl_o.entries; s++) {
		if (s < fl_o.entries && fl_live(s)) {
			struct ks_flow_cnt c = fl_count(s);
			out[n].key = fl_keys[s].key;
			out[n].packets = c.packets;
			out[n].bytes = c.bytes;
			n++;
			live++;
		}
		if (n && (n == chunk || s == fl_o.entries)) {
			struct ks_flow_dump *h = (struct ks_flow_dump *)frame;
			memset(h, 0, sizeof(*h));
			h->hdr.magic = KS_MAGIC;
			h->hdr.type = KS_REC_FLOW_DUMP;
			h->hdr.version = KS_FLOW_DUMP_V;
			h->hdr.len = (__u32)(sizeof(*h) + (size_t)n * sizeof(struct ks_flow_entry));
			h->gen = fl_gen;
			h->count = n;
			out_put(frame, h->hdr.len);
			frames++;
			n = 0;
		}
	}
	free(frame);
	sb_printf(b, ",\"frames\":%llu,\"sent\":%llu,\"slots\":%llu", (unsigned long long)frames,
		  (unsigned long long)live, (unsigned long long)live);
	fl_stats(b);
	sb_printf(b, ",\"wall_ns\":%llu,\"cpu_ns\":%llu", (unsigned long long)(ts_ns(CLOCK_MONOTONIC) - w0),
		  (unsigned long long)(ts_ns(CLOCK_PROCESS_CPUTIME_ID) - c0));
}

static bool fl_opts(char *args, char *err, size_t errlen)
{
	struct tc_flow_opts o;
	if (!tc_flow_parse(&fl_o, &o, args, err, errlen))
		return false;
	if (fl && !tc_flow_same(&o, &fl_o))
		fl_unload(); /* new shape: reload (links are made again by the agent's next attach) */
	fl_o = o;
	return true;
}

static void fl_describe(struct sb *b)
{
	tc_flow_describe(b, &fl_o);
}

static bool fl_loaded(void)
{
	return fl != NULL;
}

const struct tcx_probe tc_flow_probe = {
	.desc = &tc_flow_desc,
	.set = &fl_set,
	.error = fl_error,
	.opts = fl_opts,
	.load = fl_load,
	.loaded = fl_loaded,
	.forget = fl_forget,
	.dump = fl_dump,
	.read = fl_read,
	.unload = fl_unload,
	.describe = fl_describe,
	.verb = fl_verb,
};
