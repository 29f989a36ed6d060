// SPDX-License-Identifier: GPL-2.0
/*
 * mesh.c - hubs, endpoint discovery, relaying and the path of each message.
 *
 * The path. Messages to a peer go straight to its endpoint while that
 * path works, and a path works only while what we send on it is answered
 * on it: a probe round sends PINGs straight (PROBE_PING apart) carrying
 * the round's id, and only their PONG, arriving straight, proves the path.
 * While we send straight, a round runs whenever the last proof is older
 * than PROBE_EVERY, and at once when the peer's messages start to come
 * through a hub (its side of the path failed); a round unanswered for
 * PROBE_TIMEOUT marks the path down, and only a proof brings it back.
 * Anything else from the peer, straight or relayed, proves nothing about
 * our direction: a one-way loss is noticed within PROBE_EVERY +
 * PROBE_TIMEOUT. A path not yet probed is trusted while the peer was heard
 * straight within DIRECT_IDLE (a handshake straight starts a session
 * there); an idle one after that is not trusted until it answers.
 * Otherwise, and when the peer has no endpoint, messages go through a hub:
 * wrapped in a RELAY message on our session with the hub, unwrapped by the
 * hub and passed on as RELAYED on its session with the peer, so that the
 * hub sees only the outside of our end-to-end encrypted messages. Peers
 * that do not speak mesh messages, hubs themselves, and every peer of a
 * device without hubs keep WireGuard's behaviour: straight to the endpoint.
 *
 * Discovery. While a peer is relayed we ask the hub where it is
 * (ENDPOINT_REQUEST), at once and then after 1, 2, 4 ... seconds. The hub
 * tells the peer who asks (PEER_ASKING, without an address, naming the
 * asker by its key's tag, so that only a peer holding the asker's key
 * learns who asks), once while the request stands; a peer that knows the
 * asker asks back, unless it asked lately itself, and the hub, holding
 * both requests, sends each side the address it sees the other at
 * (ENDPOINT). Both then send PINGs to those addresses from the device's
 * own port, a few within two seconds (one such train at a time per peer),
 * so that both NATs see outgoing packets before incoming ones. The first
 * PONG to arrive straight proves the path and makes it direct.
 *
 * A hub acts only with relay on, only for peers it has sessions with and
 * that speak mesh messages, only between two of its peers, and never tells
 * a peer an address unless that peer asked for it by key: it introduces no
 * strangers, and sends nothing to addresses of anyone's choosing (it only
 * answers on its sessions, one message for one). Requests and relayed
 * handshakes are rate limited per peer, and so are, on a node, its hubs'
 * introductions (each sets off a few PINGs).
 */
#include "mesh.h"
#include "device.h"
#include "noise.h"
#include "send.h"
#include "socket.h"

#include <crypto/algapi.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <net/ipv6.h>

static bool has_endpoint(struct mt_peer *peer)
{
	return READ_ONCE(peer->endpoint.addr.sa_family) != AF_UNSPEC;
}

static bool speaks_mesh(struct mt_peer *peer)
{
	return READ_ONCE(peer->mesh.speaks) == MESHTUN_PEER_MESH_YES;
}

static bool device_has_hubs(struct mt_device *mt)
{
	return !list_empty(&mt->hub_list);
}

/*
 * Whether the direct path works: not marked down by an unanswered probe
 * round, no message from the peer came through a hub since our last proof
 * (its side of the path failed: answer the same way until a round proves
 * the path again; those sent before our proof reached it, within
 * PROBE_EVERY of it, do not count, or two nodes would undo each other's
 * proofs while both relay), and proven by a PONG within DIRECT_IDLE or, before any
 * round ended, heard from straight within DIRECT_IDLE.
 */
static bool direct_works(struct mt_peer *peer, u64 now)
{
	u64 proven = READ_ONCE(peer->mesh.proven), rx = READ_ONCE(peer->mesh.last_direct_rx);

	if (READ_ONCE(peer->mesh.direct_down) ||
	    time_after64(READ_ONCE(peer->mesh.last_relayed_rx), proven + MT_MESH_PROBE_EVERY))
		return false;
	return (proven && time_before64(now, proven + MT_MESH_DIRECT_IDLE)) ||
	       (rx && time_before64(now, rx + MT_MESH_DIRECT_IDLE));
}

/* A mesh message built here: header and body, room for what comes around it. */
static struct sk_buff *mesh_alloc(struct mt_peer *peer, u8 type, unsigned int body_len)
{
	struct net_device *dev = peer->device->dev;
	struct mt_mesh_header *hdr;
	struct sk_buff *skb;

	skb = alloc_skb(LL_MAX_HEADER + dev->needed_headroom +
			max_t(unsigned int, sizeof(*hdr) + body_len, MT_MESH_CONTROL_LEN) +
			dev->needed_tailroom, GFP_ATOMIC);
	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, LL_MAX_HEADER + dev->needed_headroom);
	hdr = skb_put(skb, sizeof(*hdr));
	hdr->type = type;
	hdr->flags = 0;
	hdr->len = cpu_to_be16(body_len);
	return skb;
}

/*
 * Send a control message (anything but RELAY and RELAYED) padded to one
 * length, so that its type does not show in the length of what carries it.
 */
static void send_control(struct mt_peer *peer, struct sk_buff *skb, enum mt_route route)
{
	BUILD_BUG_ON(sizeof(struct mt_mesh_endpoint) > MT_MESH_CONTROL_LEN);
	if (skb->len < MT_MESH_CONTROL_LEN)
		skb_put_zero(skb, MT_MESH_CONTROL_LEN - skb->len);
	mt_send_plaintext(peer, skb, 0, route);
}

static void send_ping(struct mt_peer *peer, u8 type, __le64 id, enum mt_route route)
{
	struct sk_buff *skb = mesh_alloc(peer, type, sizeof(id));

	if (!skb)
		return;
	skb_put_data(skb, &id, sizeof(id));
	send_control(peer, skb, route);
}

/* To a hub, or from one: a message naming a peer by its key, or its key's tag. */
static void send_peer_msg(struct mt_peer *to, u8 type, const u8 *key_or_tag)
{
	struct sk_buff *skb = mesh_alloc(to, type, MESHTUN_KEY_LEN);

	BUILD_BUG_ON(MT_MESH_KEY_TAG_LEN != MESHTUN_KEY_LEN);
	if (!skb)
		return;
	skb_put_data(skb, key_or_tag, MESHTUN_KEY_LEN);
	send_control(to, skb, MT_ROUTE_DIRECT);
}

