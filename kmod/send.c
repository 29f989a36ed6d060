// SPDX-License-Identifier: GPL-2.0
/*
 * send.c - from ndo_start_xmit to UDP.
 *
 * A packet's peer is the owner of its destination in the allowed-IPs
 * trie. GSO packets are segmented first (each segment is its own
 * message). Packets wait in the peer's staging queue (bounded; the
 * oldest is dropped first) until a session exists; then each gets the
 * next counter of the current session, in order, and goes to the
 * encryption workers; the peer's ordered queue sends them in counter
 * order as they finish. Nothing here sleeps: handshake initiations,
 * which need Curve25519, are made by a work item.
 */
#include "send.h"
#include "clock.h"
#include "compat.h"
#include "mesh.h"
#include "noise.h"
#include "peer.h"
#include "race.h"
#include "socket.h"
#include "timers.h"

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/ip_tunnels.h>

/* DS field of handshake messages: AF41, as WireGuard uses. */
#define MT_HANDSHAKE_DS 0x88

static void send_unreachable(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else if (skb->protocol == htons(ETH_P_IPV6))
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
}

static void drop_tx(struct mt_device *mt, struct sk_buff *skb, enum mt_drop_reason reason)
{
	mt_device_count(mt, reason);
	kfree_skb(skb);
}

void mt_send_purge_staged(struct mt_peer *peer, enum mt_drop_reason reason)
{
	struct sk_buff_head purged;
	struct sk_buff *skb;

	__skb_queue_head_init(&purged);
	spin_lock_bh(&peer->staged_packets.lock);
	skb_queue_splice_init(&peer->staged_packets, &purged);
	spin_unlock_bh(&peer->staged_packets.lock);
	while ((skb = __skb_dequeue(&purged)))
		drop_tx(peer->device, skb, reason);
}

static void stage(struct mt_peer *peer, struct sk_buff *skb)
{
	struct sk_buff *old;

	spin_lock_bh(&peer->staged_packets.lock);
	/* Removed: its last purge may be over (the lock orders us after it, or it after us). */
	if (unlikely(READ_ONCE(peer->is_dead))) {
		spin_unlock_bh(&peer->staged_packets.lock);
		drop_tx(peer->device, skb, MT_DROP_TX_NO_PEER);
		return;
	}
	while (skb_queue_len(&peer->staged_packets) >= MT_MAX_STAGED_PACKETS) {
		old = __skb_dequeue(&peer->staged_packets);
		drop_tx(peer->device, old, MT_DROP_TX_STAGED_OVERFLOW);
	}
	__skb_queue_tail(&peer->staged_packets, skb);
	spin_unlock_bh(&peer->staged_packets.lock);
}

/*
 * An IP packet of the version its protocol says. Anything else (a raw
 * packet socket can send any bytes) must not be taken for a mesh message
 * by the peer, whose receive path tells the two apart by that nibble.
 */
static bool ip_version_matches(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->version == 4;
	if (skb->protocol == htons(ETH_P_IPV6))
		return ipv6_hdr(skb)->version == 6;
	return false;
}

