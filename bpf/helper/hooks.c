// SPDX-License-Identifier: Apache-2.0
/* One program per shared hook (#included by helper.c, after the probe table).
 *
 * kernellatency, netiftxlatency and socketlatency all hook tp_btf/net_dev_queue (the first and the
 * last also tp_btf/sk_data_ready): three programs per packet where one does. When one of them is
 * loaded, its own programs on those hooks are not loaded; bpf/probes/latency_hooks.bpf.c is loaded
 * instead, with one program per hook that runs the work of every loaded member on the member's
 * own maps (each renamed map is bpf_map__reuse_fd'd to the probe's map, the rodata copied from the
 * probe's). So counts, histograms, records and the tracking tables are exactly the probe's, and
 * each probe still loads, fails and unloads on its own.
 *
 * The dispatcher is rebuilt (destroyed, then loaded with the new set) whenever a member is loaded
 * or unloaded: tracing links cannot swap programs in place, so for that moment the shared hooks
 * run nothing (a measurement starting or ending then is missed, never counted twice). A probe
 * loaded with the test-only x_attach_target keeps its own programs. */
#include "latency_hooks.skel.h"

struct hook_member {
	const char *probe;
	/* its programs on the shared hooks (net_dev_queue, sk_data_ready), run by the dispatcher */
	const char *progs[2];
};
/* in the order of latency_hooks.bpf.c's prefixes kl_, nt_, sl_ */
static const struct hook_member hook_members[3] = {
	{"kernellatency", {"ks_kl_net_dev_queue", "ks_kl_sk_data_ready"}},
	{"netiftxlatency", {"ks_netif_queue", NULL}},
	{"socketlatency", {"ks_sock_net_dev_queue", "ks_sk_data_ready"}},
};
static const char *hook_prefix[3] = {"kl_", "nt_", "sl_"};
/* the maps of ks_common.bpf.h / ks_latency.bpf.h and the probes' tracking table */
static const char *hook_maps[] = {"events",    "counts", "stats",    "netns_rate", "global_rate",
				  "lat_slots", "lat",	 "lat_used", "track"};

static struct latency_hooks_bpf *hooks_skel;
static struct bpf_link *hooks_links[2];
static bool hooks_on[3];

static int hook_member_index(const struct probe *p)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(p->name, hook_members[i].probe) == 0)
			return i;
	return -1;
}

/* whether this probe's shared-hook work runs in the dispatcher */
static bool hooks_joined(const struct probe *p)
{
	return hook_member_index(p) >= 0 && !p->opts.attach_target[0];
}

/* before a member's load: its own programs on the shared hooks stay unloaded */
static void hooks_skip_own(struct probe *p)
{
	int i = hook_member_index(p);
	for (int k = 0; k < 2; k++) {
		const char *n = hook_members[i].progs[k];
		struct bpf_program *prog = n ? bpf_object__find_program_by_name(p->obj, n) : NULL;
		if (prog)
			bpf_program__set_autoload(prog, false);
	}
}

static void hooks_destroy(void)
{
	for (int k = 0; k < 2; k++) {
		bpf_link__destroy(hooks_links[k]);
		hooks_links[k] = NULL;
	}
	latency_hooks_bpf__destroy(hooks_skel);
	hooks_skel = NULL;
	memset(hooks_on, 0, sizeof(hooks_on));
}

#define HOOK_RODATA(P, N, skel)                                                                                        \
	do {                                                                                                           \
		const struct N##_bpf *k = (skel);                                                                      \
		d->rodata->P##ks_netns_rate = k->rodata->ks_netns_rate;                                                \
		d->rodata->P##ks_global_rate = k->rodata->ks_global_rate;                                              \
		d->rodata->P##ks_window_ns = k->rodata->ks_window_ns;                                                  \
		d->rodata->P##ks_watermark = k->rodata->ks_watermark;                                                  \
		d->rodata->P##ks_lat_thresh_ns[0] = k->rodata->ks_lat_thresh_ns[0];                                    \
		d->rodata->P##ks_lat_thresh_ns[1] = k->rodata->ks_lat_thresh_ns[1];                                    \
		d->rodata->P##ks_lat_event_level = k->rodata->ks_lat_event_level;                                      \
		d->rodata->P##ks_track_mask = k->rodata->ks_track_mask;                                                \
		d->rodata->P##ks_track_max_age_ns = k->rodata->ks_track_max_age_ns;                                    \
		d->rodata->P##ks_lat_slot_mask = k->rodata->ks_lat_slot_mask;                                          \
	} while (0)

/* point the dispatcher's copy of a member's map at the member's map, or shrink it when the member
 * is not loaded (the verifier drops that member's code; the map only has to exist) */
