// SPDX-License-Identifier: GPL-2.0
/*
 * allowedips.c - longest-prefix-match trie of allowed IPs.
 *
 * A path-compressed binary trie: every node holds a prefix (key, cidr);
 * a child's prefix extends its parent's, and the child sits on the side
 * given by the first bit after the parent's prefix. Nodes with a peer are
 * allowed IPs; nodes without one exist only where two paths diverge, so a
 * trie of n prefixes has fewer than 2n nodes and a lookup visits at most
 * one node per bit of the address.
 *
 * Writers publish a node only once it is complete (rcu_assign_pointer)
 * and free replaced nodes after a grace period, so readers walk the trie
 * under RCU without locks.
 */
#include "allowedips.h"

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/slab.h>
#include <linux/socket.h>

static struct kmem_cache *mt_node_cache __read_mostly;

static unsigned int key_bit(const u8 *key, unsigned int bit)
{
	return (key[bit / 8] >> (7 - bit % 8)) & 1;
}

/* Copy addr with every bit beyond cidr cleared. */
static void mask_key(u8 *dst, const u8 *addr, unsigned int bits, unsigned int cidr)
{
	unsigned int bytes = bits / 8, i;

	for (i = 0; i < bytes; i++) {
		if (cidr >= (i + 1) * 8)
			dst[i] = addr[i];
		else if (cidr > i * 8)
			dst[i] = addr[i] & (u8)(0xff << (8 - (cidr - i * 8)));
		else
			dst[i] = 0;
	}
}

/* Number of leading bits, up to limit, on which a and b agree. */
static unsigned int common_bits(const u8 *a, const u8 *b, unsigned int limit)
{
	unsigned int i;

	for (i = 0; i < limit / 8; i++) {
		if (a[i] != b[i])
			return i * 8 + __builtin_clz((u32)(a[i] ^ b[i]) << 24);
	}
	if (limit % 8) {
		u8 diff = (a[i] ^ b[i]) & (u8)(0xff << (8 - limit % 8));

		if (diff)
			return i * 8 + __builtin_clz((u32)diff << 24);
	}
	return limit;
}

static bool prefix_matches(const struct mt_allowedips_node *node, const u8 *addr)
{
	return common_bits(node->key, addr, node->cidr) == node->cidr;
}

static struct mt_allowedips_node __rcu **root_for(struct mt_allowedips *table,
						  int family, unsigned int *bits)
{
	if (family == AF_INET) {
		*bits = 32;
		return &table->root4;
	}
	*bits = 128;
	return &table->root6;
}

void mt_allowedips_init(struct mt_allowedips *table)
{
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
	table->seq = 1;
}

void mt_allowedips_pool_init(struct mt_allowedips_pool *pool)
{
	INIT_LIST_HEAD(&pool->nodes);
	pool->count = 0;
}

int mt_allowedips_pool_fill(struct mt_allowedips_pool *pool, unsigned int nodes)
{
	while (pool->count < nodes) {
		struct mt_allowedips_node *node;

		node = kmem_cache_zalloc(mt_node_cache, GFP_KERNEL_ACCOUNT);
		if (!node)
			return -ENOMEM;
		list_add(&node->peer_entry, &pool->nodes);
		pool->count++;
	}
	return 0;
}

void mt_allowedips_pool_drain(struct mt_allowedips_pool *pool)
{
	struct mt_allowedips_node *node, *tmp;

	list_for_each_entry_safe(node, tmp, &pool->nodes, peer_entry)
		kmem_cache_free(mt_node_cache, node);
	mt_allowedips_pool_init(pool);
}

static struct mt_allowedips_node *pool_take(struct mt_allowedips_pool *pool,
					    const u8 *key, unsigned int bits,
					    unsigned int cidr)
{
	struct mt_allowedips_node *node;

	/* The caller filled the pool: running dry is a bug, not an error. */
	node = list_first_entry(&pool->nodes, struct mt_allowedips_node, peer_entry);
	list_del(&node->peer_entry);
	pool->count--;
	memset(node, 0, sizeof(*node));
	INIT_LIST_HEAD(&node->peer_entry);
	node->bits = bits;
	node->cidr = cidr;
	mask_key(node->key, key, bits, cidr);
	return node;
}

