#!/bin/bash
# The mesh demo, run inside the test VM by `make demo`: a public hub, a
# laptop behind a home NAT and a VPS behind another (the topology of the
# mesh tests, selftests/mesh/lib.sh), each brought up with `mtctl up`.
# The laptop reaches the VPS through the hub at first, the hub introduces
# them, and from then on they talk directly through both NATs.
. "$(dirname "$0")/../../selftests/mesh/lib.sh"

run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}
set -e
echo "== mesh demo on Linux $(uname -r)"
modprobe meshtun
netns_add $mesh_namespaces
topo_mesh eim eim
for n in hub lap vps; do
	wg genkey >"$tmp/$n.key"
	wg pubkey <"$tmp/$n.key" >"$tmp/$n.pub"
done
cat >"$tmp/hub.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/hub.key")
ListenPort = 51820
Address = 10.99.0.1/24
Relay = yes

[Peer]
PublicKey = $(cat "$tmp/lap.pub")
AllowedIPs = 10.99.0.2/32

[Peer]
PublicKey = $(cat "$tmp/vps.pub")
AllowedIPs = 10.99.0.3/32
EOF
node_conf() { # name addr other other-addr
	cat <<EOF
[Interface]
PrivateKey = $(cat "$tmp/$1.key")
ListenPort = 51820
Address = $2/24

[Peer]
# the hub: public, and the one that knows where everybody is
PublicKey = $(cat "$tmp/hub.pub")
Endpoint = 198.51.100.2:51820
AllowedIPs = 10.99.0.1/32
PersistentKeepalive = 1
Hub = yes

[Peer]
# no endpoint: the hub will tell
PublicKey = $(cat "$tmp/$3.pub")
AllowedIPs = $4/32
EOF
}
node_conf lap 10.99.0.2 vps 10.99.0.3 >"$tmp/lap.conf"
node_conf vps 10.99.0.3 lap 10.99.0.2 >"$tmp/vps.conf"
echo "== the laptop's configuration (keys elided)"
sed 's/\(Key = \).*/\1.../' "$tmp/lap.conf" | sed 's/^/  /'
echo "== the hub's"
sed 's/\(Key = \).*/\1.../' "$tmp/hub.conf" | sed 's/^/  /'
mkdir -p "$tmp/state"
export MTCTL_STATE_DIR=$tmp/state
run ip netns exec mthub "$mtctl" up "$tmp/hub.conf"
run ip netns exec mta "$mtctl" up "$tmp/lap.conf"
run ip netns exec mtb "$mtctl" up "$tmp/vps.conf"
echo "== both keep a session with the hub (their keepalives)"
wait_hub mthub hub
run ip netns exec mthub "$mtctl" show dev hub paths
echo "== the laptop (10.1.0.2 behind 192.0.2.2) pings the VPS (10.2.0.2 behind 203.0.113.2)"
run ip netns exec mta ping -c 4 -i 0.5 10.99.0.3
echo "== the hub introduced them: how the laptop sees the VPS now (paths: KEY, path, hub, mesh)"
for _ in $(seq 50); do
	[ "$(ip netns exec mta "$mtctl" show dev lap paths | grep "$(cat "$tmp/vps.pub")" | cut -f2)" = direct ] && break
	sleep 0.2
done
run ip netns exec mta "$mtctl" show dev lap
run ip netns exec mta "$mtctl" show dev lap paths
echo "== iperf3 between them: the hub relays none of it"
before=$(ip netns exec mthub ethtool -S hub | awk '$1 == "relay_forwarded:" { print $2 }')
iperf_server mtb 10.99.0.3
run ip netns exec mta iperf3 -c 10.99.0.3 -t 3
after=$(ip netns exec mthub ethtool -S hub | awk '$1 == "relay_forwarded:" { print $2 }')
echo "  messages the hub forwarded during the transfer: $((after - before))"
echo "== the hub's counters"
run sh -c "ip netns exec mthub ethtool -S hub | grep -E 'relay_|mesh_'"
run ip netns exec mta "$mtctl" down lap
run ip netns exec mtb "$mtctl" down vps
run ip netns exec mthub "$mtctl" down hub
