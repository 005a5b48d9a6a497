// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * tcpsummary: one walk of every TCP established hash table of the node per collection cycle,
 * counting sockets per (network namespace, state) and summing their queues.
 *
 * Why not iter/tcp: the kernel's TCP iterator (like /proc/<pid>/net/tcp and sock_diag) is bound
 * to ONE namespace (the reader's) and walks the whole table it lives in -- the global one, 262144
 * buckets on a 24 GiB node -- to find that namespace's few sockets: 3.3 ms per namespace. Here the
 * vehicle is a task iterator: for every process it looks up the hash table of the process's
 * namespace (net->ipv4.tcp_death_row.hashinfo: the global table, or the namespace's own one when
 * net.ipv4.tcp_child_ehash_entries was set when it was made) and walks each distinct table once,
 * attributing every socket to its own namespace (sk->skc_net->ns.inum). So the global table is
 * walked once per cycle whatever the number of namespaces.
 *
 * The walk is lockless (as the kernel's own lookups are): bucket heads are copied 64 at a time
 * with bpf_probe_read_kernel, chains followed through the nulls-terminated lists; sockets are
 * SLAB_TYPESAFE_BY_RCU, so a socket freed or moved during the walk can be missed or seen twice
 * -- the same inexactness as /proc/net/tcp, which also drops each bucket lock between buckets.
 * LISTEN sockets are not in this table (they live in the listening hash) and are not counted.
 *
 * Peers mode (ks_peers = 1, set by the helper for `tcpsummary <id> peers`): each socket is also
 * added to its peer's slot in `peer_slots` (or, when its probe sequence is full, to `peers`) by
 * (namespace, peer, server port, role) with its tcp_sock health fields (the ones `ss -ti` prints:
 * srtt, rttvar, min_rtt, segs_out, total_retrans, lost, bytes, the chrono busy / rwnd-limited /
 * sndbuf-limited times), and the listening hash (lhash2, one table shared by every namespace) is
 * walked once per run for each listener's accept queue (sk_ack_backlog and sk_max_ack_backlog)
 * into `listeners`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "ks_proto.h"
#include "ks_tcpsummary.h"

char LICENSE[] SEC("license") = "GPL";

#define CHUNK		  64
#define TCP_TIME_WAIT_	  6
#define TCP_SYN_RECV_	  3
#define TCP_LISTEN_	  10
#define TCP_NEW_SYN_RECV_ 12

/* set by the helper before each run */
__u32 ks_run = 0;
__u32 ks_peers = 0;
/* `tcpsummary <id> floor` (the bench's floor): the peers walk with every socket's key made and
 * health read, but summed into floor_val instead of its peer's slot -- the work no way of
 * aggregating per peer avoids, to compare the peers walk with */
__u32 ks_floor = 0;
struct ks_tcpsum_peer_val floor_val = {};

extern unsigned int CONFIG_HZ __kconfig;
__u64 ks_stats[KS_TCPSUM_NSTATS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_TCPSUM_AGG_ENTRIES);
	__type(key, __u32);
	__type(value, struct ks_tcpsum_val);
} agg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_TCPSUM_PEER_ENTRIES);
	__type(key, struct ks_tcpsum_peer_key);
	__type(value, struct ks_tcpsum_peer_val);
} peers SEC(".maps");

/* the walk's peer table (ks_tcpsummary.h); `peers` above takes the keys that find no slot */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_TCPSUM_PEER_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct ks_tcpsum_peer_slot);
} peer_slots SEC(".maps");

/* close-time capture and retransmits by cause (ks_tcpsummary.h); kept across runs */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KS_TCPSUM_CLOSED_ENTRIES);
	__type(key, struct ks_tcpsum_peer_key);
	__type(value, struct ks_tcpsum_closed_val);
} closed SEC(".maps");

/* entries made in `closed` (never reset: the helper reports created - present as evicted) and
 * updates that failed */
__u64 ks_closed_created = 0;
__u64 ks_closed_failed = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_TCPSUM_LISTEN_ENTRIES);
	__type(key, struct ks_tcpsum_listen_key);
	__type(value, struct ks_tcpsum_listen_val);
} listeners SEC(".maps");

