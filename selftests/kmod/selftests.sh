#!/bin/bash
# The in-module self-tests: load the MT_SELFTEST=y build of meshtun.ko,
# whose initialisation runs them and fails the load if any fails.
. "$(dirname "$0")/../lib.sh"

ko=build/kmod-selftest/$(uname -r)/meshtun.ko
modprobe -r meshtun 2>/dev/null
# insmod does not load dependencies: load those the module lists first.
for dep in $(modinfo -F depends "$ko" | tr , ' '); do
	modprobe "$dep"
done
dmesg -C
# The debug kernel instruments every memory access: a tenth of the lookups.
params=()
[[ $(uname -r) == *-mtdebug ]] && params=(selftest_lookups=3000)
check "the self-test build loads (its self-tests pass)" insmod "$ko" "${params[@]}"
log=$(dmesg)
check "the allowed-IPs trie agrees with the reference" \
	grep -q 'allowedips self-test: [0-9]* lookups agree with the reference' <<<"$log"
check_fails "no self-test reported a failure" grep -q 'self-test.*FAILED' <<<"$log"
check "it unloads" rmmod meshtun
finish
