#!/bin/bash
# mtctl against the running module: every subcommand, config files in
# WireGuard's format, round trips, JSON, and errors that name the word.
#
# usage: selftests/tools/mtctl.sh [asan]
# With "asan", the whole of it runs with build/asan/mtctl (make -C tools
# asan), and any AddressSanitizer, LeakSanitizer or UBSan report fails it;
# without, with tools/mtctl, and some commands under valgrind too.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
mtctl=tools/mtctl
sanitized=
if [ "${1:-}" = asan ]; then
	mtctl=build/asan/mtctl sanitized=1
	# Reports go to files, so that one from a command expected to fail is seen too.
	export ASAN_OPTIONS="log_path=$tmp/sanitizer:detect_leaks=1:abort_on_error=0"
	export UBSAN_OPTIONS="log_path=$tmp/sanitizer:print_stacktrace=1:halt_on_error=1"
	[ -x "$mtctl" ] || { echo "no $mtctl: run make -C tools asan" >&2; exit 1; }
fi
trap 'rm -rf "$tmp"; mt_cleanup_namespaces' EXIT
modprobe meshtun || exit 1

# ---- keys, without the kernel ----
check "version" $mtctl --version
priv=$($mtctl genkey)
check_eq "genkey gives a 44-character key" 44 "${#priv}"
check_eq "pubkey agrees with wg pubkey" "$(wg pubkey <<<"$priv")" "$($mtctl pubkey <<<"$priv")"
check "genpsk differs each time" test "$($mtctl genpsk)" != "$($mtctl genpsk)"
check_fails "pubkey of garbage fails" sh -c "echo garbage | $mtctl pubkey"
check_eq "pubkey names the problem" "mtctl: pubkey: not a base64 private key of 32 bytes" \
	"$(echo garbage | $mtctl pubkey 2>&1)"
check_eq "genkey names the word it did not expect" \
	'mtctl: genkey: cannot parse "x": takes no arguments' "$($mtctl genkey x 2>&1)"

# ---- the command table: dispatch and help come from it ----
help=$($mtctl help)
for c in show showconf set setconf addconf syncconf up down genkey genpsk pubkey; do
	check "help lists $c" grep -qE "(^| )$c( |$)" <<<"$help"
done
check_fails "no command is a failure" $mtctl
check_eq "no command: the usage on standard error" "$help" "$($mtctl 2>&1 >/dev/null)"
check_eq "an unknown command is named" 'mtctl: unknown command "frob"' \
	"$($mtctl frob 2>&1 | head -n1)"

# ---- set, show ----
ip link add mt0 type meshtun
echo "$priv" >"$tmp/priv"
psk=$($mtctl genpsk)
echo "$psk" >"$tmp/psk"
pub=$($mtctl pubkey <<<"$priv")
p1=$(wg genkey | wg pubkey)
p2=$(wg genkey | wg pubkey)
check "set device keys, port, fwmark" \
	$mtctl set dev mt0 private-key "$tmp/priv" listen-port 51820 fwmark 0x42
check "set two peers" $mtctl set dev mt0 \
	peer "$p1" preshared-key "$tmp/psk" endpoint 192.0.2.1:51820 persistent-keepalive 25 \
		allowed-ips 10.0.1.0/24,fd00:1::/64 \
	peer "$p2" endpoint '[2001:db8::2]:4000' allowed-ips 10.0.2.7/24
