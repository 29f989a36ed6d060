#!/bin/bash
# A namespace goes away while the machine is freezing for a sleep, with a
# handshake queued on the device's handshake workqueue, which is
# freezable. The namespace's exit brings the device down under RTNL; had
# ndo_stop waited for that queued handshake, it would have held RTNL
# until the thaw, and a suspend whose drivers take RTNL would never end.
# The namespace must be gone before the machine thaws.
#
# The freeze is made long with a handshake worker of another device (c's,
# held 12 s in the self-test build's "consume-initiation" window): the
# kernel waits for freezable workqueues' running work to end, every
# other freezable task and workqueue frozen meanwhile (the suspend test
# mode, pm_test "freezer", then thaws at once). Nothing in userspace runs
# then, so what happens in that time is set up before:
#  * a's initiation to b is held 4 s by netem on a's side: it reaches b,
#    and is queued for b's frozen handshake workers, during the freeze;
#  * namespace b is deleted before the freeze, but lives on while a UDP
#    datagram its socket sent waits 8 s in netem on b's side (netem keeps
#    a reference on the socket, the socket one on its namespace): b's exit
#    runs during the freeze, after the initiation came in.
# The kernel's trace (workqueue and suspend events, one clock) tells when
# b's handshake was queued, when the namespace's cleanup ended and when
# the machine thawed.
#
# And no key may be made while the machine sleeps: its sessions were
# forgotten before the freeze, and c's worker, let go during it, must
# not answer d's initiation then (nor make a session of it) — the trace
# of kretprobes on the noise functions says what they returned, and when.
. "$(dirname "$0")/lib.sh"

tracefs=/sys/kernel/tracing

selftest_module || exit 1
[ -e "$tracefs/trace" ] || mount -t tracefs nodev "$tracefs" || exit 1
netns_add mta mtb mtc mtd || exit 1
check "a and b, peers over a veth pair" lt_pair mta a mtb b 31
# Devices of their own name: the race window holds only theirs (only c's
# receives an initiation before the freeze).
check "c and d, too (devices mtw0)" lt_pair mtc c mtd d 32 mtw0
mac_a=$(ip -n mta -j link show v0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
mac_b=$(ip -n mtb -j link show v0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])')
# No ARP on the way: a resolution would wait in netem too.
check "static neighbours" sh -c "
	ip -n mta neigh replace 10.31.0.2 lladdr $mac_b dev v0 nud permanent &&
	ip -n mtb neigh replace 10.31.0.1 lladdr $mac_a dev v0 nud permanent"
check "netem: a's side 4 s, b's side 8 s" sh -c '
	ip netns exec mta tc qdisc add dev v0 root netem delay 4s limit 100 &&
	ip netns exec mtb tc qdisc add dev v0 root netem delay 8s limit 100'

sym() { awk -v s="$1" '$3 == s { print "0x" $1; exit }' /proc/kallsyms; }
handshake_worker=$(sym mt_receive_handshake_worker)
cleanup_net=$(sym cleanup_net)
check "the symbols to trace" test -n "$handshake_worker" -a -n "$cleanup_net"
check "tracing the handshake queue, namespace cleanup and the sleep" sh -c "
	cd $tracefs || exit 1
	echo 0 >tracing_on && echo >trace && echo mono >trace_clock &&
	echo 'function == $handshake_worker' >events/workqueue/workqueue_queue_work/filter &&
	echo 'function == $cleanup_net' >events/workqueue/workqueue_execute_end/filter &&
	echo 1 >events/workqueue/workqueue_queue_work/enable &&
	echo 1 >events/workqueue/workqueue_execute_end/enable &&
	echo 1 >events/power/suspend_resume/enable &&
	echo 'r:mt_response meshtun:mt_noise_create_response ok=\$retval:u8' >>kprobe_events &&
	echo 'r:mt_session meshtun:mt_noise_begin_session ok=\$retval:u8' >>kprobe_events &&
	echo 1 >events/kprobes/mt_response/enable && echo 1 >events/kprobes/mt_session/enable &&
	echo 1 >tracing_on"

