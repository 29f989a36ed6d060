// SPDX-License-Identifier: GPL-2.0
/*
 * up.c - `mtctl up` and `mtctl down`.
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
 *
 * Every object is recorded in the state file before it is created, as the
 * request that created it ("rtnl TYPE HEX DESCRIPTION"), as the old value of
 * a sysctl, or as the nftables object's name; removal replays the record
 * backwards, sending each rtnetlink request again as its RTM_DEL* twin.
 */
#include "cli.h"
#include "up.h"
#include "ini.h"
#include "nft.h"
#include "parse.h"
#include "rtnl.h"
#include "state.h"
#include "watch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#define STATE_MAGIC "meshtun-state 1"
#define FIRST_AUTO_TABLE 51820

enum {
	PRIO_SUPPRESS = 32761,
	PRIO_BYPASS_USERS,
	PRIO_DIRECT,
	PRIO_TUNNEL,
	PRIO_USERS,
};

struct up {
	const char *prog;
	char name[IFNAMSIZ];
	char conf_path[PATH_MAX];
	char state_path[PATH_MAX];
	struct mt_netlink *g;
	struct mt_netlink rtnl;
	struct mt_state st;
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

static int fam(int family)
{
	return family == AF_INET6;
}

static int failf(struct up *u, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s %s: ", u->prog, cmd, u->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int fail_record(struct up *u, int err)
{
	return failf(u, "up", "recording in %s: %s", u->state_path, strerror(-err));
}

static const char *dir_from_env(const char *var, const char *fallback)
{
	const char *dir = getenv(var);

	return dir && *dir ? dir : fallback;
}

/* FILE (a path, or ending in .conf) or NAME: device name and paths. */
static int resolve(struct up *u, const char *cmd, const char *arg)
{
	const char *base = strrchr(arg, '/');
	size_t len, i;
	bool file;

	base = base ? base + 1 : arg;
	len = strlen(base);
	file = base != arg || (len > 5 && !strcmp(base + len - 5, ".conf"));
	if (len > 5 && !strcmp(base + len - 5, ".conf"))
		len -= 5;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_=+.-",
			    base[i]))
			break;
	if (!len || len >= IFNAMSIZ || i < len) {
		fprintf(stderr, "%s: %s: cannot parse \"%s\": not a configuration file or "
			"interface name (1 to %d of A-Z a-z 0-9 _=+.-, with .conf for a file)\n",
			u->prog, cmd, arg, IFNAMSIZ - 1);
		return -1;
	}
	memcpy(u->name, base, len);
	u->name[len] = '\0';
	if (file)
		snprintf(u->conf_path, sizeof(u->conf_path), "%s", arg);
	else
		snprintf(u->conf_path, sizeof(u->conf_path), "%s/%s.conf",
			 dir_from_env("MTCTL_CONFIG_DIR", "/etc/meshtun"), u->name);
	snprintf(u->state_path, sizeof(u->state_path), "%s/%s.state",
		 dir_from_env("MTCTL_STATE_DIR", "/run/meshtun"), u->name);
	return 0;
}

/* The network namespace we run in, to refuse another one's record. */
static void netns_id(char *buf, size_t len)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		snprintf(buf, len, "unknown");
	else
		snprintf(buf, len, "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
}

static char *hex(const void *data, size_t len)
{
	const uint8_t *p = data;
	char *text = malloc(2 * len + 1);
	size_t i;

	for (i = 0; text && i < len; i++)
		sprintf(text + 2 * i, "%02x", p[i]);
	if (text)
		text[2 * len] = '\0';
	return text;
}

