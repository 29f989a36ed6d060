/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upconf.h - the [Interface] keys that only `mtctl up` reads: wg-quick's
 * (Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown, SaveConfig)
 * and meshtun's routing keys:
 *
 *   FullTunnel = auto | rules | split-default | off
 *       how a default route among the peers' allowed IPs is routed: policy
 *       rules and a table of the tunnel's own (auto, rules), 0/1 + 128/1
 *       (split-default), or not at all (off)
 *   Direct = CIDR, ...            prefixes that bypass a full tunnel
 *   DirectSet = FAMILY TABLE SET  an nftables set of addresses that bypass
 *                                 it (filled by a resolver such as dnsmasq)
 *   Tunnel = CIDR, ...            only these go through the tunnel
 *   Users = UID[-UID] | NAME, ... only these users' traffic goes through it
 *   BypassUsers = ...             these users' traffic does not
 *   Gateway = IFACE               forward and masquerade the tunnel's
 *                                 traffic out through IFACE
 *   Forward = PROTO/PORT -> ADDR:PORT   a port of this node forwarded to an
 *                                 address behind the tunnel
 *
 *   mt_up_is_key()   whether KEY is one of these (setconf ignores them)
 *   mt_up_key()      parse one of them into a struct mt_up_conf: 1 when it
 *                    was one, 0 when not, -EINVAL with why[] filled
 *   mt_up_check()    checks across keys, once the file is read
 *   mt_up_free()     free what the parse allocated
 *   mt_prefix_list_has()  whether a list holds a prefix of a family
 */
#ifndef MT_TOOLS_UPCONF_H
#define MT_TOOLS_UPCONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

enum mt_full_tunnel {
	MT_FULL_AUTO,
	MT_FULL_RULES,
	MT_FULL_SPLIT_DEFAULT,
	MT_FULL_OFF,
};

enum mt_table_mode {
	MT_TABLE_AUTO,		/* a free table, for a full tunnel; main otherwise */
	MT_TABLE_OFF,		/* no routes at all */
	MT_TABLE_NUMBER,
};

struct mt_prefix_list {
	struct mt_allowedip *items;
	size_t n;
};

struct mt_uid_range {
	uint32_t start, end;
};

struct mt_nft_set {
	char family[8];		/* ip, ip6 or inet */
	char table[256];
	char set[256];
};

struct mt_forward {
	int protocol;			/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;
	union mt_sockaddr to;
};

enum mt_hook { MT_PRE_UP, MT_POST_UP, MT_PRE_DOWN, MT_POST_DOWN, MT_HOOKS };

struct mt_up_conf {
	struct mt_prefix_list addresses;	/* host part kept */
	struct mt_prefix_list dns_servers;
	char **dns_search;
	size_t n_dns_search;
	uint32_t mtu;			/* 0: from the outer route */
	enum mt_table_mode table_mode;
	uint32_t table;
	enum mt_full_tunnel full_tunnel;
	struct mt_prefix_list direct, tunnel;
	struct mt_nft_set *direct_sets;
	size_t n_direct_sets;
	struct mt_uid_range *users, *bypass_users;
	size_t n_users, n_bypass_users;
	char gateway[IFNAMSIZ];
	struct mt_forward *forwards;
	size_t n_forwards;
	char **hooks[MT_HOOKS];
	size_t n_hooks[MT_HOOKS];
};

bool mt_up_is_key(const char *key);
int mt_up_key(struct mt_up_conf *up, const char *key, char *value, char *why, size_t whylen);
int mt_up_check(const struct mt_up_conf *up, const struct mt_device_conf *conf, char *why,
		size_t whylen);
void mt_up_free(struct mt_up_conf *up);
bool mt_prefix_list_has(const struct mt_prefix_list *list, int family);

#endif /* MT_TOOLS_UPCONF_H */
