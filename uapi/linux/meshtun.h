/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * meshtun: the generic netlink API shared by the kernel module and mtctl.
 *
 * Devices are created and destroyed with rtnetlink ("ip link add mt0 type
 * meshtun", "ip link del mt0"). Everything else is configured through the
 * generic netlink family MESHTUN_GENL_NAME, version MESHTUN_GENL_VERSION.
 * Both commands need CAP_NET_ADMIN in the user namespace that owns the
 * device's network namespace (GENL_UNS_ADMIN_PERM).
 *
 * MESHTUN_CMD_GET_DEVICE (dump only)
 *   Request: MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME selects
 *   the device (one of the two, in the device's network namespace).
 *   Reply: MESHTUN_DEVICE_A_IFINDEX, MESHTUN_DEVICE_A_IFNAME.
 *
 * MESHTUN_CMD_SET_DEVICE
 *   Request: MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME, as above.
 *   A request naming no meshtun device fails with ENODEV and an extended
 *   ack message naming the attribute.
 *
 * Attributes are validated strictly: an unknown attribute, a wrong type or
 * length is rejected with an extended ack that names it.
 */
#ifndef _UAPI_LINUX_MESHTUN_H
#define _UAPI_LINUX_MESHTUN_H

#define MESHTUN_GENL_NAME	"meshtun"
#define MESHTUN_GENL_VERSION	1

enum meshtun_cmd {
	MESHTUN_CMD_UNSPEC,
	MESHTUN_CMD_GET_DEVICE,
	MESHTUN_CMD_SET_DEVICE,

	__MESHTUN_CMD_MAX
};

#define MESHTUN_CMD_MAX (__MESHTUN_CMD_MAX - 1)

enum meshtun_device_attr {
	MESHTUN_DEVICE_A_UNSPEC,
	MESHTUN_DEVICE_A_IFINDEX,	/* u32 */
	MESHTUN_DEVICE_A_IFNAME,	/* NUL-terminated string, < IFNAMSIZ */

	__MESHTUN_DEVICE_A_MAX
};

#define MESHTUN_DEVICE_A_MAX (__MESHTUN_DEVICE_A_MAX - 1)

#endif /* _UAPI_LINUX_MESHTUN_H */
