/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - helpers for the netlink API tests (run as root in the VM).
 *
 *   link_add(name)          create a meshtun device; 0 or -errno
 *   link_del(name)          delete a device; 0 or -errno
 *   get_device_by_name()    GET_DEVICE dump for one device, parsed
 *   drop_privileges()       become uid/gid 65534 with no capabilities
 *   enter_user_namespace()  become root of a new user namespace (mapped
 *                           to our uid/gid 0), with no powers outside it
 */
#ifndef MT_SELFTEST_UTIL_H
#define MT_SELFTEST_UTIL_H

#include <net/if.h>
#include <stdint.h>

#include "../../tools/netlink.h"

struct test_device {
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	int messages;
};

int link_add(const char *name);
int link_del(const char *name);
int get_device_by_name(struct mt_netlink *g, const char *name, struct test_device *out);
int get_device_by_index(struct mt_netlink *g, uint32_t ifindex, struct test_device *out);
int drop_privileges(void);
int enter_user_namespace(void);

#endif /* MT_SELFTEST_UTIL_H */
