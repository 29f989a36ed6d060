#!/bin/bash
# Split tunnels with mtctl up, each checked by where the laptop's pings
# reach the "internet" from (through the gateway, or directly) and each
# followed by `mtctl down`, which must leave the laptop exactly as before:
# by destination (Direct prefixes, a DirectSet that a resolver fills,
# only the Tunnel prefixes), by user (Users, BypassUsers), and the
# 0/1 + 128/1 mode without policy rules.
# usage: selftests/route/split.sh [asan]
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
netns_add mtnet mtgw mtlap mtnode || exit 1
check "topology" topo_internet
GW_EXTRA="Gateway = wan" check "gateway configuration" write_confs
check "gateway up" up mtgw "$tmp/gw.conf"
# A resolver's set (as dnsmasq's nftset= fills), made before the snapshot.
in_ns mtlap nft -f - <<'NFT'
table inet fw {
	set direct {
		type ipv4_addr
		elements = { 100.64.0.2 }
	}
}
NFT
snapshot mtlap >"$tmp/before"

laptop_case() { # title, then LAP_EXTRA and LAP_ALLOWED from the environment
	write_confs && up mtlap "$tmp/lap.conf"
}

# By destination: 100.64.0.1 through the tunnel, 100.64.0.2 not.
by_destination() { # title extra-line
	LAP_EXTRA=$2 check "$1: up" laptop_case
	pings_via "$1: 100.64.0.1 through the gateway" via_gw ping -c 2 -i 0.2 -W 5 100.64.0.1
	pings_via "$1: 100.64.0.2 directly" direct ping -c 2 -i 0.2 -W 5 100.64.0.2
	check "$1: down" down mtlap lap
	same_as "$1: laptop as before" mtlap "$tmp/before"
}
by_destination Direct "Direct = 100.64.0.2/32"
by_destination "DirectSet (100.64.0.2 in the set)" "DirectSet = inet fw direct"
by_destination "Tunnel (only 100.64.0.1)" "Tunnel = 100.64.0.1/32"

LAP_EXTRA="Users = 1000" check "Users: up" laptop_case
pings_via "Users: uid 1000 through the gateway" via_gw \
	setpriv --reuid=1000 --regid=1000 --clear-groups ping -c 2 -i 0.2 -W 5 100.64.0.1
pings_via "Users: uid 1001 directly" direct setpriv --reuid=1001 --regid=1001 --clear-groups ping -c 2 -i 0.2 -W 5 100.64.0.1
pings_via "Users: root directly" direct ping -c 2 -i 0.2 -W 5 100.64.0.1
check "Users: uid 1000's source is the tunnel's address" \
	sh -c "ip -n mtlap route get 100.64.0.1 uid 1000 | grep -q 'dev lap table 51820 src 10.0.0.2 '"
check "Users: down" down mtlap lap
same_as "Users: laptop as before" mtlap "$tmp/before"

LAP_EXTRA="BypassUsers = 1001" check "BypassUsers: up" laptop_case
pings_via "BypassUsers: uid 1000 through the gateway" via_gw \
	setpriv --reuid=1000 --regid=1000 --clear-groups ping -c 2 -i 0.2 -W 5 100.64.0.1
pings_via "BypassUsers: uid 1001 directly" direct setpriv --reuid=1001 --regid=1001 --clear-groups ping -c 2 -i 0.2 -W 5 100.64.0.1
check "BypassUsers: down" down mtlap lap
same_as "BypassUsers: laptop as before" mtlap "$tmp/before"

LAP_EXTRA="FullTunnel = split-default" check "split-default: up" laptop_case
check "split-default: no policy rules" sh -c "! ip -n mtlap rule | grep -q 'lookup 5182'"
check "split-default: 0/1 and 128/1 through the device, the endpoint outside" sh -c "
	ip -n mtlap route | grep -q '^0.0.0.0/1 dev lap' &&
	ip -n mtlap route | grep -q '^128.0.0.0/1 dev lap' &&
	ip -n mtlap route | grep -q '^198.51.100.2 via 192.0.2.1 dev wan0'"
pings_via "split-default: through the gateway" via_gw ping -c 2 -i 0.2 -W 5 100.64.0.1
check "split-default: down" down mtlap lap
same_as "split-default: laptop as before" mtlap "$tmp/before"

# split-default while the network changes: the watcher keeps the
# endpoint's route on the current physical path.
wait_route() { # desc grep-pattern
	for _ in $(seq 50); do
		ip -n mtlap route | grep -q "$2" && break
		sleep 0.1
	done
	check "$1" sh -c "ip -n mtlap route | grep -q '$2'"
}
LAP_EXTRA="FullTunnel = split-default" check "split-default, moving: up" laptop_case
check "split-default, moving: the laptop's new uplink" \
	veth mtnet lap1 192.0.3.1/24 mtlap wan1 192.0.3.2/24
ip -n mtlap link del wan0
ip -n mtlap route add default via 192.0.3.1
wait_route "split-default, moving: the endpoint's route follows the new default route" \
	'^198.51.100.2 via 192.0.3.1 dev wan1'
pings_via "split-default, moving: still through the gateway, nothing leaks" via_gw \
	ping -c 2 -i 0.5 -W 5 100.64.0.1
ip -n mtgw addr add 198.51.100.3/24 dev wan
check "split-default, moving: the gateway's endpoint changes" \
	in_ns mtlap "$mtctl" set dev lap peer "$(cat "$tmp/gw.pub")" endpoint 198.51.100.3:51820
wait_route "split-default, moving: a route for the new endpoint" '^198.51.100.3 via 192.0.3.1 dev wan1'
check "split-default, moving: none for the old one" sh -c "! ip -n mtlap route | grep -q '^198.51.100.2 '"
pings_via "split-default, moving: through the gateway at its new address" via_gw \
	ping -c 2 -i 0.5 -W 5 100.64.0.1
check "split-default, moving: down" down mtlap lap
check "split-default, moving: no routes, watcher or records left" sh -c "
	! ip -n mtlap route | grep -q -e '^198.51.100' -e '/1 dev' &&
	! pgrep -x mtctl && [ -z \"\$(find $tmp/state-mtlap -type f)\" ]"

check "gateway down" down mtgw gw
check "module unloads" modprobe -r meshtun
route_finish
