/* SPDX-License-Identifier: GPL-2.0 */
/*
 * receive.h - the receive path: UDP encapsulation to the inner packet.
 *
 *   mt_receive_encap()            the sockets' encap_rcv: check, then hand
 *                                 to the handshake or decryption workers
 *   mt_receive_handshake_worker() the handshake workers' function
 *   mt_receive_decrypt_worker()   the decryption workers' function
 */
#ifndef MT_RECEIVE_H
#define MT_RECEIVE_H

#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/sock.h>

struct mt_device;
struct mt_peer;

int mt_receive_encap(struct sock *sk, struct sk_buff *skb);
void mt_receive_handshake_worker(struct work_struct *work);
void mt_receive_decrypt_worker(struct work_struct *work);

#endif /* MT_RECEIVE_H */
