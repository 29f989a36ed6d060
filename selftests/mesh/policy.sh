#!/bin/bash
# What a hub refuses, and what is never sent to whom:
#  - a WireGuard peer configured as a hub is sent nothing it does not
#    understand, and nothing breaks;
#  - a hub with relay off relays nothing and shares no address;
#  - a node asking about a peer the hub does not know gets nothing, and
#    the peer a node asks for learns the asker's key only if it holds it
#    (PEER_ASKING names the asker by its key's tag);
#  - bytes sent into a device that are not the IP packet they claim to be
#    are dropped, never carried to a peer as a mesh message;
#  - a node takes an address from a hub only as the answer to its own
#    request to that hub: an unasked one is refused and sets off no PING;
#  - malformed, misdirected and replayed mesh messages inside a real
#    session (from a made-up peer, meshpeer.py) are dropped and counted,
#    each by its reason, and a peer without the mesh signal is treated as
#    WireGuard: its mesh-looking packets are bad packets, it gets no answer.
. "$(dirname "$0")/lib.sh"
mp=$(cd "$(dirname "$0")" && pwd)/meshpeer.py

modprobe meshtun || exit 1

# ---- a WireGuard peer marked as a hub ----
netns_add mtw mtc || exit 1
check "wireguard and meshtun side by side" veth mtw eth0 10.8.0.1/24 mtc eth0 10.8.0.2/24
wg genkey >"$tmp/w.key" && wg pubkey <"$tmp/w.key" >"$tmp/w.pub"
ip -n mtw link add wg0 type wireguard && in_ns mtw wg set wg0 private-key "$tmp/w.key" listen-port 51820 &&
	ip -n mtw addr add 10.98.0.1/24 dev wg0 && ip -n mtw link set wg0 up
check "the meshtun node" mt_dev mtc 10.98.0.2
wg genkey | wg pubkey >"$tmp/far.pub"
check "the WireGuard peer is its hub; a far peer has no endpoint" in_ns mtc "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/w.pub")" endpoint 10.8.0.1:51820 hub on allowed-ips 10.98.0.1/32 \
	peer "$(cat "$tmp/far.pub")" allowed-ips 10.98.0.9/32
in_ns mtw wg set wg0 peer "$(cat "$tmp/mtc.pub")" endpoint 10.8.0.2:51820 allowed-ips 10.98.0.2/32
check "traffic with the WireGuard hub works" in_ns mtc ping -c 3 -i 0.2 -W 5 10.98.0.1
check_eq "it does not speak mesh messages" "no" \
	"$(in_ns mtc "$mtctl" show dev mt0 paths | awk -v k="$(cat "$tmp/w.pub")" '$1 == k { print $4 }')"
check_fails "the far peer cannot be reached through it" in_ns mtc ping -c 2 -i 0.2 -W 2 10.98.0.9
check "dropped as having no relay" test "$(stat mtc tx_no_relay)" -ge 1
check "traffic with the WireGuard hub still works" in_ns mtc ping -c 3 -i 0.2 -W 5 10.98.0.1
errors=$(ip -n mtw -s -j link show wg0 | python3 -c 'import json,sys; s=json.load(sys.stdin)[0]["stats64"]["rx"]; print(s["errors"], s["dropped"])')
check_eq "the WireGuard peer got nothing it did not understand (rx errors, dropped)" "0 0" "$errors"
mt_cleanup_namespaces

# ---- a hub with relay off ----
netns_add $mesh_namespaces || exit 1
check "topology" topo_mesh eim eim
check "meshtun, the hub's relay off" mesh_up off
check_fails "a cannot reach b" in_ns mta ping -c 3 -i 0.3 -W 2 10.99.0.3
check "the hub refused to relay or introduce" test "$(stat mthub rx_mesh_refused)" -ge 2
check_eq "it forwarded nothing" 0 "$(stat mthub relay_forwarded)"
check_eq "it introduced nobody" 0 "$(stat mthub mesh_introductions)"
check_eq "a learnt no address for b" "(none)" "$(in_ns mta "$mtctl" show dev mt0 endpoints |
	awk -v k="$(cat "$tmp/mtb.pub")" '$1 == k { print $2 }')"