/* Ask HUB where PEER is; only its answer to this will be taken. */
static void ask_hub(struct mt_peer *hub, struct mt_peer *peer)
{
	spin_lock_bh(&peer->mesh.lock);
	peer->mesh.asked_hub = hub->serial;
	peer->mesh.asked_at = get_jiffies_64();
	spin_unlock_bh(&peer->mesh.lock);
	send_peer_msg(hub, MT_MESH_ENDPOINT_REQUEST, peer->public_key);
}

/* A request to HUB that it still holds (so it holds both, once the other side asks). */
static bool holds_request(u64 hub, u64 asked_hub, u64 asked_at, u64 now)
{
	return asked_at && asked_hub == hub &&
	       time_before64(now, asked_at + MT_MESH_WANTS_TIMEOUT);
}

/*
 * A hub says PEER asks for us: ask it back, unless it holds a request of
 * ours already. These requests have places of their own, one for each of
 * the last two hubs asked back, so that asking one hub back cancels
 * neither what discovery asked another nor what we asked another back
 * (a hub that names the asker over and over keeps taking its own place).
 */
static void ask_back(struct mt_peer *hub, struct mt_peer *peer)
{
	u64 now = get_jiffies_64();
	unsigned int i;
	bool held;

	spin_lock_bh(&peer->mesh.lock);
	held = holds_request(hub->serial, peer->mesh.asked_hub, peer->mesh.asked_at, now);
	for (i = 0; i < ARRAY_SIZE(peer->mesh.asked_back); i++)
		held |= holds_request(hub->serial, peer->mesh.asked_back[i].hub,
				      peer->mesh.asked_back[i].at, now);
	if (!held) {
		/* This hub's place, else the one asked longest ago. */
		i = peer->mesh.asked_back[1].hub == hub->serial ||
		    (peer->mesh.asked_back[0].hub != hub->serial &&
		     peer->mesh.asked_back[1].at < peer->mesh.asked_back[0].at);
		peer->mesh.asked_back[i].hub = hub->serial;
		peer->mesh.asked_back[i].at = now;
	}
	spin_unlock_bh(&peer->mesh.lock);
	if (!held)
		send_peer_msg(hub, MT_MESH_ENDPOINT_REQUEST, peer->public_key);
}

/* Whether a request to HUB still waits for its answer. */
static bool awaits_answer(u64 hub, u64 asked_hub, u64 asked_at, u64 now)
{
	return asked_at && asked_hub == hub &&
	       time_before64(now, asked_at + MT_MESH_ANSWER_TIMEOUT);
}

/*
 * Whether HUB's ENDPOINT about PEER answers a request of ours to it (each
 * once): discovery's or the one we asked back, whichever still waits (both
 * may have gone to the same hub, the first long ago).
 */
static bool asked(struct mt_peer *hub, struct mt_peer *peer)
{
	u64 now = get_jiffies_64(), *at = NULL;
	unsigned int i;

	spin_lock_bh(&peer->mesh.lock);
	if (awaits_answer(hub->serial, peer->mesh.asked_hub, peer->mesh.asked_at, now))
		at = &peer->mesh.asked_at;
	for (i = 0; !at && i < ARRAY_SIZE(peer->mesh.asked_back); i++)
		if (awaits_answer(hub->serial, peer->mesh.asked_back[i].hub,
				  peer->mesh.asked_back[i].at, now))
			at = &peer->mesh.asked_back[i].at;
	if (at)
		*at = 0;
	spin_unlock_bh(&peer->mesh.lock);
	return at;
}

static void set_path(struct mt_peer *peer, u8 path)
{
	if (likely(READ_ONCE(peer->mesh.path) == path) || xchg(&peer->mesh.path, path) == path)
		return;
	if (path == MESHTUN_PEER_PATH_DIRECT) {
		mt_device_mesh_count(peer->device, MT_MESH_STAT_PATH_DIRECT, 1);
		/* Should it break, look for a new one at once. */
		spin_lock_bh(&peer->mesh.lock);
		peer->mesh.discovery_backoff = 1;
		peer->mesh.next_discovery = 0;
		peer->mesh.punches = 0;
		spin_unlock_bh(&peer->mesh.lock);
	} else if (path == MESHTUN_PEER_PATH_RELAYED) {
		mt_device_mesh_count(peer->device, MT_MESH_STAT_PATH_RELAYED, 1);
	}
}

/* ---- the sending side ---- */

/*
 * A hub to relay through, referenced, or NULL: the one last used if it
 * still can, else the first that can. Hubs we have not yet heard speak
 * (no handshake yet) are asked to shake hands, so that they can next time.
 */
static struct mt_peer *pick_hub(struct mt_peer *peer)
{
	u64 hint = READ_ONCE(peer->mesh.last_hub);
	struct mt_peer *hub, *found = NULL;

	rcu_read_lock_bh();
	list_for_each_entry_rcu(hub, &peer->device->hub_list, mesh.hub_entry) {
		if (hub == peer || READ_ONCE(hub->is_dead) || !has_endpoint(hub))
			continue;
		if (READ_ONCE(hub->mesh.speaks) == MESHTUN_PEER_MESH_UNKNOWN) {
			mt_send_handshake_initiation(hub, false);
			continue;
		}
		if (!speaks_mesh(hub))
			continue;
		if (!found || hub->serial == hint)
			found = hub;
		if (hub->serial == hint)
			break;
	}
	found = mt_peer_get_maybe_zero(found);
	rcu_read_unlock_bh();
	return found;
}

/* Whether messages to a peer should go through a hub now. */
static bool wants_relay(struct mt_peer *peer, u64 now)
{
	if (READ_ONCE(peer->mesh.hub) || !device_has_hubs(peer->device))
		return false;
	if (!has_endpoint(peer))
		return true;
	switch (READ_ONCE(peer->mesh.speaks)) {
	case MESHTUN_PEER_MESH_NO:
		return false;
	case MESHTUN_PEER_MESH_UNKNOWN:
		/*
		 * First contact straight, as WireGuard would; every other
		 * initiation through a hub. Counted as sent, not as retried:
		 * traffic restarts the retry count, and would keep us straight.
		 */
		return READ_ONCE(peer->mesh.initiations_sent) & 1;
	}
	return !direct_works(peer, now);
}

bool mt_mesh_reachable(struct mt_peer *peer)
{
	return !READ_ONCE(peer->mesh.hub) && device_has_hubs(peer->device);
}

