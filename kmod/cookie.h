/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cookie.h - MAC1, MAC2 and cookie replies: WireGuard's defence against
 * handshake floods (whitepaper, section 5.4.7).
 *
 * Every handshake message carries MAC1, keyed by the receiver's public
 * key, so a device only spends a Curve25519 operation on messages from
 * someone who knows its public key. Under load, a device also demands
 * MAC2, keyed by a cookie it hands out (encrypted) to the sender's IP
 * address and port, which proves the sender can receive at that address.
 *
 *   mt_cookie_checker_init()        a device's checker, empty
 *   mt_cookie_checker_precompute()  its keys, after the device key changed
 *   mt_cookie_init()                a peer's cookie state, empty
 *   mt_cookie_precompute_peer()     its keys, from the peer's public key
 *   mt_cookie_validate()            check MAC1 and, under load, MAC2
 *   mt_cookie_add_macs()            MAC1 and MAC2 on an outgoing message
 *   mt_cookie_create_reply()        a cookie reply to a handshake message
 *   mt_cookie_consume_reply()       take the cookie from a reply
 */
#ifndef MT_COOKIE_H
#define MT_COOKIE_H

#include "messages.h"

#include <linux/rwsem.h>
#include <linux/skbuff.h>

struct mt_device;
struct mt_peer;

struct mt_cookie_checker {
	u8 secret[MT_NOISE_HASH_LEN];
	u8 cookie_encryption_key[MT_NOISE_KEY_LEN];
	u8 message_mac1_key[MT_NOISE_KEY_LEN];
	u64 secret_birthdate;
	struct rw_semaphore secret_lock;
	struct mt_device *device;
};

struct mt_cookie {
	u64 birthdate;
	bool is_valid;
	u8 cookie[MT_COOKIE_LEN];
	bool have_sent_mac1;
	u8 last_mac1_sent[MT_COOKIE_LEN];
	u8 cookie_decryption_key[MT_NOISE_KEY_LEN];
	u8 message_mac1_key[MT_NOISE_KEY_LEN];
	struct rw_semaphore lock;
};

enum mt_cookie_mac_state {
	MT_COOKIE_INVALID_MAC,
	MT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
	MT_COOKIE_VALID_MAC_WITH_COOKIE,
};

void mt_cookie_checker_init(struct mt_cookie_checker *checker, struct mt_device *mt);
void mt_cookie_checker_precompute(struct mt_cookie_checker *checker);
void mt_cookie_init(struct mt_cookie *cookie);
void mt_cookie_precompute_peer(struct mt_cookie *cookie, const u8 *peer_public_key);
enum mt_cookie_mac_state mt_cookie_validate(struct mt_cookie_checker *checker,
					    struct sk_buff *skb, bool check_cookie);
void mt_cookie_add_macs(void *message, size_t len, struct mt_peer *peer);
void mt_cookie_create_reply(struct mt_message_handshake_cookie *dst, struct sk_buff *skb,
			    __le32 index, struct mt_cookie_checker *checker);
bool mt_cookie_consume_reply(struct mt_message_handshake_cookie *src, struct mt_device *mt);

#endif /* MT_COOKIE_H */
