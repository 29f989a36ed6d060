/* SPDX-License-Identifier: GPL-2.0 */
/*
 * send.h - the transmit path: staging, encryption, handshake initiation.
 *
 *   mt_send_xmit()                  the device's ndo_start_xmit
 *   mt_send_staged()                encrypt and send what waits, or start a
 *                                   handshake if there is no usable session
 *   mt_send_keepalive()             an empty data packet (or what waits)
 *   mt_send_plaintext()             encrypt and send a message of our own
 *                                   (mesh.c's), in order with the packets
 *   mt_send_handshake_initiation()  queue an initiation (rate limited to one
 *                                   per REKEY_TIMEOUT, retries included)
 *   mt_send_handshake_response()    answer a consumed initiation
 *   mt_send_cookie_reply()          answer a handshake under load
 *   mt_send_purge_staged()          drop what waits, counting why
 *   mt_send_encrypt_worker()        the encryption workers' function
 *   mt_send_handshake_worker()      a peer's initiation work
 */
#ifndef MT_SEND_H
#define MT_SEND_H

#include "device.h"
#include "queue.h"

#include <linux/netdevice.h>

struct mt_peer;

netdev_tx_t mt_send_xmit(struct sk_buff *skb, struct net_device *dev);
void mt_send_staged(struct mt_peer *peer);
void mt_send_keepalive(struct mt_peer *peer);
void mt_send_plaintext(struct mt_peer *peer, struct sk_buff *skb, u8 ds, enum mt_route route);
void mt_send_handshake_initiation(struct mt_peer *peer, bool is_retry);
void mt_send_handshake_response(struct mt_peer *peer);
void mt_send_cookie_reply(struct mt_device *mt, struct sk_buff *skb, __le32 sender_index);
void mt_send_purge_staged(struct mt_peer *peer, enum mt_drop_reason reason);
void mt_send_encrypt_worker(struct work_struct *work);
void mt_send_handshake_worker(struct work_struct *work);

#endif /* MT_SEND_H */
