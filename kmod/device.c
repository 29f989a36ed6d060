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
#include "mesh.h"
#include "messages.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/suspend.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

static struct rtnl_link_ops mt_link_ops;

/* Every meshtun device, in any namespace; under RTNL. */
static LIST_HEAD(mt_device_list);

/*
 * Headroom for the outer IP and UDP headers plus the data message header,
 * and for a relayed packet's second data header and RELAY header.
 */
#define MT_NEEDED_HEADROOM ALIGN(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
				 2 * MT_DATA_HEADER_LEN + sizeof(struct mt_mesh_peer_msg) + \
				 NET_SKB_PAD, 4)
/* Tailroom for padding to 16 bytes and the authentication tag, twice if relayed. */
#define MT_NEEDED_TAILROOM (2 * (16 + MT_AUTHTAG_LEN))

#define MT_FEATURES (NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
		     NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

void mt_device_count(struct mt_device *mt, enum mt_drop_reason reason)
{
	atomic_long_inc(&mt->drops[reason]);
}

void mt_device_mesh_count(struct mt_device *mt, enum mt_mesh_stat stat, u64 n)
{
	atomic64_add(n, &mt->mesh_stats[stat]);
}

static void free_queues(struct mt_device *mt)
{
	/*
	 * Drain the workers first: they may still deliver what they hold.
	 * Decrypt workers feed the handshake ring (handshakes a hub relays)
	 * and handshake workers never feed the crypt rings once every peer
	 * is gone (peers are removed before this), so crypt goes first.
	 */
	if (mt->crypt_wq)
		destroy_workqueue(mt->crypt_wq);
	if (mt->handshake_wq)
		destroy_workqueue(mt->handshake_wq);
	mt->crypt_wq = NULL;
	mt->handshake_wq = NULL;
	mt_crypt_queue_free(&mt->encrypt_queue, false);
	mt_crypt_queue_free(&mt->decrypt_queue, false);
	mt_crypt_queue_free(&mt->handshake_queue, true);
}

static int mt_ndo_init(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);
	int ret = -ENOMEM;

	if (mt_compat_tstats_alloc(dev))
		return -ENOMEM;
	mt->crypt_wq = alloc_workqueue("meshtun-crypt-%s", WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM,
				       0, dev->name);
	mt->handshake_wq = alloc_workqueue("meshtun-handshake-%s",
					   WQ_CPU_INTENSIVE | WQ_FREEZABLE, 0, dev->name);
	if (!mt->crypt_wq || !mt->handshake_wq)
		goto err;
	ret = mt_crypt_queue_init(&mt->encrypt_queue, mt->crypt_wq, mt_send_encrypt_worker,
				  MT_MAX_QUEUED_PACKETS);
	if (ret)
		goto err;
	ret = mt_crypt_queue_init(&mt->decrypt_queue, mt->crypt_wq, mt_receive_decrypt_worker,
				  MT_MAX_QUEUED_PACKETS);
	if (ret)
		goto err;
	ret = mt_crypt_queue_init(&mt->handshake_queue, mt->handshake_wq,
				  mt_receive_handshake_worker, MT_MAX_QUEUED_INCOMING_HANDSHAKES);
	if (ret)
		goto err;
	ret = gro_cells_init(&mt->gro_cells, dev);
	if (ret)
		goto err;
	return 0;
err:
	free_queues(mt);
	mt_compat_tstats_free(dev);
	return ret;
}

/*
 * What the crypt workers hold brings more work: a message a hub relayed
 * is decrypted again inside; that may start a session, whose staged
 * packets are encrypted, and those may go through a hub, wrapped and
 * encrypted once more (nothing relayed is relayed again). With nothing
 * new coming in, four flushes leave the crypt workers idle.
 */
#define MT_CRYPT_FLUSHES 4

/*
 * The handshake workqueue is freezable (no key is made while the machine
 * goes to sleep), and a namespace's exit brings a device down, under
 * RTNL, while the machine is frozen: waiting there for a handshake that
 * came in after the freeze would hold RTNL until the thaw, and a driver
 * whose suspend takes RTNL would never let the suspend end. So the
 * handshake workers are cancelled, never flushed: the one that runs is
 * waited for (it stops at the next message, the device being down), the
 * queued ones are not started, and what they would have taken stays in
 * the ring for ndo_stop to drop.
 */
