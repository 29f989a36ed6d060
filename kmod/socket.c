// SPDX-License-Identifier: GPL-2.0
/*
 * socket.c - UDP encapsulation: a device's IPv4 and IPv6 sockets, in the
 * namespace the device was created in, and the routing of every outer
 * packet.
 *
 * Every outer packet carries the device's fwmark, for its route lookup and
 * on the skb, so that policy routing can keep it out of the tunnel. If the
 * route still leads into a meshtun device, the packet would loop: it is
 * dropped and counted, with a rate-limited message, instead.
 *
 * The source address of a peer's last packet is reused ("sticky") for
 * replies, so multi-homed hosts answer from the address they were reached
 * at; it is dropped when it stops being a local address. Routes are cached
 * per peer (dst_cache). The endpoint, the sticky source and the cache
 * change together under the peer's endpoint lock held for writing, and
 * senders route and use the cache under it held for reading.
 */
#include "socket.h"
#include "device.h"
#include "race.h"
#include "receive.h"

#include <linux/inetdevice.h>
#include <net/addrconf.h>
#include <net/ip6_route.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

static void count(struct mt_device *mt, enum mt_drop_reason reason)
{
	mt_device_count(mt, reason);
}

static int send4(struct mt_device *mt, struct sk_buff *skb, struct mt_endpoint_info *ep,
		 u8 ds, struct dst_cache *cache)
{
	u32 mark = READ_ONCE(mt->fwmark);
	struct flowi4 fl4 = {
		.saddr = ep->src.src4,
		.daddr = ep->addr.addr4.sin_addr.s_addr,
		.fl4_dport = ep->addr.addr4.sin_port,
		.flowi4_mark = mark,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt = NULL;
	struct sock *sk;
	int ret = 0;

	rcu_read_lock_bh();
	sk = rcu_dereference_bh(mt->sock4);
	if (unlikely(!sk)) {
		count(mt, MT_DROP_TX_NO_SOCKET);
		ret = -ENONET;
		goto err;
	}
	fl4.fl4_sport = inet_sk(sk)->inet_sport;
	if (cache)
		rt = dst_cache_get_ip4(cache, &fl4.saddr);
	if (!rt) {
		/* The sticky source must still be ours. */
		if (fl4.saddr && !inet_confirm_addr(sock_net(sk), NULL, 0, fl4.saddr,
						    RT_SCOPE_HOST)) {
			fl4.saddr = 0;
			if (cache)
				dst_cache_reset(cache);
		}
		rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		if (IS_ERR(rt) && PTR_ERR(rt) == -EINVAL && fl4.saddr) {
			fl4.saddr = 0;
			if (cache)
				dst_cache_reset(cache);
			rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		}
		if (IS_ERR(rt)) {
			ret = PTR_ERR(rt);
			net_dbg_ratelimited("%s: no route to %pISpfsc, error %d\n",
					    mt->dev->name, &ep->addr.addr, ret);
			count(mt, MT_DROP_TX_NO_ROUTE);
			goto err;
		}
		if (unlikely(mt_device_from_netdev(rt->dst.dev))) {
			net_warn_ratelimited("%s: routing loop to %pISpfsc: the outer packet would leave through %s\n",
					     mt->dev->name, &ep->addr.addr, rt->dst.dev->name);
			ip_rt_put(rt);
			count(mt, MT_DROP_TX_LOOP);
			ret = -ELOOP;
			goto err;
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl4.saddr);
	}
	ep->src.src4 = fl4.saddr;
	skb->mark = mark;
	skb->ignore_df = 1;
	udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, ds,
			    ip4_dst_hoplimit(&rt->dst), 0, fl4.fl4_sport, fl4.fl4_dport,
			    false, false);
	rcu_read_unlock_bh();
	return 0;
err:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return ret;
}

