# shellcheck shell=bash
# selftests/data/lib.sh - topologies for the data-plane tests.
#
#   topo_two NS1 NS2               two namespaces joined by a veth pair,
#                                  outer 10.9.0.N/24 and fd09::N/64
#   mt_node NS IDX PORT            a meshtun device mt0 in NS with a fresh
#                                  key, listening on PORT, inner addresses
#                                  192.168.9.IDX/24 and fd99::IDX/64; the
#                                  public key goes to $tmp/NS.pub
#   wg_node NS IDX PORT            the same with a kernel WireGuard device
#   link_peers NS1 IDX1 NS2 IDX2 PORT2 [OUTER]  NS1's device gets NS2's
#                                  as a peer at NS2's outer address (4 or 6)
#   pair_up NS1 KIND1 NS2 KIND2    both nodes (mt or wg), each the other's peer
#   topo_star NS...                namespaces on one bridge
#   capture_data NS1 NS2 N FILE    N data messages NS1 sends NS2 (pings over
#                                  the tunnel, 192.168.9.2, port 51821),
#                                  captured on NS2's veth0 into FILE (hex)
#   handshake NS                   when NS's mt0 last shook hands with its
#                                  (one) peer, in seconds since the epoch
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

mt_test_setup

topo_two() { # ns1 ns2
	netns_add "$1" "$2" || return 1
	ip link add veth0 netns "$1" type veth peer name veth0 netns "$2" || return 1
	local i=1 ns
	for ns in "$1" "$2"; do
		# Keep IPv6 addresses across down/up, as IPv4 ones are kept.
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
		ip -n "$ns" addr add "10.9.0.$i/24" dev veth0
		ip -n "$ns" addr add "fd09::$i/64" dev veth0 nodad
		ip -n "$ns" link set veth0 up
		i=$((i + 1))
	done
}

node_addrs() { # ns idx
	ip -n "$1" addr add "192.168.9.$2/24" dev mt0 &&
		ip -n "$1" addr add "fd99::$2/64" dev mt0 nodad &&
		ip -n "$1" link set mt0 up
}

mt_node() { # ns idx port
	wg genkey >"$tmp/$1.key" && wg pubkey <"$tmp/$1.key" >"$tmp/$1.pub" &&
		ip -n "$1" link add mt0 type meshtun &&
		in_ns "$1" "$mtctl" set dev mt0 private-key "$tmp/$1.key" listen-port "$3" &&
		node_addrs "$1" "$2"
}

wg_node() { # ns idx port
	wg genkey >"$tmp/$1.key" && wg pubkey <"$tmp/$1.key" >"$tmp/$1.pub" &&
		ip -n "$1" link add mt0 type wireguard &&
		in_ns "$1" wg set mt0 private-key "$tmp/$1.key" listen-port "$3" &&
		node_addrs "$1" "$2"
}

# The outer address of a node: its index on veth0, IPv4 or IPv6.
outer() { # idx family
	if [ "$2" = 6 ]; then echo "[fd09::$1]"; else echo "10.9.0.$1"; fi
}

link_peers() { # ns1 idx1 ns2 idx2 port2 [family] [extra set words...]
	local ns1=$1 ns2=$3 idx2=$4 port2=$5 fam=${6:-4} tool
	shift 6 2>/dev/null || shift $#
	if [ "$(ip -n "$ns1" -d -j link show mt0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkinfo"]["info_kind"])')" = wireguard ]; then
		tool=wg
	else
		tool=$mtctl
	fi
	in_ns "$ns1" $tool set mt0 2>/dev/null >/dev/null || true
	if [ "$tool" = wg ]; then
		in_ns "$ns1" wg set mt0 peer "$(cat "$tmp/$ns2.pub")" \
			endpoint "$(outer "$idx2" "$fam"):$port2" \
			allowed-ips "192.168.9.$idx2/32,fd99::$idx2/128" "$@"
	else
		in_ns "$ns1" "$mtctl" set dev mt0 peer "$(cat "$tmp/$ns2.pub")" \
			endpoint "$(outer "$idx2" "$fam"):$port2" \
			allowed-ips "192.168.9.$idx2/32,fd99::$idx2/128" "$@"
	fi
}

# topo_star NS...: every namespace gets veth0 into a bridge in namespace
# "mtsw", outer addresses 10.9.0.N/24 and fd09::N/64 in the order given.
topo_star() {
	netns_add mtsw || return 1
	ip -n mtsw link add br0 type bridge && ip -n mtsw link set br0 up || return 1
	local i=1 ns
	for ns in "$@"; do
		netns_add "$ns" || return 1
		in_ns "$ns" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1
		ip link add veth0 netns "$ns" type veth peer name "p$i" netns mtsw || return 1
		ip -n mtsw link set "p$i" master br0 up
		ip -n "$ns" addr add "10.9.0.$i/24" dev veth0
		ip -n "$ns" addr add "fd09::$i/64" dev veth0 nodad
		ip -n "$ns" link set veth0 up
		i=$((i + 1))
	done
}

# pair_up NS1 KIND1 NS2 KIND2: on topo_two's link, node 1 (port 51820) and
# node 2 (port 51821), KIND mt or wg, each the other's peer over IPv4.
pair_up() {
	"${2}_node" "$1" 1 51820 && "${4}_node" "$3" 2 51821 &&
		link_peers "$1" 1 "$3" 2 51821 4 && link_peers "$3" 2 "$1" 1 51820 4
}

capture_data() { # ns1 ns2 n file
	local cap
	in_ns "$2" python3 "$(dirname "${BASH_SOURCE[0]}")/packets.py" capture veth0 51821 "$3" "$4" &
	cap=$!
	for _ in $(seq 100); do [ -e "$4.ready" ] && break; sleep 0.1; done
	in_ns "$1" ping -q -c "$3" -i 0.1 -W 5 192.168.9.2 >/dev/null
	wait $cap
}

handshake() { # ns
	in_ns "$1" "$mtctl" show dev mt0 handshakes | cut -f2
}