/* Run the hooks of one kind, %i standing for the interface name. */
static int run_hooks(const char *prog, const char *name, char **hooks, size_t n)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		char *cmd = malloc(strlen(hooks[i]) * IFNAMSIZ + 1), *out = cmd;
		const char *in;
		int status;

		if (!cmd)
			return -ENOMEM;
		for (in = hooks[i]; *in; in++) {
			if (in[0] == '%' && in[1] == 'i') {
				out = stpcpy(out, name);
				in++;
			} else {
				*out++ = *in;
			}
		}
		*out = '\0';
		fflush(NULL);
		status = system(cmd);
		if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "%s: hook \"%s\" failed (status %d)\n", prog, cmd,
				status == -1 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128);
			ret = -ECHILD;
		}
		free(cmd);
		if (ret)
			break;
	}
	return ret;
}

/* ---- installing, each change recorded before it is made ---- */

/* Send an RTM_NEW* request, recorded first; DESC says what it is. */
static int install(struct up *u, struct nl_msg *msg, const char *desc)
{
	struct nlmsghdr *nlh;
	char *text;
	int ret;

	if (!msg)
		return failf(u, "up", "%s: out of memory", desc);
	nlh = nlmsg_hdr(msg);
	text = hex(nlmsg_data(nlh), nlmsg_datalen(nlh));
	ret = text ? mt_state_add(&u->st, "rtnl %u %s %s\n", nlh->nlmsg_type, text, desc)
		   : -ENOMEM;
	free(text);
	if (ret) {
		nlmsg_free(msg);
		return fail_record(u, ret);
	}
	ret = mt_netlink_request(&u->rtnl, msg, NULL, NULL);
	if (ret) {
		mt_state_undo(&u->st);
		return failf(u, "up", "%s: %s%s%s", desc, strerror(-ret),
			     u->rtnl.message[0] ? ": " : "", u->rtnl.message);
	}
	return 0;
}

