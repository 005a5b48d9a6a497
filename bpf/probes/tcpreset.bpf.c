// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* tcpreset: every TCP reset sent or received, counted per namespace by kind and reason, with
 * rate-limited events. tp_btf only (no kprobes on this kernel family). tcp_send_reset carries
 * enum sk_rst_reason since Linux 6.10; on older kernels this object fails to load and the
 * helper reports the probe degraded with the verifier's message. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "ks_common.bpf.h"

static __always_inline void emit_reset(__u8 kind, const struct sock *sk, const struct sk_buff *skb, __u32 reason)
{
	__u64 now = bpf_ktime_get_boot_ns();
	/* the namespace of the socket; with no socket, that of the device the segment came in on */
	__u32 netns = sk ? ks_sk_netns(sk) : ks_skb_netns(skb);

	ks_stat(KS_STAT_HITS);
	ks_count(netns, KS_DOMAIN_EVENTS, ((__u32)kind << 16) | (reason & 0xffff));

	struct ks_tcp_reset *e = ks_reserve(netns, now, sizeof(*e));
	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	ks_fill_hdr(&e->hdr, KS_REC_TCP_RESET, KS_TCP_RESET_V, sizeof(*e), now, netns);
	e->kind = kind;
	e->reason = reason;
	if (sk) {
		e->state = BPF_CORE_READ(sk, __sk_common.skc_state);
		/* RECEIVE: the reset came from the peer, so peer -> local */
		ks_tuple_from_sk(sk, &e->tuple, kind == KS_RESET_RECEIVE);
	} else if (skb) {
		/* the reset answers this segment: its destination is the reset's source */
		ks_tuple_from_skb(skb, &e->tuple, true);
	}
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	ks_submit(e, sizeof(*e));
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(ks_tcp_send_reset, const struct sock *sk, const struct sk_buff *skb, int reason)
{
	__u8 kind = !sk ? KS_RESET_NOSOCK : (!skb ? KS_RESET_ACTIVE : KS_RESET_PROCESS);
	emit_reset(kind, sk, skb, (__u32)reason);
	return 0;
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(ks_tcp_receive_reset, struct sock *sk)
{
	emit_reset(KS_RESET_RECEIVE, sk, NULL, 0);
	return 0;
}
