// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* connections: TCP connect outcomes per (namespace, peer, server port), aggregated in the kernel.
 *
 *   client handshake  tp_btf/inet_sock_set_state CLOSE -> SYN_SENT (start, kept in socket local
 *                     storage) -> ESTABLISHED (duration into a histogram) or -> CLOSE (a failure,
 *                     its cause from sk_err: set before tcp_done() on RST, SYN timeout, ICMP; else
 *                     sk_err_soft or the error tp_btf/inet_sk_error_report saw: an ICMP error that
 *                     arrived while the owner held the socket is only "soft", and an owner that
 *                     read it with SO_ERROR (which clears it) and closed leaves sk_err at 0)
 *   server handshake  SYN_RECV -> ESTABLISHED of the child socket: its first RTT sample, which is
 *                     the SYN-ACK -> ACK time (tcp_synack_rtt_meas runs just before), per listen port
 *   synchronous       syscalls/sys_enter_connect + sys_exit_connect: errors returned before any SYN
 *                     left (no route: ENETUNREACH; no free local port: EADDRNOTAVAIL, which passes
 *                     through SYN_SENT -> CLOSE inside the call with sk_err 0)
 *   retransmits       tp_btf/tcp_retransmit_skb in SYN_SENT (SYN), tp_btf/tcp_retransmit_synack
 *
 * One hash entry per key, atomic adds: a connect costs two map updates, never a ring record.
 * Failures are also events (rate-limited like every event probe). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "ks_common.bpf.h"

#define KS_EINTR	 4
#define KS_EADDRNOTAVAIL 99
#define KS_ENETUNREACH	 101
#define KS_ECONNRESET	 104
#define KS_EISCONN	 106
#define KS_ETIMEDOUT	 110
#define KS_ECONNREFUSED	 111
#define KS_EHOSTUNREACH	 113
#define KS_EALREADY	 114
#define KS_EINPROGRESS	 115

#define KS_TCP_ESTABLISHED 1
#define KS_TCP_SYN_SENT	   2
#define KS_TCP_SYN_RECV	   3
#define KS_TCP_CLOSE	   7
#define KS_S_IFMT	   00170000
#define KS_S_IFSOCK	   0140000

static const __u64 ks_conn_bounds[KS_LAT_NBOUNDS] = KS_LAT_BOUNDS_NS;
/* set by the helper (slow_us): a client handshake slower than this is also an event */
const volatile __u64 ks_conn_slow_ns = 1000000000ull;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384); /* resized by the helper (count_entries option) */
	__type(key, struct ks_conn_key);
	__type(value, struct ks_conn_val);
} peers SEC(".maps");

/* handshake start of a connecting socket: lives and dies with the socket, no eviction */
struct ks_conn_start {
	__u64 start_ns;
	__s32 err; /* the last error reported on the socket during the handshake */
	__u32 _pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ks_conn_start);
} conn_start SEC(".maps");

/* a thread inside connect() on a TCP socket (active), in the thread's own storage: no hash, no
 * eviction, gone with the thread; the entry stays and is marked inactive when the call returns */
struct ks_connecting {
	struct ks_conn_key key; /* destination as passed to connect() */
	__u8 active;		/* the thread is inside connect() */
	__u8 reached;		/* the socket reached SYN_SENT during the call */
	__u8 closed;		/* ... and went back to CLOSE in the call with no socket error */
	__u8 _pad[5];
};
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct ks_connecting);
} connecting SEC(".maps");

/* the current thread's connect() in progress, else NULL */
static __always_inline struct ks_connecting *ks_connecting_now(void)
{
	struct ks_connecting *c = bpf_task_storage_get(&connecting, bpf_get_current_task_btf(), 0, 0);
	return c && c->active ? c : NULL;
}

static __always_inline __u32 ks_conn_bucket(__u64 ns)
{
	__u32 lo = 0, hi = KS_LAT_NBOUNDS;
#pragma unroll
	for (int i = 0; i < 5; i++) {
		if (lo < hi) {
			__u32 mid = (lo + hi) / 2;
			if (mid < KS_LAT_NBOUNDS && ns > ks_conn_bounds[mid])
				lo = mid + 1;
			else
				hi = mid;
		}
	}
	return lo;
}