static void arm(struct mt_peer *peer, struct timer_list *timer, unsigned long expires)
{
	rcu_read_lock_bh();
	if (netif_running(peer->device->dev) && !READ_ONCE(peer->is_dead))
		mod_timer(timer, expires);
	rcu_read_unlock_bh();
}

static bool round_running(u64 started, u64 now)
{
	return started && time_before64(now, started + 2 * MT_MESH_PROBE_TIMEOUT);
}

/* Start a probe round of the direct path, unless one runs or there is nothing to probe. */
static void start_round(struct mt_peer *peer, u64 now)
{
	bool started = false;

	if (!has_endpoint(peer) || !speaks_mesh(peer))
		return;
	spin_lock_bh(&peer->mesh.lock);
	/* A round whose timer was stopped (device down) left its mark: start afresh. */
	if (!round_running(peer->mesh.round_started, now)) {
		WRITE_ONCE(peer->mesh.round_started, now);
		peer->mesh.probe_id = get_random_u64();
		started = true;
	}
	spin_unlock_bh(&peer->mesh.lock);
	if (started)
		arm(peer, &peer->mesh.probe_timer, jiffies);
}

/* Relayed: ask the hub where the peer is, and try its last address, with backoff. */
static void discover(struct mt_peer *peer, struct mt_peer *hub, u64 now)
{
	bool due;

	spin_lock_bh(&peer->mesh.lock);
	due = time_after_eq64(now, peer->mesh.next_discovery);
	if (due) {
		peer->mesh.next_discovery = now + peer->mesh.discovery_backoff * HZ;
		peer->mesh.discovery_backoff = min(peer->mesh.discovery_backoff * 2,
						   MT_MESH_DISCOVERY_MAX_BACKOFF);
	}
	spin_unlock_bh(&peer->mesh.lock);
	if (!due)
		return;
	ask_hub(hub, peer);
	/* And try the old path: its answer ends the relaying, silence changes nothing. */
	start_round(peer, now);
}

/*
 * Straight, with hubs about: prove the path again once its last proof is
 * PROBE_EVERY old, so that a path that stopped carrying our messages is
 * left within PROBE_TIMEOUT of that (the path is down until answered).
 */
static void keep_direct(struct mt_peer *peer, u64 now)
{
	if (!speaks_mesh(peer) || !device_has_hubs(peer->device) || READ_ONCE(peer->mesh.hub))
		return;
	if (round_running(READ_ONCE(peer->mesh.round_started), now) ||
	    time_before64(now, READ_ONCE(peer->mesh.proven) + MT_MESH_PROBE_EVERY))
		return;
	start_round(peer, now);
}

/* A probe round: PINGs straight until one is answered, or PROBE_TIMEOUT says the path is down. */
static void probe_timer(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, mesh.probe_timer);
	u64 now = get_jiffies_64(), started;
	bool went_down = false;
	struct mt_peer *hub;
	__le64 id;

	spin_lock_bh(&peer->mesh.lock);
	started = peer->mesh.round_started;
	id = cpu_to_le64(peer->mesh.probe_id);
	if (started && time_after_eq64(now, started + MT_MESH_PROBE_TIMEOUT)) {
		/* Unanswered: down, and a late PONG to this round proves nothing. */
		WRITE_ONCE(peer->mesh.round_started, 0);
		peer->mesh.probe_id = 0;
		went_down = !peer->mesh.direct_down;
		WRITE_ONCE(peer->mesh.direct_down, true);
	}
	spin_unlock_bh(&peer->mesh.lock);
	if (!started)
		return;		/* answered */
	if (time_before64(now, started + MT_MESH_PROBE_TIMEOUT)) {
		if (has_endpoint(peer))
			send_ping(peer, MT_MESH_PING, id, MT_ROUTE_DIRECT);
		arm(peer, &peer->mesh.probe_timer, jiffies + MT_MESH_PROBE_PING);
		return;
	}
	if (!went_down)
		return;		/* still down; discovery tries again later */
	/* Down: the next message goes through a hub; ask it the way now. */
	mt_device_mesh_count(peer->device, MT_MESH_STAT_PROBES_FAILED, 1);
	hub = pick_hub(peer);
	if (hub) {
		discover(peer, hub, now);
		mt_peer_put(hub);
	}
}

int mt_mesh_wrap_relay(struct mt_peer *peer, struct mt_peer *hub, struct sk_buff *skb)
{
	struct mt_device *mt = peer->device;
	struct mt_mesh_peer_msg *msg;
	unsigned int len = skb->len;

	/* The RELAY message is the plaintext of one datagram to the hub: it must fit one. */
	if (unlikely(sizeof(*msg) + len > MT_MAX_MTU ||
		     skb_cow_head(skb, sizeof(*msg) + mt->dev->needed_headroom)))
		return -EMSGSIZE;
	msg = skb_push(skb, sizeof(*msg));
	msg->header.type = MT_MESH_RELAY;
	msg->header.flags = 0;
	msg->header.len = cpu_to_be16(MESHTUN_KEY_LEN + len);
	memcpy(msg->public_key, peer->public_key, MESHTUN_KEY_LEN);
	WRITE_ONCE(peer->mesh.last_hub, hub->serial);
	mt_device_mesh_count(mt, MT_MESH_STAT_RELAY_SENT, 1);
	return 0;
}

void mt_mesh_path(struct mt_peer *peer, struct sk_buff *skb, enum mt_route route,
		  struct mt_path *path)
{
	path->now = get_jiffies_64();
	path->hub = NULL;
	if (route == MT_ROUTE_CANDIDATE) {
		spin_lock_bh(&peer->mesh.lock);
		path->candidate = peer->mesh.candidate;
		spin_unlock_bh(&peer->mesh.lock);
		path->kind = MT_PATH_CANDIDATE;
		if (path->candidate.addr.sa_family == AF_UNSPEC) {
			path->kind = MT_PATH_NONE;
			path->drop = MT_DROP_TX_NO_ENDPOINT;
			path->err = -EDESTADDRREQ;
		}
		return;
	}
	if (route == MT_ROUTE_AUTO && wants_relay(peer, path->now)) {
		path->hub = pick_hub(peer);
		if (path->hub) {
			set_path(peer, MESHTUN_PEER_PATH_RELAYED);
			path->kind = MT_PATH_HUB;
			return;
		}
		if (!has_endpoint(peer)) {
			path->kind = MT_PATH_NONE;
			path->drop = MT_DROP_TX_NO_RELAY;
			path->err = -EHOSTUNREACH;
			return;
		}
	}
	if (route == MT_ROUTE_AUTO) {
		set_path(peer, MESHTUN_PEER_PATH_DIRECT);
		/*
		 * Traffic, not keepalives nor handshakes: an idle path is left
		 * alone, unless it is kept open on purpose (persistent keepalive).
		 */
		if (MT_SKB_CB(skb)->plain_len || READ_ONCE(peer->persistent_keepalive_interval))
			keep_direct(peer, path->now);
	}
	path->kind = MT_PATH_ENDPOINT;
}

