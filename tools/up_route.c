// SPDX-License-Identifier: GPL-2.0
/*
 * up_route.c - how `mtctl up` routes: the plan, the MTU, routes and rules.
 *
 * Routes. The prefixes routed through the device are the peers' allowed
 * IPs, or the Tunnel list when there is one. A default route (0.0.0.0/0,
 * ::/0) among them makes a full tunnel, routed by FullTunnel:
 *
 *  auto, rules: policy routing, which keeps working whatever the physical
 *	network does, because nothing in it names the physical network:
 *	  - the device marks its own outer packets with M (FwMark, else T);
 *	  - table T (Table, else the first unused one from 51820) holds the
 *	    default route through the device, with the tunnel's address as
 *	    the preferred source;
 *	  - rules, per family with a default:
 *	      32761  lookup main suppress_prefixlength 0
 *		     (what main routes more specifically than by a default:
 *		     the LAN, the tunnel's own subnets)
 *	      32762  uidrange R lookup main        (BypassUsers)
 *	      32763  to P lookup main              (Direct)
 *	      32764  not fwmark M lookup T
 *		     with Users instead: fwmark M lookup main, and
 *	      32765  uidrange R lookup T           (Users)
 *	  - net.ipv4.conf.all.src_valid_mark = 1, so that the mark takes part
 *	    in the reverse-path check of the outer packets' replies;
 *	  - nftables table inet meshtun-NAME drops packets for the tunnel's
 *	    addresses arriving on other interfaces (unless sent from this
 *	    host), so nobody on the physical network can reach them;
 *	  - DirectSet: a chain in the set's own table marks packets to the
 *	    set's addresses with M (so they take the main table) and the
 *	    meshtun table masquerades those that left with a tunnel source.
 *	With Users or BypassUsers every tunnel route goes into T, so that the
 *	rules decide per user for all of them.
 *  split-default: 0/1 and 128/1 (::/1, 8000::/1) through the device, which
 *	beat the main default route by being longer; each endpoint (and each
 *	Direct prefix) gets a route through the physical default route.
 *  off: the default is not routed.
 */
#include "up_internal.h"
#include "parse.h"
#include "rtnl.h"

#include <errno.h>
#include <string.h>
#include <linux/rtnetlink.h>

#define FIRST_AUTO_TABLE 51820

enum {
	PRIO_SUPPRESS = 32761,
	PRIO_BYPASS_USERS,
	PRIO_DIRECT,
	PRIO_TUNNEL,
	PRIO_USERS,
};

static int fam(int family)
{
	return family == AF_INET6;
}

static void mask_prefix(struct mt_allowedip *p)
{
	size_t i;

	for (i = 0; i < mt_addr_len(p->family); i++) {
		int bits = (int)p->cidr - 8 * (int)i;

		if (bits <= 0)
			p->addr[i] = 0;
		else if (bits < 8)
			p->addr[i] &= 0xff << (8 - bits);
	}
}

static bool same_prefix(const struct mt_allowedip *a, const struct mt_allowedip *b)
{
	return a->family == b->family && a->cidr == b->cidr &&
	       !memcmp(a->addr, b->addr, mt_addr_len(a->family));
}

