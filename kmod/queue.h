/* SPDX-License-Identifier: GPL-2.0 */
/*
 * queue.h - parallel work with per-peer order.
 *
 * A crypt queue is a bounded ring shared by a device's workers, one per
 * CPU: whichever CPU is free takes the next packet, so encryption and
 * decryption use every CPU. Each packet is also on its peer's ordered
 * queue, in the order it must leave; when a worker finishes a packet it
 * drains the head of that ordered queue, so packets of one peer leave
 * in order however the workers interleave.
 *
 *   mt_crypt_queue_init()    a ring of n entries and a worker per CPU
 *   mt_crypt_queue_free()    free it (its workqueue already drained; a
 *                            crypt ring must be empty, a handshake ring
 *                            is purged)
 *   mt_crypt_queue_push()    add a packet and wake a worker; false if full
 *   mt_crypt_queue_pop()     a worker's next packet, or NULL
 *   mt_crypt_queue_cancel()  wait for the workers that run, unqueue the
 *                            others: never waits for work not yet begun
 *                            (a freezable workqueue's may wait for a thaw)
 *   mt_ordered_queue_init()  an empty ordered queue
 *   mt_ordered_queue_drain() hand finished packets at the head, in order,
 *                            to a delivery function; one drainer at a time
 *   MT_SKB_CB()              per-packet state: session, counter, progress
 */
#ifndef MT_QUEUE_H
#define MT_QUEUE_H

#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>

struct mt_keypair;

enum mt_packet_state {
	MT_PACKET_UNCRYPTED,
	MT_PACKET_CRYPTED,
	MT_PACKET_DEAD,
};

/* Where a message goes (mesh.h): as the mesh decides, or straight to an address. */
enum mt_route {
	MT_ROUTE_AUTO,		/* straight to the endpoint, or through a hub */
	MT_ROUTE_DIRECT,	/* straight to the endpoint */
	MT_ROUTE_CANDIDATE,	/* straight to the address a hub gave (a punch) */
};

struct mt_skb_cb {
	struct mt_keypair *keypair;	/* referenced while in flight */
	u64 nonce;
	atomic_t state;
	u32 plain_len;			/* inner length, 0 for a keepalive */
	u16 mtu;			/* pad to at most this */
	u8 ds;				/* outer DS field */
	u8 route;			/* enum mt_route, when sent */
	bool control;			/* the mesh's own message: no data for the timers */
	/*
	 * Received through a hub: the hub's serial (the hub may be removed
	 * while the packet waits: never a pointer) and, for handshake
	 * messages, the serial of the peer the hub says sent it. 0: straight.
	 */
	u64 relay_hub;
	u64 relayed_from;
};

#define MT_SKB_CB(skb) ((struct mt_skb_cb *)(skb)->cb)
static_assert(sizeof(struct mt_skb_cb) <= sizeof_field(struct sk_buff, cb));

/*
 * Make a packet in the crypt workers one piece (a datagram in more pieces
 * than a scatterlist holds). The room is made first, without a warning
 * when memory is short (the packet is then dropped and counted), and
 * without sleeping: the crypt workqueue is one memory reclaim may wait
 * on (swap over the tunnel), so its workers must not wait on reclaim.
 * Nor from the reserves kept for atomic contexts (GFP_NOWAIT, not
 * GFP_ATOMIC): on receive this comes before the tag is checked, and
 * anyone who saw a receiver index on the wire may send such datagrams.
 */
static inline int mt_linearize(struct sk_buff *skb)
{
	if ((skb_cloned(skb) || skb_tailroom(skb) < skb->data_len) &&
	    pskb_expand_head(skb, 0, skb->data_len, GFP_NOWAIT | __GFP_NOWARN))
		return -ENOMEM;
	return __skb_linearize(skb);
}

struct mt_crypt_worker {
	struct work_struct work;
	struct mt_crypt_queue *queue;
};

struct mt_crypt_queue {
	struct ptr_ring ring;
	struct mt_crypt_worker __percpu *workers;
	struct workqueue_struct *wq;
	int last_cpu;
};

struct mt_ordered_queue {
	struct sk_buff_head list;
	unsigned long draining;
};

int mt_crypt_queue_init(struct mt_crypt_queue *queue, struct workqueue_struct *wq,
			work_func_t fn, unsigned int len);
void mt_crypt_queue_free(struct mt_crypt_queue *queue, bool purge);
bool mt_crypt_queue_push(struct mt_crypt_queue *queue, struct sk_buff *skb);
struct sk_buff *mt_crypt_queue_pop(struct mt_crypt_queue *queue);
void mt_crypt_queue_cancel(struct mt_crypt_queue *queue);

void mt_ordered_queue_init(struct mt_ordered_queue *queue);
void mt_ordered_queue_drain(struct mt_ordered_queue *queue,
			    void (*deliver)(struct sk_buff *skb, void *ctx), void *ctx);

static inline struct mt_crypt_queue *mt_crypt_worker_queue(struct work_struct *work)
{
	return container_of(work, struct mt_crypt_worker, work)->queue;
}

#endif /* MT_QUEUE_H */