netdev_tx_t mt_send_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct mt_device *mt = netdev_priv(dev);
	struct sk_buff *segs, *next;
	struct mt_peer *peer;
	unsigned int mtu;

	if (unlikely(!pskb_network_may_pull(skb, skb->protocol == htons(ETH_P_IPV6) ?
					    sizeof(struct ipv6hdr) : sizeof(struct iphdr)) ||
		     !ip_version_matches(skb))) {
		DEV_STATS_INC(dev, tx_errors);
		drop_tx(mt, skb, MT_DROP_TX_NO_PEER);
		return NETDEV_TX_OK;
	}

	rcu_read_lock_bh();
	peer = mt_allowedips_lookup_dst(&mt->allowedips, skb);
	if (unlikely(!peer || READ_ONCE(peer->is_dead))) {
		send_unreachable(skb);
		DEV_STATS_INC(dev, tx_errors);
		drop_tx(mt, skb, MT_DROP_TX_NO_PEER);
		goto out;
	}
	/* Without an endpoint, a hub may still know the way. */
	if (unlikely(!READ_ONCE(peer->endpoint.addr.sa_family) && !mt_mesh_reachable(peer))) {
		send_unreachable(skb);
		DEV_STATS_INC(dev, tx_errors);
		drop_tx(mt, skb, MT_DROP_TX_NO_ENDPOINT);
		goto out;
	}

	mtu = skb_valid_dst(skb) ? dst_mtu(skb_dst(skb)) : dev->mtu;
	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			DEV_STATS_INC(dev, tx_errors);
			drop_tx(mt, skb, MT_DROP_TX_ENCRYPT);
			goto out;
		}
		consume_skb(skb);
		skb = segs;
	}
	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		/* Encryption covers the checksum: it must be final before. */
		if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
			DEV_STATS_INC(dev, tx_errors);
			drop_tx(mt, skb, MT_DROP_TX_ENCRYPT);
			continue;
		}
		/* Encrypted, it must fit one datagram (a locked route MTU may be larger). */
		if (unlikely(skb->len > MT_MAX_MTU)) {
			DEV_STATS_INC(dev, tx_errors);
			drop_tx(mt, skb, MT_DROP_TX_ENCRYPT);
			continue;
		}
		MT_SKB_CB(skb)->ds = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);
		MT_SKB_CB(skb)->mtu = min_t(unsigned int, mtu, MT_MAX_MTU);
		MT_SKB_CB(skb)->plain_len = skb->len;
		MT_SKB_CB(skb)->route = MT_ROUTE_AUTO;
		MT_SKB_CB(skb)->control = false;
		skb_dst_drop(skb);
		stage(peer, skb);
	}
	mt_send_staged(peer);
out:
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;
}

/* Pad, add the header, encrypt in place. */
static bool encrypt_packet(struct sk_buff *skb, struct mt_keypair *keypair)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	unsigned int plain_len = skb->len, mtu = MT_SKB_CB(skb)->mtu;
	unsigned int padding = 0, trailer_len;
	struct mt_message_data *hdr;
	struct sk_buff *trailer;
	int nsg;

	if (plain_len < mtu)
		padding = min_t(unsigned int, mtu,
				ALIGN(plain_len, MT_MESSAGE_PADDING_MULTIPLE)) - plain_len;
	trailer_len = padding + MT_AUTHTAG_LEN;

	nsg = skb_cow_data(skb, trailer_len, &trailer);
	/* A message in more pieces than the scatterlist holds (a large relayed one): one piece. */
	if (unlikely(nsg > (int)ARRAY_SIZE(sg))) {
		if (mt_linearize(skb))
			return false;
		nsg = skb_cow_data(skb, trailer_len, &trailer);
	}
	if (unlikely(nsg < 0 || nsg > ARRAY_SIZE(sg)))
		return false;
	memset(pskb_put(skb, trailer, trailer_len), 0, padding);
	if (unlikely(skb_cow_head(skb, MT_DATA_HEADER_LEN + sizeof(struct ipv6hdr) +
				  sizeof(struct udphdr) + LL_MAX_HEADER)))
		return false;
	hdr = skb_push(skb, sizeof(*hdr));
	hdr->header.type = cpu_to_le32(MT_MESSAGE_DATA);
	hdr->key_idx = keypair->remote_index;
	hdr->counter = cpu_to_le64(MT_SKB_CB(skb)->nonce);

	sg_init_table(sg, nsg);
	if (skb_to_sgvec(skb, sg, sizeof(*hdr), plain_len + trailer_len) <= 0)
		return false;
	return chacha20poly1305_encrypt_sg_inplace(sg, plain_len + padding, NULL, 0,
						   MT_SKB_CB(skb)->nonce, keypair->send_key);
}

