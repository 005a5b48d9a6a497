/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kubeskoop-otel native wire protocol: the ONE definition of every record the BPF programs and
 * the helper write. Included by the BPF programs (with vmlinux.h) and by the helper (with
 * <linux/types.h>). The helper sends the layout of every struct below (offsetof/sizeof as the C
 * compiler sees them) in its hello frame; the TypeScript decoder checks its own table against it
 * before decoding anything, so a drift here is caught at start, not as garbage.
 *
 * Stream = sequence of records, each starting with struct ks_hdr. All integers little-endian
 * (x86_64/arm64 are LE; the helper refuses to run big-endian). Bump KS_PROTO_VERSION on any
 * incompatible change; bump a record's KS_*_V when its layout changes.
 */
#ifndef KS_PROTO_H
#define KS_PROTO_H

#define KS_PROTO_VERSION 1
/* bytes 'K','S' on the wire: lets the decoder re-synchronise after corruption */
#define KS_MAGIC 0x534b

enum ks_rec_type {
	KS_REC_TCP_RESET = 1,
	KS_REC_PACKET_DROP = 2,
	KS_REC_TCP_RETRANS = 3,
	KS_REC_LATENCY = 4, /* latency probes (socketlatency, kernellatency, netiftxlatency, ...) */
	KS_REC_CONNECT = 5, /* connections: a failed TCP connect */
	/* 6: dns records (bpf/include/ks_dns.h), read inside the helper, never on this stream */
	KS_REC_FLOW_DUMP = 7, /* flow: one batch of the flow map (bpf/include/ks_flow.h) */
	KS_REC_FLOW_READ = 8, /* flow: a cycle's read (new keys, changed counts, freed slots; ks_flow.h) */
	KS_REC_CLOCK = 16,
	/* JSON object payload after the header (hello, probe status, counters, error, bye) */
	KS_REC_JSON = 32,
};

#define KS_TCP_RESET_V	 1
#define KS_PACKET_DROP_V 1
#define KS_TCP_RETRANS_V 1
#define KS_LATENCY_V	 1
#define KS_CONNECT_V	 1
#define KS_CLOCK_V	 1
#define KS_JSON_V	 1

/* Common header. ts_ns is CLOCK_BOOTTIME (bpf_ktime_get_boot_ns): it keeps counting across
 * suspend, so one (boottime, realtime) pair converts it to wall-clock time. */
struct ks_hdr {
	__u16 magic;  /* KS_MAGIC */
	__u8 type;    /* enum ks_rec_type */
	__u8 version; /* layout version of this record type */
	__u32 len;    /* whole record incl. this header, bytes */
	__u64 ts_ns;  /* CLOCK_BOOTTIME ns when the event happened (0 on JSON frames) */
	__u32 netns;  /* network namespace inode (0 = unknown) */
	__u32 cpu;    /* CPU the event fired on */
};

enum ks_family { KS_FAMILY_NONE = 0, KS_FAMILY_IPV4 = 4, KS_FAMILY_IPV6 = 6 };

/* Addresses in network byte order (IPv4 in the first 4 bytes); ports in host order. */
struct ks_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 family;  /* enum ks_family */
	__u8 l4proto; /* IPPROTO_TCP / IPPROTO_UDP / ... ; 0 = unknown */
	__u16 _pad;
};

enum ks_reset_kind {
	KS_RESET_NOSOCK = 1,  /* sent, no socket (tcp_send_reset sk == NULL) */
	KS_RESET_ACTIVE = 2,  /* sent by a local socket aborting (skb == NULL) */
	KS_RESET_PROCESS = 3, /* sent while processing a segment for a socket (both set) */
	KS_RESET_RECEIVE = 4, /* received (tcp_receive_reset) */
};

/* Tuple orientation: source = the side that SENT the reset, destination = the side it is sent
 * to; for RECEIVE, source = the peer that sent it, destination = the local socket. */
struct ks_tcp_reset {
	struct ks_hdr hdr;
	struct ks_tuple tuple;
	__u32 reason; /* enum sk_rst_reason (0 on RECEIVE: the kernel gives none) */
	__u32 pid;    /* tgid of the current task (interrupted task in softirq context) */
	__u8 kind;    /* enum ks_reset_kind */
	__u8 state;   /* TCP state of the socket, 0 = no socket */
	__u16 _pad;
	char comm[16];
	__u32 _pad2;
};

