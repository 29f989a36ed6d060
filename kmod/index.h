/* SPDX-License-Identifier: GPL-2.0 */
/*
 * index.h - the device's table of 32-bit receiver indices.
 *
 * Every handshake in progress and every session (keypair) owns a random
 * index that the remote side puts in the messages it sends us; the
 * receive path finds the handshake or keypair, and so the peer, from it.
 *
 *   mt_index_table_init()   an empty table
 *   mt_index_insert()       give an entry a fresh random index
 *   mt_index_insert_wanted() give it the index wanted if that is free (else
 *                           a random one); true if it got the one wanted
 *   mt_index_replace()      hand an entry's index over to another entry
 *   mt_index_remove()       take an entry out
 *   mt_index_lookup()       the entry of an index, of the wanted types,
 *                           with a reference on its peer
 *   mt_index_lookup_rcu()   the same for a caller in an RCU-bh section,
 *                           taking no reference
 */
#ifndef MT_INDEX_H
#define MT_INDEX_H

#include <linux/hashtable.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct mt_peer;

enum mt_index_type {
	MT_INDEX_HANDSHAKE = 1 << 0,
	MT_INDEX_KEYPAIR = 1 << 1,
};

struct mt_index_entry {
	struct hlist_node node;
	struct mt_peer *peer;
	enum mt_index_type type;
	__le32 index;
};

#define MT_INDEX_HASH_BITS 13

struct mt_index_table {
	DECLARE_HASHTABLE(hash, MT_INDEX_HASH_BITS);
	spinlock_t lock;	/* writers */
};

void mt_index_table_init(struct mt_index_table *table);
__le32 mt_index_insert(struct mt_index_table *table, struct mt_index_entry *entry);
bool mt_index_insert_wanted(struct mt_index_table *table, struct mt_index_entry *entry,
			    __le32 wanted);
bool mt_index_replace(struct mt_index_table *table, struct mt_index_entry *old,
		      struct mt_index_entry *new);
void mt_index_remove(struct mt_index_table *table, struct mt_index_entry *entry);
struct mt_index_entry *mt_index_lookup(struct mt_index_table *table, unsigned int types,
				       __le32 index, struct mt_peer **peer);
struct mt_index_entry *mt_index_lookup_rcu(struct mt_index_table *table, unsigned int types,
					   __le32 index);

#endif /* MT_INDEX_H */
