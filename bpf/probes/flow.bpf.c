// SPDX-License-Identifier: Apache-2.0
/*
 * flow: bytes and packets per (pod namespace, interface, direction, peer, server port, transport),
 * IPv4 and IPv6, counted in a tc program on each pod's interface (tcx link, first in the chain).
 * Both programs return TCX_NEXT (= TC_ACT_UNSPEC): counting never changes a packet's fate and a
 * CNI's own programs (tcx or clsact) still run after us and decide.
 *
 * ks_flow_rx: the pod receives (peer = source);  ks_flow_tx: the pod transmits (peer = destination).
 * Inside the pod: rx on ingress, tx on egress. On the host-side veth the helper swaps them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ks_flow.h"
#include "ks_tc.bpf.h"

#define ETH_P_IP    0x0800
#define ETH_P_IPV6  0x86DD
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCX_NEXT    -1

char LICENSE[] SEC("license") = "GPL";

const volatile __u8 ks_port_in_key = 1; /* KubeSkoop's enablePortInLabel */
const volatile __u8 ks_empty = 0;	/* benchmark floor: the same hook and dispatch, no work */
/* benchmark only, where the time goes: 1 = stop after reading the namespace, 2 = after building
 * the key (no map update) */
const volatile __u8 ks_stop = 0;
__u64 ks_gen; /* written by the helper before each dump */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 65536); /* resized by the helper (entries option) */
	__type(key, struct ks_flow_key);
	__type(value, struct ks_flow_val);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct ks_flow_srv);
	__type(value, __u8);
} servers SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KS_FLOW_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
} flow_stats SEC(".maps");

extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

static __always_inline void stat_inc(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&flow_stats, &i);
	if (v)
		*v += 1; /* per-CPU slot, no atomic needed */
}

static __always_inline bool srv_known(const __u8 *addr, __u16 port, __u8 family)
{
	struct ks_flow_srv s = {.port = port, .family = family};
	__builtin_memcpy(s.addr, addr, 16);
	return bpf_map_lookup_elem(&servers, &s) != NULL;
}

static __always_inline int count(struct __sk_buff *skb, __u8 dir)
{
	if (ks_empty)
		return TCX_NEXT;
	struct ks_flow_key k = {};
	struct sk_buff *kskb = bpf_cast_to_kern_ctx(skb);
	k.netns = ks_tc_netns(kskb);
	if (ks_stop == 1) {
		volatile __u32 sink = k.netns; /* the read must stay */
		(void)sink;
		return TCX_NEXT;
	}
	__u32 l3 = ks_tc_l3_offset(kskb);
	k.ifindex = skb->ifindex;
	k.dir = dir;
	__u8 saddr[16] = {}, daddr[16] = {};
	__u16 sport = 0, dport = 0;
	__u8 flags = 0;
	bool ports = false;
	__u32 l4off = 0;
	/* direct packet access where the headers are in the linear part (always on veth); else copies */
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ipc, *ip = data + l3;
		if ((void *)(ip + 1) > end) {
			if (bpf_skb_load_bytes(skb, l3, &ipc, sizeof(ipc)) < 0)
				goto short_hdr;
			ip = &ipc;
		}
		k.family = 4;
		k.proto = ip->protocol;
		__builtin_memcpy(saddr, &ip->saddr, 4);
		__builtin_memcpy(daddr, &ip->daddr, 4);
		/* ports only in the first fragment */
		if (!(ip->frag_off & bpf_htons(0x1fff)))
			l4off = l3 + (ip->ihl & 0xf) * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6c, *ip6 = data + l3;
		if ((void *)(ip6 + 1) > end) {
			if (bpf_skb_load_bytes(skb, l3, &ip6c, sizeof(ip6c)) < 0)
				goto short_hdr;
			ip6 = &ip6c;
		}
		k.family = 6;
		k.proto = ip6->nexthdr; /* extension headers are not walked: counted without ports */
		__builtin_memcpy(saddr, &ip6->saddr, 16);
		__builtin_memcpy(daddr, &ip6->daddr, 16);
		l4off = l3 + 40;
	} else {
		/* not IP (ARP, LLDP…): counted per ethertype so the totals match the device's */
		k.port = bpf_ntohs(skb->protocol);
		goto add;
	}
	if (l4off && (k.proto == IPPROTO_TCP || k.proto == IPPROTO_UDP)) {
		__u8 l4c[14], *l4 = data + l4off;
		if ((void *)(l4 + 14) > end) {
			/* short segment or non-linear headers: copy (UDP needs only its 4 port bytes) */
			if (bpf_skb_load_bytes(skb, l4off, l4c, k.proto == IPPROTO_TCP ? 14 : 4) < 0) {
				stat_inc(KS_FLOW_ST_SHORT);
				goto ports_done;
			}
			l4 = l4c;
		}
		sport = ks_be16(l4);
		dport = ks_be16(l4 + 2);
		if (k.proto == IPPROTO_TCP)
			flags = l4[13];
		ports = true;
	}
