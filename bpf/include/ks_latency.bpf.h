/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared code of the latency probes (socketlatency, kernellatency, netiftxlatency, net_softirq,
 * biolatency, virtcmdlatency): a fixed-bucket histogram, sum and threshold counts per scope key
 * kept in the probe's `counts` map (exact, dumped by the helper like every other count), events
 * above the event threshold through the rate-limited ring buffer, and a direct-mapped tracking
 * table for in-flight work keyed by the kernel object (skb, sock, request).
 *
 * Why a direct-mapped array and not an LRU hash for in-flight work: one array load instead of a
 * hash walk on every packet, and evictions are exact: a slot taken over while its object was
 * still young is counted (KS_TRACK_EVICTED), one found too old is counted as expired (its object
 * completed on a path no hook sees, or the pointer was reused). An LRU hash evicts silently.
 */
#ifndef KS_LATENCY_BPF_H
#define KS_LATENCY_BPF_H

#include "ks_common.bpf.h"

/* Each latency probe's defaults come from its descriptor (bpf/probes/<name>.yaml), through the
 * generated ks_probes.gen.h and the -DKS_PROBE_<name> the Makefile compiles it with. */
#if !defined(KS_LAT_T0_DEFAULT) || !defined(KS_LAT_T1_DEFAULT) || !defined(KS_LAT_EVENT_LEVEL_DEFAULT) ||              \
	!defined(KS_TRACK_ENTRIES)
#error "latency defaults missing: is bpf/probes/<name>.yaml a latency descriptor (npm run generate)?"
#endif

/* Set by the helper before load. Thresholds in ns: low, high. Events are emitted for
 * measurements above threshold[event_level - 1]; event_level 0 = count only. */
const volatile __u64 ks_lat_thresh_ns[2] = {KS_LAT_T0_DEFAULT, KS_LAT_T1_DEFAULT};
const volatile __u32 ks_lat_event_level = KS_LAT_EVENT_LEVEL_DEFAULT;
/* tracking table: size - 1 (the helper resizes `track` to a power of two) and age limit */
const volatile __u32 ks_track_mask = KS_TRACK_ENTRIES - 1;
const volatile __u64 ks_track_max_age_ns = 30000000000ull; /* 30 s */
/* lat_slots: size - 1 (KS_LAT_SLOTS by default; tests shrink it to force the hash path) */
const volatile __u32 ks_lat_slot_mask = KS_LAT_SLOTS - 1;

static const __u64 ks_lat_bounds[KS_LAT_NBOUNDS] = KS_LAT_BOUNDS_NS;

/* Histogram + sum per (scope, metric, sub). The hot path is lat_slots, a per-CPU array with
 * the key in the value: an inlined array lookup (~3 ns) where a per-CPU hash lookup costs
 * ~40-90 ns per measurement here (bpf_stats). Each key tries two slots; when both are taken on
 * this CPU by other keys it goes to the per-CPU hash `lat` (the old path). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KS_LAT_SLOTS);
	__type(key, __u32);
	__type(value, struct ks_lat_slot);
} lat_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct ks_lat_key);
	__type(value, struct ks_lat_val);
} lat SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ks_lat_used);
} lat_used SEC(".maps");

static __always_inline __u32 ks_lat_bucket(__u64 ns)
{
	/* binary search over 22 sorted bounds: 5 compares */
	__u32 lo = 0, hi = KS_LAT_NBOUNDS;
#pragma unroll
	for (int i = 0; i < 5; i++) {
		if (lo < hi) {
			__u32 mid = (lo + hi) / 2;
			if (mid < KS_LAT_NBOUNDS && ns > ks_lat_bounds[mid])
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return lo;
}

static __always_inline void ks_count_add(__u32 key_id, __u16 domain, __u32 code, __u64 delta)
{
	struct ks_count_key k = {.netns = key_id, .domain = domain, .code = code};
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		__sync_fetch_and_add(v, delta);
		return;
	}
	if (bpf_map_update_elem(&counts, &k, &delta, BPF_NOEXIST) == 0)
		return;
	v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, delta);
	else
		ks_stat(KS_STAT_COUNT_MAP_FULL);
}

/* This CPU's slot of a key in lat_slots, claimed if free; NULL when both candidates hold other
 * keys on this CPU. A slot, once claimed, keeps its key (the helper never deletes). */
static __always_inline struct ks_lat_val *ks_lat_slot_of(__u32 scope, __u8 metric, __u8 sub)
{
	__u64 want = KS_LAT_PACK(scope, metric, sub);
	__u32 i = (__u32)((want * 0x9E3779B97F4A7C15ull) >> 32) & ks_lat_slot_mask;
#pragma unroll
	for (int n = 0; n < 2; n++) {
		__u32 idx = i ^ n;
		struct ks_lat_slot *s = bpf_map_lookup_elem(&lat_slots, &idx);
		if (!s)
			return NULL; /* a one-slot table has no second candidate */
		__u64 have = s->key;
		if (have == want)
			return &s->v;
		/* claim: another program of this object may interrupt us here and claim it first */
		if (have == 0 && __sync_val_compare_and_swap(&s->key, 0, want) == 0) {
			__u32 zero = 0;
			struct ks_lat_used *u = bpf_map_lookup_elem(&lat_used, &zero);
			if (u && idx < KS_LAT_SLOTS)
				__sync_fetch_and_or(&u->bits[idx / 64], 1ull << (idx % 64));
			return &s->v;
		}
	}
	return NULL;
}

