/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - the meshtun network device and its rtnetlink link kind.
 *
 *   struct mt_device        private state of one meshtun net_device
 *   mt_device_init()        register the "meshtun" link kind
 *   mt_device_uninit()      unregister it, deleting every meshtun device
 *   mt_device_from_netdev() the mt_device behind a net_device, or NULL if
 *                           the net_device is not a meshtun device
 *
 * Locking: configuration changes hold RTNL, then config_lock; readers of
 * the configuration (dumps) hold config_lock; the packet path reads peers
 * and allowed IPs under RCU.
 */
#ifndef MT_DEVICE_H
#define MT_DEVICE_H

#include "allowedips.h"

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/siphash.h>
#include <linux/meshtun.h>

#define MT_PEER_HASH_BITS 11

struct mt_device {
	struct net_device *dev;
	struct mutex config_lock;	/* see "Locking" above */
	/* In the global device list, under RTNL. */
	struct list_head device_entry;
	/*
	 * The namespace the device was created in, where its sockets will
	 * live; NULL once that namespace is going away. Not a reference:
	 * the pernet pre_exit hook clears it.
	 */
	struct net *creating_net;

	u8 private_key[MESHTUN_KEY_LEN];
	u8 public_key[MESHTUN_KEY_LEN];
	bool has_private_key;
	u16 listen_port;
	u32 fwmark;

	struct list_head peer_list;
	unsigned int num_peers;
	u64 next_peer_serial;
	DECLARE_HASHTABLE(peer_hash, MT_PEER_HASH_BITS);
	siphash_key_t peer_hash_key;
	struct mt_allowedips allowedips;

	/* Bumped by every configuration change; dumps check it. */
	u64 config_seq;
};

int mt_device_init(void);
void mt_device_uninit(void);
struct mt_device *mt_device_from_netdev(struct net_device *dev);

#endif /* MT_DEVICE_H */