/* Per port, from this run's listening-hash walk: the namespace listening on it, or `multi` when
 * more than one does. The role test reads this array (a plain load) and falls back to the
 * `listeners` hash only for a port that several namespaces listen on. */
struct ks_port_listen {
	__u32 run;
	__u32 inum;
	__u32 multi;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct ks_port_listen);
} ports SEC(".maps");

/* hash tables already walked in this run (value = run) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} seen SEC(".maps");

struct chunk {
	__u64 head[CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct chunk);
} chunkbuf SEC(".maps");

struct walk {
	__u64 ehash; /* address of the bucket array */
	__u32 nbuckets;
	__u32 bucket;	   /* next bucket to scan */
	__u64 node;	   /* current chain node, 0 = none */
	__u64 pending;	   /* non-empty buckets of the chunk in chunkbuf not yet walked (bit per bucket) */
	__u64 tail_mask;   /* buckets of a chunk that exist (all 64 unless the table is smaller) */
	__u32 chunk_bytes; /* bytes of bucket heads read per chunk */
	__u32 _pad;
	__u64 net; /* last struct net seen, and its inode */
	__u32 inum;
	__u32 run;
	__u32 listen; /* walking lhash2: buckets are struct inet_listen_hashbucket */
	__u32 _pad2;
};

/* a chunk of lhash2: 64 struct inet_listen_hashbucket of 16 bytes (lock, nulls head) */
struct lchunk {
	__u64 w[CHUNK * 2];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lchunk);
} lchunkbuf SEC(".maps");

static __always_inline void stat_add(__u32 i, __u64 v)
{
	if (i < KS_TCPSUM_NSTATS)
		__sync_fetch_and_add(&ks_stats[i], v);
}

static __always_inline struct ks_tcpsum_val *agg_get(__u32 inum, __u32 run)
{
	struct ks_tcpsum_val *v = bpf_map_lookup_elem(&agg, &inum);
	if (v && v->run == run)
		return v;
	struct ks_tcpsum_val z = {};
	z.run = run;
	if (v) {
		/* entry of an earlier run: start it again */
		__builtin_memcpy(v, &z, sizeof(z));
		return v;
	}
	if (bpf_map_update_elem(&agg, &inum, &z, BPF_NOEXIST) && bpf_map_update_elem(&agg, &inum, &z, BPF_ANY)) {
		stat_add(KS_TCPSUM_AGG_FULL, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&agg, &inum);
}

/* Untrusted typed view of a kernel address: loads through it become fault-tolerant PROBE_MEM
 * loads (a few ns each) instead of bpf_probe_read_kernel calls. Linux 6.2+. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The 8-byte word at a kernel address as a number: a PROBE_MEM load through a kernel type whose
 * first field is an unsigned long (struct rb_node's __rb_parent_color); 0 if the load faults. */
static __always_inline __u64 load_word(__u64 addr)
{
	struct rb_node *w = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct rb_node));
	return w->__rb_parent_color;
}

static const __u64 rtt_bounds_ns[KS_LAT_NBOUNDS] = KS_LAT_BOUNDS_NS;
/* zero values to insert from (too large for the stack next to the walk's own frame) */
static const struct ks_tcpsum_peer_val zero_peer = {};
static const struct ks_tcpsum_listen_val zero_listen = {};
static const struct ks_tcpsum_closed_val zero_closed = {};

/* The socket's two ends as a peer key; false for a socket without a usable family. */
/* A listener on this port in this namespace (either family), seen in this run's listening-hash
 * walk, which runs before the established tables'. */
static __always_inline bool listening(__u32 inum, __u16 port, __u32 run)
{
	__u32 p = port;
	struct ks_port_listen *pl = bpf_map_lookup_elem(&ports, &p);
	if (pl) {
		if (pl->run != run)
			return false;
		if (!pl->multi)
			return pl->inum == inum;
	}
	/* family 0: "a listener of either family", one lookup per port (ks_visit_listener) */
	struct ks_tcpsum_listen_key lk = {.netns = inum, .port = port, .family = 0};
	struct ks_tcpsum_listen_val *lv = bpf_map_lookup_elem(&listeners, &lk);
	return lv && lv->run == run;
}

