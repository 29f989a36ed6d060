# shellcheck shell=bash
# selftests/lib.sh - helpers for the shell tests that run inside the VM.
#
#   check DESC CMD...        a case that passes when CMD succeeds
#   check_fails DESC CMD...  a case that passes when CMD fails
#   check_eq DESC WANT GOT   a case that passes when the strings are equal
#   netns_add NAME...        create network namespaces, deleted at exit
#                            (mt_cleanup_namespaces, which first stops the
#                            test's background jobs)
#   in_ns NS CMD...          run CMD inside namespace NS
#   veth NS1 DEV1 ADDR1 NS2 DEV2 ADDR2   a veth pair between two namespaces,
#                            addressed and up
#   iperf_server NS ADDR     a one-shot iperf3 server, once listening
#   tcp_test SRV_NS ADDR CLI_NS [SECONDS]  an iperf3 TCP run that must succeed
#   flood NS ADDR SECONDS [PING_OPTION...]  a ping flood from NS to ADDR in
#                            the background for SECONDS (its pid in
#                            $flood_pid), going on through errors
#   stop_job PID...          stop background jobs and what they started
#   finish                   print the plan; exit non-zero on any failure
#   mt_test_setup            $top (the tree), $mtctl (its tools/mtctl) and
#                            a private $tmp, removed at exit with the
#                            namespaces (for the tests' libraries)
#
# Each case prints one TAP line; a failed case prints the command's
# output as "#" lines below it.
set -u

mt_case=0
mt_failed=0
mt_namespaces=()

mt_report() { # status desc output
	mt_case=$((mt_case + 1))
	if [ "$1" = 0 ]; then
		echo "ok $mt_case - $2"
	else
		mt_failed=$((mt_failed + 1))
		echo "not ok $mt_case - $2"
		[ -z "$3" ] || sed 's/^/#   /' <<<"$3"
	fi
}

check() {
	local desc=$1 out
	shift
	out=$("$@" 2>&1)
	mt_report $? "$desc" "$out"
}

check_fails() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		mt_report 1 "$desc" "unexpectedly succeeded: $*"$'\n'"$out"
	else
		mt_report 0 "$desc" ""
	fi
}

check_eq() {
	if [ "$2" = "$3" ]; then
		mt_report 0 "$1" ""
	else
		mt_report 1 "$1" "want: $2"$'\n'"got:  $3"
	fi
}

# Stop background jobs and what they started: a job that runs a shell
# function (in_ns CMD &) runs CMD as a child, which killing the job alone
# would leave running.
stop_job() { # pid...
	local pid
	for pid in "$@"; do
		pkill -P "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

# The test's namespaces, and first what still runs in the background or
# in them (a flood, a server): nothing of one test may load the next.
mt_cleanup_namespaces() {
	local ns pids
	pids=$(jobs -p)
	[ -z "$pids" ] || stop_job $pids
	for ns in "${mt_namespaces[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -z "$pids" ] || kill $pids 2>/dev/null
	done
	for ns in "${mt_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	mt_namespaces=()
}
trap mt_cleanup_namespaces EXIT

netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || return 1
		mt_namespaces+=("$ns")
		ip -n "$ns" link set lo up
	done
}

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# The value of a link attribute, from `ip -j -d link show`.
link_attr() { # [ns] dev python-expression-on-the-link-dict
	local ns=() dev expr
	if [ $# -eq 3 ]; then ns=(-n "$1"); shift; fi
	dev=$1 expr=$2
	ip "${ns[@]}" -j -d link show dev "$dev" |
		python3 -c "import json,sys; l=json.load(sys.stdin)[0]; print($expr)"
}

finish() {
	echo "1..$mt_case"
	[ "$mt_failed" -eq 0 ]
}

veth() { # ns1 dev1 addr1 ns2 dev2 addr2
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
		ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" link set "$2" up &&
		ip -n "$4" addr add "$6" dev "$5" && ip -n "$4" link set "$5" up
}

# iperf_server NS ADDR: a one-shot iperf3 server, returning once it listens.
iperf_server() {
	in_ns "$1" iperf3 -s -1 -D -B "$2" >/dev/null || return 1
	local i
	for i in $(seq 50); do
		in_ns "$1" ss -Htln 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# tcp_test SERVER_NS ADDR CLIENT_NS [SECONDS]: an iperf3 TCP run that must succeed.
tcp_test() {
	iperf_server "$1" "$2" && in_ns "$3" iperf3 -c "$2" -t "${4:-2}" >/dev/null
}

# Not ping's own deadline (-w): with one, ping quits at its first error,
# such as the ICMP unreachable a removed peer brings, and the load a test
# means to keep up would be gone from then on.
# One ping a second until one is answered (each device is mt0 in its
# namespace). For a peer that forgot the session (removed and added
# again), or a handshake lost to a key change: the other side's data then
# goes nowhere until it shakes hands again, as in WireGuard, after at most
# keepalive timeout plus rekey timeout (15 s) without an answer. On
# failure, both sides' state goes to stderr.
wait_reach() { # ns peer-ns addr seconds
	local end=$((SECONDS + $4))
	while [ "$SECONDS" -lt "$end" ]; do
		in_ns "$1" ping -c 1 -W 1 "$3" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "$1 did not reach $3 in $4 s" >&2
	in_ns "$1" "$mtctl" show dev mt0 >&2
	in_ns "$2" "$mtctl" show dev mt0 >&2
	in_ns "$1" ethtool -S mt0 | grep -v ': 0$' >&2
	in_ns "$2" ethtool -S mt0 | grep -v ': 0$' >&2
	return 1
}

flood() { # ns addr seconds [ping options]
	local ns=$1 addr=$2 seconds=$3
	shift 3
	# Not through in_ns: $! is then ping's timeout itself.
	ip netns exec "$ns" timeout "$seconds" ping -q -f "$@" "$addr" >/dev/null 2>&1 &
	flood_pid=$!
}

mt_test_setup() {
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mtctl=$top/tools/mtctl
	umask 077
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"; mt_cleanup_namespaces' EXIT
}
