// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - module entry points: register the link kind, then the generic
 * netlink family that configures it; tear down in the reverse order.
 */
#include "allowedips.h"
#include "clock.h"
#include "device.h"
#include "netlink.h"
#include "noise.h"
#include "peer.h"
#include "race.h"
#include "ratelimit.h"

#include <linux/delay.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>

#ifdef MT_SELFTEST
unsigned long mt_debug_clock_offset;
module_param_named(debug_clock_offset, mt_debug_clock_offset, ulong, 0644);
MODULE_PARM_DESC(debug_clock_offset, "Self-test build only: seconds added to the session clock");

static char race_site[32];
module_param_string(race_site, race_site, sizeof(race_site), 0644);
MODULE_PARM_DESC(race_site, "Self-test build only: the race window to widen (race.h)");
static char race_dev[IFNAMSIZ];
module_param_string(race_dev, race_dev, sizeof(race_dev), 0644);
MODULE_PARM_DESC(race_dev, "Self-test build only: only this device's caller waits in it");
static unsigned int race_delay_ms;
module_param(race_delay_ms, uint, 0644);
MODULE_PARM_DESC(race_delay_ms,
		 "Self-test build only: how long to wait in it (at most 5000, or 30000 where it may sleep)");
static bool race_release;
module_param(race_release, bool, 0644);
MODULE_PARM_DESC(race_release, "Self-test build only: end the wait now");
static bool race_waiting;
module_param(race_waiting, bool, 0444);
MODULE_PARM_DESC(race_waiting, "Self-test build only: whether a caller waits in the window");

/*
 * One caller waits, once: the test arms the window again for another.
 * It waits until the time is up or the test releases it, whichever comes
 * first; where it may sleep it may wait longer (a slow machine needs
 * time to release the object), elsewhere a busy wait is short enough
 * for no lockup detector to take it for a hang. Time is the clock's: a
 * delay loop's calibration means little in an emulated CPU.
 */
void mt_race_window_wait(const char *site, const struct net_device *dev)
{
	unsigned int ms = READ_ONCE(race_delay_ms);
	bool may_sleep = preemptible();
	ktime_t end;

	if (!ms || !sysfs_streq(race_site, site) ||
	    (!sysfs_streq(race_dev, "") && !sysfs_streq(race_dev, dev->name)) ||
	    cmpxchg(&race_delay_ms, ms, 0) != ms)
		return;
	ms = min(ms, may_sleep ? 30000U : 5000U);
	WRITE_ONCE(race_release, false);
	WRITE_ONCE(race_waiting, true);
	/* The test waits for this before it releases the object. */
	pr_info("race window %s: %s waiting %u ms\n", site, dev->name, ms);
	end = ktime_add_ms(ktime_get(), ms);
	while (ktime_before(ktime_get(), end) && !READ_ONCE(race_release)) {
		if (may_sleep)
			usleep_range(1000, 2000);
		else
			cpu_relax();
	}
	WRITE_ONCE(race_waiting, false);
	pr_info("race window %s: %s done%s\n", site, dev->name,
		READ_ONCE(race_release) ? ", released" : ", time up");
}
#endif

static int __init mt_module_init(void)
{
	int ret;

	mt_noise_init();
	ret = mt_allowedips_slab_init();
	if (ret)
		return ret;
	ret = mt_peer_slab_init();
	if (ret)
		goto err_peer;
	ret = mt_ratelimit_init();
	if (ret)
		goto err_ratelimit;

#ifdef MT_SELFTEST
	if (!mt_allowedips_selftest()) {
		ret = -ENOTRECOVERABLE;
		goto err_device;
	}
#endif

	ret = mt_device_init();
	if (ret)
		goto err_device;

	ret = mt_genl_init();
	if (ret)
		goto err_genl;

	pr_info("meshtun " MT_VERSION " loaded\n");
	return 0;

err_genl:
	mt_device_uninit();
err_device:
	mt_ratelimit_uninit();
err_ratelimit:
	mt_peer_slab_uninit();
err_peer:
	mt_allowedips_slab_uninit();
	return ret;
}

static void __exit mt_module_exit(void)
{
	/* No new configuration requests, then no devices. */
	mt_genl_uninit();
	mt_device_uninit();
	mt_ratelimit_uninit();
	mt_peer_slab_uninit();
	mt_allowedips_slab_uninit();
}

module_init(mt_module_init);
module_exit(mt_module_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("meshtun: in-kernel mesh VPN speaking the WireGuard protocol");
MODULE_AUTHOR("The meshtun developers");
MODULE_VERSION(MT_VERSION);
