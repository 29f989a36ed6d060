#!/bin/bash
# A direct path that stops working in one direction only, as when one
# NAT's mapping expires while the other's lives on: a path is alive only
# while what is sent on it is answered on it, so both nodes must notice
# within a few seconds and go through the hub, whatever still arrives
# straight or through the hub from the other side. Each cut (a to b, b to
# a, both ways) is made on a router in the middle of a TCP transfer, which
# must keep going; a new connection made a second after the cut must
# connect; pings from the first to the twentieth second must mostly be
# answered. Once the cut is gone, both go direct again.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
netns_add $mesh_namespaces || exit 1
check "topology: a hub, two nodes behind NATs" topo_mesh eim eim
check "meshtun on all three" mesh_up
in_ns mta ping -q -c 3 -i 0.3 -W 5 10.99.0.3 >/dev/null
check "a's path to b becomes direct" wait_path mta mtb direct 15 10.99.0.3
check "b's path to a becomes direct" wait_path mtb mta direct 15 10.99.0.2

# The cut: a forward rule on one NAT router, for what goes out to the
# other node's NAT (what comes in from it still passes).
cut_to() { # router-ns other-nat-address
	in_ns "$1" nft -f - <<NFT
table ip cut {
	chain through {
		type filter hook forward priority -10; policy accept;
		ip daddr $2 drop
	}
}
NFT
}
cut() { # a|b|both
	case $1 in a | both) cut_to mtnat1 203.0.113.2 || return 1 ;; esac
	case $1 in b | both) cut_to mtnat2 192.0.2.2 || return 1 ;; esac
}
uncut() {
	in_ns mtnat1 nft delete table ip cut 2>/dev/null
	in_ns mtnat2 nft delete table ip cut 2>/dev/null
	return 0
}

one_cut() { # a|b|both description
	local iperf pings
	iperf_server mtb 10.99.0.3 || return 1
	in_ns mtb iperf3 -s -1 -D -B 10.99.0.3 -p 5202 >/dev/null
	in_ns mta iperf3 -c 10.99.0.3 -t 16 >/dev/null 2>"$tmp/iperf.err" &
	iperf=$!
	sleep 2
	check "cut $2 under a transfer" cut "$1"
	in_ns mta ping -q -c 20 -i 1 -W 2 10.99.0.3 >"$tmp/ping" 2>&1 &
	pings=$!
	sleep 1
	check "a new connection a second after the cut connects" \
		in_ns mta timeout 20 iperf3 -c 10.99.0.3 -p 5202 -t 1 --connect-timeout 15000
	check "a goes through the hub" wait_path mta mtb relayed 8
	check "and so does b" wait_path mtb mta relayed 8
	wait "$iperf"
	check_eq "the transfer went on throughout" 0 $?
	wait "$pings"
	check "at least 16 of 20 pings from 1 to 20 s after the cut answered" python3 -c "
import re, sys
m = re.search(r'(\d+) received', open('$tmp/ping').read())
print(open('$tmp/ping').read())
sys.exit(0 if m and int(m.group(1)) >= 16 else 1)"
	uncut
	in_ns mta ping -q -i 0.2 -w 40 10.99.0.3 >/dev/null 2>&1 &
	pings=$!
	check "once the cut is gone, a goes direct again" wait_path mta mtb direct 35
	check "and b" wait_path mtb mta direct 35
	stop_job "$pings"
	return 0
}
one_cut a "a to b"
one_cut b "b to a"
one_cut both "both ways"
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
