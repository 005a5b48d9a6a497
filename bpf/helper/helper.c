// SPDX-License-Identifier: Apache-2.0
/*
 * kubeskoop-bpf-helper: loads the kubeskoop-otel event probes (CO-RE, libbpf skeletons), streams
 * their ring-buffer records to stdout and dumps their in-kernel counters on request.
 *
 *   stdout  records, framed by struct ks_hdr (bpf/include/ks_proto.h); JSON frames for the rare
 *           messages (hello, probe status, counters, error, bye)
 *   stdin   commands, one per line:
 *             load <probe> [key=value ...]   load+attach (or reload) one probe
 *             unload <probe>
 *             dump <id>                      drain rings, then a counters frame with that id
 *             shutdown                       detach everything, free BPF objects, exit 0
 *           EOF on stdin = shutdown (the agent died).
 *   stderr  its own log lines (libbpf messages included), never parsed.
 *
 * Single-threaded: one epoll loop over stdin and the ring buffers, with a short timeout because
 * the BPF side submits with BPF_RB_NO_WAKEUP and only forces a wake-up past a fill watermark.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ks_proto.h"
#include "ks_probes.gen.h"
#include "helper.h"
#include "tc.gen.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the wire protocol is little-endian; this helper writes host structs as they are"
#endif

#define HELPER_VERSION "0.1.0"
#define POLL_MS	       50   /* longest a record waits in the ring when no wake-up was forced */
#define CLOCK_EVERY_MS 2000 /* clock sync records, so wall-clock conversion follows NTP steps */

volatile sig_atomic_t stop_requested;
bool verbose;

/* ------------------------------------------------------------------ probes */

struct probe_opts {
	__u32 netns_rate, global_rate;
	__u64 window_ns;
	__u32 ring_kib, watermark_kib, count_entries;
	char attach_target[96]; /* test-only: x_attach_target=, makes every program's hook this name */
	/* packetloss: reason names, comma separated */
	char ignore[1024], count_only[1024], event[1024], only[1024];
	__u32 subsys_mode;
	bool ignore_set, count_only_set; /* given explicitly (possibly empty): replaces the default */
	/* latency probes (0 / unset = the probe's own default) */
	__u64 thresh_ns[2];
	__u32 event_level;
	bool event_level_set;
	__u32 track_entries; /* power of two */
	__u32 softirq_mask;  /* net_softirq: bit per vector */
	__u64 slow_ns;	     /* connections: a handshake slower than this is an event (0 = the program's default) */
	__u32 lat_slots;     /* test-only (x_lat_slots=): entries of lat_slots, a power of two */
};

struct probe {
	const char *name;
	bool loaded;
	void *skel;
	struct bpf_object *obj;
	struct bpf_link *links[8];
	int nlinks;
	struct probe_opts opts;
	int (*open)(struct probe *p);
	void (*rodata)(struct probe *p);
	int (*load)(struct probe *p);
	void (*destroy)(struct probe *p);
	/* latency probes: effective thresholds and event level (after rodata), else NULL */
	void (*latinfo)(struct probe *p, __u64 thresh[2], __u32 *event_level);
	/* run after load, before attach (packetloss: the per-reason modes); from the descriptor */
	void (*post_load)(struct probe *p, struct sb *unknown);
	/* programs come in alternative variants (fentry vs kprobe): see load_variants() */
	bool variants;
	char variant_info[512];
};

#define GLUE(N)                                                                                                        \
	static int N##_open(struct probe *p)                                                                           \
	{                                                                                                              \
		struct N##_bpf *s = N##_bpf__open();                                                                   \
		if (!s)                                                                                                \
			return -errno;                                                                                 \
		p->skel = s;                                                                                           \
		p->obj = s->obj;                                                                                       \
		return 0;                                                                                              \
	}                                                                                                              \
	static void N##_rodata(struct probe *p)                                                                        \
	{                                                                                                              \
		struct N##_bpf *s = p->skel;                                                                           \
		s->rodata->ks_netns_rate = p->opts.netns_rate;                                                         \
		s->rodata->ks_global_rate = p->opts.global_rate;                                                       \
		s->rodata->ks_window_ns = p->opts.window_ns;                                                           \
		s->rodata->ks_watermark = (__u64)p->opts.watermark_kib * 1024;                                         \
		N##_extra_rodata(s, &p->opts);                                                                         \
	}                                                                                                              \
	static int N##_load(struct probe *p)                                                                           \
	{                                                                                                              \
		return N##_bpf__load(p->skel);                                                                         \
	}                                                                                                              \
	static void N##_destroy(struct probe *p)                                                                       \
	{                                                                                                              \
		N##_bpf__destroy(p->skel);                                                                             \
	}

/* latency probes: thresholds, event level, tracking-table size */
#define LAT_GLUE(N, EXTRA)                                                                                             \
	static void N##_extra_rodata(struct N##_bpf *s, const struct probe_opts *o)                                    \
	{                                                                                                              \
		if (o->thresh_ns[0])                                                                                   \
			s->rodata->ks_lat_thresh_ns[0] = o->thresh_ns[0];                                              \
		if (o->thresh_ns[1])                                                                                   \
			s->rodata->ks_lat_thresh_ns[1] = o->thresh_ns[1];                                              \
		if (o->event_level_set)                                                                                \
			s->rodata->ks_lat_event_level = o->event_level;                                                \
		if (o->track_entries)                                                                                  \
			s->rodata->ks_track_mask = o->track_entries - 1;                                               \
		if (o->lat_slots)                                                                                      \
			s->rodata->ks_lat_slot_mask = o->lat_slots - 1;                                                \
		EXTRA                                                                                                  \
	}                                                                                                              \
	static void N##_latinfo(struct probe *p, __u64 t[2], __u32 *lvl)                                               \
	{                                                                                                              \
		struct N##_bpf *s = p->skel;                                                                           \
		t[0] = s->rodata->ks_lat_thresh_ns[0];                                                                 \
		t[1] = s->rodata->ks_lat_thresh_ns[1];                                                                 \
		*lvl = s->rodata->ks_lat_event_level;                                                                  \
	}                                                                                                              \
	GLUE(N)

