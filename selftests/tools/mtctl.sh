#!/bin/bash
# mtctl against the running module: listing and selecting devices, and
# naming what it cannot use.
. "$(dirname "$0")/../lib.sh"

mtctl=tools/mtctl
modprobe meshtun || exit 1

check "version" $mtctl --version
check_eq "show with no devices prints nothing" "" "$($mtctl show 2>&1)"
ip link add mt0 type meshtun
ip link add mt1 type meshtun
ifindex=$(cat /sys/class/net/mt0/ifindex)
check_eq "show dev mt0" "interface: mt0
  ifindex: $ifindex" "$($mtctl show dev mt0 2>&1)"
check_eq "show lists every meshtun device" "mt0 mt1" \
	"$($mtctl show | sed -n 's/^interface: //p' | xargs)"
check "set dev mt0" $mtctl set dev mt0
out=$($mtctl show dev nosuch 2>&1)
check_fails "show of a missing device fails" $mtctl show dev nosuch
check_eq "and says why, with the kernel's message" \
	"mtctl: nosuch: No such device: no such meshtun device" "$out"
check_eq "set of a non-meshtun device names it" \
	"mtctl: lo: No such device: no such meshtun device" "$($mtctl set dev lo 2>&1)"
check_eq "an unknown word is named" 'mtctl: set: cannot use "frobnicate" here' \
	"$($mtctl set dev mt0 frobnicate 2>&1)"
check_fails "an unknown word fails" $mtctl set dev mt0 frobnicate
check_eq "an unknown command is named" 'mtctl: unknown command "bogus"' \
	"$($mtctl bogus 2>&1 | head -n1)"
check_fails "no arguments is a usage error" $mtctl
ip link del mt0
ip link del mt1
modprobe -r meshtun
check_eq "without the module, the family is loaded on demand" "" "$($mtctl show 2>&1)"
check "it was loaded by its genl alias" test -d /sys/module/meshtun
finish
