// SPDX-License-Identifier: GPL-2.0
/*
 * queue.c - the device-wide crypt rings and the per-peer ordered queues.
 */
#include "queue.h"

#include <linux/cpumask.h>

int mt_crypt_queue_init(struct mt_crypt_queue *queue, struct workqueue_struct *wq,
			work_func_t fn, unsigned int len)
{
	int cpu, ret;

	memset(queue, 0, sizeof(*queue));
	/* Charged to whoever creates the device, as the device itself is. */
	ret = ptr_ring_init(&queue->ring, len, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	queue->workers = alloc_percpu_gfp(struct mt_crypt_worker, GFP_KERNEL_ACCOUNT);
	if (!queue->workers) {
		ptr_ring_cleanup(&queue->ring, NULL);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct mt_crypt_worker *w = per_cpu_ptr(queue->workers, cpu);

		INIT_WORK(&w->work, fn);
		w->queue = queue;
	}
	queue->wq = wq;
	queue->last_cpu = -1;
	return 0;
}

static void free_skb(void *ptr)
{
	kfree_skb(ptr);
}

void mt_crypt_queue_free(struct mt_crypt_queue *queue, bool purge)
{
	if (!queue->workers)
		return;
	/*
	 * The workqueue was destroyed, so drained: a crypt ring is empty (its
	 * workers run until it is, and nothing feeds it any more), and must
	 * be, for its packets are in their peers' ordered queues too. What is
	 * left in the handshake ring was never started.
	 */
	WARN_ON(!purge && !__ptr_ring_empty(&queue->ring));
	ptr_ring_cleanup(&queue->ring, purge ? free_skb : NULL);
	free_percpu(queue->workers);
	queue->workers = NULL;
}

void mt_crypt_queue_cancel(struct mt_crypt_queue *queue)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(queue->workers, cpu)->work);
}

/* Round-robin over the online CPUs, so a burst spreads over all of them. */
static int next_cpu(struct mt_crypt_queue *queue)
{
	int cpu = READ_ONCE(queue->last_cpu);

	cpu = cpumask_next(cpu, cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(queue->last_cpu, cpu);
	return cpu;
}

bool mt_crypt_queue_push(struct mt_crypt_queue *queue, struct sk_buff *skb)
{
	/*
	 * A lone packet is done soonest by this CPU's worker: moving it to
	 * another CPU only adds a wake-up. Only a backlog is spread out.
	 */
	bool lone = __ptr_ring_empty(&queue->ring);
	int cpu;

	if (ptr_ring_produce_bh(&queue->ring, skb))
		return false;
	cpu = lone ? raw_smp_processor_id() : next_cpu(queue);
	queue_work_on(cpu, queue->wq, &per_cpu_ptr(queue->workers, cpu)->work);
	return true;
}

struct sk_buff *mt_crypt_queue_pop(struct mt_crypt_queue *queue)
{
	return ptr_ring_consume_bh(&queue->ring);
}

void mt_ordered_queue_init(struct mt_ordered_queue *queue)
{
	skb_queue_head_init(&queue->list);
	queue->draining = 0;
}

static struct sk_buff *ready_head(struct mt_ordered_queue *queue, bool unlink)
{
	struct sk_buff *skb;

	spin_lock_bh(&queue->list.lock);
	skb = skb_peek(&queue->list);
	if (skb && atomic_read_acquire(&MT_SKB_CB(skb)->state) == MT_PACKET_UNCRYPTED)
		skb = NULL;
	if (skb && unlink)
		__skb_unlink(skb, &queue->list);
	spin_unlock_bh(&queue->list.lock);
	return skb;
}

/*
 * A worker that finished a packet calls this. Only one drainer runs; one
 * that finds another at work leaves, and the other, before it stops,
 * looks once more at the head after letting go, so no finished packet is
 * left behind.
 */
void mt_ordered_queue_drain(struct mt_ordered_queue *queue,
			    void (*deliver)(struct sk_buff *skb, void *ctx), void *ctx)
{
	struct sk_buff *skb;

	do {
		/*
		 * Our caller just marked its packet finished; the drainer,
		 * before it stops, clears its bit and then looks at the head.
		 * Each side stores, then loads what the other stored: both
		 * need a full barrier in between, or each may miss the
		 * other's store and the packet stays queued with nobody to
		 * drain it. test_and_set_bit_lock() gives none when it finds
		 * the bit set (the generic one reads it first), so here is
		 * ours; the drainer's is below.
		 */
		smp_mb(); /* pairs with the drainer's, below */
		if (test_and_set_bit_lock(0, &queue->draining))
			return;
		while ((skb = ready_head(queue, true)))
			deliver(skb, ctx);
		clear_bit_unlock(0, &queue->draining);
		smp_mb__after_atomic(); /* clear, then look: pairs with the one above */
	} while (ready_head(queue, false));
}
