#!/bin/bash
# mtctl's parsers under libFuzzer with ASan and UBSan (build/tests/fuzz-mtctl,
# see selftests/fuzz/mtctl.c), on the host, for SECONDS (default 30),
# starting from the seed inputs in selftests/fuzz/corpus/mtctl. Prints TAP.
# A finding is saved as build/fuzz/mtctl-crash-* and printed.
#
# usage: selftests/fuzz/mtctl.sh [SECONDS]
top=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
out=$top/build/fuzz
mkdir -p "$out/corpus-mtctl"
log=$out/mtctl.log
# New inputs go to build/fuzz (kept between runs); the seeds stay as they are.
"$top/build/tests/fuzz-mtctl" -max_total_time="$seconds" -print_final_stats=1 \
	-artifact_prefix="$out/mtctl-" "$out/corpus-mtctl" "$top/selftests/fuzz/corpus/mtctl" \
	>"$log" 2>&1
status=$?
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
if [ "$status" -eq 0 ] && [ -n "$runs" ]; then
	echo "ok 1 - libFuzzer on mtctl's parsers: $runs inputs in $seconds s, no finding"
else
	echo "not ok 1 - libFuzzer on mtctl's parsers: a finding (exit status $status)"
	grep -v '^#\|^ *"' "$log" | tail -n 40 | sed 's/^/# /'
	ls "$out"/mtctl-* 2>/dev/null | sed 's/^/# saved: /'
fi
echo "1..1"
[ "$status" -eq 0 ] && [ -n "$runs" ]
