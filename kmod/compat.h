/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the one place where kernel API differences between the
 * supported kernels (6.1 LTS and 6.12 LTS) are bridged.
 *
 *   mt_compat_set_lltx(dev)    mark a device lockless-xmit
 *   mt_compat_tstats_setup(dev), mt_compat_tstats_alloc(dev),
 *   mt_compat_tstats_free(dev) per-CPU tunnel statistics: the core's
 *                              (6.7 and later) or the driver's own
 *   mt_compat_dump_attrs(cb)   parsed request attributes of a genl dump
 */
#ifndef MT_COMPAT_H
#define MT_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#include <net/gso.h>	/* skb_gso_segment() moved here from netdevice.h */
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
static inline void mt_compat_set_lltx(struct net_device *dev)
{
	dev->lltx = true;
}
#else
static inline void mt_compat_set_lltx(struct net_device *dev)
{
	dev->features |= NETIF_F_LLTX;
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
/* The core allocates and frees them, and its helpers check the kind. */
static inline void mt_compat_tstats_setup(struct net_device *dev)
{
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
}

static inline int mt_compat_tstats_alloc(struct net_device *dev)
{
	return 0;
}

static inline void mt_compat_tstats_free(struct net_device *dev)
{
}
#else
static inline void mt_compat_tstats_setup(struct net_device *dev)
{
}

static inline int mt_compat_tstats_alloc(struct net_device *dev)
{
	/* Charged to whoever creates the device, as the device itself is. */
	dev->tstats = __netdev_alloc_pcpu_stats(struct pcpu_sw_netstats, GFP_KERNEL_ACCOUNT);
	return dev->tstats ? 0 : -ENOMEM;
}

static inline void mt_compat_tstats_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
	dev->tstats = NULL;
}
#endif

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
static inline struct nlattr **mt_compat_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->info.attrs;
}
#else
static inline struct nlattr **mt_compat_dump_attrs(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs;
}
#endif

#endif /* MT_COMPAT_H */