/* Tuple as in the packet (source = packet's source). */
struct ks_packet_drop {
	struct ks_hdr hdr;
	struct ks_tuple tuple;
	__u64 location; /* kernel text address that freed the skb */
	__u32 reason;	/* enum skb_drop_reason (subsystem in the upper 16 bits) */
	__u32 ifindex;	/* skb->dev ifindex, else skb_iif, 0 = unknown */
};

/* Tuple oriented local -> remote. */
struct ks_tcp_retrans {
	struct ks_hdr hdr;
	struct ks_tuple tuple;
	__u8 state;
	__u8 _pad[3];
	__u32 _pad2;
};

/* Emitted by the helper (never by BPF): hdr.ts_ns = CLOCK_BOOTTIME sampled together with
 * realtime_ns (midpoint of two boottime reads around one realtime read). */
struct ks_clock {
	struct ks_hdr hdr;
	__u64 realtime_ns;
	__u64 monotonic_ns;
};

/* ---- in-kernel counters ---- */

/* Key of every probe's `counts` map (BPF_MAP_TYPE_PERCPU_HASH, value __u64 per CPU). */
struct ks_count_key {
	__u32 netns;
	__u16 domain; /* enum ks_count_domain */
	__u16 _pad;
	__u32 code;
};

enum ks_count_domain {
	/* code = drop reason (packetloss), kind << 16 | rst reason (tcpreset), tcp state (tcpretrans) */
	KS_DOMAIN_EVENTS = 1,
	/* code = enum ks_undelivered */
	KS_DOMAIN_UNDELIVERED = 2,
	/* latency probes (code = KS_LAT_CODE(metric, sub, slot), key.netns = the probe's scope key:
	 * namespace inode, CPU number (net_softirq) or device number (biolatency)) */
	KS_DOMAIN_LAT_HIST = 3,	 /* slot = bucket index into KS_LAT_BOUNDS_NS (last = +Inf) */
	KS_DOMAIN_LAT_SUM = 4,	 /* slot 0; the value is the sum of latencies in ns, not a count */
	KS_DOMAIN_LAT_SLOW = 5,	 /* slot = threshold index (0 = low, 1 = high): latency > threshold */
	KS_DOMAIN_LAT_TRACK = 6, /* slot = enum ks_track_loss; in-flight work not measured */
};

enum ks_undelivered {
	KS_UNDELIVERED_NETNS_RATE = 1,	/* per-namespace rate limit hit */
	KS_UNDELIVERED_GLOBAL_RATE = 2, /* probe-wide rate limit hit */
	KS_UNDELIVERED_RING_FULL = 3,	/* ring buffer reserve failed */
};

/* Index of every probe's `stats` map (BPF_MAP_TYPE_PERCPU_ARRAY, __u64). */
enum ks_stat {
	KS_STAT_HITS = 0,      /* hook ran and the event passed the filter (counted) */
	KS_STAT_IGNORED = 1,   /* filtered out (benign / configured ignore), not counted */
	KS_STAT_SUBMITTED = 2, /* records handed to the ring buffer */
	KS_STAT_NETNS_RATE = 3,
	KS_STAT_GLOBAL_RATE = 4,
	KS_STAT_RING_FULL = 5,
	KS_STAT_COUNT_MAP_FULL = 6, /* `counts` had no room: that count is lost (map size option) */
	KS_STAT_WAKEUPS = 7,	    /* forced ring-buffer wake-ups (watermark crossed) */
	KS_STAT_MAX = 8,
};

/* packetloss per-reason mode (`reason_mode` array, index = core reason) */
enum ks_reason_mode {
	KS_MODE_EVENT = 0, /* count and emit an event (default: zero-initialised array) */
	KS_MODE_COUNT = 1, /* count only */
	KS_MODE_IGNORE = 2,
};
#define KS_MAX_REASONS 1024

#define KS_UNLIMITED 0xffffffffu

/* ---- latency probes ---- */

