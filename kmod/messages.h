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

#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/param.h>
#include <linux/udp.h>

enum mt_message_sizes {
	MT_DATA_HEADER_LEN = 16,
	MT_AUTHTAG_LEN = 16,
	MT_DATA_OVERHEAD = MT_DATA_HEADER_LEN + MT_AUTHTAG_LEN,
};

enum mt_noise_lengths {
	MT_NOISE_KEY_LEN = CHACHA20POLY1305_KEY_SIZE,
	MT_NOISE_PUBLIC_KEY_LEN = CURVE25519_KEY_SIZE,
	MT_NOISE_HASH_LEN = BLAKE2S_HASH_SIZE,
	MT_NOISE_TIMESTAMP_LEN = 12,	/* TAI64N */
	MT_COOKIE_LEN = 16,
	MT_COOKIE_NONCE_LEN = XCHACHA20POLY1305_NONCE_SIZE,
};

/* Encrypted length of a plaintext of n bytes. */
#define mt_noise_encrypted_len(n) ((n) + MT_AUTHTAG_LEN)

/* WireGuard's protocol constants (the whitepaper, section 6). */
#define MT_REKEY_AFTER_MESSAGES BIT_ULL(60)
#define MT_REJECT_AFTER_MESSAGES (U64_MAX - COUNTER_WINDOW_SIZE - 1)
#define MT_REKEY_TIMEOUT 5
#define MT_REKEY_TIMEOUT_JITTER_MAX_JIFFIES (HZ / 3)
#define MT_KEEPALIVE_TIMEOUT 10
#define MT_REKEY_AFTER_TIME 120
#define MT_REKEY_ATTEMPT_TIME 90
#define MT_REJECT_AFTER_TIME 180
#define MT_INITIATIONS_PER_SECOND 50
#define MT_MAX_TIMER_HANDSHAKES (MT_REKEY_ATTEMPT_TIME / MT_REKEY_TIMEOUT)
#define MT_COOKIE_SECRET_MAX_AGE 120
#define MT_COOKIE_SECRET_LATENCY 5

/* Sliding replay window: bits kept, as a ring of unsigned longs. */
enum mt_counter_window {
	COUNTER_BITS_TOTAL = 8192,
	COUNTER_WINDOW_SIZE = COUNTER_BITS_TOTAL - BITS_PER_LONG,
};

enum mt_message_type {
	MT_MESSAGE_INVALID = 0,
	MT_MESSAGE_HANDSHAKE_INITIATION = 1,
	MT_MESSAGE_HANDSHAKE_RESPONSE = 2,
	MT_MESSAGE_HANDSHAKE_COOKIE = 3,
	MT_MESSAGE_DATA = 4,
};

/* Type in the low byte, three zero bytes: a little-endian 32-bit word. */
struct mt_message_header {
	__le32 type;
} __packed;

struct mt_message_macs {
	u8 mac1[MT_COOKIE_LEN];
	u8 mac2[MT_COOKIE_LEN];
} __packed;

