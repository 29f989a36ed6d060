#!/bin/bash
# A peer behind an nftables NAT: the public side learns its mapped
# address, and a persistent keepalive keeps the mapping open while idle.
# Without the keepalive the mapping expires and the public side can no
# longer reach it (the control case, so the test can fail).
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
netns_add mtsrv mtrtr mtcli || exit 1
ip link add veth0 netns mtsrv type veth peer name wan netns mtrtr
ip link add veth0 netns mtcli type veth peer name lan netns mtrtr
ip -n mtsrv addr add 10.9.0.1/24 dev veth0 && ip -n mtsrv link set veth0 up
ip -n mtrtr addr add 10.9.0.254/24 dev wan && ip -n mtrtr link set wan up
ip -n mtrtr addr add 172.16.0.1/24 dev lan && ip -n mtrtr link set lan up
ip -n mtcli addr add 172.16.0.2/24 dev veth0 && ip -n mtcli link set veth0 up
ip -n mtcli route add default via 172.16.0.1
in_ns mtrtr sysctl -qw net.ipv4.ip_forward=1
check "the router masquerades" in_ns mtrtr nft -f - <<'NFT'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" masquerade
	}
}
NFT
# Short UDP mappings, so that the test does not wait minutes.
check "UDP mappings expire after 3 s" sh -c '
	ip netns exec mtrtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3 &&
	ip netns exec mtrtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=3'

check "public node" mt_node mtsrv 1 51820
check "node behind the NAT" mt_node mtcli 2 51821
# The public node first: the keepalive's handshake starts at once, and one
# that finds no peer there is only retried 5 s later (REKEY_TIMEOUT).
check "the public node knows the NATed one, without an endpoint" \
	in_ns mtsrv "$mtctl" set dev mt0 peer "$(cat "$tmp/mtcli.pub")" allowed-ips 192.168.9.2/32
check "the NATed node knows the public one" \
	in_ns mtcli "$mtctl" set dev mt0 peer "$(cat "$tmp/mtsrv.pub")" endpoint 10.9.0.1:51820 \
	allowed-ips 192.168.9.1/32 persistent-keepalive 1
check "the NATed node reaches the public one" in_ns mtcli ping -c 2 -i 0.2 -W 5 192.168.9.1
endpoint=$(in_ns mtsrv "$mtctl" show dev mt0 endpoints | cut -f2)
check "the public node sees the NAT's address ($endpoint)" test "${endpoint%:*}" = 10.9.0.254
sleep 6
check "after 6 idle seconds the public node still reaches it (keepalive)" \
	in_ns mtsrv ping -c 2 -i 0.2 -W 3 192.168.9.2
check "turn the keepalive off" \
	in_ns mtcli "$mtctl" set dev mt0 peer "$(cat "$tmp/mtsrv.pub")" persistent-keepalive off
in_ns mtcli ping -c 1 -W 3 192.168.9.1 >/dev/null
sleep 6
check_fails "without it, the mapping expired: the public node cannot reach it" \
	in_ns mtsrv ping -c 2 -i 0.2 -W 2 192.168.9.2
check "the NATed node opens a new mapping by talking" in_ns mtcli ping -c 2 -i 0.2 -W 5 192.168.9.1
check "and the public node follows it" in_ns mtsrv ping -c 2 -i 0.2 -W 5 192.168.9.2
finish
