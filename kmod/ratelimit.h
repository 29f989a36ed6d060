/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ratelimit.h - per-source rate limit on handshake messages that carry a
 * valid cookie, so that no single address can keep the handshake workers
 * busy (whitepaper, section 5.4.7).
 *
 *   mt_ratelimit_init()    the module-wide table and its collector
 *   mt_ratelimit_uninit()  free it all
 *   mt_ratelimit_allow()   whether the sender of skb may have another
 *                          handshake processed now
 */
#ifndef MT_RATELIMIT_H
#define MT_RATELIMIT_H

#include <linux/skbuff.h>
#include <net/net_namespace.h>

int mt_ratelimit_init(void);
void mt_ratelimit_uninit(void);
bool mt_ratelimit_allow(struct sk_buff *skb, struct net *net);

#endif /* MT_RATELIMIT_H */
