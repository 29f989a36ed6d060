#!/bin/bash
# Namespaces going away under traffic. A device's UDP sockets live in the
# namespace it was created in, which holds no reference on them: when
# that namespace goes while the device lives on elsewhere, the sockets
# must close with it (pre_exit), and the device go on as one with no
# port. Then each other namespace involved is deleted under traffic (the
# device's own, the peer's), a device is moved under traffic, and the
# module is unloaded with devices in several namespaces.
. "$(dirname "$0")/lib.sh"

selftest_module || exit 1
netns_add mtla mtlb mtlc || exit 1

# mt0 is created in mtla (its sockets live there), moved to mtlb, and
# talks to mtlc's device through mtla's veth.
setup_moved() {
	veth mtla v0 10.7.0.1/24 mtlc v0 10.7.0.2/24 && lt_key b &&
		ip -n mtla link add mt0 type meshtun &&
		in_ns mtla "$mtctl" set dev mt0 private-key "$tmp/b.key" listen-port 51820 &&
		ip -n mtla link set mt0 netns mtlb &&
		ip -n mtlb addr add 192.168.7.1/24 dev mt0 && ip -n mtlb link set mt0 up &&
		lt_dev mtlc mt0 c 51821 192.168.7.2 &&
		lt_peer mtlb mt0 c 10.7.0.2:51821 192.168.7.2/32 &&
		lt_peer mtlc mt0 b 10.7.0.1:51820 192.168.7.1/32
}
check "setup: mt0 created in mtla, moved to mtlb; a peer in mtlc" setup_moved
check "mtlb reaches mtlc through mtla's sockets" in_ns mtlb ping -c 2 -W 5 192.168.7.2

flood mtlb 192.168.7.2 6
sleep 1
check "delete the creating namespace under traffic" ip netns del mtla
mt_namespaces=(mtlb mtlc)
# The flood goes on for a few seconds against the closed sockets.
wait "$flood_pid"
check "the device lives on in mtlb" ip -n mtlb link show mt0
check "what it sends is dropped and counted: no socket" \
	test "$(drop_count mtlb mt0 tx_no_socket)" -gt 0
check_eq "it has no port" 0 "$(in_ns mtlb "$mtctl" show dev mt0 listen-port)"
out=$(in_ns mtlb "$mtctl" set dev mt0 listen-port 51830 2>&1)
check_eq "a new listen port is refused" 1 $?
check "with a message that says why" grep -q "namespace it was created in is gone" <<<"$out"
check_fails "so is a fwmark (it marks the sockets' packets)" \
	in_ns mtlb "$mtctl" set dev mt0 fwmark 7
check "its peers can still be changed" \
	in_ns mtlb "$mtctl" set dev mt0 peer "$(cat "$tmp/c.pub")" persistent-keepalive 5
check "it goes down" ip -n mtlb link set mt0 down
check_fails "and cannot come up without a namespace for its sockets" ip -n mtlb link set mt0 up
check "it can be deleted" ip -n mtlb link del mt0

# A SET request that found its device, then the device deleted and the
# namespace it was created in (its sockets') gone before the request
# takes RTNL: the request must see that the device is going, and touch
# neither it nor the freed namespace. The window holds it there.
netns_add mtlh mtli || exit 1
check "setup: mt5 created in mtlh, moved to mtli" sh -c \
	"ip -n mtlh link add mt5 type meshtun && ip -n mtlh link set mt5 netns mtli"
race_window set-device 30000 mt5
in_ns mtli "$mtctl" set dev mt5 listen-port 51840 >"$tmp/set.out" 2>&1 &
set_pid=$!
check "a set request holds mt5 in the window" wait_window set-device
# The deletion waits for the request's reference after it unlinked mt5
# (and uninit ran, under the same RTNL).
ip -n mtli link del mt5 &
del_pid=$!
check "mt5 is unlinked meanwhile" sh -c \
	'for i in $(seq 100); do ip -n mtli link show mt5 >/dev/null 2>&1 || exit 0; sleep 0.2; done; exit 1'
check "the creating namespace goes meanwhile" ip netns del mtlh
mt_namespaces=(mtlb mtlc mtli)
check "the request was held until now" release_window set-device
wait "$set_pid"
check_eq "the request is refused" 1 $?
check "because the device is being deleted" grep -q "being deleted" "$tmp/set.out"
wait "$del_pid"
check_eq "the deletion ends" 0 $?
check_fails "mt5 is gone" ip -n mtli link show mt5

# A pair in mtlb and mtlc: the peer's namespace deleted under traffic.
setup_pair() {
	veth mtlb v1 10.8.0.1/24 mtlc v1 10.8.0.2/24 &&
		lt_dev mtlb mt1 b 51820 192.168.8.1 && lt_dev mtlc mt1 c 51822 192.168.8.2 &&
		lt_peer mtlb mt1 c 10.8.0.2:51822 192.168.8.2/32 &&
		lt_peer mtlc mt1 b 10.8.0.1:51820 192.168.8.1/32
}
check "setup: a pair in mtlb and mtlc" setup_pair
check "they talk" in_ns mtlb ping -c 2 -W 5 192.168.8.2
flood mtlb 192.168.8.2 5
sleep 1
check "delete the peer's namespace under traffic" ip netns del mtlc
mt_namespaces=(mtlb mtli)
wait "$flood_pid"

# A device moved to another namespace under traffic, then that namespace
# (the device's own) deleted under traffic, then the sockets' namespace.
netns_add mtld mtle || exit 1
setup_third() {
	veth mtlb v2 10.9.0.1/24 mtld v2 10.9.0.2/24 &&
		lt_dev mtld mt1 d 51823 192.168.8.3 &&
		lt_peer mtlb mt1 d 10.9.0.2:51823 192.168.8.3/32 &&
		lt_peer mtld mt1 b 10.9.0.1:51820 192.168.8.1/32
}
check "setup: a new peer in mtld" setup_third
check "mtlb talks to it" in_ns mtlb ping -c 2 -W 5 192.168.8.3
flood mtld 192.168.8.1 5
sleep 1
check "move mtld's device to mtle under traffic" ip -n mtld link set mt1 netns mtle
wait "$flood_pid"
check "it works there once addressed again" sh -c "
	ip -n mtle addr add 192.168.8.3/24 dev mt1 && ip -n mtle link set mt1 up &&
	ip netns exec mtle ping -c 2 -W 5 192.168.8.1"
flood mtle 192.168.8.1 5
sleep 1
check "delete the device's namespace under traffic (its sockets are in mtld)" \
	ip netns del mtle
check "then the sockets' namespace" ip netns del mtld
mt_namespaces=(mtlb mtli)
wait "$flood_pid"
check "mtlb's device is unharmed" ip -n mtlb link show mt1

# Devices in three namespaces, with traffic, when the module goes.
netns_add mtlf mtlg || exit 1
check "setup: devices in mtlf and mtlg (and mtlb)" lt_pair mtlf f mtlg g 10
check "they talk" in_ns mtlf ping -c 2 -W 5 192.168.10.2
flood mtlf 192.168.10.2 5
flood_f=$flood_pid
flood mtlg 192.168.10.1 5
sleep 1
check "unload the module with devices in three namespaces, under traffic" modprobe -r meshtun
wait "$flood_f" "$flood_pid"
check_fails "every device went with it" sh -c \
	"ip -n mtlb link show mt1 || ip -n mtlf link show mt0 || ip -n mtlg link show mt0"
mt_cleanup_namespaces
check "it loads again" modprobe meshtun
finish
