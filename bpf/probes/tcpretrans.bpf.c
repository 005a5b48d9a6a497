// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* tcpretrans: successful TCP retransmissions counted per namespace by TCP state (like
 * TcpRetransSegs, which also counts only successes), with rate-limited events. The tracepoint
 * has carried `err` since Linux 6.9; failed attempts (err != 0) are ignored. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>
#include "ks_common.bpf.h"

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(ks_tcp_retransmit_skb, const struct sock *sk, const struct sk_buff *skb, int err)
{
	if (err != 0 || !sk) {
		ks_stat(KS_STAT_IGNORED);
		return 0;
	}
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 netns = ks_sk_netns(sk);
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	ks_stat(KS_STAT_HITS);
	ks_count(netns, KS_DOMAIN_EVENTS, state);

	struct ks_tcp_retrans *e = ks_reserve(netns, now, sizeof(*e));
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	ks_fill_hdr(&e->hdr, KS_REC_TCP_RETRANS, KS_TCP_RETRANS_V, sizeof(*e), now, netns);
	e->state = state;
	ks_tuple_from_sk(sk, &e->tuple, false);
	ks_submit(e, sizeof(*e));
	return 0;
}
