#!/bin/bash
# Sustained churn under load: for SECONDS (default 15), while TCP and a
# ping flood run through the tunnel between a and b,
#  - a removes b's peer and adds it again, and every third time b takes a
#    new private key and a replaces b's peer with the new key;
#  - b rewrites a's allowed IPs and adds and removes dummy peers with
#    allowed IPs of their own;
#  - a roams: its outer address moves to a new one and the old one goes;
#  - both sides dump their configuration.
# Every configuration command must succeed; afterwards the configuration
# is what the last commands made it, b has followed a to its last address,
# and the tunnel carries pings and TCP again. Kernel splats and leaks fail
# it (the VM runner).
#
# usage: selftests/data/churn.sh [SECONDS]
. "$(dirname "$0")/lib.sh"
seconds=${1:-15}

modprobe meshtun || exit 1
topo_two mta mtb && pair_up mta mt mtb mt || exit 1
# a's new address is a secondary one until the old primary goes.
in_ns mta sysctl -qw net.ipv4.conf.veth0.promote_secondaries=1
check "the tunnel works" in_ns mta ping -c 1 -W 5 192.168.9.2

end=$((SECONDS + seconds))
# Each churner writes the number of commands that failed to its file.
peer_and_key_churn() {
	local n=0 failed=0 old
	while [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		if [ $((n % 3)) = 0 ]; then
			old=$(cat "$tmp/mtb.pub")
			wg genkey >"$tmp/mtb.key" && wg pubkey <"$tmp/mtb.key" >"$tmp/mtb.pub" &&
				in_ns mtb "$mtctl" set dev mt0 private-key "$tmp/mtb.key" ||
				failed=$((failed + 1))
			in_ns mta "$mtctl" set dev mt0 peer "$old" remove ||
				failed=$((failed + 1))
		else
			in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/mtb.pub")" remove ||
				failed=$((failed + 1))
		fi
		in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/mtb.pub")" \
			endpoint 10.9.0.2:51821 allowed-ips 192.168.9.2/32,fd99::2/128 ||
			failed=$((failed + 1))
	done
	echo "$n $failed" >"$tmp/peer_and_key"
}
allowedips_churn() {
	local n=0 failed=0 i
	for i in 1 2 3 4 5; do wg genkey | wg pubkey >"$tmp/dummy$i"; done
	while [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		i=$((n % 5 + 1))
		in_ns mtb "$mtctl" set dev mt0 peer "$(cat "$tmp/mta.pub")" \
			allowed-ips "192.168.9.1/32,fd99::1/128,10.77.$((n % 256)).0/24" ||
			failed=$((failed + 1))
		in_ns mtb "$mtctl" set dev mt0 peer "$(cat "$tmp/dummy$i")" \
			allowed-ips "10.$((100 + i)).0.0/16,10.$((100 + i)).$((n % 256)).0/24,fd$i::/64" ||
			failed=$((failed + 1))
		in_ns mtb "$mtctl" set dev mt0 peer "$(cat "$tmp/dummy$((i % 5 + 1))")" remove ||
			failed=$((failed + 1))
	done
	echo "$n $failed" >"$tmp/allowedips"
}
roam() {
	local n=0 failed=0 cur=1 new
	while [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		new=$((10 + n % 200))
		{ ip -n mta addr add "10.9.0.$new/24" dev veth0 &&
			ip -n mta addr del "10.9.0.$cur/24" dev veth0; } || failed=$((failed + 1))
		cur=$new
		echo "$cur" >"$tmp/a_addr"
		sleep 0.5
	done
	echo "$n $failed" >"$tmp/roam"
}
dumps() {
	while [ $SECONDS -lt $end ]; do
		in_ns mta "$mtctl" show >/dev/null 2>&1
		in_ns mtb "$mtctl" showconf dev mt0 >/dev/null 2>&1
	done
}

iperf_server mtb 192.168.9.2
in_ns mta timeout $((seconds + 15)) iperf3 -c 192.168.9.2 -t "$seconds" -P 2 >/dev/null 2>&1 &
flood mtb 192.168.9.1 "$seconds" -s 500
peer_and_key_churn 2>"$tmp/peer_and_key.err" &
allowedips_churn 2>"$tmp/allowedips.err" &
roam 2>"$tmp/roam.err" &
dumps &
wait

for c in peer_and_key allowedips roam; do
	read -r n failed <"$tmp/$c"
	echo "# $c: $n rounds, $failed commands failed"
	check_eq "$c: every command succeeded" 0 "$failed"
	[ -s "$tmp/$c.err" ] && sed "s/^/# $c: /" "$tmp/$c.err" | head -n 5
done

a_addr=$(cat "$tmp/a_addr")
check_eq "a holds b's last key as its only peer" "$(cat "$tmp/mtb.pub")" \
	"$(in_ns mta "$mtctl" show dev mt0 peers)"
read -r n _ <"$tmp/allowedips"
check_eq "b holds a and the dummy peers added in the last four rounds" $((1 + (n < 4 ? n : 4))) \
	"$(in_ns mtb "$mtctl" show dev mt0 peers | wc -l)"
# a speaks first: b learns a's address from a's packets (roaming), and
# when a's last move came after the traffic had stopped (on a slow kernel
# it can), b still holds the address a had before, as WireGuard would.
check "a pings b over the tunnel" in_ns mta ping -c 3 -W 5 192.168.9.2
check_eq "b has followed a to its last address" "10.9.0.$a_addr:51820" \
	"$(in_ns mtb "$mtctl" show dev mt0 endpoints | awk -v k="$(cat "$tmp/mta.pub")" '$1 == k { print $2 }')"
check "b pings a over the tunnel" in_ns mtb ping -c 3 -W 5 192.168.9.1
check "the tunnel carries TCP" tcp_test mtb 192.168.9.2 mta
mt_cleanup_namespaces
check "the module unloads afterwards" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