check_eq "show public-key" "$pub" "$($mtctl show dev mt0 public-key)"
check_eq "show private-key" "$priv" "$($mtctl show dev mt0 private-key)"
check_eq "show listen-port" 51820 "$($mtctl show dev mt0 listen-port)"
check_eq "show fwmark" 0x42 "$($mtctl show dev mt0 fwmark)"
check_eq "show peers" "$p1 $p2" "$($mtctl show dev mt0 peers | xargs)"
check_eq "show endpoints" "$p1	192.0.2.1:51820
$p2	[2001:db8::2]:4000" "$($mtctl show dev mt0 endpoints)"
check_eq "show allowed-ips (host bits masked)" "$p1	10.0.1.0/24 fd00:1::/64
$p2	10.0.2.0/24" "$($mtctl show dev mt0 allowed-ips)"
check_eq "show preshared-keys" "$p1	$psk
$p2	(none)" "$($mtctl show dev mt0 preshared-keys)"
check_eq "show persistent-keepalive" "$p1	25
$p2	off" "$($mtctl show dev mt0 persistent-keepalive)"
check_eq "show handshakes (none yet)" "$p1	0
$p2	0" "$($mtctl show dev mt0 handshakes)"
check_eq "show transfer" "$p1	0	0
$p2	0	0" "$($mtctl show dev mt0 transfer)"
check_eq "show dump, device line" "$priv	$pub	51820	0x42" "$($mtctl show dev mt0 dump | head -n1)"
check_eq "show dump, peer line" \
	"$p1	$psk	192.0.2.1:51820	10.0.1.0/24,fd00:1::/64	0	0	0	25" \
	"$($mtctl show dev mt0 dump | sed -n 2p)"
out=$($mtctl show dev mt0)
check "pretty show hides the private key" grep -q "private key: (hidden)" <<<"$out"
check_fails "pretty show never prints it" grep -qF "$priv" <<<"$out"
check "pretty show lists the peer" grep -q "peer: $p1" <<<"$out"
check "pretty show lists allowed ips" grep -q "allowed ips: 10.0.1.0/24, fd00:1::/64" <<<"$out"
check_eq "show without dev lists every device, field per line" "mt0	51820" \
	"$($mtctl show listen-port)"

# ---- JSON ----
$mtctl -j show >"$tmp/json"
check "-j show is JSON python parses" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/json"
check_eq "JSON carries the peers and allowed IPs" "mt0 2 10.0.1.0/24 True" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))[0]
print(d["ifname"], len(d["peers"]), d["peers"][0]["allowed_ips"][0], d["peers"][0]["preshared_key"])' "$tmp/json")"
check_fails "JSON has no private key" grep -qF "$priv" "$tmp/json"

# ---- allowed-ips editing and removal ----
check "allowed-ips +add" $mtctl set dev mt0 peer "$p2" allowed-ips +10.0.3.0/24
check_eq "added" "$p2	10.0.2.0/24 10.0.3.0/24" "$($mtctl show dev mt0 allowed-ips | tail -n1)"
check "allowed-ips -remove" $mtctl set dev mt0 peer "$p2" allowed-ips -10.0.2.0/24
check_eq "removed" "$p2	10.0.3.0/24" "$($mtctl show dev mt0 allowed-ips | tail -n1)"
check "allowed-ips plain list replaces" $mtctl set dev mt0 peer "$p2" allowed-ips 10.0.4.0/24
check_eq "replaced" "$p2	10.0.4.0/24" "$($mtctl show dev mt0 allowed-ips | tail -n1)"
check "an allowed IP moves to the peer it is given to" \
	$mtctl set dev mt0 peer "$p2" allowed-ips +10.0.1.0/24
check_eq "moved from p1" "$p1	fd00:1::/64" "$($mtctl show dev mt0 allowed-ips | head -n1)"
check "fwmark off" $mtctl set dev mt0 fwmark off
check_eq "fwmark is off" off "$($mtctl show dev mt0 fwmark)"
check "persistent-keepalive off" $mtctl set dev mt0 peer "$p1" persistent-keepalive off
check "preshared-key /dev/null removes it" $mtctl set dev mt0 peer "$p1" preshared-key /dev/null
check_eq "both gone" "$p1	(none)	off" \
	"$($mtctl show dev mt0 dump | sed -n 2p | cut -f1,2,8)"
