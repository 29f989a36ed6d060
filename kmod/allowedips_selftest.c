// SPDX-License-Identifier: GPL-2.0
/*
 * allowedips_selftest.c - the allowed-IPs trie checked against a naive
 * reference (a flat list searched for the longest matching prefix) on
 * random insertions, moves and removals, plus its structural invariants.
 * Built only with MT_SELFTEST=y; runs at module load.
 */
#include "allowedips.h"

#include <linux/in.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>

#define NPEERS 16
#define NENTRIES 1500
#define NOPS 4000

/* Fewer on a debug kernel, where every memory access is instrumented. */
static unsigned int final_lookups = 30000;
module_param_named(selftest_lookups, final_lookups, uint, 0444);
MODULE_PARM_DESC(selftest_lookups,
		 "Self-test build only: random lookups checked after each round of the trie test");

struct fake_peer {
	struct list_head allowedips;
};

struct ref_entry {
	int family;
	u8 key[16];
	u8 cidr;
	int peer;	/* index, or -1 once removed */
};

struct selftest {
	struct fake_peer peers[NPEERS];
	struct ref_entry entries[NENTRIES];
	unsigned int nentries;
	struct mt_allowedips table;
	struct mt_allowedips_pool pool;
	struct mutex lock;	/* stands for the device's config lock */
	unsigned int checks;
	/* Depth-first walk of the trie: at most one pending node per level. */
	struct mt_allowedips_node *stack[2 * 129];
};

static unsigned int family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static bool ref_matches(const struct ref_entry *e, int family, const u8 *addr)
{
	unsigned int i;

	if (e->family != family || e->peer < 0)
		return false;
	for (i = 0; i < e->cidr; i++) {
		u8 mask = 0x80 >> (i % 8);

		if ((e->key[i / 8] & mask) != (addr[i / 8] & mask))
			return false;
	}
	return true;
}

static int ref_lookup(struct selftest *t, int family, const u8 *addr)
{
	int best = -1, best_cidr = -1;
	unsigned int i;

	for (i = 0; i < t->nentries; i++) {
		const struct ref_entry *e = &t->entries[i];

		if (ref_matches(e, family, addr) && e->cidr > best_cidr) {
			best = e->peer;
			best_cidr = e->cidr;
		}
	}
	return best;
}

static void mask(u8 *key, unsigned int bits, unsigned int cidr)
{
	unsigned int i;

	for (i = cidr; i < bits; i++)
		key[i / 8] &= ~(0x80 >> (i % 8));
}

static struct ref_entry *ref_find(struct selftest *t, int family, const u8 *key, u8 cidr)
{
	unsigned int i;

	for (i = 0; i < t->nentries; i++) {
		struct ref_entry *e = &t->entries[i];

		if (e->family == family && e->cidr == cidr && e->peer >= 0 &&
		    !memcmp(e->key, key, family_bits(family) / 8))
			return e;
	}
	return NULL;
}

