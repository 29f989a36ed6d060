#!/bin/bash
# The packet fuzzer: mutations of real data messages (replays, bit flips,
# reserved bits, wrong types, truncated, extended) and made-up handshake
# messages (initiations with and without a valid MAC1, responses, cookie
# replies, anything at all) sent to a live device's port from the other
# namespace while its session carries pings. Every message must be
# dropped and counted (the device's drop counters grow by exactly the
# number sent, less those answered with a cookie reply and those the UDP
# socket itself refused), the session must keep working during and after,
# and kernel splats fail the test (the VM runner).
#
# usage: selftests/fuzz/packets.sh [MESSAGES] [SEED]   (default 3000, random)
. "$(dirname "$0")/../data/lib.sh"

pk=$(cd "$(dirname "$0")/../data" && pwd)/packets.py
n=${1:-3000}
seed=${2:-$RANDOM$RANDOM}
modprobe meshtun || exit 1
topo_two mta mtb || exit 1
check "meshtun nodes a and b, peers over IPv4" pair_up mta mt mtb mt
check "a session" in_ns mta ping -c 2 -i 0.2 -W 5 192.168.9.2

# Real data messages from a to b, to mutate.
capture_data mta mtb 20 "$tmp/cap"
check_eq "twenty data messages captured" 20 "$(wc -l <"$tmp/cap")"

# Every drop counter of b's device, summed; and what b's UDP layer refused.
drops() { in_ns mtb ethtool -S mt0 | awk '$1 ~ /^rx_/ { s += $2 } END { print s + 0 }'; }
udp_refused() { in_ns mtb awk '/^Udp:/ && n++ { print $4 + $6 }' /proc/net/snmp; }
drops0=$(drops)
refused0=$(udp_refused)

in_ns mta ping -q -c 40 -i 0.25 -W 2 192.168.9.2 >"$tmp/ping" 2>&1 &
ping_pid=$!
start=$SECONDS
cookies=$(in_ns mta python3 "$pk" fuzz 10.9.0.2 51821 "$tmp/cap" "$(cat "$tmp/mtb.pub")" "$n" "$seed")
echo "# seed $seed: $n messages in $((SECONDS - start)) s, $cookies answered with a cookie reply"
wait "$ping_pid"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping")
if [ "${received:-0}" -ge 30 ]; then
	mt_report 0 "pings through the session during the fuzzing: $received of 40" ""
else
	mt_report 1 "pings through the session during the fuzzing" "$(cat "$tmp/ping")"
fi

# Handshake messages are handled by workers: wait until the counts settle.
want=$((n - ${cookies:-0} - ($(udp_refused) - refused0)))
for _ in $(seq 150); do
	got=$(($(drops) - drops0))
	[ "$got" -ge "$want" ] && break
	sleep 0.2
done
sleep 1
got=$(($(drops) - drops0))
check_eq "every fuzzed message dropped and counted" "$want" "$got"
in_ns mtb ethtool -S mt0 | awk '$2 > 0 { print "#   " $0 }'
check "the session works after it" in_ns mta ping -c 3 -i 0.2 -W 5 192.168.9.2
check "and a new handshake" sh -c "
	ip -n mta link set mt0 down && ip -n mta link set mt0 up &&
	ip netns exec mta ping -c 1 -W 20 192.168.9.2"
finish
