/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nft.h - the nftables objects `mtctl up` installs, written as nft
 * commands and run by libnftables (each change one transaction: all of
 * it or none).
 *
 *   mt_nft_object_name()     "meshtun-DEV" (INDEX < 0) or "meshtun-DEV-INDEX",
 *                            with what nft names cannot hold written /XX
 *   mt_nft_plan_empty()      whether a plan needs no nftables objects at all
 *   mt_nft_table_add()       create table inet NAME with the chains and rules
 *                            a plan needs: the guard, gateway masquerade and
 *                            forwarding, port forwards, the masquerade of
 *                            DirectSet's bypass; -EEXIST if it exists
 *   mt_nft_table_del()       delete table inet NAME and all in it; -ENOENT if
 *                            absent
 *   mt_nft_mark_chain_add()  in the user's table holding a DirectSet, add the
 *                            chains NAME (route, output) and NAME-in (filter,
 *                            prerouting) that mark packets to the set's
 *                            addresses; -ENOENT if the table or set is missing
 *   mt_nft_mark_chain_del()  delete those two chains again (-ENOENT only
 *                            when neither was there)
 *
 * Every function returns 0 or -errno, and on failure fills err with one
 * line: "nftables: WHAT: NFT'S MESSAGE".
 */
#ifndef MT_TOOLS_NFT_H
#define MT_TOOLS_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "upconf.h"

struct mt_nft_plan {
	const char *dev;			/* the tunnel device, e.g. "mt0" */
	/*
	 * Tunnel addresses (family and addr used, as host addresses) that
	 * packets arriving on any other interface may not reach unless sent
	 * from a local address, as wg-quick guards them.
	 */
	const struct mt_allowedip *guard;
	size_t n_guard;
	/* "" or NULL: none; else forward and masquerade the tunnel out of it */
	const char *gateway;
	/* ports of this node forwarded to addresses behind the tunnel */
	const struct mt_forward *forwards;
	size_t n_forwards;
	/*
	 * DirectSet: packets that the set's chain marked with bypass_mark
	 * after their socket had picked one of these tunnel addresses as
	 * source leave through the physical network masqueraded.
	 */
	uint32_t bypass_mark;
	const struct mt_allowedip *bypass_sources;
	size_t n_bypass_sources;
};

void mt_nft_object_name(char *out, size_t len, const char *dev, int index);
bool mt_nft_plan_empty(const struct mt_nft_plan *plan);
int mt_nft_table_add(const char *name, const struct mt_nft_plan *plan, char *err, size_t errlen);
int mt_nft_table_del(const char *name, char *err, size_t errlen);
int mt_nft_mark_chain_add(const struct mt_nft_set *set, const char *name, uint32_t mark,
			  char *err, size_t errlen);
int mt_nft_mark_chain_del(const struct mt_nft_set *set, const char *name, char *err,
			  size_t errlen);

#endif /* MT_TOOLS_NFT_H */