static __always_inline __u32 ks_conn_err(int err)
{
	switch (err) {
	case KS_ECONNREFUSED:
		return KS_CONN_ERR_REFUSED;
	case KS_ECONNRESET:
		return KS_CONN_ERR_RESET;
	case KS_ETIMEDOUT:
		return KS_CONN_ERR_TIMED_OUT;
	case KS_EHOSTUNREACH:
		return KS_CONN_ERR_HOST_UNREACH;
	case KS_ENETUNREACH:
		return KS_CONN_ERR_NET_UNREACH;
	case KS_EADDRNOTAVAIL:
		return KS_CONN_ERR_ADDR_NOT_AVAIL;
	case 0:
		return KS_CONN_ERR_CANCELED;
	default:
		return KS_CONN_ERR_OTHER;
	}
}

static __always_inline struct ks_conn_val *ks_peer(const struct ks_conn_key *k)
{
	struct ks_conn_val *v = bpf_map_lookup_elem(&peers, k);
	if (v)
		return v;
	static const struct ks_conn_val zero;
	if (bpf_map_update_elem(&peers, k, &zero, BPF_NOEXIST) && !(v = bpf_map_lookup_elem(&peers, k))) {
		ks_stat(KS_STAT_COUNT_MAP_FULL);
		return NULL;
	}
	return v ? v : bpf_map_lookup_elem(&peers, k);
}

/* The key of a socket's connect: typed loads from the hook's socket (tp_btf gives a trusted
 * pointer) rather than ks_tuple_from_sk's one bpf_probe_read_kernel call per field. */
static __always_inline void ks_key_from_sk(const struct sock *sk, struct ks_conn_key *k, __u8 role)
{
	const struct sock_common *c = &sk->__sk_common;
	__u16 fam = c->skc_family;
	k->netns = ks_sk_netns(sk);
	k->family = fam == AF_INET ? KS_FAMILY_IPV4 : fam == AF_INET6 ? KS_FAMILY_IPV6 : 0;
	k->role = role;
	if (role == KS_CONN_CLIENT) {
		k->port = bpf_ntohs(c->skc_dport);
		if (fam == AF_INET) {
			__u32 a = c->skc_daddr;
			__builtin_memcpy(k->addr, &a, 4);
		} else if (fam == AF_INET6) {
			struct in6_addr a = c->skc_v6_daddr;
			__builtin_memcpy(k->addr, &a, 16);
		}
		return;
	}
	__u16 lport = c->skc_num;
	/* tcp_set_state(TCP_CLOSE) releases the bound port (skc_num = 0) before an abort's reset
	 * is sent; a full socket still has it in inet_sport (as ks_tuple_from_sk reads it) */
	if (lport == 0 && c->skc_state != 6 /* TCP_TIME_WAIT */ && c->skc_state != 12 /* TCP_NEW_SYN_RECV */)
		lport = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	k->port = lport;
}

static __always_inline void ks_conn_event(const struct ks_conn_key *k, const struct sock *sk, int err, __u32 cause,
					  bool sync, bool slow, __u64 dur_ns);

/* a failed connect: count it, and an event (rate-limited) with the socket's tuple when there is one */
static __always_inline void ks_conn_fail(const struct ks_conn_key *k, const struct sock *sk, int err, bool sync,
					 __u64 dur_ns)
{
	__u32 cause = ks_conn_err(err);
	struct ks_conn_val *v = ks_peer(k);
	ks_stat(KS_STAT_HITS);
	if (v && cause < KS_CONN_NERR) {
		__sync_fetch_and_add(&v->failures[cause], 1);
		if (sync)
			__sync_fetch_and_add(&v->sync_failures, 1);
	}
	ks_conn_event(k, sk, err, cause, sync, false, dur_ns);
}

