#!/bin/bash
# The three-machine case of mtctl up: a public gateway that forwards and
# masquerades the tunnel and forwards a port to the second node, a laptop
# in full-tunnel mode, and a second node. The laptop reaches the
# "internet" only through the gateway, its outer packets take the
# physical path (marked; the tunnel's counters stay bounded), its physical
# network changes under it without breaking the tunnel or leaking, and
# `mtctl down` leaves each machine exactly as before.
# usage: selftests/route/full_tunnel.sh [asan]
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
netns_add mtnet mtgw mtlap mtnode || exit 1
check "topology" topo_internet
LAP_ALLOWED="0.0.0.0/0, ::/0" GW_EXTRA=$'Gateway = wan\nForward = tcp/8080 -> 10.0.0.3:5201' \
	check "configuration files" write_confs
for ns in mtgw mtlap mtnode; do
	snapshot $ns >"$tmp/before-$ns"
done

check "gateway up" up mtgw "$tmp/gw.conf"
check "node up" up mtnode "$tmp/node.conf"
check "laptop up" up mtlap "$tmp/lap.conf"
# The rules tools/nft.c writes, as nft lists them back.
check_eq "gateway: its nftables table reads as the rules mtctl wrote" 'table inet meshtun-gw {
	chain port-forwards {
		type nat hook prerouting priority dstnat; policy accept;
		iifname != "gw" meta nfproto ipv4 tcp dport 8080 dnat ip to 10.0.0.3:5201
	}

	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gw" oifname "wan" accept
		iifname "wan" oifname "gw" ct state established,related accept
		ct status dnat accept
	}

	chain masquerade-out {
		type nat hook postrouting priority srcnat; policy accept;
		iifname "gw" oifname "wan" masquerade
		oifname "gw" ct status dnat masquerade
	}
}' "$(in_ns mtgw nft list table inet meshtun-gw)"
check "gateway forwards" sh -c "[ \$(ip netns exec mtgw sysctl -n net.ipv4.ip_forward) = 1 ] &&
	[ \$(ip netns exec mtgw sysctl -n net.ipv6.conf.all.forwarding) = 1 ]"
for f in 4 6; do
	check "laptop: IPv$f policy rules" sh -c "
		ip -$f -n mtlap rule | grep -q 'not from all fwmark 0xca6c lookup 51820' &&
		ip -$f -n mtlap rule | grep -q 'lookup main suppress_prefixlength 0'"
done
check "laptop: the guard covers both tunnel addresses" sh -c "
	ip netns exec mtlap nft list table inet meshtun-lap | grep -q 'ip daddr 10.0.0.2 fib saddr type != local drop' &&
	ip netns exec mtlap nft list table inet meshtun-lap | grep -q 'ip6 daddr fd00::2 fib saddr type != local drop'"
check "laptop: default in table 51820 with the tunnel's source" \
	sh -c "ip -n mtlap route show table 51820 | grep -qx 'default dev lap .*scope link src 10.0.0.2 *'"
check "laptop: the device marks its packets" \
	sh -c "ip netns exec mtlap $mtctl show dev lap fwmark | grep -qx 0xca6c"
check "laptop: src_valid_mark" test "$(in_ns mtlap sysctl -n net.ipv4.conf.all.src_valid_mark)" = 1
mtu=$(link_attr mtlap lap "l['mtu']")
check_eq "laptop: MTU from the outer route (1500 - 80)" 1420 "$mtu"

# Count the laptop's own outer packets that carry the mark, and what of the
# internet's pings to its tunnel address gets past the guard.
in_ns mtlap nft -f - <<'NFT'
table inet probe {
	counter marked {}
	counter unguarded {}
	chain out {
		type filter hook output priority 0;
		meta mark 0xca6c udp dport 51820 counter name marked
	}
	chain in {
		type filter hook input priority 0;
		iifname "wan0" ip daddr 10.0.0.2 counter name unguarded
	}
}
NFT
check "the node reaches the gateway" in_ns mtnode ping -c 1 -W 5 10.0.0.1
pings_via "the laptop reaches the internet through the gateway" via_gw \
	ping -c 3 -i 0.2 -W 5 100.64.0.1
pings_via "IPv6 too" via_gw ping -c 3 -i 0.2 -W 5 2001:db8:ff::1
check "the laptop reaches the node through the gateway" in_ns mtlap ping -c 2 -i 0.2 -W 5 10.0.0.3
check "and over IPv6" in_ns mtlap ping -c 2 -i 0.2 -W 5 fd00::3
ip -n mtnet route add 10.0.0.2/32 via 192.0.2.2
in_ns mtnet ping -c 2 -i 0.2 -W 1 10.0.0.2 >/dev/null 2>&1
unguarded=$(in_ns mtlap nft list counter inet probe unguarded | sed -n 's/.*packets \([0-9]*\).*/\1/p')
check_eq "the guard drops the internet's packets to the laptop's tunnel address" 0 "$unguarded"
marked=$(in_ns mtlap nft list counter inet probe marked | sed -n 's/.*packets \([0-9]*\).*/\1/p')
check "the laptop's outer packets carry the mark ($marked)" test "${marked:-0}" -gt 0
tx=$(ip -n mtlap -s -j link show lap | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])')
check "no loop: the tunnel sent a bounded number of packets ($tx)" test "$tx" -lt 100

# Port forward: the gateway's port 8080 reaches the node's server.
in_ns mtnode iperf3 -s -1 -B 10.0.0.3 -p 5201 -D --logfile "$tmp/iperf.log"
for _ in $(seq 50); do
	in_ns mtnode ss -ltn | grep -q 10.0.0.3:5201 && break
	sleep 0.1
done
check "port forward: the gateway's tcp/8080 reaches the node's 10.0.0.3:5201" \
	in_ns mtnet iperf3 -c 198.51.100.2 -p 8080 -t 1 -J

# The laptop moves to another network: new address, new default route.
check "the laptop's new uplink" veth mtnet lap1 192.0.3.1/24 mtlap wan1 192.0.3.2/24
ip -n mtlap link del wan0
ip -n mtlap route add default via 192.0.3.1
pings_via "after the move, still through the gateway, nothing leaks" via_gw \
	ping -c 3 -i 0.5 -W 5 100.64.0.1
endpoint=$(in_ns mtgw "$mtctl" show dev gw endpoints | grep "$(cat "$tmp/lap.pub")" | cut -f2)
check "the gateway follows the laptop to its new address ($endpoint)" \
	test "${endpoint%:*}" = 192.0.3.2

check "laptop down" down mtlap lap
check "node down" down mtnode node
check "gateway down" down mtgw gw
same_as "gateway: exactly as before up" mtgw "$tmp/before-mtgw"
same_as "node: exactly as before up" mtnode "$tmp/before-mtnode"
# The laptop's uplink changed meanwhile; what up added must be gone all the same.
check "laptop: no rules, table, device or sysctl left" sh -c "
	! ip -n mtlap rule | grep -q 51820 && [ -z \"\$(ip -n mtlap route show table 51820)\" ] &&
	! ip -n mtlap link show lap 2>/dev/null &&
	[ \"\$(ip netns exec mtlap sysctl -n net.ipv4.conf.all.src_valid_mark)\" = 0 ] &&
	[ \"\$(ip netns exec mtlap nft list tables)\" = 'table inet probe' ]"
check "no records left" sh -c "[ -z \"\$(find $tmp/state-* -type f)\" ]"
check "module unloads" modprobe -r meshtun
route_finish
