#!/bin/bash
# The demo, run inside the test VM by `make demo`: a meshtun device is
# created, configured and inspected, then taken away again.
set -e
run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}
echo "== meshtun demo on Linux $(uname -r)"
run modprobe meshtun
run ip link add mt0 type meshtun
run ip link set mt0 mtu 1380 up
run ip addr add 10.10.0.1/24 dev mt0
run ip addr add fd10::1/64 dev mt0 nodad
run ip -d addr show dev mt0
run tools/mtctl show
run tools/mtctl set dev mt0
echo "\$ ping -c1 -W1 10.10.0.2   # no peers yet: refused with ICMP unreachable"
ping -c1 -W1 10.10.0.2 2>&1 | sed 's/^/  /' || true
run ip -s link show dev mt0
run ip link del mt0
run modprobe -r meshtun
echo "== done"
