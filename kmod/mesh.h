/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mesh.h - meshtun's mesh: hubs that introduce peers to each other and
 * relay for them, and the choice of path for every message.
 *
 * A peer configured as a hub is asked for the address of the peers we
 * have no working direct path to, and carries our messages to them
 * meanwhile, still encrypted end to end. A device with relay on is a hub
 * for its peers. Mesh messages (messages.h) go only to peers whose last
 * handshake showed they speak them (noise.c's mesh signal); a device with
 * no hub behaves exactly as WireGuard does.
 *
 *   mt_mesh_key_tag()     how a hub names an asker to the peer it asks for
 *                         (messages.h: PEER_ASKING)
 *   mt_mesh_peer_init()   a new peer's mesh state
 *   mt_mesh_peer_stop()   stop its timers (peer shut down, device down)
 *   mt_mesh_set_hub()     make a peer a hub, or not (config lock); true:
 *                         it left the hub list, and readers may stand on
 *                         its entry until a grace period (the caller's,
 *                         once per request) has passed
 *   mt_mesh_remove_peer() a removed peer leaves the hubs (config lock)
 *   mt_mesh_reachable()   whether a peer without an endpoint can be reached
 *                         through a hub (so its packets may wait)
 *   mt_mesh_path()        where a WireGuard message to a peer goes now:
 *                         its endpoint, the address a hub gave (a punch),
 *                         a hub (referenced in the path), or nowhere (with
 *                         the drop reason and errno); send.c moves it
 *                         there. Deciding keeps the mesh's state: the
 *                         path's kind, the probe of a direct path in use,
 *                         handshakes with hubs not yet heard from
 *   mt_mesh_wrap_relay()  put the RELAY header naming the peer in front of
 *                         a message for the hub, noting that hub as the
 *                         last used; -EMSGSIZE (skb not consumed) when it
 *                         cannot fit one datagram or take the header
 *   mt_mesh_path_done()   after every send on a path, sent or not: punches
 *                         counted, discovery when relayed, the hub put
 *   mt_mesh_received()    a peer's authenticated message arrived, straight
 *                         (hub 0) or through the hub with that serial
 *   mt_mesh_receive()     a peer's decrypted mesh message: handled here, or
 *                         a WireGuard message to take in from *next
 *                         through this hub (DELIVER), or a RELAYED one to
 *                         send on to *next (FORWARD); *next referenced
 *   mt_mesh_hub_key()     for dumps: the hub a peer's messages went through
 *                         last, if it is still one (config lock)
 *
 * Locking: each peer's candidate address, punches, discovery backoff and,
 * on a hub, its last request and token bucket, and the probe round under
 * its mesh lock; the timestamps the packet path reads and writes are single words
 * (READ_ONCE/WRITE_ONCE); the hub list is an RCU-bh list changed under the
 * config lock.
 */
#ifndef MT_MESH_H
#define MT_MESH_H

#include "peer.h"

#include <linux/skbuff.h>

/*
 * The most peers a device may have as hubs (netlink refuses more).
 * pick_hub() walks every hub, with bottom halves off, for each message
 * it relays, and starts a handshake with each one not yet heard from:
 * the list must stay short. A mesh needs one or two hubs that everybody
 * reaches, and a few more for redundancy across providers or regions;
 * 16 leaves room for that while the walk stays a few cache lines long.
 */
#define MT_MESH_MAX_HUBS 16

/* What receive.c does with a mesh message next (mt_mesh_receive()). */
enum mt_mesh_verdict {
	MT_MESH_CONSUMED,	/* handled, or dropped and counted */
	MT_MESH_DELIVER,	/* a WireGuard message from *next, brought by the hub */
	MT_MESH_FORWARD,	/* we are the hub: a RELAYED message for *next */
};

/* Where a message to a peer goes (mt_mesh_path()). */
enum mt_path_kind {
	MT_PATH_ENDPOINT,	/* straight to the peer's endpoint */
	MT_PATH_CANDIDATE,	/* straight to the address a hub gave: a punch */
	MT_PATH_HUB,		/* in a RELAY, on the session with path->hub */
	MT_PATH_NONE,		/* nowhere: dropped as path->drop */
};

struct mt_path {
	enum mt_path_kind kind;
	struct mt_peer *hub;		/* MT_PATH_HUB: referenced until path_done */
	union mt_endpoint candidate;	/* MT_PATH_CANDIDATE */
	enum mt_drop_reason drop;	/* MT_PATH_NONE: counted as, */
	int err;			/* and returned */
	u64 now;			/* when it was decided */
};

/* A direct path unproven this long is not trusted until it answers a PING. */
#define MT_MESH_DIRECT_IDLE (25 * HZ)
/* Sending straight, prove the path again when its last proof is this old... */
#define MT_MESH_PROBE_EVERY HZ
/* ...by a round of PINGs this far apart... */
#define MT_MESH_PROBE_PING (HZ / 4)
/* ...which, unanswered this long, marks the path down. */
#define MT_MESH_PROBE_TIMEOUT (3 * HZ / 4)
/* Asking a hub again: after 1, 2, 4, ... seconds, at most this many. */
#define MT_MESH_DISCOVERY_MAX_BACKOFF 30
/* PINGs sent to an address a hub gave, this far apart. */
#define MT_MESH_PUNCHES 8
#define MT_MESH_PUNCH_INTERVAL (HZ / 4)
/* A hub matches two requests this far apart into an introduction, tells a target once... */
#define MT_MESH_WANTS_TIMEOUT (5 * HZ)
/* ...so its ENDPOINT answers our request within this, or not at all. */
#define MT_MESH_ANSWER_TIMEOUT (MT_MESH_WANTS_TIMEOUT + HZ)
/* Control messages are padded to this length (the longest, ENDPOINT, is 56). */
#define MT_MESH_CONTROL_LEN 64
/* ...and a train of them lasts this long: a new one starts only after it... */
#define MT_MESH_PUNCH_TRAIN (MT_MESH_PUNCHES * MT_MESH_PUNCH_INTERVAL)
/*
 * ...or, after a train nothing answered, twice as long as the last wait,
 * up to this: whoever gave the address (a hub, or a peer through a hub's
 * eyes, from a forged source) gets at most a train this often sent to an
 * address that does not answer.
 */
#define MT_MESH_PUNCH_MAX_GAP (30 * HZ)
/*
 * A hub takes this many requests (and relayed handshakes) a second per
 * peer; a node this many introductions from a hub, and relayed handshakes
 * from a peer...
 */
#define MT_MESH_REQUESTS_PER_SECOND 10
#define MT_MESH_REQUESTS_BURST 20
/*
 * A node takes this many PEER_ASKINGs a second naming one asker, from all
 * its hubs (a hub tells once per standing request, every few seconds at
 * most), before the hub's own bucket: one asker cannot use up what the
 * others' introductions need.
 */
#define MT_MESH_ASKER_PER_SECOND 1
#define MT_MESH_ASKER_BURST 4
/* ...and this many relayed handshakes from all peers of one hub together. */
#define MT_MESH_HUB_HANDSHAKES_PER_SECOND 50
#define MT_MESH_HUB_HANDSHAKES_BURST 100

void mt_mesh_key_tag(u8 tag[MT_MESH_KEY_TAG_LEN], const u8 *asker, const u8 *target);
void mt_mesh_peer_init(struct mt_peer *peer);
void mt_mesh_peer_stop(struct mt_peer *peer);
bool mt_mesh_set_hub(struct mt_peer *peer, bool hub);
void mt_mesh_remove_peer(struct mt_peer *peer);
bool mt_mesh_reachable(struct mt_peer *peer);
void mt_mesh_path(struct mt_peer *peer, struct sk_buff *skb, enum mt_route route,
		  struct mt_path *path);
int mt_mesh_wrap_relay(struct mt_peer *peer, struct mt_peer *hub, struct sk_buff *skb);
void mt_mesh_path_done(struct mt_peer *peer, struct mt_path *path, bool sent);
void mt_mesh_received(struct mt_peer *peer, u64 hub);
enum mt_mesh_verdict mt_mesh_receive(struct mt_peer *peer, struct sk_buff *skb,
				     struct mt_peer **next);
const u8 *mt_mesh_hub_key(struct mt_peer *peer);

#endif /* MT_MESH_H */
