// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Benchmark only (test/bench/latency.ts): the least work a latency measurement can do on each
 * hook that kernellatency, netiftxlatency and socketlatency use, one program per hook: read the
 * clock once and add it to a per-CPU array (no key, no tracking table, no histogram). Any probe
 * that times something on these hooks pays at least this much per run: set against the empty
 * programs (latency-floor.bpf.c) in the same rounds it shows how close to the empty floor a real
 * probe can get on this kernel and clock source. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} acc SEC(".maps");

#define MINWORK(hook)                                                                                                  \
	SEC("tp_btf/" #hook)                                                                                           \
	int BPF_PROG(minwork_##hook)                                                                                   \
	{                                                                                                              \
		__u32 zero = 0;                                                                                        \
		__u64 *v = bpf_map_lookup_elem(&acc, &zero);                                                           \
		if (v)                                                                                                 \
			*v += bpf_ktime_get_ns();                                                                      \
		return 0;                                                                                              \
	}

MINWORK(net_dev_queue)
MINWORK(sk_data_ready)
MINWORK(netif_receive_skb)
MINWORK(net_dev_start_xmit)
MINWORK(net_dev_xmit)
MINWORK(sock_recv_length)
MINWORK(tcp_sendmsg_locked)
MINWORK(inet_sock_set_state)
