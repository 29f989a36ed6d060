# shellcheck shell=bash
# selftests/mesh/lib.sh - the mesh tests' topology: a public hub and two
# nodes, each behind a NAT of its own.
#
#   topo_mesh [A_NAT B_NAT]  in the namespaces $mesh_namespaces (made by the
#                   caller with netns_add, not in a subshell, so that they
#                   are deleted at exit):
#                   mtinet   the "internet": a router, 198.51.100.1 (hub side),
#                            192.0.2.1 (NAT 1), 203.0.113.1 (NAT 2)
#                   mthub    the hub, 198.51.100.2
#                   mtnat1   a's NAT: 192.0.2.2 outside, 10.1.0.1 inside
#                   mtnat2   b's NAT: 203.0.113.2 outside, 10.2.0.1 inside
#                   mta, mtb the nodes, 10.1.0.2 and 10.2.0.2
#                   A_NAT and B_NAT: "eim" (the default: a home router's
#                   masquerade, which keeps a socket's mapping for every
#                   destination and drops what nobody asked for) or
#                   "symmetric" (masquerade fully-random: a new mapping per
#                   destination, which no punching gets through)
#   mesh_up [HUB_RELAY]      meshtun devices mt0: tunnel 10.99.0.1 (hub),
#                            .2 (a), .3 (b); a and b know the hub (endpoint,
#                            keepalive 1, hub on) and each other (no
#                            endpoint); the hub knows both, relay on unless
#                            HUB_RELAY is "off"
#   wait_hub NS DEV          until the hub on NS's DEV shook hands with all
#                            its peers, which speak mesh messages
#   stat NS NAME             an ethtool -S counter of NS's mt0
#   wait_stat_above NS NAME VALUE SECONDS   poll until that counter is above VALUE
#   path_of NS PEER_NS       "direct", "relayed" or "none": NS's path to PEER_NS
#   wait_path NS PEER_NS WANT SECONDS [ADDR]   poll until the path is WANT
#                            (pinging ADDR meanwhile, when given)
#                            (both waits bound wall time: on the debug
#                            kernel one poll can take a second)
#   cut_direct, uncut_direct  the internet router drops, or again passes,
#                            what the two NATs send each other (both ways)
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mt_test_setup

# A NAT router: masquerade out of wan, and (as home routers do) drop what
# arrives for the router itself unasked. Without that drop, a packet that
# arrives before the inside has sent any leaves an unreplied conntrack
# entry behind, and the mapping made later clashes with it.
nat_router() { # ns kind
	local masq=masquerade
	[ "$2" = symmetric ] && masq="masquerade fully-random"
	in_ns "$1" sysctl -qw net.ipv4.ip_forward=1 &&
		in_ns "$1" nft -f - <<NFT
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" $masq
	}
	chain inbound {
		type filter hook input priority 0; policy drop;
		ct state established,related accept
		iifname "lan" accept
	}
	chain through {
		type filter hook forward priority 0; policy drop;
		iifname "lan" accept
		ct state established,related accept
	}
}
NFT
}

mesh_namespaces="mtinet mthub mtnat1 mtnat2 mta mtb"

topo_mesh() { # [a-nat b-nat]
	veth mtinet hub0 198.51.100.1/24 mthub wan 198.51.100.2/24 &&
		veth mtinet n1 192.0.2.1/24 mtnat1 wan 192.0.2.2/24 &&
		veth mtinet n2 203.0.113.1/24 mtnat2 wan 203.0.113.2/24 &&
		veth mtnat1 lan 10.1.0.1/24 mta eth0 10.1.0.2/24 &&
		veth mtnat2 lan 10.2.0.1/24 mtb eth0 10.2.0.2/24 || return 1
	in_ns mtinet sysctl -qw net.ipv4.ip_forward=1 &&
		ip -n mthub route add default via 198.51.100.1 &&
		ip -n mtnat1 route add default via 192.0.2.1 &&
		ip -n mtnat2 route add default via 203.0.113.1 &&
		ip -n mta route add default via 10.1.0.1 &&
		ip -n mtb route add default via 10.2.0.1 || return 1
	nat_router mtnat1 "${1:-eim}" && nat_router mtnat2 "${2:-eim}"
}

