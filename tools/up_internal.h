/* SPDX-License-Identifier: GPL-2.0 */
/*
 * up_internal.h - `mtctl up` and `mtctl down`, and what their parts share.
 *
 * up reads FILE (or $MTCTL_CONFIG_DIR/NAME.conf, by default
 * /etc/meshtun/NAME.conf), creates the device NAME, configures it, and
 * installs addresses, MTU, routes, policy rules, sysctls and nftables
 * objects, each recorded first in $MTCTL_STATE_DIR/NAME.state (default
 * /run/meshtun); on any failure it removes what was installed, and the
 * record once all of it is gone. down removes what the record of NAME lists, newest first, and
 * the record. Both follow cli.h's convention; their messages start
 * "up NAME:" and "down NAME:".
 *
 *   up.c        the command: the device, its keys and addresses, hooks,
 *               and the order of everything
 *   up_route.c  how to route (plan), the MTU, routes and policy rules
 *   up_nft.c    the nftables objects and the gateway's forwarding
 *   down.c      removing what a record lists (down, and a failed up)
 *   record.c    the record itself
 *
 *   up_resolve()      FILE or NAME: the device name, the configuration
 *                     file and the record's path
 *   up_run_hooks()    run hooks (%i: the device), the first failure recorded
 *   up_fail()         record the failure "up NAME: MESSAGE" (or "down
 *                     NAME:", cli.h); returns err
 *   up_fail_record()  the same for a record that could not be written
 *   up_install()      send an RTM_NEW* request, recorded first
 *   up_set_sysctl()   set a sysctl, its old value recorded first
 *   up_sysctl_io()    read or write a sysctl
 *   up_plan()         decide how to route; pick table and fwmark
 *   up_outer_mtu()    the device's MTU from the path to the endpoints
 *   up_install_routing()  routes, and for policy routing rules and
 *                     src_valid_mark
 *   up_install_nft()  the nftables table and DirectSet chains
 *   up_install_gateway()  forwarding sysctls for Gateway
 *   up_remove_all()   remove every entry of a record, newest first
 */
#ifndef MT_TOOLS_UP_INTERNAL_H
#define MT_TOOLS_UP_INTERNAL_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>

#include "cli.h"
#include "conf.h"
#include "netlink.h"
#include "record.h"
#include "upconf.h"
#include "watch.h"

struct up {
	struct mt_cli *cli;
	char name[IFNAMSIZ];
	char conf_path[PATH_MAX];
	char record_path[PATH_MAX];
	struct mt_netlink *g;
	struct mt_netlink rtnl;
	struct mt_record rec;
	struct mt_device_conf conf;
	struct mt_up_conf up;
	uint32_t ifindex;
	struct mt_allowedip *routed;	/* distinct prefixes, masked */
	size_t n_routed;
	bool full[2];			/* a default is routed, per family (v4, v6) */
	bool policy;			/* rules and table T */
	bool by_user;			/* Users or BypassUsers: all routes in T */
	bool split;			/* 0/1 + 128/1 */
	uint32_t table;			/* T, or the table of plain routes */
	uint32_t fwmark;
	struct mt_watch watch;		/* split: the endpoints' routes */
};

int up_resolve(struct up *u, const char *arg);
int up_run_hooks(struct up *u, enum mt_hook kind, char *const *hooks, size_t n);
int up_fail(struct up *u, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int up_fail_record(struct up *u, int err);
int up_install(struct up *u, struct nl_msg *msg, const char *desc);
int up_set_sysctl(struct up *u, const char *key, const char *value);
int up_sysctl_io(const char *key, const char *value, char *buf, size_t len);

int up_plan(struct up *u);
uint32_t up_outer_mtu(struct up *u);
int up_install_routing(struct up *u);

int up_install_nft(struct up *u);
int up_install_gateway(struct up *u);

int up_remove_all(struct up *u, const struct mt_record_list *list);

#endif /* MT_TOOLS_UP_INTERNAL_H */
