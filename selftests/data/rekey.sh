#!/bin/bash
# Session lifetimes: rekey after REKEY_AFTER_TIME, no sending after
# REJECT_AFTER_TIME. Uses the self-test build, whose debug_clock_offset
# parameter moves the session clock forward (the production build has
# no such knob).
. "$(dirname "$0")/lib.sh"

ko=build/kmod-selftest/$(uname -r)/meshtun.ko
knob=/sys/module/meshtun/parameters/debug_clock_offset
modprobe -r meshtun 2>/dev/null
for dep in $(modinfo -F depends "$ko" | tr , ' '); do modprobe "$dep"; done
insmod "$ko" || exit 1
trap 'rm -rf "$tmp"; mt_cleanup_namespaces; rmmod meshtun' EXIT
modprobe wireguard || exit 1

topo_two mta mtb || exit 1
check "meshtun nodes a and b, peers over IPv4" pair_up mta mt mtb mt
check "a initiates a session" in_ns mta ping -c 2 -i 0.2 -W 5 192.168.9.2

h1=$(handshake mta)
# Initiations are rate limited to one per REKEY_TIMEOUT (5 s, real time).
sleep 5.5
echo 125 >"$knob"
check "traffic 125 s (session clock) later" in_ns mta ping -c 3 -i 0.5 -W 5 192.168.9.2
sleep 0.5
h2=$(handshake mta)
check "the initiator rekeyed after REKEY_AFTER_TIME ($h1 -> $h2)" test "$h2" -gt "$h1"
check "b, the responder, saw the new handshake" test "$(handshake mtb)" -ge "$h2"

sleep 5.5
echo 400 >"$knob"
check "traffic after REJECT_AFTER_TIME: a new session first" in_ns mta ping -c 2 -i 0.5 -W 8 192.168.9.2
h3=$(handshake mta)
check "a new handshake happened ($h2 -> $h3)" test "$h3" -gt "$h2"
echo 0 >"$knob"
# Back in time: every session is young again; nothing breaks.
check "traffic with the clock back" in_ns mtb ping -c 2 -i 0.5 -W 8 192.168.9.1

finish