void mt_mesh_path_done(struct mt_peer *peer, struct mt_path *path, bool sent)
{
	switch (path->kind) {
	case MT_PATH_CANDIDATE:
		if (sent)
			mt_device_mesh_count(peer->device, MT_MESH_STAT_PUNCHES, 1);
		break;
	case MT_PATH_HUB:
		/* Relayed: ask the hub where the peer is, when it is time to. */
		discover(peer, path->hub, path->now);
		mt_peer_put(path->hub);
		path->hub = NULL;
		break;
	case MT_PATH_ENDPOINT:
	case MT_PATH_NONE:
		break;
	}
}

/* ---- the receiving side ---- */

void mt_mesh_received(struct mt_peer *peer, u64 hub)
{
	u64 now = get_jiffies_64();

	if (hub) {
		if (READ_ONCE(peer->mesh.last_relayed_rx) != now)
			WRITE_ONCE(peer->mesh.last_relayed_rx, now);
		WRITE_ONCE(peer->mesh.last_hub, hub);
		mt_device_mesh_count(peer->device, MT_MESH_STAT_RELAY_RECEIVED, 1);
		/* Its side of the direct path failed: is ours still answered? */
		if (!READ_ONCE(peer->mesh.direct_down) &&
		    time_after_eq64(now, READ_ONCE(peer->mesh.proven) + MT_MESH_PROBE_EVERY) &&
		    !round_running(READ_ONCE(peer->mesh.round_started), now))
			start_round(peer, now);
	} else if (READ_ONCE(peer->mesh.last_direct_rx) != now) {
		WRITE_ONCE(peer->mesh.last_direct_rx, now);
	}
}

/*
 * A PONG, arrived straight (in SKB): if it answers our round's PING, the
 * path is proven; if it came from the address we last punched at, that
 * train was answered (a proof from elsewhere says nothing of it).
 */
static void pong_received(struct mt_peer *peer, u64 id, const struct sk_buff *skb)
{
	struct mt_endpoint_info from;
	u64 now = get_jiffies_64();
	bool proof, known;

	known = !mt_socket_endpoint_from_skb(&from, skb);
	spin_lock_bh(&peer->mesh.lock);
	proof = peer->mesh.probe_id && id == peer->mesh.probe_id;
	if (proof) {
		WRITE_ONCE(peer->mesh.round_started, 0);
		WRITE_ONCE(peer->mesh.proven, now);
		WRITE_ONCE(peer->mesh.direct_down, false);
		if (known && peer->mesh.punched &&
		    mt_socket_same_address(&from.addr, &peer->mesh.punched_to))
			peer->mesh.punch_answered = true;
	}
	spin_unlock_bh(&peer->mesh.lock);
}

/* Spend a token of a bucket (its owner's mesh lock held), refilled at a rate up to a burst. */
static bool spend_token(struct mt_mesh_bucket *bucket, u64 now, unsigned int per_second,
			unsigned int burst)
{
	/* (now, read before the lock, may be a little older than the bucket.) */
	u64 refill = time_after64(now, bucket->at) ?
		     div_u64((now - bucket->at) * per_second, HZ) : 0;

	if (refill && bucket->tokens + refill >= burst) {
		bucket->tokens = burst;
		bucket->at = now;
	} else if (refill) {
		/* Only the time the new tokens took: what is left over counts next time. */
		bucket->tokens += refill;
		bucket->at += div_u64(refill * HZ, per_second);
	}
	if (!bucket->tokens)
		return false;
	bucket->tokens--;
	return true;
}

/* Spend a token of one of a peer's buckets; false if none. */
static bool take_token(struct mt_peer *peer, struct mt_mesh_bucket *bucket,
		       unsigned int per_second, unsigned int burst)
{
	bool ok;

	spin_lock_bh(&peer->mesh.lock);
	ok = spend_token(bucket, get_jiffies_64(), per_second, burst);
	spin_unlock_bh(&peer->mesh.lock);
	return ok;
}

/* On a hub: a peer's requests and relayed handshakes. */
static bool take_request_token(struct mt_peer *from)
{
	return take_token(from, &from->mesh.requests, MT_MESH_REQUESTS_PER_SECOND,
			  MT_MESH_REQUESTS_BURST);
}

/*
 * A token of OWNER's bucket kept for HUB, one of two (OWNER's mesh lock
 * held): a hub that has none takes the place of the one heard from
 * longest ago, with a full bucket.
 */
static bool spend_hub_token(struct mt_mesh_hub_bucket slots[2], u64 hub, u64 now,
			    unsigned int per_second, unsigned int burst)
{
	unsigned int i = slots[1].hub == hub;

	if (slots[i].hub != hub) {
		i = slots[1].bucket.at < slots[0].bucket.at;
		slots[i].hub = hub;
		slots[i].bucket.at = now;
		slots[i].bucket.tokens = burst;
	}
	return spend_token(&slots[i].bucket, now, per_second, burst);
}

static bool take_hub_token(struct mt_peer *owner, struct mt_mesh_hub_bucket slots[2],
			   struct mt_peer *hub, unsigned int per_second, unsigned int burst)
{
	bool ok;

	spin_lock_bh(&owner->mesh.lock);
	ok = spend_hub_token(slots, hub->serial, get_jiffies_64(), per_second, burst);
	spin_unlock_bh(&owner->mesh.lock);
	return ok;
}

/*
 * On a node: HUB tells us ASKER asks for us (we ask back). The asker's
 * bucket for this hub first, so that one asker, named over and over,
 * spends none of what the hub's other askers need, and one hub naming it
 * spends none of what another hub's askings of it need.
 */
static bool take_asking_token(struct mt_peer *hub, struct mt_peer *asker)
{
	return take_hub_token(asker, asker->mesh.askings_by, hub, MT_MESH_ASKER_PER_SECOND,
			      MT_MESH_ASKER_BURST) &&
	       take_token(hub, &hub->mesh.askings, MT_MESH_REQUESTS_PER_SECOND,
			  MT_MESH_REQUESTS_BURST);
}

