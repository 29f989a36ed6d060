#!/bin/bash
# The netlink fuzzer (selftests/fuzz/netlink.c) against three devices in a
# namespace, while the devices go down and up, one is deleted and created
# again, and dumps run alongside. Afterwards every device still dumps a
# configuration that mtctl reads, and that configuration, set on a fresh
# device, comes back the same. Kernel splats fail the test (the VM runner).
#
# usage: selftests/fuzz/netlink.sh [SECONDS]   (default 30)
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
. selftests/lib.sh
mtctl=tools/mtctl
seconds=${1:-30}
tmp=$(mktemp -d)

modprobe meshtun || exit 1
netns_add mtfz
for dev in mt0 mt1 mt2; do
	in_ns mtfz ip link add "$dev" type meshtun || exit 1
done
in_ns mtfz ip link set lo up
in_ns mtfz ip link set mt0 up

# Churn beside the fuzzer: links down and up, mt2 deleted and re-created,
# dumps of every device.
churn() {
	local end=$((SECONDS + seconds))
	while [ $SECONDS -lt $end ]; do
		ip link set mt0 down; ip link set mt1 up
		"$mtctl" show >/dev/null 2>&1
		ip link del mt2; ip link add mt2 type meshtun
		ip link set mt0 up; ip link set mt1 down
		"$mtctl" show dev mt1 dump >/dev/null 2>&1
	done
}
export -f churn
export mtctl seconds
ip netns exec mtfz bash -c churn 2>/dev/null &
churn_pid=$!

in_ns mtfz build/tests/fuzz-netlink -t "$seconds" -n 1000000 -j 2 mt0 mt1 mt2 >"$tmp/fuzz.log" 2>&1
fuzz_status=$?
wait "$churn_pid"
sed 's/^/# fuzz-netlink: /' "$tmp/fuzz.log"
check_eq "every request of the fuzzer got an answer" 0 "$fuzz_status"

for dev in mt0 mt1 mt2; do
	check "$dev still dumps" in_ns mtfz "$mtctl" showconf dev "$dev"
	check "$dev dumps as JSON" sh -c "ip netns exec mtfz $mtctl -j show dev $dev |
		python3 -c 'import json, sys; json.load(sys.stdin)'"
done
# Round trip: what mt0 holds, set on a fresh device, dumps the same (the
# listen port aside: mt0 has it bound).
in_ns mtfz "$mtctl" showconf dev mt0 | grep -v '^ListenPort' >"$tmp/mt0.conf"
in_ns mtfz ip link add mtcheck type meshtun
check "mt0's configuration sets a fresh device" in_ns mtfz "$mtctl" setconf dev mtcheck "$tmp/mt0.conf"
check_eq "and dumps the same" "$(cat "$tmp/mt0.conf")" \
	"$(in_ns mtfz "$mtctl" showconf dev mtcheck | grep -v '^ListenPort')"
echo "# mt0 ended with $(grep -c '^\[Peer\]' "$tmp/mt0.conf") peers"
ip netns del mtfz
mt_namespaces=()
check "the module unloads afterwards" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