check "peer remove" $mtctl set dev mt0 peer "$p2" remove
check_eq "one peer left" "$p1" "$($mtctl show dev mt0 peers)"
check "hostnames in endpoints resolve" $mtctl set dev mt0 peer "$p1" endpoint localhost:9
check "to an address" sh -c "$mtctl show dev mt0 endpoints | grep -Eq '(127.0.0.1|\[::1\]):9$'"
check "an IPv6 endpoint" $mtctl set dev mt0 peer "$p1" endpoint '[2001:db8::7]:65535'
check_eq "shown in brackets" "$p1	[2001:db8::7]:65535" "$($mtctl show dev mt0 endpoints)"

# ---- the mesh: hubs and relaying ----
check_eq "no peer is a hub at first" "$p1	off" "$($mtctl show dev mt0 hubs)"
check_eq "paths before any traffic" "$p1	none	(none)	unknown" "$($mtctl show dev mt0 paths)"
check "relay on, and a hub" $mtctl set dev mt0 relay on peer "$p1" hub on
check_eq "the peer is a hub" "$p1	on" "$($mtctl show dev mt0 hubs)"
out=$($mtctl show dev mt0)
check "pretty show says relay on" grep -qx "  relay: on (a hub for its peers)" <<<"$out"
check "and hub: yes" grep -qx "  hub: yes" <<<"$out"
check_eq "JSON says so too" "True True unknown none" "$($mtctl -j show dev mt0 | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
p = d["peers"][0]
print(d["relay"], p["hub"], p["mesh"], p["path"])')"
check "hub off and on again" sh -c "$mtctl set dev mt0 peer $p1 hub off && $mtctl set dev mt0 peer $p1 hub yes"

# ---- config files: showconf | setconf round trip, a wg file ----
$mtctl set dev mt0 peer "$p2" allowed-ips 10.7.0.0/16,fd07::/48 endpoint 198.51.100.9:1234 \
	persistent-keepalive 10 preshared-key "$tmp/psk"
$mtctl showconf dev mt0 >"$tmp/orig.conf"
check "showconf shows the private key" grep -q "PrivateKey = $priv" "$tmp/orig.conf"
ip link add mt1 type meshtun
check "showconf has Relay and Hub" sh -c "grep -qx 'Relay = yes' $tmp/orig.conf && grep -qx 'Hub = yes' $tmp/orig.conf"
check "setconf from showconf" $mtctl setconf dev mt1 "$tmp/orig.conf"
check_eq "round trip: showconf equals the original" "$(cat "$tmp/orig.conf")" \
	"$($mtctl showconf dev mt1)"
check "setconf again is idempotent" $mtctl setconf dev mt1 "$tmp/orig.conf"
check_eq "still equal" "$(cat "$tmp/orig.conf")" "$($mtctl showconf dev mt1)"
check_fails "output that cannot be written fails" sh -c "$mtctl showconf dev mt1 >/dev/full"

wgpriv=$(wg genkey)
wgpeer=$(wg genkey | wg pubkey)
cat >"$tmp/wg0.conf" <<EOF
# a wg-quick file, as users have them
[Interface]
Address = 10.200.0.1/24
PrivateKey = $wgpriv
ListenPort = 51999
DNS = 1.1.1.1
PostUp = echo up

[Peer]
PublicKey = $wgpeer
AllowedIPs = 10.200.0.2/32, fd00:200::2/128
Endpoint = 203.0.113.5:51820
PersistentKeepalive = 21
EOF
check "a wg-quick config file is accepted" $mtctl setconf dev mt1 "$tmp/wg0.conf"
check_eq "and applied" "$wgpeer	10.200.0.2/32 fd00:200::2/128" \
	"$($mtctl show dev mt1 allowed-ips)"
check_eq "setconf replaced the other peers" 1 "$($mtctl show dev mt1 peers | wc -l)"
ip link add wgt0 type wireguard
wg-quick strip "$tmp/wg0.conf" >"$tmp/wg0.stripped"
wg setconf wgt0 "$tmp/wg0.stripped"
check_eq "wg and mtctl agree on the peer's allowed IPs" \
	"$(wg show wgt0 allowed-ips)" "$($mtctl show dev mt1 allowed-ips)"