static int send6(struct mt_device *mt, struct sk_buff *skb, struct mt_endpoint_info *ep,
		 u8 ds, struct dst_cache *cache)
{
	u32 mark = READ_ONCE(mt->fwmark);
	struct flowi6 fl6 = {
		.saddr = ep->src.src6,
		.daddr = ep->addr.addr6.sin6_addr,
		.fl6_dport = ep->addr.addr6.sin6_port,
		.flowi6_mark = mark,
		.flowi6_oif = ep->addr.addr6.sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst = NULL;
	struct sock *sk;
	int ret = 0;

	rcu_read_lock_bh();
	sk = rcu_dereference_bh(mt->sock6);
	if (unlikely(!sk)) {
		count(mt, MT_DROP_TX_NO_SOCKET);
		ret = -ENONET;
		goto err;
	}
	fl6.fl6_sport = inet_sk(sk)->inet_sport;
	if (cache)
		dst = dst_cache_get_ip6(cache, &fl6.saddr);
	if (!dst) {
		if (!ipv6_addr_any(&fl6.saddr) &&
		    !ipv6_chk_addr(sock_net(sk), &fl6.saddr, NULL, 0)) {
			fl6.saddr = in6addr_any;
			if (cache)
				dst_cache_reset(cache);
		}
		dst = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6, NULL);
		if (IS_ERR(dst)) {
			ret = PTR_ERR(dst);
			net_dbg_ratelimited("%s: no route to %pISpfsc, error %d\n",
					    mt->dev->name, &ep->addr.addr, ret);
			count(mt, MT_DROP_TX_NO_ROUTE);
			goto err;
		}
		if (unlikely(mt_device_from_netdev(dst->dev))) {
			net_warn_ratelimited("%s: routing loop to %pISpfsc: the outer packet would leave through %s\n",
					     mt->dev->name, &ep->addr.addr, dst->dev->name);
			dst_release(dst);
			count(mt, MT_DROP_TX_LOOP);
			ret = -ELOOP;
			goto err;
		}
		if (cache)
			dst_cache_set_ip6(cache, dst, &fl6.saddr);
	}
	ep->src.src6 = fl6.saddr;
	skb->mark = mark;
	skb->ignore_df = 1;
	skb->dev = mt->dev;
	udp_tunnel6_xmit_skb(dst, sk, skb, skb->dev, &fl6.saddr, &fl6.daddr, ds,
			     ip6_dst_hoplimit(dst), 0, fl6.fl6_sport, fl6.fl6_dport, false);
	rcu_read_unlock_bh();
	return 0;
err:
	rcu_read_unlock_bh();
	kfree_skb(skb);
	return ret;
}

bool mt_socket_same_address(const union mt_endpoint *a, const union mt_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id &&
		       ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr);
	return true;
}

/*
 * The endpoint, its sticky source and its cached route change together,
 * under the endpoint lock held for writing. Routing and the cache are
 * used under it held for reading (as WireGuard does), so that no route
 * is cached for an endpoint that moved meanwhile, and no cached route is
 * dropped (mt_socket_clear_peer_endpoint_src()) while a sender uses it.
 */
int mt_socket_send_skb_to_peer(struct mt_peer *peer, struct sk_buff *skb, u8 ds)
{
	struct mt_device *mt = peer->device;
	struct dst_cache *cache;
	struct mt_endpoint_info ep;
	unsigned int len = skb->len;
	bool src_changed = false;
	int ret;

	read_lock_bh(&peer->endpoint_lock);
	ep.addr = peer->endpoint;
	memcpy(&ep.src, &peer->endpoint_src, sizeof(ep.src));
	mt_race_window("endpoint-send", mt->dev);
	/* A removed peer's cache was emptied for good (peer_shutdown()). */
	cache = READ_ONCE(peer->is_dead) ? NULL : &peer->endpoint_cache;
	if (ep.addr.addr.sa_family == AF_INET) {
		ret = send4(mt, skb, &ep, ds, cache);
	} else if (ep.addr.addr.sa_family == AF_INET6) {
		ret = send6(mt, skb, &ep, ds, cache);
	} else {
		kfree_skb(skb);
		count(mt, MT_DROP_TX_NO_ENDPOINT);
		ret = -EDESTADDRREQ;
	}
	if (!ret)
		src_changed = memcmp(&ep.src, &peer->endpoint_src, sizeof(ep.src));
	read_unlock_bh(&peer->endpoint_lock);
	if (ret)
		return ret;
	atomic64_add(len, &peer->tx_bytes);
	atomic64_inc(&peer->tx_packets);

	/* Remember the source the route chose, unless the endpoint moved meanwhile. */
	if (src_changed) {
		write_lock_bh(&peer->endpoint_lock);
		if (mt_socket_same_address(&ep.addr, &peer->endpoint))
			memcpy(&peer->endpoint_src, &ep.src, sizeof(ep.src));
		write_unlock_bh(&peer->endpoint_lock);
	}
	return 0;
}

