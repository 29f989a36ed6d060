#!/bin/bash
# A SET request that found its device, then the device moved to another
# network namespace (by root, who has power over both) before the request
# takes RTNL: the request acts in the namespace it was sent from, so it
# must be refused, saying why, and change nothing of the device where it
# now is. The self-test build's "set-device" window (kmod/race.h) holds
# the request there while the device moves, from an `ip -batch` started
# beforehand and fed one line once the request waits. The window is
# short under TCG (mdelay runs fast there), and a move that misses it
# lets the request through first, as it may: each attempt takes a fresh
# device, and one refused attempt of eight shows the check.
. "$(dirname "$0")/../lifetime/lib.sh"

# wait_window's, polled every 5 ms rather than 50: the window is short.
entered() {
	local v i
	for i in $(seq 2000); do
		read -r v </sys/module/meshtun/parameters/race_delay_ms
		[ "$v" = 0 ] && return 0
		read -r -t 0.005 -u "$pause"
	done
	echo "nothing entered the window" >&2
	return 1
}

selftest_module || exit 1
netns_add mtna mtnb || exit 1
lt_key device
lt_key peer
mkfifo "$tmp/pause" "$tmp/mover" || exit 1
exec {pause}<>"$tmp/pause"
ip -n mtna -batch "$tmp/mover" >"$tmp/mover.out" 2>&1 &
mover_pid=$!
exec {mover}>"$tmp/mover"

refused=0
for dev in mt1 mt2 mt3 mt4 mt5 mt6 mt7 mt8; do
	ip -n mtna link add "$dev" type meshtun || break
	race_window set-device 5000 "$dev"
	in_ns mtna "$mtctl" set dev "$dev" private-key "$tmp/device.key" \
		peer "$(cat "$tmp/peer.pub")" allowed-ips 10.0.0.0/8 >"$tmp/set.out" 2>&1 &
	set_pid=$!
	entered || break
	echo "link set $dev netns mtnb" >&"$mover"
	if ! wait "$set_pid"; then
		refused=1
		break
	fi
	echo "# $dev: the request went through: the move missed the window (or nothing checks)"
done
exec {mover}>&-
wait "$mover_pid"
check_eq "every move went through" "0 " "$? $(cat "$tmp/mover.out")"
check_eq "a request whose device moved while it waited is refused" 1 "$refused"
check "because the device moved" sh -c \
	"grep -q 'moved to another network namespace' $tmp/set.out || { cat $tmp/set.out; false; }"
check "$dev is in mtnb" ip -n mtnb link show "$dev"
check_eq "without the key" "(none)" "$(in_ns mtnb "$mtctl" show dev "$dev" private-key)"
check_eq "or the peer" "" "$(in_ns mtnb "$mtctl" show dev "$dev" peers)"
finish
