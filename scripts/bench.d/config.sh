#!/bin/bash
# make bench, configuration part (runs inside the VM): 10,000 peers with 4
# allowed IPs each, set and dumped on a meshtun device (mtctl) and on a
# kernel WireGuard device (wg), same file, same VM run. Prints the times
# (median of 3), the kernel memory the configuration takes (the delta of
# unreclaimable slab, SUnreclaim in /proc/meminfo) and the meshtun/WireGuard ratios.
set -euo pipefail
peers=${MT_BENCH_PEERS:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Both tools run from the guest's tmpfs, as from an installed system: the
# tree's 9p mount has no page cache, so a binary run from it is read over
# 9p at every start, while wg's (on the cached root) is not.
mkdir "$tmp/bin"
install -m 755 tools/mtctl "$(command -v wg)" "$tmp/bin/"
mtctl=$tmp/bin/mtctl
wg() { "$tmp/bin/wg" "$@"; }
modprobe meshtun
modprobe wireguard

python3 - "$peers" >"$tmp/bench.conf" <<'PY'
import base64, os, sys
n = int(sys.argv[1])
print("[Interface]\nPrivateKey = %s\nListenPort = 51820\n" % base64.b64encode(os.urandom(32)).decode())
for i in range(n):
    a, b = i >> 8, i & 255
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.%d.%d.0/24, 10.%d.%d.128/25, fd00:%x::/64, fd01:%x::/64\n"
          % (base64.b64encode(os.urandom(32)).decode(), 100 + a // 256, a % 256, 200 + a // 256,
             a % 256, i, i))
PY

now() { date +%s%N; }
# Unreclaimable slab: what the configuration itself holds, not caches.
slab_kib() { awk '/^SUnreclaim:/ {print $2}' /proc/meminfo; }
median() { sort -n | sed -n 2p; }

# One measurement: set time (ms), dump time (ms), slab delta (KiB).
measure() { # kind
	local dev t0 t1 t2 s0 s1
	if [ "$1" = meshtun ]; then
		dev=mtb0
		ip link add "$dev" type meshtun
	else
		dev=wgb0
		ip link add "$dev" type wireguard
	fi
	s0=$(slab_kib)
	t0=$(now)
	if [ "$1" = meshtun ]; then
		$mtctl setconf dev "$dev" "$tmp/bench.conf"
	else
		wg setconf "$dev" "$tmp/bench.conf"
	fi
	t1=$(now)
	if [ "$1" = meshtun ]; then
		$mtctl showconf dev "$dev" >"$tmp/dump.$1"
	else
		wg showconf "$dev" >"$tmp/dump.$1"
	fi
	t2=$(now)
	s1=$(slab_kib)
	ip link del "$dev"
	echo "$(((t1 - t0) / 1000000)) $(((t2 - t1) / 1000000)) $((s1 - s0))"
	settle
}

# A deleted device frees its peers after RCU grace periods: wait until the
# slab stops shrinking, so that the next measurement's delta is its own.
settle() {
	local prev now i
	prev=$(slab_kib)
	for i in $(seq 40); do
		sleep 0.5
		now=$(slab_kib)
		[ $((prev - now)) -lt 64 ] && break
		prev=$now
	done
}

declare -A set dump mem
# Runs alternate between the two, so that a machine busy with something
# else for a while slows both alike.
for run in 1 2 3; do
	for kind in wireguard meshtun; do
		measure "$kind" >>"$tmp/runs.$kind"
	done
done
for kind in wireguard meshtun; do
	set[$kind]=$(cut -d' ' -f1 "$tmp/runs.$kind" | median)
	dump[$kind]=$(cut -d' ' -f2 "$tmp/runs.$kind" | median)
	mem[$kind]=$(cut -d' ' -f3 "$tmp/runs.$kind" | median)
done

# Both devices must have taken the whole configuration.
for kind in wireguard meshtun; do
	got=$(grep -c '^PublicKey' "$tmp/dump.$kind")
	[ "$got" -eq "$peers" ] || { echo "bench: $kind dumped $got of $peers peers" >&2; exit 1; }
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "configuration, $peers peers x 4 allowed IPs (median of 3, kernel $(uname -r)):"
printf '  %-22s %12s %12s %8s\n' "" WireGuard meshtun ratio
printf '  %-22s %12s %12s %8s\n' "set time (ms)" "${set[wireguard]}" "${set[meshtun]}" \
	"$(ratio "${set[meshtun]}" "${set[wireguard]}")"
printf '  %-22s %12s %12s %8s\n' "full dump time (ms)" "${dump[wireguard]}" "${dump[meshtun]}" \
	"$(ratio "${dump[meshtun]}" "${dump[wireguard]}")"
printf '  %-22s %12s %12s %8s\n' "kernel memory (KiB)" "${mem[wireguard]}" "${mem[meshtun]}" \
	"$(ratio "${mem[meshtun]}" "${mem[wireguard]}")"
