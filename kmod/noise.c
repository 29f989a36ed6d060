// SPDX-License-Identifier: GPL-2.0
/*
 * noise.c - Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, as specified by the
 * Noise framework and WireGuard's whitepaper (section 5.4), on the
 * kernel's crypto library.
 *
 * Every intermediate secret (chaining keys, message keys, DH results,
 * ephemeral private keys) lives on the stack or in the handshake state and
 * is zeroed as soon as the step that needed it is over.
 */
#include "noise.h"
#include "clock.h"
#include "device.h"
#include "peer.h"
#include "race.h"

#include <crypto/algapi.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

static const u8 handshake_name[] = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const u8 identifier_name[] = "WireGuard v1 zx2c4 Jason@zx2c4.com";

/* HASH(name) and HASH(HASH(name) || identifier): every handshake starts here. */
static u8 initial_chaining_key[MT_NOISE_HASH_LEN] __ro_after_init;
static u8 initial_hash[MT_NOISE_HASH_LEN] __ro_after_init;
static atomic64_t keypair_counter = ATOMIC64_INIT(0);

void __init mt_noise_init(void)
{
	struct blake2s_state state;

	blake2s(initial_chaining_key, handshake_name, NULL, MT_NOISE_HASH_LEN,
		sizeof(handshake_name) - 1, 0);
	blake2s_init(&state, MT_NOISE_HASH_LEN);
	blake2s_update(&state, initial_chaining_key, MT_NOISE_HASH_LEN);
	blake2s_update(&state, identifier_name, sizeof(identifier_name) - 1);
	blake2s_final(&state, initial_hash);
}

/* HMAC (RFC 2104) over BLAKE2s, whose block is 64 bytes. */
static void hmac_blake2s(u8 *out, const u8 *in, const u8 *key, size_t inlen, size_t keylen)
{
	u8 block[BLAKE2S_BLOCK_SIZE] __aligned(__alignof__(u32)) = { 0 };
	u8 inner[BLAKE2S_HASH_SIZE];
	struct blake2s_state state;
	int i;

	if (keylen > BLAKE2S_BLOCK_SIZE)
		blake2s(block, key, NULL, BLAKE2S_HASH_SIZE, keylen, 0);
	else
		memcpy(block, key, keylen);

	for (i = 0; i < BLAKE2S_BLOCK_SIZE; i++)
		block[i] ^= 0x36;
	blake2s_init(&state, BLAKE2S_HASH_SIZE);
	blake2s_update(&state, block, BLAKE2S_BLOCK_SIZE);
	blake2s_update(&state, in, inlen);
	blake2s_final(&state, inner);

	for (i = 0; i < BLAKE2S_BLOCK_SIZE; i++)
		block[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&state, BLAKE2S_HASH_SIZE);
	blake2s_update(&state, block, BLAKE2S_BLOCK_SIZE);
	blake2s_update(&state, inner, BLAKE2S_HASH_SIZE);
	blake2s_final(&state, out);

	memzero_explicit(block, sizeof(block));
	memzero_explicit(inner, sizeof(inner));
}

/*
 * The Noise KDF: up to three 32-byte outputs from a chaining key and
 * input material. Unwanted outputs are passed as NULL.
 */
static void kdf(u8 *out1, u8 *out2, u8 *out3, const u8 *data, size_t data_len,
		const u8 chaining_key[MT_NOISE_HASH_LEN])
{
	u8 secret[BLAKE2S_HASH_SIZE];
	u8 output[BLAKE2S_HASH_SIZE + 1];

	hmac_blake2s(secret, data, chaining_key, data_len, MT_NOISE_HASH_LEN);

	output[0] = 1;
	hmac_blake2s(output, output, secret, 1, BLAKE2S_HASH_SIZE);
	if (out1)
		memcpy(out1, output, BLAKE2S_HASH_SIZE);
	if (out2 || out3) {
		output[BLAKE2S_HASH_SIZE] = 2;
		hmac_blake2s(output, output, secret, BLAKE2S_HASH_SIZE + 1, BLAKE2S_HASH_SIZE);
		if (out2)
			memcpy(out2, output, BLAKE2S_HASH_SIZE);
	}
	if (out3) {
		output[BLAKE2S_HASH_SIZE] = 3;
		hmac_blake2s(output, output, secret, BLAKE2S_HASH_SIZE + 1, BLAKE2S_HASH_SIZE);
		memcpy(out3, output, BLAKE2S_HASH_SIZE);
	}
	memzero_explicit(secret, sizeof(secret));
	memzero_explicit(output, sizeof(output));
}