static __always_inline bool peer_key_port(struct sock_common *skc, __u32 inum, __u32 run, __u16 local,
					  struct ks_tcpsum_peer_key *k)
{
	__u16 family = skc->skc_family;
	__builtin_memset(k, 0, sizeof(*k));
	k->netns = inum;
	if (family == 2 /* AF_INET */) {
		__u32 d = skc->skc_daddr;
		__builtin_memcpy(k->addr, &d, 4);
		k->family = 4;
	} else if (family == 10 /* AF_INET6 */) {
		__u64 hi = 0, lo = 0;
		bpf_probe_read_kernel(&hi, 8, &skc->skc_v6_daddr);
		bpf_probe_read_kernel(&lo, 8, (void *)&skc->skc_v6_daddr + 8);
		if (hi == 0 && (__u32)lo == 0xffff0000u) {
			/* IPv4-mapped (a dual-stack socket talking IPv4): counted as IPv4 */
			__u32 d = lo >> 32;
			__builtin_memcpy(k->addr, &d, 4);
			k->family = 4;
		} else {
			__builtin_memcpy(k->addr, &hi, 8);
			__builtin_memcpy(k->addr + 8, &lo, 8);
			k->family = 6;
		}
	} else {
		return false;
	}
	__u16 remote = bpf_ntohs(skc->skc_dport);
	/* the server side: a listener on our port; else (a connection inside the namespace) one on
	 * the peer's; else (the peer elsewhere, or our listener closed) the lower port */
	bool server;
	if (listening(inum, local, run))
		server = true;
	else if (listening(inum, remote, run))
		server = false;
	else
		server = local != 0 && local < remote;
	if (server) {
		k->role = 2;
		k->port = local;
	} else {
		k->role = 1;
		k->port = remote;
	}
	return true;
}

static __always_inline bool peer_key(struct sock_common *skc, __u32 inum, __u32 run, struct ks_tcpsum_peer_key *k)
{
	return peer_key_port(skc, inum, run, skc->skc_num, k);
}

static __always_inline struct ks_tcpsum_peer_val *peer_get(struct ks_tcpsum_peer_key *k, __u32 run)
{
	struct ks_tcpsum_peer_val *v = bpf_map_lookup_elem(&peers, k);
	if (!v) {
		if (bpf_map_update_elem(&peers, k, &zero_peer, BPF_NOEXIST) &&
		    bpf_map_update_elem(&peers, k, &zero_peer, BPF_ANY)) {
			stat_add(KS_TCPSUM_PEER_FULL, 1);
			return NULL;
		}
		v = bpf_map_lookup_elem(&peers, k);
		if (!v)
			return NULL;
	} else if (v->run == run) {
		return v;
	}
	/* new, or an entry of an earlier run: start it again */
	__builtin_memset(v, 0, sizeof(*v));
	v->run = run;
	v->srtt_min_us = ~0u;
	v->min_rtt_us = ~0u;
	return v;
}

/* The key's slot of this run in peer_slots (claimed and zeroed if new), else its `peers` entry. */
static __always_inline struct ks_tcpsum_peer_val *peer_slot_get(struct ks_tcpsum_peer_key *k, __u32 run)
{
	__u64 a, b, c;
	__builtin_memcpy(&a, k, 8);
	__builtin_memcpy(&b, (void *)k + 8, 8);
	__builtin_memcpy(&c, (void *)k + 16, 8);
	/* multiplicative hashing; the high bits are the mixed ones */
	__u64 x = a * 0x9E3779B97F4A7C15ull ^ b * 0xC2B2AE3D27D4EB4Full ^ c * 0x165667B19E3779F9ull;
	x ^= x >> 31;
	x *= 0x94D049BB133111EBull;
	__u32 home = x >> 48; /* KS_TCPSUM_PEER_SLOTS = 2^16 */
	if (ks_floor) {
		floor_val.run = run + (__u32)home; /* the key used, as the slot lookup would */
		return &floor_val;
	}
	for (__u32 i = 0; i < KS_TCPSUM_PEER_PROBES; i++) {
		__u32 idx = (home + i) & (KS_TCPSUM_PEER_SLOTS - 1);
		struct ks_tcpsum_peer_slot *s = bpf_map_lookup_elem(&peer_slots, &idx);
		if (!s)
			break;
		__u64 sa, sb, sc;
		__builtin_memcpy(&sa, &s->k, 8);
		__builtin_memcpy(&sb, (void *)&s->k + 8, 8);
		__builtin_memcpy(&sc, (void *)&s->k + 16, 8);
		if (s->v.run == run) {
			if (sa == a && sb == b && sc == c)
				return &s->v;
			continue;
		}
		/* free in this run: the key's slot (every later socket of the key probes up to here, as
		 * the slots before it stay taken for the rest of the run) */
		__builtin_memcpy(&s->k, k, sizeof(*k));
		__builtin_memset(&s->v, 0, sizeof(s->v));
		s->v.run = run;
		s->v.srtt_min_us = ~0u;
		s->v.min_rtt_us = ~0u;
		return &s->v;
	}
	return peer_get(k, run);
}

