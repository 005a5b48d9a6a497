/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flow probe's map layout, shared by bpf/probes/flow.bpf.c and bpf/helper/flow.c.
 * One entry per (namespace, interface, direction, peer, server port, transport): never the
 * ephemeral port, so 10,000 short connections to one server are one entry.
 */
#ifndef KS_FLOW_H
#define KS_FLOW_H

#include "ks_proto.h"

/* direction, as the pod sees it (a host-side veth attachment swaps the programs) */
#define KS_FLOW_RX 0
#define KS_FLOW_TX 1

struct ks_flow_key {
	__u32 netns;	  /* inode of the device's network namespace */
	__u32 ifindex;	  /* device the packet crossed (in that namespace) */
	__u8 peer[16];	  /* the other side's address, network order; IPv4 in the first 4 bytes */
	__u8 local[16];	  /* the pod's own address in the packet (KubeSkoop's src/dst need both ends) */
	__u16 port;	  /* server port (0: port not in the key, or no ports); non-IP: the ethertype */
	__u8 dir;	  /* KS_FLOW_RX / KS_FLOW_TX */
	__u8 proto;	  /* IPPROTO_*; 0 for non-IP */
	__u8 family;	  /* 4, 6, 0 = not IP */
	__u8 peer_server; /* 1: the port is the peer's (the pod is the client); 0: the pod's own */
	__u8 owner;	  /* KS_FLOW_OWNER_*: what netns holds */
	__u8 _pad;
};

/* netns of a key: a namespace's inode (tc programs); or, counted by the cgroup_skb programs of a
 * hostNetwork pod, the low 32 bits of that pod's cgroup v2 id (ifindex: a node device, lo too) */
#define KS_FLOW_OWNER_NETNS  0
#define KS_FLOW_OWNER_CGROUP 1

/*
 * The counters live in an mmap-able array indexed by a slot id (flow_cnt); the hash `flow_slot`
 * (key → slot id) is touched only when a flow is new. A new flow takes a slot id from the free ring
 * (flow_free, filled and refilled by the helper), writes its key into flow_keys[slot] and then
 * `pos` (the ring position + 1, KS_FLOW_DEAD when another CPU made the same key first): the helper
 * announces a slot once its pos is set, so each cycle it reads the counters (a memcpy of the
 * mapping) and the keys of new slots only.
 */
struct ks_flow_cnt {
	__u64 packets;
	__u64 bytes;
};

#define KS_FLOW_DEAD (1ULL << 63)

struct ks_flow_slotkey {
	struct ks_flow_key key;
	__u64 pos; /* 0: not (yet) allocated; ring position + 1 when the key is complete; | KS_FLOW_DEAD */
};

/* a server endpoint seen in a SYN: decides which port of later segments is the server's */
struct ks_flow_srv {
	__u8 addr[16];
	__u16 port;
	__u8 family;
	__u8 pad[5];
};

enum ks_flow_stat {
	KS_FLOW_ST_RESERVED = 0, /* (was program runs: bpf_stats run_cnt says it, at no per-packet cost) */
	KS_FLOW_ST_NEW,		 /* keys given a slot */
	KS_FLOW_ST_FULL,	 /* packets of a new key that found no free slot (not counted) */
	KS_FLOW_ST_SHORT,	 /* IP packet whose headers could not be read (counted without ports) */
	KS_FLOW_ST_GUESS,	 /* TCP segment of a connection whose SYN was not seen: lower port taken */
	KS_FLOW_ST_MAX,
};

/*
 * The helper's map dump (`flow <id> dump`) is binary: frames of one struct ks_flow_dump followed by
 * `count` struct ks_flow_entry (one per map batch, per-CPU values summed in the helper), then the
 * JSON answer, whose "gen" is the frames' gen. The agent decodes them with the layout bpf/gen reads
 * from this file (LAYOUTS.flow_dump, LAYOUTS.flow_entry), checked against the helper's at start.
 */
#define KS_FLOW_DUMP_V 1

struct ks_flow_dump {
	struct ks_hdr hdr; /* hdr.len = this header + count entries */
	__u64 gen;	   /* the dump's generation (the JSON answer's "gen") */
	__u32 count;	   /* struct ks_flow_entry that follow */
	__u32 _pad;
};

struct ks_flow_entry {
	struct ks_flow_key key;
	__u64 packets; /* summed over CPUs */
	__u64 bytes;
};

/*
 * The agent's cycle read (`flow <id> read`): frames of one struct ks_flow_read followed by `count`
 * items of its kind, then the JSON answer (same gen). KS_FLOW_READ_KEYS: struct ks_flow_newkey
 * (a slot announced once, when its flow is new); KS_FLOW_READ_COUNTS: struct ks_flow_count (a slot
 * whose counters moved since the previous read, cumulative); KS_FLOW_READ_FREED: __u32 slot ids
 * the helper took back (idle past the TTL, evicted when the map was nearly full, or their
 * namespace detached), padded to 8 bytes.
 */
#define KS_FLOW_READ_V	    1
#define KS_FLOW_READ_KEYS   1
#define KS_FLOW_READ_COUNTS 2
#define KS_FLOW_READ_FREED  3

struct ks_flow_read {
	struct ks_hdr hdr;
	__u64 gen;
	__u32 kind;
	__u32 count;
};

struct ks_flow_newkey {
	__u32 slot;
	__u32 _pad;
	struct ks_flow_key key;
};

struct ks_flow_count {
	__u32 slot;
	__u32 _pad;
	__u64 packets;
	__u64 bytes;
};

#endif