static void mix_hash(u8 hash[MT_NOISE_HASH_LEN], const u8 *data, size_t len)
{
	struct blake2s_state state;

	blake2s_init(&state, MT_NOISE_HASH_LEN);
	blake2s_update(&state, hash, MT_NOISE_HASH_LEN);
	blake2s_update(&state, data, len);
	blake2s_final(&state, hash);
}

/* ck, k = KDF2(ck, DH(private, public)); false for a low-order point. */
static bool __must_check mix_dh(u8 chaining_key[MT_NOISE_HASH_LEN], u8 key[MT_NOISE_KEY_LEN],
				const u8 private[MT_NOISE_PUBLIC_KEY_LEN],
				const u8 public[MT_NOISE_PUBLIC_KEY_LEN])
{
	u8 shared[MT_NOISE_PUBLIC_KEY_LEN];

	if (unlikely(!curve25519(shared, private, public)))
		return false;
	kdf(chaining_key, key, NULL, shared, sizeof(shared), chaining_key);
	memzero_explicit(shared, sizeof(shared));
	return true;
}

static bool __must_check mix_precomputed_dh(u8 chaining_key[MT_NOISE_HASH_LEN],
					    u8 key[MT_NOISE_KEY_LEN],
					    const u8 precomputed[MT_NOISE_PUBLIC_KEY_LEN])
{
	static const u8 zero[MT_NOISE_PUBLIC_KEY_LEN];

	if (unlikely(!crypto_memneq(precomputed, zero, MT_NOISE_PUBLIC_KEY_LEN)))
		return false;
	kdf(chaining_key, key, NULL, precomputed, MT_NOISE_PUBLIC_KEY_LEN, chaining_key);
	return true;
}

/* ck, temp, k = KDF3(ck, psk); h = HASH(h || temp). */
static void mix_psk(u8 chaining_key[MT_NOISE_HASH_LEN], u8 hash[MT_NOISE_HASH_LEN],
		    u8 key[MT_NOISE_KEY_LEN], const u8 psk[MT_NOISE_KEY_LEN])
{
	u8 temp[MT_NOISE_HASH_LEN];

	kdf(chaining_key, temp, key, psk, MT_NOISE_KEY_LEN, chaining_key);
	mix_hash(hash, temp, MT_NOISE_HASH_LEN);
	memzero_explicit(temp, sizeof(temp));
}

/* The ephemeral goes into the hash and the chaining key, in the clear. */
static void message_ephemeral(u8 dst[MT_NOISE_PUBLIC_KEY_LEN],
			      const u8 src[MT_NOISE_PUBLIC_KEY_LEN],
			      u8 chaining_key[MT_NOISE_HASH_LEN], u8 hash[MT_NOISE_HASH_LEN])
{
	if (dst != src)
		memcpy(dst, src, MT_NOISE_PUBLIC_KEY_LEN);
	mix_hash(hash, src, MT_NOISE_PUBLIC_KEY_LEN);
	kdf(chaining_key, NULL, NULL, src, MT_NOISE_PUBLIC_KEY_LEN, chaining_key);
}

static void message_encrypt(u8 *dst, const u8 *src, size_t len, const u8 key[MT_NOISE_KEY_LEN],
			    u8 hash[MT_NOISE_HASH_LEN])
{
	chacha20poly1305_encrypt(dst, src, len, hash, MT_NOISE_HASH_LEN, 0, key);
	mix_hash(hash, dst, mt_noise_encrypted_len(len));
}

static bool __must_check message_decrypt(u8 *dst, const u8 *src, size_t src_len,
					 const u8 key[MT_NOISE_KEY_LEN],
					 u8 hash[MT_NOISE_HASH_LEN])
{
	if (!chacha20poly1305_decrypt(dst, src, src_len, hash, MT_NOISE_HASH_LEN, 0, key))
		return false;
	mix_hash(hash, src, src_len);
	return true;
}

static void handshake_start(u8 chaining_key[MT_NOISE_HASH_LEN], u8 hash[MT_NOISE_HASH_LEN],
			    const u8 responder_static[MT_NOISE_PUBLIC_KEY_LEN])
{
	memcpy(chaining_key, initial_chaining_key, MT_NOISE_HASH_LEN);
	memcpy(hash, initial_hash, MT_NOISE_HASH_LEN);
	mix_hash(hash, responder_static, MT_NOISE_PUBLIC_KEY_LEN);
}