/* post-load hooks a descriptor may name (post_load:) */
static void configure_reasons(struct probe *p, struct sb *unknown);

/* the probe table: one entry per bpf/probes/<name>.yaml */
#include "probes.gen.h"

/* bpf/probes/defaults.yaml */
static void default_opts(struct probe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->netns_rate = KS_DEFAULT_NETNS_RATE;
	o->global_rate = KS_DEFAULT_GLOBAL_RATE;
	o->window_ns = KS_DEFAULT_WINDOW_MS * 1000000ull;
	o->ring_kib = KS_DEFAULT_RING_KIB;
	o->watermark_kib = KS_DEFAULT_WATERMARK_KIB;
	o->count_entries = KS_DEFAULT_COUNT_ENTRIES;
	o->subsys_mode = KS_MODE_EVENT;
}

/* Benign by default: not losses of network traffic. QUEUE_PURGE = a socket/queue being torn down
 * with packets still queued (KubeSkoop ignored sk_stream_kill_queues, unix_release_sock and
 * skb_queue_purge by location; the reason covers them on kernels that pass it); SOCKET_CLOSE
 * = receive queue dropped at close; NOT_SPECIFIED = plain kfree_skb() callers, which include
 * netlink and other non-network frees: counted, but no events, so they stay visible without
 * flooding. Everything else, including reasons a newer kernel adds, is counted and emitted. */
static const char *default_ignore = "QUEUE_PURGE,SOCKET_CLOSE";
static const char *default_count_only = "NOT_SPECIFIED";

static struct ring_buffer *rb;
static int epfd = -1;
static int rb_epfd = -1;

static int on_record(void *ctx, void *data, size_t size)
{
	if (size >= sizeof(struct ks_hdr))
		out_put(data, size);
	return 0;
}

static void rebuild_ring(void)
{
	if (rb) {
		if (rb_epfd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, rb_epfd, NULL);
		ring_buffer__free(rb);
		rb = NULL;
		rb_epfd = -1;
	}
	for (size_t i = 0; i < NPROBES; i++) {
		struct probe *p = &probes[i];
		if (!p->loaded)
			continue;
		struct bpf_map *m = bpf_object__find_map_by_name(p->obj, "events");
		int fd = bpf_map__fd(m);
		if (!rb) {
			rb = ring_buffer__new(fd, on_record, p, NULL);
			if (!rb) {
				fprintf(stderr, "helper: ring_buffer__new: %s\n", strerror(errno));
				return;
			}
		} else if (ring_buffer__add(rb, fd, on_record, p) < 0) {
			fprintf(stderr, "helper: ring_buffer__add(%s): %s\n", p->name, strerror(errno));
		}
	}
	if (rb) {
		rb_epfd = ring_buffer__epoll_fd(rb);
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = rb_epfd};
		epoll_ctl(epfd, EPOLL_CTL_ADD, rb_epfd, &ev);
	}
}

/* helper/hooks.c: one program per hook the latency probes share */
static int hook_member_index(const struct probe *p);
static int hooks_rebuild(void);
static bool hooks_closing; /* shutdown: no rebuild per probe torn down */