enum ks_lat_metric {
	KS_LAT_SOCK_READ = 1,	  /* socketlatency: data readable -> application reads it */
	KS_LAT_SOCK_WRITE = 2,	  /* socketlatency: sendmsg -> first data segment at the device */
	KS_LAT_KERNEL_RX = 3,	  /* kernellatency: netif_receive_skb -> socket (sk_data_ready) */
	KS_LAT_KERNEL_TX = 4,	  /* kernellatency: TCP transmit (skb stamp) -> net_dev_queue */
	KS_LAT_QDISC = 5,	  /* netiftxlatency: net_dev_queue -> net_dev_start_xmit */
	KS_LAT_NETDEV = 6,	  /* netiftxlatency: net_dev_start_xmit -> net_dev_xmit */
	KS_LAT_SOFTIRQ_SCHED = 7, /* net_softirq: softirq_raise -> softirq_entry (sub = vector) */
	KS_LAT_SOFTIRQ_EXEC = 8,  /* net_softirq: softirq_entry -> softirq_exit (sub = vector) */
	KS_LAT_BIO = 9,		  /* biolatency: block_io_start -> block_io_done (sub = REQ_OP) */
	KS_LAT_VIRTCMD = 10,	  /* virtcmdlatency: virtnet_send_command_reply entry -> exit */
};

/* in-flight work that was never measured, per metric (KS_DOMAIN_LAT_TRACK slot) */
enum ks_track_loss {
	KS_TRACK_EVICTED = 1, /* its slot was taken by another object while it was still young */
	KS_TRACK_EXPIRED = 2, /* found older than the tracking age limit: completion never seen */
};

#define KS_LAT_CODE(metric, sub, slot) (((__u32)(metric) << 24) | ((__u32)((sub)&0xff) << 16) | ((slot)&0xffff))

/* Histogram bucket upper bounds (ns): bucket i counts latency <= bound[i] (and > bound[i-1]);
 * bucket KS_LAT_NBOUNDS counts the rest (+Inf). Thresholds 1 ms / 10 ms / 100 ms are bounds,
 * so threshold counts and histograms agree. The helper sends this list in its hello frame. */
#define KS_LAT_NBOUNDS 22
#define KS_LAT_BOUNDS_NS                                                                                               \
	{                                                                                                              \
		1000ull, 2000ull, 5000ull, 10000ull, 20000ull, 50000ull, 100000ull, 200000ull, 500000ull, 1000000ull,  \
			2000000ull, 5000000ull, 10000000ull, 20000000ull, 50000000ull, 100000000ull, 200000000ull,     \
			500000000ull, 1000000000ull, 2000000000ull, 5000000000ull, 10000000000ull                      \
	}

/* Histogram and sum of one (scope, metric, sub) of a latency probe. Kept in `lat_slots`, a
 * direct-mapped BPF_MAP_TYPE_PERCPU_ARRAY (struct ks_lat_slot; each CPU's copy of a slot is
 * claimed by the first key recorded into it there), with the PERCPU_HASH `lat` for keys whose
 * two candidate slots are taken. The helper's counter dump sums both per key and turns each key
 * into the KS_DOMAIN_LAT_HIST (non-zero buckets) and KS_DOMAIN_LAT_SUM entries of the `counts`
 * format. */
struct ks_lat_key {
	__u32 scope; /* namespace inode, CPU or device number */
	__u8 metric; /* enum ks_lat_metric */
	__u8 sub;
	__u16 _pad;
};

struct ks_lat_val {
	__u64 buckets[KS_LAT_NBOUNDS + 1];
	__u64 sum_ns;
};

#define KS_LAT_SLOTS 1024 /* entries of lat_slots, a power of two */
/* packed key of a lat_slots entry: scope | metric << 32 | sub << 40; 0 = free (metric >= 1) */
#define KS_LAT_PACK(scope, metric, sub) ((__u64)(scope) | ((__u64)(metric) << 32) | ((__u64)(sub) << 40))
struct ks_lat_slot {
	__u64 key;
	struct ks_lat_val v;
};
/* lat_used (ARRAY, one entry): bit i set once slot i is claimed on some CPU, so the helper's dump
 * reads only claimed slots instead of all KS_LAT_SLOTS x CPUs */