struct chrono {
	__u64 busy, rwnd, sndbuf; /* µs; busy includes the limited times (tcpi_busy_time) */
};

/* tcp_get_info_chrono_stats(): chrono_stat[] in jiffies, the running one up to now */
static __always_inline void chrono_us(struct tcp_sock *tp, struct chrono *c)
{
	__u32 now = (__u32)bpf_jiffies64();
	__u8 type = tp->chrono_type;
	__u32 start = tp->chrono_start;
	__u64 busy = tp->chrono_stat[0], rwnd = tp->chrono_stat[1], sndbuf = tp->chrono_stat[2];
	__u64 running = (__u32)(now - start);
	if (type == 1)
		busy += running;
	else if (type == 2)
		rwnd += running;
	else if (type == 3)
		sndbuf += running;
	__u64 hz = CONFIG_HZ ? CONFIG_HZ : 1000;
	__u64 us = 1000000 / hz;
	c->busy = (busy + rwnd + sndbuf) * us;
	c->rwnd = rwnd * us;
	c->sndbuf = sndbuf * us;
}

/* One socket into its peer's entry: every socket counts in states; a full socket adds its health.
 * A global function: verified once on its own, so the walk's loop does not multiply its states. */
__noinline int ks_visit_peer(__u64 addr, __u32 inum, __u32 run, __u32 st, __u32 full)
{
	struct sock_common *skc = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct sock_common));
	struct ks_tcpsum_peer_key k;
	if (!peer_key(skc, inum, run, &k))
		return 0;
	struct ks_tcpsum_peer_val *v = peer_slot_get(&k, run);
	if (!v)
		return 0;
	v->states[st & (KS_TCPSUM_NSTATES - 1)]++;
	if (!full)
		return 0;
	v->full++;
	struct tcp_sock *tp = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct tcp_sock));
	__u32 srtt = tp->srtt_us >> 3; /* stored << 3 */
	if (srtt) {
		__u64 ns = (__u64)srtt * 1000;
		__u32 b = 0;
#pragma unroll
		for (int i = 0; i < KS_LAT_NBOUNDS; i++)
			b += ns > rtt_bounds_ns[i];
		if (b < KS_TCPSUM_RTT_BUCKETS)
			v->rtt_hist[b]++;
		v->rtt_sockets++;
		v->srtt_sum_us += srtt;
		v->rttvar_sum_us += tp->mdev_us >> 2;
		if (srtt < v->srtt_min_us)
			v->srtt_min_us = srtt;
		if (srtt > v->srtt_max_us)
			v->srtt_max_us = srtt;
		__u32 m = tp->rtt_min.s[0].v;
		if (m && m < v->min_rtt_us)
			v->min_rtt_us = m;
	}
	v->segs_out += tp->segs_out;
	v->total_retrans += tp->total_retrans;
	v->lost_out += tp->lost_out;
	v->bytes_acked += tp->bytes_acked;
	v->bytes_received += tp->bytes_received;
	struct chrono c;
	chrono_us(tp, &c);
	v->busy_us += c.busy;
	v->rwnd_us += c.rwnd;
	v->sndbuf_us += c.sndbuf;
	return 0;
}