/* On a node: an introduction by a hub, answering our request (each sets off PINGs). */
static bool take_introduction_token(struct mt_peer *hub)
{
	return take_token(hub, &hub->mesh.introductions, MT_MESH_REQUESTS_PER_SECOND,
			  MT_MESH_REQUESTS_BURST);
}

/*
 * On a node: a handshake relayed from FROM by HUB, each a Diffie-Hellman
 * that no cookie slows. The hub's bucket first bounds all it relays;
 * then a bucket per sender and hub, so that neither one peer of a hub
 * nor one hub can use up what another's handshakes need. A sender keeps
 * buckets for the last two hubs that relayed for it.
 */
static bool take_relayed_handshake_token(struct mt_peer *hub, struct mt_peer *from)
{
	return take_token(hub, &hub->mesh.hub_handshakes, MT_MESH_HUB_HANDSHAKES_PER_SECOND,
			  MT_MESH_HUB_HANDSHAKES_BURST) &&
	       take_hub_token(from, from->mesh.relayed_handshakes, hub,
			      MT_MESH_REQUESTS_PER_SECOND, MT_MESH_REQUESTS_BURST);
}

/* A session to send on that is not about to expire: the peer is there now. */
static bool has_live_session(struct mt_peer *peer)
{
	bool live;

	rcu_read_lock_bh();
	live = mt_keypair_can_send(rcu_dereference_bh(peer->keypairs.current_keypair));
	rcu_read_unlock_bh();
	return live;
}

/*
 * Another peer of ours, by key, if a hub may act for it (it speaks mesh
 * messages, and we have a live session with it): referenced, or NULL.
 */
static struct mt_peer *hub_target(struct mt_peer *from, const u8 *public_key)
{
	struct mt_peer *target = mt_peer_lookup_rcu(from->device, public_key);

	if (target && (target == from || !speaks_mesh(target) || !has_live_session(target))) {
		mt_peer_put(target);
		target = NULL;
	}
	return target;
}

/* The address a hub sees a peer at, for an ENDPOINT message; false if none to share. */
static bool shareable_endpoint(struct mt_peer *peer, struct mt_mesh_endpoint *msg)
{
	union mt_endpoint ep;

	read_lock_bh(&peer->endpoint_lock);
	ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
	memset(msg->addr, 0, sizeof(msg->addr));
	msg->reserved = 0;
	if (ep.addr.sa_family == AF_INET) {
		msg->family = 4;
		msg->port = ep.addr4.sin_port;
		memcpy(msg->addr, &ep.addr4.sin_addr, 4);
		return true;
	}
	/* A link-local address means nothing on another link. */
	if (ep.addr.sa_family == AF_INET6 &&
	    !(ipv6_addr_type(&ep.addr6.sin6_addr) & IPV6_ADDR_LINKLOCAL)) {
		msg->family = 6;
		msg->port = ep.addr6.sin6_port;
		memcpy(msg->addr, &ep.addr6.sin6_addr, 16);
		return true;
	}
	return false;
}

/* Tell TO where ABOUT is. */
static void send_endpoint(struct mt_peer *to, struct mt_peer *about)
{
	struct mt_mesh_endpoint *msg;
	struct sk_buff *skb;

	skb = mesh_alloc(to, MT_MESH_ENDPOINT, sizeof(*msg) - sizeof(msg->header));
	if (!skb)
		return;
	msg = (struct mt_mesh_endpoint *)skb->data;
	skb_put(skb, sizeof(*msg) - sizeof(msg->header));
	memcpy(msg->public_key, about->public_key, MESHTUN_KEY_LEN);
	if (!shareable_endpoint(about, msg)) {
		kfree_skb(skb);
		return;
	}
	send_control(to, skb, MT_ROUTE_DIRECT);
}

/* As a hub: FROM asks where the peer with this key is. */
static void hub_endpoint_request(struct mt_peer *from, const u8 *public_key)
{
	struct mt_device *mt = from->device;
	struct mt_mesh_endpoint probe;
	struct mt_peer *target;
	u64 now = get_jiffies_64();
	bool matched, told;

	if (!take_request_token(from)) {
		mt_device_count(mt, MT_DROP_RX_MESH_RATELIMIT);
		return;
	}
	target = hub_target(from, public_key);
	if (!target || !shareable_endpoint(target, &probe) || !shareable_endpoint(from, &probe)) {
		mt_device_count(mt, MT_DROP_RX_MESH_REFUSED);
		mt_peer_put(target);
		return;
	}
	spin_lock_bh(&from->mesh.lock);
	/* The target was told of this very request lately: once is enough. */
	told = from->mesh.told_at &&
	       time_before64(now, from->mesh.told_at + MT_MESH_WANTS_TIMEOUT) &&
	       !crypto_memneq(from->mesh.wants, public_key, MESHTUN_KEY_LEN);
	memcpy(from->mesh.wants, public_key, MESHTUN_KEY_LEN);
	from->mesh.wants_at = now;
	if (!told)
		from->mesh.told_at = now;
	spin_unlock_bh(&from->mesh.lock);

	/* The target asked for the asker too, lately: introduce them. */
	spin_lock_bh(&target->mesh.lock);
	matched = target->mesh.wants_at &&
		  time_before64(now, target->mesh.wants_at + MT_MESH_WANTS_TIMEOUT) &&
		  !crypto_memneq(target->mesh.wants, from->public_key, MESHTUN_KEY_LEN);
	if (matched)
		target->mesh.wants_at = 0;
	spin_unlock_bh(&target->mesh.lock);

	if (matched) {
		spin_lock_bh(&from->mesh.lock);
		from->mesh.wants_at = 0;
		spin_unlock_bh(&from->mesh.lock);
		send_endpoint(from, target);
		send_endpoint(target, from);
		mt_device_mesh_count(mt, MT_MESH_STAT_INTRODUCTIONS, 1);
	} else if (!told) {
		u8 tag[MT_MESH_KEY_TAG_LEN];

		/* By its key's tag: a target without the asker's key learns nothing of it. */
		mt_mesh_key_tag(tag, from->public_key, target->public_key);
		send_peer_msg(target, MT_MESH_PEER_ASKING, tag);
	}
	mt_peer_put(target);
}

/*
 * As a hub: FROM's RELAY (skb at its header) made the RELAYED message for
 * the peer it names, which is returned (referenced) for receive.c to send
 * on; or NULL, the message dropped and counted.
 */