static void probe_teardown(struct probe *p)
{
	for (int i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	p->nlinks = 0;
	if (p->skel)
		p->destroy(p);
	p->skel = NULL;
	p->obj = NULL;
	p->loaded = false;
	/* the shared-hook program runs the work of the members still loaded, on their maps only */
	if (hook_member_index(p) >= 0 && !hooks_closing)
		hooks_rebuild();
}

static struct probe *find_probe(const char *name)
{
	for (size_t i = 0; i < NPROBES; i++)
		if (strcmp(probes[i].name, name) == 0)
			return &probes[i];
	return NULL;
}

#include "hooks.c"

static bool parse_u32_opt(const char *v, __u32 *out)
{
	if (strcasecmp(v, "unlimited") == 0) {
		*out = KS_UNLIMITED;
		return true;
	}
	char *end;
	unsigned long x = strtoul(v, &end, 10);
	if (!*v || *end || x > 0xffffffffUL)
		return false;
	*out = (__u32)x;
	return true;
}

static bool parse_mode(const char *v, __u32 *out)
{
	if (strcasecmp(v, "event") == 0)
		*out = KS_MODE_EVENT;
	else if (strcasecmp(v, "count") == 0)
		*out = KS_MODE_COUNT;
	else if (strcasecmp(v, "ignore") == 0)
		*out = KS_MODE_IGNORE;
	else
		return false;
	return true;
}

/* key=value options; returns NULL or a message naming the bad option */
static const char *parse_opts(char *args, struct probe_opts *o, char *err, size_t errlen)
{
	char *save = NULL;
	for (char *tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq) {
			snprintf(err, errlen, "option %s: expected key=value", tok);
			return err;
		}
		*eq = 0;
		const char *k = tok, *v = eq + 1;
		__u32 u;
		bool ok = true;
		if (strcmp(k, "netns_rate") == 0)
			ok = parse_u32_opt(v, &o->netns_rate);
		else if (strcmp(k, "global_rate") == 0)
			ok = parse_u32_opt(v, &o->global_rate);
		else if (strcmp(k, "window_ms") == 0) {
			ok = parse_u32_opt(v, &u) && u > 0 && u != KS_UNLIMITED;
			o->window_ns = (__u64)u * 1000000ull;
		} else if (strcmp(k, "ring_kib") == 0) {
			/* ring size must be a power of two and a multiple of the page size */
			ok = parse_u32_opt(v, &u) && u >= 4 && u <= (1u << 20) && (u & (u - 1)) == 0;
			o->ring_kib = u;
		} else if (strcmp(k, "watermark_kib") == 0)
			ok = parse_u32_opt(v, &o->watermark_kib);
		else if (strcmp(k, "count_entries") == 0)
			ok = parse_u32_opt(v, &o->count_entries) && o->count_entries > 0 &&
			     o->count_entries != KS_UNLIMITED;
		else if (strcmp(k, "ignore") == 0) {
			snprintf(o->ignore, sizeof(o->ignore), "%s", v);
			o->ignore_set = true;
		} else if (strcmp(k, "count_only") == 0) {
			snprintf(o->count_only, sizeof(o->count_only), "%s", v);
			o->count_only_set = true;
		} else if (strcmp(k, "event") == 0)
			snprintf(o->event, sizeof(o->event), "%s", v);
		else if (strcmp(k, "only") == 0)
			snprintf(o->only, sizeof(o->only), "%s", v);
		else if (strcmp(k, "subsys") == 0)
			ok = parse_mode(v, &o->subsys_mode);
		else if (strcmp(k, "threshold_low_us") == 0 || strcmp(k, "threshold_high_us") == 0) {
			ok = parse_u32_opt(v, &u) && u > 0 && u != KS_UNLIMITED;
			o->thresh_ns[k[10] == 'l' ? 0 : 1] = (__u64)u * 1000ull;
		} else if (strcmp(k, "event_level") == 0) {
			ok = parse_u32_opt(v, &o->event_level) && o->event_level <= 2;
			o->event_level_set = true;
		} else if (strcmp(k, "track_entries") == 0) {
			ok = parse_u32_opt(v, &u) && u >= 64 && u <= (1u << 22) && (u & (u - 1)) == 0;
			o->track_entries = u;
		} else if (strcmp(k, "slow_us") == 0) {
			ok = parse_u32_opt(v, &u) && u > 0 && u != KS_UNLIMITED;
			o->slow_ns = (__u64)u * 1000ull;
		} else if (strcmp(k, "softirq_mask") == 0) {
			ok = parse_u32_opt(v, &u) && u > 0 && u < (1u << 10);
			o->softirq_mask = u;
		} else if (strcmp(k, "x_lat_slots") == 0) {
			ok = parse_u32_opt(v, &u) && u >= 1 && u <= KS_LAT_SLOTS && (u & (u - 1)) == 0;
			o->lat_slots = u;
		} else if (strcmp(k, "x_attach_target") == 0)
			snprintf(o->attach_target, sizeof(o->attach_target), "%s", v);
		else {
			snprintf(err, errlen, "unknown option %s", k);
			return err;
		}
		if (!ok) {
			snprintf(err, errlen, "option %s: bad value %s", k, v);
			return err;
		}
	}
	return NULL;
}

/* apply one comma list of reason names with a mode; unknown names are reported */
static void apply_reason_list(int fd, const char *list, __u32 mode, struct sb *unknown)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", list);
	char *save = NULL;
	for (char *n = strtok_r(buf, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
		long v = drop_reason_value(n);
		if (v < 0 || v >= KS_MAX_REASONS) {
			sb_printf(unknown, "%s", unknown->len > 1 ? "," : "");
			sb_str(unknown, n);
			continue;
		}
		__u32 k = (__u32)v;
		bpf_map_update_elem(fd, &k, &mode, BPF_ANY);
	}
}

static void configure_reasons(struct probe *p, struct sb *unknown)
{
	int fd = bpf_map__fd(bpf_object__find_map_by_name(p->obj, "reason_mode"));
	const struct probe_opts *o = &p->opts;
	if (o->only[0]) {
		/* allow-list: everything else ignored */
		__u32 ign = KS_MODE_IGNORE;
		for (__u32 k = 0; k < KS_MAX_REASONS; k++)
			bpf_map_update_elem(fd, &k, &ign, BPF_ANY);
		apply_reason_list(fd, o->only, KS_MODE_EVENT, unknown);
		apply_reason_list(fd, o->count_only, KS_MODE_COUNT, unknown);
		return;
	}
	apply_reason_list(fd, o->ignore_set ? o->ignore : default_ignore, KS_MODE_IGNORE, unknown);
	apply_reason_list(fd, o->count_only_set ? o->count_only : default_count_only, KS_MODE_COUNT, unknown);
	apply_reason_list(fd, o->event, KS_MODE_EVENT, unknown);
}

static void probe_opts_json(struct sb *b, const struct probe_opts *o)
{
	sb_printf(b,
		  "{\"netns_rate\":%u,\"global_rate\":%u,\"window_ns\":%llu,\"ring_kib\":%u,"
		  "\"watermark_kib\":%u,\"count_entries\":%u,\"subsys_mode\":%u",
		  o->netns_rate, o->global_rate, (unsigned long long)o->window_ns, o->ring_kib, o->watermark_kib,
		  o->count_entries, o->subsys_mode);
	sb_printf(b, ",\"ignore\":");
	sb_str(b, o->ignore_set ? o->ignore : default_ignore);
	sb_printf(b, ",\"count_only\":");
	sb_str(b, o->count_only_set ? o->count_only : default_count_only);
	sb_printf(b, ",\"event\":");
	sb_str(b, o->event);
	sb_printf(b, ",\"only\":");
	sb_str(b, o->only);
	sb_printf(b, ",\"threshold_ns\":[%llu,%llu],\"event_level\":%d,\"track_entries\":%u,\"softirq_mask\":%u}",
		  (unsigned long long)o->thresh_ns[0], (unsigned long long)o->thresh_ns[1],
		  o->event_level_set ? (int)o->event_level : -1, o->track_entries, o->softirq_mask);
}

