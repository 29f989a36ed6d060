#!/bin/bash
# A peer's ordered queues are bounded while the packet at their head is
# slow. A packet waits on its peer's queue until every one ahead of it is
# decrypted (or encrypted); if one at the head takes long (a peer's big,
# fragmented datagram, or a worker preempted), the others are still
# taken by the other CPUs' workers and pile up behind it. Unbounded, a
# peer with a session pins as much memory as it sends in that time. The
# self-test build holds the worker that took the first packet (b's
# decrypt worker, then a's encrypt worker) while a sends 3000 more: at
# most MT_MAX_QUEUED_PACKETS (1024) of them may be delivered once the
# worker goes on, the rest dropped and counted. On receive, every packet
# that arrived is counted once: delivered, or dropped where it was (GRO
# cells count their own drops; the module used to count them again).
. "$(dirname "$0")/lib.sh"

SENT=3000 BOUND=1024
selftest_module || exit 1
netns_add mtqa mtqb || exit 1

# Devices named apart: a race window holds only the named one's caller.
check "setup: a and b (devices mta0, mtb0)" lt_pair mtqa a mtqb b 33 mta0 mtb0
check "they talk" in_ns mtqa ping -c 2 -W 5 192.168.33.2

counter() { # ns dev counter
	in_ns "$1" cat "/sys/class/net/$2/statistics/$3"
}
# UDP datagrams b's sockets took (its meshtun socket's among them).
udp_in() {
	in_ns mtqb awk '/^Udp:/ { if (seen) print $2; seen = 1 }' /proc/net/snmp
}
# What came out of a peer's queue, in direction rx or tx: delivered, or
# dropped after it (GRO cells take at most netdev_max_backlog at once,
# a sudden burst of outer packets may not all be sent).
left_queue() { # ns dev rx|tx
	echo $(( $(counter "$1" "$2" "$3_packets") + $(counter "$1" "$2" "$3_dropped") +
		 $(counter "$1" "$2" "$3_errors") ))
}
# UDP datagrams from a to b's discard port, paced so that a's own rings
# keep up: COUNT of them. Held packets stay charged to the socket that
# sent them: its send buffer is made large enough (SO_SNDBUFFORCE) for
# all, as a router's forwarded packets or many sockets would be.
send_udp() { # count
	in_ns mtqa python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 64 << 20)
for i in range(int(sys.argv[1])):
    s.sendto(b"q" * 64, ("192.168.33.2", 9))
    if i % 16 == 15:
        time.sleep(0.005)
' "$1"
}
# Until COUNTER of DEV in NS stops moving.
settled() { # ns dev counter
	local a b i
	a=$(counter "$@")
	for i in $(seq 40); do
		sleep 0.5
		b=$(counter "$@")
		[ "$a" = "$b" ] && return 0
		a=$b
	done
	return 1
}

held() { # desc site ns dev rx|tx dropped-reason
	local out0 drops0 out drops arrived
	race_window "$2" 20000 "$4"
	send_udp 1
	check "$1: a worker holds the first packet" wait_window "$2"
	out0=$(left_queue "$3" "$4" "$5")
	arrived=$(udp_in)
	drops0=$(drop_count "$3" "$4" "$6")
	check "$1: a sends $SENT more" send_udp "$SENT"
	sleep 2
	check "$1: released" release_window "$2"
	check "$1: the queue has drained" settled "$3" "$4" "$5_packets"
	out=$(( $(left_queue "$3" "$4" "$5") - out0 ))
	drops=$(( $(drop_count "$3" "$4" "$6") - drops0 ))
	echo "# $1: $out left the queue, $drops dropped before it ($6)"
	if [ "$5" = rx ]; then
		# The held packet had arrived before the count began.
		arrived=$(( $(udp_in) - arrived + 1 ))
		check "$1: each arrival counted once ($arrived arrived, $out + $drops counted)" \
			test $((out + drops - arrived)) -ge -2 -a $((out + drops - arrived)) -le 2
	fi
	check "$1: at most $BOUND were queued (got $out)" test "$out" -le $((BOUND + 2))
	check "$1: the rest dropped and counted as $6 (got $drops)" \
		test "$drops" -ge $((SENT - BOUND - SENT / 10))
}
dmesg -C
held "b's decrypt worker held" decrypt-packet mtqb mtb0 rx rx_queue_full
held "a's encrypt worker held" encrypt-packet mtqa mta0 tx tx_queue_full
check "they talk afterwards" in_ns mtqa ping -c 2 -W 5 192.168.33.2
mt_cleanup_namespaces
check "the module unloads" sh -c \
	'for i in $(seq 50); do rmmod meshtun 2>/dev/null && exit 0; sleep 0.2; done; exit 1'
finish
