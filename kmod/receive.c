// SPDX-License-Identifier: GPL-2.0
/*
 * receive.c - from the UDP socket to the stack.
 *
 * Nothing from the network is trusted before it authenticates: the
 * message type and length are checked before anything else is read, a
 * handshake message's MAC1 before any Curve25519 work, a data message's
 * counter only after its Poly1305 tag verified. Every drop is counted by
 * its reason. An authenticated inner packet is accepted only if its
 * source address belongs to the peer that sent it.
 */
#include "receive.h"
#include "clock.h"
#include "device.h"
#include "mesh.h"
#include "noise.h"
#include "peer.h"
#include "race.h"
#include "ratelimit.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/scatterlist.h>
#include <linux/udp.h>
#include <net/ip_tunnels.h>

static void drop_rx(struct mt_device *mt, struct sk_buff *skb, enum mt_drop_reason reason)
{
	mt_device_count(mt, reason);
	kfree_skb(skb);
}

static void rx_deliver(struct sk_buff *skb, void *ctx);

/*
 * A data message, to the decryption workers. Through a hub (hub not NULL),
 * its session must be one of FROM's, the peer the hub says sent it.
 */
static u8 outer_dsfield(struct sk_buff *skb)
{
	if (ip_hdr(skb)->version == 4)
		return ip_hdr(skb)->tos;
	return ipv6_get_dsfield(ipv6_hdr(skb));
}

static void receive_data(struct mt_device *mt, struct sk_buff *skb, struct mt_peer *from,
			 struct mt_peer *hub)
{
	struct mt_message_data *hdr = (struct mt_message_data *)skb->data;
	struct mt_index_entry *entry;
	struct mt_keypair *keypair = NULL;
	struct mt_peer *peer;

	rcu_read_lock_bh();
	entry = mt_index_lookup_rcu(&mt->index_table, MT_INDEX_KEYPAIR, hdr->key_idx);
	if (entry)
		keypair = mt_keypair_get(container_of(entry, struct mt_keypair, entry));
	rcu_read_unlock_bh();
	if (unlikely(!keypair || !READ_ONCE(keypair->receiving_valid) ||
		     mt_birthdate_expired(keypair->birthdate, MT_REJECT_AFTER_TIME) ||
		     READ_ONCE(keypair->replay.counter) >= MT_REJECT_AFTER_MESSAGES)) {
		if (keypair)
			mt_keypair_put(keypair, false);
		drop_rx(mt, skb, MT_DROP_RX_NO_SESSION);
		return;
	}
	peer = keypair->entry.peer;
	if (unlikely(hub && peer != from)) {
		mt_keypair_put(keypair, false);
		drop_rx(mt, skb, MT_DROP_RX_MESH_REFUSED);
		return;
	}
	MT_SKB_CB(skb)->relay_hub = hub ? hub->serial : 0;
	/* The outer ECN field, for decapsulation (through a hub there is none of ours). */
	MT_SKB_CB(skb)->ds = hub ? 0 : outer_dsfield(skb);
	MT_SKB_CB(skb)->keypair = keypair;
	MT_SKB_CB(skb)->nonce = le64_to_cpu(hdr->counter);
	atomic_set(&MT_SKB_CB(skb)->state, MT_PACKET_UNCRYPTED);
	/*
	 * A packet stays on the peer's queue until those ahead of it are
	 * decrypted: bounded per peer, or one slow packet at the head (a
	 * peer's big, fragmented datagram) lets its peer pin memory without
	 * end behind it. Checked unlocked, as WireGuard does: CPUs racing
	 * here overshoot by a packet each at most.
	 */
	if (unlikely(skb_queue_len_lockless(&peer->rx_queue.list) >= MT_MAX_QUEUED_PACKETS)) {
		mt_keypair_put(keypair, false);
		drop_rx(mt, skb, MT_DROP_RX_QUEUE_FULL);
		return;
	}
	skb_queue_tail(&peer->rx_queue.list, skb);
	if (unlikely(!mt_crypt_queue_push(&mt->decrypt_queue, skb))) {
		mt_device_count(mt, MT_DROP_RX_QUEUE_FULL);
		mt_peer_get(peer);
		atomic_set_release(&MT_SKB_CB(skb)->state, MT_PACKET_DEAD);
		mt_ordered_queue_drain(&peer->rx_queue, rx_deliver, peer);
		mt_peer_put(peer);
	}
}

