/* SPDX-License-Identifier: GPL-2.0 */
/*
 * race.h - widen one race window, in the self-test build only.
 *
 * The lifetime tests release an object (a peer, an endpoint's route)
 * while the packet path is using it. Some of those races have windows a
 * few instructions wide, which no test hits reliably. The self-test build
 * (MT_SELFTEST) can stretch one named window: the module parameter
 * race_site names it, race_dev (if set) the device whose caller waits,
 * race_delay_ms how long at most (the first such caller to reach it
 * waits, once, and logs "race window SITE: waiting"); race_waiting says
 * whether it still waits, and writing race_release ends the wait. The
 * production build compiles mt_race_window() to nothing.
 *
 *   mt_race_window(SITE, DEV)  wait here if SITE is the armed site, for
 *                              DEV's caller; any context (a busy wait, as
 *                              on a slow CPU, where it may not sleep)
 *
 * Sites: "consume-initiation" (a handshake worker holding the peer it
 * just found), "endpoint-send" (a sender holding a copy of the endpoint
 * before it routes to it), "set-device" (a SET request holding the device
 * it found, before it takes RTNL), "set-sockets" (a SET request holding
 * the new port's sockets it bound, before it applies anything),
 * "decrypt-packet" and "encrypt-packet" (a crypt worker holding the packet
 * it took from the ring, the one at the head of its peer's queue).
 */
#ifndef MT_RACE_H
#define MT_RACE_H

struct net_device;

#ifdef MT_SELFTEST
void mt_race_window_wait(const char *site, const struct net_device *dev);
#define mt_race_window(site, dev) mt_race_window_wait(site, dev)
#else
#define mt_race_window(site, dev) do { } while (0)
#endif

#endif /* MT_RACE_H */
