// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "meshtun" generic netlink family.
 *
 * GET_DEVICE dumps a device's configuration over as many messages as it
 * needs, holding nothing of the device between them (mt_dump_state), and
 * ends at a configuration change between two. SET_DEVICE applies a
 * configuration request all or nothing: the whole request is parsed and
 * checked, and everything it needs allocated, before the first change;
 * applying it then cannot fail. A rejected request leaves the device
 * exactly as it was, with an extack naming the attribute. Both act only on
 * a device in the requester's namespace, and refuse one that moved away.
 */
#include "netlink.h"
#include "allowedips.h"
#include "compat.h"
#include "device.h"
#include "mesh.h"
#include "peer.h"
#include "race.h"
#include "send.h"
#include "socket.h"

#include <crypto/curve25519.h>
#include <linux/bsearch.h>
#include <linux/if.h>
#include <linux/meshtun.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/sort.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

static unsigned int max_peers = MESHTUN_MAX_PEERS;
module_param(max_peers, uint, 0644);
MODULE_PARM_DESC(max_peers, "Most peers a device may have (at most 1048576)");

/* The parameter is writable by root at any time: never above what the API promises. */
static unsigned int peer_limit(void)
{
	return min(READ_ONCE(max_peers), MESHTUN_MAX_PEERS);
}

static struct genl_family mt_genl_family;

static const struct nla_policy mt_allowedip_policy[MESHTUN_ALLOWEDIP_A_MAX + 1] = {
	[MESHTUN_ALLOWEDIP_A_FAMILY] = { .type = NLA_U16 },
	[MESHTUN_ALLOWEDIP_A_IPADDR] = { .type = NLA_BINARY, .len = sizeof(struct in6_addr) },
	[MESHTUN_ALLOWEDIP_A_CIDR_MASK] = { .type = NLA_U8 },
	[MESHTUN_ALLOWEDIP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __MESHTUN_ALLOWEDIP_F_ALL),
};

static const struct nla_policy mt_peer_policy[MESHTUN_PEER_A_MAX + 1] = {
	[MESHTUN_PEER_A_PUBLIC_KEY] = NLA_POLICY_EXACT_LEN(MESHTUN_KEY_LEN),
	[MESHTUN_PEER_A_PRESHARED_KEY] = NLA_POLICY_EXACT_LEN(MESHTUN_KEY_LEN),
	[MESHTUN_PEER_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __MESHTUN_PEER_F_ALL),
	[MESHTUN_PEER_A_ENDPOINT] = { .type = NLA_BINARY, .len = sizeof(struct sockaddr_in6) },
	[MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	[MESHTUN_PEER_A_LAST_HANDSHAKE_TIME] = {
		.type = NLA_REJECT, .reject_message = "last handshake time is read-only" },
	[MESHTUN_PEER_A_RX_BYTES] = {
		.type = NLA_REJECT, .reject_message = "rx bytes are read-only" },
	[MESHTUN_PEER_A_TX_BYTES] = {
		.type = NLA_REJECT, .reject_message = "tx bytes are read-only" },
	[MESHTUN_PEER_A_ALLOWEDIPS] = NLA_POLICY_NESTED_ARRAY(mt_allowedip_policy),
	[MESHTUN_PEER_A_PROTOCOL_VERSION] = NLA_POLICY_RANGE(NLA_U32, 1, 1),
	[MESHTUN_PEER_A_HUB] = NLA_POLICY_MAX(NLA_U8, 1),
	[MESHTUN_PEER_A_MESH] = {
		.type = NLA_REJECT, .reject_message = "what the peer speaks is read-only" },
	[MESHTUN_PEER_A_PATH] = {
		.type = NLA_REJECT, .reject_message = "the path is read-only" },
	[MESHTUN_PEER_A_RELAY_HUB] = {
		.type = NLA_REJECT, .reject_message = "the relaying hub is read-only" },
};

static const struct nla_policy mt_device_policy[MESHTUN_DEVICE_A_MAX + 1] = {
	[MESHTUN_DEVICE_A_IFINDEX] = { .type = NLA_U32 },
	[MESHTUN_DEVICE_A_IFNAME] = { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[MESHTUN_DEVICE_A_PRIVATE_KEY] = NLA_POLICY_EXACT_LEN(MESHTUN_KEY_LEN),
	[MESHTUN_DEVICE_A_PUBLIC_KEY] = {
		.type = NLA_REJECT,
		.reject_message = "the public key is derived from the private key" },
	[MESHTUN_DEVICE_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __MESHTUN_DEVICE_F_ALL),
	[MESHTUN_DEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[MESHTUN_DEVICE_A_FWMARK] = { .type = NLA_U32 },
	[MESHTUN_DEVICE_A_PEERS] = NLA_POLICY_NESTED_ARRAY(mt_peer_policy),
	[MESHTUN_DEVICE_A_RELAY] = NLA_POLICY_MAX(NLA_U8, 1),
};

/*
 * The meshtun device a request names, with a reference held, or an
 * ERR_PTR with the extack naming the attribute at fault.
 */
static struct mt_device *mt_lookup_device(struct net *net, struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[MESHTUN_DEVICE_A_IFINDEX];
	struct nlattr *ifname = attrs[MESHTUN_DEVICE_A_IFNAME];
	struct net_device *dev = NULL;
	struct mt_device *mt;

	if (ifindex && ifname) {
		NL_SET_ERR_MSG_ATTR(extack, ifname,
				    "give MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME, not both");
		return ERR_PTR(-EINVAL);
	}
	if (!ifindex && !ifname) {
		NL_SET_ERR_MSG(extack,
			       "missing MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex)
		dev = dev_get_by_index(net, nla_get_u32(ifindex));
	else
		dev = dev_get_by_name(net, nla_data(ifname));

	mt = mt_device_from_netdev(dev);
	if (!mt) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname, "no such meshtun device");
		if (dev)
			dev_put(dev);
		return ERR_PTR(-ENODEV);
	}
	return mt;
}

static void mt_put_device(struct mt_device *mt)
{
	dev_put(mt->dev);
}

/* ---- GET_DEVICE ---- */

/*
 * A dump's position, kept in netlink_callback.ctx between its messages.
 * It holds no reference: a reader may leave a dump unread for ever, and a
 * device or peer reference kept that long would block the device's
 * deletion and, with it, the teardown of its namespace (cleanup_net()
 * runs on one workqueue for the whole host). Each message finds the
 * device again by index in the dump's namespace, makes sure it is the
 * same device by its generation, fills under the config lock, and lets
 * the device go before it returns.
 *
 * The cursors are plain pointers, followed only while they cannot be
 * stale: the device is the same one, registered and in the dump's
 * namespace, and its config_seq and allowed-IPs seq are those the
 * cursors were taken under. Peers and allowed IPs leave their lists only
 * in a configuration change (apply_request(), which bumps config_seq;
 * the trie also bumps its own seq on every change) or in the device's
 * destructor, which cannot run while a message holds the device.
 */
struct mt_dump_state {
	u64 generation;		/* the device's; 0 until the first message found it */
	u64 config_seq;		/* what the cursors were taken under; 0: none yet */
	u64 aips_seq;
	struct mt_peer *next_peer;	/* the first peer not fully sent */
	/* Where that peer's allowed IPs go on (its attributes sent); NULL: from its start. */
	struct mt_allowedips_node *next_aip;
	int ifindex;
	bool device_done;	/* device attributes sent */
	bool all_done;
};

static struct mt_dump_state *dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct mt_dump_state) > sizeof(cb->ctx));
	return (struct mt_dump_state *)cb->ctx;
}

