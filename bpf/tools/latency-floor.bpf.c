// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Benchmark only (test/bench/latency.ts): one empty tp_btf program for every program of the
 * latency probes, on the same hooks. Its cost is the fixed price of running a program on those
 * hooks (tracepoint dispatch, the kernel's per-run bookkeeping), the floor any latency probe
 * built on them pays before doing any work. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(hook, name)                                                                                              \
	SEC("tp_btf/" #hook)                                                                                           \
	int BPF_PROG(floor_##name)                                                                                     \
	{                                                                                                              \
		return 0;                                                                                              \
	}

/* socketlatency */
EMPTY(sk_data_ready, sl_data_ready)
EMPTY(sock_recv_length, sl_recv_length)
EMPTY(tcp_sendmsg_locked, sl_sendmsg)
EMPTY(net_dev_queue, sl_dev_queue)
EMPTY(inet_sock_set_state, sl_set_state)
/* netiftxlatency */
EMPTY(net_dev_queue, nt_queue)
EMPTY(net_dev_start_xmit, nt_start_xmit)
EMPTY(net_dev_xmit, nt_xmit)
/* net_softirq */
EMPTY(softirq_raise, si_raise)
EMPTY(softirq_entry, si_entry)
EMPTY(softirq_exit, si_exit)
/* biolatency */
EMPTY(block_io_start, bio_start)
EMPTY(block_io_done, bio_done)
/* kernellatency */
EMPTY(netif_receive_skb, kl_receive_skb)
EMPTY(sk_data_ready, kl_data_ready)
EMPTY(net_dev_queue, kl_dev_queue)