static void stop_workers(struct mt_device *mt)
{
	int i;

	mt_crypt_queue_cancel(&mt->handshake_queue);
	for (i = 0; i < MT_CRYPT_FLUSHES; i++)
		flush_workqueue(mt->crypt_wq);
}

static void mt_ndo_uninit(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);
	struct mt_peer *peer;

	ASSERT_RTNL();
	list_del_init(&mt->device_entry);
	/*
	 * Off the list, pre_exit no longer sees it: a late request must not
	 * use the namespace, and the routes its peers cached there go now
	 * (the device may wait long for its last reference).
	 */
	mutex_lock(&mt->config_lock);
	mt->creating_net = NULL;
	list_for_each_entry(peer, &mt->peer_list, device_entry) {
		mt_socket_clear_peer_endpoint_src(peer);
		cond_resched();
	}
	mutex_unlock(&mt->config_lock);
	/* The device is down (ndo_stop idled the workers): before their GRO cells go. */
	stop_workers(mt);
	gro_cells_destroy(&mt->gro_cells);
}

static int mt_ndo_open(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);
	struct mt_peer *peer;
	int ret;

	mutex_lock(&mt->config_lock);
	ret = mt_socket_open(mt, mt->listen_port);
	/* Rate limited: whoever may bring the device up may try it in a loop. */
	if (ret == -ENONET) {
		net_err_ratelimited("%s: the namespace it was created in is gone: no UDP socket\n",
				    dev->name);
		goto out;
	} else if (ret) {
		net_err_ratelimited("%s: cannot bind UDP port %u: %d\n", dev->name,
				    mt->listen_port, ret);
		goto out;
	}
	/* Peers that keep NAT mappings open announce themselves at once. */
	list_for_each_entry(peer, &mt->peer_list, device_entry) {
		if (peer->persistent_keepalive_interval)
			mt_send_keepalive(peer);
		cond_resched();	/* under RTNL: a million peers take a while */
	}
out:
	mutex_unlock(&mt->config_lock);
	return ret;
}

static int mt_ndo_stop(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);
	struct mt_peer *peer;
	struct sk_buff *skb;

	mutex_lock(&mt->config_lock);
	mt_socket_close(mt);
	/*
	 * Nothing comes in now, and no timer or initiation starts (the
	 * device is not running, and the socket's close waited for whoever
	 * saw it running): stop those that were, so that nothing but what
	 * the workers hold is sent after the flushes below.
	 */
	list_for_each_entry(peer, &mt->peer_list, device_entry) {
		mt_peer_stop(peer);
		cond_resched();	/* a million peers take a while */
	}
	/*
	 * Let the handshake being worked on end (what it sends through a hub
	 * goes to the crypt workers), then what the crypt workers hold.
	 * Handshakes that came in while up are not answered by a device that
	 * is down: drop the queued ones (the crypt workers may have queued
	 * more, and woken a worker: cancelled again) before the sessions are
	 * cleared below. Cancelled, not flushed: see stop_workers().
	 */
	stop_workers(mt);
	while ((skb = mt_crypt_queue_pop(&mt->handshake_queue))) {
		atomic_dec(&mt->handshake_queue_len);
		kfree_skb(skb);
	}
	mt_crypt_queue_cancel(&mt->handshake_queue);
	list_for_each_entry(peer, &mt->peer_list, device_entry) {
		mt_peer_forget(peer, MT_DROP_TX_NO_SOCKET);
		/* The first initiation after the next up goes out at once. */
		WRITE_ONCE(peer->last_sent_handshake, get_jiffies_64() - MT_REKEY_TIMEOUT * HZ - 1);
		cond_resched();	/* a million peers take a while */
	}
	mutex_unlock(&mt->config_lock);
	return 0;
}