static void node_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(mt_node_cache,
			container_of(rcu, struct mt_allowedips_node, rcu));
}

static void set_peer(struct mt_allowedips_node *node, struct mt_peer *peer,
		     struct list_head *peer_list)
{
	rcu_assign_pointer(node->peer, peer);
	list_move_tail(&node->peer_entry, peer_list);
}

/* The slot in its parent (or the root) that points at node. */
static struct mt_allowedips_node __rcu **
slot_of(struct mt_allowedips *table, struct mt_allowedips_node *node)
{
	unsigned int bits;

	if (!node->parent)
		return root_for(table, node->bits == 32 ? AF_INET : AF_INET6, &bits);
	return &node->parent->child[key_bit(node->key, node->parent->cidr)];
}

void mt_allowedips_insert(struct mt_allowedips *table, int family,
			  const void *addr, u8 cidr, struct mt_peer *peer,
			  struct list_head *peer_list,
			  struct mt_allowedips_pool *pool, struct mutex *lock)
{
	struct mt_allowedips_node __rcu **slot;
	struct mt_allowedips_node *node, *parent = NULL, *fresh, *branch;
	unsigned int bits, common;
	u8 key[16] = { 0 };

	lockdep_assert_held(lock);
	slot = root_for(table, family, &bits);
	if (WARN_ON(cidr > bits))
		return;
	mask_key(key, addr, bits, cidr);
	table->seq++;

	for (;;) {
		node = rcu_dereference_protected(*slot, lockdep_is_held(lock));
		if (!node) {
			fresh = pool_take(pool, key, bits, cidr);
			fresh->parent = parent;
			set_peer(fresh, peer, peer_list);
			rcu_assign_pointer(*slot, fresh);
			return;
		}
		common = common_bits(node->key, key, min_t(unsigned int, node->cidr, cidr));
		if (common == node->cidr && common == cidr) {
			/* This very prefix: it now belongs to peer. */
			set_peer(node, peer, peer_list);
			return;
		}
		if (common == node->cidr) {
			/* node's prefix covers ours: go down. */
			parent = node;
			slot = &node->child[key_bit(key, node->cidr)];
			continue;
		}
		break;
	}

	fresh = pool_take(pool, key, bits, cidr);
	set_peer(fresh, peer, peer_list);
	if (common == cidr) {
		/* Our prefix covers node's: slot in above it. */
		fresh->parent = parent;
		RCU_INIT_POINTER(fresh->child[key_bit(node->key, cidr)], node);
		node->parent = fresh;
		rcu_assign_pointer(*slot, fresh);
		return;
	}
	/* The two diverge after common bits: branch there. */
	branch = pool_take(pool, key, bits, common);
	branch->parent = parent;
	RCU_INIT_POINTER(branch->child[key_bit(key, common)], fresh);
	RCU_INIT_POINTER(branch->child[key_bit(node->key, common)], node);
	fresh->parent = branch;
	node->parent = branch;
	rcu_assign_pointer(*slot, branch);
}

/*
 * node has lost its peer: unlink it if it has fewer than two children,
 * then its parent too if that one is now a branching node with one child.
 */
static void prune(struct mt_allowedips *table, struct mt_allowedips_node *node,
		  struct mutex *lock)
{
	while (node && !rcu_access_pointer(node->peer)) {
		struct mt_allowedips_node *c0, *c1, *child, *parent = node->parent;

		c0 = rcu_dereference_protected(node->child[0], lockdep_is_held(lock));
		c1 = rcu_dereference_protected(node->child[1], lockdep_is_held(lock));
		if (c0 && c1)
			return;
		child = c0 ?: c1;
		if (child)
			child->parent = parent;
		rcu_assign_pointer(*slot_of(table, node), child);
		call_rcu(&node->rcu, node_free_rcu);
		node = parent;
	}
}

static void unset_peer(struct mt_allowedips *table, struct mt_allowedips_node *node,
		       struct mutex *lock)
{
	RCU_INIT_POINTER(node->peer, NULL);
	list_del_init(&node->peer_entry);
	prune(table, node, lock);
}

bool mt_allowedips_remove(struct mt_allowedips *table, int family,
			  const void *addr, u8 cidr, struct mt_peer *peer,
			  struct mutex *lock)
{
	struct mt_allowedips_node *node;
	unsigned int bits;
	u8 key[16] = { 0 };