/* A handshake message (linear), to the handshake workers. */
static void receive_handshake(struct mt_device *mt, struct sk_buff *skb, struct mt_peer *from,
			      struct mt_peer *hub)
{
	MT_SKB_CB(skb)->relay_hub = hub ? hub->serial : 0;
	MT_SKB_CB(skb)->relayed_from = hub ? from->serial : 0;
	if (atomic_inc_return(&mt->handshake_queue_len) > MT_MAX_QUEUED_INCOMING_HANDSHAKES ||
	    !mt_crypt_queue_push(&mt->handshake_queue, skb)) {
		atomic_dec(&mt->handshake_queue_len);
		drop_rx(mt, skb, MT_DROP_RX_QUEUE_FULL);
	}
}

int mt_receive_encap(struct sock *sk, struct sk_buff *skb)
{
	struct mt_device *mt = rcu_dereference_sk_user_data(sk);
	unsigned int offset;
	__le32 type;

	if (unlikely(!mt)) {
		kfree_skb(skb);
		return 0;
	}
	/* It may come from a list (UDP GRO, some drivers): it is on its own now. */
	skb_mark_not_on_list(skb);
	/* Past the UDP header; the outer IP and UDP headers stay readable. */
	offset = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (unlikely(skb->len < offset + sizeof(type) ||
		     !pskb_may_pull(skb, offset + sizeof(type)))) {
		drop_rx(mt, skb, MT_DROP_RX_BAD_LENGTH);
		return 0;
	}
	__skb_pull(skb, offset);
	type = ((struct mt_message_header *)skb->data)->type;

	if (type != cpu_to_le32(MT_MESSAGE_HANDSHAKE_INITIATION) &&
	    type != cpu_to_le32(MT_MESSAGE_HANDSHAKE_RESPONSE) &&
	    type != cpu_to_le32(MT_MESSAGE_HANDSHAKE_COOKIE) &&
	    type != cpu_to_le32(MT_MESSAGE_DATA)) {
		drop_rx(mt, skb, MT_DROP_RX_BAD_TYPE);
		return 0;
	}
	if (!mt_message_length_ok(le32_to_cpu(type), skb->len)) {
		drop_rx(mt, skb, MT_DROP_RX_BAD_LENGTH);
		return 0;
	}
	if (type == cpu_to_le32(MT_MESSAGE_DATA)) {
		if (unlikely(!pskb_may_pull(skb, sizeof(struct mt_message_data)))) {
			drop_rx(mt, skb, MT_DROP_RX_BAD_LENGTH);
			return 0;
		}
		receive_data(mt, skb, NULL, NULL);
		return 0;
	}
	/* Handshake messages are small: make them linear once, here. */
	if (unlikely(skb_linearize(skb))) {
		drop_rx(mt, skb, MT_DROP_RX_BAD_LENGTH);
		return 0;
	}
	receive_handshake(mt, skb, NULL, NULL);
	return 0;
}

/* A WireGuard message from FROM that HUB brought in a RELAYED. */
static void receive_relayed(struct mt_device *mt, struct sk_buff *skb, struct mt_peer *from,
			    struct mt_peer *hub)
{
	u32 type;

	/* The hub checked it; we do again, trusting the hub no more than the network. */
	if (unlikely(!pskb_may_pull(skb, sizeof(struct mt_message_header))))
		goto malformed;
	type = le32_to_cpu(((struct mt_message_header *)skb->data)->type);
	if (!mt_message_length_ok(type, skb->len) || type == MT_MESSAGE_HANDSHAKE_COOKIE)
		goto malformed;
	if (type == MT_MESSAGE_DATA) {
		if (unlikely(!pskb_may_pull(skb, sizeof(struct mt_message_data))))
			goto malformed;
		receive_data(mt, skb, from, hub);
		return;
	}
	if (unlikely(skb_linearize(skb)))
		goto malformed;
	receive_handshake(mt, skb, from, hub);
	return;
malformed:
	drop_rx(mt, skb, MT_DROP_RX_MESH_MALFORMED);
}

static bool device_under_load(struct mt_device *mt)
{
	u64 now = get_jiffies_64();

	if (atomic_read(&mt->handshake_queue_len) >= MT_UNDER_LOAD_QUEUE_LEN) {
		WRITE_ONCE(mt->last_under_load, now);
		return true;
	}
	/* Stay "under load" for a second after the backlog clears. */
	return READ_ONCE(mt->last_under_load) &&
	       time_before64(now, READ_ONCE(mt->last_under_load) + HZ);
}

