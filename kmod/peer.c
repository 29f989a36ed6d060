// SPDX-License-Identifier: GPL-2.0
/*
 * peer.c - peers of a meshtun device: allocation, the public-key hash,
 * removal and reference counting.
 */
#include "peer.h"
#include "device.h"

#include <crypto/algapi.h>
#include <linux/hashtable.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>

static u32 pubkey_hash(struct mt_device *mt, const u8 *public_key)
{
	return (u32)siphash(public_key, MESHTUN_KEY_LEN, &mt->peer_hash_key);
}

struct mt_peer *mt_peer_alloc(struct mt_device *mt, const u8 *public_key)
{
	struct mt_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);

	if (!peer)
		return NULL;
	peer->device = mt;
	memcpy(peer->public_key, public_key, MESHTUN_KEY_LEN);
	INIT_HLIST_NODE(&peer->pubkey_hash);
	INIT_LIST_HEAD(&peer->device_entry);
	INIT_LIST_HEAD(&peer->allowedips);
	kref_init(&peer->refcount);
	return peer;
}

static void peer_free(struct mt_peer *peer)
{
	memzero_explicit(peer->preshared_key, sizeof(peer->preshared_key));
	kfree(peer);
}

void mt_peer_free_unlinked(struct mt_peer *peer)
{
	peer_free(peer);
}

void mt_peer_link(struct mt_peer *peer)
{
	struct mt_device *mt = peer->device;

	lockdep_assert_held(&mt->config_lock);
	peer->serial = ++mt->next_peer_serial;
	list_add_tail(&peer->device_entry, &mt->peer_list);
	hash_add_rcu(mt->peer_hash, &peer->pubkey_hash, pubkey_hash(mt, peer->public_key));
	mt->num_peers++;
}

struct mt_peer *mt_peer_lookup(struct mt_device *mt, const u8 *public_key)
{
	struct mt_peer *peer;

	lockdep_assert_held(&mt->config_lock);
	hash_for_each_possible(mt->peer_hash, peer, pubkey_hash,
			       pubkey_hash(mt, public_key)) {
		if (!crypto_memneq(peer->public_key, public_key, MESHTUN_KEY_LEN))
			return peer;
	}
	return NULL;
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	peer_free(container_of(rcu, struct mt_peer, rcu));
}

static void peer_release(struct kref *kref)
{
	struct mt_peer *peer = container_of(kref, struct mt_peer, refcount);

	/* Readers that found it under RCU may still be looking at it. */
	call_rcu(&peer->rcu, peer_free_rcu);
}

struct mt_peer *mt_peer_get_maybe_zero(struct mt_peer *peer)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_bh_held(), "peer taken outside RCU-bh");
	if (unlikely(!peer || !kref_get_unless_zero(&peer->refcount)))
		return NULL;
	return peer;
}

void mt_peer_put(struct mt_peer *peer)
{
	if (peer)
		kref_put(&peer->refcount, peer_release);
}

void mt_peer_remove(struct mt_peer *peer)
{
	struct mt_device *mt = peer->device;

	lockdep_assert_held(&mt->config_lock);
	mt_allowedips_remove_peer(&mt->allowedips, &peer->allowedips, &mt->config_lock);
	hash_del_rcu(&peer->pubkey_hash);
	list_del_init(&peer->device_entry);
	mt->num_peers--;
	mt_peer_put(peer);
}

void mt_peer_remove_all(struct mt_device *mt)
{
	struct mt_peer *peer, *tmp;

	lockdep_assert_held(&mt->config_lock);
	list_for_each_entry_safe(peer, tmp, &mt->peer_list, device_entry)
		mt_peer_remove(peer);
}