/* A probe whose programs come in variants: <x>_fentry/<x>_fexit (BPF trampolines) and
 * <x>_kprobe/<x>_kretprobe. Trampolines first; when the kernel refuses them (no BTF target,
 * EPERM under lockdown or without ftrace direct calls), the object is reopened with the kprobe
 * pair instead (its attach fails with ENOENT where the kernel has no kprobes). variant_info
 * records what was tried and why each failed, for the probe's status. */
static bool prog_is(struct bpf_program *prog, const char *kind)
{
	return strncmp(bpf_program__section_name(prog), kind, strlen(kind)) == 0;
}

static int size_maps(struct probe *p)
{
	const struct probe_opts *o = &p->opts;
	int rc = bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "events"), o->ring_kib * 1024);
	if (!rc)
		rc = bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "counts"), o->count_entries);
	/* connections: the per-peer aggregates take the same bound as the counts */
	struct bpf_map *pm = bpf_object__find_map_by_name(p->obj, "peers");
	if (!rc && pm)
		rc = bpf_map__set_max_entries(pm, o->count_entries);
	struct bpf_map *tm = bpf_object__find_map_by_name(p->obj, "track");
	if (!rc && tm && o->track_entries)
		rc = bpf_map__set_max_entries(tm, o->track_entries);
	struct bpf_map *lm = bpf_object__find_map_by_name(p->obj, "lat_slots");
	if (!rc && lm && o->lat_slots)
		rc = bpf_map__set_max_entries(lm, o->lat_slots);
	return rc;
}

