// SPDX-License-Identifier: GPL-2.0
/*
 * watch.c - the endpoint routes of FullTunnel = split-default, kept right.
 */
#include "watch.h"
#include "conf.h"
#include "parse.h"
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

static bool same_route(const struct mt_route *a, const struct mt_route *b)
{
	return a->family == b->family && a->dst_len == b->dst_len && a->oif == b->oif &&
	       a->has_gateway == b->has_gateway && !memcmp(a->dst, b->dst, 16) &&
	       !memcmp(a->gateway, b->gateway, 16);
}

static bool contains(const struct mt_route *list, size_t n, const struct mt_route *r)
{
	while (n--)
		if (same_route(&list[n], r))
			return true;
	return false;
}

/* Rewrite the record: the installed routes, plus EXTRA if not NULL. */
static int save(struct mt_watch *w, const struct mt_route *extra)
{
	size_t i, n = w->n_routes + (extra ? 1 : 0);
	struct mt_record_entry *entries = calloc(n ? n : 1, sizeof(*entries));
	struct nl_msg **msgs = calloc(n ? n : 1, sizeof(*msgs));
	int ret = entries && msgs ? 0 : -ENOMEM;

	for (i = 0; i < n && !ret; i++) {
		struct nlmsghdr *nlh;

		msgs[i] = mt_rtnl_route_new(i < w->n_routes ? &w->routes[i] : extra);
		if (!msgs[i]) {
			ret = -ENOMEM;
			break;
		}
		nlh = nlmsg_hdr(msgs[i]);
		entries[i] = (struct mt_record_entry){
			.type = MT_RECORD_RTNL,
			.rtnl = {
				.msg_type = nlh->nlmsg_type,
				.payload = nlmsg_data(nlh),
				.len = nlmsg_datalen(nlh),
				.desc = "endpoint route",
			},
		};
	}
	if (!ret)
		ret = mt_record_write(w->path, entries, n);
	for (i = 0; msgs && i < n; i++)
		nlmsg_free(msgs[i]);
	free(msgs);
	free(entries);
	return ret;
}

static int send_route(struct mt_watch *w, const struct mt_route *r, bool add)
{
	struct nl_msg *msg = mt_rtnl_route_new(r);

	if (!msg)
		return -ENOMEM;
	/* Without the creation flags: on a removal, NLM_F_EXCL means bulk. */
	if (!add) {
		nlmsg_hdr(msg)->nlmsg_type = RTM_DELROUTE;
		nlmsg_hdr(msg)->nlmsg_flags = 0;
	}
	return mt_netlink_request(w->rtnl, msg, NULL, NULL);
}

/* Where ADDR/LEN should be routed now: *out, or false for nowhere. */
static bool wanted(struct mt_watch *w, int family, const uint8_t *addr, uint8_t len,
		   const struct mt_route *def, struct mt_route *out)
{
	struct mt_route now;

	/* A host on a directly connected network needs no route of ours. */
	if (len == mt_addr_len(family) * 8 &&
	    !mt_rtnl_route_get(w->rtnl, family, addr, 0, &now) && !now.has_gateway &&
	    now.oif != w->ifindex)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = family;
	out->dst_len = len;
	memcpy(out->dst, addr, mt_addr_len(family));
	out->table = RT_TABLE_MAIN;
	out->oif = def->oif;
	out->has_gateway = def->has_gateway;
	memcpy(out->gateway, def->gateway, sizeof(out->gateway));
	return true;
}