/*
 * TAI64N, with the nanoseconds rounded down so that the timestamp says
 * nothing finer than the initiation rate limit needs (and leaks no clock
 * precision to an observer of the encrypted stream's responder).
 */
static void tai64n_now(u8 out[MT_NOISE_TIMESTAMP_LEN])
{
	struct timespec64 now;
	__be64 seconds;
	__be32 nanoseconds;

	ktime_get_real_ts64(&now);
	now.tv_nsec = ALIGN_DOWN(now.tv_nsec,
				 rounddown_pow_of_two(NSEC_PER_SEC / MT_INITIATIONS_PER_SECOND));
	seconds = cpu_to_be64(0x400000000000000aULL + now.tv_sec);
	nanoseconds = cpu_to_be32(now.tv_nsec);
	memcpy(out, &seconds, sizeof(seconds));
	memcpy(out + sizeof(seconds), &nanoseconds, sizeof(nanoseconds));
}

/*
 * The mesh signal. A handshake message's sender index is the sender's to
 * choose, and WireGuard chooses it at random. meshtun chooses a keyed hash
 * of the message's ephemeral public key under DH(initiator's static,
 * responder's static), which only the two ends of the handshake know: a
 * meshtun peer works the same value out and so learns that we speak mesh
 * messages, a WireGuard peer sees just another index, and an observer
 * cannot tell it from a random one without that key. A WireGuard peer's
 * random index matches by chance once in 2^32 handshakes; its next
 * handshake corrects that.
 */
static __le32 mesh_signal(const u8 static_static[MT_NOISE_PUBLIC_KEY_LEN],
			  const u8 ephemeral_public[MT_NOISE_PUBLIC_KEY_LEN], bool initiator)
{
	/* The mesh messages' version: a node of another takes us for WireGuard. */
	static const char label_initiator[16] = "meshtun mesh 2 i";
	static const char label_responder[16] = "meshtun mesh 2 r";
	u8 in[sizeof(label_initiator) + MT_NOISE_PUBLIC_KEY_LEN];
	__le32 index;

	memcpy(in, initiator ? label_initiator : label_responder, sizeof(label_initiator));
	memcpy(in + sizeof(label_initiator), ephemeral_public, MT_NOISE_PUBLIC_KEY_LEN);
	blake2s((u8 *)&index, in, static_static, sizeof(index), sizeof(in),
		MT_NOISE_PUBLIC_KEY_LEN);
	return index;
}

static void learn_speaks_mesh(struct mt_peer *peer, bool speaks)
{
	WRITE_ONCE(peer->mesh.speaks, speaks ? MESHTUN_PEER_MESH_YES : MESHTUN_PEER_MESH_NO);
}

void mt_noise_handshake_init(struct mt_handshake *handshake, struct mt_peer *peer)
{
	memset(handshake, 0, sizeof(*handshake));
	init_rwsem(&handshake->lock);
	INIT_HLIST_NODE(&handshake->entry.node);
	handshake->entry.type = MT_INDEX_HANDSHAKE;
	handshake->entry.peer = peer;
	memcpy(handshake->remote_static, peer->public_key, MT_NOISE_PUBLIC_KEY_LEN);
}

/* Called with the static identity held for writing. */
void mt_noise_forget_static_static(struct mt_peer *peer)
{
	struct mt_handshake *hs = &peer->handshake;

	lockdep_assert_held_write(&peer->device->static_identity_lock);
	memzero_explicit(hs->static_static, sizeof(hs->static_static));
	hs->static_static_known = false;
}

/*
 * DH(our static, peer's static), worked out once per device key. Called
 * with the static identity held for reading (so the key cannot change and
 * nobody forgets the result under us) and the handshake for writing (so
 * two handshakes do not work it out at once).
 */
static void learn_static_static(struct mt_device *mt, struct mt_handshake *hs)
{
	lockdep_assert_held(&mt->static_identity_lock);
	lockdep_assert_held_write(&hs->lock);
	if (hs->static_static_known)
		return;
	if (!curve25519(hs->static_static, mt->private_key, hs->remote_static))
		memset(hs->static_static, 0, sizeof(hs->static_static));
	hs->static_static_known = true;
}