static int load_variants(struct probe *p)
{
	const char *target = NULL;
	static const char *candidates[] = {"virtnet_send_command_reply", "virtnet_send_command"};
	for (size_t i = 0; i < 2 && !target; i++)
		if (vmlinux_btf && btf__find_by_name_kind(vmlinux_btf, candidates[i], BTF_KIND_FUNC) > 0)
			target = candidates[i];
	if (!target) {
		snprintf(p->variant_info, sizeof(p->variant_info),
			 "neither virtnet_send_command_reply nor virtnet_send_command is in the kernel BTF "
			 "(virtio_net not built in)");
		return -ENOENT;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program (prog, p->obj) {
		bool tramp = prog_is(prog, "fentry") || prog_is(prog, "fexit");
		bpf_program__set_autoload(prog, tramp);
		if (tramp && strcmp(target, "virtnet_send_command_reply") != 0)
			bpf_program__set_attach_target(prog, 0, target);
	}
	int rc = p->load(p);
	if (rc == 0) {
		snprintf(p->variant_info, sizeof(p->variant_info), "fentry/fexit on %s", target);
		return 0;
	}
	int e1 = rc < 0 ? -rc : rc;
	/* reopen: a failed load leaves the object unusable */
	p->destroy(p);
	p->skel = NULL;
	p->obj = NULL;
	rc = p->open(p);
	if (rc)
		return rc;
	p->rodata(p);
	rc = size_maps(p);
	if (rc)
		return rc;
	bpf_object__for_each_program (prog, p->obj)
		bpf_program__set_autoload(prog, prog_is(prog, "kprobe") || prog_is(prog, "kretprobe"));
	rc = p->load(p);
	snprintf(p->variant_info, sizeof(p->variant_info),
		 "kprobe/kretprobe on virtnet_send_command_reply %s; fentry/fexit on %s refused by the kernel at "
		 "load (%s, errno %d)%s",
		 rc == 0 ? "loaded" : "failed to load", target, strerror(e1), e1,
		 e1 == EPERM ? " -- BPF trampolines are denied (lockdown or ftrace policy)" : "");
	return rc;
}

static void cmd_load(const char *name, char *args)
{
	struct sb b = {0};
	char err[512];
	struct probe *p = find_probe(name);
	sb_printf(&b, "{\"msg\":\"probe\",\"probe\":");
	sb_str(&b, name);
	if (!p) {
		sb_printf(&b, ",\"ok\":false,\"stage\":\"command\",\"errno\":%d,\"error\":", EINVAL);
		sb_str(&b, "unknown probe");
		sb_printf(&b, ",\"log\":\"\",\"programs\":[]}");
		send_json(&b);
		sb_free(&b);
		return;
	}
	if (p->loaded) {
		probe_teardown(p);
		rebuild_ring();
	}
	struct probe_opts o;
	default_opts(&o);
	const char *perr = parse_opts(args, &o, err, sizeof(err));
	if (perr) {
		sb_printf(&b, ",\"ok\":false,\"stage\":\"options\",\"errno\":%d,\"error\":", EINVAL);
		sb_str(&b, perr);
		sb_printf(&b, ",\"log\":\"\",\"programs\":[]}");
		send_json(&b);
		sb_free(&b);
		return;
	}
	p->opts = o;
	log_tail_reset();

	const char *stage = "open";
	int rc = 0;
	struct sb progs = {0};
	struct sb unknown = {0};
	sb_printf(&progs, "[");
	sb_printf(&unknown, "[");
	bool any_prog = false;

	if (!vmlinux_btf) {
		rc = -ENOENT;
		stage = "btf";
		snprintf(err, sizeof(err), "kernel BTF unavailable: %s", btf_error);
		goto done;
	}
	rc = p->open(p);
	if (rc)
		goto done;
	p->rodata(p);
	stage = "configure";
	rc = size_maps(p);
	if (rc)
		goto done;
	if (o.attach_target[0]) {
		struct bpf_program *prog;
		bpf_object__for_each_program (prog, p->obj) {
			rc = bpf_program__set_attach_target(prog, 0, o.attach_target);
			if (rc) {
				snprintf(log_tail, sizeof(log_tail), "program %s: hook %s not found in kernel BTF",
					 bpf_program__name(prog), o.attach_target);
				log_tail_len = strlen(log_tail);
				goto done;
			}
		}
	}
	if (hooks_joined(p))
		hooks_skip_own(p);
	stage = "load";
	rc = p->variants ? load_variants(p) : p->load(p);
	if (rc)
		goto done;
	if (p->post_load)
		p->post_load(p, &unknown);
	stage = "attach";
	{
		struct bpf_program *prog;
		bpf_object__for_each_program (prog, p->obj) {
			if (!bpf_program__autoload(prog))
				continue; /* the variant not chosen */
			struct bpf_link *l = bpf_program__attach(prog);
			int e = l ? 0 : errno;
			sb_printf(&progs, "%s{\"name\":", any_prog ? "," : "");
			sb_str(&progs, bpf_program__name(prog));
			sb_printf(&progs, ",\"section\":");
			sb_str(&progs, bpf_program__section_name(prog));
			sb_printf(&progs, ",\"ok\":%s,\"errno\":%d,\"error\":", l ? "true" : "false", e);
			sb_str(&progs, e ? strerror(e) : "");
			sb_printf(&progs, "}");
			any_prog = true;
			if (!l) {
				rc = -e;
				continue; /* report every program, then fail the probe */
			}
			if (p->nlinks < (int)(sizeof(p->links) / sizeof(p->links[0])))
				p->links[p->nlinks++] = l;
			else
				bpf_link__destroy(l);
		}
	}
	if (rc == 0 && hooks_joined(p)) {
		/* its shared-hook work joins the one program per hook (helper/hooks.c) */
		p->loaded = true;
		rc = hooks_rebuild();
		struct bpf_program *hp[2];
		hooks_programs_of(p, hp);
		for (int k = 0; k < 2; k++) {
			if (!hp[k])
				continue;
			sb_printf(&progs, "%s{\"name\":", any_prog ? "," : "");
			sb_str(&progs, bpf_program__name(hp[k]));
			sb_printf(&progs, ",\"section\":");
			sb_str(&progs, bpf_program__section_name(hp[k]));
			sb_printf(&progs, ",\"ok\":true,\"errno\":0,\"error\":\"\",\"shared\":true}");
			any_prog = true;
		}
	}
done:
	if (rc == 0) {
		p->loaded = true;
		rebuild_ring();
	} else {
		probe_teardown(p);
	}
	sb_printf(&progs, "]");
	sb_printf(&unknown, "]");
	sb_printf(&b, ",\"ok\":%s,\"stage\":", rc == 0 ? "true" : "false");
	sb_str(&b, rc == 0 ? "running" : stage);
	sb_printf(&b, ",\"errno\":%d,\"error\":", rc < 0 ? -rc : rc);
	if (rc == 0)
		sb_str(&b, "");
	else if (strcmp(stage, "btf") == 0)
		sb_str(&b, err);
	else
		sb_str(&b, strerror(rc < 0 ? -rc : rc));
	sb_printf(&b, ",\"log\":");
	sb_str(&b, rc == 0 ? "" : log_tail);
	sb_printf(&b, ",\"programs\":%s,\"unknown_reasons\":%s,\"options\":", progs.p, unknown.p);
	probe_opts_json(&b, &p->opts);
	if (p->variants) {
		sb_printf(&b, ",\"variants\":");
		sb_str(&b, p->variant_info);
	}
	if (rc == 0 && p->latinfo) {
		__u64 t[2];
		__u32 lvl;
		p->latinfo(p, t, &lvl);
		sb_printf(&b, ",\"latency\":{\"threshold_ns\":[%llu,%llu],\"event_level\":%u}",
			  (unsigned long long)t[0], (unsigned long long)t[1], lvl);
	}
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
	sb_free(&progs);
	sb_free(&unknown);
}

static void cmd_unload(const char *name)
{
	struct probe *p = find_probe(name);
	if (p && p->loaded) {
		if (rb)
			ring_buffer__consume(rb);
		probe_teardown(p);
		rebuild_ring();
	}
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"probe\",\"probe\":");
	sb_str(&b, name);
	sb_printf(&b, ",\"ok\":false,\"stage\":\"unloaded\",\"errno\":0,\"error\":\"\",\"log\":\"\",\"programs\":[]}");
	send_json(&b);
	sb_free(&b);
}

/* one CPU's histogram of one latency key, for the dump's sum per key */
struct lat_row {
	struct ks_lat_key k;
	struct ks_lat_val v;
};

static int lat_row_cmp(const void *a, const void *b)
{
	const struct ks_lat_key *x = &((const struct lat_row *)a)->k, *y = &((const struct lat_row *)b)->k;
	if (x->scope != y->scope)
		return x->scope < y->scope ? -1 : 1;
	if (x->metric != y->metric)
		return x->metric < y->metric ? -1 : 1;
	return (int)x->sub - (int)y->sub;
}