struct sk_buff *mt_socket_buffer_skb(const void *buf, size_t len)
{
	struct sk_buff *skb = alloc_skb(len + MAX_HEADER + sizeof(struct ipv6hdr) +
					sizeof(struct udphdr), GFP_ATOMIC);

	if (!skb)
		return NULL;
	skb_reserve(skb, MAX_HEADER + sizeof(struct ipv6hdr) + sizeof(struct udphdr));
	skb_put_data(skb, buf, len);
	return skb;
}

int mt_socket_send_skb_to(struct mt_device *mt, struct sk_buff *skb,
			  const union mt_endpoint *addr, u8 ds)
{
	struct mt_endpoint_info ep = { .addr = *addr };

	skb->dev = mt->dev;
	if (addr->addr.sa_family == AF_INET)
		return send4(mt, skb, &ep, ds, NULL);
	if (addr->addr.sa_family == AF_INET6)
		return send6(mt, skb, &ep, ds, NULL);
	kfree_skb(skb);
	return -EAFNOSUPPORT;
}

int mt_socket_send_reply(struct mt_device *mt, struct sk_buff *in_skb, const void *buf,
			 size_t len)
{
	struct mt_endpoint_info ep;
	struct sk_buff *skb;
	int ret;

	ret = mt_socket_endpoint_from_skb(&ep, in_skb);
	if (ret)
		return ret;
	skb = mt_socket_buffer_skb(buf, len);
	if (!skb)
		return -ENOMEM;
	skb->dev = mt->dev;
	if (ep.addr.addr.sa_family == AF_INET)
		return send4(mt, skb, &ep, 0, NULL);
	return send6(mt, skb, &ep, 0, NULL);
}

int mt_socket_endpoint_from_skb(struct mt_endpoint_info *ep, const struct sk_buff *skb)
{
	memset(ep, 0, sizeof(*ep));
	if (skb->protocol == htons(ETH_P_IP)) {
		ep->addr.addr4.sin_family = AF_INET;
		ep->addr.addr4.sin_port = udp_hdr(skb)->source;
		ep->addr.addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		ep->src.src4 = ip_hdr(skb)->daddr;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		ep->addr.addr6.sin6_family = AF_INET6;
		ep->addr.addr6.sin6_port = udp_hdr(skb)->source;
		ep->addr.addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		ep->addr.addr6.sin6_scope_id =
			ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr, skb->skb_iif);
		ep->src.src6 = ipv6_hdr(skb)->daddr;
	} else {
		return -EAFNOSUPPORT;
	}
	ep->src_ifindex = skb->skb_iif;
	return 0;
}

