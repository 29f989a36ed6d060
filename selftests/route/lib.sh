# shellcheck shell=bash
# selftests/route/lib.sh - the topology of the routing tests (mtctl up/down).
#
#   topo_internet   in the namespaces (netns_add, by the caller: not in a
#                   subshell, so that they are deleted at exit) mtnet (the "internet": a router with the
#                   servers 100.64.0.1 and 100.64.0.2), mtgw (public
#                   gateway, wan 198.51.100.2 and 2001:db8:1::2), mtlap
#                   (laptop, wan0 192.0.2.2 and 2001:db8:2::2) and mtnode
#                   (second node, wan 203.0.113.2), and 2001:db8:ff::1,
#                   each with a default route through mtnet; mtnet counts
#                   the pings its servers get by source: "via_gw" (from the
#                   gateway's addresses), "direct" (from the laptop's)
#   write_confs     keys (made once) and $tmp/{gw,lap,node}.conf: tunnel
#                   10.0.0.0/24 and fd00::/64 (gw .1, laptop .2, node .3), the laptop and the node
#                   peers of the gateway, and LAP_EXTRA / LAP_ALLOWED /
#                   GW_EXTRA added to the laptop's and gateway's [Interface]
#   up NS CONF / down NS NAME   mtctl up/down in NS, with NS's own state dir
#   counter NAME    packets counted so far by mtnet's counter NAME
#   pings_via DESC WANT CMD...  run CMD (pings to a server) in mtlap and
#                   check which counter grew: via_gw or direct
#   route_finish    finish, failing on any sanitizer report (with "asan")
#   snapshot NS     everything up may touch in NS: links, addresses, rules,
#                   routes of every table, nftables ruleset, sysctls
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mt_test_setup
# With "asan" (the test's first argument), every mtctl is the
# AddressSanitizer and UBSan build (make -C tools asan), and any report
# fails the test (route_finish).
sanitized=0
if [ "${1:-}" = asan ]; then
	mtctl=$top/build/asan/mtctl sanitized=1
	export ASAN_OPTIONS="log_path=$tmp/sanitizer:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$tmp/sanitizer:print_stacktrace=1:halt_on_error=1"
	[ -x "$mtctl" ] || { echo "no $mtctl: run make -C tools asan" >&2; exit 1; }
fi

route_finish() {
	if [ "$sanitized" = 1 ]; then
		check_eq "no sanitizer report from any mtctl" "" \
			"$(cat "$tmp"/sanitizer.* 2>/dev/null | head -n 40)"
	fi
	finish
}

topo_internet() {
	veth mtnet gw0 198.51.100.1/24 mtgw wan 198.51.100.2/24 &&
		veth mtnet lap0 192.0.2.1/24 mtlap wan0 192.0.2.2/24 &&
		veth mtnet node0 203.0.113.1/24 mtnode wan 203.0.113.2/24 || return 1
	ip -n mtgw route add default via 198.51.100.1 &&
		ip -n mtlap route add default via 192.0.2.1 &&
		ip -n mtnode route add default via 203.0.113.1 || return 1
	# IPv6 on the gateway's and the laptop's first uplink.
	ip -n mtnet addr add 2001:db8:1::1/64 dev gw0 nodad &&
		ip -n mtgw addr add 2001:db8:1::2/64 dev wan nodad &&
		ip -n mtnet addr add 2001:db8:2::1/64 dev lap0 nodad &&
		ip -n mtlap addr add 2001:db8:2::2/64 dev wan0 nodad &&
		ip -n mtgw route add default via 2001:db8:1::1 &&
		ip -n mtlap route add default via 2001:db8:2::1 || return 1
	in_ns mtnet sysctl -qw net.ipv4.ip_forward=1 &&
		in_ns mtnet sysctl -qw net.ipv6.conf.all.forwarding=1 &&
		ip -n mtnet link add srv type dummy && ip -n mtnet link set srv up &&
		ip -n mtnet addr add 100.64.0.1/32 dev srv &&
		ip -n mtnet addr add 100.64.0.2/32 dev srv &&
		ip -n mtnet addr add 2001:db8:ff::1/128 dev srv nodad || return 1
	# Unprivileged users of the laptop may ping (as the per-user tests do).
	in_ns mtlap sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	in_ns mtnet nft -f - <<'NFT' || return 1
table inet count {
	counter via_gw {}
	counter direct {}
	chain in {
		type filter hook input priority 0;
		ip daddr 100.64.0.0/24 ip saddr 198.51.100.2 icmp type echo-request counter name via_gw
		ip daddr 100.64.0.0/24 ip saddr 192.0.2.0/23 icmp type echo-request counter name direct
		ip6 daddr 2001:db8:ff::1 ip6 saddr 2001:db8:1::2 icmpv6 type echo-request counter name via_gw
		ip6 daddr 2001:db8:ff::1 ip6 saddr 2001:db8:2::2 icmpv6 type echo-request counter name direct
	}
}
NFT
	dad_settled mtnet mtgw mtlap mtnode
}

