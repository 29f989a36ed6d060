/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - the meshtun network device and its rtnetlink link kind.
 *
 *   struct mt_device        private state of one meshtun net_device
 *   mt_device_init()        register the "meshtun" link kind, and the
 *                           notifiers that forget every session before
 *                           the machine sleeps and after it is cloned
 *   mt_device_uninit()      unregister them, deleting every meshtun device
 *   mt_device_from_netdev() the mt_device behind a net_device, or NULL if
 *                           the net_device is not a meshtun device
 *   mt_device_count()       count a dropped packet by its reason
 *   mt_device_mesh_count()  add to one of the mesh's counters
 *   mt_device_sleeping()    the machine is about to sleep (its sessions
 *                           forgotten): no handshake may start or end
 *   mt_device_rekey_all()   the private key changed: new cookie keys,
 *                           forget what handshakes derived from the old
 *                           one, drop every session, tag every peer's
 *                           key anew (in the critical section that wrote
 *                           the key)
 *
 * Locking: configuration changes hold RTNL, then config_lock; readers of
 * the configuration (dumps) hold config_lock; the packet path reads peers
 * and allowed IPs under RCU.
 */
#ifndef MT_DEVICE_H
#define MT_DEVICE_H

#include "allowedips.h"
#include "cookie.h"
#include "index.h"
#include "queue.h"

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <net/gro_cells.h>
#include <linux/netdevice.h>
#include <linux/siphash.h>
#include <linux/meshtun.h>

#define MT_VERSION "0.1.0"
#define MT_PEER_HASH_BITS 11

/*
 * Why a packet was dropped. Each is counted per device (ethtool -S names
 * them) and folded into the standard netdev error counters.
 */
enum mt_drop_reason {
	MT_DROP_RX_BAD_LENGTH,		/* truncated or oversized message */
	MT_DROP_RX_BAD_TYPE,		/* unknown message type */
	MT_DROP_RX_NO_SESSION,		/* data for an unknown or expired session */
	MT_DROP_RX_DECRYPT,		/* did not authenticate */
	MT_DROP_RX_REPLAY,		/* counter seen before or too old */
	MT_DROP_RX_BAD_INNER,		/* not an IPv4/IPv6 packet inside */
	MT_DROP_RX_NOT_ALLOWED,		/* inner source not the peer's */
	MT_DROP_RX_BAD_MAC,		/* handshake message with a bad MAC1 */
	MT_DROP_RX_HANDSHAKE,		/* handshake message that failed */
	MT_DROP_RX_RATELIMIT,		/* handshake over the per-source rate */
	MT_DROP_RX_QUEUE_FULL,		/* workers' queue full */
	MT_DROP_TX_NO_PEER,		/* no peer for the destination */
	MT_DROP_TX_NO_ENDPOINT,		/* peer has no endpoint */
	MT_DROP_TX_NO_ROUTE,		/* no route to the endpoint */
	MT_DROP_TX_LOOP,		/* route to the endpoint is a meshtun device */
	MT_DROP_TX_STAGED_OVERFLOW,	/* too many packets waiting for a handshake */
	MT_DROP_TX_QUEUE_FULL,		/* workers' queue full */
	MT_DROP_TX_ENCRYPT,		/* could not make room or encrypt */
	MT_DROP_TX_HANDSHAKE_TIMEOUT,	/* handshake given up, staged packets dropped */
	MT_DROP_RX_MESH_MALFORMED,	/* mesh message of a wrong type or length */
	MT_DROP_RX_MESH_REFUSED,	/* mesh message we may not act on */
	MT_DROP_RX_MESH_RATELIMIT,	/* mesh requests over a peer's rate */
	MT_DROP_TX_NO_RELAY,		/* no hub could relay it */
	MT_DROP_TX_NO_SOCKET,		/* device down, or its sockets' namespace gone */
	MT_DROP_TX_MESH_UNSPOKEN,	/* a mesh message for a peer that speaks none */
	__MT_DROP_MAX
};

