#!/bin/bash
# Two meshtun peers in two namespaces: handshake, ping and TCP over IPv4
# and IPv6 inside, over IPv4 and IPv6 outside; counters.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
topo_two mta mtb || exit 1
check "node a" mt_node mta 1 51820
check "node b" mt_node mtb 2 51821
check "a knows b (IPv4 outside)" link_peers mta 1 mtb 2 51821 4
check "b knows a (IPv4 outside)" link_peers mtb 2 mta 1 51820 4

check "ping b from a over IPv4 inside" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "ping a from b over IPv6 inside" in_ns mtb ping -c 3 -i 0.2 -W 5 fd99::1
check "a shows a handshake with b" sh -c "in_ns mta $mtctl show dev mt0 handshakes | grep -qv '	0$'"
