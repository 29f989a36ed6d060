#!/bin/bash
# Unloading the module while devices exist, up and addressed, in several
# namespaces, with traffic being sent into them: everything goes away.
. "$(dirname "$0")/../lib.sh"

modprobe meshtun || exit 1
netns_add mtu1 mtu2

for ns in mtu1 mtu2; do
	for i in 1 2 3; do
		ip -n "$ns" link add "mt$i" type meshtun
		ip -n "$ns" addr add "10.$i.0.1/24" dev "mt$i"
		ip -n "$ns" link set "mt$i" up
	done
done
ip link add mt0 type meshtun && ip link set mt0 up && ip addr add 10.9.0.1/24 dev mt0
check_eq "7 devices up" 7 "$( (ip -o link show type meshtun; ip -n mtu1 -o link show type meshtun;
	ip -n mtu2 -o link show type meshtun) | grep -c 'state UNKNOWN')"

# Traffic into a device with no peers is refused with ICMP unreachable.
check_fails "ping through a device without peers fails" ping -c 1 -W 2 10.9.0.2
check "the refusal is an ICMP unreachable" \
	sh -c 'ping -c 1 -W 2 10.9.0.2 | grep -q Unreachable'
check_fails "ping6 through a device without peers fails" \
	sh -c 'ip addr add fd00:9::1/64 dev mt0 nodad && ping -6 -c 1 -W 2 fd00:9::2'
check "tx_errors counted" test "$(cat /sys/class/net/mt0/statistics/tx_errors)" -ge 3

in_ns mtu1 ping -q -i 0.01 -w 8 10.1.0.2 >/dev/null 2>&1 &
pinger=$!
sleep 1
check "modprobe -r with 7 devices and traffic" modprobe -r meshtun
check_fails "the module is gone" test -d /sys/module/meshtun
check_eq "no meshtun device left" 0 "$( (ip -o link show type meshtun; ip -n mtu1 -o link show type meshtun;
	ip -n mtu2 -o link show type meshtun) 2>/dev/null | wc -l)"
stop_job "$pinger"
check "it loads again" modprobe meshtun
check "and makes devices again" sh -c 'ip link add mt0 type meshtun && ip link del mt0'
finish
