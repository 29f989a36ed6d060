# shellcheck shell=bash
# Where a test kernel's pieces are, for scripts that source this file with
# $top set to the tree: Debian's kernels in /boot and /lib/modules, the
# debug kernel (release ending in -mtdebug) and the KCSAN kernel (-mtkcsan)
# in scripts/debug-kernel's directories.
#
#   kernel_image KVER    the bzImage to boot
#   kernel_build KVER    KDIR: the build tree external modules build against
#   kernel_modroot KVER  the root under which lib/modules/KVER lies
#   kernel_append KVER   extra kernel command line

is_debug_kernel() { [[ $1 == *-mtdebug || $1 == *-mtkcsan ]]; }
is_kcsan_kernel() { [[ $1 == *-mtkcsan ]]; }

debug_kernel_dir() { # kver
	if is_kcsan_kernel "$1"; then
		"$top/scripts/debug-kernel" --kcsan --dir || {
			echo "kernel: the KCSAN kernel is not built (scripts/debug-kernel --kcsan)" >&2
			return 1
		}
		return 0
	fi
	"$top/scripts/debug-kernel" --dir || {
		echo "kernel: the debug kernel is not built (scripts/debug-kernel)" >&2
		return 1
	}
}

kernel_image() {
	if is_debug_kernel "$1"; then
		echo "$(debug_kernel_dir "$1")/bzImage"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

kernel_build() {
	if is_debug_kernel "$1"; then
		echo "$(debug_kernel_dir "$1")/obj"
	else
		echo "/lib/modules/$1/build"
	fi
}

kernel_modroot() {
	if is_debug_kernel "$1"; then
		echo "$(debug_kernel_dir "$1")/mod"
	else
		echo /
	fi
}

# A warning is a failure on the debug kernel: stop at the first one, with
# its report intact. kmemleak is scanned by the guest after the suite.
# acpi=noirq: PCI interrupts from the BIOS's routing table, because ACPI's
# _PRT method, interpreted under TCG with KASAN, exceeds the interpreter's
# loop timeout and leaves the virtio devices without interrupts.
# slub_debug: off ("-"), but for the socket buffer caches, which may fail
# on demand (failslab's cache filter, selftests/fuzz/faults.sh) and keep
# full debugging (FZPU). KASAN already finds what SLUB debugging would (a
# use after free, an access out of bounds, a double free), when it
# happens and with both stacks; SLUB debugging on every cache besides
# made the suite about a third slower (exec, namespaces, packets: measured
# with selftests/vm/run on this kernel, 268 and 309 s against 221 and 209).
#
# The KCSAN kernel must not panic on a warning: KCSAN honours panic_on_warn
# too, and would stop the guest at its first data-race report. Its
# warnings still fail the test that caused them (selftests/vm/run). KCSAN
# watches one access in about a thousand (default 4000), for up to 160 us
# in a task and 80 in an interrupt (defaults 80 and 20; meshtun receives
# in softirq): under single-threaded TCG the other vCPU runs only between
# QEMU's switches, so few watches see it, and the emulated CPU is slow.
# The tests take about a third longer for it.
kernel_append() {
	if is_kcsan_kernel "$1"; then
		echo "acpi=noirq kcsan.skip_watch=1000 kcsan.udelay_task=160 kcsan.udelay_interrupt=80"
	elif is_debug_kernel "$1"; then
		echo "panic_on_warn=1 acpi=noirq slub_debug=-;FZPUA,skbuff_head_cache,skbuff_fclone_cache"
	fi
}