void mt_socket_set_peer_endpoint(struct mt_peer *peer, const struct mt_endpoint_info *ep)
{
	bool same;

	read_lock_bh(&peer->endpoint_lock);
	same = mt_socket_same_address(&ep->addr, &peer->endpoint) &&
	       !memcmp(&ep->src, &peer->endpoint_src, sizeof(ep->src));
	read_unlock_bh(&peer->endpoint_lock);
	if (likely(same))
		return;

	write_lock_bh(&peer->endpoint_lock);
	peer->endpoint = ep->addr;
	memcpy(&peer->endpoint_src, &ep->src, sizeof(ep->src));
	peer->endpoint_src_ifindex = ep->src_ifindex;
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

void mt_socket_clear_peer_endpoint_src(struct mt_peer *peer)
{
	write_lock_bh(&peer->endpoint_lock);
	memset(&peer->endpoint_src, 0, sizeof(peer->endpoint_src));
	dst_cache_reset_now(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

bool mt_socket_is_remote_unicast(struct mt_device *mt, const union mt_endpoint *ep)
{
	bool ok = false;
	struct sock *sk;

	rcu_read_lock_bh();
	if (ep->addr.sa_family == AF_INET) {
		sk = rcu_dereference_bh(mt->sock4);
		ok = sk && inet_addr_type(sock_net(sk), ep->addr4.sin_addr.s_addr) == RTN_UNICAST;
	} else if (ep->addr.sa_family == AF_INET6) {
		sk = rcu_dereference_bh(mt->sock6);
		ok = sk && !ipv6_chk_addr(sock_net(sk), &ep->addr6.sin6_addr, NULL, 0);
	}
	rcu_read_unlock_bh();
	return ok;
}

static int open_socket(struct net *net, int family, u16 port, struct socket **sockp)
{
	/*
	 * No device yet (sk_user_data): what arrives before the socket is
	 * installed is dropped, so that a SET refused after binding its new
	 * port has had no effect.
	 */
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.encap_type = 1,
		.encap_rcv = mt_receive_encap,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		.ipv6_v6only = family == AF_INET6,
	};
	int ret;

	ret = udp_sock_create(net, &cfg, sockp);
	if (ret)
		return ret;
	setup_udp_tunnel_sock(net, *sockp, &tunnel_cfg);
	return 0;
}

int mt_socket_prepare(struct mt_device *mt, u16 port, struct mt_socket_pair *pair)
{
	struct net *net = mt->creating_net;
	int tries = port ? 1 : 100;
	int ret;

	/* creating_net is cleared under it (pre_exit, ndo_uninit). */
	lockdep_assert_held(&mt->config_lock);
	memset(pair, 0, sizeof(*pair));
	if (!net)
		return -ENONET;
	for (;;) {
		ret = open_socket(net, AF_INET, port, &pair->sock4);
		if (ret)
			return ret;
		pair->port = ntohs(inet_sk(pair->sock4->sk)->inet_sport);
		ret = open_socket(net, AF_INET6, pair->port, &pair->sock6);
		if (!ret)
			return 0;
		pair->sock6 = NULL;
		/* No IPv6 in this namespace or kernel: IPv4 alone will do. */
		if (ret == -EAFNOSUPPORT || ret == -EADDRNOTAVAIL)
			return 0;
		udp_tunnel_sock_release(pair->sock4);
		pair->sock4 = NULL;
		/* The free IPv4 port was taken for IPv6: try another. */
		if (ret != -EADDRINUSE || --tries == 0)
			return ret;
	}
}

void mt_socket_discard(struct mt_socket_pair *pair)
{
	if (pair->sock4)
		udp_tunnel_sock_release(pair->sock4);
	if (pair->sock6)
		udp_tunnel_sock_release(pair->sock6);
	memset(pair, 0, sizeof(*pair));
}

void mt_socket_install(struct mt_device *mt, struct mt_socket_pair *pair)
{
	struct sock *old4, *old6;

	lockdep_assert_held(&mt->config_lock);
	/* From now on what arrives is the device's. */
	if (pair->sock4)
		rcu_assign_sk_user_data(pair->sock4->sk, mt);
	if (pair->sock6)
		rcu_assign_sk_user_data(pair->sock6->sk, mt);
	old4 = rcu_replace_pointer(mt->sock4, pair->sock4 ? pair->sock4->sk : NULL,
				   lockdep_is_held(&mt->config_lock));
	old6 = rcu_replace_pointer(mt->sock6, pair->sock6 ? pair->sock6->sk : NULL,
				   lockdep_is_held(&mt->config_lock));
	mt->incoming_port = pair->port;
	memset(pair, 0, sizeof(*pair));
	synchronize_net();
	if (old4)
		udp_tunnel_sock_release(old4->sk_socket);
	if (old6)
		udp_tunnel_sock_release(old6->sk_socket);
}

int mt_socket_open(struct mt_device *mt, u16 port)
{
	struct mt_socket_pair pair;
	int ret;

	lockdep_assert_held(&mt->config_lock);
	ret = mt_socket_prepare(mt, port, &pair);
	if (!ret)
		mt_socket_install(mt, &pair);
	return ret;
}

void mt_socket_close(struct mt_device *mt)
{
	struct mt_socket_pair none = { };

	mt_socket_install(mt, &none);
}