check_eq "and on the public key" "$(wg show wgt0 public-key)" "$($mtctl show dev mt1 public-key)"
ip link del wgt0

cat >"$tmp/add.conf" <<EOF
[Peer]
PublicKey = $p1
AllowedIPs = 10.201.0.0/16
EOF
check "addconf adds" $mtctl addconf dev mt1 "$tmp/add.conf"
check_eq "two peers now" 2 "$($mtctl show dev mt1 peers | wc -l)"
check "syncconf back to the wg file" $mtctl syncconf dev mt1 "$tmp/wg0.conf"
check_eq "syncconf removed the added peer" "$wgpeer" "$($mtctl show dev mt1 peers)"
check_eq "and kept the port" 51999 "$($mtctl show dev mt1 listen-port)"
check_eq "and turned relay off: the file has no Relay" False \
	"$($mtctl -j show dev mt1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["relay"])')"
check "syncconf with nothing to change" $mtctl syncconf dev mt1 "$tmp/wg0.conf"

# ---- errors name the word, the line, the file ----
expect_error() { # desc expected-stderr command...
	local desc=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1 >/dev/null)
	if [ $? -eq 0 ]; then
		mt_report 1 "$desc" "unexpectedly succeeded"
	else
		check_eq "$desc" "$want" "$out"
	fi
}
before=$($mtctl showconf dev mt0)
expect_error "unknown word" 'mtctl: set: cannot parse "frobnicate": missing value or unknown word' \
	$mtctl set dev mt0 frobnicate
expect_error "bad port" 'mtctl: set: cannot parse "70000": not a port (0 to 65535)' \
	$mtctl set dev mt0 listen-port 70000
expect_error "bad fwmark" 'mtctl: set: cannot parse "0xzz": not a mark (a 32-bit number or off)' \
	$mtctl set dev mt0 fwmark 0xzz
expect_error "bad relay" 'mtctl: set: cannot parse "maybe": not on or off' \
	$mtctl set dev mt0 relay maybe
expect_error "bad hub" 'mtctl: set: cannot parse "2": not on or off' \
	$mtctl set dev mt0 peer "$p1" hub 2
expect_error "hub before a peer" 'mtctl: set: cannot parse "hub": not a device setting' \
	$mtctl set dev mt0 hub on
expect_error "bad peer key" 'mtctl: set: cannot parse "abc": not a base64 public key' \
	$mtctl set dev mt0 peer abc
expect_error "bad cidr" 'mtctl: set: cannot parse "10.0.0.0/33": prefix length must be 0 to 32' \
	$mtctl set dev mt0 peer "$p1" allowed-ips 10.0.0.0/33
expect_error "bad address" 'mtctl: set: cannot parse "10.0.0.300/8": not an IPv4 or IPv6 address' \
	$mtctl set dev mt0 peer "$p1" allowed-ips 10.0.0.300/8
expect_error "mixed allowed-ips" 'mtctl: set: cannot parse "-10.2.0.0/16": mix of plain and +/- allowed IPs' \
	$mtctl set dev mt0 peer "$p1" allowed-ips 10.1.0.0/16,-10.2.0.0/16
expect_error "endpoint port 0" 'mtctl: set: cannot parse "192.0.2.1:0": port must be 1 to 65535' \
	$mtctl set dev mt0 peer "$p1" endpoint 192.0.2.1:0
expect_error "endpoint without a port" 'mtctl: set: cannot parse "192.0.2.1": expected HOST:PORT or [IPV6]:PORT' \
	$mtctl set dev mt0 peer "$p1" endpoint 192.0.2.1
expect_error "peer setting before a peer" 'mtctl: set: cannot parse "endpoint": not a device setting' \
	$mtctl set dev mt0 endpoint 192.0.2.1:1
expect_error "missing key file" "mtctl: set: private-key \"$tmp/nope\": No such file or directory" \
	$mtctl set dev mt0 private-key "$tmp/nope"
