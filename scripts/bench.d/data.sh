#!/bin/bash
# make bench, data-plane part (runs inside the VM). Two namespaces joined
# by one veth pair carry plain traffic (veth), kernel WireGuard (wg0) and
# meshtun (mt0); both tunnels are up at once, over the same veth pair, so
# that a round measures the three one after the other without rebuilding
# anything, and the order rotates from round to round: a slow spell of
# the host slows each kind in turn, not always the same one.
#
# Per kind and round: iperf3 TCP 1 and 4 streams and UDP (1400-byte IP
# datagrams, the rate that arrived, not the rate sent), with the guest's
# CPU time per GB carried (from /proc/stat: every CPU's busy time over the
# run, both ends and the crypto) and, for TCP, the segments the receiver
# found out of order (TcpExtTCPOFOQueue); ping and a 64-byte TCP request/response
# (scripts/bench.d/tcp_rr.c) p50 and p99; full handshakes per second.
# Prints per kind the median over the rounds, and the median (with the
# lowest and highest) of the per-round meshtun/WireGuard ratios.
#
# Environment: MT_BENCH_ROUNDS (5), MT_BENCH_SECONDS per iperf3 run (5),
# MT_BENCH_PINGS (200), MT_BENCH_RR (2000 round trips),
# MT_BENCH_HANDSHAKES per round (10), MT_BENCH_RR_BIN (the built tcp_rr).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
mtctl=$top/tools/mtctl
rounds=${MT_BENCH_ROUNDS:-5}
secs=${MT_BENCH_SECONDS:-5}
pings=${MT_BENCH_PINGS:-200}
rr_count=${MT_BENCH_RR:-2000}
handshakes=${MT_BENCH_HANDSHAKES:-10}
rr=${MT_BENCH_RR_BIN:-$top/build/bench/tcp_rr}
tmp=$(mktemp -d)
cleanup() { ip netns del bna 2>/dev/null; ip netns del bnb 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
modprobe meshtun
modprobe wireguard
umask 077
# Room for iperf3's 4 MB UDP socket buffers (the VM's own setting).
sysctl -qw net.core.rmem_max=8388608 net.core.wmem_max=8388608
hz=$(getconf CLK_TCK)

# Namespace i (1 or 2) holds address .i of every network.
nsname=(- bna bnb)
ip netns add bna
ip netns add bnb
ip link add veth0 netns bna type veth peer name veth0 netns bnb
for i in 1 2; do
	ns=${nsname[i]}
	ip -n "$ns" link set lo up
	ip -n "$ns" addr add "10.8.0.$i/24" dev veth0
	ip -n "$ns" link set veth0 up
done

declare -A dev=([wireguard]=wg0 [meshtun]=mt0)
declare -A net=([veth]=10.8.0 [wireguard]=10.7.0 [meshtun]=10.6.0)
declare -A port=([wireguard]=5182 [meshtun]=5183)
tunnel() { # kind
	local i ns other tool
	for i in 1 2; do
		ns=${nsname[i]}
		wg genkey >"$tmp/$1.$ns.key"
		wg pubkey <"$tmp/$1.$ns.key" >"$tmp/$1.$ns.pub"
		ip -n "$ns" link add "${dev[$1]}" type "$1"
	done
	for i in 1 2; do
		ns=${nsname[i]}
		other=${nsname[3 - i]}
		if [ "$1" = wireguard ]; then tool="wg set ${dev[$1]}"; else tool="$mtctl set dev ${dev[$1]}"; fi
		ip netns exec "$ns" $tool private-key "$tmp/$1.$ns.key" listen-port "${port[$1]}$i" \
			peer "$(cat "$tmp/$1.$other.pub")" \
			endpoint "10.8.0.$((3 - i)):${port[$1]}$((3 - i))" \
			allowed-ips "${net[$1]}.$((3 - i))/32"
		ip -n "$ns" addr add "${net[$1]}.$i/24" dev "${dev[$1]}"
		ip -n "$ns" link set "${dev[$1]}" up
	done
	ip netns exec bna ping -c 1 -W 5 "${net[$1]}.2" >/dev/null
}
tunnel wireguard
tunnel meshtun

# Segments the receiving TCP put in its out-of-order queue: reordering on
# the way (a tunnel must keep one flow's packets in order).
ofo_count() { ip netns exec bnb nstat -asz TcpExtTCPOFOQueue | awk '{ print $2 }'; }
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# One iperf3 run -> "bits/s-received cpu-seconds-per-GB out-of-order".
iperf_run() { # dst extra-args...
	local dst=$1 c0 c1 o0 o1
	shift
	ip netns exec bnb iperf3 -s -1 -D -B "$dst" >/dev/null
	for _ in $(seq 50); do
		ip netns exec bnb ss -Htln 'sport = :5201' | grep -q . && break
		sleep 0.1
	done
	o0=$(ofo_count)
	c0=$(busy_ticks)
	ip netns exec bna iperf3 -J -c "$dst" -t "$secs" "$@" >"$tmp/iperf.json"
	c1=$(busy_ticks)
	o1=$(ofo_count)
	python3 - "$tmp/iperf.json" $((c1 - c0)) "$hz" $((o1 - o0)) <<'PY'
import json, sys
end = json.load(open(sys.argv[1]))["end"]
if "sum_received" in end:  # TCP: what the receiver counted
    got = end["sum_received"]
    bps, nbytes = got["bits_per_second"], got["bytes"]
else:  # UDP: the sender's figures less what the receiver reported lost
    s = end["sum"]
    kept = 1 - s["lost_percent"] / 100.0
    bps, nbytes = s["bits_per_second"] * kept, s["bytes"] * kept
cpu = int(sys.argv[2]) / float(sys.argv[3])
print("%d %.2f %s" % (bps, cpu / (nbytes / 1e9) if nbytes else 0, sys.argv[4]))
PY
}

ping_run() { # dst -> "p50 p99" in microseconds
	ip netns exec bna ping -c "$pings" -i 0.01 -W 2 "$1" |
		sed -n 's/.*time=\([0-9.]*\) ms/\1/p' |
		sort -n | awk '{v[NR] = $1} END { printf "%d %d\n", v[int(NR * 0.5 + 0.5)] * 1000, v[int(NR * 0.99 + 0.5)] * 1000 }'
}

rr_run() { # dst -> "p50 p99" in microseconds
	local srv
	ip netns exec bnb "$rr" server "$1" 5301 >"$tmp/rr.server" &
	srv=$!
	for _ in $(seq 100); do
		grep -q listening "$tmp/rr.server" && break
		sleep 0.05
	done
	ip netns exec bna "$rr" client "$1" 5301 "$rr_count"
	wait "$srv"
}

# Full handshakes: the initiator forgets its sessions (down/up), then one
# ping needs a new handshake.
handshake_run() { # kind
	local t0 t1 n d=${dev[$1]}
	t0=$(date +%s%N)
	for n in $(seq "$handshakes"); do
		ip -n bna link set "$d" down
		ip -n bna link set "$d" up
		ip -n bna addr replace "${net[$1]}.1/24" dev "$d"
		ip netns exec bna ping -c 1 -W 5 "${net[$1]}.2" >/dev/null
	done
	t1=$(date +%s%N)
	awk -v n="$handshakes" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f\n", n / (ns / 1e9) }'
}

# results: one line per figure, "round kind metric value".
measure() { # round kind
	local r=$1 k=$2 dst=${net[$2]}.2 v test bps cpu ofo
	local -A options=([tcp1]="" [tcp4]="-P 4" [udp]="-u -b 0 -l 1372 -w 4M")
	for test in tcp1 tcp4 udp; do
		# shellcheck disable=SC2086 # the options are words
		read -r bps cpu ofo <<<"$(iperf_run "$dst" ${options[$test]})"
		echo "$r $k $test $bps"
		echo "$r $k ${test}_cpu $cpu"
		[ "$test" = udp ] || echo "$r $k ${test}_ofo $ofo"
	done
	v=$(ping_run "$dst")
	echo "$r $k ping50 ${v% *}"
	echo "$r $k ping99 ${v#* }"
	v=$(rr_run "$dst")
	echo "$r $k rr50 ${v% *}"
	echo "$r $k rr99 ${v#* }"
	[ "$k" = veth ] || echo "$r $k hs $(handshake_run "$k")"
}

kinds=(veth wireguard meshtun)
for r in $(seq "$rounds"); do
	for i in 0 1 2; do
		measure "$r" "${kinds[$(((r + i) % 3))]}" >>"$tmp/results"
	done
done

echo "data plane over one veth pair, kernel $(uname -r), $(nproc) CPUs, $rounds rounds" \
	"(order rotating), ${secs} s per iperf3 run:"
echo "  MTU: veth $(ip -n bna -o link show veth0 | sed 's/.* mtu \([0-9]*\).*/\1/')," \
	"WireGuard $(ip -n bna -o link show wg0 | sed 's/.* mtu \([0-9]*\).*/\1/')," \
	"meshtun $(ip -n bna -o link show mt0 | sed 's/.* mtu \([0-9]*\).*/\1/')"
python3 - "$tmp/results" <<'PY'
import statistics, sys
from collections import defaultdict
val = defaultdict(dict)  # (kind, metric) -> {round: value}
for line in open(sys.argv[1]):
    r, kind, metric, v = line.split()
    val[(kind, metric)][int(r)] = float(v)
rows = [("tcp1", "TCP 1 stream (Mbit/s)", 1e-6), ("tcp1_cpu", "  CPU s per GB", 1),
        ("tcp1_ofo", "  segments out of order", 1),
        ("tcp4", "TCP 4 streams (Mbit/s)", 1e-6), ("tcp4_cpu", "  CPU s per GB", 1),
        ("tcp4_ofo", "  segments out of order", 1),
        ("udp", "UDP 1400 B, arrived (Mbit/s)", 1e-6), ("udp_cpu", "  CPU s per GB", 1),
        ("ping50", "ping p50 (us)", 1), ("ping99", "ping p99 (us)", 1),
        ("rr50", "TCP 64 B round trip p50 (us)", 1), ("rr99", "TCP 64 B round trip p99 (us)", 1),
        ("hs", "handshakes per second", 1)]
fmt = "  %-30s %9s %9s %9s   %s"
print(fmt % ("", "veth", "WireGuard", "meshtun", "meshtun/WireGuard: median [lowest, highest]"))
def med(kind, metric, scale):
    v = val.get((kind, metric))
    if not v:
        return "-"
    m = statistics.median(v.values()) * scale
    return "%.0f" % m if scale != 1 or m >= 100 else "%.1f" % m
for metric, label, scale in rows:
    wg, mt = val.get(("wireguard", metric), {}), val.get(("meshtun", metric), {})
    ratios = sorted(mt[r] / wg[r] for r in mt if r in wg and wg[r] > 0)
    spread = ("%.2f [%.2f, %.2f]" % (statistics.median(ratios), ratios[0], ratios[-1])
              if ratios else "n/a")
    print(fmt % (label, med("veth", metric, scale), med("wireguard", metric, scale),
                 med("meshtun", metric, scale), spread))
PY
