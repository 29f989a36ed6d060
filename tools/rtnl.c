// SPDX-License-Identifier: GPL-2.0
/*
 * rtnl.c - links, addresses, routes and policy rules over rtnetlink.
 */
#include "parse.h"
#include "rtnl.h"

#include <errno.h>
#include <string.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>

#ifndef FRA_UID_RANGE
#define FRA_UID_RANGE 20
#endif

/* A request of TYPE with FLAGS and a fixed header HDR of LEN bytes. */
static struct nl_msg *request(int type, int flags, const void *hdr, size_t len)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (msg && nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Finish a builder: the message, or NULL (freed) if an attribute failed. */
static struct nl_msg *built(struct nl_msg *msg, int failed)
{
	if (failed) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *mt_rtnl_link_new(const char *name, const char *kind)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	struct nlattr *info;
	int failed;

	if (!msg)
		return NULL;
	failed = nla_put_string(msg, IFLA_IFNAME, name);
	info = nla_nest_start(msg, IFLA_LINKINFO);
	failed |= !info || nla_put_string(msg, IFLA_INFO_KIND, kind);
	if (info)
		nla_nest_end(msg, info);
	return built(msg, failed);
}

struct nl_msg *mt_rtnl_addr_new(uint32_t ifindex, const struct mt_allowedip *addr)
{
	/*
	 * No duplicate address detection on a point-to-point tunnel: it finds
	 * nothing there, and until it ends the address is tentative, which
	 * the routes that name it as their source would be refused for.
	 */
	struct ifaddrmsg ifa = {
		.ifa_family = addr->family,
		.ifa_prefixlen = addr->cidr,
		.ifa_flags = addr->family == AF_INET6 ? IFA_F_NODAD : 0,
		.ifa_index = ifindex,
	};
	struct nl_msg *msg = request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	size_t len = mt_addr_len(addr->family);

	if (!msg)
		return NULL;
	return built(msg, nla_put(msg, IFA_LOCAL, len, addr->addr) ||
			  nla_put(msg, IFA_ADDRESS, len, addr->addr));
}

struct nl_msg *mt_rtnl_route_new(const struct mt_route *route)
{
	struct rtmsg rtm = {
		.rtm_family = route->family,
		.rtm_dst_len = route->dst_len,
		.rtm_table = route->table < 256 ? route->table : RT_TABLE_UNSPEC,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = route->has_gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
		.rtm_type = RTN_UNICAST,
	};
	struct nl_msg *msg = request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof(rtm));
	size_t len = mt_addr_len(route->family);
	int failed;

	if (!msg)
		return NULL;
	failed = nla_put_u32(msg, RTA_TABLE, route->table) ||
		 nla_put_u32(msg, RTA_OIF, route->oif);
	if (route->dst_len)
		failed |= nla_put(msg, RTA_DST, len, route->dst);
	if (route->has_gateway)
		failed |= nla_put(msg, RTA_GATEWAY, len, route->gateway);
	if (route->has_prefsrc)
		failed |= nla_put(msg, RTA_PREFSRC, len, route->prefsrc);
	return built(msg, failed);
}

struct nl_msg *mt_rtnl_rule_new(const struct mt_rule *rule)
{
	struct fib_rule_hdr frh = {
		.family = rule->family,
		.dst_len = rule->dst_len,
		.table = rule->table < 256 ? rule->table : RT_TABLE_UNSPEC,
		.action = FR_ACT_TO_TBL,
		.flags = rule->invert ? FIB_RULE_INVERT : 0,
	};
	struct nl_msg *msg = request(RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, &frh, sizeof(frh));
	int failed;

	if (!msg)
		return NULL;
	failed = nla_put_u32(msg, FRA_PRIORITY, rule->priority) ||
		 nla_put_u32(msg, FRA_TABLE, rule->table);
	if (rule->fwmask)
		failed |= nla_put_u32(msg, FRA_FWMARK, rule->fwmark) ||
			  nla_put_u32(msg, FRA_FWMASK, rule->fwmask);
	if (rule->suppress_prefixlen >= 0)
		failed |= nla_put_u32(msg, FRA_SUPPRESS_PREFIXLEN, rule->suppress_prefixlen);
	if (rule->has_uid_range) {
		struct fib_rule_uid_range range = {
			.start = rule->uid_start,
			.end = rule->uid_end,
		};

		failed |= nla_put(msg, FRA_UID_RANGE, sizeof(range), &range);
	}
	if (rule->dst_len)
		failed |= nla_put(msg, FRA_DST, mt_addr_len(rule->family), rule->dst);
	return built(msg, failed);
}

int mt_rtnl_link_set(struct mt_netlink *r, uint32_t ifindex, uint32_t mtu, bool up)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = ifindex,
		.ifi_flags = up ? IFF_UP : 0,
		.ifi_change = up ? IFF_UP : 0,
	};
	struct nl_msg *msg = request(RTM_NEWLINK, 0, &ifi, sizeof(ifi));

	if (!msg)
		return -ENOMEM;
	if (mtu && nla_put_u32(msg, IFLA_MTU, mtu)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return mt_netlink_request(r, msg, NULL, NULL);
}

static int on_link(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IFLA_MAX + 1];

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) < 0 ||
	    !tb[IFLA_MTU])
		return -EIO;
	*(uint32_t *)arg = nla_get_u32(tb[IFLA_MTU]);
	return 0;
}

