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
	KS_TCPSUM_TABLES = 0,	 /* hash tables walked this run */
	KS_TCPSUM_BUCKETS = 1,	 /* buckets scanned */
	KS_TCPSUM_SOCKETS = 2,	 /* sockets visited */
	KS_TCPSUM_LISTENERS = 3, /* listening sockets visited (peers mode) */
	KS_TCPSUM_READ_ERR = 4,	 /* kernel reads that failed (a socket freed under the walk) */
	KS_TCPSUM_AGG_FULL = 5,	 /* namespaces that did not fit the agg map */
	KS_TCPSUM_STEPS_CUT = 6, /* a walk stopped at the bpf_loop limit */
	KS_TCPSUM_TASKS = 7,	 /* processes looked at (to find per-namespace tables) */
	KS_TCPSUM_PEER_FULL = 8, /* peer or listener keys that did not fit their map */
	KS_TCPSUM_NSTATS = 9,
};

#define KS_TCPSUM_AGG_ENTRIES 16384

/*
 * Per-peer TCP health (`tcpsummary <id> peers`): the same walk also aggregates every socket by
 * (namespace, peer address, server port, role) and every listener by (namespace, port).
 * Role: which side is the server is not kept by the kernel for an established socket. The
 * listening hash is walked first: a listener on the socket's own port (in its namespace) makes it
 * the server side; one on the peer's port (a connection inside the namespace) the client side;
 * else the side with the lower port is taken as the server (flow's rule without a SYN), so an
 * ephemeral port is not a key. IPv4-mapped IPv6 sockets count as IPv4.
 */
#define KS_TCPSUM_RTT_BUCKETS	 23    /* KS_LAT_NBOUNDS + 1 (+Inf): the latency probes' bounds */
#define KS_TCPSUM_PEER_ENTRIES	 16384 /* overflow of peer_slots */
#define KS_TCPSUM_LISTEN_ENTRIES 16384

struct ks_tcpsum_peer_key {
	__u32 netns;
	__u16 port;    /* the server port: this side's when role = server, else the peer's */
	__u8 family;   /* 4, 6 */
	__u8 role;     /* 1 = this side connected (client), 2 = the peer connected to it (server) */
	__u8 addr[16]; /* the peer's address (IPv4 in the first 4 bytes) */
};

/* Ordered so that a socket's sums sit next to the key in a slot (the first two cache lines of a
 * 64-byte-aligned ks_tcpsum_peer_slot), then the state counts, then the histogram. */
struct ks_tcpsum_peer_val {
	__u32 run;
	__u32 full;	   /* full sockets (not timewait, not request) */
	__u32 rtt_sockets; /* full sockets with an RTT sample (srtt > 0) */
	__u32 srtt_min_us;
	__u32 srtt_max_us;
	__u32 min_rtt_us; /* min over sockets of the kernel's windowed min RTT (tcpi_min_rtt) */
	__u64 srtt_sum_us;
	__u64 rttvar_sum_us;
	__u64 segs_out;	     /* segments sent, retransmits included (tcpi_segs_out) */
	__u64 total_retrans; /* segments retransmitted (tcpi_total_retrans) */
	__u64 lost_out;	     /* segments now presumed lost (tcpi_lost): a level, not kept at close */
	__u64 bytes_acked;
	__u64 bytes_received;
	__u64 busy_us;			 /* tcpi_busy_time: time with data in flight, the limited times included */
	__u64 rwnd_us;			 /* tcpi_rwnd_limited: sending stopped by the peer's receive window */
	__u64 sndbuf_us;		 /* tcpi_sndbuf_limited: sending stopped by this side's send buffer */
	__u32 states[KS_TCPSUM_NSTATES]; /* every socket, by state as /proc/net/tcp prints it */
	__u32 rtt_hist[KS_TCPSUM_RTT_BUCKETS]; /* smoothed RTT of each full socket with a sample */
	__u32 _pad;
};

/*
 * Where the walk aggregates peers: `peer_slots`, an open-addressing table in a plain array
 * (BPF_F_MMAPABLE: the helper reads it through a mapping, without a syscall per entry). A key's
 * home slot is a multiplicative hash of the key; a key takes the first slot on its probe sequence
 * (at most KS_TCPSUM_PEER_PROBES slots from home) that holds it or is not yet of this run. One
 * computed address per socket instead of the hash map's bucket, element and key compare (at 50k
 * peers the table misses the cache and each of those was a dependent miss). A key that finds no
 * slot goes to the `peers` hash (overflow), which the helper reports the same way.
 */
#define KS_TCPSUM_PEER_SLOTS	 65536 /* power of two */
#define KS_TCPSUM_PEER_PROBES	 16
#define KS_TCPSUM_PEER_SLOT_SIZE 320

struct ks_tcpsum_peer_slot {
	struct ks_tcpsum_peer_key k;
	struct ks_tcpsum_peer_val v; /* v.run = the run the slot is of */
	__u8 _pad[32];		     /* 320 bytes, 5 whole cache lines: slots stay 64-byte aligned */
};
_Static_assert(sizeof(struct ks_tcpsum_peer_slot) == KS_TCPSUM_PEER_SLOT_SIZE, "peer slot size");

struct ks_tcpsum_listen_key {
	__u32 netns;
	__u16 port;
	__u8 family; /* 4, 6; 0 = a listener of either family (the role test's one lookup) */
	__u8 _pad;
};

struct ks_tcpsum_listen_val {
	__u32 run;
	__u32 sockets;	   /* listening sockets on the port (SO_REUSEPORT groups, one per address) */
	__u32 backlog;	   /* sk_ack_backlog: connections established, not yet accepted */
	__u32 max_backlog; /* sk_max_ack_backlog: listen()'s backlog, capped by net.core.somaxconn */
};

/*
 * Close-time capture (peers mode): a full socket's transition to CLOSE (tp_btf
 * inet_sock_set_state) adds its final counters to `closed` under the same key as the walk's, so
 * the agent reports closed + live = counters over every connection, short ones included. The same
 * map counts retransmitted segments by cause as they are sent (tp_btf tcp_retransmit_skb and
 * tcp_retransmit_synack), live and closed connections alike. An LRU map: a key not updated for
 * long is evicted when the map is full (counted by the helper as created - present).
 */
#define KS_TCPSUM_CLOSED_ENTRIES 65536

enum ks_tcpsum_retrans_cause {
	KS_RETRANS_TIMEOUT = 0, /* in the Loss state: the retransmission timer (RTO) fired */
	KS_RETRANS_FAST = 1,	/* in Recovery / CWR: duplicate ACKs, SACK, RACK */
	KS_RETRANS_TLP = 2,	/* outside recovery: the tail-loss probe (the only such retransmit) */
	KS_RETRANS_SYN = 3,	/* a SYN (SYN_SENT) or a SYN-ACK (request socket) */
	KS_RETRANS_NCAUSES = 4,
};

struct ks_tcpsum_closed_val {
	__u64 closes;	     /* connections closed after being established */
	__u64 segs_out;	     /* their final tcpi_segs_out (every full socket that closed) */
	__u64 total_retrans; /* final tcpi_total_retrans */
	__u64 bytes_acked;
	__u64 bytes_received;
	__u64 busy_us; /* final tcpi_busy_time, the limited times included */
	__u64 rwnd_us;
	__u64 sndbuf_us;
	__u64 retrans[KS_RETRANS_NCAUSES]; /* segments retransmitted, by cause, as they were sent */
};

#endif