/* Move an encrypted message to where the mesh says it goes; consumes skb. */
static int transmit(struct mt_peer *peer, struct sk_buff *skb, u8 ds, enum mt_route route)
{
	unsigned int len = skb->len;
	struct mt_path path;
	int ret;

	mt_mesh_path(peer, skb, route, &path);
	switch (path.kind) {
	case MT_PATH_ENDPOINT:
		/* The socket counts it on the peer. */
		ret = mt_socket_send_skb_to_peer(peer, skb, ds);
		break;
	case MT_PATH_CANDIDATE:
		ret = mt_socket_send_skb_to(peer->device, skb, &path.candidate, ds);
		break;
	case MT_PATH_HUB:
		ret = mt_mesh_wrap_relay(peer, path.hub, skb);
		if (ret)
			drop_tx(peer->device, skb, MT_DROP_TX_NO_RELAY);
		else
			mt_send_plaintext(path.hub, skb, ds, MT_ROUTE_DIRECT);
		break;
	case MT_PATH_NONE:
	default:
		drop_tx(peer->device, skb, path.drop);
		ret = path.err;
		break;
	}
	if (!ret && path.kind != MT_PATH_ENDPOINT) {
		atomic64_add(len, &peer->tx_bytes);
		atomic64_inc(&peer->tx_packets);
	}
	mt_mesh_path_done(peer, &path, !ret);
	return ret;
}

static void tx_deliver(struct sk_buff *skb, void *ctx)
{
	struct mt_peer *peer = ctx;
	struct mt_device *mt = peer->device;
	struct mt_keypair *keypair = MT_SKB_CB(skb)->keypair;
	unsigned int plain_len = MT_SKB_CB(skb)->plain_len;

	if (atomic_read(&MT_SKB_CB(skb)->state) != MT_PACKET_CRYPTED) {
		DEV_STATS_INC(mt->dev, tx_dropped);
		kfree_skb(skb);
		goto out;
	}
	mt_timers_any_authenticated_packet_traversal(peer);
	mt_timers_any_authenticated_packet_sent(peer);
	if (plain_len && !MT_SKB_CB(skb)->control)
		mt_timers_data_sent(peer);
	skb->ip_summed = CHECKSUM_NONE;
	/* The UDP tunnel's transmit counts the packet on the device. */
	if (transmit(peer, skb, MT_SKB_CB(skb)->ds, MT_SKB_CB(skb)->route))
		DEV_STATS_INC(mt->dev, tx_errors);
out:
	mt_keypair_put(keypair, false);
}

void mt_send_encrypt_worker(struct work_struct *work)
{
	struct mt_crypt_queue *queue = mt_crypt_worker_queue(work);
	struct mt_keypair *keypair;
	struct mt_peer *peer;
	struct sk_buff *skb;
	int state;

	while ((skb = mt_crypt_queue_pop(queue))) {
		keypair = MT_SKB_CB(skb)->keypair;
		peer = mt_peer_get(keypair->entry.peer);
		mt_race_window("encrypt-packet", peer->device->dev);
		if (likely(encrypt_packet(skb, keypair))) {
			state = MT_PACKET_CRYPTED;
		} else {
			state = MT_PACKET_DEAD;
			mt_device_count(peer->device, MT_DROP_TX_ENCRYPT);
		}
		atomic_set_release(&MT_SKB_CB(skb)->state, state);
		mt_ordered_queue_drain(&peer->tx_queue, tx_deliver, peer);
		mt_peer_put(peer);
		cond_resched();
	}
}

/* Not an IP packet nor a keepalive: one of mesh.c's messages (messages.h). */
static bool is_mesh_message(struct sk_buff *skb)
{
	return skb->len && mt_message_is_mesh(skb->data[0]);
}

