#!/bin/bash
# ECN through the tunnel (RFC 6040): the sender copies the inner packet's
# ECN field to the outer header; a router that marks the outer packet
# Congestion Experienced must see the mark reach the inner packet at the
# receiver. b's namespace marks every outer packet from a as CE before
# b's device sees it, and counts the inner packets arriving CE-marked.
. "$(dirname "$0")/../lifetime/lib.sh"

modprobe meshtun || exit 1
netns_add mtea mteb || exit 1
check "setup: a and b" lt_pair mtea a mteb b 13
check "they talk" in_ns mtea ping -c 2 -W 5 192.168.13.2
check "b marks outer packets from a CE, and counts inner CE packets" in_ns mteb nft -f - <<'NFT'
table ip congestion {
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip saddr 10.13.0.1 udp dport 51821 ip ecn set ce
	}
	chain seen {
		type filter hook input priority 0; policy accept;
		iifname "mt0" icmp type echo-request ip ecn ce counter
	}
}
NFT
check "a pings with ECT(0)" in_ns mtea ping -c 5 -i 0.2 -W 5 -Q 2 192.168.13.2
ce=$(in_ns mteb nft list chain ip congestion seen | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
check_eq "all 5 arrived marked CE inside" 5 "$ce"
check "a pings without ECN: CE outside cannot be passed on, the packet is dropped" \
	sh -c "! ip netns exec mtea ping -c 2 -i 0.2 -W 2 192.168.13.2 >/dev/null"
check "counted as a bad inner packet" test "$(drop_count mteb mt0 rx_bad_inner_packet)" -ge 2
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