static void handshake_zero(struct mt_handshake *hs)
{
	memzero_explicit(hs->ephemeral_private, MT_NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(hs->remote_ephemeral, MT_NOISE_PUBLIC_KEY_LEN);
	memzero_explicit(hs->hash, MT_NOISE_HASH_LEN);
	memzero_explicit(hs->chaining_key, MT_NOISE_HASH_LEN);
	hs->remote_index = 0;
	hs->state = MT_HANDSHAKE_ZEROED;
}

/*
 * Whether no handshake state may be written now (nor a session begun).
 * A removed peer's handshake must not go back into the index: removal
 * marks the peer dead, waits a grace period, then clears the handshake
 * under its lock, so a writer that checks this under the same lock either
 * sees the mark or is undone by the clear. So for a machine about to
 * sleep: the sleep notifier sets its mark, then clears every handshake
 * and session under their locks, and no key is made before the wake.
 */
static bool handshake_closed(const struct mt_handshake *hs)
{
	return READ_ONCE(hs->entry.peer->is_dead) || mt_device_sleeping();
}

void mt_noise_handshake_clear(struct mt_handshake *handshake)
{
	struct mt_device *mt = handshake->entry.peer->device;

	down_write(&handshake->lock);
	mt_index_remove(&mt->index_table, &handshake->entry);
	handshake_zero(handshake);
	up_write(&handshake->lock);
}

bool mt_noise_create_initiation(struct mt_message_handshake_initiation *msg,
				struct mt_handshake *hs)
{
	struct mt_device *mt = hs->entry.peer->device;
	u8 timestamp[MT_NOISE_TIMESTAMP_LEN];
	u8 ephemeral_public[MT_NOISE_PUBLIC_KEY_LEN];
	u8 key[MT_NOISE_KEY_LEN];
	bool ok = false;

	down_read(&mt->static_identity_lock);
	down_write(&hs->lock);
	if (!mt->has_private_key || handshake_closed(hs))
		goto out;

	msg->header.type = cpu_to_le32(MT_MESSAGE_HANDSHAKE_INITIATION);
	handshake_start(hs->chaining_key, hs->hash, hs->remote_static);

	curve25519_generate_secret(hs->ephemeral_private);
	if (!curve25519_generate_public(ephemeral_public, hs->ephemeral_private))
		goto out;
	message_ephemeral(msg->unencrypted_ephemeral, ephemeral_public, hs->chaining_key,
			  hs->hash);

	/* es */
	if (!mix_dh(hs->chaining_key, key, hs->ephemeral_private, hs->remote_static))
		goto out;
	/* s */
	message_encrypt(msg->encrypted_static, mt->public_key, MT_NOISE_PUBLIC_KEY_LEN, key,
			hs->hash);
	/* ss */
	learn_static_static(mt, hs);
	if (!mix_precomputed_dh(hs->chaining_key, key, hs->static_static))
		goto out;
	/* {t} */
	tai64n_now(timestamp);
	message_encrypt(msg->encrypted_timestamp, timestamp, MT_NOISE_TIMESTAMP_LEN, key,
			hs->hash);

	mt_index_insert_wanted(&mt->index_table, &hs->entry,
			       mesh_signal(hs->static_static, ephemeral_public, true));
	msg->sender_index = hs->entry.index;
	hs->state = MT_HANDSHAKE_CREATED_INITIATION;
	ok = true;
out:
	if (!ok)
		handshake_zero(hs);
	up_write(&hs->lock);
	up_read(&mt->static_identity_lock);
	memzero_explicit(key, sizeof(key));
	return ok;
}

struct mt_peer *mt_noise_consume_initiation(struct mt_message_handshake_initiation *msg,
					    struct mt_device *mt, u64 sender_serial)
{
	u8 s[MT_NOISE_PUBLIC_KEY_LEN], e[MT_NOISE_PUBLIC_KEY_LEN];
	u8 t[MT_NOISE_TIMESTAMP_LEN];
	u8 hash[MT_NOISE_HASH_LEN], chaining_key[MT_NOISE_HASH_LEN];
	u8 key[MT_NOISE_KEY_LEN];
	struct mt_peer *peer = NULL;
	struct mt_handshake *hs;
	bool replay, flood;
	u64 now;

	down_read(&mt->static_identity_lock);
	if (!mt->has_private_key)
		goto out;

	handshake_start(chaining_key, hash, mt->public_key);
	/* e */
	message_ephemeral(e, msg->unencrypted_ephemeral, chaining_key, hash);
	/* es */
	if (!mix_dh(chaining_key, key, mt->private_key, e))
		goto out;
	/* s */
	if (!message_decrypt(s, msg->encrypted_static, sizeof(msg->encrypted_static), key, hash))
		goto out;
	peer = mt_peer_lookup_rcu(mt, s);
	if (!peer)
		goto out;
	if (sender_serial && peer->serial != sender_serial)
		goto out_peer;
	mt_race_window("consume-initiation", mt->dev);
	hs = &peer->handshake;
	/* ss: stable once known, until the static identity is written */
	down_write(&hs->lock);
	learn_static_static(mt, hs);
	up_write(&hs->lock);
	if (!mix_precomputed_dh(chaining_key, key, hs->static_static))
		goto out_peer;
	/* {t} */
	if (!message_decrypt(t, msg->encrypted_timestamp, sizeof(msg->encrypted_timestamp),
			     key, hash))
		goto out_peer;

	/*
	 * An old initiation replayed, or initiations faster than a real
	 * initiator sends them, must not reset the peer's session.
	 */
	now = mt_clock_ns();
	down_read(&hs->lock);
	replay = memcmp(t, hs->latest_timestamp, MT_NOISE_TIMESTAMP_LEN) <= 0;
	flood = hs->last_initiation_consumption &&
		now - hs->last_initiation_consumption < NSEC_PER_SEC / MT_INITIATIONS_PER_SECOND;
	up_read(&hs->lock);
	if (replay || flood)
		goto out_peer;

	down_write(&hs->lock);
	if (handshake_closed(hs)) {
		up_write(&hs->lock);
		goto out_peer;
	}
	memcpy(hs->remote_ephemeral, e, MT_NOISE_PUBLIC_KEY_LEN);
	if (memcmp(t, hs->latest_timestamp, MT_NOISE_TIMESTAMP_LEN) > 0)
		memcpy(hs->latest_timestamp, t, MT_NOISE_TIMESTAMP_LEN);
	memcpy(hs->hash, hash, MT_NOISE_HASH_LEN);
	memcpy(hs->chaining_key, chaining_key, MT_NOISE_HASH_LEN);
	hs->remote_index = msg->sender_index;
	hs->last_initiation_consumption = now;
	hs->state = MT_HANDSHAKE_CONSUMED_INITIATION;
	up_write(&hs->lock);
	learn_speaks_mesh(peer, msg->sender_index == mesh_signal(hs->static_static, e, true));
	goto out;

out_peer:
	mt_peer_put(peer);
	peer = NULL;
out:
	memzero_explicit(key, sizeof(key));
	memzero_explicit(hash, sizeof(hash));
	memzero_explicit(chaining_key, sizeof(chaining_key));
	up_read(&mt->static_identity_lock);
	return peer;
}

bool mt_noise_create_response(struct mt_message_handshake_response *msg,
			      struct mt_handshake *hs)
{
	struct mt_peer *peer = hs->entry.peer;
	struct mt_device *mt = peer->device;
	u8 ephemeral_public[MT_NOISE_PUBLIC_KEY_LEN];
	u8 key[MT_NOISE_KEY_LEN];
	bool ok = false;

	down_read(&mt->static_identity_lock);
	down_write(&hs->lock);
	if (hs->state != MT_HANDSHAKE_CONSUMED_INITIATION || handshake_closed(hs))
		goto out;

	msg->header.type = cpu_to_le32(MT_MESSAGE_HANDSHAKE_RESPONSE);
	msg->receiver_index = hs->remote_index;

	/* e */
	curve25519_generate_secret(hs->ephemeral_private);
	if (!curve25519_generate_public(ephemeral_public, hs->ephemeral_private))
		goto out;
	message_ephemeral(msg->unencrypted_ephemeral, ephemeral_public, hs->chaining_key,
			  hs->hash);
	/* ee */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_ephemeral))
		goto out;
	/* se */
	if (!mix_dh(hs->chaining_key, NULL, hs->ephemeral_private, hs->remote_static))
		goto out;
	/* psk */
	mix_psk(hs->chaining_key, hs->hash, key, peer->preshared_key);
	/* {} */
	message_encrypt(msg->encrypted_nothing, NULL, 0, key, hs->hash);

	mt_index_insert_wanted(&mt->index_table, &hs->entry,
			       mesh_signal(hs->static_static, ephemeral_public, false));
	msg->sender_index = hs->entry.index;
	hs->state = MT_HANDSHAKE_CREATED_RESPONSE;
	ok = true;
