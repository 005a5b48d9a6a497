// SPDX-License-Identifier: Apache-2.0
/* Test only: a CNI-like tc program that redirects every IPv4 packet to ifindex 50 of its namespace
 * (test/probes/flow.test.ts makes a veth with that index there), to show the flow probe still counts
 * what such a program takes away. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tc")
int redirect_all(struct __sk_buff *skb)
{
	/* IPv4 only: ARP must still be answered for the sender to send at all */
	if (skb->protocol != __builtin_bswap16(0x0800))
		return 0; /* TC_ACT_OK */
	return bpf_redirect(50, 0);
}

char LICENSE[] SEC("license") = "GPL";
