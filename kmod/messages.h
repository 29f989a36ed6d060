/* SPDX-License-Identifier: GPL-2.0 */
/*
 * messages.h - protocol constants shared by every part of the module.
 *
 * meshtun speaks WireGuard's wire protocol: transport data messages carry
 * a 16-byte header (type, receiver index, counter) and a 16-byte
 * Poly1305 tag around the padded inner packet, inside UDP.
 */
#ifndef MT_MESSAGES_H
#define MT_MESSAGES_H

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

enum mt_message_sizes {
	MT_DATA_HEADER_LEN = 16,
	MT_AUTHTAG_LEN = 16,
	MT_DATA_OVERHEAD = MT_DATA_HEADER_LEN + MT_AUTHTAG_LEN,
};

enum mt_mtu {
	/* The default MTU fits an IPv6 outer packet into 1500 bytes. */
	MT_DEFAULT_MTU = 1500 - sizeof(struct ipv6hdr) - sizeof(struct udphdr) -
			 MT_DATA_OVERHEAD,
	MT_MIN_MTU = 68,	/* the smallest MTU IPv4 allows (RFC 791) */
	/* The largest inner packet whose IPv4 outer packet still fits. */
	MT_MAX_MTU = 65535 - sizeof(struct iphdr) - sizeof(struct udphdr) -
		     MT_DATA_OVERHEAD,
};

#endif /* MT_MESSAGES_H */
