// SPDX-License-Identifier: GPL-2.0
/*
 * peer.c - peers of a meshtun device: allocation, the public-key hash,
 * removal and reference counting.
 *
 * Removal is in two steps so that removing many peers costs one RCU grace
 * period, not one each: mt_peer_remove() unlinks and marks dead,
 * mt_peer_reap_dead() waits once, then shuts the removed peers down.
 */
#include "peer.h"
#include "device.h"
#include "mesh.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

#include <crypto/algapi.h>
#include <linux/hashtable.h>
#include <linux/jiffies.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>

/* Peers come from their own cache: a kmalloc size class would round them up. */
static struct kmem_cache *peer_cache;

int __init mt_peer_slab_init(void)
{
	peer_cache = KMEM_CACHE(mt_peer, 0);
	return peer_cache ? 0 : -ENOMEM;
}

void mt_peer_slab_uninit(void)
{
	rcu_barrier();	/* peers freed by call_rcu() */
	kmem_cache_destroy(peer_cache);
}

static u32 pubkey_hash(struct mt_device *mt, const u8 *public_key)
{
	return (u32)siphash(public_key, MESHTUN_KEY_LEN, &mt->peer_hash_key);
}

static u32 key_tag_hash(struct mt_device *mt, const u8 *key_tag)
{
	return (u32)siphash(key_tag, MT_MESH_KEY_TAG_LEN, &mt->peer_hash_key);
}

struct mt_peer *mt_peer_alloc(struct mt_device *mt, const u8 *public_key)
{
	struct mt_peer *peer = kmem_cache_zalloc(peer_cache, GFP_KERNEL_ACCOUNT);

	if (!peer)
		return NULL;
	if (dst_cache_init(&peer->endpoint_cache, GFP_KERNEL_ACCOUNT)) {
		kmem_cache_free(peer_cache, peer);
		return NULL;
	}
	peer->device = mt;
	memcpy(peer->public_key, public_key, MESHTUN_KEY_LEN);
	INIT_HLIST_NODE(&peer->pubkey_hash);
	INIT_HLIST_NODE(&peer->key_tag_hash);
	INIT_LIST_HEAD(&peer->device_entry);
	INIT_LIST_HEAD(&peer->allowedips);
	rwlock_init(&peer->endpoint_lock);
	mt_noise_handshake_init(&peer->handshake, peer);
	mt_noise_keypairs_init(&peer->keypairs);
	mt_cookie_init(&peer->latest_cookie);
	mt_cookie_precompute_peer(&peer->latest_cookie, public_key);
	/* The first initiation may go at once. */
	peer->last_sent_handshake = get_jiffies_64() - MT_REKEY_TIMEOUT * HZ - 1;
	INIT_WORK(&peer->handshake_tx_work, mt_send_handshake_worker);
	skb_queue_head_init(&peer->staged_packets);
	spin_lock_init(&peer->send_lock);
	mt_ordered_queue_init(&peer->tx_queue);
	mt_ordered_queue_init(&peer->rx_queue);
	mt_timers_init(peer);
	mt_mesh_peer_init(peer);
	kref_init(&peer->refcount);
	return peer;
}

static void peer_free(struct mt_peer *peer)
{
	/* Packets in flight hold the peer: its queues are empty by now. */
	WARN_ON(!skb_queue_empty(&peer->tx_queue.list) || !skb_queue_empty(&peer->rx_queue.list));
	skb_queue_purge(&peer->staged_packets);	/* only for a peer never linked */
	dst_cache_destroy(&peer->endpoint_cache);
	memzero_explicit(peer->preshared_key, sizeof(peer->preshared_key));
	memzero_explicit(&peer->handshake, sizeof(peer->handshake));
	memzero_explicit(&peer->latest_cookie, sizeof(peer->latest_cookie));
	kmem_cache_free(peer_cache, peer);
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
	mt_mesh_key_tag(peer->mesh.key_tag, peer->public_key, mt->public_key);
	hash_add_rcu(mt->key_tag_hash, &peer->key_tag_hash, key_tag_hash(mt, peer->mesh.key_tag));
	mt->num_peers++;
}

