// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* socketlatency: per-namespace read and send delay of TCP sockets, tp_btf only.
 *   read:  tp_btf/sk_data_ready (data became readable; first unread kept) -> tp_btf/sock_recv_length
 *          (the application read something: ret > 0, not MSG_PEEK), pid/comm = the reader.
 *   send:  tp_btf/tcp_sendmsg_locked (first unsent write kept) -> tp_btf/net_dev_queue of the
 *          first segment of that socket that carries payload (pure ACKs skipped): time from
 *          the application's write to its data leaving for the device (KubeSkoop measured
 *          sendmsg -> tcp_write_xmit with kprobes; no tracepoint sits in tcp_write_xmit).
 *   close: tp_btf/inet_sock_set_state -> TCP_CLOSE frees the socket's slot.
 * State: one direct-mapped slot per socket (ks_latency.bpf.h). Thresholds 1 ms and 100 ms;
 * events (SOCKETLAT_READSLOW / SENDSLOW) above 100 ms by default. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
/* thresholds, event level and tracking-table size: bpf/probes/socketlatency.yaml (ks_probes.gen.h) */
#include "ks_latency.bpf.h"

#define MSG_PEEK_FLAG	2
#define TCP_CLOSE_STATE 7

struct sock_slot {
	__u64 sk;
	__u64 rts;  /* first unread data became readable (0 = nothing pending) */
	__u64 wts;  /* first write not yet seen at the device (0 = nothing pending) */
	__u32 wpid; /* writer */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KS_TRACK_ENTRIES);
	__type(key, __u32);
	__type(value, struct sock_slot);
} track SEC(".maps");

static __always_inline bool tcp_inet(const struct sock *sk)
{
	__u16 fam = sk->__sk_common.skc_family;
	return (fam == AF_INET || fam == AF_INET6) && sk->sk_protocol == IPPROTO_TCP;
}

/* the socket's slot, taken over for it when another socket held it */
static __always_inline struct sock_slot *slot_for(__u64 key, __u64 now)
{
	__u32 i = ks_track_slot(key);
	struct sock_slot *s = bpf_map_lookup_elem(&track, &i);
	if (!s)
		return NULL;
	if (s->sk != key) {
		if (s->rts)
			ks_track_take(s->sk, s->rts, key, now, KS_LAT_SOCK_READ);
		if (s->wts)
			ks_track_take(s->sk, s->wts, key, now, KS_LAT_SOCK_WRITE);
		s->sk = key;
		s->rts = 0;
		s->wts = 0;
	}
	return s;
}

static __always_inline struct sock_slot *slot_of(__u64 key)
{
	__u32 i = ks_track_slot(key);
	struct sock_slot *s = bpf_map_lookup_elem(&track, &i);
	return s && s->sk == key ? s : NULL;
}

static __always_inline void emit(const struct sock *sk, __u32 netns, __u8 metric, __u32 level, __u64 lat, __u32 pid)
{
	struct ks_latency *e = ks_lat_event(netns, metric, 0, level, lat);
	if (!e)
		return;
	ks_tuple_from_sk(sk, &e->tuple, false);
	e->pid = pid;
	if ((bpf_get_current_pid_tgid() >> 32) == pid)
		bpf_get_current_comm(e->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
}

/* The bodies of the programs on the hooks this probe shares with others (sk_data_ready,
 * net_dev_queue): bpf/probes/latency_hooks.bpf.c runs them from one program per hook, with one
 * clock read for all of them (ks_now). */
static __always_inline void sl_data_ready(const struct sock *sk, __u64 *now)
{
	if (!sk || !tcp_inet(sk))
		return;
	__u64 t = ks_now(now);
	struct sock_slot *s = slot_for(ks_ptr_diff(sk), t);
	if (s && !s->rts)
		s->rts = t;
}

SEC("tp_btf/sk_data_ready")
int BPF_PROG(ks_sk_data_ready, const struct sock *sk)
{
	__u64 now = 0;
	sl_data_ready(sk, &now);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(ks_sock_recv_length, struct sock *sk, int ret, int flags)
{
	if (ret <= 0 || (flags & MSG_PEEK_FLAG) || !sk)
		return 0;
	struct sock_slot *s = slot_of(ks_ptr_key(&ctx[0]));
	if (!s || !s->rts)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 start = s->rts;
	s->rts = 0;
	if (!ks_track_fresh(start, now, KS_LAT_SOCK_READ))
		return 0;
	__u64 lat = now - start;
	__u32 netns = ks_sk_netns(sk);
	__u32 level = ks_lat_record(netns, KS_LAT_SOCK_READ, 0, lat);
	if (ks_lat_want_event(level))
		emit(sk, netns, KS_LAT_SOCK_READ, level, lat, bpf_get_current_pid_tgid() >> 32);
	return 0;
}

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(ks_tcp_sendmsg_locked, const struct sock *sk, const struct msghdr *msg, const struct sk_buff *skb,
	     int size_goal)
{
	if (!sk)
		return 0;
	__u64 key = ks_ptr_key(&ctx[0]);
	/* fires once per skb the write fills: the common case is a write already pending */
	struct sock_slot *s = slot_of(key);
	if (s && s->wts)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	s = slot_for(key, now);
	if (s && !s->wts) {
		s->wts = now;
		s->wpid = bpf_get_current_pid_tgid() >> 32;
	}
	return 0;
}

/* > 0 when an skb at the device (headers pushed) carries TCP payload, <= 0 for pure ACK/SYN/FIN.
 * More than 60 bytes past the TCP header's start (its largest size) is payload for sure: only
 * shorter segments pay for reading the header length (a helper call). */
static __always_inline long tcp_payload(const struct sk_buff *skb)
{
	unsigned char *head = skb->head;
	unsigned char *data = skb->data;
	__u16 th = skb->transport_header;
	__u8 doff = 0;
	if (!head || th == (__u16)~0U)
		return 0;
	long past = (long)skb->len - (long)(head + th - data);
	if (past > 60)
		return past - 60;
	if (bpf_probe_read_kernel(&doff, 1, head + th + 12))
		return 0;
	return past - (long)(doff >> 4) * 4;
}

static __always_inline void sl_dev_queue(const struct sk_buff *skb, __u64 *now)
{
	if (!skb)
		return;
	struct sock *sk = skb->sk;
	if (!sk)
		return;
	struct sock_slot *s = slot_of(ks_ptr_diff(sk));
	if (!s || !s->wts)
		return;
	if (tcp_payload(skb) <= 0)
		return;
	__u64 t = ks_now(now);
	__u64 start = s->wts;
	__u32 pid = s->wpid;
	s->wts = 0;
	if (!ks_track_fresh(start, t, KS_LAT_SOCK_WRITE))
		return;
	__u64 lat = t - start;
	__u32 netns = ks_sk_netns(sk);
	__u32 level = ks_lat_record(netns, KS_LAT_SOCK_WRITE, 0, lat);
	if (ks_lat_want_event(level))
		emit(sk, netns, KS_LAT_SOCK_WRITE, level, lat, pid);
}

SEC("tp_btf/net_dev_queue")
int BPF_PROG(ks_sock_net_dev_queue, struct sk_buff *skb)
{
	__u64 now = 0;
	sl_dev_queue(skb, &now);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ks_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	if (newstate != TCP_CLOSE_STATE || !sk)
		return 0;
	struct sock_slot *s = slot_of(ks_ptr_key(&ctx[0]));
	if (s) {
		s->sk = 0;
		s->rts = 0;
		s->wts = 0;
	}
	return 0;
}