/* append a row unless it is empty; false when out of memory */
static bool lat_rows_add(struct lat_row **rows, size_t *n, size_t *cap, const struct ks_lat_key *k,
			 const struct ks_lat_val *v)
{
	bool empty = v->sum_ns == 0;
	for (int i = 0; empty && i <= KS_LAT_NBOUNDS; i++)
		empty = v->buckets[i] == 0;
	if (empty)
		return true;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct lat_row *r = realloc(*rows, nc * sizeof(*r));
		if (!r)
			return false;
		*rows = r;
		*cap = nc;
	}
	(*rows)[*n].k = *k;
	(*rows)[*n].v = *v;
	(*n)++;
	return true;
}

static void counters_json(struct sb *b, struct probe *p, int ncpu)
{
	sb_printf(b, "{\"probe\":");
	sb_str(b, p->name);
	sb_printf(b, ",\"counts\":[");
	int cfd = bpf_map__fd(bpf_object__find_map_by_name(p->obj, "counts"));
	__u64 *vals = calloc((size_t)ncpu, sizeof(__u64));
	struct ks_count_key key, next;
	bool first = true;
	int rc = bpf_map_get_next_key(cfd, NULL, &next);
	while (rc == 0 && vals) {
		key = next;
		if (bpf_map_lookup_elem(cfd, &key, vals) == 0) {
			unsigned long long sum = 0;
			for (int c = 0; c < ncpu; c++)
				sum += vals[c];
			sb_printf(b, "%s[%u,%u,%u,%llu]", first ? "" : ",", key.netns, key.domain, key.code, sum);
			first = false;
		}
		rc = bpf_map_get_next_key(cfd, &key, &next);
	}
	/* latency probes: histogram + sum per key, from lat_slots (per-CPU array, the key in each
	 * CPU's copy) and lat (per-CPU hash, keys that found no free slot), summed per key and
	 * written in the counts format (domains 3 and 4) */
	struct bpf_map *lm = bpf_object__find_map_by_name(p->obj, "lat");
	struct bpf_map *sm = bpf_object__find_map_by_name(p->obj, "lat_slots");
	if (lm && sm) {
		size_t n = 0, cap = 0;
		struct lat_row *rows = NULL;
		/* only the slots lat_used marks as claimed (reading all 1024 x CPUs cost ~0.4 ms per
		 * probe and dump) */
		struct ks_lat_used used;
		__u32 zero = 0;
		struct bpf_map *um = bpf_object__find_map_by_name(p->obj, "lat_used");
		struct ks_lat_slot *sv = calloc((size_t)ncpu, sizeof(*sv));
		bool ok = sv && um && bpf_map_lookup_elem(bpf_map__fd(um), &zero, &used) == 0;
		__u32 total = bpf_map__max_entries(sm);
		for (__u32 i = 0; ok && i < total && i < KS_LAT_SLOTS; i++) {
			if (!(used.bits[i / 64] & (1ull << (i % 64))) || bpf_map_lookup_elem(bpf_map__fd(sm), &i, sv))
				continue;
			for (int c = 0; ok && c < ncpu; c++) {
				if (!sv[c].key)
					continue;
				struct ks_lat_key k = {.scope = (__u32)sv[c].key,
						       .metric = (__u8)(sv[c].key >> 32),
						       .sub = (__u8)(sv[c].key >> 40)};
				ok = lat_rows_add(&rows, &n, &cap, &k, &sv[c].v);
			}
		}
		free(sv);
		int lfd = bpf_map__fd(lm);
		struct ks_lat_val *lv = calloc((size_t)ncpu, sizeof(*lv));
		struct ks_lat_key lk, lnext;
		int lrc = bpf_map_get_next_key(lfd, NULL, &lnext);
		while (lrc == 0 && lv) {
			lk = lnext;
			if (bpf_map_lookup_elem(lfd, &lk, lv) == 0)
				for (int c = 0; c < ncpu; c++)
					if (!lat_rows_add(&rows, &n, &cap, &lk, &lv[c]))
						break;
			lrc = bpf_map_get_next_key(lfd, &lk, &lnext);
		}
		free(lv);
		qsort(rows, n, sizeof(*rows), lat_row_cmp);
		for (size_t r = 0; r < n;) {
			/* one key: sum its rows */
			struct ks_lat_val sum = rows[r].v;
			size_t e = r + 1;
			for (; e < n && lat_row_cmp(&rows[e], &rows[r]) == 0; e++) {
				for (int i = 0; i <= KS_LAT_NBOUNDS; i++)
					sum.buckets[i] += rows[e].v.buckets[i];
				sum.sum_ns += rows[e].v.sum_ns;
			}
			const struct ks_lat_key *k = &rows[r].k;
			for (int i = 0; i <= KS_LAT_NBOUNDS + 1; i++) {
				bool is_sum = i > KS_LAT_NBOUNDS;
				unsigned long long v = is_sum ? sum.sum_ns : sum.buckets[i];
				if (v == 0 && !is_sum)
					continue;
				sb_printf(b, "%s[%u,%u,%u,%llu]", first ? "" : ",", k->scope,
					  is_sum ? KS_DOMAIN_LAT_SUM : KS_DOMAIN_LAT_HIST,
					  KS_LAT_CODE(k->metric, k->sub, is_sum ? 0 : i), v);
				first = false;
			}
			r = e;
		}
		free(rows);
	}
	sb_printf(b, "],\"stats\":[");
	int sfd = bpf_map__fd(bpf_object__find_map_by_name(p->obj, "stats"));
	for (__u32 i = 0; i < KS_STAT_MAX; i++) {
		unsigned long long sum = 0;
		if (vals && bpf_map_lookup_elem(sfd, &i, vals) == 0)
			for (int c = 0; c < ncpu; c++)
				sum += vals[c];
		sb_printf(b, "%s%llu", i ? "," : "", sum);
	}
	free(vals);
	sb_printf(b, "],\"programs\":[");
	first = true;
	struct bpf_program *prog;
	struct bpf_program *hp[2];
	hooks_programs_of(p, hp);
	/* the probe's own programs, then the shared-hook programs running its work (the same ids
	 * under each member) */
	struct bpf_program *own = bpf_object__next_program(p->obj, NULL);
	for (int nh = 0;;) {
		if (own) {
			prog = own;
			own = bpf_object__next_program(p->obj, own);
		} else if (nh < 2) {
			prog = hp[nh++];
			if (!prog)
				continue;
		} else {
			break;
		}
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
			continue;
		sb_printf(b, "%s{\"name\":", first ? "" : ",");
		sb_str(b, bpf_program__name(prog));
		/* recursion_misses: runs the kernel skipped because the program was already running on
		 * that CPU (e.g. a softirq drop interrupting a process-context drop): an in-kernel count
		 * short by them, the kernel's own record of it, so it is exported too */
		sb_printf(b, ",\"id\":%u,\"run_cnt\":%llu,\"run_time_ns\":%llu,\"recursion_misses\":%llu}", info.id,
			  (unsigned long long)info.run_cnt, (unsigned long long)info.run_time_ns,
			  (unsigned long long)info.recursion_misses);
		first = false;
	}
	sb_printf(b, "]}");
}