check_eq "b none for a" "(none)" "$(in_ns mtb "$mtctl" show dev mt0 endpoints |
	awk -v k="$(cat "$tmp/mta.pub")" '$1 == k { print $2 }')"
check "relay on" in_ns mthub "$mtctl" set dev mt0 relay on
# A relayed handshake first: on a loaded machine that may take a while.
check "now a reaches b" in_ns mta ping -c 1 -w 30 10.99.0.3
check_eq "the hub says relay on" "Relay = yes" "$(in_ns mthub "$mtctl" showconf dev mt0 | grep Relay)"

# A raw packet socket on a's device sends bytes that are no IP packet but
# whose bytes 16-19 name b: they must not reach b as one of a's mesh
# messages (an unknown type here, which b would count as malformed).
m0=$(stat mtb rx_mesh_malformed) n0=$(stat mta tx_no_peer)
check "a raw packet socket sends a mesh-looking packet into a's device" in_ns mta python3 -c "
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
s.sendto(bytes([9, 0, 0, 0]) + bytes(12) + socket.inet_aton('10.99.0.3'), ('mt0', 0x0800))"
sleep 1
# (At least: the device may drop a packet of its own meanwhile, an IPv6
# router solicitation for one, for want of a peer.)
check "a dropped it (not IPv4 though it says so)" test "$(stat mta tx_no_peer)" -ge $((n0 + 1))
check_eq "b never saw it" "$m0" "$(stat mtb rx_mesh_malformed)"

# ---- a peer the hub does not know ----
wg genkey | wg pubkey >"$tmp/x.pub"
check "a knows a peer x the hub does not" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/x.pub")" allowed-ips 10.99.0.8/32
refused0=$(stat mthub rx_mesh_refused)
check_fails "a cannot reach x" in_ns mta ping -c 2 -i 0.3 -W 2 10.99.0.8
check "the hub refused a's messages for x" test "$(stat mthub rx_mesh_refused)" -gt "$refused0"
check_eq "a got no address for x" "(none)" "$(in_ns mta "$mtctl" show dev mt0 endpoints |
	awk -v k="$(cat "$tmp/x.pub")" '$1 == k { print $2 }')"
# (Its handshakes would go on being refused: counted below otherwise.)
check "a forgets x" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/x.pub")" remove