out:
	if (!ok)
		handshake_zero(hs);
	up_write(&hs->lock);
	up_read(&mt->static_identity_lock);
	memzero_explicit(key, sizeof(key));
	return ok;
}

struct mt_peer *mt_noise_consume_response(struct mt_message_handshake_response *msg,
					  struct mt_device *mt, u64 sender_serial)
{
	u8 e[MT_NOISE_PUBLIC_KEY_LEN], ephemeral_private[MT_NOISE_PUBLIC_KEY_LEN];
	u8 hash[MT_NOISE_HASH_LEN], chaining_key[MT_NOISE_HASH_LEN];
	u8 key[MT_NOISE_KEY_LEN], preshared_key[MESHTUN_KEY_LEN];
	enum mt_handshake_state state;
	struct mt_index_entry *entry;
	struct mt_handshake *hs;
	struct mt_peer *peer;
	bool ok = false;

	entry = mt_index_lookup(&mt->index_table, MT_INDEX_HANDSHAKE, msg->receiver_index, &peer);
	if (!entry)
		return NULL;
	if (sender_serial && peer->serial != sender_serial) {
		mt_peer_put(peer);
		return NULL;
	}
	hs = container_of(entry, struct mt_handshake, entry);

	down_read(&mt->static_identity_lock);
	down_read(&hs->lock);
	state = hs->state;
	memcpy(hash, hs->hash, MT_NOISE_HASH_LEN);
	memcpy(chaining_key, hs->chaining_key, MT_NOISE_HASH_LEN);
	memcpy(ephemeral_private, hs->ephemeral_private, MT_NOISE_PUBLIC_KEY_LEN);
	memcpy(preshared_key, peer->preshared_key, MESHTUN_KEY_LEN);
	up_read(&hs->lock);
	if (state != MT_HANDSHAKE_CREATED_INITIATION || !mt->has_private_key)
		goto out;

