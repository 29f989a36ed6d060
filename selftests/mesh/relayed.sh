#!/bin/bash
# Behind NATs that map every destination to a new port (symmetric, as
# "masquerade fully-random" makes them), no punched path can work: the
# two nodes keep talking through the hub, end to end encrypted, and
# mtctl says so. First with one such NAT, then with both. The hub's
# relayed messages, captured and sent again, are dropped as replays. The
# largest message that fits a datagram is relayed whole, a larger one
# dropped and counted. A peer at an endpoint that never answers is
# reached through the hub.
. "$(dirname "$0")/lib.sh"
pk=$(cd "$(dirname "$0")/../data" && pwd)/packets.py

modprobe meshtun || exit 1

relayed_case() { # title a-nat b-nat
	local title=$1 hub fwd0 fwd1
	netns_add $mesh_namespaces || return 1
	check "$title: topology" topo_mesh "$2" "$3"
	check "$title: meshtun on all three" mesh_up
	# The hub may have told a b's address before the first ping: first
	# contact goes there, as WireGuard's would, and is lost in b's NAT;
	# the retry 5 s later goes through the hub. So: within a retry.
	check "$title: a reaches b (within one handshake retry)" \
		in_ns mta ping -c 3 -i 0.3 -W 12 10.99.0.3
	check "$title: b reaches a" in_ns mtb ping -c 3 -i 0.3 -W 12 10.99.0.2
	check "$title: a's path to b is relayed" wait_path mta mtb relayed 5
	# Long enough for several introductions and their punches to fail.
	sleep 6
	check_eq "$title: and stays relayed after 6 s" relayed "$(path_of mta mtb)"
	check_eq "$title: b's too" relayed "$(path_of mtb mta)"
	check "$title: the hub tried to introduce them" test "$(stat mthub mesh_introductions)" -ge 1
	hub=$(cat "$tmp/mthub.pub")
	check "$title: mtctl show names the hub" sh -c \
		"ip netns exec mta $mtctl show dev mt0 | grep -qxF '  path: relayed via $hub'"
	check "$title: and -j" sh -c "ip netns exec mta $mtctl -j show dev mt0 | python3 -c '
import json, sys
peers = {p[\"public_key\"]: p for p in json.load(sys.stdin)[0][\"peers\"]}
p = peers[\"$(cat "$tmp/mtb.pub")\"]
sys.exit(0 if p[\"path\"] == \"relayed\" and p[\"relay_hub\"] == \"$hub\" else 1)'"
	fwd0=$(stat mthub relay_forwarded)
	check "$title: iperf3 through the hub" tcp_test mtb 10.99.0.3 mta 3
	fwd1=$(stat mthub relay_forwarded)
	check "$title: the hub forwarded it ($fwd0 -> $fwd1)" test "$fwd1" -gt $((fwd0 + 100))
	check "$title: nothing the hub forwarded was dropped as malformed or refused" \
		test "$(($(stat mthub rx_mesh_malformed) + $(stat mthub rx_mesh_refused)))" = 0
}

relayed_case "one symmetric NAT" symmetric eim

# Replays: capture what reaches the hub while a pings b through it, send
# it again: every message is dropped as a replay (so none is forwarded).
in_ns mthub python3 "$pk" capture wan 51820 20 "$tmp/cap" &
cap=$!
for _ in $(seq 100); do [ -e "$tmp/cap.ready" ] && break; sleep 0.1; done
in_ns mta ping -q -c 15 -i 0.1 -W 5 10.99.0.3 >/dev/null
wait $cap
check_eq "captured 20 messages to the hub" 20 "$(wc -l <"$tmp/cap")"
replayed0=$(stat mthub rx_replayed)
check "sent again from the internet" in_ns mtinet python3 "$pk" send 198.51.100.2 51820 "$tmp/cap"
for _ in $(seq 50); do
	[ "$(stat mthub rx_replayed)" -ge $((replayed0 + 20)) ] && break
	sleep 0.1
done
in_ns mthub ethtool -S mt0 | awk '$2 > 0 { printf "%s%s %s", n++ ? ", " : "# the hub: ", $1, $2 } END { print "" }'
check_eq "every one dropped as a replay" $((replayed0 + 20)) "$(stat mthub rx_replayed)"
check "the relay still works" in_ns mta ping -c 2 -i 0.2 -W 5 10.99.0.3

# The largest message a node relays: its RELAY message is the plaintext of
# one full-size datagram to the hub (65,535 bytes over IPv4), and so is the
# hub's RELAYED. With an MTU of 65,407 (no padding after a full packet), a
# full packet makes exactly that, and must go through the hub and back
# whole; with one byte more the RELAY would not fit a datagram: dropped
# and counted, never cut, and no warning (the runner reads the log).
check "a and b at an MTU of 65,407" sh -c \
	"ip -n mta link set mt0 mtu 65407 && ip -n mtb link set mt0 mtu 65407"
check "a ping of 65,407 bytes goes through the hub and back" \
	in_ns mta ping -c 2 -M do -s $((65407 - 28)) -W 5 10.99.0.3
check "and the hub still forwards" in_ns mta ping -c 2 -i 0.2 -W 5 10.99.0.3
n0=$(stat mta tx_no_relay)
check "a at 65,408" ip -n mta link set mt0 mtu 65408
check_fails "a ping of 65,408 bytes is not relayed" \
	in_ns mta ping -c 1 -M do -s $((65408 - 28)) -W 3 10.99.0.3
check_eq "it was dropped and counted" $((n0 + 1)) "$(stat mta tx_no_relay)"
check "smaller packets still go" in_ns mta ping -c 2 -i 0.2 -W 5 10.99.0.3
mt_cleanup_namespaces

relayed_case "two symmetric NATs" symmetric symmetric

# A peer given an endpoint that never answers (its NAT drops what it did
# not ask for), and not yet heard speaking mesh messages: the first
# initiation goes there, as WireGuard would, the next through the hub.
# Under steady traffic too: each packet restarts WireGuard's retry count,
# which must not keep every initiation on the dead path.
b=$(cat "$tmp/mtb.pub")
in_ns mta "$mtctl" set dev mt0 peer "$b" remove
in_ns mta "$mtctl" set dev mt0 peer "$b" endpoint 203.0.113.2:51820 allowed-ips 10.99.0.3/32
# (ping slows down while unanswered: the steady traffic is a datagram
# every 10 ms, and ping only looks for the answer.)
in_ns mta python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 13
while time.monotonic() < end:
    try:
        s.sendto(b"x", ("10.99.0.3", 9))
    except OSError:
        pass
    time.sleep(0.01)' &
steady=$!
check "a peer at a dead endpoint is reached through the hub under steady traffic" \
	in_ns mta ping -q -c 1 -w 12 10.99.0.3
wait $steady
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
