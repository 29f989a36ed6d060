#!/bin/bash
# The full-tunnel demo, run inside the test VM by `make demo`: a public
# gateway, a laptop and a second node (the topology of the routing tests,
# selftests/route/lib.sh). The laptop sends everything through the
# gateway with one `mtctl up`, keeps working when its network changes,
# and `mtctl down` puts everything back.
. "$(dirname "$0")/../../selftests/route/lib.sh"

run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}
laptop() { run ip netns exec mtlap "$@"; }
set -e
echo "== full tunnel demo on Linux $(uname -r)"
modprobe meshtun
netns_add mtnet mtgw mtlap mtnode
topo_internet
GW_EXTRA=$'Gateway = wan\nForward = tcp/8080 -> 10.0.0.3:5201' write_confs
echo "== the internet (mtnet) counts pings to its servers by source: via_gw"
echo "   (198.51.100.2, the gateway) or direct (192.0.2.2, the laptop itself)"
echo "== the gateway's configuration (keys elided)"
sed 's/\(Key = \).*/\1.../' "$tmp/gw.conf" | sed 's/^/  /'
echo "== the laptop's"
sed 's/\(Key = \).*/\1.../' "$tmp/lap.conf" | sed 's/^/  /'
for ns in mtgw mtnode mtlap; do
	snapshot $ns >"$tmp/before-$ns"
done
run up mtgw "$tmp/gw.conf"
run up mtnode "$tmp/node.conf"
run up mtlap "$tmp/lap.conf"
echo "== what up made on the laptop"
laptop ip rule
laptop ip route show table 51820
laptop "$mtctl" show dev lap
laptop nft list table inet meshtun-lap
echo "== and on the gateway"
run ip netns exec mtgw nft list table inet meshtun-gw
echo "== the laptop pings the internet"
laptop ping -c 3 -i 0.3 100.64.0.1
echo "  counters: via_gw $(counter via_gw), direct $(counter direct)"
echo "== the laptop's network changes: new uplink 192.0.3.2, old one gone"
veth mtnet lap1 192.0.3.1/24 mtlap wan1 192.0.3.2/24
run ip -n mtlap link del wan0
run ip -n mtlap route add default via 192.0.3.1
laptop ping -c 3 -i 0.5 100.64.0.1
echo "  counters: via_gw $(counter via_gw), direct $(counter direct) (nothing leaked)"
run ip netns exec mtgw "$mtctl" show dev gw endpoints
echo "== a port of the gateway forwarded to the node"
in_ns mtnode iperf3 -s -1 -B 10.0.0.3 -p 5201 -D
sleep 0.5
run ip netns exec mtnet iperf3 -c 198.51.100.2 -p 8080 -t 1
echo "== down"
run down mtlap lap
run down mtnode node
run down mtgw gw
for ns in mtgw mtnode; do
	snapshot $ns >"$tmp/after"
	if diff -q "$tmp/before-$ns" "$tmp/after" >/dev/null; then
		echo "  $ns: links, addresses, rules, routes, nftables, sysctls as before up"
	else
		echo "  $ns: DIFFERS from before up:"
		diff "$tmp/before-$ns" "$tmp/after" | sed 's/^/    /'
		exit 1
	fi
done
laptop ip rule
