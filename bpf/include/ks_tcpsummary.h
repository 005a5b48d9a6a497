/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcpsummary: TCP connection counts per state and queued bytes per network namespace, from ONE
 * walk of every TCP established hash table (the global one and any per-namespace one made with
 * net.ipv4.tcp_child_ehash_entries), instead of one /proc/<pid>/net/tcp read per namespace,
 * each of which walks the whole global table (262144 buckets with 24 GiB: 3.3 ms).
 * Shared by bpf/probes/tcpsummary.bpf.c and bpf/helper/tcpsummary.c.
 */
#ifndef KS_TCPSUMMARY_H
#define KS_TCPSUMMARY_H

#define KS_TCPSUM_NSTATES 16

/* Value of the `agg` map (key: netns inode). `run` = the walk that last wrote it: the helper
 * reads only entries of the current run, and deletes the others (namespaces gone). */
struct ks_tcpsum_val {
	__u32 run;
	__u32 states[KS_TCPSUM_NSTATES]; /* index = TCP state as /proc/net/tcp prints it (st) */
	__u32 _pad;
	__u64 rx_queue; /* sum over non-LISTEN sockets of max(rcv_nxt - copied_seq, 0) */
	__u64 tx_queue; /* sum of write_seq - snd_una */
};

/* .bss stats, index */
enum ks_tcpsum_stat {
	KS_TCPSUM_TABLES = 0,  /* hash tables walked this run */
	KS_TCPSUM_BUCKETS = 1, /* buckets scanned */
	KS_TCPSUM_SOCKETS = 2, /* sockets visited */
	KS_TCPSUM_RESERVED = 3,
	KS_TCPSUM_READ_ERR = 4,	 /* kernel reads that failed (a socket freed under the walk) */
	KS_TCPSUM_AGG_FULL = 5,	 /* namespaces that did not fit the agg map */
	KS_TCPSUM_STEPS_CUT = 6, /* a walk stopped at the bpf_loop limit */
	KS_TCPSUM_TASKS = 7,	 /* processes looked at (to find per-namespace tables) */
	KS_TCPSUM_NSTATS = 8,
};

#define KS_TCPSUM_AGG_ENTRIES 16384

#endif
