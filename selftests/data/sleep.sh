#!/bin/bash
# Before the machine sleeps, and its memory perhaps goes to disk, every
# session and handshake is forgotten and its keys zeroed, as WireGuard
# does: after it wakes, the next packet starts a new handshake. The
# kernel's suspend test mode stands in for a real sleep (pm_test
# "freezer": the notifiers run and every task is frozen, then thawed,
# nothing is powered down).
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
topo_two mta mtb || exit 1
check "meshtun nodes a and b, peers over IPv4" pair_up mta mt mtb mt
check "a session" in_ns mta ping -c 2 -i 0.2 -W 5 192.168.9.2
h1=$(handshake mta)
# Handshake times are in seconds: the next one must be in a later one.
sleep 1.5
check "the machine goes to sleep and wakes (suspend to idle, pm_test freezer)" sh -c '
	echo freezer >/sys/power/pm_test || exit 1
	echo freeze >/sys/power/state
	rc=$?
	echo none >/sys/power/pm_test
	exit $rc'
check "a and b talk afterwards" in_ns mta ping -c 2 -i 0.5 -W 8 192.168.9.2
h2=$(handshake mta)
check "after a new handshake ($h1 -> $h2)" test "$h2" -gt "$h1"
check "b saw it too" test "$(handshake mtb)" -ge "$h2"
finish