/* Addresses cluster on a few bases so that prefixes overlap and nest. */
static void random_addr(int family, u8 *addr)
{
	static const u8 bases[3][16] = {
		{ 10, 0, 0, 0 }, { 192, 168, 1, 0 },
		{ 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	};
	unsigned int bytes = family_bits(family) / 8, keep = get_random_u32() % (bytes + 1);

	get_random_bytes(addr, 16);
	memcpy(addr, bases[get_random_u32() % 3], keep);
}

static struct mt_peer *peer_ptr(struct selftest *t, int i)
{
	return i < 0 ? NULL : (struct mt_peer *)&t->peers[i];
}

static bool check_lookups(struct selftest *t, unsigned int count)
{
	unsigned int i;
	u8 addr[16];

	for (i = 0; i < count; i++) {
		int family = get_random_u32() % 2 ? AF_INET : AF_INET6;
		int want;
		struct mt_peer *got;

		random_addr(family, addr);
		/* Also probe exactly at stored prefixes and their edges. */
		if (t->nentries && get_random_u32() % 2) {
			struct ref_entry *e = &t->entries[get_random_u32() % t->nentries];

			family = e->family;
			memcpy(addr, e->key, 16);
		}
		want = ref_lookup(t, family, addr);
		rcu_read_lock_bh();
		got = mt_allowedips_lookup(&t->table, family, addr);
		rcu_read_unlock_bh();
		t->checks++;
		/* Seconds of work on a slow machine: let others run. */
		if (i % 256 == 0)
			cond_resched();
		if (got != peer_ptr(t, want)) {
			pr_err("meshtun: allowedips self-test: lookup of %*phN: trie and reference (peer %d) disagree\n",
			       family_bits(family) / 8, addr, want);
			return false;
		}
	}
	return true;
}

/* Every child extends its parent; no peerless node has fewer than two children. */
static bool check_structure(struct selftest *t, struct mt_allowedips_node __rcu **root,
			    unsigned int *nodes)
{
	struct mt_allowedips_node **stack = t->stack, *node, *child;
	unsigned int depth = 0, side, i;

	node = rcu_dereference_protected(*root, lockdep_is_held(&t->lock));
	if (node)
		stack[depth++] = node;
	while (depth) {
		unsigned int children = 0;

		node = stack[--depth];
		(*nodes)++;
		for (side = 0; side < 2; side++) {
			child = rcu_dereference_protected(node->child[side],
							  lockdep_is_held(&t->lock));
			if (!child)
				continue;
			children++;
			if (child->parent != node || child->cidr <= node->cidr ||
			    ((child->key[node->cidr / 8] >> (7 - node->cidr % 8)) & 1) != side)
				return false;
			for (i = 0; i < node->cidr; i++) {
				u8 m = 0x80 >> (i % 8);

				if ((child->key[i / 8] & m) != (node->key[i / 8] & m))
					return false;
			}
			if (depth >= ARRAY_SIZE(t->stack))
				return false;
			stack[depth++] = child;
		}
		if (!rcu_access_pointer(node->peer) && children < 2)
			return false;
	}
	return true;
}

static bool check_peer_lists(struct selftest *t)
{
	unsigned int counts[NPEERS] = { 0 }, i, n;
	struct mt_allowedips_node *node;

	for (i = 0; i < t->nentries; i++)
		if (t->entries[i].peer >= 0)
			counts[t->entries[i].peer]++;
	for (i = 0; i < NPEERS; i++) {
		n = 0;
		list_for_each_entry(node, &t->peers[i].allowedips, peer_entry) {
			if (rcu_access_pointer(node->peer) != peer_ptr(t, i))
				return false;
			n++;
		}
		if (n != counts[i])
			return false;
	}
	return true;
}

static bool random_ops(struct selftest *t)
{
	unsigned int op, live = 0, nodes = 0, i;

	for (op = 0; op < NOPS; op++) {
		unsigned int what = get_random_u32() % 100;
		int family = get_random_u32() % 2 ? AF_INET : AF_INET6;
		unsigned int bits = family_bits(family);
		int peer = get_random_u32() % NPEERS;
		struct ref_entry *e;
		u8 key[16];
		u8 cidr;

		if (what < 65 && t->nentries < NENTRIES) {
			random_addr(family, key);
			cidr = get_random_u32() % (bits + 1);
			if (mt_allowedips_pool_fill(&t->pool, MT_ALLOWEDIPS_NODES_PER_INSERT))
				return false;
			mt_allowedips_insert(&t->table, family, key, cidr, peer_ptr(t, peer),
					     &t->peers[peer].allowedips, &t->pool, &t->lock);
			mask(key, bits, cidr);
			e = ref_find(t, family, key, cidr);
			if (e) {
				e->peer = peer;	/* moved */
			} else {
				e = &t->entries[t->nentries++];
				e->family = family;
				memset(e->key, 0, sizeof(e->key));
				memcpy(e->key, key, bits / 8);
				e->cidr = cidr;
				e->peer = peer;
			}
		} else if (what < 95 && t->nentries) {
			bool owner = get_random_u32() % 4;

			e = &t->entries[get_random_u32() % t->nentries];
			if (e->peer < 0)
				continue;
			peer = owner ? e->peer : (e->peer + 1) % NPEERS;
			if (mt_allowedips_remove(&t->table, e->family, e->key, e->cidr,
						 peer_ptr(t, peer), &t->lock) != owner)
				return false;
			if (owner)
				e->peer = -1;
		} else {
			mt_allowedips_remove_peer(&t->table, &t->peers[peer].allowedips, &t->lock);
			for (i = 0; i < t->nentries; i++)
				if (t->entries[i].peer == peer)
					t->entries[i].peer = -1;
		}
		if (op % 500 == 0 && !check_lookups(t, 200))
			return false;
		cond_resched();
	}
	for (i = 0; i < t->nentries; i++)
		live += t->entries[i].peer >= 0;
	if (!check_structure(t, &t->table.root4, &nodes) ||
	    !check_structure(t, &t->table.root6, &nodes) || nodes >= 2 * live + 1 ||
	    !check_peer_lists(t)) {
		pr_err("meshtun: allowedips self-test: trie structure broken (%u nodes, %u prefixes)\n",
		       nodes, live);
		return false;
	}
	return check_lookups(t, final_lookups);
}

static bool insert(struct selftest *t, int family, const void *addr, u8 cidr, int peer)
{
	if (mt_allowedips_pool_fill(&t->pool, MT_ALLOWEDIPS_NODES_PER_INSERT))
		return false;
	mt_allowedips_insert(&t->table, family, addr, cidr, peer_ptr(t, peer),
			     &t->peers[peer].allowedips, &t->pool, &t->lock);
	return true;
}

static bool expect(struct selftest *t, int family, const void *addr, int peer)
{
	struct mt_peer *got;

	rcu_read_lock_bh();
	got = mt_allowedips_lookup(&t->table, family, addr);
	rcu_read_unlock_bh();
	t->checks++;
	if (got == peer_ptr(t, peer))
		return true;
	pr_err("meshtun: allowedips self-test: %*phN should map to peer %d\n",
	       family_bits(family) / 8, addr, peer);
	return false;
}

/* Known answers: nesting, host bits, moves between peers, default routes. */
static bool known_answers(struct selftest *t)
{
	static const u8 a10[4] = { 10, 0, 0, 0 }, a10_1[4] = { 10, 1, 2, 3 };
	static const u8 any[16], host[4] = { 192, 168, 1, 77 };
	struct mt_allowedips_node *node;
	u8 addr[16];
	u8 cidr;

	if (!expect(t, AF_INET, a10, -1) ||
	    !insert(t, AF_INET, a10, 8, 0) || !insert(t, AF_INET, a10_1, 16, 1) ||
	    !expect(t, AF_INET, a10, 0) || !expect(t, AF_INET, a10_1, 1) ||
	    !expect(t, AF_INET6, any, -1) ||
	    !insert(t, AF_INET, any, 0, 2) || !expect(t, AF_INET, host, 2) ||
	    !insert(t, AF_INET, host, 24, 3))
		return false;

	/* Host bits beyond the prefix are dropped on insertion. */
	node = list_first_entry(&t->peers[3].allowedips, struct mt_allowedips_node, peer_entry);
	if (mt_allowedips_read(node, addr, &cidr) != AF_INET || cidr != 24 ||
	    memcmp(addr, "\xc0\xa8\x01\x00", 4))
		return false;

	/* Inserting an owned prefix for another peer moves it. */
	if (!insert(t, AF_INET, a10_1, 16, 4) || !list_empty(&t->peers[1].allowedips) ||
	    !expect(t, AF_INET, a10_1, 4))
		return false;

	/* Only the owner removes a prefix. */
	if (mt_allowedips_remove(&t->table, AF_INET, a10_1, 16, peer_ptr(t, 1), &t->lock) ||
	    !mt_allowedips_remove(&t->table, AF_INET, a10_1, 16, peer_ptr(t, 4), &t->lock) ||
	    !expect(t, AF_INET, a10_1, 0))
		return false;

	if (!insert(t, AF_INET6, any, 0, 5) || !expect(t, AF_INET6, any, 5))
		return false;
	mt_allowedips_remove_peer(&t->table, &t->peers[0].allowedips, &t->lock);
	if (!expect(t, AF_INET, a10_1, 2))
		return false;
	mt_allowedips_free(&t->table, &t->lock);
	return expect(t, AF_INET, host, -1) && expect(t, AF_INET6, any, -1);
}

bool mt_allowedips_selftest(void)
{
	struct selftest *t = kvzalloc(sizeof(*t), GFP_KERNEL);
	unsigned int i;
	bool ok;

	if (!t)
		return false;
	for (i = 0; i < NPEERS; i++)
		INIT_LIST_HEAD(&t->peers[i].allowedips);
	mutex_init(&t->lock);
	mt_allowedips_init(&t->table);
	mt_allowedips_pool_init(&t->pool);

	mutex_lock(&t->lock);
	ok = known_answers(t);
	for (i = 0; ok && i < 3; i++) {
		t->nentries = 0;
		ok = random_ops(t);
		mt_allowedips_free(&t->table, &t->lock);
	}
	mt_allowedips_free(&t->table, &t->lock);
	mutex_unlock(&t->lock);

	mt_allowedips_pool_drain(&t->pool);
	if (ok)
		pr_info("meshtun: allowedips self-test: %u lookups agree with the reference\n",
			t->checks);
	else
		pr_err("meshtun: allowedips self-test: FAILED\n");
	mutex_destroy(&t->lock);
	kvfree(t);
	return ok;
}