/* Read (value NULL: into buf) or write a sysctl, a path under /proc/sys. */
static int sysctl_io(const char *key, const char *value, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", key);
	fd = open(path, (value ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = value ? write(fd, value, strlen(value)) : read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (!value) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
	}
	return 0;
}

/* Set a sysctl (a path under /proc/sys) unless it has the value already. */
static int set_sysctl(struct up *u, const char *key, const char *value)
{
	char old[64];
	int ret = sysctl_io(key, NULL, old, sizeof(old));

	if (!ret && !strcmp(old, value))
		return 0;
	if (!ret) {
		ret = mt_state_add(&u->st, "sysctl %s %s\n", key, old);
		if (ret)
			return fail_record(u, ret);
		ret = sysctl_io(key, value, NULL, 0);
		if (ret)
			mt_state_undo(&u->st);
	}
	return ret ? failf(u, "up", "sysctl %s = %s: %s", key, value, strerror(-ret)) : 0;
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
static int plan(struct up *u)
{
	bool full;
	size_t i, j;

	if (u->up.tunnel.n) {
		for (i = 0; i < u->up.tunnel.n; i++)
			if (add_routed(u, &u->up.tunnel.items[i]))
				return -ENOMEM;
	} else {
		for (i = 0; i < u->conf.n_peers; i++)
			for (j = 0; j < u->conf.peers[i].n_allowedips; j++)
				if (add_routed(u, &u->conf.peers[i].allowedips[j]))
					return -ENOMEM;
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
				return failf(u, "up", "looking for a free routing table: %s",
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
static uint32_t outer_mtu(struct up *u)
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
	return install(u, mt_rtnl_route_new(&r), desc);
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
			 (int)(strlen(u->state_path) - strlen(".state")), u->state_path);
		w->g = u->g;
		w->rtnl = &u->rtnl;
		ret = mt_state_add(&u->st, "watch %s\n", w->path);
		if (ret)
			return fail_record(u, ret);
		ret = mt_watch_sync(w);
		if (ret)
			return failf(u, "up", "routing the endpoints outside the tunnel: %s",
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
	return install(u, mt_rtnl_rule_new(rule), desc);
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

static int install_nft(struct up *u)
{
	char table[64], chain[64], err[512];
	struct mt_nft_plan plan = {
		.dev = u->name,
		.gateway = u->up.gateway,
		.forwards = u->up.forwards,
		.n_forwards = u->up.n_forwards,
	};
	size_t i;
	int ret;

	if (u->policy && (u->full[0] || u->full[1])) {
		plan.guard = u->up.addresses.items;
		plan.n_guard = u->up.addresses.n;
	}
	if (u->up.n_direct_sets) {
		plan.bypass_mark = u->fwmark;
		plan.bypass_sources = u->up.addresses.items;
		plan.n_bypass_sources = u->up.addresses.n;
	}
	mt_nft_object_name(table, sizeof(table), u->name, -1);
	if (!mt_nft_plan_empty(&plan)) {
		ret = mt_state_add(&u->st, "nft table %s\n", table);
		if (ret)
			return fail_record(u, ret);
		ret = mt_nft_table_add(table, &plan, err, sizeof(err));
		if (ret) {
			mt_state_undo(&u->st);
			return failf(u, "up", "%s", err);
		}
	}
	for (i = 0; i < u->up.n_direct_sets; i++) {
		const struct mt_nft_set *set = &u->up.direct_sets[i];

		mt_nft_object_name(chain, sizeof(chain), u->name, (int)i);
		ret = mt_state_add(&u->st, "nft mark %s %s %s %s\n", set->family, set->table,
				   set->set, chain);
		if (ret)
			return fail_record(u, ret);
		ret = mt_nft_mark_chain_add(set, chain, u->fwmark, err, sizeof(err));
		if (ret) {
			mt_state_undo(&u->st);
			return failf(u, "up", "%s", err);
		}
	}
	return 0;
}

static bool has_family(const struct mt_prefix_list *list, int family)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (list->items[i].family == family)
			return true;
	return false;
}

static int install_all(struct up *u)
{
	char ns[64], desc[160], buf[64];
	size_t i, k;
	int ret;

	netns_id(ns, sizeof(ns));
	ret = mt_state_add(&u->st, "%s\nnetns %s\n", STATE_MAGIC, ns);
	for (k = MT_PRE_DOWN; !ret && k <= MT_POST_DOWN; k++)
		for (i = 0; !ret && i < u->up.n_hooks[k]; i++)
			ret = mt_state_add(&u->st, "hook %s %s\n",
					   k == MT_PRE_DOWN ? "predown" : "postdown",
					   u->up.hooks[k][i]);
	if (ret)
		return fail_record(u, ret);
	ret = plan(u);
	if (ret)
		return ret == -ENOMEM ? failf(u, "up", "out of memory") : ret;
	if (run_hooks(u->prog, u->name, u->up.hooks[MT_PRE_UP], u->up.n_hooks[MT_PRE_UP]))
		return failf(u, "up", "PreUp failed");

	snprintf(desc, sizeof(desc), "link %s type meshtun", u->name);
	ret = install(u, mt_rtnl_link_new(u->name, "meshtun"), desc);
	if (ret)
		return ret;
	u->ifindex = if_nametoindex(u->name);
	snprintf(u->conf.ifname, sizeof(u->conf.ifname), "%s", u->name);
	ret = mt_conf_set(u->g, &u->conf);
	/* The kernel has the keys now; the watcher forked below must not. */
	explicit_bzero(u->conf.private_key, sizeof(u->conf.private_key));
	for (i = 0; i < u->conf.n_peers; i++)
		explicit_bzero(u->conf.peers[i].preshared_key,
			       sizeof(u->conf.peers[i].preshared_key));
	if (ret)
		return failf(u, "up", "configuring the device: %s%s%s", strerror(-ret),
			     u->g->message[0] ? ": " : "", u->g->message);
	for (i = 0; i < u->up.addresses.n; i++) {
		const struct mt_allowedip *a = &u->up.addresses.items[i];

		snprintf(desc, sizeof(desc), "address %s dev %s",
			 mt_format_cidr(a, buf, sizeof(buf)), u->name);
		ret = install(u, mt_rtnl_addr_new(u->ifindex, a), desc);
		if (ret)
			return ret;
	}
	ret = mt_rtnl_link_set(&u->rtnl, u->ifindex, u->up.mtu ? u->up.mtu : outer_mtu(u), true);
	if (ret)
		return failf(u, "up", "setting MTU and bringing the device up: %s%s%s",
			     strerror(-ret), u->rtnl.message[0] ? ": " : "", u->rtnl.message);
	ret = install_routes(u);
	if (!ret && u->policy) {
		bool v4 = u->full[0] || (u->by_user && has_family(&u->up.addresses, AF_INET));
		bool v6 = u->full[1] || (u->by_user && has_family(&u->up.addresses, AF_INET6));

		if (v4)
			ret = install_rules(u, AF_INET);
		if (!ret && v6)
			ret = install_rules(u, AF_INET6);
		if (!ret && v4)
			ret = set_sysctl(u, "net/ipv4/conf/all/src_valid_mark", "1");
	}
	if (!ret && u->up.gateway[0]) {
		if (has_family(&u->up.addresses, AF_INET))
			ret = set_sysctl(u, "net/ipv4/ip_forward", "1");
		if (!ret && has_family(&u->up.addresses, AF_INET6))
			ret = set_sysctl(u, "net/ipv6/conf/all/forwarding", "1");
	}
	if (!ret)
		ret = install_nft(u);
	if (!ret && u->split) {
		pid_t pid = mt_watch_run(&u->watch);

		if (pid < 0)
			return failf(u, "up", "starting the endpoint watcher: %s", strerror(-pid));
		ret = mt_state_add(&u->st, "watchpid %d\n", (int)pid);
		if (ret) {
			kill(pid, SIGTERM);
			return fail_record(u, ret);
		}
	}
	if (!ret && run_hooks(u->prog, u->name, u->up.hooks[MT_POST_UP], u->up.n_hooks[MT_POST_UP]))
		ret = failf(u, "up", "PostUp failed");
	return ret;
}

/* ---- removing ---- */

static int unhex(uint8_t *out, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned int byte;

		if (sscanf(text + 2 * i, "%2x", &byte) != 1)
			return -EINVAL;
		out[i] = byte;
	}
	return 0;
}

/* Stop the endpoint watcher if it still runs (and is one). */
static void stop_watcher(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(comm, sizeof(comm), f) || strcmp(comm, "mtctl\n")) {
		fclose(f);
		return;
	}
	fclose(f);
	kill(pid, SIGTERM);
	/* Reaped if it is our child (a failed up), else gone by itself. */
	for (i = 0; i < 300 && (waitpid(pid, NULL, WNOHANG) == 0 || !kill(pid, 0)); i++)
		usleep(10000);
}

/* Undo one line of the record; 0 also when the object is gone already. */
static int undo_line(struct mt_netlink *rtnl, const char *line, char *err, size_t errlen)
{
	struct mt_nft_set set;
	char a[PATH_MAX], b[300];
	unsigned int type;
	int ret = 0, pid;

	err[0] = '\0';
	if (sscanf(line, "rtnl %u %4095s", &type, a) == 2) {
		size_t len = strlen(a) / 2;
		uint8_t *data = malloc(len ? len : 1);
		struct nl_msg *msg = nlmsg_alloc_simple(type + 1, 0);

		if (!data || !msg || unhex(data, a, len) ||
		    nlmsg_append(msg, data, len, NLMSG_ALIGNTO) < 0) {
			nlmsg_free(msg);
			ret = -EINVAL;
		} else {
			ret = mt_netlink_request(rtnl, msg, NULL, NULL);
		}
		free(data);
		if (ret == -ENOENT || ret == -ESRCH || ret == -ENODEV || ret == -EADDRNOTAVAIL)
			ret = 0;
		if (ret)
			snprintf(err, errlen, "%s%s%s", strerror(-ret),
				 rtnl->message[0] ? ": " : "", rtnl->message);
	} else if (sscanf(line, "sysctl %4095s %299s", a, b) == 2) {
		ret = sysctl_io(a, b, NULL, 0);
		if (ret)
			snprintf(err, errlen, "%s", strerror(-ret));
	} else if (sscanf(line, "nft table %4095s", a) == 1) {
		ret = mt_nft_table_del(a, err, errlen);
		if (ret == -ENOENT)
			ret = 0;
	} else if (sscanf(line, "nft mark %7s %255s %255s %299s", set.family, set.table, set.set,
			  a) == 4) {
		ret = mt_nft_mark_chain_del(&set, a, err, errlen);
		if (ret == -ENOENT)
			ret = 0;
	} else if (sscanf(line, "watchpid %d", &pid) == 1) {
		stop_watcher(pid);
	} else if (sscanf(line, "watch %4095[^\n]", a) == 1) {
		char **lines;
		size_t n, i;

		ret = mt_state_read(a, &lines, &n);
		if (ret == -ENOENT)
			return 0;
		for (i = n; !ret && i--;)
			ret = undo_line(rtnl, lines[i], err, errlen);
		mt_state_free(lines, n);
		if (!ret && unlink(a))
			ret = -errno;
		if (ret && !err[0])
			snprintf(err, errlen, "the endpoint routes' record: %s", strerror(-ret));
	} else if (strncmp(line, "hook ", 5) && strncmp(line, "netns ", 6) &&
		   strcmp(line, STATE_MAGIC)) {
		snprintf(err, errlen, "not understood");
		ret = -EINVAL;
	}
	return ret;
}

/* Undo every line, newest first; the first failure is reported, the rest tried. */
static int undo_all(const char *prog, const char *cmd, const char *name, char **lines, size_t n)
{
	struct mt_netlink rtnl;
	char err[512];
	int ret = mt_netlink_open_rtnl(&rtnl), failed = 0;

	if (ret) {
		fprintf(stderr, "%s: %s %s: rtnetlink: %s\n", prog, cmd, name, strerror(-ret));
		return 1;
	}
	while (n--) {
		if (!undo_line(&rtnl, lines[n], err, sizeof(err)))
			continue;
		fprintf(stderr, "%s: %s %s: removing \"%.120s\": %s\n", prog, cmd, name, lines[n],
			err);
		failed = 1;
	}
	mt_netlink_close(&rtnl);
	return failed;
}

/* The commands of the record's "hook KIND CMD" lines, into hooks[]. */
static size_t collect_hooks(char **lines, size_t n, const char *kind, char **hooks)
{
	size_t i, count = 0, len = strlen(kind);

	for (i = 0; i < n; i++)
		if (!strncmp(lines[i], "hook ", 5) && !strncmp(lines[i] + 5, kind, len) &&
		    lines[i][5 + len] == ' ')
			hooks[count++] = lines[i] + 6 + len;
	return count;
}

int mt_down(const char *prog, const char *arg)
{
	struct up u = { .prog = prog };
	char **lines, **hooks, ns[64];
	size_t n, count;
	int ret, failed = 0;

	if (resolve(&u, "down", arg))
		return 1;
	ret = mt_state_read(u.state_path, &lines, &n);
	if (ret) {
		if (ret == -ENOENT)
			failf(&u, "down", "not brought up by mtctl up: no record %s",
			      u.state_path);
		else
			failf(&u, "down", "reading %s: %s", u.state_path, strerror(-ret));
		return 1;
	}
	netns_id(ns, sizeof(ns));
	if (n < 2 || strcmp(lines[0], STATE_MAGIC) || strncmp(lines[1], "netns ", 6)) {
		failf(&u, "down", "%s is not a record of mtctl up", u.state_path);
		mt_state_free(lines, n);
		return 1;
	}
	if (strcmp(lines[1] + 6, ns)) {
		failf(&u, "down", "%s was written in another network namespace", u.state_path);
		mt_state_free(lines, n);
		return 1;
	}
	hooks = calloc(n, sizeof(*hooks));
	if (!hooks) {
		mt_state_free(lines, n);
		return failf(&u, "down", "out of memory"), 1;
	}
	count = collect_hooks(lines, n, "predown", hooks);
	failed |= run_hooks(prog, u.name, hooks, count) != 0;
	failed |= undo_all(prog, "down", u.name, lines, n);
	count = collect_hooks(lines, n, "postdown", hooks);
	failed |= run_hooks(prog, u.name, hooks, count) != 0;
	free(hooks);
	mt_state_free(lines, n);
	/* The record goes only when everything it lists is gone. */
	if (!failed && unlink(u.state_path))
		failed = failf(&u, "down", "removing %s: %s", u.state_path, strerror(errno)) != 0;
	return failed;
}

int mt_up(const char *prog, struct mt_netlink *g, const char *arg)
{
	struct up u = { .prog = prog, .g = g, .st = { .fd = -1 } };
	char err[512], *dir;
	int ret;

	if (resolve(&u, "up", arg))
		return 1;
	ret = mt_ini_read(u.conf_path, &u.conf, &u.up, err, sizeof(err));
	if (ret) {
		failf(&u, "up", "%s", ret == -ENOMEM ? "out of memory" : err);
		goto out;
	}
	if (u.up.dns_servers.n || u.up.n_dns_search)
		fprintf(stderr, "%s: up %s: DNS is not applied (a PostUp hook may hand it to "
			"resolvconf)\n", prog, u.name);
	if (if_nametoindex(u.name)) {
		ret = failf(&u, "up", "a device of that name exists");
		goto out;
	}
	dir = strdup(u.state_path);
	if (dir) {
		*strrchr(dir, '/') = '\0';
		mkdir(dir, 0700);
		free(dir);
	}
	ret = mt_state_create(&u.st, u.state_path);
	if (ret) {
		if (ret == -EEXIST)
			failf(&u, "up", "%s exists: it is up, or was not taken down (mtctl down %s)",
			      u.state_path, u.name);
		else
			failf(&u, "up", "creating %s: %s", u.state_path, strerror(-ret));
		goto out;
	}
	ret = mt_netlink_open_rtnl(&u.rtnl);
	if (ret) {
		failf(&u, "up", "rtnetlink: %s", strerror(-ret));
	} else {
		ret = install_all(&u);
		mt_netlink_close(&u.rtnl);
	}
	mt_state_close(&u.st);
	if (ret) {
		char **lines;
		size_t n;

		/* Nothing of a failed up stays: undo what the record lists. */
		if (!mt_state_read(u.state_path, &lines, &n)) {
			if (!undo_all(prog, "up", u.name, lines, n))
				unlink(u.state_path);
			mt_state_free(lines, n);
		}
	}
out:
	mt_watch_free(&u.watch);
	free(u.routed);
	mt_up_free(&u.up);
	mt_conf_free(&u.conf);
	return ret ? 1 : 0;
}

/*
 * The table's entry points. mt_up() and mt_down() print their own
 * messages (a failed up may have several things to say about its undo).
 */
int mt_cmd_up(struct mt_cli *cli, int argc, char **argv)
{
	if (argc != 1)
		return mt_cli_fail(cli, -EINVAL, "expected \"FILE\" or \"NAME\"");
	return mt_up(cli->prog, cli->genl, argv[0]) ? -EIO : 0;
}

int mt_cmd_down(struct mt_cli *cli, int argc, char **argv)
{
	if (argc != 1)
		return mt_cli_fail(cli, -EINVAL, "expected \"FILE\" or \"NAME\"");
	return mt_down(cli->prog, argv[0]) ? -EIO : 0;
}