static void process_handshake(struct mt_device *mt, struct sk_buff *skb)
{
	u32 type = le32_to_cpu(((struct mt_message_header *)skb->data)->type);
	u64 hub = MT_SKB_CB(skb)->relay_hub;
	enum mt_cookie_mac_state mac_state;
	struct mt_endpoint_info endpoint;
	struct mt_peer *peer = NULL;
	bool under_load;

	if (type == MT_MESSAGE_HANDSHAKE_COOKIE) {
		if (!mt_cookie_consume_reply((struct mt_message_handshake_cookie *)skb->data, mt))
			mt_device_count(mt, MT_DROP_RX_HANDSHAKE);
		return;
	}

	/*
	 * Through a hub, the sender is a peer the hub has a session with and
	 * rate limits: there is no address to prove with a cookie.
	 */
	under_load = !hub && device_under_load(mt);
	mac_state = mt_cookie_validate(&mt->cookie_checker, skb, under_load);
	if (mac_state == MT_COOKIE_INVALID_MAC) {
		mt_device_count(mt, MT_DROP_RX_BAD_MAC);
		return;
	}
	if (under_load) {
		if (mac_state != MT_COOKIE_VALID_MAC_WITH_COOKIE) {
			/* Prove you can receive at that address first. */
			struct mt_message_handshake_initiation *msg = (void *)skb->data;

			/* Responses have the sender index at the same offset. */
			mt_send_cookie_reply(mt, skb, msg->sender_index);
			return;
		}
		if (!mt_ratelimit_allow(skb, dev_net(mt->dev))) {
			mt_device_count(mt, MT_DROP_RX_RATELIMIT);
			return;
		}
	}
	if (!hub && mt_socket_endpoint_from_skb(&endpoint, skb)) {
		mt_device_count(mt, MT_DROP_RX_HANDSHAKE);
		return;
	}

	/* Through a hub, it must be from the peer the hub named: checked before it counts. */
	if (type == MT_MESSAGE_HANDSHAKE_INITIATION)
		peer = mt_noise_consume_initiation((struct mt_message_handshake_initiation *)
						   skb->data, mt, MT_SKB_CB(skb)->relayed_from);
	else
		peer = mt_noise_consume_response((struct mt_message_handshake_response *)
						 skb->data, mt, MT_SKB_CB(skb)->relayed_from);
	if (!peer) {
		mt_device_count(mt, MT_DROP_RX_HANDSHAKE);
		return;
	}
	if (!hub)
		mt_socket_set_peer_endpoint(peer, &endpoint);
	mt_mesh_received(peer, hub);

	if (type == MT_MESSAGE_HANDSHAKE_INITIATION) {
		mt_send_handshake_response(peer);
	} else {
		if (mt_noise_begin_session(&peer->handshake, &peer->keypairs)) {
			mt_timers_session_derived(peer);
			mt_timers_handshake_complete(peer);
			/* The responder needs a first packet to confirm the session. */
			mt_send_keepalive(peer);
		}
	}
	atomic64_add(skb->len, &peer->rx_bytes);
	atomic64_inc(&peer->rx_packets);
	mt_timers_any_authenticated_packet_received(peer);
	mt_timers_any_authenticated_packet_traversal(peer);
	mt_peer_put(peer);
}

void mt_receive_handshake_worker(struct work_struct *work)
{
	struct mt_crypt_queue *queue = mt_crypt_worker_queue(work);
	struct mt_device *mt = container_of(queue, struct mt_device, handshake_queue);
	struct sk_buff *skb;

	while ((skb = mt_crypt_queue_pop(queue))) {
		/* Down: ndo_stop waits for this worker, and drops the rest. */
		if (likely(netif_running(mt->dev)))
			process_handshake(mt, skb);
		atomic_dec(&mt->handshake_queue_len);
		kfree_skb(skb);
		cond_resched();
	}
}

