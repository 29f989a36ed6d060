/* SPDX-License-Identifier: GPL-2.0 */
/*
 * allowedips.h - which peer owns an address: a longest-prefix-match trie
 * per address family mapping prefixes (allowed IPs) to peers.
 *
 * Readers (the packet path) look up under RCU; writers hold the device's
 * configuration lock, passed in so that lockdep can check it. Each prefix
 * belongs to at most one peer: inserting it for another peer moves it.
 * Inserting never fails: it takes its nodes from a pool filled beforehand,
 * so a configuration request can allocate everything before changing
 * anything.
 *
 *   mt_allowedips_slab_init()     module init: the node cache
 *   mt_allowedips_slab_uninit()   module exit
 *   mt_allowedips_init()          an empty trie
 *   mt_allowedips_free()          free every node (no reader may remain)
 *   mt_allowedips_pool_fill()     make sure a pool holds N nodes
 *   mt_allowedips_pool_drain()    free a pool's unused nodes
 *   mt_allowedips_insert()        add or move a prefix to a peer
 *   mt_allowedips_remove()        remove a prefix if the peer owns it
 *   mt_allowedips_remove_peer()   remove every prefix a peer owns
 *   mt_allowedips_lookup_dst()    the peer for a destination (send path)
 *   mt_allowedips_lookup_src()    the peer for a source (receive check)
 *   mt_allowedips_read()          family, address and cidr of an entry
 *
 * Nodes needed: at most MT_ALLOWEDIPS_NODES_PER_INSERT per insertion.
 */
#ifndef MT_ALLOWEDIPS_H
#define MT_ALLOWEDIPS_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct mt_peer;

struct mt_allowedips_node {
	struct mt_allowedips_node __rcu *child[2];
	struct mt_peer __rcu *peer;	/* NULL for a branching-only node */
	struct mt_allowedips_node *parent;
	/* In the owning peer's list of allowed IPs. */
	struct list_head peer_entry;
	struct rcu_head rcu;
	u8 cidr;
	u8 bits;			/* 32 or 128: the address family */
	u8 key[16] __aligned(8);	/* the prefix, host bits zero */
};

struct mt_allowedips {
	struct mt_allowedips_node __rcu *root4;
	struct mt_allowedips_node __rcu *root6;
	/* Bumped on every change: lets dumps detect concurrent changes. */
	u64 seq;
};

struct mt_allowedips_pool {
	struct list_head nodes;
	unsigned int count;
};

enum { MT_ALLOWEDIPS_NODES_PER_INSERT = 2 };

void mt_allowedips_init(struct mt_allowedips *table);
void mt_allowedips_free(struct mt_allowedips *table, struct mutex *lock);

void mt_allowedips_pool_init(struct mt_allowedips_pool *pool);
int mt_allowedips_pool_fill(struct mt_allowedips_pool *pool, unsigned int nodes);
void mt_allowedips_pool_drain(struct mt_allowedips_pool *pool);

/* addr: 4 or 16 bytes, network order; cidr within the family's width. */
void mt_allowedips_insert(struct mt_allowedips *table, int family,
			  const void *addr, u8 cidr, struct mt_peer *peer,
			  struct list_head *peer_list,
			  struct mt_allowedips_pool *pool, struct mutex *lock);
bool mt_allowedips_remove(struct mt_allowedips *table, int family, const void *addr,
			  u8 cidr, struct mt_peer *peer, struct mutex *lock);
void mt_allowedips_remove_peer(struct mt_allowedips *table,
			       struct list_head *peer_list, struct mutex *lock);

struct mt_peer *mt_allowedips_lookup(struct mt_allowedips *table, int family,
				     const void *addr);
struct mt_peer *mt_allowedips_lookup_dst(struct mt_allowedips *table,
					 struct sk_buff *skb);
struct mt_peer *mt_allowedips_lookup_src(struct mt_allowedips *table,
					 struct sk_buff *skb);

/* Returns the family (AF_INET or AF_INET6); addr gets 4 or 16 bytes. */
int mt_allowedips_read(const struct mt_allowedips_node *node, u8 addr[16],
		       u8 *cidr);

int mt_allowedips_slab_init(void);
void mt_allowedips_slab_uninit(void);

#ifdef MT_SELFTEST
bool mt_allowedips_selftest(void);
#endif

#endif /* MT_ALLOWEDIPS_H */