	lockdep_assert_held(lock);
	node = rcu_dereference_protected(*root_for(table, family, &bits),
					 lockdep_is_held(lock));
	if (cidr > bits)
		return false;
	mask_key(key, addr, bits, cidr);
	while (node && node->cidr <= cidr && prefix_matches(node, key)) {
		if (node->cidr == cidr) {
			if (rcu_access_pointer(node->peer) != peer)
				return false;
			table->seq++;
			unset_peer(table, node, lock);
			return true;
		}
		node = rcu_dereference_protected(node->child[key_bit(key, node->cidr)],
						 lockdep_is_held(lock));
	}
	return false;
}

void mt_allowedips_remove_peer(struct mt_allowedips *table,
			       struct list_head *peer_list, struct mutex *lock)
{
	struct mt_allowedips_node *node, *tmp;

	lockdep_assert_held(lock);
	if (list_empty(peer_list))
		return;
	table->seq++;
	/* Under the config lock only: one peer's millions of prefixes must yield. */
	list_for_each_entry_safe(node, tmp, peer_list, peer_entry) {
		unset_peer(table, node, lock);
		cond_resched();
	}
}

/* Free a whole trie, children before parents, without recursion. */
static void free_trie(struct mt_allowedips_node __rcu **root, struct mutex *lock)
{
	struct mt_allowedips_node *node, *child, *parent;
	unsigned int side;

	node = rcu_dereference_protected(*root, lockdep_is_held(lock));
	RCU_INIT_POINTER(*root, NULL);
	while (node) {
		for (side = 0; side < 2; side++) {
			child = rcu_dereference_protected(node->child[side],
							  lockdep_is_held(lock));
			if (child)
				break;
		}
		if (child) {
			RCU_INIT_POINTER(node->child[side], NULL);
			node = child;
			continue;
		}
		parent = node->parent;
		list_del(&node->peer_entry);
		call_rcu(&node->rcu, node_free_rcu);
		node = parent;
		cond_resched();
	}
}

void mt_allowedips_free(struct mt_allowedips *table, struct mutex *lock)
{
	lockdep_assert_held(lock);
	table->seq++;
	free_trie(&table->root4, lock);
	free_trie(&table->root6, lock);
}

struct mt_peer *mt_allowedips_lookup(struct mt_allowedips *table, int family,
				     const void *addr)
{
	struct mt_allowedips_node *node;
	struct mt_peer *best = NULL, *peer;
	unsigned int bits;

	node = rcu_dereference_bh(*root_for(table, family, &bits));
	while (node && prefix_matches(node, addr)) {
		peer = rcu_dereference_bh(node->peer);
		if (peer)
			best = peer;
		if (node->cidr == bits)
			break;
		node = rcu_dereference_bh(node->child[key_bit(addr, node->cidr)]);
	}
	return best;
}

struct mt_peer *mt_allowedips_lookup_dst(struct mt_allowedips *table,
					 struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return mt_allowedips_lookup(table, AF_INET, &ip_hdr(skb)->daddr);
	if (skb->protocol == htons(ETH_P_IPV6))
		return mt_allowedips_lookup(table, AF_INET6, &ipv6_hdr(skb)->daddr);
	return NULL;
}

struct mt_peer *mt_allowedips_lookup_src(struct mt_allowedips *table,
					 struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return mt_allowedips_lookup(table, AF_INET, &ip_hdr(skb)->saddr);
	if (skb->protocol == htons(ETH_P_IPV6))
		return mt_allowedips_lookup(table, AF_INET6, &ipv6_hdr(skb)->saddr);
	return NULL;
}

int mt_allowedips_read(const struct mt_allowedips_node *node, u8 addr[16], u8 *cidr)
{
	memcpy(addr, node->key, node->bits / 8);
	*cidr = node->cidr;
	return node->bits == 32 ? AF_INET : AF_INET6;
}

int __init mt_allowedips_slab_init(void)
{
	mt_node_cache = KMEM_CACHE(mt_allowedips_node, 0);
	return mt_node_cache ? 0 : -ENOMEM;
}

void mt_allowedips_slab_uninit(void)
{
	rcu_barrier();
	kmem_cache_destroy(mt_node_cache);
}