# Packets waiting in NS's netem on v0.
queued_in_netem() { # ns
	local i
	for i in $(seq 50); do
		in_ns "$1" tc -s qdisc show dev v0 | grep -Eq 'backlog [0-9]+b [1-9]' && return 0
		sleep 0.1
	done
	return 1
}
check "c's handshake worker is to be held 12 s" race_window consume-initiation 12000 mtw0
in_ns mtd ping -c 1 -W 30 192.168.32.1 >/dev/null 2>&1 &
check "... with d's initiation" wait_window consume-initiation
in_ns mta ping -c 1 -W 30 192.168.31.2 >/dev/null 2>&1 &
check "a's initiation waits in netem" queued_in_netem mta
check "a datagram from b's namespace waits in netem" sh -c \
	"ip netns exec mtb bash -c 'echo x >/dev/udp/10.31.0.1/9'"
check "... in netem" queued_in_netem mtb
check "namespace b deleted (it lives on in the datagram)" ip netns del mtb
check "the machine freezes (suspend to idle, pm_test freezer) and thaws" sh -c "
	echo freezer >/sys/power/pm_test || exit 1
	echo freeze >/sys/power/state
	rc=\$?
	echo none >/sys/power/pm_test
	exit \$rc"
# Namespace b's cleanup may run after the thaw, on the old module: wait for it.
sleep 3
check "awake, d and c shake hands again" in_ns mtd ping -c 1 -W 20 192.168.32.1
echo 0 >"$tracefs/tracing_on"
trace=$(cat "$tracefs/trace")
echo 0 >"$tracefs/events/enable"
echo 0 >"$tracefs/events/workqueue/workqueue_queue_work/filter"
echo 0 >"$tracefs/events/workqueue/workqueue_execute_end/filter"
echo '-:mt_response' >>"$tracefs/kprobe_events"
echo '-:mt_session' >>"$tracefs/kprobe_events"
echo >"$tracefs/trace"
echo "$trace" | grep -v '^#' | sed 's/^/# trace: /'

at() { # pattern [after]: the time of the first event matching it (after a time)
	echo "$trace" | grep -E "$1" | grep -oE ' [0-9]+\.[0-9]+: ' | tr -d ' :' |
		awk -v a="${2:-0}" '$1 > a + 0 { print; exit }'
}
frozen=$(at 'freeze_processes\[0\] begin')
thawed=$(at 'thaw_processes\[0\] begin')
queued=$(at 'function=mt_receive_handshake_worker .*workqueue=meshtun-handshake-mt0 ' "$frozen")
cleaned=$(at 'function cleanup_net')
check "the machine froze and thawed ($frozen to $thawed)" test -n "$frozen" -a -n "$thawed"
check "a's initiation was queued for b's frozen handshake workers (at ${queued:-never})" \
	python3 -c "import sys; sys.exit(not ('$queued' and $frozen < float('$queued') < $thawed))"
check "namespace b's cleanup ended before the thaw (at ${cleaned:-never}, thaw at $thawed)" \
	python3 -c "import sys; sys.exit(not ('$cleaned' and float('$queued' or 0) < float('$cleaned') < $thawed))"
made=$(echo "$trace" | grep -E 'mt_(response|session): .* ok=1$' | grep -oE ' [0-9]+\.[0-9]+: ' |
	tr -d ' :' | awk -v f="$frozen" -v t="$thawed" '$1 > f && $1 < t' | wc -l)
check "c's worker, let go while the machine slept, made no response or session ($made made)" \
	test -n "$frozen" -a "$made" -eq 0
after=$(echo "$trace" | grep -E 'mt_session: .* ok=1$' | grep -oE ' [0-9]+\.[0-9]+: ' |
	tr -d ' :' | awk -v t="$thawed" '$1 > t' | wc -l)
check "... as the probes would have seen: awake, c's session with d is in the trace" \
	test "$after" -ge 1
check "a still works: a new namespace and device" sh -c '
	ip netns add mte && ip -n mte link add mt0 type meshtun && ip netns del mte'
finish
