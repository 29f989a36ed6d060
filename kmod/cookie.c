// SPDX-License-Identifier: GPL-2.0
/*
 * cookie.c - MAC1/MAC2 computation and checking, and cookie replies.
 */
#include "cookie.h"
#include "clock.h"
#include "device.h"
#include "index.h"
#include "peer.h"

#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <net/ipv6.h>

static const u8 mac1_label[8] = "mac1----";
static const u8 cookie_label[8] = "cookie--";

/* HASH(label || public key): the per-identity keys of MAC1 and cookies. */
static void derive_key(u8 key[MT_NOISE_KEY_LEN], const u8 public_key[MT_NOISE_PUBLIC_KEY_LEN],
		       const u8 label[8])
{
	struct blake2s_state state;

	blake2s_init(&state, MT_NOISE_KEY_LEN);
	blake2s_update(&state, label, 8);
	blake2s_update(&state, public_key, MT_NOISE_PUBLIC_KEY_LEN);
	blake2s_final(&state, key);
}

void mt_cookie_checker_init(struct mt_cookie_checker *checker, struct mt_device *mt)
{
	memset(checker, 0, sizeof(*checker));
	init_rwsem(&checker->secret_lock);
	checker->device = mt;
}

/* Called with the device's static identity held for writing. */
void mt_cookie_checker_precompute(struct mt_cookie_checker *checker)
{
	struct mt_device *mt = checker->device;

	if (mt->has_private_key) {
		derive_key(checker->cookie_encryption_key, mt->public_key, cookie_label);
		derive_key(checker->message_mac1_key, mt->public_key, mac1_label);
	} else {
		memzero_explicit(checker->cookie_encryption_key, MT_NOISE_KEY_LEN);
		memzero_explicit(checker->message_mac1_key, MT_NOISE_KEY_LEN);
	}
}

void mt_cookie_init(struct mt_cookie *cookie)
{
	memset(cookie, 0, sizeof(*cookie));
	init_rwsem(&cookie->lock);
}

void mt_cookie_precompute_peer(struct mt_cookie *cookie, const u8 *peer_public_key)
{
	down_write(&cookie->lock);
	derive_key(cookie->cookie_decryption_key, peer_public_key, cookie_label);
	derive_key(cookie->message_mac1_key, peer_public_key, mac1_label);
	up_write(&cookie->lock);
}

/* MAC1 covers the message up to itself; MAC2 also covers MAC1. */
static void compute_mac1(u8 mac1[MT_COOKIE_LEN], const void *message, size_t len,
			 const u8 key[MT_NOISE_KEY_LEN])
{
	len -= sizeof(struct mt_message_macs);
	blake2s(mac1, message, key, MT_COOKIE_LEN, len, MT_NOISE_KEY_LEN);
}

static void compute_mac2(u8 mac2[MT_COOKIE_LEN], const void *message, size_t len,
			 const u8 cookie[MT_COOKIE_LEN])
{
	len -= sizeof(struct mt_message_macs) - offsetof(struct mt_message_macs, mac2);
	blake2s(mac2, message, cookie, MT_COOKIE_LEN, len, MT_COOKIE_LEN);
}

/* The cookie for the sender of skb: MAC(secret, source address || port). */
static void make_cookie(u8 cookie[MT_COOKIE_LEN], struct sk_buff *skb,
			struct mt_cookie_checker *checker)
{
	struct blake2s_state state;

	if (mt_birthdate_expired(checker->secret_birthdate, MT_COOKIE_SECRET_MAX_AGE)) {
		down_write(&checker->secret_lock);
		if (mt_birthdate_expired(checker->secret_birthdate, MT_COOKIE_SECRET_MAX_AGE)) {
			checker->secret_birthdate = mt_clock_ns();
			get_random_bytes(checker->secret, sizeof(checker->secret));
		}
		up_write(&checker->secret_lock);
	}

	down_read(&checker->secret_lock);
	blake2s_init_key(&state, MT_COOKIE_LEN, checker->secret, sizeof(checker->secret));
	if (skb->protocol == htons(ETH_P_IP))
		blake2s_update(&state, (u8 *)&ip_hdr(skb)->saddr, sizeof(struct in_addr));
	else
		blake2s_update(&state, (u8 *)&ipv6_hdr(skb)->saddr, sizeof(struct in6_addr));
	blake2s_update(&state, (u8 *)&udp_hdr(skb)->source, sizeof(__be16));
	blake2s_final(&state, cookie);
	up_read(&checker->secret_lock);
}

