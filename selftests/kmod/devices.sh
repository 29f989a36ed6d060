#!/bin/bash
# Creating and deleting meshtun devices: their link properties, many at
# once, in several network namespaces at once.
. "$(dirname "$0")/../lib.sh"

modprobe meshtun || exit 1

check "create mt0" ip link add mt0 type meshtun
check_eq "kind is meshtun" meshtun "$(link_attr mt0 "l['linkinfo']['info_kind']")"
check_eq "link type is none (layer 3)" none "$(link_attr mt0 "l['link_type']")"
check_eq "default MTU 1420" 1420 "$(link_attr mt0 "l['mtu']")"
check_eq "point-to-point, no ARP" "POINTOPOINT NOARP" \
	"$(link_attr mt0 "' '.join(f for f in l['flags'] if f in ('POINTOPOINT','NOARP','BROADCAST','MULTICAST'))")"
check "it comes up" ip link set mt0 up
check_eq "no queueing discipline" noqueue "$(link_attr mt0 "l['qdisc']")"
check_eq "no link-layer address" "None" "$(link_attr mt0 "l.get('address')")"
check "an IPv4 address can be added" ip addr add 10.99.0.1/24 dev mt0
check "an IPv6 address can be added" ip addr add fd00:99::1/64 dev mt0 nodad
check_eq "IPv6 is on" 1 "$(cat /proc/sys/net/ipv6/conf/mt0/disable_ipv6 2>/dev/null | tr 01 10)"
check "ip link del mt0" ip link del mt0
check_fails "mt0 is gone" ip link show mt0

check_fails "a link-layer address is refused" \
	ip link add mt1 address 02:00:00:00:00:01 type meshtun
check_fails "the refused device does not exist" ip link show mt1
check "a name is chosen when none is given" ip link add type meshtun
check "it is named meshtun0" ip link del meshtun0

count=200
created=0
for i in $(seq "$count"); do
	ip link add "mtx$i" type meshtun && created=$((created + 1))
done
check_eq "$count devices created" "$count" "$created"
check_eq "$count devices listed" "$count" "$(ip -o link show type meshtun | wc -l)"
deleted=0
for i in $(seq "$count"); do
	ip link del "mtx$i" && deleted=$((deleted + 1))
done
check_eq "$count devices deleted" "$count" "$deleted"
check_eq "none left" 0 "$(ip -o link show type meshtun | wc -l)"

netns_add mtns1 mtns2 mtns3 mtns4
ok=0
for ns in mtns1 mtns2 mtns3 mtns4; do
	for i in $(seq 25); do
		ip -n "$ns" link add "mt$i" type meshtun && ok=$((ok + 1))
	done
done
check_eq "100 devices, same names in 4 namespaces" 100 "$ok"
check_eq "each namespace has its own 25" "25 25 25 25" \
	"$(for ns in mtns1 mtns2 mtns3 mtns4; do ip -n "$ns" -o link show type meshtun | wc -l; done | xargs)"
check_eq "none leaked into the initial namespace" 0 "$(ip -o link show type meshtun | wc -l)"
check "namespace with 25 devices deleted" ip netns del mtns1
mt_namespaces=(mtns2 mtns3 mtns4)
check "devices in a namespace come up with addresses" \
	in_ns mtns2 sh -c 'ip link set mt1 up && ip addr add 10.1.0.1/24 dev mt1'
finish