static struct mt_peer *hub_relay(struct mt_peer *from, struct sk_buff *skb)
{
	struct mt_mesh_peer_msg *msg = (struct mt_mesh_peer_msg *)skb->data;
	struct mt_device *mt = from->device;
	unsigned int inner_len = skb->len - sizeof(*msg);
	enum mt_drop_reason reason;
	struct mt_peer *target;
	u32 type;

	if (unlikely(!pskb_may_pull(skb, sizeof(*msg) + sizeof(struct mt_message_header)))) {
		reason = MT_DROP_RX_MESH_MALFORMED;
		goto drop;
	}
	msg = (struct mt_mesh_peer_msg *)skb->data;
	type = le32_to_cpu(((struct mt_message_header *)(msg + 1))->type);
	/* Only what a WireGuard peer would accept; cookies answer an address, not a peer. */
	if (!mt_message_length_ok(type, inner_len) || type == MT_MESSAGE_HANDSHAKE_COOKIE) {
		reason = MT_DROP_RX_MESH_MALFORMED;
		goto drop;
	}
	if (type != MT_MESSAGE_DATA && !take_request_token(from)) {
		reason = MT_DROP_RX_MESH_RATELIMIT;
		goto drop;
	}
	target = hub_target(from, msg->public_key);
	if (!target) {
		reason = MT_DROP_RX_MESH_REFUSED;
		goto drop;
	}
	/* What came over IPv6 may not fit an IPv4 datagram: too big to relay. */
	if (unlikely(skb->len > MT_MAX_MTU)) {
		mt_peer_put(target);
		reason = MT_DROP_TX_NO_RELAY;
		goto drop;
	}
	/* The same header, now naming the sender. */
	msg->header.type = MT_MESH_RELAYED;
	memcpy(msg->public_key, from->public_key, MESHTUN_KEY_LEN);
	mt_device_mesh_count(mt, MT_MESH_STAT_FORWARDED, 1);
	mt_device_mesh_count(mt, MT_MESH_STAT_FORWARDED_BYTES, inner_len);
	return target;
drop:
	mt_device_count(mt, reason);
	kfree_skb(skb);
	return NULL;
}

/* The peer one of our hubs names (by key, or else by its key's tag), referenced, or NULL. */
static struct mt_peer *hub_names(struct mt_peer *hub, const u8 *public_key, const u8 *key_tag)
{
	struct mt_peer *peer = public_key ? mt_peer_lookup_rcu(hub->device, public_key) :
					    mt_peer_lookup_tag_rcu(hub->device, key_tag);

	if (peer && (peer == hub || READ_ONCE(peer->mesh.hub))) {
		mt_peer_put(peer);
		peer = NULL;
	}
	return peer;
}

static bool endpoint_from_msg(union mt_endpoint *ep, const struct mt_mesh_endpoint *msg)
{
	memset(ep, 0, sizeof(*ep));
	if (msg->reserved || !msg->port)
		return false;
	if (msg->family == 4) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_port = msg->port;
		memcpy(&ep->addr4.sin_addr, msg->addr, 4);
		/* 240/4 (reserved, and the limited broadcast) included. */
		return !ipv4_is_zeronet(ep->addr4.sin_addr.s_addr) &&
		       !ipv4_is_multicast(ep->addr4.sin_addr.s_addr) &&
		       (ntohl(ep->addr4.sin_addr.s_addr) & 0xf0000000) != 0xf0000000 &&
		       !ipv4_is_loopback(ep->addr4.sin_addr.s_addr);
	}
	if (msg->family == 6) {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_port = msg->port;
		memcpy(&ep->addr6.sin6_addr, msg->addr, 16);
		/* Nor an IPv4 address in IPv6 clothing (mapped, or ::a.b.c.d). */
		return !(ipv6_addr_type(&ep->addr6.sin6_addr) &
			 (IPV6_ADDR_ANY | IPV6_ADDR_MULTICAST | IPV6_ADDR_LOOPBACK |
			  IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MAPPED)) &&
		       (ep->addr6.sin6_addr.s6_addr32[0] | ep->addr6.sin6_addr.s6_addr32[1] |
			ep->addr6.sin6_addr.s6_addr32[2]);
	}
	return false;
}

/*
 * How long after the last train of PINGs the next may start (mesh lock
 * held): a train's length, or, after one that went unanswered, twice
 * the last wait, up to MT_MESH_PUNCH_MAX_GAP.
 */
static u64 next_punch_gap(struct mt_peer *peer)
{
	if (!peer->mesh.punched || peer->mesh.punch_answered)
		return MT_MESH_PUNCH_TRAIN;
	return min_t(u64, 2 * peer->mesh.punch_gap, MT_MESH_PUNCH_MAX_GAP);
}

/* From our hub HUB: PEER is at the address in msg; punch there. */
static void node_endpoint(struct mt_peer *hub, struct mt_peer *peer,
			  const struct mt_mesh_endpoint *msg)
{
	u64 now = get_jiffies_64(), delay = 0;
	union mt_endpoint ep;
	bool start;

	if (!endpoint_from_msg(&ep, msg)) {
		mt_device_count(peer->device, MT_DROP_RX_MESH_MALFORMED);
		return;
	}
	/* Never one of our own addresses, nor a broadcast: PINGs go to another host. */
	if (!mt_socket_is_remote_unicast(peer->device, &ep)) {
		mt_device_count(peer->device, MT_DROP_RX_MESH_REFUSED);
		return;
	}

	spin_lock_bh(&peer->mesh.lock);
	/*
	 * The PINGs still to go, if any, go to the new address, if the hub
	 * that gave the last one gives it (another hub's answer cannot turn
	 * a train elsewhere). Otherwise a new train of them starts, but not
	 * before the last one's time is over: one train's worth at a time
	 * per peer, whatever addresses its hubs give, and, while none is
	 * answered, ever fewer (punch_timer() counts the gap from when a
	 * train really starts).
	 */
	start = !peer->mesh.punches;
	if (start || peer->mesh.punch_hub == hub->serial) {
		peer->mesh.candidate = ep;
		peer->mesh.punch_hub = hub->serial;
		/* (A train under way now goes there: its answer comes from there.) */
		if (!start && peer->mesh.punches < MT_MESH_PUNCHES)
			peer->mesh.punched_to = ep;
	}
	if (start) {
		u64 gap = next_punch_gap(peer);

		if (peer->mesh.punched && time_before64(now, peer->mesh.punched_at + gap))
			delay = peer->mesh.punched_at + gap - now;
		peer->mesh.punches = MT_MESH_PUNCHES;
	}
	spin_unlock_bh(&peer->mesh.lock);
	if (start)
		arm(peer, &peer->mesh.punch_timer, jiffies + delay);
}

