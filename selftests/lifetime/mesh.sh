#!/bin/bash
# The mesh's objects released while they are in use: a peer removed while
# its path is being discovered (ENDPOINT requests out, a probe round and
# punches armed as timers), the hub removed while it relays and while
# packets it brought wait for decryption, and a peer removed while it
# roams (its endpoint moving with each packet). The debug kernel reports
# any use of what was freed; afterwards everything must work again.
#
# usage: selftests/lifetime/mesh.sh [ROUNDS]
. "$(dirname "$0")/../mesh/lib.sh"

rounds=${1:-3}
modprobe meshtun || exit 1
netns_add $mesh_namespaces || exit 1
check "topology: a hub, two nodes behind NATs" topo_mesh eim eim
check "meshtun on all three" mesh_up
hub=$(cat "$tmp/mthub.pub") a=$(cat "$tmp/mta.pub") b=$(cat "$tmp/mtb.pub")
# 200 a second each way: enough to be in use at every release, and
# bearable on the debug kernel's slow guest for the whole test. It starts
# before the path is looked for: see wait_path (../mesh/lib.sh) for why.
flood mta 10.99.0.3 600 -s 600 -i 0.005
flood=$flood_pid
flood mtb 10.99.0.2 600 -s 600 -i 0.005
flood_b=$flood_pid
check "a's path to b becomes direct" wait_path mta mtb direct 30

# Discovery: with the straight path cut both ways, a and b go through the
# hub and keep asking it for each other, probing and punching in vain.
cut_direct
check "with the path cut, a goes through the hub" wait_path mta mtb relayed 15
failed=0
for i in $(seq "$rounds"); do
	# b removed from a mid-discovery, and again once the hub's answer
	# has set off punches; then the hub removed from a while it relays.
	in_ns mta "$mtctl" set dev mt0 peer "$b" remove || failed=$((failed + 1))
	in_ns mta "$mtctl" set dev mt0 peer "$b" allowed-ips 10.99.0.3/32 || failed=$((failed + 1))
	sleep 2
	in_ns mta "$mtctl" set dev mt0 peer "$b" remove || failed=$((failed + 1))
	in_ns mta "$mtctl" set dev mt0 peer "$b" allowed-ips 10.99.0.3/32 || failed=$((failed + 1))
	sleep 1
	in_ns mta "$mtctl" set dev mt0 peer "$hub" remove || failed=$((failed + 1))
	in_ns mta "$mtctl" set dev mt0 peer "$hub" endpoint 198.51.100.2:51820 hub on \
		persistent-keepalive 1 allowed-ips 10.99.0.1/32 || failed=$((failed + 1))
	sleep 1
done
check_eq "every removal and re-add mid-discovery succeeded ($rounds rounds)" 0 "$failed"
check "relayed again after it all" wait_stat_above mthub relay_forwarded 0 10

# Roaming: the cut is gone and the path direct again; a's address behind
# its NAT changes (a new mapping, so b sees a move) while b removes a.
uncut_direct
check "a's path to b becomes direct again" wait_path mta mtb direct 40
in_ns mta sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
failed=0
for i in $(seq "$rounds"); do
	new=10.1.0.$((2 + i)) old=10.1.0.$((1 + i))
	ip -n mta addr add "$new/24" dev eth0 || failed=$((failed + 1))
	ip -n mta addr del "$old/24" dev eth0 || failed=$((failed + 1))
	ip -n mta route replace default via 10.1.0.1 src "$new" || failed=$((failed + 1))
	in_ns mtb "$mtctl" set dev mt0 peer "$a" remove || failed=$((failed + 1))
	in_ns mtb "$mtctl" set dev mt0 peer "$a" allowed-ips 10.99.0.2/32 || failed=$((failed + 1))
	sleep 2
done
check_eq "every roam and removal succeeded ($rounds rounds)" 0 "$failed"
stop_job "$flood" "$flood_b"
# b forgot a's session with each removal: a's data goes nowhere until a
# shakes hands again (or b does, for its own flood), within 15 s.
check "a reaches b after it all" wait_reach mta mtb 10.99.0.3 30
check "b reaches a" wait_reach mtb mta 10.99.0.2 30
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