static bool decrypt_packet(struct sk_buff *skb, struct mt_keypair *keypair)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	struct sk_buff *trailer;
	unsigned int len;
	int nsg;

	__skb_pull(skb, sizeof(struct mt_message_data));
	len = skb->len;
	nsg = skb_cow_data(skb, 0, &trailer);
	/* A datagram reassembled from many fragments: one piece is what it takes. */
	if (unlikely(nsg > (int)ARRAY_SIZE(sg))) {
		if (mt_linearize(skb))
			return false;
		nsg = skb_cow_data(skb, 0, &trailer);
	}
	if (unlikely(nsg < 0 || nsg > ARRAY_SIZE(sg)))
		return false;
	sg_init_table(sg, nsg);
	if (skb_to_sgvec(skb, sg, 0, len) <= 0)
		return false;
	if (!chacha20poly1305_decrypt_sg_inplace(sg, len, NULL, 0, MT_SKB_CB(skb)->nonce,
						 keypair->receive_key))
		return false;
	/* The tag is checked; what remains is the padded inner packet. */
	return !pskb_trim(skb, len - MT_AUTHTAG_LEN);
}

/* The inner packet's real length, from its IP header; 0 if it has none. */
static unsigned int inner_length(struct sk_buff *skb)
{
	if (skb->len >= sizeof(struct iphdr) && pskb_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_hdr(skb)->version == 4) {
		unsigned int len = ntohs(ip_hdr(skb)->tot_len);

		skb->protocol = htons(ETH_P_IP);
		if (ip_hdr(skb)->ihl < 5 || len < ip_hdr(skb)->ihl * 4)
			return 0;
		return len;
	}
	if (skb->len >= sizeof(struct ipv6hdr) && pskb_may_pull(skb, sizeof(struct ipv6hdr)) &&
	    ipv6_hdr(skb)->version == 6) {
		skb->protocol = htons(ETH_P_IPV6);
		return sizeof(struct ipv6hdr) + ntohs(ipv6_hdr(skb)->payload_len);
	}
	return 0;
}

/* An authenticated packet from PEER: roaming, the session, timers, counters. */
static void rx_authenticated(struct mt_peer *peer, struct mt_keypair *keypair,
			     struct sk_buff *skb, u64 hub)
{
	struct mt_endpoint_info endpoint;

	/* The peer is where this came from (roaming), unless a hub brought it. */
	if (!hub && !mt_socket_endpoint_from_skb(&endpoint, skb))
		mt_socket_set_peer_endpoint(peer, &endpoint);
	mt_mesh_received(peer, hub);

	if (unlikely(mt_noise_received_with_keypair(&peer->keypairs, keypair))) {
		mt_timers_handshake_complete(peer);
		mt_send_staged(peer);
	}
	/* An initiator whose session nears its end renews it while it can. */
	if (unlikely(keypair->i_am_initiator && !READ_ONCE(peer->sent_lastminute_handshake) &&
		     keypair == rcu_access_pointer(peer->keypairs.current_keypair) &&
		     mt_birthdate_expired(keypair->birthdate,
					  MT_REJECT_AFTER_TIME - MT_KEEPALIVE_TIMEOUT -
					  MT_REKEY_TIMEOUT))) {
		WRITE_ONCE(peer->sent_lastminute_handshake, true);
		mt_send_handshake_initiation(peer, false);
	}
	mt_timers_any_authenticated_packet_received(peer);
	mt_timers_any_authenticated_packet_traversal(peer);

	atomic64_add(skb->len + sizeof(struct mt_message_data) + MT_AUTHTAG_LEN, &peer->rx_bytes);
	atomic64_inc(&peer->rx_packets);
}

/*
 * A mesh message from PEER, straight: the mesh decides, and what it hands
 * back moves on here, taken in as relayed (we are a node) or sent on to
 * its target (we are the hub).
 */
static void rx_mesh_message(struct mt_device *mt, struct mt_peer *peer, struct sk_buff *skb)
{
	struct mt_peer *next;

	switch (mt_mesh_receive(peer, skb, &next)) {
	case MT_MESH_DELIVER:
		receive_relayed(mt, skb, next, peer);
		mt_peer_put(next);
		break;
	case MT_MESH_FORWARD:
		mt_send_plaintext(next, skb, 0, MT_ROUTE_DIRECT);
		mt_peer_put(next);
		break;
	case MT_MESH_CONSUMED:
		break;
	}
}

