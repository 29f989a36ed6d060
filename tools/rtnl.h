/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rtnl.h - the rtnetlink requests of `mtctl up`: links, addresses, routes
 * and policy rules, built as raw messages because libnl 3.7's rule object
 * has no invert flag, suppress_prefixlength or uid range.
 *
 * The builders return an RTM_NEW* request (NLM_F_CREATE | NLM_F_EXCL,
 * NULL when out of memory) to send with mt_netlink_request() on a socket from
 * mt_netlink_open_rtnl(); the same payload sent as RTM_DEL* (type + 1) removes the
 * object again, which is how `mtctl down` undoes what it recorded.
 *
 *   mt_rtnl_link_new()   a device of a kind ("meshtun"), by name
 *   mt_rtnl_addr_new()   an address with its prefix length on a device
 *   mt_rtnl_route_new()  a route (struct mt_route)
 *   mt_rtnl_rule_new()   a policy rule (struct mt_rule)
 *   mt_rtnl_link_set()   set a device's MTU (if not 0) and bring it up
 *   mt_rtnl_link_mtu()   a device's MTU
 *   mt_rtnl_route_get()  the route the kernel picks for a destination
 *                        (and fwmark): device, gateway, MTU metric
 *   mt_rtnl_default_route()  the default route of a family in a table
 *   mt_rtnl_table_used() whether any route or rule uses a table
 */
#ifndef MT_TOOLS_RTNL_H
#define MT_TOOLS_RTNL_H

#include <stdbool.h>
#include <stdint.h>
#include <netlink/msg.h>

#include "conf.h"
#include "netlink.h"

struct mt_route {
	int family;
	uint8_t dst[16];
	uint8_t dst_len;
	uint32_t table;
	uint32_t oif;
	bool has_gateway;
	uint8_t gateway[16];
	bool has_prefsrc;
	uint8_t prefsrc[16];
	uint32_t mtu;			/* read back only: RTAX_MTU, 0 if none */
};

struct mt_rule {
	int family;
	uint32_t priority;
	uint32_t table;
	bool invert;			/* "not": the selectors below must not match */
	uint32_t fwmark;		/* 0: any (with fwmask 0) */
	uint32_t fwmask;
	int suppress_prefixlen;		/* -1: none */
	bool has_uid_range;
	uint32_t uid_start, uid_end;
	uint8_t dst[16];		/* dst_len 0: any destination */
	uint8_t dst_len;
};

struct nl_msg *mt_rtnl_link_new(const char *name, const char *kind);
struct nl_msg *mt_rtnl_addr_new(uint32_t ifindex, const struct mt_allowedip *addr);
struct nl_msg *mt_rtnl_route_new(const struct mt_route *route);
struct nl_msg *mt_rtnl_rule_new(const struct mt_rule *rule);
int mt_rtnl_link_set(struct mt_netlink *r, uint32_t ifindex, uint32_t mtu, bool up);
int mt_rtnl_link_mtu(struct mt_netlink *r, uint32_t ifindex, uint32_t *mtu);
int mt_rtnl_route_get(struct mt_netlink *r, int family, const void *dst, uint32_t fwmark,
		      struct mt_route *out);
int mt_rtnl_default_route(struct mt_netlink *r, int family, uint32_t table, struct mt_route *out);
int mt_rtnl_table_used(struct mt_netlink *r, uint32_t table, bool *used);

#endif /* MT_TOOLS_RTNL_H */
