#!/bin/bash
# Two meshtun peers in two namespaces: handshake, ping and TCP over IPv4
# and IPv6 inside and outside, large and fragmented packets, exact
# counters, listen port 0, and changes on a running device.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
topo_two mta mtb || exit 1
check "meshtun nodes a and b, peers over IPv4" pair_up mta mt mtb mt

check "ping b from a, IPv4 inside" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "ping a from b, IPv6 inside" in_ns mtb ping -c 3 -i 0.2 -W 5 fd99::1
check "a shows a handshake with b" \
	sh -c "ip netns exec mta $mtctl show dev mt0 handshakes | grep -qv '	0\$'"
check_eq "a's endpoint for b" "10.9.0.2:51821" \
	"$(in_ns mta "$mtctl" show dev mt0 endpoints | cut -f2)"

# Counters: what a sent to b is what b received from a, byte for byte.
stats() { # ns field
	ip -n "$1" -j -s link show mt0 | python3 -c "import json,sys; s=json.load(sys.stdin)[0]['stats64']; print(s$2)"
}
peer_bytes() { # ns rx|tx
	in_ns "$1" "$mtctl" -j show dev mt0 | python3 -c "import json,sys; d=json.load(sys.stdin); print(d[0]['peers'][0]['$2_bytes'] if isinstance(d,list) else d['peers'][0]['$2_bytes'])"
}
tx0=$(stats mta "['tx']['packets']")
rx0=$(stats mtb "['rx']['packets']")
in_ns mta ping -q -c 20 -i 0.01 -W 5 192.168.9.2 >/dev/null
check_eq "a's device sent exactly 20 more packets" $((tx0 + 20)) "$(stats mta "['tx']['packets']")"
check_eq "b's device received exactly 20 more packets" $((rx0 + 20)) "$(stats mtb "['rx']['packets']")"
# A keepalive may still be on its way, or go out (10 s after the last
# data) while the counts are read: read all four until they meet, up to
# 25 times, and compare what was read together.
for _ in $(seq 25); do
	a_tx=$(peer_bytes mta tx) b_rx=$(peer_bytes mtb rx)
	b_tx=$(peer_bytes mtb tx) a_rx=$(peer_bytes mta rx)
	[ "$a_tx $b_tx" = "$b_rx $a_rx" ] && break
	sleep 0.2
done
check_eq "peer bytes: a sent what b received" "$a_tx" "$b_rx"
check_eq "peer bytes: b sent what a received" "$b_tx" "$a_rx"

check "TCP a to b, IPv4 inside (iperf3, 2 s)" tcp_test mtb 192.168.9.2 mta
check "TCP b to a, IPv6 inside (iperf3, 2 s)" tcp_test mta fd99::1 mtb

check "inner packets larger than the tunnel MTU fragment (ping -s 4000)" \
	in_ns mta ping -c 2 -W 5 -s 4000 192.168.9.2
check "jumbo tunnel MTU 8000 over a 9000-byte veth" sh -c '
	for n in mta mtb; do ip -n $n link set veth0 mtu 9000 && ip -n $n link set mt0 mtu 8000 || exit 1; done
	ip netns exec mta ping -c 2 -W 5 -M do -s 7900 192.168.9.2'
check "outer packets larger than the veth MTU fragment (veth 1280, tunnel 1420)" sh -c '
	for n in mta mtb; do ip -n $n link set veth0 mtu 1280 && ip -n $n link set mt0 mtu 1420 || exit 1; done
	ip netns exec mta ping -c 2 -W 5 -M do -s 1392 192.168.9.2'
for n in mta mtb; do ip -n $n link set veth0 mtu 1500; done

# IPv6 outside: move both endpoints.
check "a knows b at its IPv6 address" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/mtb.pub")" endpoint "[fd09::2]:51821"
check "b knows a at its IPv6 address" in_ns mtb "$mtctl" set dev mt0 peer "$(cat "$tmp/mta.pub")" endpoint "[fd09::1]:51820"
check "ping over IPv6 outside, IPv4 inside" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "ping over IPv6 outside, IPv6 inside" in_ns mtb ping -c 3 -i 0.2 -W 5 fd99::1
check "TCP over IPv6 outside (iperf3, 2 s)" tcp_test mtb 192.168.9.2 mta

# Changes on a running device.
check "change a's listen port while up" in_ns mta "$mtctl" set dev mt0 listen-port 51830
check_eq "a listens on the new port" "51830" "$(in_ns mta "$mtctl" show dev mt0 dump | head -1 | cut -f3)"
check "b follows a to the new port" in_ns mtb "$mtctl" set dev mt0 peer "$(cat "$tmp/mta.pub")" endpoint "10.9.0.1:51830"
check "traffic after the port change" in_ns mtb ping -c 3 -i 0.2 -W 5 192.168.9.1
check "port 0 picks a free port" in_ns mta "$mtctl" set dev mt0 listen-port 0
port=$(in_ns mta "$mtctl" show dev mt0 dump | head -1 | cut -f3)
check "the port picked is shown" test "$port" -gt 0
check "a socket is bound there" sh -c "ip netns exec mta ss -Hlun | grep -q ':$port '"
check "b follows to the picked port" in_ns mtb "$mtctl" set dev mt0 peer "$(cat "$tmp/mta.pub")" endpoint "10.9.0.1:$port"
check "traffic on the picked port" in_ns mtb ping -c 3 -i 0.2 -W 5 192.168.9.1
in_ns mta python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",51999)); time.sleep(8)' &
for _ in $(seq 100); do in_ns mta ss -Hlun 'sport = :51999' | grep -q . && break; sleep 0.1; done
check_fails "a port in use is refused" in_ns mta "$mtctl" set dev mt0 listen-port 51999
check_eq "the refusal changed nothing" "$port" "$(in_ns mta "$mtctl" show dev mt0 dump | head -1 | cut -f3)"
check "traffic still flows after the refusal" in_ns mtb ping -c 2 -i 0.2 -W 5 192.168.9.1
wait
check "a second device in a takes a's port while down" sh -c "
	ip -n mta link add mt1 type meshtun && ip netns exec mta $mtctl set dev mt1 listen-port $port"
check_fails "it cannot come up on a port in use" ip -n mta link set mt1 up
ip -n mta link del mt1
check "new private key on a running device" sh -c "
	wg genkey >$tmp/mta.key2 && ip netns exec mta $mtctl set dev mt0 private-key $tmp/mta.key2 &&
	ip netns exec mtb $mtctl set dev mt0 peer \$(wg pubkey <$tmp/mta.key2) endpoint 10.9.0.1:$port allowed-ips 192.168.9.1/32,fd99::1/128 &&
	ip netns exec mtb $mtctl set dev mt0 peer \$(cat $tmp/mta.pub) remove"
check "traffic with the new key" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "fwmark on a running device" in_ns mta "$mtctl" set dev mt0 fwmark 0x99
check "traffic with the fwmark" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "down and up again" sh -c 'ip -n mta link set mt0 down && ip -n mta link set mt0 up'
check "traffic after down and up" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2

finish
