/* SPDX-License-Identifier: GPL-2.0 */
/*
 * race.h - widen one race window, in the self-test build only.
 *
 * The lifetime tests release an object (a peer, an endpoint's route)
 * while the packet path is using it. Some of those races have windows a
 * few instructions wide, which no test hits reliably. The self-test build
 * (MT_SELFTEST) can stretch one named window by a busy wait: the module
 * parameter race_site names it, race_delay_ms says how long. The
 * production build compiles mt_race_window() to nothing.
 *
 *   mt_race_window(SITE)   wait here if SITE is the chosen site; any
 *                          context (a busy wait, as on a slow CPU)
 *
 * Sites: "consume-initiation" (a handshake worker holding the peer it
 * just found), "endpoint-send" (a sender holding a copy of the endpoint
 * before it routes to it).
 */
#ifndef MT_RACE_H
#define MT_RACE_H

#ifdef MT_SELFTEST
void mt_race_window_wait(const char *site);
#define mt_race_window(site) mt_race_window_wait(site)
#else
#define mt_race_window(site) do { } while (0)
#endif

#endif /* MT_RACE_H */
