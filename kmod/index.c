// SPDX-License-Identifier: GPL-2.0
/*
 * index.c - receiver indices: random, unique per device, looked up on
 * every received message under RCU.
 *
 * Indices are random rather than sequential so that they tell an observer
 * nothing about how many sessions a device has had. The hash is the index
 * itself: it is already uniformly random.
 */
#include "index.h"
#include "peer.h"

#include <linux/random.h>
#include <linux/rculist.h>

void mt_index_table_init(struct mt_index_table *table)
{
	hash_init(table->hash);
	spin_lock_init(&table->lock);
}

static struct hlist_head *bucket(struct mt_index_table *table, __le32 index)
{
	return &table->hash[hash_32((__force u32)index, MT_INDEX_HASH_BITS)];
}

static bool index_in_use(struct mt_index_table *table, __le32 index)
{
	struct mt_index_entry *entry;

	hlist_for_each_entry_rcu(entry, bucket(table, index), node,
				 lockdep_is_held(&table->lock)) {
		if (entry->index == index)
			return true;
	}
	return false;
}

/* Take entry out if it is in, then put it in under a free index. */
static bool insert(struct mt_index_table *table, struct mt_index_entry *entry,
		   const __le32 *wanted)
{
	bool got_wanted = wanted;
	__le32 index;

	spin_lock_bh(&table->lock);
	if (!hlist_unhashed(&entry->node))
		hlist_del_init_rcu(&entry->node);
	if (wanted && !index_in_use(table, *wanted)) {
		index = *wanted;
	} else {
		got_wanted = false;
		do {
			index = (__force __le32)get_random_u32();
		} while (index_in_use(table, index));
	}
	entry->index = index;
	hlist_add_head_rcu(&entry->node, bucket(table, index));
	spin_unlock_bh(&table->lock);
	return got_wanted;
}

__le32 mt_index_insert(struct mt_index_table *table, struct mt_index_entry *entry)
{
	insert(table, entry, NULL);
	return entry->index;
}

/*
 * For an index derived from a secret (mt_mesh's signal): as unpredictable
 * to an observer as a random one, and as unique, or random if taken.
 */
bool mt_index_insert_wanted(struct mt_index_table *table, struct mt_index_entry *entry,
			    __le32 wanted)
{
	return insert(table, entry, &wanted);
}

bool mt_index_replace(struct mt_index_table *table, struct mt_index_entry *old,
		      struct mt_index_entry *new)
{
	bool replaced = false;

	spin_lock_bh(&table->lock);
	if (!hlist_unhashed(&old->node)) {
		new->index = old->index;
		hlist_replace_rcu(&old->node, &new->node);
		/*
		 * Readers may still walk from old to its successor, so old keeps
		 * its next pointer; only its pprev says it is out of the table.
		 */
		old->node.pprev = NULL;
		replaced = true;
	}
	spin_unlock_bh(&table->lock);
	return replaced;
}

void mt_index_remove(struct mt_index_table *table, struct mt_index_entry *entry)
{
	spin_lock_bh(&table->lock);
	hlist_del_init_rcu(&entry->node);
	spin_unlock_bh(&table->lock);
}

struct mt_index_entry *mt_index_lookup_rcu(struct mt_index_table *table, unsigned int types,
					   __le32 index)
{
	struct mt_index_entry *entry;

	hlist_for_each_entry_rcu_bh(entry, bucket(table, index), node) {
		if (entry->index == index)
			return entry->type & types ? entry : NULL;
	}
	return NULL;
}

struct mt_index_entry *mt_index_lookup(struct mt_index_table *table, unsigned int types,
				       __le32 index, struct mt_peer **peer)
{
	struct mt_index_entry *found;

	rcu_read_lock_bh();
	found = mt_index_lookup_rcu(table, types, index);
	if (found) {
		*peer = mt_peer_get_maybe_zero(found->peer);
		if (!*peer)
			found = NULL;
	}
	rcu_read_unlock_bh();
	return found;
}