static int put_device_attrs(struct sk_buff *skb, struct mt_device *mt)
{
	if (nla_put_u16(skb, MESHTUN_DEVICE_A_LISTEN_PORT,
			mt->incoming_port ?: mt->listen_port) ||
	    nla_put_u32(skb, MESHTUN_DEVICE_A_FWMARK, mt->fwmark) ||
	    nla_put_u8(skb, MESHTUN_DEVICE_A_RELAY, mt->relay))
		return -EMSGSIZE;
	if (mt->has_private_key &&
	    (nla_put(skb, MESHTUN_DEVICE_A_PRIVATE_KEY, MESHTUN_KEY_LEN, mt->private_key) ||
	     nla_put(skb, MESHTUN_DEVICE_A_PUBLIC_KEY, MESHTUN_KEY_LEN, mt->public_key)))
		return -EMSGSIZE;
	return 0;
}

static int put_peer_attrs(struct sk_buff *skb, struct mt_peer *peer)
{
	u64 handshake_ns = atomic64_read(&peer->last_handshake_ns);
	struct __kernel_timespec handshake = {
		.tv_sec = div_u64(handshake_ns, NSEC_PER_SEC),
		.tv_nsec = handshake_ns % NSEC_PER_SEC,
	};
	static const u8 zero_key[MESHTUN_KEY_LEN];
	u8 path = READ_ONCE(peer->mesh.path);
	union mt_endpoint endpoint;
	const u8 *hub_key = NULL;

	if (path == MESHTUN_PEER_PATH_RELAYED)
		hub_key = mt_mesh_hub_key(peer);
	read_lock_bh(&peer->endpoint_lock);
	endpoint = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);

	if (crypto_memneq(peer->preshared_key, zero_key, MESHTUN_KEY_LEN) &&
	    nla_put(skb, MESHTUN_PEER_A_PRESHARED_KEY, MESHTUN_KEY_LEN, peer->preshared_key))
		return -EMSGSIZE;
	if (endpoint.addr.sa_family == AF_INET &&
	    nla_put(skb, MESHTUN_PEER_A_ENDPOINT, sizeof(endpoint.addr4), &endpoint.addr4))
		return -EMSGSIZE;
	if (endpoint.addr.sa_family == AF_INET6 &&
	    nla_put(skb, MESHTUN_PEER_A_ENDPOINT, sizeof(endpoint.addr6), &endpoint.addr6))
		return -EMSGSIZE;
	if (nla_put_u16(skb, MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
			peer->persistent_keepalive_interval) ||
	    nla_put(skb, MESHTUN_PEER_A_LAST_HANDSHAKE_TIME, sizeof(handshake), &handshake) ||
	    nla_put_u64_64bit(skb, MESHTUN_PEER_A_RX_BYTES, atomic64_read(&peer->rx_bytes),
			      MESHTUN_PEER_A_UNSPEC) ||
	    nla_put_u64_64bit(skb, MESHTUN_PEER_A_TX_BYTES, atomic64_read(&peer->tx_bytes),
			      MESHTUN_PEER_A_UNSPEC) ||
	    nla_put_u32(skb, MESHTUN_PEER_A_PROTOCOL_VERSION, 1) ||
	    nla_put_u8(skb, MESHTUN_PEER_A_HUB, peer->mesh.hub) ||
	    nla_put_u8(skb, MESHTUN_PEER_A_MESH, READ_ONCE(peer->mesh.speaks)) ||
	    nla_put_u8(skb, MESHTUN_PEER_A_PATH, path))
		return -EMSGSIZE;
	if (hub_key && nla_put(skb, MESHTUN_PEER_A_RELAY_HUB, MESHTUN_KEY_LEN, hub_key))
		return -EMSGSIZE;
	return 0;
}