/* An inner IP packet from PEER: checked, then up the stack through GRO. */
static void rx_inner_packet(struct mt_device *mt, struct mt_peer *peer, struct sk_buff *skb)
{
	struct net_device *dev = mt->dev;
	unsigned int len;
	u8 inner_ds;

	skb_reset_network_header(skb);
	len = inner_length(skb);
	if (unlikely(!len || len > skb->len || pskb_trim(skb, len))) {
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_length_errors);
		drop_rx(mt, skb, MT_DROP_RX_BAD_INNER);
		return;
	}
	rcu_read_lock_bh();
	if (unlikely(mt_allowedips_lookup_src(&mt->allowedips, skb) != peer)) {
		rcu_read_unlock_bh();
		net_dbg_ratelimited("%s: peer %llu sent a packet from a source it is not allowed\n",
				    dev->name, peer->serial);
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_frame_errors);
		drop_rx(mt, skb, MT_DROP_RX_NOT_ALLOWED);
		return;
	}
	rcu_read_unlock_bh();

	/* RFC 6040: congestion marked on the way reaches the inner packet. */
	inner_ds = skb->protocol == htons(ETH_P_IP) ? ip_hdr(skb)->tos :
						       ipv6_get_dsfield(ipv6_hdr(skb));
	if (unlikely(INET_ECN_decapsulate(skb, MT_SKB_CB(skb)->ds, inner_ds) > 1)) {
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_frame_errors);
		drop_rx(mt, skb, MT_DROP_RX_BAD_INNER);
		return;
	}

	skb_scrub_packet(skb, true);
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	skb_reset_transport_header(skb);
	skb_probe_transport_header(skb);
	/* Poly1305 authenticated every byte: the checksums need no second look. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	len = skb->len;
	/* A drop there (backlog full, device down) the core counts in rx_dropped. */
	if (likely(gro_cells_receive(&mt->gro_cells, skb) == NET_RX_SUCCESS))
		dev_sw_netstats_rx_add(dev, len);
}

/* A decrypted packet, in order: replay check, then a keepalive, mesh message or IP packet. */
static void rx_deliver(struct sk_buff *skb, void *ctx)
{
	struct mt_peer *peer = ctx;
	struct mt_device *mt = peer->device;
	struct net_device *dev = mt->dev;
	struct mt_keypair *keypair = MT_SKB_CB(skb)->keypair;
	u64 hub = MT_SKB_CB(skb)->relay_hub;

	if (atomic_read(&MT_SKB_CB(skb)->state) != MT_PACKET_CRYPTED) {
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_crc_errors);
		kfree_skb(skb);
	} else if (unlikely(!mt_noise_replay_check(&keypair->replay, MT_SKB_CB(skb)->nonce))) {
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_frame_errors);
		drop_rx(mt, skb, MT_DROP_RX_REPLAY);
	} else {
		rx_authenticated(peer, keypair, skb, hub);
		if (!skb->len) {
			consume_skb(skb);	/* a keepalive */
		} else if (unlikely(pskb_may_pull(skb, 1) && mt_message_is_mesh(skb->data[0]) &&
				    READ_ONCE(peer->mesh.speaks) == MESHTUN_PEER_MESH_YES)) {
			/* Not an IP packet: a mesh message, from a peer that speaks them. */
			if (mt_mesh_carries_data(skb->data[0]))
				mt_timers_data_received(peer);
			if (hub)	/* only straight, never relayed again */
				drop_rx(mt, skb, MT_DROP_RX_MESH_REFUSED);
			else
				rx_mesh_message(mt, peer, skb);
		} else {
			mt_timers_data_received(peer);
			rx_inner_packet(mt, peer, skb);
		}
	}
	mt_keypair_put(keypair, false);
}

void mt_receive_decrypt_worker(struct work_struct *work)
{
	struct mt_crypt_queue *queue = mt_crypt_worker_queue(work);
	struct mt_keypair *keypair;
	struct mt_peer *peer;
	struct sk_buff *skb;
	int state;

	while ((skb = mt_crypt_queue_pop(queue))) {
		keypair = MT_SKB_CB(skb)->keypair;
		peer = mt_peer_get(keypair->entry.peer);
		mt_race_window("decrypt-packet", peer->device->dev);
		if (likely(decrypt_packet(skb, keypair))) {
			state = MT_PACKET_CRYPTED;
		} else {
			state = MT_PACKET_DEAD;
			mt_device_count(peer->device, MT_DROP_RX_DECRYPT);
		}
		atomic_set_release(&MT_SKB_CB(skb)->state, state);
		local_bh_disable();
		mt_ordered_queue_drain(&peer->rx_queue, rx_deliver, peer);
		local_bh_enable();
		mt_peer_put(peer);
		cond_resched();
	}
}