void mt_send_staged(struct mt_peer *peer)
{
	struct mt_device *mt = peer->device;
	struct mt_keypair *keypair;
	struct sk_buff_head batch;
	struct sk_buff *skb, *tmp;
	bool dead = false, exhausted = false;
	u64 nonce;

	rcu_read_lock_bh();
	keypair = mt_keypair_get(rcu_dereference_bh(peer->keypairs.current_keypair));
	rcu_read_unlock_bh();
	if (unlikely(!mt_keypair_can_send(keypair)))
		goto handshake;

	__skb_queue_head_init(&batch);
	spin_lock_bh(&peer->send_lock);
	spin_lock(&peer->staged_packets.lock);
	skb_queue_splice_init(&peer->staged_packets, &batch);
	spin_unlock(&peer->staged_packets.lock);

	skb_queue_walk_safe(&batch, skb, tmp) {
		/* A mesh message staged before the handshake said the peer speaks none. */
		if (unlikely(is_mesh_message(skb) &&
			     READ_ONCE(peer->mesh.speaks) != MESHTUN_PEER_MESH_YES)) {
			__skb_unlink(skb, &batch);
			mt_device_count(mt, MT_DROP_TX_MESH_UNSPOKEN);
			kfree_skb(skb);
			continue;
		}
		/* Bounded per peer as on receive; dropped before it takes a nonce. */
		if (unlikely(skb_queue_len_lockless(&peer->tx_queue.list) >=
			     MT_MAX_QUEUED_PACKETS)) {
			__skb_unlink(skb, &batch);
			mt_device_count(mt, MT_DROP_TX_QUEUE_FULL);
			kfree_skb(skb);
			continue;
		}
		nonce = atomic64_inc_return(&keypair->send_counter) - 1;
		if (unlikely(nonce >= MT_REJECT_AFTER_MESSAGES)) {
			WRITE_ONCE(keypair->sending_valid, false);
			exhausted = true;
			break;
		}
		__skb_unlink(skb, &batch);
		kref_get(&keypair->refcount);
		MT_SKB_CB(skb)->keypair = keypair;
		MT_SKB_CB(skb)->nonce = nonce;
		atomic_set(&MT_SKB_CB(skb)->state, MT_PACKET_UNCRYPTED);
		skb_queue_tail(&peer->tx_queue.list, skb);
		if (unlikely(!mt_crypt_queue_push(&mt->encrypt_queue, skb))) {
			mt_device_count(mt, MT_DROP_TX_QUEUE_FULL);
			atomic_set_release(&MT_SKB_CB(skb)->state, MT_PACKET_DEAD);
			dead = true;
		}
	}
	if (unlikely(!skb_queue_empty(&batch))) {
		spin_lock(&peer->staged_packets.lock);
		skb_queue_splice(&batch, &peer->staged_packets);
		spin_unlock(&peer->staged_packets.lock);
	}
	spin_unlock_bh(&peer->send_lock);

	if (unlikely(dead)) {
		local_bh_disable();
		mt_ordered_queue_drain(&peer->tx_queue, tx_deliver, peer);
		local_bh_enable();
	}
	/* The initiator renews a session before it gets old or worn. */
	if (unlikely(exhausted ||
		     (keypair->i_am_initiator &&
		      (atomic64_read(&keypair->send_counter) > MT_REKEY_AFTER_MESSAGES ||
		       mt_birthdate_expired(keypair->birthdate, MT_REKEY_AFTER_TIME)))))
		mt_send_handshake_initiation(peer, false);
	mt_keypair_put(keypair, false);
	return;

handshake:
	mt_keypair_put(keypair, false);
	mt_send_handshake_initiation(peer, false);
}

void mt_send_keepalive(struct mt_peer *peer)
{
	struct net_device *dev = peer->device->dev;
	struct sk_buff *skb;

	if (skb_queue_empty(&peer->staged_packets)) {
		skb = alloc_skb(dev->needed_headroom + dev->needed_tailroom + LL_MAX_HEADER,
				GFP_ATOMIC);
		if (unlikely(!skb))
			return;
		skb_reserve(skb, dev->needed_headroom + LL_MAX_HEADER);
		skb->dev = dev;
		MT_SKB_CB(skb)->mtu = dev->mtu;
		MT_SKB_CB(skb)->plain_len = 0;
		MT_SKB_CB(skb)->ds = 0;
		MT_SKB_CB(skb)->route = MT_ROUTE_AUTO;
		MT_SKB_CB(skb)->control = false;
		stage(peer, skb);
	}
	mt_send_staged(peer);
}