static int put_allowedip(struct sk_buff *skb, const struct mt_allowedips_node *node)
{
	struct nlattr *nest;
	u8 addr[16], cidr;
	int family;

	family = mt_allowedips_read(node, addr, &cidr);
	nest = nla_nest_start(skb, 0);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u16(skb, MESHTUN_ALLOWEDIP_A_FAMILY, family) ||
	    nla_put(skb, MESHTUN_ALLOWEDIP_A_IPADDR, family == AF_INET ? 4 : 16, addr) ||
	    nla_put_u8(skb, MESHTUN_ALLOWEDIP_A_CIDR_MASK, cidr)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One peer, or as much of it as fits: its public key, attributes and
 * allowed IPs when st->next_aip is NULL, else its public key and its
 * allowed IPs from st->next_aip on. Returns 0 when the peer is complete;
 * -EMSGSIZE when the message is full, with st->next_aip where the next
 * message goes on (NULL if nothing of the peer went into this one).
 */
static int put_peer(struct sk_buff *skb, struct mt_peer *peer, struct mt_dump_state *st)
{
	struct mt_allowedips_node *node = st->next_aip;
	struct nlattr *peer_nest, *aips_nest;
	bool fresh = !node, any = false;

	peer_nest = nla_nest_start(skb, 0);
	if (!peer_nest)
		return -EMSGSIZE;
	if (nla_put(skb, MESHTUN_PEER_A_PUBLIC_KEY, MESHTUN_KEY_LEN, peer->public_key))
		goto cancel;
	if (fresh) {
		if (put_peer_attrs(skb, peer))
			goto cancel;
		node = list_first_entry(&peer->allowedips, struct mt_allowedips_node, peer_entry);
	}

	aips_nest = nla_nest_start(skb, MESHTUN_PEER_A_ALLOWEDIPS);
	if (!aips_nest)
		goto cancel;
	list_for_each_entry_from(node, &peer->allowedips, peer_entry) {
		if (put_allowedip(skb, node)) {
			nla_nest_end(skb, aips_nest);
			/* Nothing of this peer fit: leave it whole for the next message. */
			if (fresh && !any)
				goto cancel;
			nla_nest_end(skb, peer_nest);
			st->next_aip = node;
			return -EMSGSIZE;
		}
		any = true;
	}
	nla_nest_end(skb, aips_nest);
	nla_nest_end(skb, peer_nest);
	st->next_aip = NULL;
	return 0;

cancel:
	nla_nest_cancel(skb, peer_nest);
	return -EMSGSIZE;
}

static int fill_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     struct mt_dump_state *st, struct mt_device *mt)
{
	char name[IFNAMSIZ];
	struct nlattr *peers_nest;
	struct mt_peer *peer;
	unsigned int start;
	void *hdr;

	lockdep_assert_held(&mt->config_lock);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mt_genl_family, NLM_F_MULTI, MESHTUN_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	/*
	 * A rename (under RTNL, which a dump does not take) may be writing the
	 * name: copy it whole, and end the copy, so that the attribute's
	 * length and contents agree even then.
	 */
	data_race(memcpy(name, mt->dev->name, IFNAMSIZ));
	name[IFNAMSIZ - 1] = '\0';
	if (nla_put_u32(skb, MESHTUN_DEVICE_A_IFINDEX, mt->dev->ifindex) ||
	    nla_put_string(skb, MESHTUN_DEVICE_A_IFNAME, name))
		goto cancel;
	if (!st->device_done) {
		if (put_device_attrs(skb, mt))
			goto cancel;
		st->device_done = true;
	}

	if (!st->config_seq) {
		/* The first message with peers. */
		peer = list_first_entry(&mt->peer_list, struct mt_peer, device_entry);
	} else if (st->config_seq != mt->config_seq || st->aips_seq != mt->allowedips.seq) {
		/*
		 * The configuration changed since the last message, and the
		 * cursors may point at freed memory. Finding our place again
		 * would take a walk from the head of the peer list (by
		 * serial) and of the peer's allowed IPs (by count): O(peers +
		 * allowed IPs) under the config lock for every message that
		 * follows a change, which a user alternating small changes
		 * with reads of a large dump could repeat at will, holding up
		 * everything that waits on the lock (ndo_open, and the
		 * namespace exit hooks, under RTNL). And it would buy nothing:
		 * the dump is interrupted (cb->seq changed, so this message
		 * carries NLM_F_DUMP_INTR), and its reader must start it
		 * again anyway. So it ends here, flagged, in O(1). The flag
		 * is set here too in case config_seq moved by a multiple of
		 * 2^32, which cb->seq cannot tell.
		 */
		genlmsg_nlhdr(hdr)->nlmsg_flags |= NLM_F_DUMP_INTR;
		st->all_done = true;
		goto end;
	} else {
		peer = st->next_peer;
	}

	peers_nest = nla_nest_start(skb, MESHTUN_DEVICE_A_PEERS);
	if (!peers_nest)
		goto end;
	start = skb->len;
	list_for_each_entry_from(peer, &mt->peer_list, device_entry) {
		if (put_peer(skb, peer, st)) {
			if (skb->len == start)
				nla_nest_cancel(skb, peers_nest);
			else
				nla_nest_end(skb, peers_nest);
			st->next_peer = peer;
			st->config_seq = mt->config_seq;
			st->aips_seq = mt->allowedips.seq;
			goto end;
		}
	}
	nla_nest_end(skb, peers_nest);
	st->all_done = true;
end:
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * Under the config lock: whether a request from net may still act on the
 * device it found before it took the lock (attr: what named the device,
 * if anything). A device being deleted, or moved to another namespace
 * meanwhile (by someone with power over both), is out of its reach.
 */
static int check_device_reach(struct mt_device *mt, struct net *net,
			      const struct nlattr *attr, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&mt->config_lock);
	if (mt->dev->reg_state != NETREG_REGISTERED) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the device is being deleted");
		return -ENODEV;
	}
	if (!net_eq(dev_net(mt->dev), net)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the device was moved to another network namespace");
		return -ENODEV;
	}
	return 0;
}

