/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - mtctl's netlink layer: a connection to the meshtun generic
 * netlink family (or to rtnetlink), with the kernel's extended
 * acknowledgements (extack) captured for display.
 *
 *   mt_netlink_open_genl()  connect and resolve the meshtun family
 *   mt_netlink_open_rtnl()  connect to rtnetlink instead (for
 *                           mt_netlink_request() with requests of its
 *                           own; family_id unused)
 *   mt_netlink_close()      disconnect
 *   mt_netlink_genl_msg()   a new meshtun request for a command (NULL when
 *                           out of memory)
 *   mt_netlink_request()    send a request, feed each reply to a callback,
 *                           return 0 or -errno; the extack message, if any,
 *                           is left in ->message; -EINTR when a dump was
 *                           interrupted by a concurrent change (read in
 *                           full, so the caller may simply ask again)
 */
#ifndef MT_TOOLS_NETLINK_H
#define MT_TOOLS_NETLINK_H

#include <stdint.h>
#include <netlink/msg.h>

struct mt_netlink {
	struct nl_sock *sk;
	int family_id;
	/* extack of the last failed request: message and the offset of the
	 * offending attribute in the request (-1 if the kernel named none) */
	char message[256];
	int offset;
};

int mt_netlink_open_genl(struct mt_netlink *g);
int mt_netlink_open_rtnl(struct mt_netlink *g);
void mt_netlink_close(struct mt_netlink *g);
struct nl_msg *mt_netlink_genl_msg(struct mt_netlink *g, uint8_t cmd, int flags);
int mt_netlink_request(struct mt_netlink *g, struct nl_msg *msg,
		    int (*reply)(struct nl_msg *msg, void *arg), void *arg);

#endif /* MT_TOOLS_NETLINK_H */