	/* e */
	message_ephemeral(e, msg->unencrypted_ephemeral, chaining_key, hash);
	/* ee */
	if (!mix_dh(chaining_key, NULL, ephemeral_private, e))
		goto out;
	/* se */
	if (!mix_dh(chaining_key, NULL, mt->private_key, e))
		goto out;
	/* psk */
	mix_psk(chaining_key, hash, key, preshared_key);
	/* {} */
	if (!message_decrypt(NULL, msg->encrypted_nothing, sizeof(msg->encrypted_nothing),
			     key, hash))
		goto out;

	down_write(&hs->lock);
	/* Another response, or a new initiation, may have won the race. */
	if (hs->state != MT_HANDSHAKE_CREATED_INITIATION ||
	    hs->entry.index != msg->receiver_index || handshake_closed(hs)) {
		up_write(&hs->lock);
		goto out;
	}
	memcpy(hs->remote_ephemeral, e, MT_NOISE_PUBLIC_KEY_LEN);
	memcpy(hs->hash, hash, MT_NOISE_HASH_LEN);
	memcpy(hs->chaining_key, chaining_key, MT_NOISE_HASH_LEN);
	hs->remote_index = msg->sender_index;
	hs->state = MT_HANDSHAKE_CONSUMED_RESPONSE;
	up_write(&hs->lock);
	learn_speaks_mesh(peer, msg->sender_index == mesh_signal(hs->static_static, e, false));
	ok = true;
out:
	up_read(&mt->static_identity_lock);
	memzero_explicit(key, sizeof(key));
	memzero_explicit(hash, sizeof(hash));
	memzero_explicit(chaining_key, sizeof(chaining_key));
	memzero_explicit(ephemeral_private, sizeof(ephemeral_private));
	memzero_explicit(preshared_key, sizeof(preshared_key));
	if (!ok) {
		mt_peer_put(peer);
		return NULL;
	}
	return peer;
}

static void keypair_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct mt_keypair, rcu));
}

static void keypair_release(struct kref *kref)
{
	struct mt_keypair *keypair = container_of(kref, struct mt_keypair, refcount);
	struct mt_peer *peer = keypair->entry.peer;

	net_dbg_ratelimited("%s: session %llu of peer %llu destroyed\n",
			    peer->device->dev->name, keypair->internal_id, peer->serial);
	mt_index_remove(&peer->device->index_table, &keypair->entry);
	call_rcu(&keypair->rcu, keypair_free_rcu);
	mt_peer_put(peer);
}