/* a connect record (rate-limited): a failure, or a slow handshake (slow = 1, cause = KS_CONN_NERR) */
static __always_inline void ks_conn_event(const struct ks_conn_key *k, const struct sock *sk, int err, __u32 cause,
					  bool sync, bool slow, __u64 dur_ns)
{
	__u64 now = bpf_ktime_get_boot_ns();
	struct ks_connect *e = ks_reserve(k->netns, now, sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	ks_fill_hdr(&e->hdr, KS_REC_CONNECT, KS_CONNECT_V, sizeof(*e), now, k->netns);
	if (sk) {
		ks_tuple_from_sk(sk, &e->tuple, false);
	} else {
		e->tuple.family = k->family;
		e->tuple.l4proto = IPPROTO_TCP;
		e->tuple.dport = k->port;
		__builtin_memcpy(e->tuple.daddr, k->addr, 16);
	}
	/* the failure path clears inet_dport after the state change: the key still has it */
	e->tuple.dport = k->port;
	e->duration_ns = dur_ns;
	e->err = (__u32)err;
	e->cause = (__u8)cause;
	e->sync = sync;
	e->slow = slow;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ks_conn_set_state, struct sock *sk, int oldstate, int newstate)
{
	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == KS_TCP_SYN_SENT) {
		struct ks_conn_start *st = bpf_sk_storage_get(&conn_start, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
		if (st) {
			st->start_ns = bpf_ktime_get_ns();
			st->err = 0;
		}
		struct ks_connecting *c = ks_connecting_now();
		if (c)
			c->reached = 1;
		return 0;
	}
	if (oldstate == KS_TCP_SYN_SENT && (newstate == KS_TCP_ESTABLISHED || newstate == KS_TCP_CLOSE)) {
		struct ks_conn_start *st = bpf_sk_storage_get(&conn_start, sk, 0, 0);
		__u64 start = st ? st->start_ns : 0;
		int reported = st ? st->err : 0;
		if (st)
			bpf_sk_storage_delete(&conn_start, sk);
		__u64 dur = start ? bpf_ktime_get_ns() - start : 0;
		struct ks_conn_key k = {};
		ks_key_from_sk(sk, &k, KS_CONN_CLIENT);
		if (newstate == KS_TCP_ESTABLISHED) {
			if (!start) {
				ks_stat(KS_STAT_IGNORED); /* began before the probe was loaded */
				return 0;
			}
			struct ks_conn_val *v = ks_peer(&k);
			if (v) {
				__u32 b = ks_conn_bucket(dur);
				if (b <= KS_LAT_NBOUNDS)
					__sync_fetch_and_add(&v->buckets[b], 1);
				__sync_fetch_and_add(&v->sum_ns, dur);
			}
			if (dur > ks_conn_slow_ns)
				ks_conn_event(&k, sk, 0, KS_CONN_NERR, false, true, dur);
			return 0;
		}
		int err = sk->sk_err;
		/* an error reported while the socket stayed in SYN_SENT (an ICMP error: the owner read
		 * it with SO_ERROR, which clears sk_err, then closed the socket) */
		if (err == 0)
			err = sk->sk_err_soft;
		if (err == 0)
			err = reported;
		if (err == 0) {
			/* no socket error: either connect() itself is failing (no free local port: the
			 * caller's return value says why, sys_exit_connect counts it), or the owner closed
			 * the socket while the handshake was pending */
			struct ks_connecting *c = ks_connecting_now();
			if (c && c->reached) {
				c->closed = 1;
				return 0;
			}
		}
		ks_conn_fail(&k, sk, err, false, dur);
		return 0;
	}
	if (oldstate == KS_TCP_SYN_RECV && newstate == KS_TCP_ESTABLISHED) {
		/* the child of a listener: srtt holds the SYN-ACK -> ACK sample taken just before */
		struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);
		__u32 srtt_us = tp ? tp->srtt_us >> 3 : 0;
		struct ks_conn_key k = {};
		ks_key_from_sk(sk, &k, KS_CONN_SERVER);
		if (srtt_us == 0) {
			ks_stat(KS_STAT_IGNORED); /* no RTT sample (SYN-ACK retransmitted without timestamps) */
			return 0;
		}
		struct ks_conn_val *v = ks_peer(&k);
		if (v) {
			__u64 dur = (__u64)srtt_us * 1000;
			__u32 b = ks_conn_bucket(dur);
			if (b <= KS_LAT_NBOUNDS)
				__sync_fetch_and_add(&v->buckets[b], 1);
			__sync_fetch_and_add(&v->sum_ns, dur);
		}
	}
	return 0;
}