/* A listening socket (lhash2 walk): its accept queue into its (namespace, port). */
__noinline int ks_visit_listener(__u64 addr, __u32 inum, __u32 run)
{
	struct sock *sk = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct sock));
	struct ks_tcpsum_listen_key k = {};
	k.netns = inum;
	k.port = sk->__sk_common.skc_num;
	k.family = sk->__sk_common.skc_family == 10 ? 6 : 4;
	__u32 backlog = sk->sk_ack_backlog;
	__u32 max = sk->sk_max_ack_backlog;
	stat_add(KS_TCPSUM_LISTENERS, 1);
	__u32 p = k.port;
	struct ks_port_listen *pl = bpf_map_lookup_elem(&ports, &p);
	if (pl) {
		if (pl->run != run) {
			pl->run = run;
			pl->inum = inum;
			pl->multi = 0;
		} else if (pl->inum != inum) {
			pl->multi = 1;
		}
	}
	struct ks_tcpsum_listen_val *v = bpf_map_lookup_elem(&listeners, &k);
	if (!v) {
		if (bpf_map_update_elem(&listeners, &k, &zero_listen, BPF_NOEXIST) &&
		    bpf_map_update_elem(&listeners, &k, &zero_listen, BPF_ANY)) {
			stat_add(KS_TCPSUM_PEER_FULL, 1);
			return 0;
		}
		v = bpf_map_lookup_elem(&listeners, &k);
		if (!v)
			return 0;
		v->run = run - 1;
	}
	if (v->run != run) {
		v->run = run;
		v->sockets = 0;
		v->backlog = 0;
		v->max_backlog = 0;
	}
	v->sockets++;
	v->backlog += backlog;
	v->max_backlog += max;
	/* the port's family-0 key: what the walk's role test looks up (not reported) */
	k.family = 0;
	struct ks_tcpsum_listen_val *any = bpf_map_lookup_elem(&listeners, &k);
	if (!any) {
		if (bpf_map_update_elem(&listeners, &k, &zero_listen, BPF_NOEXIST) &&
		    bpf_map_update_elem(&listeners, &k, &zero_listen, BPF_ANY))
			return 0;
		any = bpf_map_lookup_elem(&listeners, &k);
		if (!any)
			return 0;
	}
	any->run = run;
	return 0;
}

static __always_inline void visit(struct walk *w)
{
	__u64 node = w->node;
	__u64 addr = node - bpf_core_field_offset(struct sock_common, skc_nulls_node);
	struct sock_common *skc = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct sock_common));
	/* pointers are read as plain numbers (the verifier allows no arithmetic on untrusted ones),
	 * by PROBE_MEM loads rather than bpf_probe_read_kernel calls (which were most of the walk's
	 * cost); a faulting load reads 0, and a chain never links to 0 (its end is an odd marker) */
	__u64 next = load_word(node);
	__u64 net = load_word(addr + bpf_core_field_offset(struct sock_common, skc_net));
	if (!next) {
		stat_add(KS_TCPSUM_READ_ERR, 1);
		w->node = 0;
		return;
	}
	w->node = (next & 1) ? 0 : next;
	stat_add(KS_TCPSUM_SOCKETS, 1);

	__u8 state = skc->skc_state;
	if (!net) {
		stat_add(KS_TCPSUM_READ_ERR, 1);
		return;
	}
	if (net != w->net) {
		struct net *n = bpf_rdonly_cast((void *)net, bpf_core_type_id_kernel(struct net));
		w->net = net;
		w->inum = n->ns.inum;
	}
	__u32 st = state;
	__u64 rxq = 0, txq = 0;
	if (w->listen) {
		if (state == TCP_LISTEN_)
			ks_visit_listener(addr, w->inum, w->run);
		return;
	}
	if (state == TCP_TIME_WAIT_) {
		/* /proc/net/tcp prints the timewait socket's substate (TIME_WAIT or FIN_WAIT2) */
		struct inet_timewait_sock *tw =
			bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct inet_timewait_sock));
		st = tw->tw_substate;
	} else if (state == TCP_NEW_SYN_RECV_) {
		st = TCP_SYN_RECV_; /* a request socket: /proc/net/tcp shows SYN_RECV */
	} else if (state != TCP_LISTEN_) {
		struct tcp_sock *tp = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct tcp_sock));
		__s32 r = (__s32)(tp->rcv_nxt - tp->copied_seq);
		rxq = r > 0 ? (__u64)r : 0;
		txq = (__u32)(tp->write_seq - tp->snd_una);
	}
	if (ks_peers)
		ks_visit_peer(addr, w->inum, w->run, st,
			      state != TCP_TIME_WAIT_ && state != TCP_NEW_SYN_RECV_ && state != TCP_LISTEN_);
	struct ks_tcpsum_val *v = agg_get(w->inum, w->run);
	if (!v)
		return;
	v->states[st & (KS_TCPSUM_NSTATES - 1)]++;
	v->rx_queue += rxq;
	v->tx_queue += txq;
}

