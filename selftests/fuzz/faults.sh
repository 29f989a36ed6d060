#!/bin/bash
# Memory pressure: slab allocation failures injected (failslab, filtered
# to chosen tasks) into configuration requests and into the send path,
# on a kernel built with fault injection (the debug kernel; Debian's have
# none, and there this test fails rather than pass without testing).
#
#  1. fuzz-netlink -F: well-formed requests to mt0 with faults injected,
#     each checked to be all or nothing against a mirror device mt1.
#  2. Traffic both ways through a two-node tunnel while socket buffer
#     allocations fail now and then; afterwards the tunnel still works.
#
# Kernel splats fail the test (the VM runner), leaks fail the suite
# (kmemleak after it), and the module must still unload.
#
# usage: selftests/fuzz/faults.sh [SECONDS]   (default 30, for part 1)
. "$(dirname "$0")/../data/lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
failslab=/sys/kernel/debug/failslab

modprobe meshtun || exit 1
if ! [ -d "$failslab" ]; then
	mt_report 1 "this kernel injects slab faults" "no $failslab: run this on the debug kernel"
	finish
	exit
fi
# failslab_on task|cache PROBABILITY: allocations fail in the tasks that
# ask for it (make-it-fail), or in the caches marked for it, sleeping ones
# included, with no stack dump for each; up to a million failures, so that
# what is left of them tells how many struck. (The filter first and the
# probability last: failures strike everywhere while no filter is on.)
failslab_on() {
	local task=N cache=N
	if [ "$1" = task ]; then task=Y; else cache=Y; fi
	echo $task >$failslab/task-filter && echo $cache >$failslab/cache-filter &&
		echo 1 >$failslab/interval && echo 1000000 >$failslab/times &&
		echo 0 >$failslab/space && echo 0 >$failslab/verbose &&
		echo N >$failslab/ignore-gfp-wait && echo "$2" >$failslab/probability
}
failslab_off() {
	echo 0 >$failslab/probability && echo N >$failslab/task-filter &&
		echo N >$failslab/cache-filter
}
failslab_struck() { echo $((1000000 - $(cat $failslab/times))); }
trap 'failslab_off; rm -rf "$tmp"; mt_cleanup_namespaces' EXIT

# 1. configuration requests
netns_add mtff
in_ns mtff ip link add mt0 type meshtun && in_ns mtff ip link add mt1 type meshtun || exit 1
check "failslab set up (3% of allocations fail)" failslab_on task 3
in_ns mtff "$top/build/tests/fuzz-netlink" -F mt1 -t "$seconds" -n 1000000 mt0 >"$tmp/faults.log" 2>&1
status=$?
failslab_off
sed 's/^/# fuzz-netlink -F: /' "$tmp/faults.log"
check_eq "every request was all or nothing under allocation failures" 0 "$status"
# What mt0 holds now sets a fresh device and dumps the same.
in_ns mtff "$mtctl" showconf dev mt0 >"$tmp/mt0.conf"
in_ns mtff ip link add mtcheck type meshtun
check "mt0's configuration sets a fresh device" in_ns mtff "$mtctl" setconf dev mtcheck "$tmp/mt0.conf"
check_eq "and dumps the same" "$(cat "$tmp/mt0.conf")" "$(in_ns mtff "$mtctl" showconf dev mtcheck)"
echo "# mt0 ended with $(grep -c '^\[Peer\]' "$tmp/mt0.conf") peers"
ip netns del mtff

# 2. the data path. Processes' own memory comes over 9p here, which does
# not survive allocation failures; so rather than a task, the socket
# buffer caches fail, wherever they are used: in the sending tasks, in
# meshtun's encryption and decryption workers and in softirq. Nothing else
# in the guest uses socket buffers while it lasts. (The debug kernel boots
# with those caches marked for failslab: selftests/vm/kernel.sh.)
topo_two mtfa mtfb && pair_up mtfa mt mtfb mt || exit 1
check "the tunnel works" in_ns mtfa ping -c 2 -W 5 192.168.9.2
iperf_server mtfb 192.168.9.2
in_ns mtfa timeout 20 iperf3 -c 192.168.9.2 -t 10 -P 2 >/dev/null 2>&1 &
flood mtfa 192.168.9.2 10 -s 1000
flood mtfb 192.168.9.1 10 -s 100
sleep 1
skb_faults_on() {
	local c
	for c in skbuff_head_cache skbuff_fclone_cache; do
		[ "$(cat /sys/kernel/slab/$c/failslab)" = 1 ] ||
			{ echo "$c is not marked for failslab (slub_debug=A)"; return 1; }
	done
	failslab_on cache 5
}
check "5% of socket buffer allocations fail" skb_faults_on
sleep 8
failslab_off
injected=$(failslab_struck)
echo "# $injected socket buffer allocations failed under load"
check "some did" test "$injected" -gt 0
wait
check "the tunnel still works" in_ns mtfa ping -c 3 -W 5 192.168.9.2
check "and carries TCP" tcp_test mtfb 192.168.9.2 mtfa
ip -n mtfa -s link show mt0 | sed 's/^/# mtfa: /'
mt_cleanup_namespaces
check "the module unloads afterwards" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