struct ks_lat_used {
	__u64 bits[KS_LAT_SLOTS / 64];
};

/* One record for every latency probe: a measurement above the probe's event threshold. */
struct ks_latency {
	struct ks_hdr hdr;
	struct ks_tuple tuple; /* socket (local -> remote) or packet tuple; zero when none */
	__u64 latency_ns;
	__u64 threshold_ns; /* the highest threshold it exceeded */
	__u64 stage_ns[2];  /* per-stage breakdown where hooks give stages (netif: qdisc, driver) */
	__u32 pid;	    /* task that owns the work (reader, sender, I/O issuer); 0 unknown */
	__u32 aux;	    /* ifindex (netif, kernel), device number (bio), CPU (softirq) */
	__u8 metric;	    /* enum ks_lat_metric */
	__u8 sub;	    /* softirq vector, block REQ_OP */
	__u8 level;	    /* 1 = above the low threshold, 2 = above the high one */
	__u8 _pad;
	__u32 bytes;   /* request bytes (bio), packet length (netif), 0 */
	char comm[16]; /* task comm, or the device name (netiftxlatency) */
};

/* ---- connections probe: connect outcomes per (namespace, role, peer, server port) ----
 * Kept in the probe's `peers` map (BPF_MAP_TYPE_HASH, atomic adds), read by the helper's
 * `connections <id>` command. Client keys: the destination address and server port (never the
 * ephemeral port); server keys: the listening port, address zero. */
enum ks_conn_role { KS_CONN_CLIENT = 1, KS_CONN_SERVER = 2 };

/* failure causes (error.type); index into ks_conn_val.failures */
enum ks_conn_err {
	KS_CONN_ERR_REFUSED = 0,	/* ECONNREFUSED: RST (or ICMP port unreachable) answered the SYN */
	KS_CONN_ERR_RESET = 1,		/* ECONNRESET */
	KS_CONN_ERR_TIMED_OUT = 2,	/* ETIMEDOUT: SYN retries exhausted */
	KS_CONN_ERR_HOST_UNREACH = 3,	/* EHOSTUNREACH (ICMP host unreachable, no neighbour) */
	KS_CONN_ERR_NET_UNREACH = 4,	/* ENETUNREACH (no route, unreachable route, ICMP net unreachable) */
	KS_CONN_ERR_ADDR_NOT_AVAIL = 5, /* EADDRNOTAVAIL: no free local port (ephemeral port exhaustion) */
	KS_CONN_ERR_CANCELED = 6,	/* the socket was closed by its owner while the handshake was pending */
	KS_CONN_ERR_OTHER = 7,
	KS_CONN_NERR = 8,
};

struct ks_conn_key {
	__u32 netns;
	__u16 port;    /* server port (client role) or listening port (server role), host order */
	__u8 family;   /* enum ks_family */
	__u8 role;     /* enum ks_conn_role */
	__u8 addr[16]; /* peer (server) address, network order; zero for the server role */
};

struct ks_conn_val {
	__u64 buckets[KS_LAT_NBOUNDS + 1]; /* handshake durations, KS_LAT_BOUNDS_NS (last = +Inf) */
	__u64 sum_ns;
	__u64 failures[KS_CONN_NERR];
	__u64 syn_retrans;   /* client: SYN retransmits; server: SYN-ACK retransmits */
	__u64 sync_failures; /* of the failures, those connect() returned before any SYN was sent */
};

/* A failed or slow TCP connect (connections probe). Tuple local -> remote; for a synchronous failure
 * (no socket state yet) only the destination is known. */
struct ks_connect {
	struct ks_hdr hdr;
	struct ks_tuple tuple;
	__u64 duration_ns; /* SYN_SENT -> failure, 0 for a synchronous failure */
	__u32 err;	   /* errno: sk_err, or connect()'s return value negated; 0 = closed by its owner */
	__u32 pid;	   /* current task (softirq: the interrupted one) */
	__u8 cause;	   /* enum ks_conn_err */
	__u8 sync;	   /* 1 = returned by connect() before any SYN left */
	__u8 slow;	   /* 1 = not a failure: a handshake that took longer than the slow threshold */
	__u8 _pad[5];
	char comm[16];
};

#endif