struct mt_keypair *mt_keypair_get(struct mt_keypair *keypair)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_bh_held(), "keypair taken outside RCU-bh");
	if (unlikely(!keypair || !kref_get_unless_zero(&keypair->refcount)))
		return NULL;
	return keypair;
}

/*
 * Drop a reference. unreference_now also takes the keypair out of the
 * index at once, so that no new packet finds it while in-flight ones
 * still hold it.
 */
void mt_keypair_put(struct mt_keypair *keypair, bool unreference_now)
{
	if (!keypair)
		return;
	if (unreference_now)
		mt_index_remove(&keypair->entry.peer->device->index_table, &keypair->entry);
	kref_put(&keypair->refcount, keypair_release);
}

static struct mt_keypair *keypair_create(struct mt_peer *peer)
{
	struct mt_keypair *keypair = kzalloc(sizeof(*keypair), GFP_KERNEL);

	if (!keypair)
		return NULL;
	/* The session holds its peer; the peer's removal clears its sessions. */
	keypair->entry.peer = mt_peer_get(peer);
	if (!keypair->entry.peer) {
		kfree(keypair);
		return NULL;
	}
	keypair->internal_id = atomic64_inc_return(&keypair_counter);
	keypair->entry.type = MT_INDEX_KEYPAIR;
	INIT_HLIST_NODE(&keypair->entry.node);
	spin_lock_init(&keypair->replay.lock);
	kref_init(&keypair->refcount);
	return keypair;
}

void mt_noise_keypairs_init(struct mt_keypairs *keypairs)
{
	RCU_INIT_POINTER(keypairs->current_keypair, NULL);
	RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	spin_lock_init(&keypairs->lock);
}

/* A keypair slot, for a writer holding the keypairs lock. */
static struct mt_keypair *slot_locked(struct mt_keypairs *keypairs,
				      struct mt_keypair __rcu **slot)
{
	return rcu_dereference_protected(*slot, lockdep_is_held(&keypairs->lock));
}

/*
 * A new session: the initiator starts sending on it at once (it has proof
 * the responder has it); the responder waits in "next" until the first
 * packet from the initiator arrives on it.
 */
static void add_new_keypair(struct mt_keypairs *keypairs, struct mt_keypair *new)
{
	struct mt_keypair *previous, *next, *current_kp;

	spin_lock_bh(&keypairs->lock);
	previous = slot_locked(keypairs, &keypairs->previous_keypair);
	next = slot_locked(keypairs, &keypairs->next_keypair);
	current_kp = slot_locked(keypairs, &keypairs->current_keypair);
	if (new->i_am_initiator) {
		if (next) {
			/*
			 * The unconfirmed responder session never got used;
			 * it becomes "previous" so its stray packets decrypt.
			 */
			RCU_INIT_POINTER(keypairs->next_keypair, NULL);
			rcu_assign_pointer(keypairs->previous_keypair, next);
			mt_keypair_put(current_kp, true);
		} else {
			rcu_assign_pointer(keypairs->previous_keypair, current_kp);
		}
		mt_keypair_put(previous, true);
		rcu_assign_pointer(keypairs->current_keypair, new);
	} else {
		rcu_assign_pointer(keypairs->next_keypair, new);
		mt_keypair_put(next, true);
		RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
		mt_keypair_put(previous, true);
	}
	spin_unlock_bh(&keypairs->lock);
}

bool mt_noise_received_with_keypair(struct mt_keypairs *keypairs, struct mt_keypair *received)
{
	struct mt_keypair *old_previous;
	bool promoted = false;

	if (likely(received != rcu_access_pointer(keypairs->next_keypair)))
		return false;

	spin_lock_bh(&keypairs->lock);
	if (received == slot_locked(keypairs, &keypairs->next_keypair)) {
		old_previous = slot_locked(keypairs, &keypairs->previous_keypair);
		rcu_assign_pointer(keypairs->previous_keypair,
				   slot_locked(keypairs, &keypairs->current_keypair));
		mt_keypair_put(old_previous, true);
		rcu_assign_pointer(keypairs->current_keypair, received);
		RCU_INIT_POINTER(keypairs->next_keypair, NULL);
		promoted = true;
	}
	spin_unlock_bh(&keypairs->lock);
	return promoted;
}

