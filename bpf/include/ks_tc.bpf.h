/* What the tc programs (flow, dns) read the same way from a packet at the tcx hook. */
#pragma once

/* the link-layer header's length: 14 on Ethernet, 0 on tun/wireguard/ipip devices (at tc the
 * data starts at the MAC header in both directions, wherever the device puts it) */
static __always_inline __u32 ks_tc_l3_offset(struct sk_buff *kskb)
{
	return (__u32)(kskb->network_header - kskb->mac_header) & 63;
}

/* the network namespace of the packet's device */
static __always_inline __u32 ks_tc_netns(struct sk_buff *kskb)
{
	return kskb->dev->nd_net.net->ns.inum;
}

/* a port (network byte order) at p: l4 + 0 is the source, l4 + 2 the destination */
static __always_inline __u16 ks_be16(const __u8 *p)
{
	return (__u16)p[0] << 8 | p[1];
}