/* What the mesh did, counted per device (ethtool -S names them too). */
enum mt_mesh_stat {
	MT_MESH_STAT_RELAY_SENT,	/* messages we sent through a hub */
	MT_MESH_STAT_RELAY_RECEIVED,	/* messages that came through a hub */
	MT_MESH_STAT_FORWARDED,		/* messages we relayed as a hub */
	MT_MESH_STAT_FORWARDED_BYTES,
	MT_MESH_STAT_INTRODUCTIONS,	/* pairs of peers we told each other's address */
	MT_MESH_STAT_PUNCHES,		/* PINGs sent to an address a hub gave */
	MT_MESH_STAT_PATH_DIRECT,	/* a peer's path became direct */
	MT_MESH_STAT_PATH_RELAYED,	/* a peer's path went through a hub */
	MT_MESH_STAT_PROBES_FAILED,	/* a direct path went unanswered: down */
	__MT_MESH_STAT_MAX
};

struct mt_device {
	struct net_device *dev;
	/*
	 * Never the same for two devices since the module loaded: what holds
	 * no reference (a dump between its messages) finds the device again
	 * by ifindex and checks this.
	 */
	u64 generation;
	struct mutex config_lock;	/* see "Locking" above */
	/* In the global device list, under RTNL. */
	struct list_head device_entry;
	/*
	 * The namespace the device was created in, where its sockets live;
	 * NULL once that namespace is going away. Not a reference (kernel
	 * sockets hold none either): the pernet pre_exit hook closes the
	 * sockets and clears it, under RTNL and the config lock, before the
	 * namespace can be freed.
	 */
	struct net *creating_net;

	/* The static identity; handshakes read it, key changes write it. */
	struct rw_semaphore static_identity_lock;
	u8 private_key[MESHTUN_KEY_LEN];
	u8 public_key[MESHTUN_KEY_LEN];
	bool has_private_key;
	u16 listen_port;	/* as configured; 0 picks a free port */
	u16 incoming_port;	/* the bound port while up */
	u32 fwmark;

	/* UDP sockets in creating_net while the device is up; RCU-bh. */
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;

	struct mt_index_table index_table;
	struct mt_cookie_checker cookie_checker;
	struct workqueue_struct *crypt_wq;
	struct workqueue_struct *handshake_wq;
	struct mt_crypt_queue encrypt_queue;
	struct mt_crypt_queue decrypt_queue;
	struct mt_crypt_queue handshake_queue;
	atomic_t handshake_queue_len;
	u64 last_under_load;	/* jiffies64 */
	struct gro_cells gro_cells;
	atomic_long_t drops[__MT_DROP_MAX];
	atomic64_t mesh_stats[__MT_MESH_STAT_MAX];
	/* Act as a hub for our peers: relay and introduce. */
	bool relay;
	/* Peers configured as hubs; RCU-bh readers, config lock writers. */
	struct list_head hub_list;
	struct list_head dead_peers;	/* removed, awaiting mt_peer_reap_dead() */

	struct list_head peer_list;
	unsigned int num_peers;
	u64 next_peer_serial;
	DECLARE_HASHTABLE(peer_hash, MT_PEER_HASH_BITS);
	DECLARE_HASHTABLE(key_tag_hash, MT_PEER_HASH_BITS);
	siphash_key_t peer_hash_key;	/* for both */
	struct mt_allowedips allowedips;

	/* Bumped by every configuration change; dumps check it. */
	u64 config_seq;
};

int mt_device_init(void);
void mt_device_count(struct mt_device *mt, enum mt_drop_reason reason);
void mt_device_mesh_count(struct mt_device *mt, enum mt_mesh_stat stat, u64 n);
void mt_device_rekey_all(struct mt_device *mt);
bool mt_device_sleeping(void);
void mt_device_uninit(void);
struct mt_device *mt_device_from_netdev(struct net_device *dev);

#endif /* MT_DEVICE_H */