enum mt_cookie_mac_state mt_cookie_validate(struct mt_cookie_checker *checker,
					    struct sk_buff *skb, bool check_cookie)
{
	struct mt_message_macs *macs = (struct mt_message_macs *)
		(skb->data + skb->len - sizeof(*macs));
	u8 computed[MT_COOKIE_LEN], cookie[MT_COOKIE_LEN];
	enum mt_cookie_mac_state ret = MT_COOKIE_INVALID_MAC;

	compute_mac1(computed, skb->data, skb->len, checker->message_mac1_key);
	if (crypto_memneq(computed, macs->mac1, MT_COOKIE_LEN))
		goto out;
	ret = MT_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	if (!check_cookie)
		goto out;
	make_cookie(cookie, skb, checker);
	compute_mac2(computed, skb->data, skb->len, cookie);
	if (!crypto_memneq(computed, macs->mac2, MT_COOKIE_LEN))
		ret = MT_COOKIE_VALID_MAC_WITH_COOKIE;
out:
	memzero_explicit(cookie, sizeof(cookie));
	return ret;
}

void mt_cookie_add_macs(void *message, size_t len, struct mt_peer *peer)
{
	struct mt_message_macs *macs = (struct mt_message_macs *)
		((u8 *)message + len - sizeof(*macs));
	struct mt_cookie *cookie = &peer->latest_cookie;

	down_write(&cookie->lock);
	compute_mac1(macs->mac1, message, len, cookie->message_mac1_key);
	memcpy(cookie->last_mac1_sent, macs->mac1, MT_COOKIE_LEN);
	cookie->have_sent_mac1 = true;
	/* A cookie is good for two minutes, less the time it took to reach us. */
	if (cookie->is_valid &&
	    !mt_birthdate_expired(cookie->birthdate,
				  MT_COOKIE_SECRET_MAX_AGE - MT_COOKIE_SECRET_LATENCY))
		compute_mac2(macs->mac2, message, len, cookie->cookie);
	else
		memset(macs->mac2, 0, MT_COOKIE_LEN);
	up_write(&cookie->lock);
}

void mt_cookie_create_reply(struct mt_message_handshake_cookie *dst, struct sk_buff *skb,
			    __le32 index, struct mt_cookie_checker *checker)
{
	struct mt_message_macs *macs = (struct mt_message_macs *)
		(skb->data + skb->len - sizeof(*macs));
	u8 cookie[MT_COOKIE_LEN];

	dst->header.type = cpu_to_le32(MT_MESSAGE_HANDSHAKE_COOKIE);
	dst->receiver_index = index;
	get_random_bytes(dst->nonce, MT_COOKIE_NONCE_LEN);
	make_cookie(cookie, skb, checker);
	xchacha20poly1305_encrypt(dst->encrypted_cookie, cookie, MT_COOKIE_LEN, macs->mac1,
				  MT_COOKIE_LEN, dst->nonce, checker->cookie_encryption_key);
	memzero_explicit(cookie, sizeof(cookie));
}

/* False when the reply is for no handshake of ours or does not authenticate. */
bool mt_cookie_consume_reply(struct mt_message_handshake_cookie *src, struct mt_device *mt)
{
	u8 cookie[MT_COOKIE_LEN];
	struct mt_peer *peer;
	struct mt_cookie *c;
	bool ok = false;

	if (!mt_index_lookup(&mt->index_table, MT_INDEX_HANDSHAKE | MT_INDEX_KEYPAIR,
			     src->receiver_index, &peer))
		return false;
	c = &peer->latest_cookie;

	down_read(&c->lock);
	/* A reply we did not ask for (no MAC1 sent since the last one). */
	if (c->have_sent_mac1)
		ok = xchacha20poly1305_decrypt(cookie, src->encrypted_cookie,
					       sizeof(src->encrypted_cookie), c->last_mac1_sent,
					       MT_COOKIE_LEN, src->nonce, c->cookie_decryption_key);
	up_read(&c->lock);

	if (ok) {
		down_write(&c->lock);
		memcpy(c->cookie, cookie, MT_COOKIE_LEN);
		c->birthdate = mt_clock_ns();
		c->is_valid = true;
		c->have_sent_mac1 = false;
		up_write(&c->lock);
	}
	memzero_explicit(cookie, sizeof(cookie));
	mt_peer_put(peer);
	return ok;
}