static __always_inline __u32 lowest_bit(__u64 x)
{
	__u32 n = 0;
	if (!(x & 0xffffffffull)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

/* One step: follow the current chain one socket, or take the next non-empty bucket of the chunk
 * held in chunkbuf, or load the next chunk of 64 bucket heads (noting which are non-empty). */
static long walk_step(__u64 i, void *ctx)
{
	struct walk *w = ctx;
	if (w->node) {
		visit(w);
		return 0;
	}
	__u32 zero = 0;
	struct chunk *c = bpf_map_lookup_elem(&chunkbuf, &zero);
	if (!c)
		return 1;
	if (w->listen && !w->pending) {
		/* lhash2: copy 64 buckets of 16 bytes, keep each nulls head (the second word) */
		struct lchunk *lc = bpf_map_lookup_elem(&lchunkbuf, &zero);
		if (!lc || w->bucket >= w->nbuckets)
			return 1;
		__u32 lbytes = w->chunk_bytes & (sizeof(lc->w) * 2 - 1);
		if (lbytes == 0 || lbytes > sizeof(lc->w))
			return 1;
		if (bpf_probe_read_kernel(lc->w, lbytes, (void *)(w->ehash + (__u64)w->bucket * 16))) {
			stat_add(KS_TCPSUM_READ_ERR, 1);
			return 1;
		}
		__u64 lp = 0;
#pragma clang loop unroll(disable)
		for (int j = 0; j < CHUNK; j++) {
			c->head[j] = lc->w[2 * j + 1];
			lp |= ((~lc->w[2 * j + 1]) & 1ull) << j;
		}
		stat_add(KS_TCPSUM_BUCKETS, lbytes / 16);
		w->pending = lp & w->tail_mask;
		w->bucket += CHUNK;
		return 0;
	}
	if (w->pending) {
		__u32 j = lowest_bit(w->pending) & (CHUNK - 1);
		w->pending &= w->pending - 1;
		w->node = c->head[j];
		return 0;
	}
	if (w->bucket >= w->nbuckets)
		return 1;
	/* nothing here may depend on the bucket number with precision (a size, an index): the
	 * verifier would then see a new state at every step and never converge */
	__u32 base = w->bucket;
	__u32 bytes = w->chunk_bytes & (sizeof(c->head) * 2 - 1);
	if (bytes == 0 || bytes > sizeof(c->head))
		return 1;
	if (bpf_probe_read_kernel(c->head, bytes, (void *)(w->ehash + (__u64)base * 8))) {
		stat_add(KS_TCPSUM_READ_ERR, 1);
		return 1;
	}
	stat_add(KS_TCPSUM_BUCKETS, bytes / 8);
	__u64 pending = 0;
#pragma clang loop unroll(disable)
	for (int j = 0; j < CHUNK; j++) {
		/* an empty chain holds a "nulls" marker (lowest bit set); branch-free, so the verifier
		 * walks the loop once instead of once per combination of bits */
		pending |= ((~c->head[j]) & 1ull) << j;
	}
	w->pending = pending & w->tail_mask;
	w->bucket = base + CHUNK;
	return 0;
}

static __always_inline void walk_table(struct inet_hashinfo *h, __u32 run)
{
	struct walk w = {};
	w.ehash = (__u64)BPF_CORE_READ(h, ehash);
	w.nbuckets = BPF_CORE_READ(h, ehash_mask) + 1;
	w.run = run;
	if (!w.ehash || !w.nbuckets)
		return;
	/* tables are powers of two; one smaller than a chunk is read whole */
	__u32 hn = w.nbuckets < CHUNK ? w.nbuckets : CHUNK;
	w.chunk_bytes = hn * 8;
	w.tail_mask = hn == CHUNK ? ~0ull : (1ull << hn) - 1;
	stat_add(KS_TCPSUM_TABLES, 1);
	long n = bpf_loop(1 << 23, walk_step, &w, 0);
	if (n >= (1 << 23))
		stat_add(KS_TCPSUM_STEPS_CUT, 1);
}

/* The listening hash (shared by every namespace's table): once per run, in peers mode. */
static __always_inline void walk_listeners(struct inet_hashinfo *h, __u32 run)
{
	/* the chunk copy assumes struct inet_listen_hashbucket = { spinlock_t; nulls head } in 16 bytes */
	if (bpf_core_type_size(struct inet_listen_hashbucket) != 16 ||
	    bpf_core_field_offset(struct inet_listen_hashbucket, nulls_head) != 8) {
		stat_add(KS_TCPSUM_READ_ERR, 1);
		return;
	}
	struct walk w = {};
	w.ehash = (__u64)BPF_CORE_READ(h, lhash2);
	w.nbuckets = BPF_CORE_READ(h, lhash2_mask) + 1;
	w.run = run;
	w.listen = 1;
	if (!w.ehash || !w.nbuckets)
		return;
	__u32 hn = w.nbuckets < CHUNK ? w.nbuckets : CHUNK;
	w.chunk_bytes = hn * 16;
	w.tail_mask = hn == CHUNK ? ~0ull : (1ull << hn) - 1;
	stat_add(KS_TCPSUM_TABLES, 1);
	long n = bpf_loop(1 << 23, walk_step, &w, 0);
	if (n >= (1 << 23))
		stat_add(KS_TCPSUM_STEPS_CUT, 1);
}

SEC("iter/task")
int ks_tcpsummary(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	if (task->pid != task->tgid)
		return 0; /* threads share their process's namespace (almost always) */
	stat_add(KS_TCPSUM_TASKS, 1);
	struct inet_hashinfo *h = BPF_CORE_READ(task, nsproxy, net_ns, ipv4.tcp_death_row.hashinfo);
	if (!h)
		return 0;
	__u64 key = (__u64)h;
	__u32 run = ks_run;
	__u32 *seen_run = bpf_map_lookup_elem(&seen, &key);
	if (seen_run && *seen_run == run)
		return 0;
	bpf_map_update_elem(&seen, &key, &run, BPF_ANY);
	if (ks_peers) {
		/* listeners first: a socket's role is read from them */
		__u64 lkey = (__u64)BPF_CORE_READ(h, lhash2);
		__u32 *lseen = bpf_map_lookup_elem(&seen, &lkey);
		if (lkey && !(lseen && *lseen == run)) {
			bpf_map_update_elem(&seen, &lkey, &run, BPF_ANY);
			walk_listeners(h, run);
		}
	}
	walk_table(h, run);
	return 0;
}

/* ---- close-time capture and retransmits by cause (attached by the helper in peers mode) ---- */

#define TCP_ESTABLISHED_ 1
#define TCP_SYN_SENT_	 2
#define TCP_CLOSE_	 7
#define TCP_CA_Recovery_ 3
#define TCP_CA_Loss_	 4
#define TCP_CA_CWR_	 2

/* The `closed` entry of a socket (a full one or a request socket: both start with sock_common),
 * keyed as the walk keys it; the role is read from the listeners of the last walk. */
static __always_inline struct ks_tcpsum_closed_val *closed_get(__u64 addr, bool full)
{
	struct sock_common *skc = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct sock_common));
	struct net *net = bpf_rdonly_cast((void *)skc->skc_net.net, bpf_core_type_id_kernel(struct net));
	if (!net)
		return NULL;
	/* tcp_set_state(CLOSE) traces after inet_put_port() has zeroed inet_num: a full socket's own
	 * port is then read from inet_sport, which keeps it */
	__u16 local = skc->skc_num;
	if (full && !local) {
		struct inet_sock *inet = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct inet_sock));
		local = bpf_ntohs(inet->inet_sport);
	}
	struct ks_tcpsum_peer_key k;
	if (!peer_key_port(skc, net->ns.inum, ks_run, local, &k))
		return NULL;
	struct ks_tcpsum_closed_val *v = bpf_map_lookup_elem(&closed, &k);
	if (v)
		return v;
	if (bpf_map_update_elem(&closed, &k, &zero_closed, BPF_NOEXIST) == 0)
		__sync_fetch_and_add(&ks_closed_created, 1);
	v = bpf_map_lookup_elem(&closed, &k);
	if (!v)
		__sync_fetch_and_add(&ks_closed_failed, 1);
	return v;
}

