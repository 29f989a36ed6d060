/* SPDX-License-Identifier: GPL-2.0 */
/*
 * timers.h - WireGuard's per-peer timer state machine (whitepaper,
 * section 6): handshake retries and give-up, keepalives, rekeying when
 * the peer goes quiet, persistent keepalives, and zeroing all keys after
 * three times reject-after-time without a new handshake.
 *
 *   mt_timers_init()   set up a peer's timers
 *   mt_timers_stop()   stop them for good (peer removal, device down)
 *   mt_timers_*()      the events the packet path reports
 */
#ifndef MT_TIMERS_H
#define MT_TIMERS_H

struct mt_peer;

void mt_timers_init(struct mt_peer *peer);
void mt_timers_stop(struct mt_peer *peer);
void mt_timers_data_sent(struct mt_peer *peer);
void mt_timers_data_received(struct mt_peer *peer);
void mt_timers_any_authenticated_packet_sent(struct mt_peer *peer);
void mt_timers_any_authenticated_packet_received(struct mt_peer *peer);
void mt_timers_handshake_initiated(struct mt_peer *peer);
void mt_timers_handshake_complete(struct mt_peer *peer);
void mt_timers_session_derived(struct mt_peer *peer);
void mt_timers_any_authenticated_packet_traversal(struct mt_peer *peer);

#endif /* MT_TIMERS_H */