void mt_noise_keypairs_clear(struct mt_keypairs *keypairs)
{
	struct mt_keypair *old;

	spin_lock_bh(&keypairs->lock);
	old = slot_locked(keypairs, &keypairs->previous_keypair);
	RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
	mt_keypair_put(old, true);
	old = slot_locked(keypairs, &keypairs->next_keypair);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	mt_keypair_put(old, true);
	old = slot_locked(keypairs, &keypairs->current_keypair);
	RCU_INIT_POINTER(keypairs->current_keypair, NULL);
	mt_keypair_put(old, true);
	spin_unlock_bh(&keypairs->lock);
}

void mt_noise_expire_current_keypair(struct mt_keypairs *keypairs)
{
	struct mt_keypair *keypair;

	spin_lock_bh(&keypairs->lock);
	keypair = slot_locked(keypairs, &keypairs->next_keypair);
	if (keypair)
		WRITE_ONCE(keypair->sending_valid, false);
	keypair = slot_locked(keypairs, &keypairs->current_keypair);
	if (keypair)
		WRITE_ONCE(keypair->sending_valid, false);
	spin_unlock_bh(&keypairs->lock);
}

bool mt_noise_begin_session(struct mt_handshake *hs, struct mt_keypairs *keypairs)
{
	struct mt_peer *peer = hs->entry.peer;
	struct mt_device *mt = peer->device;
	struct mt_keypair *keypair;
	bool ok = false;

	down_write(&hs->lock);
	if (hs->state != MT_HANDSHAKE_CREATED_RESPONSE &&
	    hs->state != MT_HANDSHAKE_CONSUMED_RESPONSE)
		goto out;
	keypair = keypair_create(peer);
	if (!keypair)
		goto out;
	keypair->i_am_initiator = hs->state == MT_HANDSHAKE_CONSUMED_RESPONSE;
	keypair->remote_index = hs->remote_index;
	/* Tsend, Trecv = KDF2(ck, empty) for the initiator; swapped for the responder. */
	if (keypair->i_am_initiator)
		kdf(keypair->send_key, keypair->receive_key, NULL, NULL, 0, hs->chaining_key);
	else
		kdf(keypair->receive_key, keypair->send_key, NULL, NULL, 0, hs->chaining_key);
	keypair->birthdate = mt_clock_ns();
	keypair->sending_valid = true;
	keypair->receiving_valid = true;
	handshake_zero(hs);

	/*
	 * Not for a removed peer, nor on a device that is down (a handshake
	 * relayed by a decrypt worker may still arrive after ndo_stop), nor
	 * on a machine about to sleep.
	 */
	rcu_read_lock_bh();
	if (likely(!handshake_closed(hs) && netif_running(mt->dev))) {
		add_new_keypair(keypairs, keypair);
		/* Our handshake's index now names the session. */
		if (!mt_index_replace(&mt->index_table, &hs->entry, &keypair->entry))
			mt_index_insert(&mt->index_table, &keypair->entry);
		ok = true;
	}
	rcu_read_unlock_bh();
	if (!ok)
		mt_keypair_put(keypair, false);
out:
	up_write(&hs->lock);
	return ok;
}

/*
 * The replay window of RFC 6479: a ring of COUNTER_BITS_TOTAL bits behind
 * the highest counter seen. Called only after the packet authenticated,
 * so a forged counter cannot move the window.
 */
bool mt_noise_replay_check(struct mt_replay_window *w, u64 counter)
{
	enum { BITS_PER_WORD = BITS_PER_LONG, WORDS = COUNTER_BITS_TOTAL / BITS_PER_LONG };
	unsigned long index, index_current, top, i;
	bool ok = false;

	spin_lock_bh(&w->lock);
	if (unlikely(w->counter >= MT_REJECT_AFTER_MESSAGES + 1 ||
		     counter >= MT_REJECT_AFTER_MESSAGES))
		goto out;
	++counter;
	if (unlikely(counter + COUNTER_WINDOW_SIZE < w->counter))
		goto out;	/* too old */
	index = counter >> ilog2(BITS_PER_WORD);
	if (likely(counter > w->counter)) {
		index_current = w->counter >> ilog2(BITS_PER_WORD);
		top = min_t(unsigned long, index - index_current, WORDS);
		for (i = 1; i <= top; i++)
			w->bitmap[(i + index_current) & (WORDS - 1)] = 0;
		/* Read without the lock on receipt (receive.c): one store. */
		WRITE_ONCE(w->counter, counter);
	}
	index &= WORDS - 1;
	ok = !test_and_set_bit(counter & (BITS_PER_WORD - 1), &w->bitmap[index]);
out:
	spin_unlock_bh(&w->lock);
	return ok;
}
