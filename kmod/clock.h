/* SPDX-License-Identifier: GPL-2.0 */
/*
 * clock.h - the clock that session and cookie lifetimes are measured on.
 *
 *   mt_clock_ns()             now, in nanoseconds of CLOCK_BOOTTIME
 *   mt_birthdate_expired()    whether a birthdate is at least n seconds old
 *
 * Boot time keeps counting through suspend, so a session that outlived
 * its lifetime during a suspend is not used after resume. Only the
 * self-test build (MT_SELFTEST) can move this clock forward, through
 * the debug_clock_offset parameter, so that tests can age sessions past
 * their rekey and reject times without waiting minutes; the production
 * build reads the real clock and has no such parameter.
 */
#ifndef MT_CLOCK_H
#define MT_CLOCK_H

#include <linux/ktime.h>
#include <linux/timekeeping.h>

#ifdef MT_SELFTEST
extern unsigned long mt_debug_clock_offset;	/* seconds */
static inline u64 mt_clock_ns(void)
{
	return ktime_get_coarse_boottime_ns() + READ_ONCE(mt_debug_clock_offset) * NSEC_PER_SEC;
}
#else
static inline u64 mt_clock_ns(void)
{
	return ktime_get_coarse_boottime_ns();
}
#endif

static inline bool mt_birthdate_expired(u64 birthdate_ns, u64 seconds)
{
	return (s64)(birthdate_ns + seconds * NSEC_PER_SEC - mt_clock_ns()) <= 0;
}

#endif /* MT_CLOCK_H */