static int add_wanted(struct mt_route **list, size_t *n, const struct mt_route *r)
{
	struct mt_route *more;

	if (contains(*list, *n, r))
		return 0;
	more = realloc(*list, (*n + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	*list = more;
	more[(*n)++] = *r;
	return 0;
}

int mt_watch_sync(struct mt_watch *w)
{
	struct mt_route def[2], r, *want = NULL;
	bool has_def[2] = { false, false };
	struct mt_device_conf conf;
	size_t n_want = 0, i;
	int f, ret;

	for (f = 0; f < 2; f++)
		has_def[f] = w->split[f] &&
			     !mt_rtnl_default_route(w->rtnl, f ? AF_INET6 : AF_INET, RT_TABLE_MAIN,
						    &def[f]) && def[f].oif != w->ifindex;
	ret = mt_conf_get(w->g, w->name, &conf);
	if (ret)
		return ret;
	for (i = 0; !ret && i < conf.n_peers; i++) {
		const union mt_sockaddr *ep = &conf.peers[i].endpoint;
		int family = ep->sa.sa_family;

		if ((family != AF_INET && family != AF_INET6) || !has_def[family == AF_INET6])
			continue;
		if (wanted(w, family, family == AF_INET6 ? ep->sin6.sin6_addr.s6_addr
							  : (const uint8_t *)&ep->sin.sin_addr,
			   mt_addr_len(family) * 8, &def[family == AF_INET6], &r))
			ret = add_wanted(&want, &n_want, &r);
	}
	mt_conf_free(&conf);
	for (i = 0; !ret && i < w->n_direct; i++) {
		const struct mt_allowedip *p = &w->direct[i];

		if (has_def[p->family == AF_INET6] &&
		    wanted(w, p->family, p->addr, p->cidr, &def[p->family == AF_INET6], &r))
			ret = add_wanted(&want, &n_want, &r);
	}
	/* Remove what is no longer wanted, then record that it is gone. */
	for (i = 0; !ret && i < w->n_routes;) {
		if (contains(want, n_want, &w->routes[i])) {
			i++;
			continue;
		}
		/* Gone already, maybe with its device (the kernel flushes those). */
		ret = send_route(w, &w->routes[i], false);
		if (ret == -ESRCH || ret == -ENOENT || ret == -ENODEV)
			ret = 0;
		if (ret)
			break;
		w->routes[i] = w->routes[--w->n_routes];
		ret = save(w, NULL);
	}
	/* Record what is new, then make it. */
	for (i = 0; !ret && i < n_want; i++) {
		struct mt_route *more;

		if (contains(w->routes, w->n_routes, &want[i]))
			continue;
		ret = save(w, &want[i]);
		if (ret)
			break;
		ret = send_route(w, &want[i], true);
		if (ret) {
			/* Somebody else's route, or none possible: not ours to keep. */
			save(w, NULL);
			ret = ret == -EEXIST || ret == -ENETUNREACH ? 0 : ret;
			continue;
		}
		more = realloc(w->routes, (w->n_routes + 1) * sizeof(*more));
		if (!more) {
			send_route(w, &want[i], false);
			save(w, NULL);
			ret = -ENOMEM;
			break;
		}
		w->routes = more;
		w->routes[w->n_routes++] = want[i];
	}
	free(want);
	return ret;
}

/* Read and drop every pending notification; they only wake us. */
static void drain(int fd)
{
	char buf[8192];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

pid_t mt_watch_run(struct mt_watch *w)
{
	struct mt_netlink g, rtnl;
	struct nl_sock *events;
	pid_t pid;
	int null;

	fflush(NULL);
	pid = fork();
	if (pid)
		return pid < 0 ? -errno : pid;
	/* The watcher: detached from the terminal and the caller's session. */
	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	if (chdir("/"))
		_exit(1);
	/* Sockets of its own: the caller's stay the caller's. */
	w->g = &g;
	w->rtnl = &rtnl;
	if (mt_netlink_open_genl(&g) || mt_netlink_open_rtnl(&rtnl))
		_exit(1);
	events = nl_socket_alloc();
	if (!events || nl_connect(events, NETLINK_ROUTE) ||
	    nl_socket_add_memberships(events, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV6_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, 0))
		_exit(1);
	for (;;) {
		struct pollfd pfd = { .fd = nl_socket_get_fd(events), .events = POLLIN };

		poll(&pfd, 1, 1000);
		drain(pfd.fd);
		if (if_nametoindex(w->name) != w->ifindex)
			break;
		/* A failed pass is retried at the next change or second. */
		mt_watch_sync(w);
	}
	/* The device is gone, and with it the need for these routes. */
	while (w->n_routes) {
		send_route(w, &w->routes[--w->n_routes], false);
		save(w, NULL);
	}
	_exit(0);
}

void mt_watch_free(struct mt_watch *w)
{
	free(w->routes);
	w->routes = NULL;
	w->n_routes = 0;
}