/* ethtool -S: every drop reason by name. */
static const char mt_drop_names[__MT_DROP_MAX][ETH_GSTRING_LEN] = {
	[MT_DROP_RX_BAD_LENGTH] = "rx_bad_length",
	[MT_DROP_RX_BAD_TYPE] = "rx_bad_type",
	[MT_DROP_RX_NO_SESSION] = "rx_no_session",
	[MT_DROP_RX_DECRYPT] = "rx_decrypt_failed",
	[MT_DROP_RX_REPLAY] = "rx_replayed",
	[MT_DROP_RX_BAD_INNER] = "rx_bad_inner_packet",
	[MT_DROP_RX_NOT_ALLOWED] = "rx_source_not_allowed",
	[MT_DROP_RX_BAD_MAC] = "rx_handshake_bad_mac",
	[MT_DROP_RX_HANDSHAKE] = "rx_handshake_failed",
	[MT_DROP_RX_RATELIMIT] = "rx_handshake_ratelimited",
	[MT_DROP_RX_QUEUE_FULL] = "rx_queue_full",
	[MT_DROP_TX_NO_PEER] = "tx_no_peer",
	[MT_DROP_TX_NO_ENDPOINT] = "tx_no_endpoint",
	[MT_DROP_TX_NO_ROUTE] = "tx_no_route",
	[MT_DROP_TX_LOOP] = "tx_routing_loop",
	[MT_DROP_TX_STAGED_OVERFLOW] = "tx_staged_overflow",
	[MT_DROP_TX_QUEUE_FULL] = "tx_queue_full",
	[MT_DROP_TX_ENCRYPT] = "tx_encrypt_failed",
	[MT_DROP_TX_HANDSHAKE_TIMEOUT] = "tx_handshake_timeout",
	[MT_DROP_RX_MESH_MALFORMED] = "rx_mesh_malformed",
	[MT_DROP_RX_MESH_REFUSED] = "rx_mesh_refused",
	[MT_DROP_RX_MESH_RATELIMIT] = "rx_mesh_ratelimited",
	[MT_DROP_TX_NO_RELAY] = "tx_no_relay",
	[MT_DROP_TX_NO_SOCKET] = "tx_no_socket",
	[MT_DROP_TX_MESH_UNSPOKEN] = "tx_mesh_unspoken",
};

/* The mesh's counters follow; none starts with rx_ or tx_, as drops do. */
static const char mt_mesh_stat_names[__MT_MESH_STAT_MAX][ETH_GSTRING_LEN] = {
	[MT_MESH_STAT_RELAY_SENT] = "relay_sent",
	[MT_MESH_STAT_RELAY_RECEIVED] = "relay_received",
	[MT_MESH_STAT_FORWARDED] = "relay_forwarded",
	[MT_MESH_STAT_FORWARDED_BYTES] = "relay_forwarded_bytes",
	[MT_MESH_STAT_INTRODUCTIONS] = "mesh_introductions",
	[MT_MESH_STAT_PUNCHES] = "mesh_punches",
	[MT_MESH_STAT_PATH_DIRECT] = "mesh_path_direct",
	[MT_MESH_STAT_PATH_RELAYED] = "mesh_path_relayed",
	[MT_MESH_STAT_PROBES_FAILED] = "mesh_probes_failed",
};

static int mt_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? __MT_DROP_MAX + __MT_MESH_STAT_MAX : -EOPNOTSUPP;
}

static void mt_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, mt_drop_names, sizeof(mt_drop_names));
	memcpy(data + sizeof(mt_drop_names), mt_mesh_stat_names, sizeof(mt_mesh_stat_names));
}

static void mt_get_ethtool_stats(struct net_device *dev, struct ethtool_stats *stats, u64 *data)
{
	struct mt_device *mt = netdev_priv(dev);
	int i;

	for (i = 0; i < __MT_DROP_MAX; i++)
		data[i] = atomic_long_read(&mt->drops[i]);
	for (i = 0; i < __MT_MESH_STAT_MAX; i++)
		data[__MT_DROP_MAX + i] = atomic64_read(&mt->mesh_stats[i]);
}

static void mt_get_drvinfo(struct net_device *dev, struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, MT_VERSION, sizeof(info->version));
}

static const struct ethtool_ops mt_ethtool_ops = {
	.get_drvinfo = mt_get_drvinfo,
	.get_link = ethtool_op_get_link,
	.get_sset_count = mt_get_sset_count,
	.get_strings = mt_get_strings,
	.get_ethtool_stats = mt_get_ethtool_stats,
};

