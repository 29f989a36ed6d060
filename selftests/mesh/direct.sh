#!/bin/bash
# Two nodes behind two home-router NATs (endpoint-independent mappings,
# unsolicited packets dropped) join through a public hub and end up
# talking directly: while iperf3 runs between them, the hub relays
# nothing. Then the direct path is cut mid-transfer: the transfer goes on
# through the hub within a few seconds, and direct again once the cut is
# gone. Idle, the two fall silent.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
netns_add $mesh_namespaces || exit 1
check "topology: a hub, two nodes behind NATs" topo_mesh eim eim
check "meshtun on all three" mesh_up
check "a reaches b (through the hub at first)" in_ns mta ping -c 3 -i 0.3 -W 5 10.99.0.3
check "b reaches a" in_ns mtb ping -c 3 -i 0.3 -W 5 10.99.0.2
check "a's path to b becomes direct" wait_path mta mtb direct 15 10.99.0.3
check "b's path to a becomes direct" wait_path mtb mta direct 15 10.99.0.2
check "a sees b at its NAT's address" sh -c \
	"ip netns exec mta $mtctl show dev mt0 endpoints | grep -q \"$(cat "$tmp/mtb.pub")	203.0.113.2:\""
check "the hub introduced them" test "$(stat mthub mesh_introductions)" -ge 1

fwd0=$(stat mthub relay_forwarded)
check "iperf3 between them" tcp_test mtb 10.99.0.3 mta 3
fwd1=$(stat mthub relay_forwarded)
check_eq "the hub forwarded nothing meanwhile" "$fwd0" "$fwd1"
check "mtctl show says direct" sh -c "ip netns exec mta $mtctl show dev mt0 | grep -qx '  path: direct'"
check "and -j" sh -c "ip netns exec mta $mtctl -j show dev mt0 | python3 -c '
import json, sys
peers = {p[\"public_key\"]: p for p in json.load(sys.stdin)[0][\"peers\"]}
p = peers[\"$(cat "$tmp/mtb.pub")\"]
sys.exit(0 if p[\"path\"] == \"direct\" and p[\"mesh\"] == \"yes\" and not p[\"hub\"] else 1)'"

# Cut the direct path (both ways) in the middle of a transfer.
iperf_server mtb 10.99.0.3
# Long enough to outlast a slow fallback to the relay (10 s seen on a loaded machine).
in_ns mta iperf3 -c 10.99.0.3 -t 20 -J >"$tmp/iperf.json" 2>&1 &
iperf=$!
sleep 2
cut_direct
cut=$SECONDS
check "with the direct path cut, a relays through the hub" wait_path mta mtb relayed 8
echo "# relayed $((SECONDS - cut)) s after the cut"
# TCP may be backing off its retransmissions by now: give it a few.
fwd0=$(stat mthub relay_forwarded)
check "the hub forwards the transfer" wait_stat_above mthub relay_forwarded $((fwd0 + 20)) 10
uncut_direct
# Paths are looked for while traffic flows; the transfer may end before
# the next discovery (backoff up to 16 s by now), so pings keep it going.
in_ns mta ping -q -i 0.2 -w 45 10.99.0.3 >/dev/null 2>&1 &
pinger=$!
check "once the cut is gone, a goes direct again" wait_path mta mtb direct 20
check "and b" wait_path mtb mta direct 20
stop_job "$pinger"
wait $iperf
status=$?
check_eq "the transfer survived it all" 0 "$status"
check "it moved data throughout" python3 -c "
import json, sys
r = json.load(open('$tmp/iperf.json'))
slow = [round(i['sum']['bits_per_second'] / 1e6, 1) for i in r['intervals']]
print('Mbit/s per second:', slow)
sys.exit(0 if r['end']['sum_received']['bytes'] > 0 and sum(1 for s in slow if s > 0) >= 10 else 1)"
fwd0=$(stat mthub relay_forwarded)
check "a pings b directly" in_ns mta ping -c 3 -i 0.2 -W 5 10.99.0.3
check_eq "with nothing forwarded" "$fwd0" "$(stat mthub relay_forwarded)"

# Idle, they fall silent after one keepalive (10 s after the last data,
# as WireGuard's): the mesh's own PINGs and PONGs are no data that asks
# for an answer, so they do not keep each other talking.
transfer() { in_ns mta "$mtctl" show dev mt0 transfer | awk -v k="$(cat "$tmp/mtb.pub")" '$1 == k'; }
sleep 13
t0=$(transfer)
sleep 20
check_eq "idle, a and b exchange nothing for 20 s" "$t0" "$(transfer)"
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
