#!/bin/bash
# meshtun against the kernel's own WireGuard: the independent check that
# the protocol is right. Both sides initiate, with and without a
# preshared key, over IPv4 and IPv6 outside.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
modprobe wireguard || exit 1
topo_two mta wgb || exit 1
check "meshtun node a and WireGuard node b, peers over IPv4" pair_up mta mt wgb wg
check "meshtun initiates: ping WireGuard" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "WireGuard saw a handshake" sh -c "ip netns exec wgb wg show mt0 latest-handshakes | grep -qv '	0\$'"
check "TCP meshtun to WireGuard (iperf3, 2 s)" tcp_test wgb 192.168.9.2 mta
check "TCP WireGuard to meshtun, IPv6 inside (iperf3, 2 s)" tcp_test mta fd99::1 wgb

# Fresh sessions, the other side first, with a preshared key.
wg genpsk >"$tmp/psk"
restart() {
	ip -n mta link set mt0 down && ip -n mta link set mt0 up &&
		ip -n wgb link set mt0 down && ip -n wgb link set mt0 up
}
check "both sides get a preshared key" sh -c "
	ip netns exec mta $mtctl set dev mt0 peer \$(cat $tmp/wgb.pub) preshared-key $tmp/psk &&
	ip netns exec wgb wg set mt0 peer \$(cat $tmp/mta.pub) preshared-key $tmp/psk"
check "restart both devices" restart
check "WireGuard initiates with a PSK: ping meshtun" in_ns wgb ping -c 3 -i 0.2 -W 5 192.168.9.1
check "meshtun saw a handshake" sh -c "ip netns exec mta $mtctl show dev mt0 handshakes | grep -qv '	0\$'"
check "meshtun initiates with a PSK after a restart" sh -c "
	ip -n mta link set mt0 down && ip -n mta link set mt0 up &&
	ip netns exec mta ping -c 3 -i 0.2 -W 5 fd99::2"

# A wrong PSK on one side: no session, and nothing leaks through.
wg genpsk >"$tmp/psk2"
check "meshtun's PSK differs" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/wgb.pub")" preshared-key "$tmp/psk2"
check "restart both devices" restart
check_fails "mismatched PSKs: no traffic" in_ns mta ping -c 2 -i 0.5 -W 2 192.168.9.2
check "matching again" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/wgb.pub")" preshared-key "$tmp/psk"
check "works again after the fix" in_ns mta ping -c 3 -i 0.5 -W 8 192.168.9.2

# IPv6 outside, no PSK, WireGuard initiating.
check "no PSK, IPv6 endpoints" sh -c "
	ip netns exec mta $mtctl set dev mt0 peer \$(cat $tmp/wgb.pub) preshared-key /dev/null endpoint [fd09::2]:51821 &&
	ip netns exec wgb wg set mt0 peer \$(cat $tmp/mta.pub) preshared-key /dev/null endpoint [fd09::1]:51820"
check "restart both devices" restart
check "WireGuard initiates over IPv6" in_ns wgb ping -c 3 -i 0.2 -W 5 192.168.9.1
check_eq "WireGuard sees meshtun at its IPv6 address" "[fd09::1]:51820" \
	"$(in_ns wgb wg show mt0 endpoints | cut -f2)"

finish