# Wait until no address in the namespaces is tentative: IPv6 duplicate
# address detection adds the link-local addresses' local routes and clears
# their "tentative" flag a second or so after a link comes up, and a
# snapshot taken before that would never match one taken after.
dad_settled() { # ns...
	local ns
	for _ in $(seq 100); do
		for ns in "$@"; do
			[ -z "$(ip -n "$ns" -6 addr show tentative)" ] || { sleep 0.1; continue 2; }
		done
		return 0
	done
	echo "addresses still tentative after 10 s in $ns" >&2
	return 1
}

write_confs() {
	local n
	for n in gw lap node; do
		[ -s "$tmp/$n.pub" ] && continue
		"$mtctl" genkey >"$tmp/$n.key" && "$mtctl" pubkey <"$tmp/$n.key" >"$tmp/$n.pub" ||
			return 1
	done
	cat >"$tmp/gw.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/gw.key")
ListenPort = 51820
Address = 10.0.0.1/24, fd00::1/64
${GW_EXTRA:-}

[Peer]
PublicKey = $(cat "$tmp/lap.pub")
AllowedIPs = 10.0.0.2/32, fd00::2/128

[Peer]
PublicKey = $(cat "$tmp/node.pub")
AllowedIPs = 10.0.0.3/32, fd00::3/128
EOF
	cat >"$tmp/lap.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/lap.key")
Address = 10.0.0.2/24, fd00::2/64
${LAP_EXTRA:-}

[Peer]
PublicKey = $(cat "$tmp/gw.pub")
Endpoint = 198.51.100.2:51820
AllowedIPs = ${LAP_ALLOWED:-0.0.0.0/0}
PersistentKeepalive = 1
EOF
	cat >"$tmp/node.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/node.key")
Address = 10.0.0.3/24, fd00::3/64

[Peer]
PublicKey = $(cat "$tmp/gw.pub")
Endpoint = 198.51.100.2:51820
AllowedIPs = 10.0.0.0/24, fd00::/64
PersistentKeepalive = 1
EOF
}

up() { # ns conf
	mkdir -p "$tmp/state-$1" &&
		MTCTL_STATE_DIR=$tmp/state-$1 in_ns "$1" "$mtctl" up "$2"
}

down() { # ns name
	MTCTL_STATE_DIR=$tmp/state-$1 in_ns "$1" "$mtctl" down "$2"
}

counter() { # name
	in_ns mtnet nft list counter inet count "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

pings_via() { # desc want(via_gw|direct) cmd...
	local desc=$1 want=$2 gw0 direct0 gw1 direct1 out
	shift 2
	gw0=$(counter via_gw) direct0=$(counter direct)
	out=$(in_ns mtlap "$@" 2>&1)
	gw1=$(counter via_gw) direct1=$(counter direct)
	local got="via_gw +$((gw1 - gw0)), direct +$((direct1 - direct0))"
	if [ "$want" = via_gw ]; then
		[ $((gw1 - gw0)) -gt 0 ] && [ $((direct1 - direct0)) -eq 0 ]
	else
		[ $((direct1 - direct0)) -gt 0 ] && [ $((gw1 - gw0)) -eq 0 ]
	fi
	mt_report $? "$desc ($got)" "$out"
}

snapshot() { # ns
	local k
	ip -n "$1" -d link show | sed 's/ link-netns [^ ]*//'
	ip -n "$1" addr show
	ip -n "$1" -4 rule show
	ip -n "$1" -6 rule show
	ip -n "$1" -4 route show table all
	ip -n "$1" -6 route show table all
	in_ns "$1" nft list ruleset | sed 's/packets [0-9]* bytes [0-9]*/packets - bytes -/'
	for k in net.ipv4.ip_forward net.ipv6.conf.all.forwarding \
		net.ipv4.conf.all.src_valid_mark; do
		in_ns "$1" sysctl "$k"
	done
}

# A case: NS is exactly as in the snapshot file BEFORE.
same_as() { # desc ns before
	local out
	snapshot "$2" >"$tmp/now"
	out=$(diff "$3" "$tmp/now" 2>&1)
	mt_report $? "$1" "$out"
}