static void punch_timer(struct timer_list *timer)
{
	struct mt_peer *peer = from_timer(peer, timer, mesh.punch_timer);
	__le64 id;
	bool more;

	spin_lock_bh(&peer->mesh.lock);
	if (!peer->mesh.punches) {
		spin_unlock_bh(&peer->mesh.lock);
		return;
	}
	if (peer->mesh.punches == MT_MESH_PUNCHES) {
		/* A train starts: how long the next must wait is counted from now. */
		peer->mesh.punch_gap = next_punch_gap(peer);
		peer->mesh.punched_to = peer->mesh.candidate;
		peer->mesh.punched_at = get_jiffies_64();
		peer->mesh.punched = true;
		peer->mesh.punch_answered = false;
	}
	more = --peer->mesh.punches > 0;
	if (!peer->mesh.probe_id)
		peer->mesh.probe_id = get_random_u64();
	id = cpu_to_le64(peer->mesh.probe_id);
	spin_unlock_bh(&peer->mesh.lock);
	/* Without a session yet, the PING waits for the handshake it starts. */
	send_ping(peer, MT_MESH_PING, id, MT_ROUTE_CANDIDATE);
	if (more)
		arm(peer, &peer->mesh.punch_timer, jiffies + MT_MESH_PUNCH_INTERVAL);
}

/* A well-formed handshake initiation or response (what a DH is spent on). */
static bool is_handshake(u32 type, unsigned int len)
{
	return (type == MT_MESSAGE_HANDSHAKE_INITIATION || type == MT_MESSAGE_HANDSHAKE_RESPONSE) &&
	       mt_message_length_ok(type, len);
}

/*
 * A RELAYED message from our hub: the WireGuard message inside (skb
 * pulled to it) comes from the peer it names, returned referenced for
 * receive.c to take in; or NULL, the message dropped and counted.
 */
static struct mt_peer *node_relayed(struct mt_peer *hub, struct sk_buff *skb)
{
	struct mt_mesh_peer_msg *msg = (struct mt_mesh_peer_msg *)skb->data;
	struct mt_peer *from = hub_names(hub, msg->public_key, NULL);

	if (!from) {
		mt_device_count(hub->device, MT_DROP_RX_MESH_REFUSED);
		kfree_skb(skb);
		return NULL;
	}
	__skb_pull(skb, sizeof(*msg));
	/*
	 * A handshake costs us Diffie-Hellman work, and no cookie slows one
	 * that comes through a hub: buckets do, its sender's and the hub's.
	 */
	if (pskb_may_pull(skb, sizeof(struct mt_message_header)) &&
	    is_handshake(le32_to_cpu(((struct mt_message_header *)skb->data)->type), skb->len) &&
	    !take_relayed_handshake_token(hub, from)) {
		mt_device_count(hub->device, MT_DROP_RX_MESH_RATELIMIT);
		kfree_skb(skb);
		mt_peer_put(from);
		return NULL;
	}
	return from;
}

/* The length a message's body must have; -1: at least a key (RELAY, RELAYED). */
static int body_len(u8 type)
{
	switch (type) {
	case MT_MESH_PING:
	case MT_MESH_PONG:
		return sizeof(struct mt_mesh_ping) - sizeof(struct mt_mesh_header);
	case MT_MESH_ENDPOINT_REQUEST:
		return MESHTUN_KEY_LEN;
	case MT_MESH_PEER_ASKING:
		return MT_MESH_KEY_TAG_LEN;
	case MT_MESH_ENDPOINT:
		return sizeof(struct mt_mesh_endpoint) - sizeof(struct mt_mesh_header);
	case MT_MESH_RELAY:
	case MT_MESH_RELAYED:
		return -1;
	}
	return 0;
}

/*
 * A mesh message's header and length checked, its padding trimmed and a
 * small one made linear: its header, or NULL for a malformed one.
 */
static struct mt_mesh_header *check_message(struct sk_buff *skb)
{
	struct mt_mesh_header *hdr;
	unsigned int len;
	int want;

	if (unlikely(!pskb_may_pull(skb, sizeof(*hdr))))
		return NULL;
	hdr = (struct mt_mesh_header *)skb->data;
	len = be16_to_cpu(hdr->len);
	want = body_len(hdr->type);
	if (hdr->flags || !want || (want > 0 && len != want) ||
	    (want < 0 && len < MESHTUN_KEY_LEN) || len > skb->len - sizeof(*hdr))
		return NULL;
	if (pskb_trim(skb, sizeof(*hdr) + len) ||
	    !pskb_may_pull(skb, sizeof(*hdr) + min_t(unsigned int, len,
							sizeof(struct mt_mesh_endpoint))))
		return NULL;
	return (struct mt_mesh_header *)skb->data;
}

static enum mt_mesh_verdict drop_message(struct mt_device *mt, struct sk_buff *skb,
					 enum mt_drop_reason reason)
{
	mt_device_count(mt, reason);
	kfree_skb(skb);
	return MT_MESH_CONSUMED;
}

/* What a hub takes from its peers: requests for endpoints, messages to relay. */
static enum mt_mesh_verdict hub_receive(struct mt_peer *from, struct sk_buff *skb,
					struct mt_peer **next)
{
	struct mt_mesh_header *hdr = (struct mt_mesh_header *)skb->data;

	if (!READ_ONCE(from->device->relay))
		return drop_message(from->device, skb, MT_DROP_RX_MESH_REFUSED);
	if (hdr->type == MT_MESH_RELAY) {
		*next = hub_relay(from, skb);
		return *next ? MT_MESH_FORWARD : MT_MESH_CONSUMED;
	}
	hub_endpoint_request(from, ((struct mt_mesh_peer_msg *)hdr)->public_key);
	consume_skb(skb);
	return MT_MESH_CONSUMED;
}

/* What a node takes from one of its hubs: askings, endpoints, relayed messages. */
static enum mt_mesh_verdict node_receive(struct mt_peer *hub, struct sk_buff *skb,
					 struct mt_peer **next)
{
	struct mt_mesh_header *hdr = (struct mt_mesh_header *)skb->data;
	struct mt_device *mt = hub->device;
	enum mt_drop_reason reason;
	struct mt_peer *other;