/*
 * The dump's device, referenced: the first message finds it as the
 * request names it, the next ones by its index and generation.
 */
static struct mt_device *dump_device(struct net *net, struct netlink_callback *cb,
				     struct mt_dump_state *st)
{
	struct net_device *dev;
	struct mt_device *mt;

	if (!st->generation) {
		mt = mt_lookup_device(net, mt_compat_dump_attrs(cb), cb->extack);
		if (!IS_ERR(mt)) {
			st->ifindex = mt->dev->ifindex;
			st->generation = mt->generation;
		}
		return mt;
	}
	dev = dev_get_by_index(net, st->ifindex);
	mt = mt_device_from_netdev(dev);
	if (!mt || mt->generation != st->generation) {
		if (dev)
			dev_put(dev);
		NL_SET_ERR_MSG(cb->extack,
			       "the device was deleted, or moved to another network namespace");
		return ERR_PTR(-ENODEV);
	}
	return mt;
}

/*
 * The device is looked up by the first dumpit call rather than by .start
 * because only dumpit has an extack on every supported kernel.
 */
static int mt_get_device_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mt_dump_state *st = dump_state(cb);
	struct net *net = sock_net(cb->skb->sk);
	struct mt_device *mt;
	int ret;

	if (st->all_done)
		return 0;
	mt = dump_device(net, cb, st);
	if (IS_ERR(mt))
		return PTR_ERR(mt);

	mutex_lock(&mt->config_lock);
	ret = check_device_reach(mt, net, NULL, cb->extack);
	if (!ret) {
		/* A change between two messages flags the dump NLM_F_DUMP_INTR. */
		cb->seq = (unsigned int)mt->config_seq ?: 1;
		ret = fill_dump(skb, cb, st, mt);
	}
	mutex_unlock(&mt->config_lock);
	mt_put_device(mt);
	if (ret)
		return ret;
	return skb->len;
}

/* ---- SET_DEVICE ---- */

struct mt_allowedip_req {
	int family;
	u8 addr[16];
	u8 cidr;
	bool remove;
};

struct mt_peer_req {
	const struct nlattr *nest;
	u8 public_key[MESHTUN_KEY_LEN];
	struct mt_peer *peer;	/* existing, or allocated for this request */
	bool is_new;
	bool remove;
	bool replace_allowedips;
	bool set_preshared_key;
	u8 preshared_key[MESHTUN_KEY_LEN];
	bool set_endpoint;
	union mt_endpoint endpoint;
	bool set_keepalive;
	u16 keepalive;
	bool set_hub;
	bool hub;
	const struct nlattr *hub_attr;
	unsigned int n_allowedips;
	struct mt_allowedip_req *allowedips;
};

struct mt_set_req {
	bool set_private_key;
	u8 private_key[MESHTUN_KEY_LEN];
	u8 public_key[MESHTUN_KEY_LEN];
	bool has_private_key;
	bool set_listen_port;
	u16 listen_port;
	bool set_fwmark;
	u32 fwmark;
	bool set_relay;
	bool relay;
	/* Bound before anything changes, so a port in use fails cleanly. */
	struct mt_socket_pair sockets;
	bool install_sockets;
	bool replace_peers;
	bool hub_left;			/* a hub left the hub list: wait for its readers */
	unsigned int n_peers;
	struct mt_peer_req *peers;
	/* The request's peers sorted by public key, to find duplicates. */
	struct mt_peer_req **sorted;
	unsigned int allowedip_inserts;
	struct mt_allowedips_pool pool;
};

static int parse_endpoint(struct mt_peer_req *pr, const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	const struct sockaddr *sa = nla_data(attr);
	int len = nla_len(attr);

	memset(&pr->endpoint, 0, sizeof(pr->endpoint));
	if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		memcpy(&pr->endpoint.addr4, sa, sizeof(pr->endpoint.addr4));
		if (ipv4_is_zeronet(pr->endpoint.addr4.sin_addr.s_addr) ||
		    ipv4_is_multicast(pr->endpoint.addr4.sin_addr.s_addr) ||
		    ipv4_is_lbcast(pr->endpoint.addr4.sin_addr.s_addr))
			goto bad_addr;
		if (!pr->endpoint.addr4.sin_port)
			goto bad_port;
	} else if (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		memcpy(&pr->endpoint.addr6, sa, sizeof(pr->endpoint.addr6));
		if (ipv6_addr_any(&pr->endpoint.addr6.sin6_addr) ||
		    ipv6_addr_is_multicast(&pr->endpoint.addr6.sin6_addr))
			goto bad_addr;
		if (!pr->endpoint.addr6.sin6_port)
			goto bad_port;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "peer endpoint must be a sockaddr_in or sockaddr_in6");
		return -EINVAL;
	}
	pr->set_endpoint = true;
	return 0;

bad_addr:
	NL_SET_ERR_MSG_ATTR(extack, attr, "peer endpoint address must be a unicast address");
	return -EINVAL;
bad_port:
	NL_SET_ERR_MSG_ATTR(extack, attr, "peer endpoint port must not be 0");
	return -EINVAL;
}

