#!/bin/bash
# The mesh's configuration changing under relayed load: while a ping
# flood goes from a to b through the hub (both NATs symmetric, so it
# stays relayed), a's hub mark goes off and on, the hub's relay goes off
# and on, b forgets its hub and a forgets b, and both learn them again
# (new sessions, through the hub for a and b); every command must
# succeed, and afterwards the relay carries traffic again. Few processes
# for what it drives in the kernel (hub list under RCU, relaying on both
# sides, peer removal mid-relay), so it runs on the debug kernel too.
#
# usage: selftests/mesh/churn.sh [ROUNDS]
. "$(dirname "$0")/lib.sh"
rounds=${1:-4}

modprobe meshtun || exit 1
netns_add $mesh_namespaces || exit 1
check "topology, both NATs symmetric" topo_mesh symmetric symmetric
check "meshtun on all three" mesh_up
check "a reaches b through the hub" in_ns mta ping -c 3 -i 0.3 -W 10 10.99.0.3

flood mta 10.99.0.3 $((rounds * 6 + 10)) -s 1000
flood=$flood_pid
hub=$(cat "$tmp/mthub.pub") b=$(cat "$tmp/mtb.pub")
failed=0
for i in $(seq "$rounds"); do
	in_ns mta "$mtctl" set dev mt0 peer "$hub" hub off || failed=$((failed + 1))
	in_ns mta "$mtctl" set dev mt0 peer "$hub" hub on || failed=$((failed + 1))
	in_ns mthub "$mtctl" set dev mt0 relay off || failed=$((failed + 1))
	in_ns mthub "$mtctl" set dev mt0 relay on || failed=$((failed + 1))
	# b forgets its hub and learns it again; a forgets b, the relayed peer.
	in_ns mtb "$mtctl" set dev mt0 peer "$hub" remove || failed=$((failed + 1))
	in_ns mtb "$mtctl" set dev mt0 peer "$hub" endpoint 198.51.100.2:51820 hub on \
		persistent-keepalive 1 allowed-ips 10.99.0.1/32 || failed=$((failed + 1))
	in_ns mta "$mtctl" set dev mt0 peer "$b" remove || failed=$((failed + 1))
	in_ns mta "$mtctl" set dev mt0 peer "$b" allowed-ips 10.99.0.3/32 || failed=$((failed + 1))
	sleep 1
done
check_eq "every command succeeded ($rounds rounds)" 0 "$failed"
stop_job "$flood"
check "a reaches b through the hub again" in_ns mta ping -c 5 -i 0.5 -W 10 10.99.0.3
check "the hub forwarded it" test "$(stat mthub relay_forwarded)" -gt 0
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