/* Count one measurement; returns the level it reached (0 none, 1 low, 2 high). */
static __always_inline __u32 ks_lat_record(__u32 scope, __u8 metric, __u8 sub, __u64 ns)
{
	/* no KS_STAT_HITS here: the histogram counts are the hits, one stat update less per packet */
	__u32 b = ks_lat_bucket(ns);
	struct ks_lat_val *v = ks_lat_slot_of(scope, metric, sub);
	if (v) {
		/* Plain adds: a metric is recorded by one program only, and the kernel never runs a
		 * program nested in itself on one CPU (it counts a recursion miss instead), so nothing
		 * else writes this CPU's copy of this key. */
		if (b <= KS_LAT_NBOUNDS)
			v->buckets[b] += 1;
		v->sum_ns += ns;
	} else {
		struct ks_lat_key k = {.scope = scope, .metric = metric, .sub = sub};
		v = bpf_map_lookup_elem(&lat, &k);
		if (!v) {
			struct ks_lat_val zero = {};
			bpf_map_update_elem(&lat, &k, &zero, BPF_NOEXIST);
			v = bpf_map_lookup_elem(&lat, &k);
		}
		if (v) {
			/* the rare overflow path keeps atomic adds (they measured no dearer than plain
			 * ones here) */
			if (b <= KS_LAT_NBOUNDS)
				__sync_fetch_and_add(&v->buckets[b], 1);
			__sync_fetch_and_add(&v->sum_ns, ns);
		} else {
			ks_stat(KS_STAT_COUNT_MAP_FULL);
		}
	}
	if (ns <= ks_lat_thresh_ns[0])
		return 0;
	ks_count(scope, KS_DOMAIN_LAT_SLOW, KS_LAT_CODE(metric, sub, 0));
	if (ns <= ks_lat_thresh_ns[1])
		return 1;
	ks_count(scope, KS_DOMAIN_LAT_SLOW, KS_LAT_CODE(metric, sub, 1));
	return 2;
}

static __always_inline bool ks_lat_want_event(__u32 level)
{
	return ks_lat_event_level != 0 && level >= ks_lat_event_level;
}

/* Reserve and pre-fill a latency record; NULL when rate-limited or the ring is full. */
static __always_inline struct ks_latency *ks_lat_event(__u32 netns, __u8 metric, __u8 sub, __u32 level, __u64 ns)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct ks_latency *e = ks_reserve(netns, now, sizeof(*e));
	if (!e)
		return NULL;
	__builtin_memset(e, 0, sizeof(*e));
	ks_fill_hdr(&e->hdr, KS_REC_LATENCY, KS_LATENCY_V, sizeof(*e), now, netns);
	e->metric = metric;
	e->sub = sub;
	e->level = (__u8)level;
	e->latency_ns = ns;
	e->threshold_ns = ks_lat_thresh_ns[level >= 2 ? 1 : 0];
	return e;
}

/* The clock, read at most once per program run: the shared-hook dispatcher
 * (bpf/probes/latency_hooks.bpf.c) hands one `now` to every probe body it runs, each reading it
 * only once it has something to measure (0 = not read yet). A clock read costs about as much as
 * running an empty program here (kvm-clock). */
static __always_inline __u64 ks_now(__u64 *now)
{
	if (!*now)
		*now = bpf_ktime_get_ns();
	return *now;
}

/* ---- tracking table ---- */

/* Any fixed address in this object: the anchor of ks_ptr_key. In a section (map) of its own, so
 * bpf/probes/latency_hooks.bpf.c can share it (bpf_map__reuse_fd) and compute the same keys. */
#ifndef KS_ANCHOR_SEC
#define KS_ANCHOR_SEC ".data.ks_anchor"
#endif
static __u64 ks_key_anchor SEC(KS_ANCHOR_SEC) = 0;

/* The address of a kernel object as a plain number (the tracking key), offset by the fixed
 * address of ks_key_anchor. The verifier forbids arithmetic on a BTF pointer, but turns the
 * difference of two pointers into a plain scalar for a loader with CAP_PERFMON (which tracing
 * programs need anyway): one register subtraction where a bpf_probe_read_kernel() copy cost
 * ~60 ns per run (bpf_stats). `where` is the memory that holds the pointer (&ctx[n] for a hook
 * argument, &obj->field for a pointer field); the asm keeps the compiler from folding it. */
#define ks_ptr_key(where) ks_ptr_diff((const void *)*(where))
static __always_inline __u64 ks_ptr_diff(const void *p)
{
	__u64 k = (__u64)p;
	asm volatile("%0 -= %1" : "+r"(k) : "r"(&ks_key_anchor));
	return k;
}

static __always_inline __u32 ks_track_slot(__u64 key)
{
	return (__u32)((key * 0x9E3779B97F4A7C15ull) >> 32) & ks_track_mask;
}

/* A slot about to be taken for `key`: count the object it held if that one is lost. */
static __always_inline void ks_track_take(__u64 old_key, __u64 old_ts, __u64 key, __u64 now, __u8 metric)
{
	if (old_key == 0 || old_key == key)
		return;
	__u32 cause = now - old_ts < ks_track_max_age_ns ? KS_TRACK_EVICTED : KS_TRACK_EXPIRED;
	ks_count(0, KS_DOMAIN_LAT_TRACK, KS_LAT_CODE(metric, 0, cause));
}

/* A matched slot whose start is too old to be the same object's: count it expired. */
static __always_inline bool ks_track_fresh(__u64 ts, __u64 now, __u8 metric)
{
	if (now - ts < ks_track_max_age_ns)
		return true;
	ks_count(0, KS_DOMAIN_LAT_TRACK, KS_LAT_CODE(metric, 0, KS_TRACK_EXPIRED));
	return false;
}

static __always_inline __u32 ks_current_netns(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	return BPF_CORE_READ(t, nsproxy, net_ns, ns.inum);
}

#endif
