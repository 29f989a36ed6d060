/* SPDX-License-Identifier: GPL-2.0 */
/*
 * noise.h - the Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake as
 * WireGuard uses it, the session keys (keypairs) it yields, and their
 * replay windows.
 *
 *   mt_noise_init()                   precompute the protocol's constants
 *   mt_noise_handshake_init()         a peer's handshake state, empty
 *   mt_noise_forget_static_static()   the device key changed: work
 *                                     DH(our static, peer's static) out
 *                                     again at the next handshake
 *   mt_noise_handshake_clear()        forget a handshake in progress
 * The sender index of the messages we create is the mesh signal (noise.c),
 * and consuming a peer's message learns from its index whether the peer
 * speaks mesh messages (peer->mesh.speaks).
 *
 *   mt_noise_create_initiation()      initiator, message 1
 *   mt_noise_consume_initiation()     responder: the peer it came from
 *                                     (which must be the peer with
 *                                     sender_serial, if not 0: a hub's
 *                                     word, checked before any change)
 *   mt_noise_create_response()        responder, message 2
 *   mt_noise_consume_response()       initiator: the peer it came from
 *   mt_noise_begin_session()          derive the transport keys
 *   mt_noise_received_with_keypair()  first packet on a responder's new
 *                                     session: make it current
 *   mt_noise_keypairs_clear()         drop every session of a peer
 *   mt_noise_expire_current_keypair() stop sending on the current session
 *   mt_keypair_get(), mt_keypair_put() references on a session
 *   mt_keypair_can_send()             whether a session may still send
 *   mt_noise_replay_check()           anti-replay window (RFC 6479)
 *
 * Locking: the device's static identity under its rwsem (read here);
 * each handshake under its own rwsem; keypair slots under the peer's
 * keypairs spinlock, read under RCU-bh on the packet path.
 */
#ifndef MT_NOISE_H
#define MT_NOISE_H

#include "clock.h"
#include "index.h"
#include "messages.h"

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>

struct mt_device;
struct mt_peer;

struct mt_replay_window {
	u64 counter;	/* highest counter seen + 1 */
	unsigned long bitmap[COUNTER_BITS_TOTAL / BITS_PER_LONG];
	spinlock_t lock;	/* counter and bitmap */
};

struct mt_keypair {
	struct mt_index_entry entry;	/* our index for this session */
	u8 send_key[MT_NOISE_KEY_LEN];
	u8 receive_key[MT_NOISE_KEY_LEN];
	atomic64_t send_counter;
	struct mt_replay_window replay;
	u64 birthdate;			/* ktime_get_coarse_boottime_ns() */
	bool sending_valid;
	bool receiving_valid;
	bool i_am_initiator;
	__le32 remote_index;
	u64 internal_id;		/* for debug messages */
	struct kref refcount;
	struct rcu_head rcu;
};

struct mt_keypairs {
	struct mt_keypair __rcu *current_keypair;
	struct mt_keypair __rcu *previous_keypair;
	struct mt_keypair __rcu *next_keypair;
	spinlock_t lock;	/* writers of the three slots */
};

enum mt_handshake_state {
	MT_HANDSHAKE_ZEROED,
	MT_HANDSHAKE_CREATED_INITIATION,
	MT_HANDSHAKE_CONSUMED_INITIATION,
	MT_HANDSHAKE_CREATED_RESPONSE,
	MT_HANDSHAKE_CONSUMED_RESPONSE,
};

struct mt_handshake {
	struct mt_index_entry entry;
	enum mt_handshake_state state;
	u8 remote_static[MT_NOISE_PUBLIC_KEY_LEN];
	u8 remote_ephemeral[MT_NOISE_PUBLIC_KEY_LEN];
	/*
	 * DH(our static, peer's static), worked out at the first handshake
	 * under the current device key rather than when the peer is
	 * configured: ten thousand peers are set up without ten thousand
	 * curve25519 operations under RTNL, and only peers that ever
	 * handshake pay for one. Zero when the peer's key is a low-order
	 * point: no handshake.
	 */
	u8 static_static[MT_NOISE_PUBLIC_KEY_LEN];
	bool static_static_known;
	u8 ephemeral_private[MT_NOISE_PUBLIC_KEY_LEN];
	u8 hash[MT_NOISE_HASH_LEN];
	u8 chaining_key[MT_NOISE_HASH_LEN];
	u8 latest_timestamp[MT_NOISE_TIMESTAMP_LEN];
	u64 last_initiation_consumption;
	__le32 remote_index;
	struct rw_semaphore lock;
};

void mt_noise_init(void);
void mt_noise_handshake_init(struct mt_handshake *handshake, struct mt_peer *peer);
void mt_noise_forget_static_static(struct mt_peer *peer);
void mt_noise_handshake_clear(struct mt_handshake *handshake);

bool mt_noise_create_initiation(struct mt_message_handshake_initiation *msg,
				struct mt_handshake *handshake);
struct mt_peer *mt_noise_consume_initiation(struct mt_message_handshake_initiation *msg,
					    struct mt_device *mt, u64 sender_serial);
bool mt_noise_create_response(struct mt_message_handshake_response *msg,
			      struct mt_handshake *handshake);
struct mt_peer *mt_noise_consume_response(struct mt_message_handshake_response *msg,
					  struct mt_device *mt, u64 sender_serial);
bool mt_noise_begin_session(struct mt_handshake *handshake, struct mt_keypairs *keypairs);

void mt_noise_keypairs_init(struct mt_keypairs *keypairs);
bool mt_noise_received_with_keypair(struct mt_keypairs *keypairs,
				    struct mt_keypair *received);
void mt_noise_keypairs_clear(struct mt_keypairs *keypairs);
void mt_noise_expire_current_keypair(struct mt_keypairs *keypairs);

struct mt_keypair *mt_keypair_get(struct mt_keypair *keypair);
void mt_keypair_put(struct mt_keypair *keypair, bool unreference_now);

/* Not too old, and not used up or expired on purpose (sending_valid). */
static inline bool mt_keypair_can_send(const struct mt_keypair *keypair)
{
	return keypair && READ_ONCE(keypair->sending_valid) &&
	       !mt_birthdate_expired(keypair->birthdate, MT_REJECT_AFTER_TIME);
}

bool mt_noise_replay_check(struct mt_replay_window *window, u64 counter);

#endif /* MT_NOISE_H */
