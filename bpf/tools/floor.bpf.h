/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/* Benchmark only: what every floor program of test/bench shares. EMPTY(hook) is an empty tp_btf
 * program on that hook, named floor_<hook>: the fixed price of running a program there (dispatch, the
 * kernel's per-run bookkeeping), the floor a probe on the hook pays before doing any work. */
#ifndef KS_FLOOR_BPF_H
#define KS_FLOOR_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define EMPTY(hook)                                                                                                    \
	SEC("tp_btf/" #hook)                                                                                           \
	int BPF_PROG(floor_##hook)                                                                                     \
	{                                                                                                              \
		return 0;                                                                                              \
	}

#endif
