#!/bin/bash
# Three meshtun peers on one link: every pair talks, each to the right
# peer by allowed IPs, over IPv4 and IPv6 inside and outside.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
topo_star mta mtb mtc || exit 1
nodes=(mta mtb mtc)
for i in 1 2 3; do
	check "node ${nodes[i - 1]}" mt_node "${nodes[i - 1]}" "$i" $((51820 + i))
done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] && continue
		fam=$(( (i + j) % 2 == 0 ? 4 : 6 ))
		check "${nodes[i - 1]} knows ${nodes[j - 1]} (IPv$fam outside)" \
			link_peers "${nodes[i - 1]}" $i "${nodes[j - 1]}" $j $((51820 + j)) $fam
	done
done
for i in 1 2 3; do
	for j in 1 2 3; do
		[ $i = $j ] && continue
		check "${nodes[i - 1]} pings ${nodes[j - 1]} (IPv4 inside)" \
			in_ns "${nodes[i - 1]}" ping -c 2 -i 0.2 -W 5 192.168.9.$j
		check "${nodes[i - 1]} pings ${nodes[j - 1]} (IPv6 inside)" \
			in_ns "${nodes[i - 1]}" ping -c 2 -i 0.2 -W 5 fd99::$j
	done
done
check_eq "mta has two peers with handshakes" 2 \
	"$(in_ns mta "$mtctl" show dev mt0 handshakes | awk '$2 > 0' | wc -l)"
in_ns mtb ping -q -c 40 -i 0.05 192.168.9.1 >/dev/null &
check "TCP a to c while b pings a" tcp_test mtc 192.168.9.3 mta
wait
finish
