// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Benchmark only (test/bench/connections.ts): one empty program on each hook of the connections
 * probe (bpf/probes/connections.yaml), of the same kind (tp_btf, or a syscall tracepoint). Its
 * cost is the fixed price of running a program there (dispatch, the kernel's per-run
 * bookkeeping), the floor the probe pays before doing any work; loaded by ksotel-bpfattach like
 * the latency probes' floor (latency-floor.bpf.c). */
#include "floor.bpf.h"

EMPTY(inet_sock_set_state)
EMPTY(inet_sk_error_report)
EMPTY(tcp_retransmit_skb)
EMPTY(tcp_retransmit_synack)

SEC("tp/syscalls/sys_enter_connect")
int floor_sys_enter_connect(void *ctx)
{
	return 0;
}

SEC("tp/syscalls/sys_exit_connect")
int floor_sys_exit_connect(void *ctx)
{
	return 0;
}
