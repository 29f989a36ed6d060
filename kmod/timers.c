// SPDX-License-Identifier: GPL-2.0
/*
 * timers.c - per-peer timers.
 *
 *   retransmit_handshake  no response REKEY_TIMEOUT (+ jitter) after an
 *                         initiation: send another; after
 *                         MAX_TIMER_HANDSHAKES give up and drop what waits
 *   send_keepalive        we received data and sent nothing back for
 *                         KEEPALIVE_TIMEOUT: send an empty packet
 *   new_handshake         we sent data and heard nothing for
 *                         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT: the session
 *                         may be dead, start a new handshake
 *   zero_key_material     3 * REJECT_AFTER_TIME after the last session:
 *                         forget all keys
 *   persistent_keepalive  the configured interval passed with no packet
 *                         sent: send a keepalive (keeps NAT mappings)
 *
 * A timer is only armed while the device is up and the peer alive; the
 * peer's removal stops them after marking it dead.
 */
#include "timers.h"
#include "device.h"
#include "peer.h"
#include "send.h"
#include "socket.h"

#include <linux/jiffies.h>
#include <linux/random.h>

static void mod_peer_timer(struct mt_peer *peer, struct timer_list *timer,
			   unsigned long expires)
{
	rcu_read_lock_bh();
	if (likely(netif_running(peer->device->dev) && !READ_ONCE(peer->is_dead)))
		mod_timer(timer, expires);
	rcu_read_unlock_bh();
}

static unsigned long jitter(void)
{
	return get_random_u32_below(MT_REKEY_TIMEOUT_JITTER_MAX_JIFFIES);
}

static void expired_retransmit_handshake(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, timer_retransmit_handshake);

	if (READ_ONCE(peer->timer_handshake_attempts) > MT_MAX_TIMER_HANDSHAKES) {
		net_dbg_ratelimited("%s: peer %llu: no handshake after %d attempts, giving up\n",
				    peer->device->dev->name, peer->serial,
				    MT_MAX_TIMER_HANDSHAKES + 2);
		del_timer(&peer->timer_send_keepalive);
		mt_send_purge_staged(peer, MT_DROP_TX_HANDSHAKE_TIMEOUT);
		/* Nothing more to try: zero the keys a while from now. */
		if (!timer_pending(&peer->timer_zero_key_material))
			mod_peer_timer(peer, &peer->timer_zero_key_material,
				       jiffies + MT_REJECT_AFTER_TIME * 3 * HZ);
		return;
	}
	WRITE_ONCE(peer->timer_handshake_attempts, READ_ONCE(peer->timer_handshake_attempts) + 1);
	/* The source address may be the reason: let routing choose afresh. */
	mt_socket_clear_peer_endpoint_src(peer);
	mt_send_handshake_initiation(peer, true);
}

static void expired_send_keepalive(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, timer_send_keepalive);

	mt_send_keepalive(peer);
	if (READ_ONCE(peer->timer_need_another_keepalive)) {
		WRITE_ONCE(peer->timer_need_another_keepalive, false);
		mod_peer_timer(peer, &peer->timer_send_keepalive,
			       jiffies + MT_KEEPALIVE_TIMEOUT * HZ);
	}
}

static void expired_new_handshake(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, timer_new_handshake);

	net_dbg_ratelimited("%s: peer %llu: no reply for %d seconds, new handshake\n",
			    peer->device->dev->name, peer->serial,
			    MT_KEEPALIVE_TIMEOUT + MT_REKEY_TIMEOUT);
	mt_socket_clear_peer_endpoint_src(peer);
	mt_send_handshake_initiation(peer, false);
}

static void zero_key_material(struct work_struct *work)
{
	struct mt_peer *peer = container_of(work, struct mt_peer, zero_key_material_work);

	mt_noise_handshake_clear(&peer->handshake);
	mt_noise_keypairs_clear(&peer->keypairs);
	mt_peer_put(peer);
}

