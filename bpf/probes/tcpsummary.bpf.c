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
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "ks_tcpsummary.h"

char LICENSE[] SEC("license") = "GPL";

#define CHUNK		  64
#define TCP_TIME_WAIT_	  6
#define TCP_SYN_RECV_	  3
#define TCP_LISTEN_	  10
#define TCP_NEW_SYN_RECV_ 12

/* set by the helper before each run */
__u32 ks_run = 0;
__u64 ks_stats[KS_TCPSUM_NSTATS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KS_TCPSUM_AGG_ENTRIES);
	__type(key, __u32);
	__type(value, struct ks_tcpsum_val);
} agg SEC(".maps");

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
};

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

static __always_inline void visit(struct walk *w)
{
	__u64 node = w->node;
	__u64 addr = node - bpf_core_field_offset(struct sock_common, skc_nulls_node);
	struct sock_common *skc = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct sock_common));
	/* pointers are read as plain numbers (the verifier allows no arithmetic on untrusted ones) */
	__u64 next = 0, net = 0;
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)node) ||
	    bpf_probe_read_kernel(&net, sizeof(net),
				  (void *)(addr + bpf_core_field_offset(struct sock_common, skc_net)))) {
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
	walk_table(h, run);
	return 0;
}
