/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - the one place where kernel API differences between the
 * supported kernels (6.1 LTS and 6.12 LTS) are bridged.
 *
 *   mt_compat_set_lltx(dev)    mark a device lockless-xmit
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
