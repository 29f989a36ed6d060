/* SPDX-License-Identifier: GPL-2.0 */
/*
 * socket.h - a device's UDP sockets and sending to peers.
 *
 *   mt_socket_open()                 bind the IPv4 and IPv6 sockets (port 0:
 *                                    any free port, the same for both)
 *   mt_socket_close()                close them
 *   mt_socket_prepare()              bind a new pair without using it yet
 *   mt_socket_install()              replace the device's sockets by a pair
 *   mt_socket_discard()              close a pair never installed
 *   mt_socket_send_skb_to_peer()     send an encrypted message to a peer's
 *                                    endpoint, marked with the fwmark
 *   mt_socket_send_skb_to()          send a message to an address that is not
 *                                    (yet) the peer's endpoint, uncached
 *   mt_socket_buffer_skb()           a message in a buffer, as an skb to send
 *   mt_socket_send_reply()           answer the sender of a received skb
 *   mt_socket_endpoint_from_skb()    the sender of a received skb
 *   mt_socket_set_peer_endpoint()    set a peer's endpoint (roaming), and
 *                                    forget the cached route and source
 *   mt_socket_clear_peer_endpoint_src() forget the sticky source address
 *   mt_socket_same_address()         whether two addresses are the same
 *                                    (family, address, port, IPv6 scope)
 *   mt_socket_is_remote_unicast()    whether an address is another host's
 *                                    (not ours, no broadcast), seen from
 *                                    the sockets' namespace
 */
#ifndef MT_SOCKET_H
#define MT_SOCKET_H

#include "peer.h"

#include <linux/skbuff.h>

struct mt_device;

struct mt_endpoint_info {
	union mt_endpoint addr;
	union {
		__be32 src4;
		struct in6_addr src6;
	} src;
	int src_ifindex;
};

struct mt_socket_pair {
	struct socket *sock4;
	struct socket *sock6;
	u16 port;
};

int mt_socket_open(struct mt_device *mt, u16 port);
int mt_socket_prepare(struct mt_device *mt, u16 port, struct mt_socket_pair *pair);
void mt_socket_install(struct mt_device *mt, struct mt_socket_pair *pair);
void mt_socket_discard(struct mt_socket_pair *pair);
void mt_socket_close(struct mt_device *mt);
int mt_socket_send_skb_to_peer(struct mt_peer *peer, struct sk_buff *skb, u8 ds);
int mt_socket_send_skb_to(struct mt_device *mt, struct sk_buff *skb,
			  const union mt_endpoint *addr, u8 ds);
struct sk_buff *mt_socket_buffer_skb(const void *buf, size_t len);
int mt_socket_send_reply(struct mt_device *mt, struct sk_buff *in_skb, const void *buf,
			 size_t len);
int mt_socket_endpoint_from_skb(struct mt_endpoint_info *endpoint, const struct sk_buff *skb);
void mt_socket_set_peer_endpoint(struct mt_peer *peer, const struct mt_endpoint_info *endpoint);
void mt_socket_clear_peer_endpoint_src(struct mt_peer *peer);
bool mt_socket_same_address(const union mt_endpoint *a, const union mt_endpoint *b);
bool mt_socket_is_remote_unicast(struct mt_device *mt, const union mt_endpoint *ep);

#endif /* MT_SOCKET_H */