static void expired_zero_key_material(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, timer_zero_key_material);

	/* Clearing the handshake sleeps: leave the timer's softirq. */
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->is_dead)) {
		mt_peer_get(peer);
		if (!queue_work(peer->device->handshake_wq, &peer->zero_key_material_work))
			mt_peer_put(peer);
	}
	rcu_read_unlock_bh();
}

static void expired_persistent_keepalive(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, timer_persistent_keepalive);

	if (likely(READ_ONCE(peer->persistent_keepalive_interval)))
		mt_send_keepalive(peer);
}

void mt_timers_data_sent(struct mt_peer *peer)
{
	if (!timer_pending(&peer->timer_new_handshake))
		mod_peer_timer(peer, &peer->timer_new_handshake,
			       jiffies + (MT_KEEPALIVE_TIMEOUT + MT_REKEY_TIMEOUT) * HZ + jitter());
}

void mt_timers_data_received(struct mt_peer *peer)
{
	if (likely(netif_running(peer->device->dev))) {
		if (!timer_pending(&peer->timer_send_keepalive))
			mod_peer_timer(peer, &peer->timer_send_keepalive,
				       jiffies + MT_KEEPALIVE_TIMEOUT * HZ);
		else
			WRITE_ONCE(peer->timer_need_another_keepalive, true);
	}
}

void mt_timers_any_authenticated_packet_sent(struct mt_peer *peer)
{
	del_timer(&peer->timer_send_keepalive);
}

void mt_timers_any_authenticated_packet_received(struct mt_peer *peer)
{
	del_timer(&peer->timer_new_handshake);
}

void mt_timers_handshake_initiated(struct mt_peer *peer)
{
	mod_peer_timer(peer, &peer->timer_retransmit_handshake,
		       jiffies + MT_REKEY_TIMEOUT * HZ + jitter());
}

void mt_timers_handshake_complete(struct mt_peer *peer)
{
	del_timer(&peer->timer_retransmit_handshake);
	WRITE_ONCE(peer->timer_handshake_attempts, 0);
	WRITE_ONCE(peer->sent_lastminute_handshake, false);
	atomic64_set(&peer->last_handshake_ns, ktime_get_real_ns());
}

void mt_timers_session_derived(struct mt_peer *peer)
{
	mod_peer_timer(peer, &peer->timer_zero_key_material,
		       jiffies + MT_REJECT_AFTER_TIME * 3 * HZ);
}

void mt_timers_any_authenticated_packet_traversal(struct mt_peer *peer)
{
	u16 interval = READ_ONCE(peer->persistent_keepalive_interval);

	if (interval)
		mod_peer_timer(peer, &peer->timer_persistent_keepalive,
			       jiffies + interval * HZ);
}

void mt_timers_init(struct mt_peer *peer)
{
	timer_setup(&peer->timer_retransmit_handshake, expired_retransmit_handshake, 0);
	timer_setup(&peer->timer_send_keepalive, expired_send_keepalive, 0);
	timer_setup(&peer->timer_new_handshake, expired_new_handshake, 0);
	timer_setup(&peer->timer_zero_key_material, expired_zero_key_material, 0);
	timer_setup(&peer->timer_persistent_keepalive, expired_persistent_keepalive, 0);
	INIT_WORK(&peer->zero_key_material_work, zero_key_material);
	peer->timer_handshake_attempts = 0;
	peer->sent_lastminute_handshake = false;
	peer->timer_need_another_keepalive = false;
}

void mt_timers_stop(struct mt_peer *peer)
{
	del_timer_sync(&peer->timer_retransmit_handshake);
	del_timer_sync(&peer->timer_send_keepalive);
	del_timer_sync(&peer->timer_new_handshake);
	del_timer_sync(&peer->timer_zero_key_material);
	del_timer_sync(&peer->timer_persistent_keepalive);
	if (cancel_work_sync(&peer->zero_key_material_work))
		mt_peer_put(peer);
}
