#!/bin/bash
# Tearing things down under load: peers, keys, devices, namespaces and
# the module itself go away while traffic and handshakes are in flight.
# The VM runner fails the test on any kernel warning, BUG or leak report.
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
# Each round has its own namespaces: mtaN and mtbN. (check runs its
# command in a subshell: the round is chosen outside it.)
round=0
next_round() { round=$((round + 1)); a=mta$round b=mtb$round; }
setup() {
	topo_two $a $b && pair_up $a mt $b mt &&
		in_ns $a ping -c 1 -W 5 192.168.9.2 >/dev/null
}
load() { # seconds
	iperf_server $b 192.168.9.2
	# The server may vanish mid-test: bound the client too.
	in_ns $a timeout $(($1 + 5)) iperf3 -c 192.168.9.2 -t "$1" -P 2 >/dev/null 2>&1 &
	flood $a 192.168.9.2 "$1"
}

next_round
check "set up a and b" setup
load 6
sleep 1
check "remove and re-add the peer under load" sh -c "
	ip netns exec $a $mtctl set dev mt0 peer \$(cat $tmp/$b.pub) remove &&
	ip netns exec $a $mtctl set dev mt0 peer \$(cat $tmp/$b.pub) endpoint 10.9.0.2:51821 allowed-ips 192.168.9.2/32"
check "churn allowed IPs under load" sh -c "
	for i in \$(seq 1 50); do
		ip netns exec $b $mtctl set dev mt0 peer \$(cat $tmp/$a.pub) allowed-ips 192.168.9.1/32,10.77.\$i.0/24 || exit 1
	done"
check "change b's key under load" sh -c "
	wg genkey >$tmp/k2 && ip netns exec $b $mtctl set dev mt0 private-key $tmp/k2"
check "change a's port under load" in_ns $a "$mtctl" set dev mt0 listen-port 51830
check "delete b's device under load" ip -n $b link del mt0
check "delete a's namespace under load" ip netns del $a
wait

next_round
check "set up again" setup
load 5
sleep 1
check "delete both namespaces under load" sh -c "ip netns del $a && ip netns del $b"
wait

next_round
check "set up again" setup
load 5
sleep 1
check "down and up under load" sh -c "ip -n $a link set mt0 down && ip -n $a link set mt0 up"
# Namespaces die asynchronously: the module unloads once their devices are gone.
check "delete both namespaces, then unload the module, under load" sh -c "
	ip netns del $a && ip netns del $b &&
	for i in \$(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1"
wait
mt_cleanup_namespaces
check "it loads again" modprobe meshtun

finish
