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
 *   mt_peer_alloc()             a new, unlinked peer (GFP_KERNEL)
 *   mt_peer_free_unlinked()     free a peer that was never linked
 *   mt_peer_link()              add to the device's list and hash
 *   mt_peer_remove()            unlink, drop its allowed IPs, put the
 *                               list's reference
 *   mt_peer_remove_all()        remove every peer of a device
 *   mt_peer_lookup()            a device's peer by public key (config lock)
 *   mt_peer_get_maybe_zero()    take a reference unless the peer is dying
 *   mt_peer_put()               drop a reference
 */
#ifndef MT_PEER_H
#define MT_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/meshtun.h>

struct mt_device;

union mt_endpoint {
	struct sockaddr addr;
	struct sockaddr_in addr4;
	struct sockaddr_in6 addr6;
};

struct mt_peer {
	struct mt_device *device;
	struct hlist_node pubkey_hash;	/* in device->peer_hash */
	struct list_head device_entry;	/* in device->peer_list, oldest first */
	struct list_head allowedips;	/* mt_allowedips_node.peer_entry */
	u8 public_key[MESHTUN_KEY_LEN];
	u8 preshared_key[MESHTUN_KEY_LEN];
	union mt_endpoint endpoint;	/* sa_family 0 when unknown */
	u16 persistent_keepalive_interval;
	u64 rx_bytes;
	u64 tx_bytes;
	struct timespec64 last_handshake;
	/* Position in the device's list, for resuming dumps. */
	u64 serial;
	struct kref refcount;
	struct rcu_head rcu;
};

struct mt_peer *mt_peer_alloc(struct mt_device *mt, const u8 *public_key);
void mt_peer_free_unlinked(struct mt_peer *peer);
void mt_peer_link(struct mt_peer *peer);
void mt_peer_remove(struct mt_peer *peer);
void mt_peer_remove_all(struct mt_device *mt);
struct mt_peer *mt_peer_lookup(struct mt_device *mt, const u8 *public_key);
struct mt_peer *mt_peer_get_maybe_zero(struct mt_peer *peer);
void mt_peer_put(struct mt_peer *peer);

#endif /* MT_PEER_H */
