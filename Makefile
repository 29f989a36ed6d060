# SPDX-License-Identifier: GPL-2.0
# meshtun: top-level build.
#
#   make                 meshtun.ko for KDIR, and mtctl
#   make install         install both (module under updates/, then depmod)
#   make check           build for every test kernel (and the debug kernel),
#                        run the suite in QEMU
#   make lint            checkpatch.pl --strict and sparse on kmod/
#   make demo            boot the VM and show a meshtun device at work
#   make bench           benchmarks (figures against kernel WireGuard, on 6.1 and 6.12)
#   make fuzz            the fuzzers, longer (MT_FUZZ_SECONDS, MT_FUZZ_PACKETS)
#   make kcsan           the KCSAN kernel, and the stress and lifetime tests on
#                        it; reports data races meshtun takes part in
#   make clean
#
# KDIR defaults to the running kernel's build directory and falls back to
# the newest installed test kernel's headers when that is absent.

KVER ?= $(shell uname -r)
ifeq ($(origin KDIR),undefined)
  ifneq ($(wildcard /lib/modules/$(KVER)/build),)
    KDIR := /lib/modules/$(KVER)/build
  else
    KVER := $(lastword $(shell selftests/vm/kernels 2>/dev/null))
    KDIR := /lib/modules/$(KVER)/build
  endif
endif
PREFIX ?= /usr/local
DESTDIR ?=

all: module tools

module:
	@test -d "$(KDIR)" || { echo "no kernel headers at KDIR=$(KDIR): run scripts/install-deps or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

# The module for every test kernel, each in its own copy of the sources
# under build/kmod/KVER (W=1, any compiler warning fails the build).
modules-all:
	scripts/build-modules

install: module tools
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

check:
	scripts/check

lint:
	scripts/lint

demo:
	scripts/demo

bench:
	scripts/bench

fuzz:
	scripts/fuzz

kcsan:
	scripts/kcsan

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools clean
	rm -rf build

.PHONY: all module tools modules-all install check lint demo bench fuzz kcsan clean