static void cmd_dump(const char *id)
{
	/* every record submitted before the dump reaches the agent before the counters do */
	if (rb)
		ring_buffer__consume(rb);
	send_clock();
	out_flush();
	int ncpu = libbpf_num_possible_cpus();
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"counters\",\"id\":");
	sb_str(&b, id);
	sb_printf(&b, ",\"boot_ns\":%llu,\"probes\":[", (unsigned long long)ts_ns(CLOCK_BOOTTIME));
	bool first = true;
	for (size_t i = 0; i < NPROBES; i++) {
		if (!probes[i].loaded)
			continue;
		if (!first)
			sb_printf(&b, ",");
		counters_json(&b, &probes[i], ncpu > 0 ? ncpu : 1);
		first = false;
	}
	sb_printf(&b, "]}");
	send_json(&b);
	sb_free(&b);
}

/* connections <id>: the connections probe's per-peer table (uses the probe table above) */
#include "connections.c"

static void handle_line(char *line)
{
	size_t l = strlen(line);
	while (l && (line[l - 1] == '\r' || isspace((unsigned char)line[l - 1])))
		line[--l] = 0;
	char *args = line;
	next_word(&args);
	if (!*line)
		return;
	if (strcmp(line, "load") == 0) {
		char *name = next_word(&args);
		cmd_load(name, args);
	} else if (strcmp(line, "unload") == 0) {
		cmd_unload(args);
	} else if (strcmp(line, "dump") == 0) {
		cmd_dump(args);
	} else if (strcmp(line, "tcpsummary") == 0) {
		cmd_tcpsummary(args);
	} else if (strcmp(line, "tasks") == 0) {
		cmd_tasks(args);
	} else if (strcmp(line, "qdisc") == 0) {
		cmd_qdisc(args);
	} else if (strcmp(line, "connections") == 0) {
		cmd_connections(args);
	} else if (strcmp(line, "shutdown") == 0) {
		stop_requested = 1;
	} else {
		for (size_t i = 0; i < NTC_PROBES; i++)
			if (strcmp(line, tc_probes[i]->desc->name) == 0) {
				tcx_command(tc_probes[i], args);
				return;
			}
		send_error("unknown command", line);
	}
}

/* ------------------------------------------------------------------ hello */

