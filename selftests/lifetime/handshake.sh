#!/bin/bash
# Handshakes racing with the release of what they use. A handshake worker
# that found a peer holds a reference on it; if the peer is removed
# meanwhile, the handshake must not go back into the device's index of
# receiver indices (a later lookup would find freed memory). The
# self-test build widens that window (race.h) so that the removal lands
# in it every time; then every bucket of the index is looked at. Then the
# device goes down while its worker answers an initiation, and its key and
# port change under a handshake flood and traffic.
. "$(dirname "$0")/lib.sh"

selftest_module || exit 1
netns_add mtha mthb || exit 1

check "setup: a and b" lt_pair mtha a mthb b 11
check "they talk" in_ns mtha ping -c 2 -W 5 192.168.11.2

# b forgets a and learns it again: its next packet starts a handshake.
# a's worker finds peer b in that initiation and waits; b is removed
# from a meanwhile.
check "b starts afresh with a" sh -c "
	ip netns exec mthb $mtctl set dev mt0 peer $(cat "$tmp/a.pub") remove &&
	ip netns exec mthb $mtctl set dev mt0 peer $(cat "$tmp/a.pub") \
		endpoint 10.11.0.1:51820 allowed-ips 192.168.11.1/32"
dmesg -C
race_window consume-initiation 5000 mt0
in_ns mthb ping -c 1 -W 1 192.168.11.1 >/dev/null 2>&1 &
check "a's handshake worker holds peer b in the window" wait_window consume-initiation
check "remove b from a meanwhile" in_ns mtha "$mtctl" set dev mt0 peer "$(cat "$tmp/b.pub")" remove
check_eq "a has no peer left" "" "$(in_ns mtha "$mtctl" show dev mt0 peers)"
# The worker goes on after the window: it must not index a handshake for
# the removed peer. Look at every bucket once it is done.
sleep 5
before=$(drop_count mtha mt0 rx_no_session)
check "look up every bucket of a's index" in_ns mthb python3 "$top/selftests/data/packets.py" \
	sweep 10.11.0.1 51820
sleep 1
check "every lookup found no session" test "$(($(drop_count mtha mt0 rx_no_session) - before))" -ge 8000
wait

# A device going down while its handshake worker answers an initiation:
# the answer must be over (and then forgotten) before the device is down,
# not be sent from a device that is down. Sending it needs the socket
# that ndo_stop closed, so a late answer shows as a tx_no_socket drop
# after `ip link set down` returned.
check "b is a's peer again" lt_peer mtha mt0 b 10.11.0.2:51821 192.168.11.2/32
check "they talk again" in_ns mtha ping -c 2 -W 5 192.168.11.2
check "b starts afresh with a again" sh -c "
	ip netns exec mthb $mtctl set dev mt0 peer $(cat "$tmp/a.pub") remove &&
	ip netns exec mthb $mtctl set dev mt0 peer $(cat "$tmp/a.pub") \
		endpoint 10.11.0.1:51820 allowed-ips 192.168.11.1/32"
race_window consume-initiation 3000 mt0
in_ns mthb ping -c 1 -W 1 192.168.11.1 >/dev/null 2>&1 &
check "a's handshake worker holds b's initiation in the window" wait_window consume-initiation
check "a goes down meanwhile" ip -n mtha link set mt0 down
down_drops=$(drop_count mtha mt0 tx_no_socket)
sleep 4
check_eq "nothing answered from a device that is down" "$down_drops" \
	"$(drop_count mtha mt0 tx_no_socket)"
check "a comes up again" ip -n mtha link set mt0 up
check "and talks" in_ns mtha ping -c 2 -W 5 192.168.11.2
wait

# Key and port changes under a flood of initiations and live traffic.
in_ns mthb python3 "$top/selftests/data/packets.py" flood 10.11.0.1 51820 \
	"$(cat "$tmp/a.pub")" 4000 >/dev/null &
floodpid=$!
flood mtha 192.168.11.2 8
churn() {
	local i
	for i in 1 2 3 4; do
		lt_key "a$i" &&
			in_ns mtha "$mtctl" set dev mt0 private-key "$tmp/a$i.key" \
				listen-port $((51830 + i)) || return 1
		in_ns mthb "$mtctl" set dev mt0 peer "$(cat "$tmp/a$i.pub")" \
			endpoint 10.11.0.1:$((51830 + i)) allowed-ips 192.168.11.1/32 || return 1
	done
}
check "a's key and port change four times under the flood" churn
wait "$flood_pid" "$floodpid"
# a's last initiation may have reached b before b knew a's last key (and
# been dropped there): a tries again after the rekey timeout (5 s), later
# still on the debug kernel behind the flood's queued handshakes.
check "a and b talk after it all" wait_reach mtha mthb 192.168.11.2 30
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do rmmod meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
