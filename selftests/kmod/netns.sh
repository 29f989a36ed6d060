#!/bin/bash
# Moving meshtun devices between network namespaces, and deleting
# namespaces that hold them.
. "$(dirname "$0")/../lib.sh"

modprobe meshtun || exit 1
netns_add mta mtb

check "create mt0 in mta" ip -n mta link add mt0 type meshtun
check "move it to mtb" ip -n mta link set mt0 netns mtb
check_fails "it left mta" ip -n mta link show mt0
check "it is in mtb" ip -n mtb link show mt0
check_eq "still a meshtun device" meshtun "$(link_attr mtb mt0 "l['linkinfo']['info_kind']")"
check "it works in mtb" in_ns mtb sh -c 'ip link set mt0 up && ip addr add 10.2.0.1/24 dev mt0'
check "move it to the initial namespace" ip -n mtb link set mt0 netns 1
check "it is here" ip link show mt0
check "create another mt0 in mta" ip -n mta link add mt0 type meshtun
check_fails "moving ours onto the same name fails" ip link set mt0 netns mta
check "ours is still here" ip link show mt0
check "move with a new name" ip link set mt0 netns mta name mt9
check_eq "mta has both" 2 "$(ip -n mta -o link show type meshtun | wc -l)"

check "delete mta with two devices in it" ip netns del mta
mt_namespaces=(mtb)
check "create in mtb, move to the initial namespace" \
	sh -c 'ip -n mtb link add mtm type meshtun && ip -n mtb link set mtm netns 1'
check "delete the namespace it was created in" ip netns del mtb
mt_namespaces=()
check "the moved device outlives it" ip link show mtm
check "and can be deleted" ip link del mtm
finish