/* A full TCP socket reaching CLOSE (from any state but LISTEN; tcp_set_state traces here after
 * the socket left the established table, so a walk sees it live or not at all, never after it
 * was added here): its final counters into `closed`. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ks_tcpsum_close, const struct sock *sk, const int oldstate, const int newstate)
{
	if (newstate != TCP_CLOSE_ || oldstate == TCP_CLOSE_ || oldstate == TCP_LISTEN_)
		return 0;
	if (sk->sk_protocol != 6 /* IPPROTO_TCP */)
		return 0;
	struct ks_tcpsum_closed_val *v = closed_get((__u64)sk, true);
	if (!v)
		return 0;
	struct tcp_sock *tp = bpf_rdonly_cast((void *)sk, bpf_core_type_id_kernel(struct tcp_sock));
	struct chrono c;
	chrono_us(tp, &c);
	/* a connect that failed, or a child closed in SYN_RECV, was never a connection */
	if (oldstate != TCP_SYN_SENT_ && oldstate != TCP_SYN_RECV_)
		__sync_fetch_and_add(&v->closes, 1);
	__sync_fetch_and_add(&v->segs_out, tp->segs_out);
	__sync_fetch_and_add(&v->total_retrans, tp->total_retrans);
	__sync_fetch_and_add(&v->bytes_acked, tp->bytes_acked);
	__sync_fetch_and_add(&v->bytes_received, tp->bytes_received);
	__sync_fetch_and_add(&v->busy_us, c.busy);
	__sync_fetch_and_add(&v->rwnd_us, c.rwnd);
	__sync_fetch_and_add(&v->sndbuf_us, c.sndbuf);
	return 0;
}

