/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the "meshtun" generic netlink family (see uapi/linux/meshtun.h).
 *
 *   mt_genl_init()    register the family
 *   mt_genl_uninit()  unregister it
 */
#ifndef MT_NETLINK_H
#define MT_NETLINK_H

int mt_genl_init(void);
void mt_genl_uninit(void);

#endif /* MT_NETLINK_H */