static const struct net_device_ops mt_netdev_ops = {
	.ndo_init = mt_ndo_init,
	.ndo_uninit = mt_ndo_uninit,
	.ndo_open = mt_ndo_open,
	.ndo_stop = mt_ndo_stop,
	.ndo_start_xmit = mt_send_xmit,
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
	free_queues(mt);
	mt_compat_tstats_free(dev);
	memzero_explicit(&mt->cookie_checker, sizeof(mt->cookie_checker));
	mutex_destroy(&mt->config_lock);
}

/* Numbers the devices (mt_device.generation). */
static atomic64_t mt_device_generations = ATOMIC64_INIT(0);

static void mt_setup(struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);

	dev->netdev_ops = &mt_netdev_ops;
	dev->ethtool_ops = &mt_ethtool_ops;
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
	mt_compat_tstats_setup(dev);

	mt->dev = dev;
	mutex_init(&mt->config_lock);
	init_rwsem(&mt->static_identity_lock);
	INIT_LIST_HEAD(&mt->device_entry);
	INIT_LIST_HEAD(&mt->peer_list);
	INIT_LIST_HEAD(&mt->dead_peers);
	INIT_LIST_HEAD(&mt->hub_list);
	mt_index_table_init(&mt->index_table);
	mt_cookie_checker_init(&mt->cookie_checker, mt);
	hash_init(mt->peer_hash);
	hash_init(mt->key_tag_hash);
	get_random_bytes(&mt->peer_hash_key, sizeof(mt->peer_hash_key));
	mt_allowedips_init(&mt->allowedips);
	mt->config_seq = 1;
	mt->generation = atomic64_inc_return(&mt_device_generations);
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

/* Called with the config lock and the static identity written, the new key in place. */
void mt_device_rekey_all(struct mt_device *mt)
{
	struct mt_peer *peer;

	lockdep_assert_held(&mt->config_lock);
	lockdep_assert_held_write(&mt->static_identity_lock);
	mt_cookie_checker_precompute(&mt->cookie_checker);
	list_for_each_entry(peer, &mt->peer_list, device_entry) {
		mt_noise_forget_static_static(peer);
		mt_noise_expire_current_keypair(&peer->keypairs);
		mt_noise_handshake_clear(&peer->handshake);
		cond_resched();
	}
	mt_peer_rehash_key_tags(mt);
}

struct mt_device *mt_device_from_netdev(struct net_device *dev)
{
	if (!dev || dev->rtnl_link_ops != &mt_link_ops)
		return NULL;
	return netdev_priv(dev);
}

/*
 * The namespace a device was created in is going away while the device
 * lives on elsewhere. Its sockets hold no reference on the namespace, and
 * its peers' cached routes hold the namespace's devices: close and drop
 * them now, before the namespace is freed. The device goes on without a
 * port (what it sends is dropped as tx_no_socket) and cannot get one
 * again: there is no namespace to bind it in.
 */
static void __net_exit mt_netns_pre_exit(struct net *net)
{
	struct mt_device *mt;
	struct mt_peer *peer;

	rtnl_lock();
	list_for_each_entry(mt, &mt_device_list, device_entry) {
		if (mt->creating_net != net)
			continue;
		netif_carrier_off(mt->dev);
		mutex_lock(&mt->config_lock);
		mt->creating_net = NULL;
		mt->listen_port = 0;
		mt_socket_close(mt);
		list_for_each_entry(peer, &mt->peer_list, device_entry) {
			mt_socket_clear_peer_endpoint_src(peer);
			cond_resched();
		}
		mt->config_seq++;
		mutex_unlock(&mt->config_lock);
	}
	rtnl_unlock();
}

static struct pernet_operations mt_netns_ops = {
	.pre_exit = mt_netns_pre_exit,
};

/* Every device's peers, under RTNL and each device's config lock. */
static void apply_to_all_peers(void (*fn)(struct mt_peer *peer))
{
	struct mt_device *mt;
	struct mt_peer *peer;

	rtnl_lock();
	list_for_each_entry(mt, &mt_device_list, device_entry) {
		mutex_lock(&mt->config_lock);
		list_for_each_entry(peer, &mt->peer_list, device_entry) {
			fn(peer);
			cond_resched();
		}
		mutex_unlock(&mt->config_lock);
	}
	rtnl_unlock();
}