void mt_peer_rehash_key_tags(struct mt_device *mt)
{
	struct mt_peer *peer;

	lockdep_assert_held(&mt->config_lock);
	list_for_each_entry(peer, &mt->peer_list, device_entry)
		hash_del_rcu(&peer->key_tag_hash);
	/* Readers may stand on an entry until then: it goes to another bucket. */
	synchronize_net();
	list_for_each_entry(peer, &mt->peer_list, device_entry) {
		mt_mesh_key_tag(peer->mesh.key_tag, peer->public_key, mt->public_key);
		hash_add_rcu(mt->key_tag_hash, &peer->key_tag_hash,
			     key_tag_hash(mt, peer->mesh.key_tag));
		cond_resched();
	}
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

struct mt_peer *mt_peer_lookup_rcu(struct mt_device *mt, const u8 *public_key)
{
	struct mt_peer *peer, *found = NULL;

	rcu_read_lock_bh();
	hash_for_each_possible_rcu(mt->peer_hash, peer, pubkey_hash,
				   pubkey_hash(mt, public_key)) {
		if (!crypto_memneq(peer->public_key, public_key, MESHTUN_KEY_LEN)) {
			if (!READ_ONCE(peer->is_dead))
				found = mt_peer_get_maybe_zero(peer);
			break;
		}
	}
	rcu_read_unlock_bh();
	return found;
}

struct mt_peer *mt_peer_lookup_tag_rcu(struct mt_device *mt, const u8 *key_tag)
{
	struct mt_peer *peer, *found = NULL;

	rcu_read_lock_bh();
	hash_for_each_possible_rcu(mt->key_tag_hash, peer, key_tag_hash,
				   key_tag_hash(mt, key_tag)) {
		if (!crypto_memneq(peer->mesh.key_tag, key_tag, MT_MESH_KEY_TAG_LEN)) {
			if (!READ_ONCE(peer->is_dead))
				found = mt_peer_get_maybe_zero(peer);
			break;
		}
	}
	rcu_read_unlock_bh();
	return found;
}

static void peer_free_rcu(struct rcu_head *rcu)
{
	peer_free(container_of(rcu, struct mt_peer, rcu));
}

static void peer_release(struct kref *kref)
{
	struct mt_peer *peer = container_of(kref, struct mt_peer, refcount);

	/*
	 * Nothing can put the handshake back into the index now, nor stage a
	 * packet (that takes a reference, and a living peer): drop what waits
	 * while the device is sure to be there. Readers that found the
	 * handshake in the index, or the peer in the hash, under RCU may
	 * still be looking at them: free after a grace period.
	 */
	mt_send_purge_staged(peer, MT_DROP_TX_NO_PEER);
	mt_index_remove(&peer->device->index_table, &peer->handshake.entry);
	call_rcu(&peer->rcu, peer_free_rcu);
}

struct mt_peer *mt_peer_get_maybe_zero(struct mt_peer *peer)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_bh_held(), "peer taken outside RCU-bh");
	if (unlikely(!peer || !kref_get_unless_zero(&peer->refcount)))
		return NULL;
	return peer;
}

struct mt_peer *mt_peer_get(struct mt_peer *peer)
{
	kref_get(&peer->refcount);
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
	WRITE_ONCE(peer->is_dead, true);
	mt_mesh_remove_peer(peer);
	mt_allowedips_remove_peer(&mt->allowedips, &peer->allowedips, &mt->config_lock);
	hash_del_rcu(&peer->pubkey_hash);
	hash_del_rcu(&peer->key_tag_hash);
	list_move_tail(&peer->device_entry, &mt->dead_peers);
	mt->num_peers--;
}

void mt_peer_stop(struct mt_peer *peer)
{
	lockdep_assert_held(&peer->device->config_lock);
	might_sleep();
	mt_timers_stop(peer);
	mt_mesh_peer_stop(peer);
	if (cancel_work_sync(&peer->handshake_tx_work))
		mt_peer_put(peer);
}

void mt_peer_forget(struct mt_peer *peer, enum mt_drop_reason reason)
{
	lockdep_assert_held(&peer->device->config_lock);
	might_sleep();
	/*
	 * Again: what the workers delivered since mt_peer_stop() (an
	 * ENDPOINT, a PING) may have started a train or a round that could
	 * not arm its timer, and would stand in the way of the next.
	 */
	mt_mesh_peer_stop(peer);
	mt_noise_keypairs_clear(&peer->keypairs);
	mt_noise_handshake_clear(&peer->handshake);
	mt_send_purge_staged(peer, reason);
}

/*
 * After the grace period no packet path can find the peer any more,
 * and nothing re-arms its timers or work: stop them, forget its sessions,
 * drop what waits for it. Packets in flight keep it alive until they
 * are done.
 */
static void peer_shutdown(struct mt_peer *peer)
{
	mt_peer_stop(peer);
	mt_peer_forget(peer, MT_DROP_TX_NO_PEER);
	/*
	 * A dump may hold the peer long after: its cached routes must not
	 * outlive their namespace meanwhile (senders cache nothing for a dead peer).
	 */
	mt_socket_clear_peer_endpoint_src(peer);
}

void mt_peer_reap_dead(struct mt_device *mt)
{
	struct mt_peer *peer, *tmp;

	lockdep_assert_held(&mt->config_lock);
	if (list_empty(&mt->dead_peers))
		return;
	synchronize_net();
	list_for_each_entry_safe(peer, tmp, &mt->dead_peers, device_entry) {
		list_del_init(&peer->device_entry);
		peer_shutdown(peer);
		mt_peer_put(peer);
		cond_resched();
	}
}

void mt_peer_remove_all(struct mt_device *mt)
{
	struct mt_peer *peer, *tmp;

	lockdep_assert_held(&mt->config_lock);
	list_for_each_entry_safe(peer, tmp, &mt->peer_list, device_entry) {
		mt_peer_remove(peer);
		cond_resched();
	}
	mt_peer_reap_dead(mt);
}