/* A segment retransmitted and sent (err = 0; TcpRetransSegs and tcpi_total_retrans count it before
 * sending, so a failed send is in them and in TCPRetransFail, not here): its cause from the socket's
 * state and congestion-avoidance state when it was sent. */
SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(ks_tcpsum_retrans, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (err != 0 || !sk || !skb)
		return 0;
	struct inet_connection_sock *icsk =
		bpf_rdonly_cast((void *)sk, bpf_core_type_id_kernel(struct inet_connection_sock));
	__u32 cause;
	if (sk->__sk_common.skc_state == TCP_SYN_SENT_) {
		cause = KS_RETRANS_SYN;
	} else {
		__u8 ca = BPF_CORE_READ_BITFIELD(icsk, icsk_ca_state);
		if (ca == TCP_CA_Loss_)
			cause = KS_RETRANS_TIMEOUT;
		else if (ca == TCP_CA_Recovery_ || ca == TCP_CA_CWR_)
			cause = KS_RETRANS_FAST;
		else
			cause = KS_RETRANS_TLP;
	}
	/* tcp_skb_pcount(): the segments this skb carried (TCP_SKB_CB(skb)->tcp_gso_segs) */
	__u16 segs = 0;
	bpf_probe_read_kernel(&segs, sizeof(segs),
			      (void *)skb + bpf_core_field_offset(struct sk_buff, cb) +
				      bpf_core_field_offset(struct tcp_skb_cb, tcp_gso_segs));
	struct ks_tcpsum_closed_val *v = closed_get((__u64)sk, true);
	if (v)
		__sync_fetch_and_add(&v->retrans[cause & (KS_RETRANS_NCAUSES - 1)], segs ? segs : 1);
	return 0;
}

/* A SYN-ACK retransmitted (counted in TcpRetransSegs too): the request socket's peer. */
SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(ks_tcpsum_retrans_synack, const struct sock *sk, const struct request_sock *req)
{
	if (!req)
		return 0;
	struct ks_tcpsum_closed_val *v = closed_get((__u64)req, false);
	if (v)
		__sync_fetch_and_add(&v->retrans[KS_RETRANS_SYN], 1);
	return 0;
}
