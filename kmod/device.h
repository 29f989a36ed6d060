/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - the meshtun network device and its rtnetlink link kind.
 *
 *   struct mt_device        private state of one meshtun net_device
 *   mt_device_init()        register the "meshtun" link kind
 *   mt_device_uninit()      unregister it, deleting every meshtun device
 *   mt_device_from_netdev() the mt_device behind a net_device, or NULL if
 *                           the net_device is not a meshtun device
 */
#ifndef MT_DEVICE_H
#define MT_DEVICE_H

#include <linux/mutex.h>
#include <linux/netdevice.h>

struct mt_device {
	struct net_device *dev;
	/* Serialises configuration changes (generic netlink set requests). */
	struct mutex config_lock;
};

int mt_device_init(void);
void mt_device_uninit(void);
struct mt_device *mt_device_from_netdev(struct net_device *dev);

#endif /* MT_DEVICE_H */