static int add_routed(struct up *u, const struct mt_allowedip *prefix)
{
	struct mt_allowedip p = *prefix, *more;
	size_t i;

	mask_prefix(&p);
	for (i = 0; i < u->n_routed; i++)
		if (same_prefix(&u->routed[i], &p))
			return 0;
	more = realloc(u->routed, (u->n_routed + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	u->routed = more;
	u->routed[u->n_routed++] = p;
	if (!p.cidr)
		u->full[fam(p.family)] = true;
	return 0;
}

/* Decide how to route, and pick table and fwmark (before anything is made). */
int up_plan(struct up *u)
{
	bool full;
	size_t i, j;

	if (u->up.tunnel.n) {
		for (i = 0; i < u->up.tunnel.n; i++)
			if (add_routed(u, &u->up.tunnel.items[i]))
				return up_fail(u, -ENOMEM, "out of memory");
	} else {
		for (i = 0; i < u->conf.n_peers; i++)
			for (j = 0; j < u->conf.peers[i].n_allowedips; j++)
				if (add_routed(u, &u->conf.peers[i].allowedips[j]))
					return up_fail(u, -ENOMEM, "out of memory");
	}
	full = (u->full[0] || u->full[1]) && u->up.full_tunnel != MT_FULL_OFF;
	u->by_user = u->up.n_users || u->up.n_bypass_users;
	u->split = full && u->up.full_tunnel == MT_FULL_SPLIT_DEFAULT;
	u->policy = u->up.table_mode != MT_TABLE_OFF && !u->split && (full || u->by_user);
	u->table = u->up.table_mode == MT_TABLE_NUMBER ? u->up.table : RT_TABLE_MAIN;
	if (u->policy && u->up.table_mode != MT_TABLE_NUMBER) {
		for (u->table = FIRST_AUTO_TABLE;; u->table++) {
			bool used;
			int ret = mt_rtnl_table_used(&u->rtnl, u->table, &used);

			if (ret)
				return up_fail(u, ret, "looking for a free routing table: %s",
					       strerror(-ret));
			if (!used)
				break;
		}
	}
	if (u->policy) {
		u->fwmark = u->conf.set_fwmark && u->conf.fwmark ? u->conf.fwmark : u->table;
		u->conf.set_fwmark = true;
		u->conf.fwmark = u->fwmark;
	}
	return 0;
}

/* The MTU of the path to each endpoint (else of the default route), less
 * the largest encapsulation (IPv6, UDP, meshtun: 80 bytes).
 */
uint32_t up_outer_mtu(struct up *u)
{
	uint32_t best = 0, mtu;
	struct mt_route route;
	size_t i;
	int family;

	for (i = 0; i < u->conf.n_peers; i++) {
		const union mt_sockaddr *ep = &u->conf.peers[i].endpoint;

		if (!u->conf.peers[i].set_endpoint)
			continue;
		if (mt_rtnl_route_get(&u->rtnl, ep->sa.sa_family,
				      ep->sa.sa_family == AF_INET6 ? (const void *)&ep->sin6.sin6_addr
								   : (const void *)&ep->sin.sin_addr,
				      0, &route))
			continue;
		mtu = route.mtu;
		if (!mtu && mt_rtnl_link_mtu(&u->rtnl, route.oif, &mtu))
			continue;
		if (!best || mtu < best)
			best = mtu;
	}
	for (family = AF_INET; !best && family; family = family == AF_INET ? AF_INET6 : 0)
		if (!mt_rtnl_default_route(&u->rtnl, family, RT_TABLE_MAIN, &route))
			mt_rtnl_link_mtu(&u->rtnl, route.oif, &best);
	if (!best)
		best = 1500;
	return best > 1280 + 80 ? best - 80 : 1280;
}

static const struct mt_allowedip *first_address(struct up *u, int family)
{
	size_t i;

	for (i = 0; i < u->up.addresses.n; i++)
		if (u->up.addresses.items[i].family == family)
			return &u->up.addresses.items[i];
	return NULL;
}

/* A route to DST/LEN in TABLE through the device, or through VIA. */
static int add_route(struct up *u, int family, const uint8_t *dst, uint8_t len, uint32_t table,
		     const struct mt_route *via)
{
	struct mt_route r = {
		.family = family,
		.dst_len = len,
		.table = table,
		.oif = u->ifindex,
	};
	struct mt_allowedip text = { .family = family, .cidr = len };
	const struct mt_allowedip *src;
	char desc[160], buf[64], ifname[IF_NAMESIZE] = "?";

	memcpy(r.dst, dst, mt_addr_len(family));
	memcpy(text.addr, dst, mt_addr_len(family));
	if (via) {
		r.oif = via->oif;
		r.has_gateway = via->has_gateway;
		memcpy(r.gateway, via->gateway, sizeof(r.gateway));
	} else if (table != RT_TABLE_MAIN && (src = first_address(u, family))) {
		/* Sockets that pick their source by this route get the tunnel's. */
		r.has_prefsrc = true;
		memcpy(r.prefsrc, src->addr, sizeof(r.prefsrc));
	}
	if_indextoname(r.oif, ifname);
	snprintf(desc, sizeof(desc), "route %s dev %s table %u",
		 mt_format_cidr(&text, buf, sizeof(buf)), ifname, table);
	return up_install(u, mt_rtnl_route_new(&r), desc);
}

static bool is_address_subnet(struct up *u, const struct mt_allowedip *p)
{
	size_t i;

	for (i = 0; i < u->up.addresses.n; i++) {
		struct mt_allowedip a = u->up.addresses.items[i];

		mask_prefix(&a);
		if (same_prefix(&a, p))
			return true;
	}
	return false;
}

static int install_routes(struct up *u)
{
	static const uint8_t high[16] = { 0x80 };
	size_t i;
	int ret;

	if (u->up.table_mode == MT_TABLE_OFF)
		return 0;
	if (u->split) {
		/* The endpoints' routes first, so that no outer packet loops. */
		struct mt_watch *w = &u->watch;

		snprintf(w->name, sizeof(w->name), "%s", u->name);
		w->ifindex = u->ifindex;
		w->split[0] = u->full[0];
		w->split[1] = u->full[1];
		w->direct = u->up.direct.items;
		w->n_direct = u->up.direct.n;
		snprintf(w->path, sizeof(w->path), "%.*s.watch",
			 (int)(strlen(u->record_path) - strlen(".state")), u->record_path);
		w->g = u->g;
		w->rtnl = &u->rtnl;
		ret = mt_record_add(&u->rec, &(struct mt_record_entry){
			.type = MT_RECORD_WATCH, .watch = w->path });
		if (ret)
			return up_fail_record(u, ret);
		ret = mt_watch_sync(w);
		if (ret)
			return up_fail(u, ret, "routing the endpoints outside the tunnel: %s",
				       strerror(-ret));
	}
	for (i = 0; i < u->n_routed; i++) {
		const struct mt_allowedip *p = &u->routed[i];

		if (p->cidr) {
			uint32_t table = u->policy && u->by_user ? u->table :
					 u->policy ? RT_TABLE_MAIN : u->table;

			/* The kernel routes an address's own subnet already. */
			if (table == RT_TABLE_MAIN && is_address_subnet(u, p))
				continue;
			ret = add_route(u, p->family, p->addr, p->cidr, table, NULL);
		} else if (u->split) {
			ret = add_route(u, p->family, p->addr, 1, u->table, NULL);
			if (!ret)
				ret = add_route(u, p->family, high, 1, u->table, NULL);
		} else if (u->policy) {
			ret = add_route(u, p->family, p->addr, 0, u->table, NULL);
		} else {
			continue;	/* FullTunnel = off */
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int add_rule(struct up *u, struct mt_rule *rule, const char *what)
{
	char desc[160];

	rule->table = rule->table ? rule->table : u->table;
	snprintf(desc, sizeof(desc), "rule %s pref %u %s", rule->family == AF_INET6 ? "-6" : "-4",
		 rule->priority, what);
	return up_install(u, mt_rtnl_rule_new(rule), desc);
}

static int install_rules(struct up *u, int family)
{
	struct mt_rule base = { .family = family, .suppress_prefixlen = -1 }, r;
	char what[128], buf[64];
	size_t i;
	int ret = 0;

	if (u->full[fam(family)]) {
		r = base;
		r.priority = PRIO_SUPPRESS;
		r.table = RT_TABLE_MAIN;
		r.suppress_prefixlen = 0;
		ret = add_rule(u, &r, "lookup main suppress_prefixlength 0");
	}
	for (i = 0; !ret && i < u->up.n_bypass_users; i++) {
		r = base;
		r.priority = PRIO_BYPASS_USERS;
		r.table = RT_TABLE_MAIN;
		r.has_uid_range = true;
		r.uid_start = u->up.bypass_users[i].start;
		r.uid_end = u->up.bypass_users[i].end;
		snprintf(what, sizeof(what), "uidrange %u-%u lookup main", r.uid_start, r.uid_end);
		ret = add_rule(u, &r, what);
	}
	for (i = 0; !ret && i < u->up.direct.n; i++) {
		const struct mt_allowedip *p = &u->up.direct.items[i];

		if (p->family != family)
			continue;
		r = base;
		r.priority = PRIO_DIRECT;
		r.table = RT_TABLE_MAIN;
		r.dst_len = p->cidr;
		memcpy(r.dst, p->addr, sizeof(r.dst));
		snprintf(what, sizeof(what), "to %s lookup main",
			 mt_format_cidr(p, buf, sizeof(buf)));
		ret = add_rule(u, &r, what);
	}
	if (ret)
		return ret;
	r = base;
	r.priority = PRIO_TUNNEL;
	r.fwmark = u->fwmark;
	r.fwmask = 0xffffffff;
	if (!u->up.n_users) {
		r.invert = true;
		snprintf(what, sizeof(what), "not fwmark %#x lookup %u", u->fwmark, u->table);
		return add_rule(u, &r, what);
	}
	/* An inverted rule inverts all its selectors: the mark gets one of its own. */
	r.table = RT_TABLE_MAIN;
	snprintf(what, sizeof(what), "fwmark %#x lookup main", u->fwmark);
	ret = add_rule(u, &r, what);
	for (i = 0; !ret && i < u->up.n_users; i++) {
		r = base;
		r.priority = PRIO_USERS;
		r.has_uid_range = true;
		r.uid_start = u->up.users[i].start;
		r.uid_end = u->up.users[i].end;
		snprintf(what, sizeof(what), "uidrange %u-%u lookup %u", r.uid_start, r.uid_end,
			 u->table);
		ret = add_rule(u, &r, what);
	}
	return ret;
}

int up_install_routing(struct up *u)
{
	int ret = install_routes(u);

	if (!ret && u->policy) {
		const struct mt_prefix_list *a = &u->up.addresses;
		bool v4 = u->full[0] || (u->by_user && mt_prefix_list_has(a, AF_INET));
		bool v6 = u->full[1] || (u->by_user && mt_prefix_list_has(a, AF_INET6));

		if (v4)
			ret = install_rules(u, AF_INET);
		if (!ret && v6)
			ret = install_rules(u, AF_INET6);
		if (!ret && v4)
			ret = up_set_sysctl(u, "net/ipv4/conf/all/src_valid_mark", "1");
	}
	return ret;
}
