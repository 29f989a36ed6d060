#!/bin/bash
# A SET that gives a running device a new listen port binds the port
# before it changes anything, so that a port in use is refused with the
# device as it was. Until the request is applied, what arrives on the new
# port is not the device's: were the request refused after binding (an
# allocation failing), nothing that came in meanwhile may have been
# handled. The self-test build's "set-sockets" window (kmod/race.h) holds
# the request right after binding; a datagram sent to the new port then
# must not be counted by the device, and one sent after the request went
# through must be.
. "$(dirname "$0")/../lifetime/lib.sh"

# A 3-byte datagram: too short for any message, counted as rx_bad_length.
runt() { # port
	in_ns mtpb python3 -c "
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'xyz', ('10.7.0.1', int(sys.argv[1])))" "$1"
}

# The counter, once it has reached at least MIN or two seconds passed.
bad_length() { # min
	local i v
	for i in $(seq 20); do
		v=$(drop_count mtpa mt0 rx_bad_length)
		[ "$v" -ge "$1" ] && break
		sleep 0.1
	done
	echo "$v"
}

selftest_module || exit 1
netns_add mtpa mtpb || exit 1
check "two namespaces joined" veth mtpa v0 10.7.0.1/24 mtpb v0 10.7.0.2/24
check "a running device on port 51820" lt_dev mtpa mt0 a 51820 192.168.7.1
check "a runt to its port" runt 51820
b0=$(bad_length 1)
check_eq "is counted" 1 "$b0"

race_window set-sockets 20000 mt0
in_ns mtpa "$mtctl" set dev mt0 listen-port 51830 >"$tmp/set.out" 2>&1 &
set_pid=$!
check "the request waits with the new port bound" wait_window set-sockets
check "a runt to the new port meanwhile" runt 51830
# Time for it to arrive and be handled, if it is to be (the counter cannot
# be read meanwhile: ethtool waits for RTNL, which the request holds).
sleep 1
check "the request is let go" release_window set-sockets
wait "$set_pid"
check_eq "and goes through" "0 " "$? $(cat "$tmp/set.out")"
check_eq "the port is the new one" 51830 "$(in_ns mtpa "$mtctl" show dev mt0 listen-port)"
check_eq "what came before the request was applied was not the device's" "$b0" \
	"$(drop_count mtpa mt0 rx_bad_length)"
check "a runt to the new port now" runt 51830
check_eq "is the device's" $((b0 + 1)) "$(bad_length $((b0 + 1)))"
finish