ports_done:
	if (dir == KS_FLOW_RX) {
		__builtin_memcpy(k.peer, saddr, 16);
		__builtin_memcpy(k.local, daddr, 16);
	} else {
		__builtin_memcpy(k.peer, daddr, 16);
		__builtin_memcpy(k.local, saddr, 16);
	}
	if (ports) {
		/* which port is the server's: TCP by who sent the SYN, UDP by the lower port */
		bool dst_is_server;
		if (k.proto == IPPROTO_TCP) {
			if ((flags & 0x12) == 0x02) { /* SYN without ACK: the receiver is the server */
				struct ks_flow_srv s = {.port = dport, .family = k.family};
				__builtin_memcpy(s.addr, daddr, 16);
				__u8 one = 1;
				bpf_map_update_elem(&servers, &s, &one, BPF_ANY);
				dst_is_server = true;
			} else if (srv_known(daddr, dport, k.family)) {
				dst_is_server = true;
			} else if (srv_known(saddr, sport, k.family)) {
				dst_is_server = false;
			} else {
				stat_inc(KS_FLOW_ST_GUESS);
				dst_is_server = dport <= sport;
			}
		} else {
			dst_is_server = dport <= sport;
		}
		/* the peer is the server when the packet goes to it (tx) or comes from it (rx) */
		k.peer_server = (dir == KS_FLOW_TX) == dst_is_server;
		if (ks_port_in_key)
			k.port = dst_is_server ? dport : sport;
	}
	goto add;
short_hdr:
	stat_inc(KS_FLOW_ST_SHORT);
add:
	if (ks_stop == 2) {
		/* keep the key's stores: a volatile read of it, no map work */
		volatile __u32 sink = k.netns ^ k.ifindex ^ k.port ^ k.peer[3] ^ k.local[3];
		(void)sink;
		return TCX_NEXT;
	}
	struct ks_flow_val *v = bpf_map_lookup_elem(&flows, &k);
	if (v) {
		v->packets += 1;
		v->bytes += skb->len;
		v->gen = ks_gen;
	} else {
		struct ks_flow_val nv = {.packets = 1, .bytes = skb->len, .gen = ks_gen};
		if (bpf_map_update_elem(&flows, &k, &nv, BPF_NOEXIST) == 0)
			stat_inc(KS_FLOW_ST_NEW);
		else if ((v = bpf_map_lookup_elem(&flows, &k))) {
			/* another CPU inserted it first */
			v->packets += 1;
			v->bytes += skb->len;
			v->gen = ks_gen;
		} else
			stat_inc(KS_FLOW_ST_FULL);
	}
	return TCX_NEXT;
}

SEC("tc")
int ks_flow_rx(struct __sk_buff *skb)
{
	return count(skb, KS_FLOW_RX);
}

SEC("tc")
int ks_flow_tx(struct __sk_buff *skb)
{
	return count(skb, KS_FLOW_TX);
}