void mt_send_plaintext(struct mt_peer *peer, struct sk_buff *skb, u8 ds, enum mt_route route)
{
	/*
	 * Encrypted, it must fit one datagram, over IPv4 too (a hub may pass
	 * on what came over IPv6): padding stops there as well.
	 */
	if (unlikely(skb->len > MT_MAX_MTU)) {
		drop_tx(peer->device, skb, MT_DROP_TX_ENCRYPT);
		return;
	}
	/* It may have come from the network: nothing of its past stays. */
	skb_scrub_packet(skb, true);
	skb->dev = peer->device->dev;
	skb->ip_summed = CHECKSUM_NONE;
	MT_SKB_CB(skb)->mtu = MT_MAX_MTU;
	MT_SKB_CB(skb)->plain_len = skb->len;
	MT_SKB_CB(skb)->ds = ds;
	MT_SKB_CB(skb)->route = route;
	MT_SKB_CB(skb)->control = !mt_mesh_carries_data(skb->data[0]);
	stage(peer, skb);
	mt_send_staged(peer);
}

/* A handshake message, straight or through a hub. */
static void send_handshake_message(struct mt_peer *peer, const void *msg, size_t len)
{
	struct sk_buff *skb = mt_socket_buffer_skb(msg, len);

	if (likely(skb)) {
		skb->dev = peer->device->dev;
		transmit(peer, skb, MT_HANDSHAKE_DS, MT_ROUTE_AUTO);
	}
}

static bool handshake_due(struct mt_peer *peer)
{
	return time_after_eq64(get_jiffies_64(),
			       READ_ONCE(peer->last_sent_handshake) + MT_REKEY_TIMEOUT * HZ);
}

void mt_send_handshake_initiation(struct mt_peer *peer, bool is_retry)
{
	if (!is_retry)
		WRITE_ONCE(peer->timer_handshake_attempts, 0);
	rcu_read_lock_bh();
	/* Not for a device that is down: ndo_stop cancels the work once, under RCU's eye. */
	if (handshake_due(peer) && !READ_ONCE(peer->is_dead) &&
	    netif_running(peer->device->dev)) {
		mt_peer_get(peer);
		if (!queue_work(peer->device->handshake_wq, &peer->handshake_tx_work))
			mt_peer_put(peer);
	}
	rcu_read_unlock_bh();
}

void mt_send_handshake_worker(struct work_struct *work)
{
	struct mt_peer *peer = container_of(work, struct mt_peer, handshake_tx_work);
	struct mt_message_handshake_initiation msg;

	/*
	 * Queued before the device went down (ndo_stop has cleared what it
	 * would start), or before the machine began to sleep (not due yet at
	 * the wake, or it would wait for this one's timeout).
	 */
	if (!handshake_due(peer) || READ_ONCE(peer->is_dead) ||
	    !netif_running(peer->device->dev) || mt_device_sleeping())
		goto out;
	WRITE_ONCE(peer->last_sent_handshake, get_jiffies_64());
	if (!mt_noise_create_initiation(&msg, &peer->handshake))
		goto out;
	mt_cookie_add_macs(&msg, sizeof(msg), peer);
	mt_timers_any_authenticated_packet_traversal(peer);
	mt_timers_any_authenticated_packet_sent(peer);
	send_handshake_message(peer, &msg, sizeof(msg));
	WRITE_ONCE(peer->mesh.initiations_sent, peer->mesh.initiations_sent + 1);
	mt_timers_handshake_initiated(peer);
out:
	memzero_explicit(&msg, sizeof(msg));
	mt_peer_put(peer);
}

void mt_send_handshake_response(struct mt_peer *peer)
{
	struct mt_message_handshake_response msg;

	if (!mt_noise_create_response(&msg, &peer->handshake))
		return;
	mt_cookie_add_macs(&msg, sizeof(msg), peer);
	if (!mt_noise_begin_session(&peer->handshake, &peer->keypairs))
		return;
	mt_timers_session_derived(peer);
	mt_timers_any_authenticated_packet_traversal(peer);
	mt_timers_any_authenticated_packet_sent(peer);
	WRITE_ONCE(peer->last_sent_handshake, get_jiffies_64());
	send_handshake_message(peer, &msg, sizeof(msg));
}

void mt_send_cookie_reply(struct mt_device *mt, struct sk_buff *skb, __le32 sender_index)
{
	struct mt_message_handshake_cookie msg;

	mt_cookie_create_reply(&msg, skb, sender_index, &mt->cookie_checker);
	mt_socket_send_reply(mt, skb, &msg, sizeof(msg));
}