/* sk_error_report(): keep a handshake's error, since reading it (SO_ERROR) clears sk_err */
SEC("tp_btf/inet_sk_error_report")
int BPF_PROG(ks_conn_error_report, struct sock *sk)
{
	if (!sk || sk->sk_protocol != IPPROTO_TCP || sk->__sk_common.skc_state != KS_TCP_SYN_SENT)
		return 0;
	struct ks_conn_start *st = bpf_sk_storage_get(&conn_start, sk, 0, 0);
	if (st)
		st->err = sk->sk_err ? sk->sk_err : sk->sk_err_soft;
	return 0;
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(ks_conn_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (!sk || err != 0 || sk->__sk_common.skc_state != KS_TCP_SYN_SENT)
		return 0;
	struct ks_conn_key k = {};
	ks_key_from_sk(sk, &k, KS_CONN_CLIENT);
	struct ks_conn_val *v = ks_peer(&k);
	if (v)
		__sync_fetch_and_add(&v->syn_retrans, 1);
	return 0;
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(ks_conn_retransmit_synack, const struct sock *sk, const struct request_sock *req)
{
	if (!sk)
		return 0;
	struct ks_conn_key k = {};
	ks_key_from_sk(sk, &k, KS_CONN_SERVER);
	struct ks_conn_val *v = ks_peer(&k);
	if (v)
		__sync_fetch_and_add(&v->syn_retrans, 1);
	return 0;
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The network namespace of the TCP socket behind an fd of the current task, else 0. Typed loads
 * from the task's BTF pointer (faults read as 0) rather than one bpf_probe_read_kernel call per
 * field: a helper call each made this walk most of the program's cost. */
static __always_inline __u32 ks_fd_tcp_netns(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = task->files->fdt;
	struct file *f = NULL;
	if (fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return 0;
	/* fd is an array of pointers: the verifier gives its address as a plain number */
	if (bpf_probe_read_kernel(&f, sizeof(f), (void *)fdt->fd + (__u64)fd * sizeof(f)) || !f)
		return 0;
	struct file *file = bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
	if ((file->f_inode->i_mode & KS_S_IFMT) != KS_S_IFSOCK)
		return 0;
	struct socket *so = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
	struct sock *sk = so->sk;
	if (!sk || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	return sk->__sk_common.skc_net.net->ns.inum;
}

SEC("tp/syscalls/sys_enter_connect")
int ks_conn_enter(struct trace_event_raw_sys_enter *ctx)
{
	int fd = (int)ctx->args[0];
	const void *uaddr = (const void *)ctx->args[1];
	/* the address as the kernel copies it (addrlen bytes, sockaddr_in6 at most), in one read;
	 * shorter than its family cannot be a connect (EINVAL) */
	__u64 alen = ctx->args[2];
	if (!uaddr || alen < sizeof(sa_family_t))
		return 0;
	__u32 netns = ks_fd_tcp_netns(fd);
	if (!netns)
		return 0;
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa = {};
	if (alen > sizeof(sa))
		alen = sizeof(sa);
	if (bpf_probe_read_user(&sa, alen, uaddr))
		return 0;
	struct ks_connecting c = {};
	if (sa.in.sin_family == AF_INET) {
		c.key.family = KS_FAMILY_IPV4;
		c.key.port = bpf_ntohs(sa.in.sin_port);
		__builtin_memcpy(c.key.addr, &sa.in.sin_addr.s_addr, 4);
	} else if (sa.in.sin_family == AF_INET6) {
		c.key.family = KS_FAMILY_IPV6;
		c.key.port = bpf_ntohs(sa.in6.sin6_port);
		__builtin_memcpy(c.key.addr, &sa.in6.sin6_addr, 16);
	} else {
		return 0;
	}
	c.key.netns = netns;
	c.key.role = KS_CONN_CLIENT;
	c.active = 1;
	struct ks_connecting *t =
		bpf_task_storage_get(&connecting, bpf_get_current_task_btf(), 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t)
		*t = c;
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int ks_conn_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct ks_connecting *c = ks_connecting_now();
	if (!c)
		return 0;
	struct ks_connecting cc = *c;
	c->active = 0;
	long ret = ctx->ret;
	if (ret >= 0 || ret == -KS_EINPROGRESS || ret == -KS_EALREADY || ret == -KS_EISCONN || ret == -KS_EINTR)
		return 0;
	/* a handshake that began is counted where it ends (its socket error), unless it ended inside
	 * this call without one */
	if (cc.reached && !cc.closed)
		return 0;
	ks_conn_fail(&cc.key, NULL, (int)-ret, true, 0);
	return 0;
}