static int hooks_map(struct bpf_object *d, int i, const char *name, const char *dname, struct probe *p)
{
	char full[64];
	snprintf(full, sizeof(full), "%s%s", hook_prefix[i], name);
	struct bpf_map *m = bpf_object__find_map_by_name(d, dname ? dname : full);
	if (!m)
		return -ENOENT;
	if (!p)
		return strcmp(name, "events") == 0 ? bpf_map__set_max_entries(m, getpagesize())
		       : dname			   ? 0
						   : bpf_map__set_max_entries(m, 1);
	struct bpf_map *pm = bpf_object__find_map_by_name(p->obj, dname ? ".data.ks_anchor" : name);
	if (!pm)
		return -ENOENT;
	return bpf_map__reuse_fd(m, bpf_map__fd(pm));
}

/* (Re)build the dispatcher for the members loaded now. 0, or -errno with log_tail set. */
static int hooks_rebuild(void)
{
	hooks_destroy();
	struct probe *mp[3] = {NULL, NULL, NULL};
	bool any = false;
	for (int i = 0; i < 3; i++) {
		struct probe *p = find_probe(hook_members[i].probe);
		if (p && p->loaded && hooks_joined(p)) {
			mp[i] = p;
			any = true;
		}
	}
	if (!any)
		return 0;
	struct latency_hooks_bpf *d = latency_hooks_bpf__open();
	if (!d)
		return -errno;
	hooks_skel = d;
	d->rodata->ks_hook_kl = mp[0] != NULL;
	d->rodata->ks_hook_nt = mp[1] != NULL;
	d->rodata->ks_hook_sl = mp[2] != NULL;
	if (mp[0])
		HOOK_RODATA(kl_, kernellatency, mp[0]->skel);
	if (mp[1])
		HOOK_RODATA(nt_, netiftxlatency, mp[1]->skel);
	if (mp[2])
		HOOK_RODATA(sl_, socketlatency, mp[2]->skel);
	int rc = 0;
	for (int i = 0; i < 3 && !rc; i++) {
		for (size_t j = 0; j < sizeof(hook_maps) / sizeof(hook_maps[0]) && !rc; j++)
			rc = hooks_map(d->obj, i, hook_maps[j], NULL, mp[i]);
		char anchor[32];
		snprintf(anchor, sizeof(anchor), ".data.%sanchor", hook_prefix[i]);
		if (!rc)
			rc = hooks_map(d->obj, i, "anchor", anchor, mp[i]);
	}
	if (rc) {
		snprintf(log_tail, sizeof(log_tail), "latency_hooks: sharing the probes' maps failed: %s",
			 strerror(-rc));
		log_tail_len = strlen(log_tail);
		hooks_destroy();
		return rc;
	}
	/* only the two dispatcher programs run here; the probes' own programs are in the object only
	 * because it includes their sources */
	bool want_queue = mp[0] || mp[1] || mp[2], want_ready = mp[0] || mp[2];
	struct bpf_program *prog;
	bpf_object__for_each_program (prog, d->obj)
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(d->progs.ks_hook_net_dev_queue, want_queue);
	bpf_program__set_autoload(d->progs.ks_hook_sk_data_ready, want_ready);
	rc = latency_hooks_bpf__load(d);
	if (rc) {
		hooks_destroy();
		return rc < 0 ? rc : -rc;
	}
	struct bpf_program *hp[2] = {d->progs.ks_hook_net_dev_queue, d->progs.ks_hook_sk_data_ready};
	for (int k = 0; k < 2; k++) {
		if (!bpf_program__autoload(hp[k]))
			continue;
		hooks_links[k] = bpf_program__attach(hp[k]);
		if (!hooks_links[k]) {
			rc = -errno;
			snprintf(log_tail, sizeof(log_tail), "latency_hooks: attaching %s failed: %s",
				 bpf_program__name(hp[k]), strerror(errno));
			log_tail_len = strlen(log_tail);
			hooks_destroy();
			return rc;
		}
	}
	for (int i = 0; i < 3; i++)
		hooks_on[i] = mp[i] != NULL;
	return 0;
}

/* the dispatcher programs running a member's work, for its load answer and counters */
static void hooks_programs_of(const struct probe *p, struct bpf_program *out[2])
{
	out[0] = out[1] = NULL;
	int i = hook_member_index(p);
	if (i < 0 || !hooks_skel || !hooks_on[i])
		return;
	out[0] = hooks_links[0] ? hooks_skel->progs.ks_hook_net_dev_queue : NULL;
	out[1] = hooks_links[1] && hook_members[i].progs[1] ? hooks_skel->progs.ks_hook_sk_data_ready : NULL;
}