# ---- mesh messages from a made-up peer, in a real session with the hub ----
wg genkey >"$tmp/p.key" && wg pubkey <"$tmp/p.key" >"$tmp/p.pub"
check "the hub knows the made-up peer" in_ns mthub "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/p.pub")" allowed-ips 10.99.0.7/32
hexkey() { python3 -c "import base64,sys; print(base64.b64decode(sys.argv[1]).hex())" "$1"; }
# How a hub names an asker to a target (kmod/messages.h): BLAKE2s-256 of
# a label, the asker's key and the target's.
keytag() { # asker-key target-key
	python3 -c "import base64,hashlib,sys
b = base64.b64decode
print(hashlib.blake2s(b'meshtun key tag1' + b(sys.argv[1]) + b(sys.argv[2])).hexdigest())" "$1" "$2"
}
kb=$(hexkey "$(cat "$tmp/mtb.pub")") kx=$(hexkey "$(cat "$tmp/x.pub")")
ka=$(hexkey "$(cat "$tmp/mta.pub")") tb=$(keytag "$(cat "$tmp/mtb.pub")" "$(cat "$tmp/mta.pub")")
inner_data=04000000$(printf '%024x' 0)$(printf '%032x' 0)	# a data message: 16 + 16 bytes
malformed=(
	09000000			# an unknown type
	01010008$(printf '%016x' 1)	# PING with a flag set
	01000007$(printf '%014x' 1)	# PING one byte short
	010000c8$(printf '%016x' 1)	# a length beyond the message
	0300001f"${kb:0:62}"		# ENDPOINT_REQUEST with a key one byte short
	06000024"$kb"09000000		# RELAY of no WireGuard message
	06000060"$kb"03$(printf '%0126x' 0)	# RELAY of a cookie reply (64 bytes)
)
refused=(
	07000040"$kb$inner_data"	# RELAYED: it is not our hub
	05000034"$kb"0400c3500a630003$(printf '%024x' 0)	# ENDPOINT: not our hub
	04000020"$tb"			# PEER_ASKING: not our hub
	03000020"$kx"			# ENDPOINT_REQUEST for a key the hub does not know
	06000040"$kx$inner_data"	# RELAY to a key the hub does not know
)
ping=01000008$(printf '%016x' 42)
m0=$(stat mthub rx_mesh_malformed) r0=$(stat mthub rx_mesh_refused) p0=$(stat mthub rx_replayed)
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mthub.pub")" 198.51.100.2 51820 \
	"${malformed[@]}" "${refused[@]}" "$ping" --replay $((${#malformed[@]} + ${#refused[@]})) \
	>"$tmp/answers" 2>&1
check "the made-up peer shook hands and sent its messages" test $? = 0
check_eq "the hub speaks of it as a mesh peer" yes \
	"$(in_ns mthub "$mtctl" show dev mt0 paths | awk -v k="$(cat "$tmp/p.pub")" '$1 == k { print $4 }')"
check_eq "each malformed one counted" $((m0 + ${#malformed[@]})) "$(stat mthub rx_mesh_malformed)"
check_eq "each misdirected one refused" $((r0 + ${#refused[@]})) "$(stat mthub rx_mesh_refused)"
check_eq "the replayed PING dropped" $((p0 + 1)) "$(stat mthub rx_replayed)"
check_eq "the PING (once) answered by a PONG, padded to 64 bytes" \
	"rx 02 64 02000008$(printf '%016x' 42)$(printf '%0104x' 0)" \
	"$(grep -v 'rx 00 0 ' "$tmp/answers")"

# a asks the hub for the made-up peer (a knows its key, with no endpoint,
# and has traffic for it): the hub tells it that a asks, by a's key's tag,
# never by a's key, which the made-up peer does not hold. (a's handshake
# initiation, relayed to it meanwhile, shows a's key to whoever holds the
# made-up peer's private key, as any Noise IK initiation does: asking
# shows no more than that.)
check "a knows the made-up peer, without an endpoint" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/p.pub")" allowed-ips 10.99.0.7/32
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mthub.pub")" 198.51.100.2 51820 \
	"$ping" --listen 6 >"$tmp/answers" 2>&1 &
asker=$!
sleep 2
in_ns mta ping -c 3 -i 0.5 -W 1 10.99.0.7 >/dev/null
wait "$asker"
check "the made-up peer shook hands with the hub and listened" test $? = 0
check "the hub told it that a asks, by a's key's tag" \
	grep -q "^rx 04 64 04000020$(keytag "$(cat "$tmp/mta.pub")" "$(cat "$tmp/p.pub")")" "$tmp/answers"
check_fails "never by a's key" grep -q "^rx 04 .*$ka" "$tmp/answers"

# An address nobody asked for: the made-up peer, now also a hub of a's,
# tells a where b is without a's asking it. a must refuse it and send no
# PING there (a hub could otherwise aim a's PINGs anywhere).
check "the made-up peer is a hub of a's too" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/p.pub")" hub on allowed-ips 10.99.0.7/32
r0=$(stat mta rx_mesh_refused) u0=$(stat mta mesh_punches)
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	05000034"$kb"0400115c0a020063$(printf '%024x' 0) >/dev/null 2>&1
check "it shook hands with a and sent an unasked ENDPOINT" test $? = 0
check_eq "a refused it" $((r0 + 1)) "$(stat mta rx_mesh_refused)"
check_eq "and sent no PING to that address" "$u0" "$(stat mta mesh_punches)"
# Asked, by way of PEER_ASKING, the made-up hub answers with a's own
# address (a's PINGs would go to its own port): refused as well.
r0=$(stat mta rx_mesh_refused) u0=$(stat mta mesh_punches)
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	04000020"$tb" 05000034"$kb"0400c85c0a010002$(printf '%024x' 0) >/dev/null 2>&1
check "it made a ask back, and answered with a's own address" test $? = 0
check_eq "a refused the address" $((r0 + 1)) "$(stat mta rx_mesh_refused)"
check_eq "and sent no PING to itself" "$u0" "$(stat mta mesh_punches)"
# Relayed handshakes cost a a Diffie-Hellman each and no cookie slows a
# hub: the hub's bucket (10 a second, bursts of 20) does. 40 at once.
l0=$(stat mta rx_mesh_ratelimited)
relayed_inits=()
for _ in $(seq 40); do relayed_inits+=(070000b4"$kb"01000000$(printf '%0288x' 0)); done
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	"${relayed_inits[@]}" >/dev/null 2>&1
check "the made-up hub relayed 40 handshake initiations to a at once" test $? = 0
# (The sender takes most of a second for them: the bucket refills meanwhile.)
check "a took at most 35 of them" test "$(stat mta rx_mesh_ratelimited)" -ge $((l0 + 5))

# Three more peers a knows, none the hub knows or with an endpoint: r and
# s for the askings below, q for an answer to an old request.
for k in q r s; do wg genkey >"$tmp/$k.key" && wg pubkey <"$tmp/$k.key" >"$tmp/$k.pub"; done
check "a knows q, r and s" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/q.pub")" allowed-ips 10.99.0.4/32 \
	peer "$(cat "$tmp/r.pub")" allowed-ips 10.99.0.5/32 \
	peer "$(cat "$tmp/s.pub")" allowed-ips 10.99.0.6/32
tq=$(keytag "$(cat "$tmp/q.pub")" "$(cat "$tmp/mta.pub")") kq=$(hexkey "$(cat "$tmp/q.pub")")
tr=$(keytag "$(cat "$tmp/r.pub")" "$(cat "$tmp/mta.pub")")
ts=$(keytag "$(cat "$tmp/s.pub")" "$(cat "$tmp/mta.pub")") ks=$(hexkey "$(cat "$tmp/s.pub")")
# An address nothing answers at (the hub's port 9): where a hub, or a
# peer with a forged source through a hub's eyes, may aim a's PINGs.
sink=0400000$(printf '%x' 9)c6336402$(printf '%024x' 0)

# Asked five times, 2.2 s apart, the made-up hub gives b's address as
# that sink: each answer may start a train of 8 PINGs there, but one left
# unanswered makes the next wait twice as long (2, 4, 8 ... s): within
# those 9 s two trains go (at 0 and 4 s, the third is due at 12), not five.
u0=$(stat mta mesh_punches)
answers=(04000020"$tb" 05000034"$kb$sink")
for _ in 1 2 3 4; do answers+=(sleep:2.2 04000020"$tb" 05000034"$kb$sink"); done
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	"${answers[@]}" --listen 0 >/dev/null 2>&1
check "the made-up hub answered a five times with a sink for b" test $? = 0
punches=$(($(stat mta mesh_punches) - u0))
check "a sent a train of PINGs there" test "$punches" -ge 8
check "and one more, not four: $punches PINGs, at most 16" test "$punches" -le 16

# One asker, named over and over (as a peer of the hub may have itself
# named, asking for a's peers in turn), spends its own bucket, not the
# hub's: 40 PEER_ASKINGs naming r, then one naming s, which a must still
# ask back (an ENDPOINT_REQUEST for s comes back to the made-up hub).
l0=$(stat mta rx_mesh_ratelimited)
askings=()
for _ in $(seq 40); do askings+=(04000020"$tr"); done
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	"${askings[@]}" 04000020"$ts" --listen 2 >"$tmp/answers" 2>&1
check "the made-up hub named r 40 times, then s" test $? = 0
check "a dropped at least 30 of r's" test "$(stat mta rx_mesh_ratelimited)" -ge $((l0 + 30))
check "and asked back for s" grep -q "^rx 03 64 03000020$ks" "$tmp/answers"

# An answer to a request of a's own, asked back after an older one went
# unanswered to the same hub: a asks the made-up hub (its only hub for a
# moment) where q is, and forgets the handshakes that would ask again
# (down and up); 7 s later, the old request long expired, the hub says q
# asks, a asks back, and the hub's answer to that must be taken.
check "the real hub is not a's hub for a moment" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/mthub.pub")" hub off
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	--listen 0.2 >/dev/null 2>&1
check "the made-up hub shook hands with a" test $? = 0
check_fails "traffic for q goes to the made-up hub, which asks nobody" \
	in_ns mta ping -c 1 -W 1 10.99.0.4
check "and a stops trying" sh -c "ip -n mta link set mt0 down && ip -n mta link set mt0 up"
sleep 7
r0=$(stat mta rx_mesh_refused)
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	04000020"$tq" 05000034"$kq$sink" --listen 0.5 >/dev/null 2>&1
check "the made-up hub said q asks, then where q is" test $? = 0
check_eq "a took the answer to its asking back" "$r0" "$(stat mta rx_mesh_refused)"
check "the real hub is a's hub again" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/mthub.pub")" hub on

# One hub cannot spend what another's askings need. A second made-up hub,
# p2, and two more peers of a's: u, named by the made-up hub p 100 times
# within two seconds (a's bucket for u asked through p stays empty),
# and, a second into that, once by p2: a must ask p2 back for u.
for k in p2 u v; do wg genkey >"$tmp/$k.key" && wg pubkey <"$tmp/$k.key" >"$tmp/$k.pub"; done
check "a knows a second made-up hub, and u and v" in_ns mta "$mtctl" set dev mt0 \
	peer "$(cat "$tmp/p2.pub")" hub on allowed-ips 10.99.0.10/32 \
	peer "$(cat "$tmp/u.pub")" allowed-ips 10.99.0.11/32 \
	peer "$(cat "$tmp/v.pub")" allowed-ips 10.99.0.12/32
tu=$(keytag "$(cat "$tmp/u.pub")" "$(cat "$tmp/mta.pub")") ku=$(hexkey "$(cat "$tmp/u.pub")")
tv=$(keytag "$(cat "$tmp/v.pub")" "$(cat "$tmp/mta.pub")") kv=$(hexkey "$(cat "$tmp/v.pub")")
askings=()
for _ in $(seq 100); do askings+=(04000020"$tu"); done
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	"${askings[@]}" --listen 0 >/dev/null 2>&1 &
flood=$!
sleep 1
in_ns mta python3 "$mp" "$tmp/p2.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	04000020"$tu" --listen 1 >"$tmp/answers" 2>&1
check "p2 named u once while p named it over and over" test $? = 0
wait "$flood"
check "and p did" test $? = 0
check "a asked p2 back for u" grep -q "^rx 03 64 03000020$ku" "$tmp/answers"

# Asking one hub back cancels no asking back of another: p names v (a
# asks p back), then p2 does (a asks p2 back), then p answers where v
# is: a must take that answer.
r0=$(stat mta rx_mesh_refused)
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	04000020"$tv" sleep:2 05000034"$kv$sink" --listen 0.5 >"$tmp/answers" 2>&1 &
first=$!
sleep 1
in_ns mta python3 "$mp" "$tmp/p2.key" "$(cat "$tmp/mta.pub")" 10.1.0.2 51820 \
	04000020"$tv" --listen 0.5 >"$tmp/answers2" 2>&1
check "p2 named v while p waited to answer" test $? = 0
wait "$first"
check "p named v, then said where it is" test $? = 0
check "a asked p back for v" grep -q "^rx 03 64 03000020$kv" "$tmp/answers"
check "and p2" grep -q "^rx 03 64 03000020$kv" "$tmp/answers2"
check_eq "a took p's answer" "$r0" "$(stat mta rx_mesh_refused)"
check "a forgets p2" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/p2.pub")" remove
check "a forgets the made-up hub" in_ns mta "$mtctl" set dev mt0 peer "$(cat "$tmp/p.pub")" remove

# The same peer without the mesh signal: WireGuard; its PING is a bad packet.
b0=$(stat mthub rx_bad_inner_packet)
in_ns mta python3 "$mp" "$tmp/p.key" "$(cat "$tmp/mthub.pub")" 198.51.100.2 51820 --plain \
	"$ping" >"$tmp/answers" 2>&1
check "as WireGuard, it shook hands" test $? = 0
check_eq "the hub takes it for WireGuard" no \
	"$(in_ns mthub "$mtctl" show dev mt0 paths | awk -v k="$(cat "$tmp/p.pub")" '$1 == k { print $4 }')"
check_eq "its PING is a bad inner packet" $((b0 + 1)) "$(stat mthub rx_bad_inner_packet)"
check_eq "and gets no answer but keepalives" "" "$(grep -v 'rx 00 0 ' "$tmp/answers")"
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do modprobe -r meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