#define FIELD(S, f)                                                                                                    \
	sb_printf(b, "%s[\"" #f "\",%zu,%zu]", first ? "" : ",", offsetof(struct S, f), sizeof(((struct S *)0)->f));   \
	first = false;
#include "layouts.gen.h"

static void send_hello(void)
{
	struct utsname u;
	uname(&u);
	struct sb b = {0};
	sb_printf(&b, "{\"msg\":\"hello\",\"protocol\":%d,\"helper\":", KS_PROTO_VERSION);
	sb_str(&b, HELPER_VERSION);
	sb_printf(&b, ",\"libbpf\":\"%u.%u\",\"pid\":%d,\"kernel\":{\"release\":", libbpf_major_version(),
		  libbpf_minor_version(), (int)getpid());
	sb_str(&b, u.release);
	sb_printf(&b, ",\"version\":");
	sb_str(&b, u.version);
	sb_printf(&b, ",\"machine\":");
	sb_str(&b, u.machine);
	sb_printf(&b, "},\"clock\":\"boottime\",\"ncpus\":%d,\"btf\":{\"ok\":%s,\"error\":", libbpf_num_possible_cpus(),
		  vmlinux_btf ? "true" : "false");
	sb_str(&b, btf_error);
	sb_printf(&b, "},\"probes\":[");
	for (size_t i = 0; i < NPROBES; i++) {
		sb_printf(&b, "%s", i ? "," : "");
		sb_str(&b, probes[i].name);
	}
	sb_printf(&b, "],\"stats\":[\"hits\",\"ignored\",\"submitted\",\"netns_rate\",\"global_rate\","
		      "\"ring_full\",\"count_map_full\",\"wakeups\"],\"defaults\":");
	struct probe_opts o;
	default_opts(&o);
	probe_opts_json(&b, &o);
	sb_printf(&b, ",\"enums\":{\"skb_drop_reason\":");
	const struct btf_type *t = find_enum("skb_drop_reason");
	if (t)
		enum_json(&b, t, "SKB_DROP_REASON_");
	else
		sb_printf(&b, "[]");
	sb_printf(&b, ",\"sk_rst_reason\":");
	t = find_enum("sk_rst_reason");
	if (t)
		enum_json(&b, t, "SK_RST_REASON_");
	else
		sb_printf(&b, "[]");
	sb_printf(&b, ",\"tcp_state\":");
	t = find_tcp_state_enum();
	if (t)
		enum_json(&b, t, "TCP_");
	else
		sb_printf(&b, "[]");
	sb_printf(&b, "},\"latency_bounds_ns\":[");
	{
		static const unsigned long long bounds[KS_LAT_NBOUNDS] = KS_LAT_BOUNDS_NS;
		for (int i = 0; i < KS_LAT_NBOUNDS; i++)
			sb_printf(&b, "%s%llu", i ? "," : "", bounds[i]);
	}
	sb_printf(&b, "],\"layouts\":");
	layouts_json(&b);
	sb_printf(&b, "}");
	send_json(&b);
	sb_free(&b);
}

/* ------------------------------------------------------------------ main */

static void on_signal(int sig)
{
	stop_requested = 1;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else if (strcmp(argv[i], "--version") == 0) {
			printf("kubeskoop-bpf-helper %s protocol %d libbpf %u.%u\n", HELPER_VERSION, KS_PROTO_VERSION,
			       libbpf_major_version(), libbpf_minor_version());
			return 0;
		}
	}
	/* the agent owns us: if it dies, go too (stdin EOF also does this) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: epoll_wait must return on a signal */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* bigger pipe = fewer blocking writes when the agent is briefly busy (may fail: fine) */
	fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);

	libbpf_set_print(libbpf_print);
	/* No setrlimit(RLIMIT_MEMLOCK): kernels >= 5.11 account BPF memory to the cgroup, and
	 * raising the limit needs CAP_SYS_RESOURCE, which a locked-down node may not grant. */

	/* KSOTEL_BTF_PATH names another BTF file: pointing it at a missing one simulates a kernel
	 * without BTF (test/harness/strict.test.ts). */
	const char *btf_path = getenv("KSOTEL_BTF_PATH");
	if (btf_path && *btf_path) {
		vmlinux_btf = btf__parse(btf_path, NULL);
		if (!vmlinux_btf && errno == 0)
			errno = ENOENT;
	} else {
		btf_path = "/sys/kernel/btf/vmlinux";
		vmlinux_btf = btf__load_vmlinux_btf();
	}
	if (!vmlinux_btf) {
		/* libbpf reports "not found" as ESRCH, whose strerror text ("No such process") misleads. */
		int btf_errno = errno;
		snprintf(btf_error, sizeof(btf_error), "%s: %s", btf_path,
			 btf_errno == ESRCH || btf_errno == ENOENT
				 ? "not found (the kernel has no BTF, or it is not mounted)"
				 : strerror(btf_errno));
		fprintf(stderr, "helper: %s\n", btf_error);
	}

	epfd = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = STDIN_FILENO};
	epoll_ctl(epfd, EPOLL_CTL_ADD, STDIN_FILENO, &ev);

	send_hello();
	send_clock();
	out_flush();

	char line[8192];
	size_t llen = 0;
	__u64 last_clock = mono_ms();
	while (!stop_requested) {
		struct epoll_event evs[4];
		/* Without a ring (no event probe loaded: commands only, e.g. the task walk) nothing waits to
		 * be drained: sleep until a command or the next clock record. 20 idle wake-ups a second
		 * cost about as much as a 10-namespace cycle's task walk (schedstat). */
		__u64 since = mono_ms() - last_clock;
		int timeout = rb ? POLL_MS : since >= CLOCK_EVERY_MS ? 0 : (int)(CLOCK_EVERY_MS - since);
		int n = epoll_wait(epfd, evs, 4, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd != STDIN_FILENO)
				continue;
			ssize_t r = read(STDIN_FILENO, line + llen, sizeof(line) - 1 - llen);
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
				stop_requested = 1; /* agent closed our stdin */
				break;
			}
			if (r < 0)
				continue;
			llen += (size_t)r;
			line[llen] = 0;
			char *start = line, *nl;
			while ((nl = memchr(start, '\n', llen - (size_t)(start - line))) != NULL) {
				*nl = 0;
				handle_line(start);
				start = nl + 1;
			}
			llen -= (size_t)(start - line);
			memmove(line, start, llen);
			if (llen == sizeof(line) - 1) {
				send_error("command too long", "");
				llen = 0;
			}
		}
		/* drain on every turn: NO_WAKEUP submissions never make the ring fd readable */
		if (rb)
			ring_buffer__consume(rb);
		__u64 now = mono_ms();
		if (now - last_clock >= CLOCK_EVERY_MS) {
			send_clock();
			last_clock = now;
		}
		out_flush();
	}

	if (rb) {
		ring_buffer__consume(rb);
		ring_buffer__free(rb);
		rb = NULL;
	}
	hooks_closing = true;
	hooks_destroy();
	for (size_t i = 0; i < NPROBES; i++)
		if (probes[i].loaded || probes[i].skel)
			probe_teardown(&probes[i]);
	tsum_teardown();
	tasks_teardown();
	for (size_t i = 0; i < NTC_PROBES; i++)
		tc_probes[i]->unload();
	btf__free(vmlinux_btf);
	if (!out_broken) {
		struct sb b = {0};
		sb_printf(&b, "{\"msg\":\"bye\"}");
		send_json(&b);
		sb_free(&b);
	}
	out_flush();
	return 0;
}
