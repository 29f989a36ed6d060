/* SPDX-License-Identifier: GPL-2.0 */
/*
 * watch.h - the endpoint routes of FullTunnel = split-default, kept right.
 *
 * With 0/1 and 128/1 through the device, the outer packets to each peer's
 * endpoint (and the Direct prefixes) need routes of their own through the
 * physical default route. Endpoints roam and default routes change, so a
 * watcher process keeps those routes in step with both: after every
 * link, address or route change, and every second (an endpoint changes
 * without a notification). It exits when the device is gone.
 *
 * Its routes are recorded in a file of its own, a record of rtnl entries
 * without a header (record.h), named by the up record: rewritten whole,
 * with a route added before it is made and dropped after it is removed,
 * so the file always covers what exists.
 *
 *   mt_watch_sync()  one pass: make the routes what they should be now
 *   mt_watch_run()   fork the watcher (its pid, or -errno)
 *   mt_watch_free()  free what the passes allocated
 */
#ifndef MT_TOOLS_WATCH_H
#define MT_TOOLS_WATCH_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <sys/types.h>

#include "netlink.h"
#include "rtnl.h"

struct mt_watch {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
	bool split[2];				/* per family: IPv4, IPv6 */
	const struct mt_allowedip *direct;	/* prefixes kept outside too */
	size_t n_direct;
	char path[PATH_MAX];			/* the record of its routes */
	struct mt_netlink *g, *rtnl;
	struct mt_route *routes;		/* installed, as recorded */
	size_t n_routes;
};

int mt_watch_sync(struct mt_watch *w);
pid_t mt_watch_run(struct mt_watch *w);
void mt_watch_free(struct mt_watch *w);

#endif /* MT_TOOLS_WATCH_H */
