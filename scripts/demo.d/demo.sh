#!/bin/bash
# The demo, run inside the test VM by `make demo`: three namespaces on one
# link. "alice" and "bob" run meshtun; "carol" runs the kernel's own
# WireGuard. alice talks to both, encrypted, in the kernel.
set -e
mtctl=$PWD/tools/mtctl
run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
}
cleanup() { for n in alice bob carol demosw; do ip netns del $n 2>/dev/null || true; done; }
trap cleanup EXIT
umask 077
tmp=$(mktemp -d)
echo "== meshtun demo on Linux $(uname -r)"
run modprobe meshtun
modprobe wireguard

# The physical network: a bridge, 10.0.0.0/24.
ip netns add demosw
ip -n demosw link add br0 type bridge
ip -n demosw link set br0 up
i=1
for n in alice bob carol; do
	ip netns add $n
	ip -n $n link set lo up
	ip link add eth0 netns $n type veth peer name p$i netns demosw
	ip -n demosw link set p$i master br0 up
	ip -n $n addr add 10.0.0.$i/24 dev eth0
	ip -n $n link set eth0 up
	wg genkey >"$tmp/$n.key"
	wg pubkey <"$tmp/$n.key" >"$tmp/$n.pub"
	i=$((i + 1))
done
echo "== alice and bob: meshtun; carol: WireGuard"
run ip -n alice link add mt0 type meshtun
run ip -n bob link add mt0 type meshtun
run ip -n carol link add wg0 type wireguard
run ip netns exec alice "$mtctl" set dev mt0 private-key "$tmp/alice.key" listen-port 51820 \
	peer "$(cat "$tmp/bob.pub")" endpoint 10.0.0.2:51820 allowed-ips 10.10.0.2/32 \
	peer "$(cat "$tmp/carol.pub")" endpoint 10.0.0.3:51820 allowed-ips 10.10.0.3/32
run ip netns exec bob "$mtctl" set dev mt0 private-key "$tmp/bob.key" listen-port 51820 \
	peer "$(cat "$tmp/alice.pub")" endpoint 10.0.0.1:51820 allowed-ips 10.10.0.1/32
run ip netns exec carol wg set wg0 private-key "$tmp/carol.key" listen-port 51820 \
	peer "$(cat "$tmp/alice.pub")" endpoint 10.0.0.1:51820 allowed-ips 10.10.0.1/32
ip -n alice addr add 10.10.0.1/24 dev mt0
ip -n bob addr add 10.10.0.2/24 dev mt0
ip -n carol addr add 10.10.0.3/24 dev wg0
for n in alice bob; do ip -n $n link set mt0 up; done
ip -n carol link set wg0 up

echo "== alice -> bob (meshtun to meshtun)"
run ip netns exec alice ping -c 3 -i 0.3 10.10.0.2
echo "== alice -> carol (meshtun to the kernel's WireGuard)"
run ip netns exec alice ping -c 3 -i 0.3 10.10.0.3
echo "== TCP, bob -> alice"
ip netns exec alice iperf3 -s -1 -D -B 10.10.0.1 >/dev/null
sleep 1
run ip netns exec bob iperf3 -c 10.10.0.1 -t 2
echo "== what alice's device knows"
run ip netns exec alice "$mtctl" show
echo "== what carol's WireGuard says about alice"
run ip netns exec carol wg show wg0
echo "== counters (ip -s link, and every drop reason with ethtool -S)"
run ip -n alice -s link show mt0
run ip netns exec alice ethtool -S mt0
run ip netns exec alice "$mtctl" -j show dev mt0
echo "== done"
