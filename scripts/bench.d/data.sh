#!/bin/bash
# make bench, data-plane part (runs inside the VM): the same veth pair
# between two namespaces carries plain traffic, then kernel WireGuard,
# then meshtun. Prints iperf3 TCP (1 and 4 streams) and UDP (1400-byte IP
# datagrams) throughput, ping latency p50/p99, full handshakes per
# second, and the meshtun/WireGuard ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mtctl=$top/tools/mtctl
secs=${MT_BENCH_SECONDS:-5}
pings=${MT_BENCH_PINGS:-300}
handshakes=${MT_BENCH_HANDSHAKES:-30}
tmp=$(mktemp -d)
cleanup() { ip netns del bna 2>/dev/null; ip netns del bnb 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
modprobe meshtun
modprobe wireguard
umask 077
# Room for iperf3's 4 MB UDP socket buffers (the VM's own setting).
sysctl -qw net.core.rmem_max=8388608 net.core.wmem_max=8388608

ip netns add bna
ip netns add bnb
ip link add veth0 netns bna type veth peer name veth0 netns bnb
for i in 1 2; do
	ns=bn$(echo _ab | cut -c$((i + 1)))
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.8.0.$i/24" dev veth0
	ip -n "$ns" link set veth0 up
done

tunnel() { # kind
	local i ns tool
	for i in 1 2; do
		ns=bn$(echo _ab | cut -c$((i + 1)))
		ip -n "$ns" link del bt0 2>/dev/null || true
		wg genkey >"$tmp/$ns.key"
		wg pubkey <"$tmp/$ns.key" >"$tmp/$ns.pub"
		ip -n "$ns" link add bt0 type "$1"
	done
	for i in 1 2; do
		ns=bn$(echo _ab | cut -c$((i + 1)))
		other=bn$(echo _ab | cut -c$((3 - i + 1)))
		if [ "$1" = wireguard ]; then tool="wg set bt0"; else tool="$mtctl set dev bt0"; fi
		ip netns exec "$ns" $tool private-key "$tmp/$ns.key" listen-port 5182$i \
			peer "$(cat "$tmp/$other.pub")" endpoint "10.8.0.$((3 - i)):5182$((3 - i))" \
			allowed-ips "10.7.0.$((3 - i))/32"
		ip -n "$ns" addr add "10.7.0.$i/24" dev bt0
		ip -n "$ns" link set bt0 up
	done
	ip netns exec bna ping -c 1 -W 5 10.7.0.2 >/dev/null
}

iperf_bps() { # dst extra-args...
	local dst=$1
	shift
	ip netns exec bnb iperf3 -s -1 -D -B "$dst" >/dev/null
	for _ in $(seq 50); do
		ip netns exec bnb ss -Htln 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
	ip netns exec bna iperf3 -J -c "$dst" -t "$secs" "$@" |
		python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print(int(e["sum_received"]["bits_per_second"] if "sum_received" in e else e["sum"]["bits_per_second"]))'
}

latency() { # dst -> "p50 p99" in microseconds
	ip netns exec bna ping -c "$pings" -i 0.01 -W 2 "$1" |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' |
		sort -n | awk '{v[NR] = $1} END { printf "%d %d\n", v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.99 + 0.5)] * 1000 }'
}

# Full handshakes: the initiator forgets its sessions (down/up), then one
# ping needs a new handshake.
handshake_rate() {
	local t0 t1 n
	t0=$(date +%s%N)
	for n in $(seq "$handshakes"); do
		ip -n bna link set bt0 down
		ip -n bna link set bt0 up
		ip -n bna addr replace 10.7.0.1/24 dev bt0
		ip netns exec bna ping -c 1 -W 5 10.7.0.2 >/dev/null
	done
	t1=$(date +%s%N)
	awk -v n="$handshakes" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f\n", n / (ns / 1e9) }'
}

declare -A tcp1 tcp4 udp lat hs
measure() { # kind dst
	tcp1[$1]=$(iperf_bps "$2")
	tcp4[$1]=$(iperf_bps "$2" -P 4)
	udp[$1]=$(iperf_bps "$2" -u -b 0 -l 1372 -w 4M)
	lat[$1]=$(latency "$2")
	if [ "$1" != veth ]; then hs[$1]=$(handshake_rate); else hs[$1]=-; fi
}

measure veth 10.8.0.2
tunnel wireguard
measure wireguard 10.7.0.2
ip -n bna link del bt0
ip -n bnb link del bt0
tunnel meshtun
measure meshtun 10.7.0.2

mbit() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "data plane over one veth pair, ${secs} s per iperf3 run, $(nproc) CPUs, kernel $(uname -r):"
printf '  %-26s %10s %10s %10s %16s\n' "" veth WireGuard meshtun meshtun/WireGuard
row() { # label veth wg mt ratio
	printf '  %-26s %10s %10s %10s %16s\n' "$@"
}
row "TCP 1 stream (Mbit/s)" "$(mbit "${tcp1[veth]}")" "$(mbit "${tcp1[wireguard]}")" \
	"$(mbit "${tcp1[meshtun]}")" "$(ratio "${tcp1[meshtun]}" "${tcp1[wireguard]}")"
row "TCP 4 streams (Mbit/s)" "$(mbit "${tcp4[veth]}")" "$(mbit "${tcp4[wireguard]}")" \
	"$(mbit "${tcp4[meshtun]}")" "$(ratio "${tcp4[meshtun]}" "${tcp4[wireguard]}")"
row "UDP, 1400-byte packets (Mbit/s)" "$(mbit "${udp[veth]}")" "$(mbit "${udp[wireguard]}")" \
	"$(mbit "${udp[meshtun]}")" "$(ratio "${udp[meshtun]}" "${udp[wireguard]}")"
for q in 1 2; do
	name=$([ $q = 1 ] && echo p50 || echo p99)
	v=$(cut -d' ' -f$q <<<"${lat[veth]}")
	w=$(cut -d' ' -f$q <<<"${lat[wireguard]}")
	m=$(cut -d' ' -f$q <<<"${lat[meshtun]}")
	row "ping $name (us)" "$v" "$w" "$m" "$(ratio "$m" "$w")"
done
row "handshakes per second" - "${hs[wireguard]}" "${hs[meshtun]}" \
	"$(ratio "${hs[meshtun]}" "${hs[wireguard]}")"
