// SPDX-License-Identifier: GPL-2.0
/*
 * up_nft.c - the nftables objects of `mtctl up` (the guard of a full
 * tunnel's addresses, DirectSet's marks and masquerade, the gateway's
 * masquerade and port forwards) and the gateway's forwarding sysctls.
 */
#include "up_internal.h"
#include "nft.h"

#include <errno.h>
#include <stdio.h>

int up_install_nft(struct up *u)
{
	struct mt_record_entry e = { .type = MT_RECORD_NFT_TABLE };
	struct mt_nft_plan plan = {
		.dev = u->name,
		.gateway = u->up.gateway,
		.forwards = u->up.forwards,
		.n_forwards = u->up.n_forwards,
	};
	char err[512];
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
	mt_nft_object_name(e.nft_table, sizeof(e.nft_table), u->name, -1);
	if (!mt_nft_plan_empty(&plan)) {
		ret = mt_record_add(&u->rec, &e);
		if (ret)
			return up_fail_record(u, ret);
		ret = mt_nft_table_add(e.nft_table, &plan, err, sizeof(err));
		if (ret) {
			mt_record_undo(&u->rec);
			return up_fail(u, ret, "%s", err);
		}
	}
	for (i = 0; i < u->up.n_direct_sets; i++) {
		e = (struct mt_record_entry){ .type = MT_RECORD_NFT_MARK };
		e.nft_mark.set = u->up.direct_sets[i];
		mt_nft_object_name(e.nft_mark.chain, sizeof(e.nft_mark.chain), u->name, (int)i);
		ret = mt_record_add(&u->rec, &e);
		if (ret)
			return up_fail_record(u, ret);
		ret = mt_nft_mark_chain_add(&e.nft_mark.set, e.nft_mark.chain, u->fwmark, err,
					    sizeof(err));
		if (ret) {
			mt_record_undo(&u->rec);
			return up_fail(u, ret, "%s", err);
		}
	}
	return 0;
}

/* The nftables table masquerades and forwards; the kernel must route. */
int up_install_gateway(struct up *u)
{
	int ret = 0;

	if (!u->up.gateway[0])
		return 0;
	if (mt_prefix_list_has(&u->up.addresses, AF_INET))
		ret = up_set_sysctl(u, "net/ipv4/ip_forward", "1");
	if (!ret && mt_prefix_list_has(&u->up.addresses, AF_INET6))
		ret = up_set_sysctl(u, "net/ipv6/conf/all/forwarding", "1");
	return ret;
}