static int parse_allowedip(struct mt_allowedip_req *ar, const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MESHTUN_ALLOWEDIP_A_MAX + 1];
	unsigned int len;
	int ret;

	ret = nla_parse_nested(tb, MESHTUN_ALLOWEDIP_A_MAX, nest, mt_allowedip_policy, extack);
	if (ret)
		return ret;
	if (!tb[MESHTUN_ALLOWEDIP_A_FAMILY] || !tb[MESHTUN_ALLOWEDIP_A_IPADDR] ||
	    !tb[MESHTUN_ALLOWEDIP_A_CIDR_MASK]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "allowed IP needs a family, an address and a cidr mask");
		return -EINVAL;
	}
	ar->family = nla_get_u16(tb[MESHTUN_ALLOWEDIP_A_FAMILY]);
	if (ar->family == AF_INET) {
		len = 4;
	} else if (ar->family == AF_INET6) {
		len = 16;
	} else {
		NL_SET_ERR_MSG_ATTR(extack, tb[MESHTUN_ALLOWEDIP_A_FAMILY],
				    "allowed IP family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (nla_len(tb[MESHTUN_ALLOWEDIP_A_IPADDR]) != len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MESHTUN_ALLOWEDIP_A_IPADDR],
				    "allowed IP address length does not match its family");
		return -EINVAL;
	}
	memset(ar->addr, 0, sizeof(ar->addr));
	nla_memcpy(ar->addr, tb[MESHTUN_ALLOWEDIP_A_IPADDR], len);
	ar->cidr = nla_get_u8(tb[MESHTUN_ALLOWEDIP_A_CIDR_MASK]);
	if (ar->cidr > len * 8) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MESHTUN_ALLOWEDIP_A_CIDR_MASK],
				    "allowed IP cidr mask is longer than the address");
		return -EINVAL;
	}
	ar->remove = tb[MESHTUN_ALLOWEDIP_A_FLAGS] &&
		     (nla_get_u32(tb[MESHTUN_ALLOWEDIP_A_FLAGS]) & MESHTUN_ALLOWEDIP_F_REMOVE_ME);
	return 0;
}

static int parse_allowedips(struct mt_set_req *req, struct mt_peer_req *pr,
			    const struct nlattr *list, struct netlink_ext_ack *extack)
{
	const struct nlattr *nest;
	unsigned int n = 0;
	int ret, rem;

	nla_for_each_nested(nest, list, rem)
		n++;
	if (!n)
		return 0;
	pr->allowedips = kvcalloc(n, sizeof(*pr->allowedips), GFP_KERNEL_ACCOUNT);
	if (!pr->allowedips)
		return -ENOMEM;
	nla_for_each_nested(nest, list, rem) {
		struct mt_allowedip_req *ar = &pr->allowedips[pr->n_allowedips++];

		ret = parse_allowedip(ar, nest, extack);
		if (ret)
			return ret;
		if (!ar->remove)
			req->allowedip_inserts++;
	}
	return 0;
}

