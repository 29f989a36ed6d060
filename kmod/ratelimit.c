// SPDX-License-Identifier: GPL-2.0
/*
 * ratelimit.c - a token bucket per source address (an IPv6 source counts
 * by its /64, which one host usually controls as a whole), in one hash
 * table shared by all devices, keyed by namespace too.
 *
 * Buckets idle for a second are full again and carry no information:
 * a collector frees them every second.
 */
#include "ratelimit.h"

#include <linux/hashtable.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

enum {
	PACKETS_PER_SECOND = 20,
	PACKETS_BURSTABLE = 5,
	PACKET_COST = NSEC_PER_SEC / PACKETS_PER_SECOND,
	TOKEN_MAX = PACKET_COST * PACKETS_BURSTABLE,
	TABLE_BITS = 12,
	MAX_ENTRIES = 8 << TABLE_BITS,
};

struct bucket {
	struct hlist_node node;
	struct net *net;	/* compared only, never dereferenced */
	u64 key;		/* IPv4 address, or an IPv6 /64 */
	bool ipv6;
	u64 last_time;
	u64 tokens;
	spinlock_t lock;	/* last_time and tokens */
	struct rcu_head rcu;
};

static DEFINE_HASHTABLE(buckets, TABLE_BITS);
static DEFINE_SPINLOCK(table_lock);
static unsigned int entries;
static siphash_key_t hash_key;
static struct kmem_cache *bucket_cache;

/* Not kfree_rcu(): rcu_barrier() at unload must see every free before the cache goes. */
static void bucket_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(bucket_cache, container_of(rcu, struct bucket, rcu));
}

static struct delayed_work gc_work;

static u32 bucket_hash(struct net *net, u64 key, bool ipv6)
{
	return siphash_3u64((u64)(unsigned long)net, key, ipv6, &hash_key);
}

static void gc(struct work_struct *work)
{
	u64 now = ktime_get_coarse_boottime_ns();
	struct bucket *b;
	struct hlist_node *tmp;
	unsigned int i;

	spin_lock_bh(&table_lock);
	hash_for_each_safe(buckets, i, tmp, b, node) {
		if (now - b->last_time > NSEC_PER_SEC) {
			hash_del_rcu(&b->node);
			entries--;
			call_rcu(&b->rcu, bucket_free_rcu);
		}
	}
	spin_unlock_bh(&table_lock);
	queue_delayed_work(system_power_efficient_wq, &gc_work, HZ);
}

bool mt_ratelimit_allow(struct sk_buff *skb, struct net *net)
{
	u64 key, now;
	bool ipv6, ok;
	struct bucket *b;
	u32 h;

	if (skb->protocol == htons(ETH_P_IP)) {
		key = (__force u32)ip_hdr(skb)->saddr;
		ipv6 = false;
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		memcpy(&key, &ipv6_hdr(skb)->saddr, sizeof(key));
		ipv6 = true;
	} else {
		return false;
	}
	h = bucket_hash(net, key, ipv6);

	rcu_read_lock_bh();
	hash_for_each_possible_rcu(buckets, b, node, h) {
		if (b->net != net || b->key != key || b->ipv6 != ipv6)
			continue;
		spin_lock(&b->lock);
		now = ktime_get_coarse_boottime_ns();
		b->tokens = min_t(u64, TOKEN_MAX, b->tokens + now - b->last_time);
		b->last_time = now;
		ok = b->tokens >= PACKET_COST;
		if (ok)
			b->tokens -= PACKET_COST;
		spin_unlock(&b->lock);
		rcu_read_unlock_bh();
		return ok;
	}
	rcu_read_unlock_bh();

	/* A new source: it starts with a full bucket, less this packet. */
	b = kmem_cache_alloc(bucket_cache, GFP_ATOMIC);
	if (!b)
		return false;
	b->net = net;
	b->key = key;
	b->ipv6 = ipv6;
	b->last_time = ktime_get_coarse_boottime_ns();
	b->tokens = TOKEN_MAX - PACKET_COST;
	spin_lock_init(&b->lock);
	spin_lock_bh(&table_lock);
	if (entries >= MAX_ENTRIES) {
		spin_unlock_bh(&table_lock);
		kmem_cache_free(bucket_cache, b);
		return false;
	}
	entries++;
	hash_add_rcu(buckets, &b->node, h);
	spin_unlock_bh(&table_lock);
	return true;
}

int __init mt_ratelimit_init(void)
{
	bucket_cache = KMEM_CACHE(bucket, 0);
	if (!bucket_cache)
		return -ENOMEM;
	get_random_bytes(&hash_key, sizeof(hash_key));
	INIT_DELAYED_WORK(&gc_work, gc);
	queue_delayed_work(system_power_efficient_wq, &gc_work, HZ);
	return 0;
}

void mt_ratelimit_uninit(void)
{
	struct hlist_node *tmp;
	struct bucket *b;
	unsigned int i;

	cancel_delayed_work_sync(&gc_work);
	spin_lock_bh(&table_lock);
	hash_for_each_safe(buckets, i, tmp, b, node) {
		hash_del_rcu(&b->node);
		call_rcu(&b->rcu, bucket_free_rcu);
	}
	entries = 0;
	spin_unlock_bh(&table_lock);
	rcu_barrier();
	kmem_cache_destroy(bucket_cache);
}
