/* SPDX-License-Identifier: GPL-2.0 */
/*
 * peer.h - a peer of a meshtun device: its keys, endpoint, allowed IPs
 * and counters.
 *
 * Peers are reference counted: the device's peer list holds one
 * reference; readers on the packet path find peers under RCU and take
 * their own with mt_peer_get_maybe_zero(). Memory is freed after an RCU
 * grace period, keys zeroed first.
 *
 *   mt_peer_slab_init()         the peers' slab cache (module init)
 *   mt_peer_slab_uninit()       destroy it, once every peer is freed
 *   mt_peer_alloc()             a new, unlinked peer (GFP_KERNEL)
 *   mt_peer_free_unlinked()     free a peer that was never linked
 *   mt_peer_link()              add to the device's list and hashes
 *   mt_peer_rehash_key_tags()   our public key changed: every peer's key
 *                               tag (mesh.h) again
 *   mt_peer_remove()            mark dead, unlink, drop its allowed IPs;
 *                               it waits on the device's dead list
 *   mt_peer_remove_all()        remove every peer of a device
 *   mt_peer_reap_dead()         after removals: one grace period, then
 *                               stop what removed peers still had running
 *   mt_peer_stop()              stop its timers, mesh timers and initiation
 *                               work (nothing may re-arm them: the peer is
 *                               dead or its device down); config lock, sleeps
 *   mt_peer_forget()            then clear its sessions and handshake (and
 *                               mesh timers again), drop its staged packets
 *                               as REASON; config lock, sleeps
 *   mt_peer_lookup()            a device's peer by public key (config lock)
 *   mt_peer_lookup_rcu()        the same from the packet path, referenced
 *   mt_peer_lookup_tag_rcu()    a device's peer by its key's tag (mesh.h),
 *                               referenced
 *   mt_peer_get_maybe_zero()    take a reference unless the peer is dying
 *   mt_peer_get()               another reference on a referenced peer
 *   mt_peer_put()               drop a reference
 *
 * Removal (peer dead: forgotten right after it is stopped, once no packet
 * path can find it) and ndo_stop (device down: every peer stopped, then
 * the workers, then every peer forgotten) shut a peer down with
 * mt_peer_stop() and mt_peer_forget().
 */
#ifndef MT_PEER_H
#define MT_PEER_H

#include "cookie.h"
#include "device.h"
#include "messages.h"
#include "noise.h"
#include "queue.h"

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/time64.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <linux/meshtun.h>

struct mt_device;

union mt_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

/* A token bucket (mesh.c): a rate and a burst, under the mesh lock. */
struct mt_mesh_bucket {
	u64 at;				/* jiffies64 its tokens were counted at */
	unsigned int tokens;
};

/* ...and one of those kept for one hub. */
struct mt_mesh_hub_bucket {
	u64 hub;			/* serial; 0: unused */
	struct mt_mesh_bucket bucket;
};

/* A peer's part in the mesh (mesh.h). */
struct mt_mesh_peer {
	bool hub;			/* configured: relays and introduces for us */
	struct list_head hub_entry;	/* in device->hub_list while a hub (RCU) */
	u8 speaks;			/* enum meshtun_peer_mesh, from its last handshake */
	unsigned int path;		/* enum meshtun_peer_path its messages took last (xchg) */
	/* Initiations sent to it (by its handshake worker only): while it is
	 * not known to speak mesh messages, every other one goes through a hub.
	 */
	unsigned int initiations_sent;
	u64 last_direct_rx;		/* jiffies64 of its last authenticated packet straight */
	u64 last_relayed_rx;		/* and through a hub */
	u64 proven;			/* jiffies64 of the last PONG to our probe, straight */
	bool direct_down;		/* a probe round went unanswered, none since */
	/* The serial of the hub it last came through (serials are never reused). */
	u64 last_hub;
	/*
	 * How a hub names it to us when it asks for us (PEER_ASKING): the tag
	 * of its key for ours (mt_mesh_key_tag()). Written under the config
	 * lock, with its entry out of device->key_tag_hash.
	 */
	u8 key_tag[MT_MESH_KEY_TAG_LEN];