static int parse_peer(struct mt_device *mt, struct mt_set_req *req, struct mt_peer_req *pr,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[MESHTUN_PEER_A_MAX + 1];
	const struct nlattr *attr;
	u32 flags = 0;
	int ret;

	ret = nla_parse_nested(tb, MESHTUN_PEER_A_MAX, pr->nest, mt_peer_policy, extack);
	if (ret)
		return ret;
	if (!tb[MESHTUN_PEER_A_PUBLIC_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, pr->nest, "peer needs a public key");
		return -EINVAL;
	}
	nla_memcpy(pr->public_key, tb[MESHTUN_PEER_A_PUBLIC_KEY], MESHTUN_KEY_LEN);
	if (tb[MESHTUN_PEER_A_FLAGS])
		flags = nla_get_u32(tb[MESHTUN_PEER_A_FLAGS]);
	pr->remove = flags & MESHTUN_PEER_F_REMOVE_ME;
	pr->replace_allowedips = flags & MESHTUN_PEER_F_REPLACE_ALLOWEDIPS;

	pr->peer = mt_peer_lookup(mt, pr->public_key);
	/* With REPLACE_PEERS, peers absent from the request go; named ones stay. */
	if (!pr->peer && (flags & MESHTUN_PEER_F_UPDATE_ONLY)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MESHTUN_PEER_A_PUBLIC_KEY],
				    "no peer with this public key to update");
		return -ENOENT;
	}
	if (pr->remove)
		return 0;
	if (req->has_private_key &&
	    !crypto_memneq(pr->public_key, req->public_key, MESHTUN_KEY_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[MESHTUN_PEER_A_PUBLIC_KEY],
				    "peer public key is the device's own public key");
		return -EINVAL;
	}
	pr->is_new = !pr->peer;

	attr = tb[MESHTUN_PEER_A_PRESHARED_KEY];
	if (attr) {
		nla_memcpy(pr->preshared_key, attr, MESHTUN_KEY_LEN);
		pr->set_preshared_key = true;
	}
	if (tb[MESHTUN_PEER_A_ENDPOINT]) {
		ret = parse_endpoint(pr, tb[MESHTUN_PEER_A_ENDPOINT], extack);
		if (ret)
			return ret;
	}
	if (tb[MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL]) {
		pr->keepalive = nla_get_u16(tb[MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
		pr->set_keepalive = true;
	}
	if (tb[MESHTUN_PEER_A_HUB]) {
		pr->hub_attr = tb[MESHTUN_PEER_A_HUB];
		pr->hub = nla_get_u8(pr->hub_attr);
		pr->set_hub = true;
	}

	attr = tb[MESHTUN_PEER_A_ALLOWEDIPS];
	return attr ? parse_allowedips(req, pr, attr, extack) : 0;
}

static int cmp_peer_key(const void *a, const void *b)
{
	const struct mt_peer_req *const *pa = a, *const *pb = b;

	return memcmp((*pa)->public_key, (*pb)->public_key, MESHTUN_KEY_LEN);
}

/* The request's entry for a public key, or NULL. */
static struct mt_peer_req *find_in_request(struct mt_set_req *req, const u8 *public_key)
{
	struct mt_peer_req key, *keyp = &key, **hit;

	memcpy(key.public_key, public_key, MESHTUN_KEY_LEN);
	hit = bsearch(&keyp, req->sorted, req->n_peers, sizeof(*req->sorted), cmp_peer_key);
	return hit ? *hit : NULL;
}

/* Whether an existing peer is still there once the request is applied. */
static bool request_keeps_peer(struct mt_set_req *req, const u8 *public_key)
{
	struct mt_peer_req *pr = find_in_request(req, public_key);

	return pr ? !pr->remove : !req->replace_peers;
}

/*
 * The hubs the device would have once the request is applied: at most
 * MT_MESH_MAX_HUBS (mesh.h says why). Hubs the request unmarks or
 * removes, or that REPLACE_PEERS drops, make room first, wherever they
 * stand in it; the HUB attribute named is the first one that would go
 * over. A request that makes no new hub is never refused here.
 */
static int check_hubs(struct mt_device *mt, struct mt_set_req *req,
		      struct netlink_ext_ack *extack)
{
	unsigned int hubs = 0, i;
	struct mt_peer *peer;

	lockdep_assert_held(&mt->config_lock);
	/* Hubs the request does not name stay, unless REPLACE_PEERS removes them. */
	if (!req->replace_peers) {
		list_for_each_entry(peer, &mt->hub_list, mesh.hub_entry) {
			if (!find_in_request(req, peer->public_key))
				hubs++;
		}
	}
	/* Hubs it names and keeps. (New peers have no pr->peer yet.) */
	for (i = 0; i < req->n_peers; i++) {
		struct mt_peer_req *pr = &req->peers[i];

		if (!pr->remove && pr->peer && pr->peer->mesh.hub && (!pr->set_hub || pr->hub))
			hubs++;
	}
	/* Then the new ones, in order. */
	for (i = 0; i < req->n_peers; i++) {
		struct mt_peer_req *pr = &req->peers[i];

		if (pr->remove || !pr->set_hub || !pr->hub || (pr->peer && pr->peer->mesh.hub))
			continue;
		if (++hubs > MT_MESH_MAX_HUBS) {
			NL_SET_ERR_MSG_ATTR(extack, pr->hub_attr,
					    "too many hubs: a device may have at most "
					    __stringify(MT_MESH_MAX_HUBS));
			return -E2BIG;
		}
	}
	return 0;
}

/* Device-level attributes; the caller holds RTNL and the config lock. */
static int parse_device(struct mt_device *mt, struct sk_buff *skb, struct genl_info *info,
			struct mt_set_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	static const u8 zero_key[MESHTUN_KEY_LEN];
	struct nlattr *attr;

	req->has_private_key = mt->has_private_key;
	memcpy(req->public_key, mt->public_key, MESHTUN_KEY_LEN);
	attr = attrs[MESHTUN_DEVICE_A_PRIVATE_KEY];
	if (attr) {
		req->set_private_key = true;
		nla_memcpy(req->private_key, attr, MESHTUN_KEY_LEN);
		req->has_private_key = crypto_memneq(req->private_key, zero_key,
						     MESHTUN_KEY_LEN);
		if (req->has_private_key) {
			curve25519_clamp_secret(req->private_key);
			if (!curve25519_generate_public(req->public_key, req->private_key)) {
				NL_SET_ERR_MSG_ATTR(extack, attr, "private key is not usable");
				return -EINVAL;
			}
		}
	}

	if (attrs[MESHTUN_DEVICE_A_LISTEN_PORT]) {
		req->set_listen_port = true;
		req->listen_port = nla_get_u16(attrs[MESHTUN_DEVICE_A_LISTEN_PORT]);
	}
	if (attrs[MESHTUN_DEVICE_A_FWMARK]) {
		req->set_fwmark = true;
		req->fwmark = nla_get_u32(attrs[MESHTUN_DEVICE_A_FWMARK]);
	}
	if (attrs[MESHTUN_DEVICE_A_RELAY]) {
		req->set_relay = true;
		req->relay = nla_get_u8(attrs[MESHTUN_DEVICE_A_RELAY]);
	}
	/* Sockets live in the creating namespace: changing them needs its admin. */
	attr = attrs[MESHTUN_DEVICE_A_LISTEN_PORT] ?: attrs[MESHTUN_DEVICE_A_FWMARK];
	if (attr && !mt->creating_net) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the namespace it was created in is gone: the device has no sockets to give a port or fwmark");
		return -ENONET;
	}
	if (attr && !netlink_ns_capable(skb, mt->creating_net->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "changing the listen port or fwmark needs CAP_NET_ADMIN in the namespace the device was created in");
		return -EPERM;
	}
	req->replace_peers = attrs[MESHTUN_DEVICE_A_FLAGS] &&
		(nla_get_u32(attrs[MESHTUN_DEVICE_A_FLAGS]) & MESHTUN_DEVICE_F_REPLACE_PEERS);
	return 0;
}

/*
 * Parse and check the whole request. Nothing of the device changes here;
 * what the request needs is allocated into req.
 */
