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
# Every call but the first skips the schema: validating the spec takes
# half of each run of the CLI, and the first call already did (a python
# start is seconds on the guest).
ynl() { # op-mode op json
	/usr/bin/python3 "$ynl_dir/tools/net/ynl/cli.py" --spec "$top/uapi/linux/meshtun.yaml" \
		--no-schema --output-json "$@"
}
# One dump of mt0, read once into NAME=VALUE lines (the fields the checks
# compare, peers named by the hex keys given): $tmp/dump.
dump() { # hex-key-of-peer1 hex-key-of-peer2
	ynl --dump get-device --json '{"ifname": "mt0"}' >"$tmp/dump.json" &&
		/usr/bin/python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))[0]
# 6.12's YNL gives an indexed array as a list of {index: entry}.
def entries(a): return [v for e in a for v in e.values()]
peers = {p['public-key']: p for p in entries(d.get('peers', []))}
p1, p2 = peers.get(sys.argv[2], {}), peers.get(sys.argv[3], {})
print('listen-port=%s' % d.get('listen-port'))
print('fwmark=%s' % d.get('fwmark'))
print('relay=%s' % d.get('relay'))
print('public-key=%s' % d.get('public-key'))
print('peers=%s' % ' '.join(sorted(peers)))
print('peer1-ips=%s' % ' '.join(sorted('%s/%s' % (a['family'], a['cidr-mask'])
                                       for a in entries(p1.get('allowedips', [])))))
print('peer2-keepalive=%s' % p2.get('persistent-keepalive-interval'))
" "$tmp/dump.json" "$1" "$2" >"$tmp/dump"
}
field() { sed -n "s/^$1=//p" "$tmp/dump"; }
hexkey() { # base64 key
	base64 -d <<<"$1" | od -An -v -tx1 | tr -d ' \n'
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
check "the spec loads, valid by the kernel's schema" \
	/usr/bin/python3 "$ynl_dir/tools/net/ynl/cli.py" --spec "$top/uapi/linux/meshtun.yaml" \
	--schema "$schema" --list-ops

# What YNL reads is what mtctl shows.
h1=$(hexkey "$p1") h2=$(hexkey "$p2")
check "dump" dump "$h1" "$h2"
check_eq "dump: listen port" "51820" "$(field listen-port)"
check_eq "dump: fwmark" "66" "$(field fwmark)"
check_eq "dump: public key" "$(hexkey "$("$mtctl" show dev mt0 public-key)")" \
	"$(field public-key)"
check_eq "dump: the peers, by key" "$(printf '%s\n' "$h1" "$h2" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"$(field peers)"
check_eq "dump: the first peer's allowed IPs (family, length)" "10/64 2/24" "$(field peer1-ips)"
check_eq "dump: the second peer's keepalive" "25" "$(field peer2-keepalive)"

# What YNL sets is what mtctl then shows.
check "set: listen port and fwmark" ynl --do set-device \
	--json '{"ifname": "mt0", "listen-port": 51999, "fwmark": 7}'
check_eq "mtctl sees the port" "51999" "$("$mtctl" show dev mt0 listen-port)"
check_eq "mtctl sees the fwmark" "0x7" "$("$mtctl" show dev mt0 fwmark)"
check "set: relay on" ynl --do set-device --json '{"ifname": "mt0", "relay": 1}'
check "dump again" dump "$h1" "$h2"
check_eq "dump: relay" "1" "$(field relay)"

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
