// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - the meshtun network device and its rtnetlink link kind.
 *
 * A meshtun device is a point-to-point layer 3 device: no link-layer
 * header, no ARP, no queue. Every packet it transmits will be encrypted
 * and sent inside UDP, so its MTU leaves room for the outer headers and
 * its features are the ones the encryption path can honour in software
 * (scatter-gather, GSO segmented before encryption, checksums computed
 * in software before encryption).
 */
#include "device.h"
#include "compat.h"
#include "messages.h"
#include "peer.h"

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/random.h>
#include <net/icmp.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

static struct rtnl_link_ops mt_link_ops;

/* Every meshtun device, in any namespace; under RTNL. */
static LIST_HEAD(mt_device_list);

/* Headroom for the outer IP and UDP headers plus the data message header. */
#define MT_NEEDED_HEADROOM ALIGN(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
				 MT_DATA_HEADER_LEN + NET_SKB_PAD, 4)
/* Tailroom for padding to 16 bytes and the authentication tag. */
#define MT_NEEDED_TAILROOM (16 + MT_AUTHTAG_LEN)

#define MT_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
		     NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

static int mt_ndo_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void mt_ndo_uninit(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);

	ASSERT_RTNL();
	list_del_init(&mt->device_entry);
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}

/*
 * No destination has a peer yet: tell the sender, as a router without a
 * route would, and count the packet as an error.
 */
static netdev_tx_t mt_ndo_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (pskb_network_may_pull(skb, sizeof(struct iphdr)))
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
		break;
	case htons(ETH_P_IPV6):
		if (pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
			icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
		break;
	}
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops mt_netdev_ops = {
	.ndo_init = mt_ndo_init,
	.ndo_uninit = mt_ndo_uninit,
	.ndo_start_xmit = mt_ndo_start_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

/* After unregistration: no packet or netlink path can reach the device. */
static void mt_priv_destructor(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);

	mutex_lock(&mt->config_lock);
	mt_peer_remove_all(mt);
	mt_allowedips_free(&mt->allowedips, &mt->config_lock);
	memzero_explicit(mt->private_key, sizeof(mt->private_key));
	mutex_unlock(&mt->config_lock);
	mutex_destroy(&mt->config_lock);
}

static void mt_setup(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);

	dev->netdev_ops = &mt_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = MT_NEEDED_HEADROOM;
	dev->needed_tailroom = MT_NEEDED_TAILROOM;

	dev->features |= MT_FEATURES;
	dev->hw_features |= MT_FEATURES;
	dev->hw_enc_features |= MT_FEATURES;
	mt_compat_set_lltx(dev);
	/* Keep the inner route on the skb: the send path reads it. */
	netif_keep_dst(dev);

	dev->mtu = MT_DEFAULT_MTU;
	dev->min_mtu = MT_MIN_MTU;
	dev->max_mtu = MT_MAX_MTU;

	dev->needs_free_netdev = true;
	dev->priv_destructor = mt_priv_destructor;

	mt->dev = dev;
	mutex_init(&mt->config_lock);
	INIT_LIST_HEAD(&mt->device_entry);
	INIT_LIST_HEAD(&mt->peer_list);
	hash_init(mt->peer_hash);
	get_random_bytes(&mt->peer_hash_key, sizeof(mt->peer_hash_key));
	mt_allowedips_init(&mt->allowedips);
	mt->config_seq = 1;
}

static int mt_validate(struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "meshtun devices have no link-layer address");
		return -EINVAL;
	}
	if (tb[IFLA_BROADCAST]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_BROADCAST],
				    "meshtun devices have no link-layer broadcast address");
		return -EINVAL;
	}
	return 0;
}

static int mt_newlink(struct net *src_net, struct net_device *dev,
		      struct nlattr *tb[], struct nlattr *data[],
		      struct netlink_ext_ack *extack)
{
	struct mt_device *mt = netdev_priv(dev);
	int ret;

	mt->creating_net = src_net;
	ret = register_netdevice(dev);
	if (ret)
		return ret;
	list_add(&mt->device_entry, &mt_device_list);
	return 0;
}

static struct rtnl_link_ops mt_link_ops __read_mostly = {
	.kind = KBUILD_MODNAME,
	.priv_size = sizeof(struct mt_device),
	.setup = mt_setup,
	.validate = mt_validate,
	.newlink = mt_newlink,
};

struct mt_device *mt_device_from_netdev(struct net_device *dev)
{
	if (!dev || dev->rtnl_link_ops != &mt_link_ops)
		return NULL;
	return netdev_priv(dev);
}

/*
 * The namespace a device was created in is going away while the device
 * lives on elsewhere: forget it (sockets will close with it).
 */
static void __net_exit mt_netns_pre_exit(struct net *net)
{
	struct mt_device *mt;

	rtnl_lock();
	list_for_each_entry(mt, &mt_device_list, device_entry) {
		if (mt->creating_net != net)
			continue;
		mutex_lock(&mt->config_lock);
		mt->creating_net = NULL;
		mt->config_seq++;
		mutex_unlock(&mt->config_lock);
	}
	rtnl_unlock();
}

static struct pernet_operations mt_netns_ops = {
	.pre_exit = mt_netns_pre_exit,
};

int __init mt_device_init(void)
{
	int ret;

	ret = register_pernet_device(&mt_netns_ops);
	if (ret)
		return ret;
	ret = rtnl_link_register(&mt_link_ops);
	if (ret)
		unregister_pernet_device(&mt_netns_ops);
	return ret;
}

void mt_device_uninit(void)
{
	rtnl_link_unregister(&mt_link_ops);
	unregister_pernet_device(&mt_netns_ops);
}

MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