	spinlock_t lock;		/* the fields below */
	union mt_endpoint candidate;	/* an address a hub gave: punch there */
	unsigned int punches;		/* PINGs left to send there */
	struct timer_list punch_timer;
	struct timer_list probe_timer;	/* the probe round's PINGs and its end */
	u64 round_started;		/* jiffies64 of the running probe round; 0: none */
	u64 probe_id;			/* what our PINGs carry, and their PONGs must */
	u64 next_discovery;		/* jiffies64: ask a hub again from then */
	/*
	 * Our requests for it (ENDPOINT_REQUEST) whose answer we wait for: the
	 * last one discovery sent, and the last ones we sent asked back
	 * (PEER_ASKING) to two hubs, each to the hub with that serial, and
	 * when; one hub's asking does not cancel what we asked another.
	 */
	u64 asked_hub;
	u64 asked_at;
	struct {
		u64 hub;		/* serial */
		u64 at;			/* jiffies64; 0: none waits */
	} asked_back[2];
	unsigned int discovery_backoff;	/* seconds */
	/* Kept by a hub: the peer this one asked for last, when, and when that peer was told. */
	u8 wants[MESHTUN_KEY_LEN];
	u64 wants_at;
	u64 told_at;
	/*
	 * The hub whose address the PINGs still to go are for (serial); where
	 * the last train of PINGs went and when it started (if punched),
	 * whether a PONG from there answered it, and the wait between the
	 * train before and that one.
	 */
	u64 punch_hub;
	union mt_endpoint punched_to;	/* where the last train's PINGs went */
	u64 punched_at;
	bool punched;
	bool punch_answered;
	u64 punch_gap;
	/*
	 * Rate limits. On a hub: the peer's requests and relayed handshakes.
	 * On a node: a hub's PEER_ASKINGs, its introductions (each sets off
	 * PINGs), all the handshakes it relays to us; and, kept for each of
	 * the last two hubs that named this peer, the PEER_ASKINGs naming it
	 * as the asker and the handshakes relayed from it (each costs a
	 * Diffie-Hellman, and no cookie slows them). Per hub, so that one hub
	 * cannot use up what another's askings or relaying need.
	 */
	struct mt_mesh_bucket requests;
	struct mt_mesh_bucket askings;
	struct mt_mesh_bucket introductions;
	struct mt_mesh_bucket hub_handshakes;
	struct mt_mesh_hub_bucket askings_by[2];
	struct mt_mesh_hub_bucket relayed_handshakes[2];
};

struct mt_peer {
	struct mt_device *device;
	struct hlist_node pubkey_hash;	/* in device->peer_hash */
	struct hlist_node key_tag_hash;	/* in device->key_tag_hash, by mesh.key_tag */
	struct list_head device_entry;	/* in device->peer_list, oldest first */
	struct list_head allowedips;	/* mt_allowedips_node.peer_entry */
	u8 public_key[MESHTUN_KEY_LEN];
	u8 preshared_key[MESHTUN_KEY_LEN];
	u16 persistent_keepalive_interval;
	bool is_dead;			/* removed; set under the config lock */

	/* Where to send, and from which local address (sticky source). */
	rwlock_t endpoint_lock;
	union mt_endpoint endpoint;	/* sa_family 0 when unknown */
	union {
		__be32 src4;
		struct in6_addr src6;
	} endpoint_src;
	int endpoint_src_ifindex;
	struct dst_cache endpoint_cache;

	struct mt_handshake handshake;
	struct mt_keypairs keypairs;
	struct mt_cookie latest_cookie;
	u64 last_sent_handshake;	/* jiffies64 */
	struct work_struct handshake_tx_work;

	/* Packets waiting for a session, then in flight in order. */
	struct sk_buff_head staged_packets;
	spinlock_t send_lock;		/* nonce order == tx_queue order */
	struct mt_ordered_queue tx_queue;
	struct mt_ordered_queue rx_queue;

	struct timer_list timer_retransmit_handshake;
	struct timer_list timer_send_keepalive;
	struct timer_list timer_new_handshake;
	struct timer_list timer_zero_key_material;
	struct timer_list timer_persistent_keepalive;
	struct work_struct zero_key_material_work;
	unsigned int timer_handshake_attempts;
	bool timer_need_another_keepalive;
	bool sent_lastminute_handshake;

	atomic64_t rx_bytes;
	atomic64_t tx_bytes;
	atomic64_t rx_packets;
	atomic64_t tx_packets;
	atomic64_t last_handshake_ns;	/* CLOCK_REALTIME; 0: never */
	struct mt_mesh_peer mesh;
	/* Position in the device's list, for resuming dumps. */
	u64 serial;
	struct kref refcount;
	struct rcu_head rcu;
};

int mt_peer_slab_init(void);
void mt_peer_slab_uninit(void);
struct mt_peer *mt_peer_alloc(struct mt_device *mt, const u8 *public_key);
void mt_peer_free_unlinked(struct mt_peer *peer);
void mt_peer_link(struct mt_peer *peer);
void mt_peer_rehash_key_tags(struct mt_device *mt);
void mt_peer_remove(struct mt_peer *peer);
void mt_peer_remove_all(struct mt_device *mt);
void mt_peer_reap_dead(struct mt_device *mt);
void mt_peer_stop(struct mt_peer *peer);
void mt_peer_forget(struct mt_peer *peer, enum mt_drop_reason reason);
struct mt_peer *mt_peer_lookup(struct mt_device *mt, const u8 *public_key);
struct mt_peer *mt_peer_lookup_rcu(struct mt_device *mt, const u8 *public_key);
struct mt_peer *mt_peer_lookup_tag_rcu(struct mt_device *mt, const u8 *key_tag);
struct mt_peer *mt_peer_get_maybe_zero(struct mt_peer *peer);
struct mt_peer *mt_peer_get(struct mt_peer *peer);
void mt_peer_put(struct mt_peer *peer);

#endif /* MT_PEER_H */