mt_dev() { # ns addr
	wg genkey >"$tmp/$1.key" && wg pubkey <"$tmp/$1.key" >"$tmp/$1.pub" &&
		ip -n "$1" link add mt0 type meshtun &&
		in_ns "$1" "$mtctl" set dev mt0 private-key "$tmp/$1.key" listen-port 51820 &&
		ip -n "$1" addr add "$2/24" dev mt0 && ip -n "$1" link set mt0 up
}

mesh_up() { # [hub-relay]
	mt_dev mthub 10.99.0.1 && mt_dev mta 10.99.0.2 && mt_dev mtb 10.99.0.3 || return 1
	in_ns mthub "$mtctl" set dev mt0 relay "${1:-on}" \
		peer "$(cat "$tmp/mta.pub")" allowed-ips 10.99.0.2/32 \
		peer "$(cat "$tmp/mtb.pub")" allowed-ips 10.99.0.3/32 || return 1
	local n other addr
	for n in mta mtb; do
		if [ $n = mta ]; then other=mtb addr=10.99.0.3; else other=mta addr=10.99.0.2; fi
		in_ns $n "$mtctl" set dev mt0 \
			peer "$(cat "$tmp/mthub.pub")" endpoint 198.51.100.2:51820 hub on \
			persistent-keepalive 1 allowed-ips 10.99.0.1/32 \
			peer "$(cat "$tmp/$other.pub")" allowed-ips "$addr/32" || return 1
	done
	wait_hub mthub mt0
}

# The hub has heard from all its peers (their keepalives) and knows they speak mesh.
wait_hub() { # ns dev
	local _
	for _ in $(seq 100); do
		[ "$(in_ns "$1" "$mtctl" show dev "$2" paths | cut -f4 | sort -u)" = yes ] &&
			return 0
		sleep 0.1
	done
	echo "the hub has no handshake with all its peers" >&2
	return 1
}

stat() { # ns name
	in_ns "$1" ethtool -S mt0 | awk -v k="$2:" '$1 == k { print $2 }'
}

# Poll until a counter of ethtool -S is above a value.
wait_stat_above() { # ns name value seconds
	local end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(stat "$1" "$2")" -gt "$3" ] && return 0
		sleep 0.1
	done
	echo "$1's $2 is $(stat "$1" "$2"), not above $3, after $4 s" >&2
	return 1
}

path_of() { # ns peer-ns
	in_ns "$1" "$mtctl" show dev mt0 paths | awk -v k="$(cat "$tmp/$2.pub")" '$1 == k { print $2 }'
}

# With ADDR, NS pings it while it waits: a path is discovered for traffic
# through the hub, with backoff, and a few pings sent while the
# handshakes were still under way leave nothing to retry for.
wait_path() { # ns peer-ns want seconds [addr]
	local end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(path_of "$1" "$2")" = "$3" ] && return 0
		if [ -n "${5:-}" ]; then
			in_ns "$1" ping -q -c 1 -W 1 "$5" >/dev/null 2>&1
		else
			sleep 0.1
		fi
	done
	echo "$1's path to $2 is $(path_of "$1" "$2"), not $3, after $4 s" >&2
	in_ns "$1" "$mtctl" show dev mt0 >&2
	return 1
}

cut_direct() {
	in_ns mtinet nft -f - <<'NFT'
table inet cut {
	chain through {
		type filter hook forward priority -10; policy accept;
		ip saddr 192.0.2.2 ip daddr 203.0.113.2 drop
		ip saddr 203.0.113.2 ip daddr 192.0.2.2 drop
	}
}
NFT
}

uncut_direct() {
	in_ns mtinet nft delete table inet cut
}
