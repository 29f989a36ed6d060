# shellcheck shell=bash
# Where a test kernel's pieces are, for scripts that source this file with
# $top set to the tree: Debian's kernels in /boot and /lib/modules, the
# debug kernel (release ending in -mtdebug) in scripts/debug-kernel's
# directory.
#
#   kernel_image KVER    the bzImage to boot
#   kernel_build KVER    KDIR: the build tree external modules build against
#   kernel_modroot KVER  the root under which lib/modules/KVER lies
#   kernel_append KVER   extra kernel command line

is_debug_kernel() { [[ $1 == *-mtdebug ]]; }

debug_kernel_dir() {
	"$top/scripts/debug-kernel" --dir || {
		echo "kernel: the debug kernel is not built (scripts/debug-kernel)" >&2
		return 1
	}
}

kernel_image() {
	if is_debug_kernel "$1"; then
		echo "$(debug_kernel_dir)/bzImage"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

kernel_build() {
	if is_debug_kernel "$1"; then
		echo "$(debug_kernel_dir)/obj"
	else
		echo "/lib/modules/$1/build"
	fi
}

kernel_modroot() {
	if is_debug_kernel "$1"; then
		echo "$(debug_kernel_dir)/mod"
	else
		echo /
	fi
}

# A warning is a failure on the debug kernel: stop at the first one, with
# its report intact. kmemleak is scanned by the guest after the suite.
# acpi=noirq: PCI interrupts from the BIOS's routing table, because ACPI's
# _PRT method, interpreted under TCG with KASAN, exceeds the interpreter's
# loop timeout and leaves the virtio devices without interrupts.
# slub_debug: the socket buffer caches may fail on demand (failslab's
# cache filter, selftests/fuzz/faults.sh), with the default full debugging
# (FZPU) kept for them; every other cache keeps it too.
kernel_append() {
	if is_debug_kernel "$1"; then
		echo "panic_on_warn=1 acpi=noirq slub_debug=FZPUA,skbuff_head_cache,skbuff_fclone_cache"
	fi
}
