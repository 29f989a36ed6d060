#!/bin/bash
# The genl family driven by a second client that knows it only by its
# spec: the kernel's own YNL CLI (tools/net/ynl/cli.py from Debian's
# linux-source-6.12, scripts/linux-source 6.12) reads
# uapi/linux/meshtun.yaml, checked against the kernel's schema, and
# dumps, sets and is refused exactly as mtctl shows. A spec that drifts
# from what the module does (an attribute's number, type or nesting, an
# operation's attributes) fails here.
. "$(dirname "$0")/../lib.sh"
mt_test_setup

ynl_dir=$(cd "$top" && scripts/linux-source 6.12) || exit 1
schema=$ynl_dir/Documentation/netlink/genetlink-legacy.yaml
ynl() { # op-mode op json
	/usr/bin/python3 "$ynl_dir/tools/net/ynl/cli.py" --spec "$top/uapi/linux/meshtun.yaml" \
		--schema "$schema" --output-json "$@"
}
# A python expression on the dump: d the first device, peers its peers,
# ips(p) a peer's allowed IPs (6.12's YNL gives an indexed array as a
# list of {index: entry}).
on_dump() { # expression
	ynl --dump get-device --json '{"ifname": "mt0"}' >"$tmp/dump.json" &&
		/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))[0]
def entries(a): return [v for e in a for v in e.values()]
peers = entries(d.get('peers', []))
def ips(p): return entries(p.get('allowedips', []))
print($1)" "$tmp/dump.json"
}
hexkey() { # base64 key
	/usr/bin/python3 -c "import base64,sys; print(base64.b64decode(sys.argv[1]).hex())" "$1"
}

modprobe meshtun || exit 1
"$mtctl" genkey >"$tmp/priv"
"$mtctl" genkey | "$mtctl" pubkey >"$tmp/peer1"
"$mtctl" genkey | "$mtctl" pubkey >"$tmp/peer2"
p1=$(cat "$tmp/peer1") p2=$(cat "$tmp/peer2")
check "a device" ip link add mt0 type meshtun
check "configured with mtctl" "$mtctl" set dev mt0 private-key "$tmp/priv" listen-port 51820 \
	fwmark 0x42 peer "$p1" endpoint 192.0.2.1:51820 allowed-ips 10.1.0.0/24,fd00::/64 \
	peer "$p2" persistent-keepalive 25 allowed-ips 10.2.0.1/32
check "the spec loads, valid by the kernel's schema" ynl --list-ops

# What YNL reads is what mtctl shows.
check_eq "dump: listen port" "51820" "$(on_dump "d['listen-port']")"
check_eq "dump: fwmark" "66" "$(on_dump "d['fwmark']")"
check_eq "dump: public key" "$(hexkey "$("$mtctl" show dev mt0 public-key)")" \
	"$(on_dump "d['public-key']")"
check_eq "dump: the peers, by key" "$(printf '%s\n' "$(hexkey "$p1")" "$(hexkey "$p2")" | sort)" \
	"$(on_dump "'\\n'.join(sorted(p['public-key'] for p in peers))")"
check_eq "dump: the first peer's allowed IPs (family, length)" "10/64 2/24" \
	"$(on_dump "' '.join(sorted(f\"{a['family']}/{a['cidr-mask']}\" for p in peers \
		if p['public-key'] == '$(hexkey "$p1")' for a in ips(p)))")"
check_eq "dump: the second peer's keepalive" "25" \
	"$(on_dump "[p for p in peers if p['public-key'] == '$(hexkey "$p2")'][0] \
		['persistent-keepalive-interval']")"

# What YNL sets is what mtctl then shows.
check "set: listen port and fwmark" ynl --do set-device \
	--json '{"ifname": "mt0", "listen-port": 51999, "fwmark": 7}'
check_eq "mtctl sees the port" "51999" "$("$mtctl" show dev mt0 listen-port)"
check_eq "mtctl sees the fwmark" "0x7" "$("$mtctl" show dev mt0 fwmark)"
check "set: relay on" ynl --do set-device --json '{"ifname": "mt0", "relay": 1}'
check_eq "dump: relay" "1" "$(on_dump "d['relay']")"

# Refused as the kernel refuses mtctl: the attribute named, nothing changed.
"$mtctl" showconf dev mt0 >"$tmp/before"
ynl --do set-device --json '{"ifname": "mt0", "listen-port": 1, "private-key": "0011"}' \
	>"$tmp/bad.out" 2>&1
check "a short private key is refused, naming it" grep -qF "'bad-attr': '.private-key'" "$tmp/bad.out"
"$mtctl" showconf dev mt0 >"$tmp/after"
check "and nothing changed" cmp "$tmp/before" "$tmp/after"
ynl --do set-device --json '{"ifname": "no-such-dev", "fwmark": 1}' >"$tmp/nodev.out" 2>&1
check "a missing device is refused (ENODEV)" grep -qF "error: -19" "$tmp/nodev.out"

check "device removed" ip link del mt0
check "module unloads" modprobe -r meshtun
finish
