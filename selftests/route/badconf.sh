#!/bin/bash
# mtctl up with bad configuration files, failures half-way and a crash:
# each error names the file, line and key (or the word), and nothing of a
# failed `up` is left behind; after a crash, `down` removes all of it.
# usage: selftests/route/badconf.sh [asan]
. "$(dirname "$0")/lib.sh"

modprobe meshtun || exit 1
netns_add mtnet mtgw mtlap mtnode || exit 1
check "topology" topo_internet
GW_EXTRA=$'Gateway = wan\nForward = tcp/8080 -> 10.0.0.3:5201' check "configuration files" write_confs
snapshot mtgw >"$tmp/before"

# A bad line: the message names FILE:LINE: KEY, and nothing changes.
bad_case() { # desc want-in-message key-line
	local conf=$tmp/bad.conf out
	{ sed -n 1,2p "$tmp/gw.conf"; echo "$3"; sed -n '3,$p' "$tmp/gw.conf"; } >"$conf"
	out=$(up mtgw "$conf" 2>&1)
	if [ $? -ne 0 ] && grep -qF -- "$2" <<<"$out"; then
		mt_report 0 "$1" ""
	else
		mt_report 1 "$1" "want an error with: $2"$'\n'"got: $out"
	fi
	same_as "$1: nothing changed" mtgw "$tmp/before"
}
bad_case "a bad prefix" "bad.conf:3: Direct: \"10.0.0.0/33\": prefix length" "Direct = 10.0.0.0/33"
bad_case "a bad table" "bad.conf:3: Table:" "Table = sideways"
bad_case "a bad forward" "bad.conf:3: Forward:" "Forward = tcp/80 -> nowhere"
bad_case "an unknown user" "bad.conf:3: Users:" "Users = no-such-user-here"
bad_case "keys that disagree" "bad.conf: Users and BypassUsers" $'Users = 1000\nBypassUsers = 1001'
check_fails "a name that is not one" up mtgw 'bad name'
check "the message names it" sh -c "MTCTL_STATE_DIR=$tmp ip netns exec mtgw $mtctl up 'bad name' 2>&1 |
	grep -qF 'cannot parse \"bad name\"'"
check_fails "a missing file" up mtgw "$tmp/missing.conf"
check_fails "down of what is not up" down mtgw gw

# Failures half-way: everything installed so far is taken away again.
fail_late() { # desc extra-line
	local conf=$tmp/late.conf
	{ sed -n 1,2p "$tmp/gw.conf"; echo "$2"; sed -n '3,$p' "$tmp/gw.conf"; } >"$conf"
	check_fails "$1: up fails" up mtgw "$conf"
	same_as "$1: nothing left" mtgw "$tmp/before"
	check "$1: no record left" test ! -e "$tmp/state-mtgw/late.state"
}
fail_late "PostUp fails" "PostUp = false"
fail_late "PreUp fails" "PreUp = exit 3"
# An MTU the device does not take: refused by the kernel after the
# device, its keys and its address were made.
fail_late "an MTU too large for the device" "MTU = 65535"

# A crash after everything was installed: down still removes all of it.
{ sed -n 1,2p "$tmp/gw.conf"; echo "PostUp = kill -9 \$PPID"; sed -n '3,$p' "$tmp/gw.conf"; } \
	>"$tmp/crash.conf"
check_fails "up killed by its PostUp hook" up mtgw "$tmp/crash.conf"
check "the device is there" ip -n mtgw link show crash
check_fails "a second up refuses" up mtgw "$tmp/crash.conf"
check "down after the crash" down mtgw crash
same_as "after the crash and down: exactly as before" mtgw "$tmp/before"

# Hooks: %i is the interface; down runs PreDown and PostDown from the record.
{ sed -n 1,2p "$tmp/gw.conf"
  echo "PostUp = echo up %i >>$tmp/hooks"
  echo "PreDown = echo predown %i >>$tmp/hooks"
  echo "PostDown = echo postdown %i >>$tmp/hooks"
  sed -n '3,$p' "$tmp/gw.conf"; } >"$tmp/hk.conf"
check "hooks: up" up mtgw "$tmp/hk.conf"
rm "$tmp/hk.conf"
check "hooks: down without the file" down mtgw hk
check_eq "hooks ran in order" "up hk predown hk postdown hk" "$(tr '\n' ' ' <"$tmp/hooks" | sed 's/ $//')"
same_as "hooks: exactly as before" mtgw "$tmp/before"
check "module unloads" modprobe -r meshtun
route_finish
