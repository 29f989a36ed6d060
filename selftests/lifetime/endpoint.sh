#!/bin/bash
# A peer's endpoint and its cached route change while packets are being
# sent to it on every CPU. a reaches b over two links (v1: 10.12.1.0/24,
# v2: 10.12.2.0/24); b's endpoint on a moves between its two addresses.
# A sender routes and caches the route under the endpoint lock, so a
# route is never cached for an endpoint that was replaced meanwhile: no
# outer packet to one of b's addresses may leave through the other link
# (nftables counts any that do). The self-test build first holds one of
# a's senders in the window between reading the endpoint and routing to
# it while the endpoint moves; then the endpoint moves forty times under
# load.
. "$(dirname "$0")/lib.sh"

selftest_module || exit 1
netns_add mtea mteb || exit 1

setup() {
	veth mtea v1 10.12.1.1/24 mteb b1 10.12.1.2/24 &&
		veth mtea v2 10.12.2.1/24 mteb b2 10.12.2.2/24 &&
		lt_dev mtea mta0 a 51820 192.168.12.1 && lt_dev mteb mtb0 b 51821 192.168.12.2 &&
		lt_peer mtea mta0 b 10.12.1.2:51821 192.168.12.2/32 &&
		lt_peer mteb mtb0 a 10.12.1.1:51820 192.168.12.1/32 &&
		in_ns mtea nft -f - <<'NFT'
table inet mtlt {
	chain out {
		type filter hook postrouting priority 0; policy accept;
		oifname "v1" ip daddr 10.12.2.2 udp dport 51821 counter
		oifname "v2" ip daddr 10.12.1.2 udp dport 51821 counter
	}
}
NFT
}
wrong() { # packets counted by both rules
	in_ns mtea nft list chain inet mtlt out |
		awk '{ for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}
move_to() { # 1|2
	in_ns mtea "$mtctl" set dev mta0 peer "$(cat "$tmp/b.pub")" endpoint "10.12.$1.2:51821"
}
check "setup: a and b over two links" setup
check "they talk" in_ns mtea ping -c 2 -W 5 192.168.12.2

dmesg -C
flood mtea 192.168.12.2 8
race_window endpoint-send 5000 mta0
check "a sender holds b's endpoint in the window" wait_window endpoint-send
check "b's endpoint moves meanwhile" move_to 2
sleep 4
check_eq "no packet to b's new address left through the old link" 0 "$(wrong)"
wait "$flood_pid"

iperf_server mteb 192.168.12.2
in_ns mtea iperf3 -c 192.168.12.2 -t 8 -P 2 >/dev/null 2>&1 &
iperf=$!
flood mtea 192.168.12.2 8
flip() {
	local i
	for i in $(seq 20); do
		move_to 1 && move_to 2 || return 1
	done
}
check "b's endpoint moves forty times under load" flip
wait "$flood_pid" "$iperf"
check_eq "no outer packet ever took the other endpoint's route" 0 "$(wrong)"
check "they talk afterwards" in_ns mtea ping -c 2 -W 5 192.168.12.2
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do rmmod meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