/* The request's peers, each parsed and checked, and none twice. */
static int parse_peers(struct mt_device *mt, struct mt_set_req *req, struct nlattr *peers,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *nest;
	unsigned int i, n = 0;
	int ret, rem;

	if (peers) {
		nla_for_each_nested(nest, peers, rem)
			n++;
	}
	if (n > peer_limit()) {
		NL_SET_ERR_MSG_ATTR(extack, peers, "too many peers");
		return -E2BIG;
	}
	if (!n)
		return 0;
	req->peers = kvcalloc(n, sizeof(*req->peers), GFP_KERNEL_ACCOUNT);
	req->sorted = kvcalloc(n, sizeof(*req->sorted), GFP_KERNEL_ACCOUNT);
	if (!req->peers || !req->sorted)
		return -ENOMEM;
	nla_for_each_nested(nest, peers, rem) {
		struct mt_peer_req *pr = &req->peers[req->n_peers++];

		pr->nest = nest;
		ret = parse_peer(mt, req, pr, extack);
		if (ret)
			return ret;
		req->sorted[req->n_peers - 1] = pr;
	}
	sort(req->sorted, n, sizeof(*req->sorted), cmp_peer_key, NULL);
	for (i = 1; i < n; i++) {
		if (!cmp_peer_key(&req->sorted[i - 1], &req->sorted[i])) {
			NL_SET_ERR_MSG_ATTR(extack, req->sorted[i]->nest,
					    "peer appears more than once in the request");
			return -EINVAL;
		}
	}
	return 0;
}

/* How many peers the device ends up with: within the limit. */
static int check_peer_count(struct mt_device *mt, struct mt_set_req *req,
			    const struct nlattr *peers, struct netlink_ext_ack *extack)
{
	unsigned long final_peers = req->replace_peers ? 0 : mt->num_peers;
	unsigned int i;

	for (i = 0; i < req->n_peers; i++) {
		struct mt_peer_req *pr = &req->peers[i];

		if (pr->remove)
			final_peers -= pr->peer && !req->replace_peers;
		else
			final_peers += pr->is_new || req->replace_peers;
	}
	/* (A device over a limit lowered since may keep its peers, not add any.) */
	if (final_peers > peer_limit() && final_peers > mt->num_peers) {
		NL_SET_ERR_MSG_ATTR(extack, peers, "too many peers");
		return -E2BIG;
	}
	return 0;
}

/* A new port on a running device: bound now, before any change. */
static int bind_new_port(struct mt_device *mt, struct mt_set_req *req, struct genl_info *info)
{
	struct nlattr *port = info->attrs[MESHTUN_DEVICE_A_LISTEN_PORT];
	int ret;

	if (!req->set_listen_port || !netif_running(mt->dev) ||
	    req->listen_port == mt->incoming_port)
		return 0;
	ret = mt_socket_prepare(mt, req->listen_port, &req->sockets);
	if (ret) {
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG_ATTR(info->extack, port, "listen port is in use");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, port, "cannot bind the listen port");
		return ret;
	}
	req->install_sockets = true;
	mt_race_window("set-sockets", mt->dev);
	return 0;
}

/* Allocate now what applying needs, so that applying cannot fail. */
static int allocate_for_apply(struct mt_device *mt, struct mt_set_req *req)
{
	unsigned int i;

	for (i = 0; i < req->n_peers; i++) {
		struct mt_peer_req *pr = &req->peers[i];

		if (!pr->is_new)
			continue;
		pr->peer = mt_peer_alloc(mt, pr->public_key);
		if (!pr->peer)
			return -ENOMEM;
	}
	return mt_allowedips_pool_fill(&req->pool, req->allowedip_inserts *
				       MT_ALLOWEDIPS_NODES_PER_INSERT);
}

/*
 * The whole request checked against the device as it is, and everything
 * it needs bound and allocated; nothing of the device changed yet.
 */
static int parse_request(struct mt_device *mt, struct sk_buff *skb, struct genl_info *info,
			 struct mt_set_req *req)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *peers = info->attrs[MESHTUN_DEVICE_A_PEERS];
	int ret;

	ret = parse_device(mt, skb, info, req);
	if (!ret)
		ret = parse_peers(mt, req, peers, extack);
	if (ret)
		return ret;
	/* The device's own key may not stay a peer's key. */
	if (req->set_private_key && req->has_private_key &&
	    mt_peer_lookup(mt, req->public_key) && request_keeps_peer(req, req->public_key)) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[MESHTUN_DEVICE_A_PRIVATE_KEY],
				    "private key belongs to a peer of this device");
		return -EINVAL;
	}
	ret = check_peer_count(mt, req, peers, extack);
	if (!ret)
		ret = check_hubs(mt, req, extack);
	if (!ret)
		ret = bind_new_port(mt, req, info);
	if (!ret)
		ret = allocate_for_apply(mt, req);
	return ret;
}

static void apply_peer(struct mt_device *mt, struct mt_set_req *req, struct mt_peer_req *pr)
{
	struct mt_peer *peer = pr->peer;
	unsigned int i;

	if (pr->remove) {
		if (peer)
			mt_peer_remove(peer);
		return;
	}
	if (pr->is_new) {
		mt_peer_link(peer);
		pr->is_new = false;	/* now owned by the device */
	}
	if (pr->replace_allowedips)
		mt_allowedips_remove_peer(&mt->allowedips, &peer->allowedips, &mt->config_lock);
	if (pr->set_preshared_key) {
		/* The handshake reads it under its lock, never half-written. */
		down_write(&peer->handshake.lock);
		memcpy(peer->preshared_key, pr->preshared_key, MESHTUN_KEY_LEN);
		up_write(&peer->handshake.lock);
	}
	if (pr->set_endpoint) {
		write_lock_bh(&peer->endpoint_lock);
		peer->endpoint = pr->endpoint;
		memset(&peer->endpoint_src, 0, sizeof(peer->endpoint_src));
		dst_cache_reset(&peer->endpoint_cache);
		write_unlock_bh(&peer->endpoint_lock);
	}
	if (pr->set_keepalive) {
		bool newly_on = pr->keepalive && !peer->persistent_keepalive_interval;

		WRITE_ONCE(peer->persistent_keepalive_interval, pr->keepalive);
		/* Announce ourselves at once, as the keepalive is meant to. */
		if (newly_on && netif_running(mt->dev))
			mt_send_keepalive(peer);
	}
	if (pr->set_hub && mt_mesh_set_hub(peer, pr->hub))
		req->hub_left = true;
	for (i = 0; i < pr->n_allowedips; i++) {
		struct mt_allowedip_req *ar = &pr->allowedips[i];

		if (ar->remove)
			mt_allowedips_remove(&mt->allowedips, ar->family, ar->addr, ar->cidr,
					     peer, &mt->config_lock);
		else
			mt_allowedips_insert(&mt->allowedips, ar->family, ar->addr, ar->cidr,
					     peer, &peer->allowedips, &req->pool,
					     &mt->config_lock);
	}
}