	if (!READ_ONCE(hub->mesh.hub))
		return drop_message(mt, skb, MT_DROP_RX_MESH_REFUSED);
	switch (hdr->type) {
	case MT_MESH_RELAYED:
		*next = node_relayed(hub, skb);
		return *next ? MT_MESH_DELIVER : MT_MESH_CONSUMED;
	case MT_MESH_PEER_ASKING:
		/* An asker we do not know spends nothing of the hub's. */
		other = hub_names(hub, NULL, ((struct mt_mesh_asking *)hdr)->key_tag);
		if (!other)
			return drop_message(mt, skb, MT_DROP_RX_MESH_REFUSED);
		reason = MT_DROP_RX_MESH_RATELIMIT;
		if (!take_asking_token(hub, other))
			break;
		/* We know the asker: ask back, and the hub introduces us. */
		ask_back(hub, other);
		mt_peer_put(other);
		consume_skb(skb);
		return MT_MESH_CONSUMED;
	case MT_MESH_ENDPOINT:
		other = hub_names(hub, ((struct mt_mesh_endpoint *)hdr)->public_key, NULL);
		if (!other)
			return drop_message(mt, skb, MT_DROP_RX_MESH_REFUSED);
		/* Only the answer to our request to this hub: no PING goes out unasked. */
		reason = MT_DROP_RX_MESH_REFUSED;
		if (!asked(hub, other))
			break;
		/* Each sets off PINGs: even our own hub may not have too many sent. */
		reason = MT_DROP_RX_MESH_RATELIMIT;
		if (!take_introduction_token(hub))
			break;
		node_endpoint(hub, other, (struct mt_mesh_endpoint *)hdr);
		mt_peer_put(other);
		consume_skb(skb);
		return MT_MESH_CONSUMED;
	default:	/* none other reaches here: mt_mesh_receive() sorted them */
		return drop_message(mt, skb, MT_DROP_RX_MESH_MALFORMED);
	}
	mt_peer_put(other);
	return drop_message(mt, skb, reason);
}

enum mt_mesh_verdict mt_mesh_receive(struct mt_peer *peer, struct sk_buff *skb,
				     struct mt_peer **next)
{
	struct mt_mesh_header *hdr = check_message(skb);

	*next = NULL;
	if (!hdr)
		return drop_message(peer->device, skb, MT_DROP_RX_MESH_MALFORMED);
	switch (hdr->type) {
	case MT_MESH_PING:
		/* Back where it came from: roaming made that the endpoint. */
		send_ping(peer, MT_MESH_PONG, ((struct mt_mesh_ping *)hdr)->id, MT_ROUTE_DIRECT);
		break;
	case MT_MESH_PONG:
		pong_received(peer, le64_to_cpu(((struct mt_mesh_ping *)hdr)->id), skb);
		break;
	case MT_MESH_ENDPOINT_REQUEST:
	case MT_MESH_RELAY:
		return hub_receive(peer, skb, next);
	case MT_MESH_PEER_ASKING:
	case MT_MESH_ENDPOINT:
	case MT_MESH_RELAYED:
		return node_receive(peer, skb, next);
	default:	/* check_message() lets no other type through */
		return drop_message(peer->device, skb, MT_DROP_RX_MESH_MALFORMED);
	}
	consume_skb(skb);
	return MT_MESH_CONSUMED;
}

/* ---- configuration ---- */

void mt_mesh_key_tag(u8 tag[MT_MESH_KEY_TAG_LEN], const u8 *asker, const u8 *target)
{
	struct blake2s_state state;

	blake2s_init(&state, MT_MESH_KEY_TAG_LEN);
	blake2s_update(&state, MT_MESH_KEY_TAG_LABEL, sizeof(MT_MESH_KEY_TAG_LABEL) - 1);
	blake2s_update(&state, asker, MESHTUN_KEY_LEN);
	blake2s_update(&state, target, MESHTUN_KEY_LEN);
	blake2s_final(&state, tag);
}

void mt_mesh_peer_init(struct mt_peer *peer)
{
	u64 now = get_jiffies_64();
	struct mt_mesh_bucket full = { .at = now };

	INIT_LIST_HEAD(&peer->mesh.hub_entry);
	spin_lock_init(&peer->mesh.lock);
	timer_setup(&peer->mesh.punch_timer, punch_timer, 0);
	timer_setup(&peer->mesh.probe_timer, probe_timer, 0);
	peer->mesh.discovery_backoff = 1;
	peer->mesh.punch_gap = MT_MESH_PUNCH_TRAIN;
	full.tokens = MT_MESH_REQUESTS_BURST;
	peer->mesh.requests = full;
	peer->mesh.askings = full;
	peer->mesh.introductions = full;
	full.tokens = MT_MESH_HUB_HANDSHAKES_BURST;
	peer->mesh.hub_handshakes = full;
}

void mt_mesh_peer_stop(struct mt_peer *peer)
{
	del_timer_sync(&peer->mesh.punch_timer);
	del_timer_sync(&peer->mesh.probe_timer);
	spin_lock_bh(&peer->mesh.lock);
	peer->mesh.punches = 0;
	WRITE_ONCE(peer->mesh.round_started, 0);
	spin_unlock_bh(&peer->mesh.lock);
}

bool mt_mesh_set_hub(struct mt_peer *peer, bool hub)
{
	lockdep_assert_held(&peer->device->config_lock);
	if (hub == peer->mesh.hub)
		return false;
	WRITE_ONCE(peer->mesh.hub, hub);
	if (hub) {
		list_add_tail_rcu(&peer->mesh.hub_entry, &peer->device->hub_list);
		return false;
	}
	list_del_rcu(&peer->mesh.hub_entry);
	return true;
}

void mt_mesh_remove_peer(struct mt_peer *peer)
{
	lockdep_assert_held(&peer->device->config_lock);
	/* The reap after removal waits for readers before the peer can go. */
	if (peer->mesh.hub)
		list_del_rcu(&peer->mesh.hub_entry);
	WRITE_ONCE(peer->mesh.hub, false);
}

const u8 *mt_mesh_hub_key(struct mt_peer *peer)
{
	u64 hint = READ_ONCE(peer->mesh.last_hub);
	struct mt_peer *hub;

	lockdep_assert_held(&peer->device->config_lock);
	list_for_each_entry(hub, &peer->device->hub_list, mesh.hub_entry) {
		if (hub->serial == hint)
			return hub->public_key;
	}
	return NULL;
}