echo notakey >"$tmp/bad"
expect_error "bad key file" "mtctl: set: private-key \"$tmp/bad\": not a base64 key of 32 bytes" \
	$mtctl set dev mt0 private-key "$tmp/bad"
expect_error "kernel's message for a missing device" \
	'mtctl: nosuch: No such device: no such meshtun device' $mtctl set dev nosuch listen-port 1
expect_error "kernel's message for the device's own key as a peer" \
	"mtctl: mt0: Invalid argument: peer public key is the device's own public key" \
	$mtctl set dev mt0 peer "$pub"
expect_error "unknown command" 'mtctl: unknown command "bogus"' sh -c "$mtctl bogus 2>&1 | head -n1 >&2; exit 1"
expect_error "unknown show field" 'mtctl: show: cannot parse "colour": not a device or field' \
	$mtctl show dev mt0 colour
printf '[Interface]\nListenPort = 1\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.0/8, bogus\n' \
	"$p1" >"$tmp/bad1.conf"
expect_error "config: bad value named with file and line" \
	"mtctl: setconf: $tmp/bad1.conf:6: AllowedIPs: \"bogus\": not an IPv4 or IPv6 address" \
	$mtctl setconf dev mt0 "$tmp/bad1.conf"
printf '[Interface]\nListenPort = 1\nColour = blue\n' >"$tmp/bad2.conf"
expect_error "config: unknown key" "mtctl: setconf: $tmp/bad2.conf:3: Colour: unknown key in [Interface]" \
	$mtctl setconf dev mt0 "$tmp/bad2.conf"
printf '[Interface]\nListenPort = 1\n\n[Peer]\nPublicKey = %s\nHub = perhaps\n' "$p1" >"$tmp/bad5.conf"
expect_error "config: bad Hub" "mtctl: setconf: $tmp/bad5.conf:6: Hub: \"perhaps\" is not yes or no" \
	$mtctl setconf dev mt0 "$tmp/bad5.conf"
printf '[Peer]\nAllowedIPs = 10.0.0.0/8\n' >"$tmp/bad3.conf"
expect_error "config: peer without a key" "mtctl: setconf: $tmp/bad3.conf:1: [Peer]: section has no PublicKey" \
	$mtctl setconf dev mt0 "$tmp/bad3.conf"
printf '[Interfaces]\n' >"$tmp/bad4.conf"
expect_error "config: unknown section" "mtctl: setconf: $tmp/bad4.conf:1: unknown section [Interfaces]" \
	$mtctl setconf dev mt0 "$tmp/bad4.conf"
expect_error "config: missing file" "mtctl: setconf: $tmp/none.conf: No such file or directory" \
	$mtctl setconf dev mt0 "$tmp/none.conf"
check_eq "no failed command changed the device" "$before" "$($mtctl showconf dev mt0)"

# ---- under valgrind: no invalid access, no leak ----
# (The sanitized build checks every command instead: valgrind cannot run it.)
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		"$@" >/dev/null
}
if [ -z "$sanitized" ]; then
	check "valgrind: setconf" vg $mtctl setconf dev mt1 "$tmp/orig.conf"
	check "valgrind: syncconf" vg $mtctl syncconf dev mt1 "$tmp/wg0.conf"
	check "valgrind: -j show" vg $mtctl -j show
	check "valgrind: bad config" sh -c "valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite $mtctl setconf dev mt0 $tmp/bad1.conf 2>/dev/null; test \$? -eq 1"
fi

ip link del mt0
ip link del mt1
modprobe -r meshtun
check_eq "without the module, the family is loaded on demand" "" "$($mtctl show 2>&1)"
check "it was loaded by its genl alias" test -d /sys/module/meshtun
if [ -n "$sanitized" ]; then
	reports=$(cat "$tmp"/sanitizer.* 2>/dev/null)
	check_eq "no sanitizer report from any command" "" "$(head -n 40 <<<"$reports")"
fi
finish