struct mt_message_handshake_initiation {
	struct mt_message_header header;
	__le32 sender_index;
	u8 unencrypted_ephemeral[MT_NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_static[mt_noise_encrypted_len(MT_NOISE_PUBLIC_KEY_LEN)];
	u8 encrypted_timestamp[mt_noise_encrypted_len(MT_NOISE_TIMESTAMP_LEN)];
	struct mt_message_macs macs;
} __packed;

struct mt_message_handshake_response {
	struct mt_message_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 unencrypted_ephemeral[MT_NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_nothing[mt_noise_encrypted_len(0)];
	struct mt_message_macs macs;
} __packed;

struct mt_message_handshake_cookie {
	struct mt_message_header header;
	__le32 receiver_index;
	u8 nonce[MT_COOKIE_NONCE_LEN];
	u8 encrypted_cookie[mt_noise_encrypted_len(MT_COOKIE_LEN)];
} __packed;

struct mt_message_data {
	struct mt_message_header header;
	__le32 key_idx;
	__le64 counter;
	u8 encrypted_data[];
} __packed;

static_assert(sizeof(struct mt_message_handshake_initiation) == 148);
static_assert(sizeof(struct mt_message_handshake_response) == 92);
static_assert(sizeof(struct mt_message_handshake_cookie) == 64);
static_assert(sizeof(struct mt_message_data) == 16);
static_assert(offsetof(struct mt_message_handshake_initiation, sender_index) ==
	      offsetof(struct mt_message_handshake_response, sender_index));

/* Inner packets are padded to a multiple of this before encryption. */
#define MT_MESSAGE_PADDING_MULTIPLE 16
#define MT_MESSAGE_MINIMUM_LENGTH mt_noise_encrypted_len(sizeof(struct mt_message_data))

/*
 * Mesh messages: meshtun's extensions, exchanged only with peers whose
 * handshake showed they speak them (mt_mesh_speaks()), as the plaintext of
 * ordinary data messages, so they are encrypted, authenticated and
 * replay-checked like any packet. The first byte is the type, whose high
 * nibble is never an IP version (4 or 6): that is how they are told apart
 * from inner packets. len counts the bytes after the header; padding
 * follows.
 *
 *   PING, PONG          between two nodes, sent straight to an address:
 *                       proves the direct path (body: an 8-byte id, echoed)
 *   ENDPOINT_REQUEST    node to hub: where is the peer with this key?
 *   PEER_ASKING         hub to node: the peer whose key has this tag asks
 *                       for you (no address: you ask back if you know it;
 *                       a node without that key learns nothing of it)
 *   ENDPOINT            hub to node: the peer with this key is at this
 *                       address (both sides of an introduction get one)
 *   RELAY               node to hub: forward this WireGuard message to the
 *                       peer with this key
 *   RELAYED             hub to node: the peer with this key sent you this
 *                       WireGuard message
 */
/* Whether a plaintext whose first byte is this is a mesh message, not an IP packet. */
static inline bool mt_message_is_mesh(u8 first_byte)
{
	return first_byte >> 4 != 4 && first_byte >> 4 != 6;
}

enum mt_mesh_type {
	MT_MESH_PING = 1,
	MT_MESH_PONG = 2,
	MT_MESH_ENDPOINT_REQUEST = 3,
	MT_MESH_PEER_ASKING = 4,
	MT_MESH_ENDPOINT = 5,
	MT_MESH_RELAY = 6,
	MT_MESH_RELAYED = 7,
};

/*
 * Whether a mesh message carries traffic (another peer's message), which
 * counts as data for the session's timers as WireGuard's data does. The
 * others are the mesh's own: they keep no session alive, or two idle
 * nodes would go on answering each other's PINGs and keepalives forever.
 */
static inline bool mt_mesh_carries_data(u8 type)
{
	return type == MT_MESH_RELAY || type == MT_MESH_RELAYED;
}

struct mt_mesh_header {
	u8 type;
	u8 flags;		/* none defined: must be 0 */
	__be16 len;		/* of the body */
} __packed;

struct mt_mesh_ping {
	struct mt_mesh_header header;
	__le64 id;
} __packed;

/* ENDPOINT_REQUEST; RELAY and RELAYED, then the message. */
struct mt_mesh_peer_msg {
	struct mt_mesh_header header;
	u8 public_key[MT_NOISE_PUBLIC_KEY_LEN];
} __packed;

/*
 * How a hub names an asker to the peer it asks for: BLAKE2s-256 of this
 * label, the asker's public key and the target's. The target can tell
 * the tag of a key it holds; the tag does not give the key, and differs
 * from one target to another.
 */
#define MT_MESH_KEY_TAG_LABEL "meshtun key tag1"
#define MT_MESH_KEY_TAG_LEN MT_NOISE_HASH_LEN

struct mt_mesh_asking {
	struct mt_mesh_header header;
	u8 key_tag[MT_MESH_KEY_TAG_LEN];
} __packed;

struct mt_mesh_endpoint {
	struct mt_mesh_header header;
	u8 public_key[MT_NOISE_PUBLIC_KEY_LEN];
	u8 family;		/* 4 or 6 */
	u8 reserved;		/* 0 */
	__be16 port;
	u8 addr[16];		/* IPv4 in the first 4 bytes */
} __packed;

static_assert(sizeof(struct mt_mesh_header) == 4);
static_assert(sizeof(struct mt_mesh_ping) == 12);
static_assert(sizeof(struct mt_mesh_peer_msg) == 36);
static_assert(sizeof(struct mt_mesh_asking) == 36);
static_assert(sizeof(MT_MESH_KEY_TAG_LABEL) - 1 == 16);
static_assert(sizeof(struct mt_mesh_endpoint) == 56);

/* Whether a message type and length could be a WireGuard message. */
static inline bool mt_message_length_ok(u32 type, unsigned int len)
{
	switch (type) {
	case MT_MESSAGE_HANDSHAKE_INITIATION:
		return len == sizeof(struct mt_message_handshake_initiation);
	case MT_MESSAGE_HANDSHAKE_RESPONSE:
		return len == sizeof(struct mt_message_handshake_response);
	case MT_MESSAGE_HANDSHAKE_COOKIE:
		return len == sizeof(struct mt_message_handshake_cookie);
	case MT_MESSAGE_DATA:
		return len >= MT_MESSAGE_MINIMUM_LENGTH;
	}
	return false;
}

/* Handshake messages waiting for the handshake workers, per device. */
#define MT_MAX_QUEUED_INCOMING_HANDSHAKES 4096
/* Beyond this backlog the device is "under load" and demands cookies. */
#define MT_UNDER_LOAD_QUEUE_LEN (MT_MAX_QUEUED_INCOMING_HANDSHAKES / 8)
/* Packets held per peer while a handshake is under way. */
#define MT_MAX_STAGED_PACKETS 128
/*
 * Packets in flight through a device's encryption or decryption workers,
 * and on each peer's ordered queue (a slow packet at its head holds the
 * rest behind it).
 */
#define MT_MAX_QUEUED_PACKETS 1024

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
