/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dns probe's maps and record, shared by bpf/probes/dns.bpf.c and bpf/helper/dns.c.
 * A query the pod sends is remembered by (namespace, client port, DNS id, resolver, transport)
 * until its response comes back (latency and rcode computed in the kernel, so event order never
 * matters) or the helper sweeps it as a timeout.
 */
#ifndef KS_DNS_H
#define KS_DNS_H

#include "ks_proto.h"

#define KS_DNS_NAME_MAX	  128 /* bytes of the question name (wire format) kept for records */
#define KS_DNS_NAME_LIMIT 255 /* RFC 1035: a longer name is malformed */
#define KS_DNS_LABELS_MAX 128 /* a 255-byte name has at most 127 labels: the parse loop's bound */
#define KS_DNS_SUFFIX_MAX 16  /* search suffixes the kernel tests NXDOMAIN names against */
#define KS_DNS_SUFFIX_LEN 64  /* bytes of a suffix in wire format, terminator included */
/* FNV-1a 64 over the suffix's wire bytes, lowercased: the same in BPF and in the helper */
#define KS_DNS_FNV_OFFSET 0xcbf29ce484222325ull
#define KS_DNS_FNV_PRIME  0x100000001b3ull
#define KS_REC_DNS	  6
#define KS_DNS_V	  1

struct ks_dns_qkey {
	__u32 netns;	   /* inode of the device's network namespace (the pod's) */
	__u8 resolver[16]; /* the server the query went to, network order; IPv4 in the first 4 bytes */
	__u16 cport;	   /* the pod's (client) port */
	__u16 id;	   /* DNS message id */
	__u8 family;	   /* 4 or 6 */
	__u8 proto;	   /* IPPROTO_UDP / IPPROTO_TCP */
	__u16 pad;
};

struct ks_dns_pending {
	__u64 ts;      /* bpf_ktime_get_boot_ns() when the query left */
	__u64 cgroup;  /* the sending socket's cgroup v2 id (cgroup_netns= namespace only; else 0) */
	__u32 ifindex; /* interface it left by */
	__u16 qtype;
	__u8 namelen; /* bytes of name[] used (wire format, the terminating 0 included if it fits) */
	__u8 flags;   /* KS_DNS_F_* */
	__u8 name[KS_DNS_NAME_MAX];
};

/* one series: per (namespace, resolver, question type, rcode, transport) */
struct ks_dns_key {
	__u32 netns;
	__u8 resolver[16];
	__u16 qtype;
	__u8 rcode; /* 0..15 (the header's RCODE) */
	__u8 family;
	__u8 proto;
	__u8 pad[3];
	__u32 pad2; /* named, so the key's initializer zeroes it: no hole before cgroup */
	/* the query's socket's cgroup v2 id: set only in the cgroup_netns= namespace (the node's),
	 * where hostNetwork pods share one namespace and the cgroup tells them apart; else 0 */
	__u64 cgroup;
};

/* per CPU; latency histogram on KS_LAT_BOUNDS_NS (last = +Inf) */
struct ks_dns_val {
	__u64 count;
	__u64 sum_ns;
	__u64 truncated; /* responses with the TC bit */
	__u64 buckets[KS_LAT_NBOUNDS + 1];
};

#define KS_DNS_F_TRUNCATED 1 /* response: TC bit */
#define KS_DNS_F_SLOW	   2 /* latency >= the slow threshold */
#define KS_DNS_F_NAME_CUT  4 /* the name is longer than KS_DNS_NAME_MAX: name[] holds its start */

/* ring record: a response that failed (rcode != 0), was truncated or slow */
struct ks_dns_rec {
	struct ks_hdr hdr;
	__u8 resolver[16];
	__u64 latency_ns;
	__u32 ifindex;
	__u16 cport;
	__u16 id;
	__u16 qtype;
	__u8 rcode;
	__u8 family;
	__u8 proto;
	__u8 flags;
	__u8 namelen;
	__u8 pad;
	__u8 name[KS_DNS_NAME_MAX];
};

/* answered questions per (namespace, name): the agent keeps a bounded set of names per pod */
struct ks_dns_nkey {
	__u32 netns;
	__u32 pad;
	__u64 hash; /* FNV-1a of the name's wire bytes kept (case folded with | 0x20) */
};

struct ks_dns_nval {
	__u64 count; /* responses matched to a query for this name */
	__u8 namelen;
	__u8 flags; /* KS_DNS_F_NAME_CUT */
	__u8 pad[6];
	__u8 name[KS_DNS_NAME_MAX];
};

/* codes of the namespace's `counts` entries (domain KS_DOMAIN_EVENTS): exact per namespace */
enum ks_dns_count {
	KS_DNS_C_QUERY_UDP = 1,	   /* queries sent over UDP */
	KS_DNS_C_QUERY_TCP = 2,	   /* queries sent over TCP (after a truncated answer, or by choice) */
	KS_DNS_C_MALFORMED = 3,	   /* port-53 packets not parsed: short, qdcount != 1, compression or
				      bad label in the question, name over 255 bytes */
	KS_DNS_C_UNMATCHED = 4,	   /* responses with no pending query (late after a sweep, or never seen) */
	KS_DNS_C_RETRANSMIT = 5,   /* a query sent again with the same key: the first send is kept */
	KS_DNS_C_PENDING_FULL = 6, /* query not tracked: the pending map is full */
	KS_DNS_C_SEARCH_NX = 7,	   /* NXDOMAIN answers for a name with a configured search suffix */
};

enum ks_dns_stat {
	KS_DNS_ST_RESERVED = 0,
	KS_DNS_ST_MAX,
};

#endif
