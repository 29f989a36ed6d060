/* SPDX-License-Identifier: GPL-2.0 */
/*
 * genl.h - a generic netlink connection to the meshtun family, with the
 * kernel's extended acknowledgements (extack) captured for display.
 *
 *   mt_genl_open()     connect and resolve the family
 *   mt_rtnl_open()     connect to rtnetlink instead (for mt_genl_request
 *                      with requests of its own; family_id unused)
 *   mt_genl_close()    disconnect
 *   mt_genl_msg()      a new request for a command (NULL when out of memory)
 *   mt_genl_request()  send a request, feed each reply to a callback,
 *                      return 0 or -errno; the extack message, if any, is
 *                      left in ->message; -EINTR when a dump was
 *                      interrupted by a concurrent change (read in full,
 *                      so the caller may simply ask again)
 */
#ifndef MT_TOOLS_GENL_H
#define MT_TOOLS_GENL_H

#include <stdint.h>
#include <netlink/msg.h>

struct mt_genl {
	struct nl_sock *sk;
	int family_id;
	/* extack of the last failed request: message and the offset of the
	 * offending attribute in the request (-1 if the kernel named none) */
	char message[256];
	int offset;
};

int mt_genl_open(struct mt_genl *g);
int mt_rtnl_open(struct mt_genl *g);
void mt_genl_close(struct mt_genl *g);
struct nl_msg *mt_genl_msg(struct mt_genl *g, uint8_t cmd, int flags);
int mt_genl_request(struct mt_genl *g, struct nl_msg *msg,
		    int (*reply)(struct nl_msg *msg, void *arg), void *arg);

#endif /* MT_TOOLS_GENL_H */
