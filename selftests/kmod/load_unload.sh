#!/bin/bash
# Loading and unloading meshtun.ko: by name, by the rtnl-link alias that
# `ip link add ... type meshtun` triggers, repeatedly.
. "$(dirname "$0")/../lib.sh"

modprobe -r meshtun 2>/dev/null

check "modprobe meshtun loads the module" modprobe meshtun
check "the module is listed in /sys/module" test -d /sys/module/meshtun
check_eq "its version is recorded" "0.1.0" "$(cat /sys/module/meshtun/version 2>&1)"
check "modprobe -r unloads it" modprobe -r meshtun
check_fails "it is gone from /sys/module" test -d /sys/module/meshtun

check "ip link add ... type meshtun loads it by its alias" ip link add mt0 type meshtun
check "the module is loaded after that" test -d /sys/module/meshtun
check "the device exists" ip link show mt0
check "ip link del removes the device" ip link del mt0
check "modprobe -r after the device is gone" modprobe -r meshtun

loops=0
for _ in $(seq 20); do
	modprobe meshtun && ip link add mt0 type meshtun && ip link del mt0 &&
		modprobe -r meshtun && loops=$((loops + 1))
done
check_eq "20 load/create/delete/unload cycles" 20 "$loops"
finish
