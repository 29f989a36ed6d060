#!/bin/bash
# What the network may throw at a device: spoofed inner sources, replayed,
# corrupted, truncated and unknown messages, handshakes with bad MACs, a
# handshake flood (cookies), a routing loop; and what it must do right:
# roam, mark its outer packets.
. "$(dirname "$0")/lib.sh"

pk=$(cd "$(dirname "$0")" && pwd)/packets.py
modprobe meshtun || exit 1
topo_two mta mtb || exit 1
check "meshtun nodes a and b, peers over IPv4" pair_up mta mt mtb mt
check "a session" in_ns mta ping -c 2 -i 0.2 -W 5 192.168.9.2

drops() { # ns counter
	in_ns "$1" ethtool -S mt0 | awk -v k="$2:" '$1 == k { print $2 }'
}
# Handshake messages are handled by workers: give them up to 10 s.
expect_drops() { # desc ns counter at-least
	local n i
	for i in $(seq 100); do
		n=$(drops "$2" "$3")
		[ "${n:-0}" -ge "$4" ] && break
		sleep 0.1
	done
	if [ "${n:-0}" -ge "$4" ]; then mt_report 0 "$1 ($3 = $n)" ""; else
		mt_report 1 "$1" "$3 = ${n:-none}, want at least $4"; fi
}

# An inner source b is not allowed to use.
ip -n mtb addr add 192.168.9.77/32 dev mt0
check_fails "a spoofed inner source gets no answer" in_ns mtb ping -c 2 -i 0.2 -W 2 -I 192.168.9.77 192.168.9.1
expect_drops "a dropped the spoofed packets" mta rx_source_not_allowed 2
check "the real source still works" in_ns mtb ping -c 2 -i 0.2 -W 5 192.168.9.1

# Replays and corruption of real data messages from a to b.
capture_data mta mtb 5 "$tmp/cap"
check_eq "five data messages captured" 5 "$(wc -l <"$tmp/cap")"
check "replay them from another port" in_ns mta python3 "$pk" send 10.9.0.2 51821 "$tmp/cap"
expect_drops "b dropped every replay" mtb rx_replayed 5
check "send them corrupted" in_ns mta python3 "$pk" send 10.9.0.2 51821 "$tmp/cap" flip
expect_drops "b dropped every corrupted one" mtb rx_decrypt_failed 5
check_eq "b's endpoint for a did not move to the attacker's port" "10.9.0.1:51820" \
	"$(in_ns mtb "$mtctl" show dev mt0 endpoints | cut -f2)"

for kind in short type index badmac; do
	check "send 20 '$kind' messages" in_ns mta python3 "$pk" garbage 10.9.0.2 51821 $kind 20
done
check "send 5 initiations with a valid MAC1 and garbage inside" \
	in_ns mta python3 "$pk" garbage 10.9.0.2 51821 badinit 5 "$(cat "$tmp/mtb.pub")"
expect_drops "truncated messages counted" mtb rx_bad_length 20
expect_drops "unknown types counted" mtb rx_bad_type 20
expect_drops "unknown session indices counted" mtb rx_no_session 20
expect_drops "bad MAC1 counted" mtb rx_handshake_bad_mac 20
expect_drops "failed handshakes counted" mtb rx_handshake_failed 5
check "the real session still works" in_ns mta ping -c 2 -i 0.2 -W 5 192.168.9.2

# A flood of initiations: b comes under load and answers with cookies.
cookies=$(in_ns mta python3 "$pk" flood 10.9.0.2 51821 "$(cat "$tmp/mtb.pub")" 20000)
if [ "${cookies:-0}" -gt 0 ]; then mt_report 0 "a flood got cookie replies ($cookies)" ""; else
	mt_report 1 "a flood got cookie replies" "got ${cookies:-nothing}"; fi
sleep 2
check "a new handshake after the flood (cookie, then MAC2)" sh -c "
	ip -n mta link set mt0 down && ip -n mta link set mt0 up &&
	ip netns exec mta ping -c 1 -W 20 192.168.9.2"

# Roaming: b's outer address changes; a follows the authenticated packets.
check "b moves to 10.9.0.22" sh -c '
	ip -n mtb addr del 10.9.0.2/24 dev veth0 && ip -n mtb addr add 10.9.0.22/24 dev veth0'
check "b reaches a from its new address" in_ns mtb ping -c 2 -i 0.2 -W 5 192.168.9.1
check_eq "a's endpoint for b followed" "10.9.0.22:51821" \
	"$(in_ns mta "$mtctl" show dev mt0 endpoints | cut -f2)"
check "a reaches b at its new address" in_ns mta ping -c 2 -i 0.2 -W 5 192.168.9.2
check "b changes its port" in_ns mtb "$mtctl" set dev mt0 listen-port 51829
check "b reaches a from its new port" in_ns mtb ping -c 2 -i 0.2 -W 5 192.168.9.1
check_eq "a's endpoint for b followed the port" "10.9.0.22:51829" \
	"$(in_ns mta "$mtctl" show dev mt0 endpoints | cut -f2)"

# The fwmark is on every outer packet.
check "a marks its outer packets with 0x42" in_ns mta "$mtctl" set dev mt0 fwmark 0x42
check "count a's outer packets by mark" in_ns mta nft -f - <<'NFT'
table inet mtmark {
	chain out {
		type filter hook output priority 0; policy accept;
		udp sport 51820 meta mark 0x42 counter name marked
		udp sport 51820 meta mark != 0x42 counter name unmarked
	}
	counter marked { }
	counter unmarked { }
}
NFT
in_ns mta ping -q -c 5 -i 0.1 -W 5 192.168.9.2 >/dev/null
nft_packets() { in_ns mta nft -j list counter inet mtmark "$1" |
	python3 -c 'import json,sys; print([o["counter"]["packets"] for o in json.load(sys.stdin)["nftables"] if "counter" in o][0])'; }
marked=$(nft_packets marked)
check "marked outer packets were counted ($marked)" test "${marked:-0}" -ge 5
check_eq "no unmarked outer packets" 0 "$(nft_packets unmarked)"

# A routing loop: b's endpoint is reachable only through the tunnel itself.
check "point a at b's inner address" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/mtb.pub")" endpoint 192.168.9.2:51829
check "a fresh start" sh -c 'ip -n mta link set mt0 down && ip -n mta link set mt0 up'
before=$(ip -n mta -j -s link show veth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["bytes"])')
in_ns mta ping -q -f -w 3 192.168.9.2 >/dev/null 2>&1
after=$(ip -n mta -j -s link show veth0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["bytes"])')
expect_drops "the loop was detected" mta tx_routing_loop 1
check "nothing stormed out of the physical link ($((after - before)) bytes)" test $((after - before)) -lt 20000
check "the kernel log names the loop" sh -c 'dmesg | grep -q "routing loop"'

finish