static void apply_request(struct mt_device *mt, struct mt_set_req *req)
{
	unsigned int i;

	lockdep_assert_held(&mt->config_lock);
	if (req->set_private_key) {
		bool changed = req->has_private_key != mt->has_private_key ||
			crypto_memneq(req->private_key, mt->private_key, MESHTUN_KEY_LEN);

		/* One critical section: no handshake sees the new key with the old results. */
		down_write(&mt->static_identity_lock);
		memcpy(mt->private_key, req->private_key, MESHTUN_KEY_LEN);
		memcpy(mt->public_key, req->public_key, MESHTUN_KEY_LEN);
		mt->has_private_key = req->has_private_key;
		if (!mt->has_private_key)
			memset(mt->public_key, 0, MESHTUN_KEY_LEN);
		if (changed)
			mt_device_rekey_all(mt);
		up_write(&mt->static_identity_lock);
	}
	if (req->set_listen_port)
		mt->listen_port = req->listen_port;
	if (req->set_relay)
		WRITE_ONCE(mt->relay, req->relay);
	if (req->install_sockets) {
		mt_socket_install(mt, &req->sockets);
		req->install_sockets = false;
	}
	if (req->set_fwmark && req->fwmark != mt->fwmark) {
		struct mt_peer *peer;

		WRITE_ONCE(mt->fwmark, req->fwmark);
		/*
		 * Routes and sources were chosen with the old mark: a sender
		 * that read it still holds the endpoint lock, and its route is
		 * dropped here after it is done.
		 */
		list_for_each_entry(peer, &mt->peer_list, device_entry) {
			mt_socket_clear_peer_endpoint_src(peer);
			cond_resched();	/* under RTNL: a million peers take a while */
		}
	}

	if (req->replace_peers) {
		struct mt_peer *peer, *tmp;

		list_for_each_entry_safe(peer, tmp, &mt->peer_list, device_entry) {
			if (!find_in_request(req, peer->public_key))
				mt_peer_remove(peer);
			cond_resched();
		}
	}
	for (i = 0; i < req->n_peers; i++) {
		apply_peer(mt, req, &req->peers[i]);
		cond_resched();
	}
	mt->config_seq++;
	/* One grace period for every hub that left the list (reaping waits for one too). */
	if (req->hub_left && list_empty(&mt->dead_peers))
		synchronize_net();
	mt_peer_reap_dead(mt);
}

static void free_request(struct mt_set_req *req)
{
	unsigned int i;

	for (i = 0; i < req->n_peers; i++) {
		struct mt_peer_req *pr = &req->peers[i];

		if (pr->is_new && pr->peer)
			mt_peer_free_unlinked(pr->peer);
		memzero_explicit(pr->preshared_key, sizeof(pr->preshared_key));
		kvfree(pr->allowedips);
	}
	kvfree(req->peers);
	kvfree(req->sorted);
	mt_allowedips_pool_drain(&req->pool);
	if (req->install_sockets)
		mt_socket_discard(&req->sockets);
	memzero_explicit(req->private_key, sizeof(req->private_key));
}

static int mt_set_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mt_set_req *req;
	struct mt_device *mt;
	int ret;

	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req)
		return -ENOMEM;
	mt_allowedips_pool_init(&req->pool);

	mt = mt_lookup_device(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(mt)) {
		kfree(req);
		return PTR_ERR(mt);
	}
	/* Holding only the device: it may be deleted, and its namespaces go, from here. */
	mt_race_window("set-device", mt->dev);

	rtnl_lock();
	mutex_lock(&mt->config_lock);
	/* Under RTNL: the device can neither go nor move before this request is done. */
	ret = check_device_reach(mt, genl_info_net(info),
				 info->attrs[MESHTUN_DEVICE_A_IFINDEX] ?:
				 info->attrs[MESHTUN_DEVICE_A_IFNAME], info->extack);
	if (!ret)
		ret = parse_request(mt, skb, info, req);
	if (!ret)
		apply_request(mt, req);
	/* Sockets not installed live in the creating namespace: close them while it is held. */
	free_request(req);
	mutex_unlock(&mt->config_lock);
	rtnl_unlock();

	kfree_sensitive(req);
	mt_put_device(mt);
	return ret;
}

static const struct genl_ops mt_genl_ops[] = {
	{
		.cmd = MESHTUN_CMD_GET_DEVICE,
		.dumpit = mt_get_device_dumpit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MESHTUN_CMD_SET_DEVICE,
		.doit = mt_set_device_doit,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family mt_genl_family __ro_after_init = {
	.ops = mt_genl_ops,
	.n_ops = ARRAY_SIZE(mt_genl_ops),
	.name = MESHTUN_GENL_NAME,
	.version = MESHTUN_GENL_VERSION,
	.maxattr = MESHTUN_DEVICE_A_MAX,
	.policy = mt_device_policy,
	.module = THIS_MODULE,
	.netnsok = true,
};

int __init mt_genl_init(void)
{
	return genl_register_family(&mt_genl_family);
}

void mt_genl_uninit(void)
{
	genl_unregister_family(&mt_genl_family);
}

MODULE_ALIAS_GENL_FAMILY(MESHTUN_GENL_NAME);
