#!/bin/bash
# MTU limits: 68 (IPv4's minimum) up to the largest inner packet whose
# encrypted IPv4 outer packet still fits in 65535 bytes.
. "$(dirname "$0")/../lib.sh"

modprobe meshtun || exit 1
max=$((65535 - 20 - 8 - 32))

check "create mt0" ip link add mt0 type meshtun
check_eq "minmtu 68" 68 "$(link_attr mt0 "l['min_mtu']")"
check_eq "maxmtu $max" "$max" "$(link_attr mt0 "l['max_mtu']")"
check "MTU 68 accepted" ip link set mt0 mtu 68
check_fails "MTU 67 refused" ip link set mt0 mtu 67
check_eq "MTU still 68 after the refusal" 68 "$(link_attr mt0 "l['mtu']")"
check "MTU $max accepted" ip link set mt0 mtu "$max"
check_fails "MTU $((max + 1)) refused" ip link set mt0 mtu $((max + 1))
check "MTU 1280 accepted" ip link set mt0 mtu 1280
check "IPv6 address on MTU 1280" ip addr add fd00::1/64 dev mt0 nodad
check "MTU given at creation" ip link add mt1 mtu 9000 type meshtun
check_eq "MTU 9000 set at creation" 9000 "$(link_attr mt1 "l['mtu']")"
check_fails "MTU 10 refused at creation" ip link add mt2 mtu 10 type meshtun
check_fails "no device left by the refusal" ip link show mt2
ip link del mt0
ip link del mt1
finish
