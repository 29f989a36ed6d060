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
umask 077
tools/mtctl genkey >/tmp/mt0.key
peer=$(tools/mtctl genkey | tools/mtctl pubkey)
run tools/mtctl set dev mt0 private-key /tmp/mt0.key listen-port 51820 \
	peer "$peer" endpoint 192.0.2.1:51820 persistent-keepalive 25 allowed-ips 10.10.0.2/32,fd10::2/128
run tools/mtctl show
run tools/mtctl show dev mt0 allowed-ips
run tools/mtctl -j show
echo "\$ ping -c1 -W1 10.10.0.2   # no data path yet: refused with ICMP unreachable"
ping -c1 -W1 10.10.0.2 2>&1 | sed 's/^/  /' || true
run ip -s link show dev mt0
run ip link del mt0
run modprobe -r meshtun
echo "== done"
