/* SPDX-License-Identifier: GPL-2.0 */
/*
 * up.h - `mtctl up` and `mtctl down`: a device with its routing around it,
 * brought up from a configuration file and taken away again.
 *
 *   mt_up()    read FILE (or $MTCTL_CONFIG_DIR/NAME.conf, by default
 *              /etc/meshtun/NAME.conf), create the device NAME, configure
 *              it, and install addresses, MTU, routes, policy rules,
 *              sysctls and nftables objects, each recorded first in
 *              $MTCTL_STATE_DIR/NAME.state (default /run/meshtun); on any
 *              failure remove what was installed and the record
 *   mt_down()  remove what the record of NAME lists, newest first, and
 *              the record
 *
 * Both print their errors (prefixed with prog) and return 0 or 1.
 */
#ifndef MT_TOOLS_UP_H
#define MT_TOOLS_UP_H

#include "netlink.h"

int mt_up(const char *prog, struct mt_netlink *g, const char *arg);
int mt_down(const char *prog, const char *arg);

#endif /* MT_TOOLS_UP_H */