static void forget_sessions(struct mt_peer *peer)
{
	/* Nothing is left to zero: its timer would only wake the machine. */
	del_timer(&peer->timer_zero_key_material);
	mt_noise_handshake_clear(&peer->handshake);
	mt_noise_keypairs_clear(&peer->keypairs);
	/* Awake, shake hands at once, without waiting for the last one's timeout. */
	WRITE_ONCE(peer->last_sent_handshake, get_jiffies_64() - MT_REKEY_TIMEOUT * HZ - 1);
}

/*
 * Before the machine sleeps, and its memory perhaps goes to disk, every
 * session and handshake is forgotten and its keys zeroed (as WireGuard
 * does): peers shake hands again after it wakes. Not where the machine
 * sleeps on its own whenever idle (PM_AUTOSLEEP, or its userspace
 * counterpart, as on Android): sessions would never last.
 */
static bool mt_sleeping;

bool mt_device_sleeping(void)
{
	return READ_ONCE(mt_sleeping);
}

static int mt_pm_notification(struct notifier_block *nb, unsigned long action, void *data)
{
	if (IS_ENABLED(CONFIG_PM_AUTOSLEEP) || IS_ENABLED(CONFIG_PM_USERSPACE_AUTOSLEEP))
		return NOTIFY_DONE;
	/* The core follows every PREPARE with its POST, the sleep failed or not. */
	if (action == PM_POST_SUSPEND || action == PM_POST_HIBERNATION) {
		WRITE_ONCE(mt_sleeping, false);
		return NOTIFY_DONE;
	}
	if (action != PM_HIBERNATION_PREPARE && action != PM_SUSPEND_PREPARE)
		return NOTIFY_DONE;
	/*
	 * Until the wake, no handshake or session is made (the handshake
	 * workers freeze only later, and might make one meanwhile): the
	 * mark first, then each peer's clear under the locks that the
	 * writers check it under (noise.c).
	 */
	WRITE_ONCE(mt_sleeping, true);
	apply_to_all_peers(forget_sessions);
	/* Keypairs go after a grace period: their keys are zeroed by then. */
	rcu_barrier();
	return NOTIFY_DONE;
}

static struct notifier_block mt_pm_notifier = {
	.notifier_call = mt_pm_notification,
};

static void forget_forked_sessions(struct mt_peer *peer)
{
	mt_noise_handshake_clear(&peer->handshake);
	mt_noise_expire_current_keypair(&peer->keypairs);
	/* And shake hands again at once, without waiting for the last one's timeout. */
	WRITE_ONCE(peer->last_sent_handshake, get_jiffies_64() - MT_REKEY_TIMEOUT * HZ - 1);
}

/*
 * The virtual machine was cloned: the clone and the original hold the
 * same sessions, and would send different packets under the same key and
 * counter. Neither sends on them again; the next packet starts a new
 * handshake, with an ephemeral key of its own.
 */
static int mt_vmfork_notification(struct notifier_block *nb, unsigned long action, void *data)
{
	apply_to_all_peers(forget_forked_sessions);
	return NOTIFY_DONE;
}

static struct notifier_block mt_vmfork_notifier = {
	.notifier_call = mt_vmfork_notification,
};

int __init mt_device_init(void)
{
	int ret;

	ret = register_pm_notifier(&mt_pm_notifier);
	if (ret)
		return ret;
	ret = register_random_vmfork_notifier(&mt_vmfork_notifier);
	if (ret)
		goto err_vmfork;
	ret = register_pernet_device(&mt_netns_ops);
	if (ret)
		goto err_pernet;
	ret = rtnl_link_register(&mt_link_ops);
	if (ret)
		goto err_link;
	return 0;

err_link:
	unregister_pernet_device(&mt_netns_ops);
err_pernet:
	unregister_random_vmfork_notifier(&mt_vmfork_notifier);
err_vmfork:
	unregister_pm_notifier(&mt_pm_notifier);
	return ret;
}

void mt_device_uninit(void)
{
	rtnl_link_unregister(&mt_link_ops);
	unregister_pernet_device(&mt_netns_ops);
	unregister_random_vmfork_notifier(&mt_vmfork_notifier);
	unregister_pm_notifier(&mt_pm_notifier);
}

MODULE_ALIAS_RTNL_LINK(KBUILD_MODNAME);
