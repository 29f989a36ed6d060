# shellcheck shell=bash
# selftests/lifetime/lib.sh - helpers for the object-lifetime tests, which
# release an object (a namespace, a device, a peer, a session, a route)
# while the packet path uses it. On the debug kernel (KASAN, lockdep,
# kmemleak, panic on warn; those selftests/suite-debug lists) a
# use-after-free is reported instead of going unnoticed; on Debian's
# kernels they check the behaviour around the release.
#
#   lt_key NAME                  a fresh key pair: $tmp/NAME.key, $tmp/NAME.pub
#   lt_dev NS DEV NAME PORT ADDR a meshtun device DEV in NS with key NAME,
#                                listening on PORT, inner address ADDR/24, up
#   lt_peer NS DEV NAME ENDPOINT ALLOWED  DEV in NS gets NAME's key as a peer
#   lt_pair NS1 NAME1 NS2 NAME2 N [DEV [DEV2]]  two namespaces joined by a
#                                veth pair (v0, 10.N.0.1 and .2), each with a
#                                device DEV (default mt0; in NS2 DEV2 if
#                                given; keys NAME1 and NAME2, ports 51820
#                                and 51821, inner 192.168.N.1 and .2), each
#                                the other's peer
#   drop_count NS DEV REASON     an ethtool -S counter of DEV in NS
#   selftest_module              load the MT_SELFTEST=y build (race windows,
#                                clock knob) instead of the plain one
#   race_window SITE MS [DEV]    widen the race window at SITE for its next
#                                caller (DEV's, if given): the self-test
#                                build's race_site, race_dev and
#                                race_delay_ms (kmod/race.h)
#   wait_window SITE             until a caller waits in that window
#   release_window SITE          end the wait in it now; fails (saying so)
#                                if the caller had stopped waiting already,
#                                the release having come too late
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mt_test_setup

lt_key() {
	wg genkey >"$tmp/$1.key" && wg pubkey <"$tmp/$1.key" >"$tmp/$1.pub"
}

lt_dev() { # ns dev name port addr
	{ [ -e "$tmp/$3.key" ] || lt_key "$3"; } &&
		ip -n "$1" link add "$2" type meshtun &&
		in_ns "$1" "$mtctl" set dev "$2" private-key "$tmp/$3.key" listen-port "$4" &&
		ip -n "$1" addr add "$5/24" dev "$2" && ip -n "$1" link set "$2" up
}

lt_peer() { # ns dev name endpoint allowed
	local ep=()
	[ "$4" = - ] || ep=(endpoint "$4")
	in_ns "$1" "$mtctl" set dev "$2" peer "$(cat "$tmp/$3.pub")" "${ep[@]}" allowed-ips "$5"
}

lt_pair() { # ns1 name1 ns2 name2 n [dev [dev2]]
	local dev=${6:-mt0}
	local dev2=${7:-$dev}
	veth "$1" v0 "10.$5.0.1/24" "$3" v0 "10.$5.0.2/24" &&
		lt_dev "$1" "$dev" "$2" 51820 "192.168.$5.1" &&
		lt_dev "$3" "$dev2" "$4" 51821 "192.168.$5.2" &&
		lt_peer "$1" "$dev" "$4" "10.$5.0.2:51821" "192.168.$5.2/32" &&
		lt_peer "$3" "$dev2" "$2" "10.$5.0.1:51820" "192.168.$5.1/32"
}

drop_count() { # ns dev reason
	in_ns "$1" ethtool -S "$2" | awk -v k="$3:" '$1 == k { print $2 }'
}

selftest_module() {
	local ko dep
	ko=$top/build/kmod-selftest/$(uname -r)/meshtun.ko
	modprobe -r meshtun 2>/dev/null
	for dep in $(modinfo -F depends "$ko" | tr , ' '); do
		modprobe "$dep" || return 1
	done
	insmod "$ko"
}

race_window() { # site ms [dev]
	local p=/sys/module/meshtun/parameters
	echo "$1" >$p/race_site && echo "${3:-}" >$p/race_dev && echo "$2" >$p/race_delay_ms
}

# The window disarms itself (race_delay_ms back to 0) when its caller
# enters it. Polled with bash builtins only: on the debug kernel every
# process start takes a second or more of the window.
wait_window() { # site
	local v i pause
	[ -p "$tmp/pause" ] || mkfifo "$tmp/pause" || return 1
	exec {pause}<>"$tmp/pause"
	for i in $(seq 200); do
		read -r v </sys/module/meshtun/parameters/race_delay_ms
		[ "$v" = 0 ] && break
		read -r -t 0.05 -u "$pause"
	done
	exec {pause}>&-
	[ "$v" = 0 ] && return 0
	echo "nothing entered the race window $1" >&2
	return 1
}

release_window() { # site
	local p=/sys/module/meshtun/parameters waiting
	read -r waiting <$p/race_waiting
	echo 1 >$p/race_release
	[ "$waiting" = Y ] && return 0
	echo "the caller had left the race window $1 before the release (a slow machine: widen it)" >&2
	return 1
}
