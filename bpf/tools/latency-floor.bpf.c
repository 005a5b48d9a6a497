// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Benchmark only (test/bench/latency.ts): one empty tp_btf program on every hook the latency
 * probes use (one per hook, as the probes run one program per hook since net_dev_queue and
 * sk_data_ready are shared: bpf/probes/latency_hooks.bpf.c). Its cost is the fixed price of
 * running a program on those hooks (tracepoint dispatch, the kernel's per-run bookkeeping), the
 * floor any latency probe built on them pays before doing any work. */
#include "floor.bpf.h"

/* kernellatency, netiftxlatency, socketlatency (the probes sharing hooks) */
EMPTY(net_dev_queue)
EMPTY(sk_data_ready)
EMPTY(netif_receive_skb)
EMPTY(net_dev_start_xmit)
EMPTY(net_dev_xmit)
EMPTY(sock_recv_length)
EMPTY(tcp_sendmsg_locked)
EMPTY(inet_sock_set_state)
/* net_softirq */
EMPTY(softirq_raise)
EMPTY(softirq_entry)
EMPTY(softirq_exit)
/* biolatency */
EMPTY(block_io_start)
EMPTY(block_io_done)
