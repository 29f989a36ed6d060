/* SPDX-License-Identifier: GPL-2.0 */
/*
 * conf.h - a meshtun device's configuration in memory, read from and
 * written to the kernel over generic netlink.
 *
 *   mt_conf_get()       dump a device into a struct mt_device_conf (retried
 *                       when a concurrent change interrupts the dump)
 *   mt_conf_set()       send a configuration as one or more SET requests
 *   mt_conf_free()      free it, zeroing every key
 *   mt_conf_add_peer()  append a peer (zeroed), NULL when out of memory
 *   mt_conf_add_allowedip()  append an allowed IP to a peer
 *   mt_conf_find_peer() a peer by public key, or NULL
 *
 * In a configuration to set, the set_* fields and flags say what to
 * change; a configuration read back has them all set.
 */
#ifndef MT_TOOLS_CONF_H
#define MT_TOOLS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/meshtun.h>

#include "netlink.h"

struct mt_allowedip {
	int family;
	uint8_t addr[16];
	uint8_t cidr;
	bool remove;
};

union mt_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

struct mt_peer_conf {
	uint8_t public_key[MESHTUN_KEY_LEN];
	uint32_t flags;			/* enum meshtun_peer_flag */
	bool set_preshared_key;
	uint8_t preshared_key[MESHTUN_KEY_LEN];
	bool set_endpoint;
	union mt_sockaddr endpoint;
	bool set_keepalive;
	uint16_t keepalive;
	bool set_hub;
	bool hub;
	/* Read back only. */
	struct timespec last_handshake;
	uint64_t rx_bytes, tx_bytes;
	uint32_t protocol_version;
	uint8_t mesh;			/* enum meshtun_peer_mesh */
	uint8_t path;			/* enum meshtun_peer_path */
	bool has_relay_hub;
	uint8_t relay_hub[MESHTUN_KEY_LEN];

	struct mt_allowedip *allowedips;
	size_t n_allowedips, cap_allowedips;
};

struct mt_device_conf {
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t flags;			/* enum meshtun_device_flag */
	bool set_private_key;
	uint8_t private_key[MESHTUN_KEY_LEN];	/* all zero: none */
	bool has_public_key;
	uint8_t public_key[MESHTUN_KEY_LEN];
	bool set_listen_port;
	uint16_t listen_port;
	bool set_fwmark;
	uint32_t fwmark;
	bool set_relay;
	bool relay;

	struct mt_peer_conf *peers;
	size_t n_peers, cap_peers;
};

int mt_conf_get(struct mt_netlink *g, const char *ifname, struct mt_device_conf *conf);
int mt_conf_set(struct mt_netlink *g, const struct mt_device_conf *conf);
void mt_conf_free(struct mt_device_conf *conf);
struct mt_peer_conf *mt_conf_add_peer(struct mt_device_conf *conf);
struct mt_allowedip *mt_conf_add_allowedip(struct mt_peer_conf *peer);
struct mt_peer_conf *mt_conf_find_peer(const struct mt_device_conf *conf, const uint8_t *key);

#endif /* MT_TOOLS_CONF_H */
