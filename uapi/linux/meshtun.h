/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * meshtun: the generic netlink API shared by the kernel module and mtctl.
 *
 * Devices are created and destroyed with rtnetlink ("ip link add mt0 type
 * meshtun", "ip link del mt0"). Everything else is configured through the
 * generic netlink family MESHTUN_GENL_NAME, version MESHTUN_GENL_VERSION,
 * described also, in the kernel's Documentation/netlink/specs format, by
 * meshtun.yaml beside this header. Both commands need CAP_NET_ADMIN in the user namespace that owns
 * the device's network namespace (GENL_UNS_ADMIN_PERM); changing the
 * listen port or the fwmark also needs CAP_NET_ADMIN over the network
 * namespace the device was created in, where its sockets live.
 *
 * MESHTUN_CMD_GET_DEVICE (dump only)
 *   Request: MESHTUN_DEVICE_A_IFINDEX or MESHTUN_DEVICE_A_IFNAME.
 *   Replies, as many messages as the configuration needs; each carries
 *   IFINDEX and IFNAME; the first also PUBLIC_KEY, PRIVATE_KEY (when set),
 *   LISTEN_PORT, FWMARK and RELAY; each then a PEERS nest of peers, each with
 *   PUBLIC_KEY, PRESHARED_KEY (when set), ENDPOINT (when known),
 *   PERSISTENT_KEEPALIVE_INTERVAL, LAST_HANDSHAKE_TIME, RX_BYTES, TX_BYTES,
 *   PROTOCOL_VERSION, HUB, MESH, PATH, RELAY_HUB (when PATH is RELAYED and
 *   that hub is still one) and an ALLOWEDIPS nest. A peer with many allowed IPs
 *   may continue in the next message: the same PUBLIC_KEY, carrying only
 *   the rest of its ALLOWEDIPS. A configuration change between two
 *   messages of a dump interrupts it: the next message is flagged
 *   NLM_F_DUMP_INTR and is its last; start it again. A dump holds nothing
 *   of the device between its messages: if the device is deleted, or
 *   moved to another network namespace, before the dump is read to its
 *   end, the dump ends with -ENODEV.
 *
 * MESHTUN_CMD_SET_DEVICE
 *   Request: IFINDEX or IFNAME, then any of PRIVATE_KEY (32 zero bytes
 *   remove the key), LISTEN_PORT (0: any free port), FWMARK (0: none),
 *   RELAY (1: act as a hub for the peers, 0: not, the default),
 *   FLAGS (MESHTUN_DEVICE_F_REPLACE_PEERS: the PEERS given replace all),
 *   PEERS. Each peer: PUBLIC_KEY (required), FLAGS
 *   (MESHTUN_PEER_F_REMOVE_ME, _REPLACE_ALLOWEDIPS, _UPDATE_ONLY),
 *   PRESHARED_KEY (32 zero bytes remove it), ENDPOINT (a struct
 *   sockaddr_in or sockaddr_in6, port not 0), PERSISTENT_KEEPALIVE_INTERVAL
 *   (seconds, 0: off), HUB (1: the peer is a hub of ours, 0: not, the
 *   default; a device has at most 16 hubs, and a request that would give
 *   it more is refused whole, its extended ack naming the first HUB
 *   attribute over the limit), ALLOWEDIPS. Each allowed IP: FAMILY (AF_INET or
 *   AF_INET6), IPADDR (4 or 16 bytes), CIDR_MASK (up to 32 or 128), FLAGS
 *   (MESHTUN_ALLOWEDIP_F_REMOVE_ME: remove it from this peer). Bits of
 *   IPADDR beyond CIDR_MASK are ignored. An allowed IP belongs to one peer:
 *   adding it to another moves it.
 *
 *   The request is validated in full before anything changes: if any
 *   attribute is wrong (or a peer flagged UPDATE_ONLY does not exist, or
 *   the device would exceed MESHTUN_MAX_PEERS or 16 hubs), it fails with
 *   an extended ack naming the attribute and the device is left exactly
 *   as it was. A device deleted, or moved to another network namespace,
 *   while the request waited is left alone: -ENODEV.
 *   Large configurations may be split over several requests, the later
 *   ones without REPLACE flags.
 *
 * The mesh: a peer marked HUB is asked where our peers without a working
 *   direct path are, and relays our messages to them meanwhile, encrypted
 *   end to end; a device with RELAY is a hub for its peers. MESH says what
 *   the peer's last handshake showed: whether it speaks meshtun's mesh
 *   messages (only then is it sent any); PATH, how our messages to it went
 *   last, and RELAY_HUB, through which hub.
 *
 * Numbering: attributes and commands are only ever appended. Values
 *   marked reserved are kept for the events multicast group and further
 *   mesh extensions and are rejected until then.
 */
#ifndef _UAPI_LINUX_MESHTUN_H
#define _UAPI_LINUX_MESHTUN_H

#define MESHTUN_GENL_NAME	"meshtun"
#define MESHTUN_GENL_VERSION	1

#define MESHTUN_KEY_LEN		32
#define MESHTUN_MAX_PEERS	(1U << 20)

enum meshtun_cmd {
	MESHTUN_CMD_UNSPEC,
	MESHTUN_CMD_GET_DEVICE,
	MESHTUN_CMD_SET_DEVICE,
	/* 3..7 reserved: event notifications */

	__MESHTUN_CMD_MAX
};

#define MESHTUN_CMD_MAX (__MESHTUN_CMD_MAX - 1)

enum meshtun_device_flag {
	MESHTUN_DEVICE_F_REPLACE_PEERS = 1U << 0,

	__MESHTUN_DEVICE_F_ALL = MESHTUN_DEVICE_F_REPLACE_PEERS
};

enum meshtun_device_attr {
	MESHTUN_DEVICE_A_UNSPEC,
	MESHTUN_DEVICE_A_IFINDEX,	/* u32 */
	MESHTUN_DEVICE_A_IFNAME,	/* NUL-terminated string, < IFNAMSIZ */
	MESHTUN_DEVICE_A_PRIVATE_KEY,	/* MESHTUN_KEY_LEN bytes */
	MESHTUN_DEVICE_A_PUBLIC_KEY,	/* MESHTUN_KEY_LEN bytes, get only */
	MESHTUN_DEVICE_A_FLAGS,		/* u32, enum meshtun_device_flag */
	MESHTUN_DEVICE_A_LISTEN_PORT,	/* u16 */
	MESHTUN_DEVICE_A_FWMARK,	/* u32 */
	MESHTUN_DEVICE_A_PEERS,		/* nest of MESHTUN_PEER_A_* nests */
	MESHTUN_DEVICE_A_RELAY,		/* u8: 0 or 1 */
	/* 10..15 reserved: mesh extensions */

	__MESHTUN_DEVICE_A_MAX
};

#define MESHTUN_DEVICE_A_MAX (__MESHTUN_DEVICE_A_MAX - 1)

enum meshtun_peer_flag {
	MESHTUN_PEER_F_REMOVE_ME = 1U << 0,
	MESHTUN_PEER_F_REPLACE_ALLOWEDIPS = 1U << 1,
	MESHTUN_PEER_F_UPDATE_ONLY = 1U << 2,

	__MESHTUN_PEER_F_ALL = MESHTUN_PEER_F_REMOVE_ME |
			       MESHTUN_PEER_F_REPLACE_ALLOWEDIPS |
			       MESHTUN_PEER_F_UPDATE_ONLY
};

enum meshtun_peer_attr {
	MESHTUN_PEER_A_UNSPEC,
	MESHTUN_PEER_A_PUBLIC_KEY,	/* MESHTUN_KEY_LEN bytes */
	MESHTUN_PEER_A_PRESHARED_KEY,	/* MESHTUN_KEY_LEN bytes */
	MESHTUN_PEER_A_FLAGS,		/* u32, enum meshtun_peer_flag */
	MESHTUN_PEER_A_ENDPOINT,	/* struct sockaddr_in or sockaddr_in6 */
	MESHTUN_PEER_A_PERSISTENT_KEEPALIVE_INTERVAL,	/* u16, seconds */
	MESHTUN_PEER_A_LAST_HANDSHAKE_TIME,	/* struct __kernel_timespec, get only */
	MESHTUN_PEER_A_RX_BYTES,	/* u64, get only */
	MESHTUN_PEER_A_TX_BYTES,	/* u64, get only */
	MESHTUN_PEER_A_ALLOWEDIPS,	/* nest of MESHTUN_ALLOWEDIP_A_* nests */
	MESHTUN_PEER_A_PROTOCOL_VERSION,	/* u32, get only */
	MESHTUN_PEER_A_HUB,		/* u8: 0 or 1 */
	MESHTUN_PEER_A_MESH,		/* u8, enum meshtun_peer_mesh, get only */
	MESHTUN_PEER_A_PATH,		/* u8, enum meshtun_peer_path, get only */
	MESHTUN_PEER_A_RELAY_HUB,	/* MESHTUN_KEY_LEN bytes: the hub's key, get only */
	/* 15..19 reserved: mesh extensions */

	__MESHTUN_PEER_A_MAX
};

#define MESHTUN_PEER_A_MAX (__MESHTUN_PEER_A_MAX - 1)

/* What the peer's last handshake showed of its mesh messages. */
enum meshtun_peer_mesh {
	MESHTUN_PEER_MESH_UNKNOWN,	/* no handshake yet */
	MESHTUN_PEER_MESH_NO,		/* it speaks WireGuard only */
	MESHTUN_PEER_MESH_YES,		/* it speaks meshtun's mesh messages */
};

/* How our messages to the peer went last. */
enum meshtun_peer_path {
	MESHTUN_PEER_PATH_NONE,		/* none sent yet */
	MESHTUN_PEER_PATH_DIRECT,	/* straight to its endpoint */
	MESHTUN_PEER_PATH_RELAYED,	/* through a hub */
};

enum meshtun_allowedip_flag {
	MESHTUN_ALLOWEDIP_F_REMOVE_ME = 1U << 0,

	__MESHTUN_ALLOWEDIP_F_ALL = MESHTUN_ALLOWEDIP_F_REMOVE_ME
};

enum meshtun_allowedip_attr {
	MESHTUN_ALLOWEDIP_A_UNSPEC,
	MESHTUN_ALLOWEDIP_A_FAMILY,	/* u16: AF_INET or AF_INET6 */
	MESHTUN_ALLOWEDIP_A_IPADDR,	/* 4 or 16 bytes, network order */
	MESHTUN_ALLOWEDIP_A_CIDR_MASK,	/* u8 */
	MESHTUN_ALLOWEDIP_A_FLAGS,	/* u32, enum meshtun_allowedip_flag */

	__MESHTUN_ALLOWEDIP_A_MAX
};

#define MESHTUN_ALLOWEDIP_A_MAX (__MESHTUN_ALLOWEDIP_A_MAX - 1)

#endif /* _UAPI_LINUX_MESHTUN_H */