int mt_rtnl_link_mtu(struct mt_netlink *r, uint32_t ifindex, uint32_t *mtu)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = request(RTM_GETLINK, 0, &ifi, sizeof(ifi));

	if (!msg)
		return -ENOMEM;
	*mtu = 0;
	return mt_netlink_request(r, msg, on_link, mtu);
}

/* A route message into *route; 0, or -EAGAIN when it is not one to use. */
static int parse_route(struct nl_msg *msg, struct mt_route *route)
{
	struct nlattr *tb[RTA_MAX + 1], *metrics[RTAX_MAX + 1];
	struct rtmsg *rtm = nlmsg_data(nlmsg_hdr(msg));
	size_t len;

	if (nlmsg_parse(nlmsg_hdr(msg), sizeof(*rtm), tb, RTA_MAX, NULL) < 0)
		return -EIO;
	memset(route, 0, sizeof(*route));
	route->family = rtm->rtm_family;
	route->dst_len = rtm->rtm_dst_len;
	route->table = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	len = mt_addr_len(route->family);
	if (tb[RTA_DST] && nla_len(tb[RTA_DST]) == (int)len)
		memcpy(route->dst, nla_data(tb[RTA_DST]), len);
	if (tb[RTA_OIF])
		route->oif = nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_GATEWAY] && nla_len(tb[RTA_GATEWAY]) == (int)len) {
		route->has_gateway = true;
		memcpy(route->gateway, nla_data(tb[RTA_GATEWAY]), len);
	}
	if (tb[RTA_METRICS] &&
	    !nla_parse_nested(metrics, RTAX_MAX, tb[RTA_METRICS], NULL) && metrics[RTAX_MTU])
		route->mtu = nla_get_u32(metrics[RTAX_MTU]);
	/* Multipath and blackhole routes carry no single device. */
	if (rtm->rtm_type != RTN_UNICAST || !route->oif)
		return -EAGAIN;
	return 0;
}

static int on_route_get(struct nl_msg *msg, void *arg)
{
	int ret = parse_route(msg, arg);

	return ret == -EAGAIN ? -ENETUNREACH : ret;
}

int mt_rtnl_route_get(struct mt_netlink *r, int family, const void *dst, uint32_t fwmark,
		      struct mt_route *out)
{
	struct rtmsg rtm = { .rtm_family = family, .rtm_dst_len = mt_addr_len(family) * 8 };
	struct nl_msg *msg = request(RTM_GETROUTE, 0, &rtm, sizeof(rtm));

	if (!msg)
		return -ENOMEM;
	if (nla_put(msg, RTA_DST, mt_addr_len(family), dst) ||
	    (fwmark && nla_put_u32(msg, RTA_MARK, fwmark))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	memset(out, 0, sizeof(*out));
	return mt_netlink_request(r, msg, on_route_get, out);
}

struct default_search {
	uint32_t table;
	bool found;
	uint32_t priority;
	struct mt_route *out;
};

static int on_default_route(struct nl_msg *msg, void *arg)
{
	struct default_search *s = arg;
	struct nlattr *tb[RTA_MAX + 1];
	struct mt_route route;
	uint32_t priority;

	if (parse_route(msg, &route) || route.dst_len || route.table != s->table ||
	    nlmsg_parse(nlmsg_hdr(msg), sizeof(struct rtmsg), tb, RTA_MAX, NULL) < 0)
		return 0;
	/* The kernel uses the one of lowest metric. */
	priority = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
	if (!s->found || priority < s->priority) {
		*s->out = route;
		s->priority = priority;
		s->found = true;
	}
	return 0;
}

int mt_rtnl_default_route(struct mt_netlink *r, int family, uint32_t table, struct mt_route *out)
{
	struct default_search s = { .table = table, .out = out };
	struct rtmsg rtm = { .rtm_family = family };
	int ret;

	do {
		struct nl_msg *msg = request(RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof(rtm));

		if (!msg)
			return -ENOMEM;
		s.found = false;
		ret = mt_netlink_request(r, msg, on_default_route, &s);
	} while (ret == -EINTR);
	if (ret)
		return ret;
	return s.found ? 0 : -ENETUNREACH;
}

/* Whether a route or rule message names the table in *arg (first word). */
static int on_table_user(struct nl_msg *msg, void *arg)
{
	uint32_t *search = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[RTA_MAX + 1];
	uint32_t table;
	int attr;

	/* rtmsg and fib_rule_hdr both keep the table in their fifth byte. */
	if (nlmsg_datalen(nlh) < (int)sizeof(struct rtmsg))
		return 0;
	table = ((struct rtmsg *)nlmsg_data(nlh))->rtm_table;
	attr = nlh->nlmsg_type == RTM_NEWRULE ? FRA_TABLE : RTA_TABLE;
	if (nlmsg_parse(nlh, sizeof(struct rtmsg), tb, RTA_MAX, NULL) >= 0 && tb[attr])
		table = nla_get_u32(tb[attr]);
	if (table == search[0])
		search[1] = 1;
	return 0;
}

int mt_rtnl_table_used(struct mt_netlink *r, uint32_t table, bool *used)
{
	static const int types[] = { RTM_GETROUTE, RTM_GETRULE };
	struct rtmsg rtm = { .rtm_family = AF_UNSPEC };
	uint32_t search[2] = { table, 0 };
	unsigned int i;
	int ret;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		do {
			struct nl_msg *msg = request(types[i], NLM_F_DUMP, &rtm, sizeof(rtm));

			if (!msg)
				return -ENOMEM;
			ret = mt_netlink_request(r, msg, on_table_user, search);
		} while (ret == -EINTR);
		if (ret)
			return ret;
	}
	*used = search[1];
	return 0;
}
