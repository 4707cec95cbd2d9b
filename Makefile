# SPDX-License-Identifier: GPL-2.0-only
#
# vfio-dirty-selftests: conformance tests for VFIO type1 dirty page tracking.
#
#   make                 build every test binary into $(OUTPUT) (build/dynamic)
#   make STATIC=1        the same, statically linked (the VM lab uses this): build/static
#   make SANITIZE=1      with ASan and UBSan, any error fatal: build/sanitize; make unit runs them
#   make CC=clang        clang: build/dynamic-clang
#   make LLVM=1          clang as lib.mk reads LLVM= (LLVM=-14, LLVM=/path/): build/dynamic-llvm
#   make CROSS_COMPILE=aarch64-linux-gnu-   a cross build (ARCH=arm64 with LLVM=1)
#   make CFLAGS=... CPPFLAGS=... LDFLAGS=... LDLIBS=...   added to the project's flags
#   make WERROR=0        warnings are not errors (they are by default, with every compiler)
#   make NO_URING=1      without liburing: dirty_stress_test submits with pwrite() instead
#   make install INSTALL_PATH=dir   the suite's folder: runner.sh, the binaries, tests.list
#   make kselftest-install INSTALL_PATH=dir   run_kselftest.sh, kselftest-list.txt, vfio_dirty/
#   make gen_tar INSTALL_PATH=dir   that, as dir/kselftest-packages/kselftest.tar.gz (FORMAT=)
#   make check           host unit tests, static checks, builds, and the VM lab
#   make lab             the suite in the VM lab (KERNELS=, LAB_KERNEL=, ...)
#   make lab-kernel      a small lab kernel from source (KSRC=, KSOURCE=, KCONFIG_BASE=, FLAVOUR=)
#   make lab KERNEL=source   the suite in the VM lab on those kernels
#   make lab-fixes       the same type1 kernel with fixtures/kernel/patches/ applied
#   make bench           dirty_bench in the VM lab; make bench-plot draws its CSVs
#   make lab-migrate     QEMU 10 in the guest migrates a VM with the test mdev
#                        (KERNELS=, LAB_BROKEN=1: the broken type1 module)
#
# The kselftest harness is taken, in this order, from KSFT_DIR=, from
# KSRC=<kernel tree>, from the enclosing kernel tree when this folder sits at
# tools/testing/selftests/vfio_dirty/, else from Debian's linux-source-6.12
# extracted into .cache/ (fixtures/ksrc.sh). It is never committed.
#
# In a kernel tree (tools/testing/selftests/vfio_dirty/) the suite builds
# through the kernel's lib.mk (fixtures/build/kselftest.mk), so that
# "make -C tools/testing/selftests TARGETS=vfio_dirty run_tests" and
# kselftest-install work; KSELFTEST=0 there builds it standalone.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
.DEFAULT_GOAL := all

# The test binaries, one a line: a new binary is one more line.
TESTS := dirty_caps_test
TESTS += dirty_ioctl_test
TESTS += dirty_iommu_backed_test
TESTS += dirty_pinned_test
TESTS += dirty_dma_rw_test
TESTS += dirty_scope_test
TESTS += dirty_unmap_test
TESTS += dirty_limits_test
TESTS += dirty_pagesize_test
TESTS += dirty_device_dma_test
TESTS += dirty_stress_test
TESTS += dirty_fuzz_test
TESTS += dirty_iommufd_test
# needs an edu on vfio_dirty_pci (fixtures/kmod)
TESTS += dirty_scope_pci_test
TESTS += dirty_dma_logging_test
TESTS += dirty_migration_test
# the test mdev's vfio-pci types and sysfs trigger (fixtures/kmod)
TESTS += dirty_mdev_pci_test
# needs VFIO_DIRTY_QEMU and two mdevs of a -qemu type (issue 14)
TESTS += dirty_qemu_migration_test
TESTS += dirty_fault_test
# Last: its opt-in cases may leave the kernel damaged (VFIO_DIRTY_SPLAT=1).
TESTS += dirty_pin_unsafe_test

# Tests that are scripts, run whole by the runner.
SCRIPT_TESTS := mdev_fixture_test.sh
UNIT_TESTS := lib_unit_test setup_unit_test dma_unit_test qmp_unit_test

# The io_uring start of a prepared transfer: only dirty_stress_test links liburing.
# NO_URING=1 (no liburing for the target, e.g. arm64 on Debian 12) builds it
# with -DVD_NO_URING: its commands and register writes go through pwrite().
URING_TESTS := dirty_stress_test
ifeq ($(NO_URING),1)
NO_URING_TESTS := $(URING_TESTS)
URING_TESTS :=
endif

ifneq ($(wildcard $(TOP)/../lib.mk),)
KSELFTEST ?= 1
endif

ifeq ($(KSELFTEST),1)
# lib.mk chooses CC and OUTPUT; objects and binaries go to $(B).
include $(TOP)/fixtures/build/kselftest.mk
else
include $(TOP)/fixtures/build/toolchain.mk

ifneq ($(KSFT_DIR),)
KSFT_INC := $(KSFT_DIR)
else ifneq ($(KSRC),)
KSFT_INC := $(KSRC)/tools/testing/selftests
else ifneq ($(wildcard $(TOP)/../kselftest_harness.h),)
KSFT_INC := $(abspath $(TOP)/..)
else
# Resolved on first use only, so "make clean" downloads nothing.
KSFT_INC = $(eval KSFT_INC := $(shell $(TOP)/fixtures/ksrc.sh harness))$(KSFT_INC)
endif

ifeq ($(SANITIZE),1)
ifeq ($(STATIC),1)
$(error SANITIZE=1 STATIC=1: ASan and UBSan cannot link statically)
endif
BUILD_KIND := sanitize
else ifeq ($(STATIC),1)
BUILD_KIND := static
else
BUILD_KIND := dynamic
endif
OUTPUT ?= $(TOP)/build/$(BUILD_KIND)$(VD_VARIANT)
B := $(OUTPUT)
VD_CFLAGS := -D_GNU_SOURCE
endif

# The project's flags. CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS of the command
# line or the environment come after them: they add, and can override.
VD_CFLAGS += -O2 -g -std=gnu11 -Wall -Wextra $(if $(filter 0,$(WERROR)),,-Werror)
VD_CFLAGS += -fmacro-prefix-map=$(TOP)/= $(VD_TARGET_FLAGS) $(VD_CLANG_CFLAGS)
VD_CPPFLAGS = -I$(TOP)/selftests/lib/include -I$(TOP)/fixtures/kmod $(VD_KHDR) \
	-isystem $(KSFT_INC) -MMD -MP
VD_LDFLAGS := $(VD_TARGET_FLAGS)
VD_LDLIBS := -lpthread
ifeq ($(STATIC),1)
VD_LDFLAGS += -static
endif
ifeq ($(SANITIZE),1)
VD_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
VD_CFLAGS += $(VD_SANITIZE)
VD_LDFLAGS += $(VD_SANITIZE)
endif
.PHONY: print-sanitize-flags
print-sanitize-flags:
	@echo $(VD_SANITIZE)

VD_COMPILE = $(VD_NEED_URING)$(CC) $(VD_CPPFLAGS) $(CPPFLAGS) $(VD_CFLAGS) $(CFLAGS)
VD_LINK = $(CC) $(VD_CFLAGS) $(CFLAGS) $(VD_LDFLAGS) $(LDFLAGS)

# dirty_iommufd_test and the library (lib/iommufd.c, and the IOAS of the
# native iommufd mode) need the iommufd uAPI and the mock IOMMU's
# iommufd_test.h from a kernel tree (Debian 12's libc headers are 6.1): the
# same tree as the harness, else Debian's linux-source-6.12
# (fixtures/kernel/headers.sh); IOMMUFD_INC=dir gives a folder holding
# linux/iommufd.h and iommufd_test.h. Resolved on first use only.
ifeq ($(IOMMUFD_INC),)
ifeq ($(KSELFTEST),1)
IOMMUFD_TREE := $(abspath $(TOP)/../../../..)
else ifneq ($(KSRC),)
IOMMUFD_TREE := $(KSRC)
else ifneq ($(wildcard $(TOP)/../kselftest_harness.h),)
IOMMUFD_TREE := $(abspath $(TOP)/../../../..)
else ifneq ($(KSFT_DIR),)
IOMMUFD_TREE := $(abspath $(KSFT_DIR)/../../..)
ifeq ($(wildcard $(IOMMUFD_TREE)/include/uapi/linux/iommufd.h),)
# KSFT_DIR= downloads nothing: without a tree around it, say what is missing.
VD_IOMMUFD_ERROR := KSFT_DIR=$(KSFT_DIR) has no kernel tree around it for linux/iommufd.h \
	and iommufd_test.h: give KSRC=tree or IOMMUFD_INC=dir
endif
endif
ifneq ($(VD_IOMMUFD_ERROR),)
IOMMUFD_INC = $(error $(VD_IOMMUFD_ERROR))
else
IOMMUFD_INC = $(eval IOMMUFD_INC := $(shell $(VD_HEADERS_ENV) \
	$(TOP)/fixtures/kernel/headers.sh $(IOMMUFD_TREE)))$(IOMMUFD_INC)
endif
endif

LIB_SRCS := $(filter-out %/iommufd_mock.c %/dma_uring.c,\
	$(wildcard $(TOP)/selftests/lib/*.c $(TOP)/selftests/lib/drivers/*.c))
LIB_OBJS := $(patsubst $(TOP)/selftests/lib/%.c,$(B)/lib/%.o,$(LIB_SRCS))
# Only the mock IOMMU's object needs iommufd_test.h, and only
# dirty_iommufd_test and dirty_bench link it.
MOCK_OBJ := $(B)/lib/iommufd_mock.o
URING_OBJ := $(B)/lib/dma_uring.o
# DMA drivers kept out of this tree (a vendor's own device): every .c of
# EXTRA_DRIVERS=dir is built into the suite; each registers itself with
# DMA_DRIVER_REGISTER() (selftests/lib/include/dma_driver.h).
EXTRA_DRIVERS ?=
ifneq ($(EXTRA_DRIVERS),)
EXTRA_SRCS := $(wildcard $(abspath $(EXTRA_DRIVERS))/*.c)
ifeq ($(EXTRA_SRCS),)
$(error EXTRA_DRIVERS=$(EXTRA_DRIVERS): no .c file there)
endif
EXTRA_OBJS := $(patsubst %.c,$(B)/extra/%.o,$(notdir $(EXTRA_SRCS)))
LIB_OBJS += $(EXTRA_OBJS)
vpath %.c $(abspath $(EXTRA_DRIVERS))
endif

TEST_BINS := $(addprefix $(B)/,$(TESTS))
UNIT_BINS := $(addprefix $(B)/,$(UNIT_TESTS))
# Binaries that link the library alone, and each one's own object.
PLAIN_BINS := $(filter-out $(B)/dirty_iommufd_test $(addprefix $(B)/,$(URING_TESTS)),$(TEST_BINS))
TEST_OBJS := $(addsuffix .o,$(TEST_BINS) $(B)/dirty_bench)
UNIT_OBJS := $(addsuffix .o,$(UNIT_BINS))
IOMMUFD_OBJS := $(LIB_OBJS) $(MOCK_OBJ) $(URING_OBJ) $(TEST_OBJS) $(UNIT_OBJS)

.PHONY: check unit checkpatch lab harness iommufd-headers lab-kernel bench bench-plot
.PHONY: kselftest-install gen_tar

harness:
	@test -f $(KSFT_INC)/kselftest_harness.h || \
		{ echo "no kselftest_harness.h in $(KSFT_INC)" >&2; exit 1; }

$(IOMMUFD_OBJS): VD_CPPFLAGS += -isystem $(IOMMUFD_INC)
$(IOMMUFD_OBJS): | iommufd-headers
iommufd-headers:
	@test -f "$(IOMMUFD_INC)/iommufd_test.h" || \
		{ echo "no iommufd_test.h (fixtures/kernel/headers.sh failed)" >&2; exit 1; }

$(B)/lib/%.o: $(TOP)/selftests/lib/%.c | harness
	@mkdir -p $(dir $@)
	$(VD_COMPILE) -c -o $@ $<

$(B)/extra/%.o: %.c | harness
	@mkdir -p $(dir $@)
	$(VD_COMPILE) -c -o $@ $<

$(B)/%_unit_test.o: $(TOP)/selftests/unit/%_unit_test.c | harness
	@mkdir -p $(dir $@)
	$(VD_COMPILE) -DCAPABILITIES_FILE='"$(TOP)/selftests/capabilities"' -c -o $@ $<

$(B)/%.o: $(TOP)/selftests/%.c | harness
	@mkdir -p $(dir $@)
	$(VD_COMPILE) -c -o $@ $<

# liburing: one clear line when it is missing, before anything of it
# compiles: a program calling it must compile and link as the test will (a
# cross compiler may find the host's liburing.h, and no library to link).
VD_URING_OK = $(shell printf '\043include <liburing.h>\nint main(void) { struct io_uring r; \
	return io_uring_queue_init(1, &r, 0); }\n' | \
	$(CC) $(filter-out -MMD -MP,$(VD_CPPFLAGS)) $(CPPFLAGS) $(VD_CFLAGS) $(CFLAGS) \
	$(VD_LDFLAGS) $(LDFLAGS) -x c - -o /dev/null -luring > /dev/null 2>&1 && echo yes)
$(addsuffix .o,$(addprefix $(B)/,$(URING_TESTS))) $(URING_OBJ): VD_NEED_URING = \
	$(if $(VD_URING_OK),,$(error $(URING_TESTS) needs liburing, which $(CC) cannot compile and \
	link: install liburing-dev (fixtures/deps.sh), or build without it: make NO_URING=1))
$(addprefix $(B)/,$(URING_TESTS)): VD_LDLIBS += -luring
$(addprefix $(B)/,$(URING_TESTS)): $(B)/%: $(B)/%.o $(LIB_OBJS) $(URING_OBJ)
	$(VD_LINK) -o $@ $^ $(VD_LDLIBS) $(LDLIBS)
$(addsuffix .o,$(addprefix $(B)/,$(NO_URING_TESTS))): VD_CPPFLAGS += -DVD_NO_URING

$(B)/dirty_iommufd_test: $(B)/dirty_iommufd_test.o $(LIB_OBJS) $(MOCK_OBJ)
	$(VD_LINK) -o $@ $^ $(VD_LDLIBS) $(LDLIBS)

$(PLAIN_BINS) $(UNIT_BINS): $(B)/%: $(B)/%.o $(LIB_OBJS)
	$(VD_LINK) -o $@ $^ $(VD_LDLIBS) $(LDLIBS)

# Not a test: the cases fixtures/build/test-wrap.sh runs, some failing by design.
$(B)/wrap_fixture.o: $(TOP)/selftests/unit/wrap_fixture.c | harness
	@mkdir -p $(dir $@)
	$(VD_COMPILE) -c -o $@ $<
$(B)/wrap_fixture: $(B)/wrap_fixture.o $(LIB_OBJS)
	$(VD_LINK) -o $@ $^ $(VD_LDLIBS) $(LDLIBS)

# dirty_bench: a tool, not a test (not installed with the suite, not in
# tests.list); make bench runs it in the VM lab (fixtures/bench/).
$(B)/dirty_bench: $(B)/dirty_bench.o $(LIB_OBJS) $(MOCK_OBJ)
	$(VD_LINK) -o $@ $^ $(VD_LDLIBS) $(LDLIBS)

# The suite's folder, as runner.sh runs it: $(1) is the folder.
define VD_INSTALL_SUITE
	install -d $(1) $(1)/runner
	install -m 0755 $(TEST_BINS) $(1)/
	install -m 0755 $(TOP)/runner.sh $(TOP)/fixtures/kmod/mdev_fixture_test.sh $(1)/
	install -m 0644 $(wildcard $(TOP)/runner/*) $(1)/runner/
	install -m 0644 $(TOP)/config $(TOP)/settings $(TOP)/selftests/xfail \
		$(wildcard $(TOP)/selftests/requirements $(TOP)/selftests/capabilities \
		$(TOP)/selftests/splats) $(1)/
	printf '%s\n' $(SCRIPT_TESTS) $(TESTS) > $(1)/tests.list
	git -C $(TOP) describe --always --dirty > $(1)/version 2> /dev/null || \
		echo unknown > $(1)/version
endef

# A kselftest collection's own entries: each test's name is a copy of
# fixtures/build/ksft-test.sh, which runs it through suite/runner.sh.
define VD_INSTALL_WRAPPERS
	install -d $(1)
	for t in $(SCRIPT_TESTS) $(TESTS); do \
		install -m 0755 $(TOP)/fixtures/build/ksft-test.sh $(1)/$$t || exit 1; \
	done
endef

ifeq ($(KSELFTEST),1)
# The collection's entries and its suite folder (fixtures/build/kselftest.mk).
$(OUTPUT)/suite: $(TEST_BINS) $(TOP)/runner.sh $(wildcard $(TOP)/runner/*) $(TOP)/selftests/xfail
	rm -rf $@
	$(call VD_INSTALL_SUITE,$@)

$(TEST_GEN_PROGS): $(OUTPUT)/suite $(TOP)/fixtures/build/ksft-test.sh
	install -m 0755 $(TOP)/fixtures/build/ksft-test.sh $@
else
.PHONY: all install clean emit_tests
all: $(TEST_BINS) $(B)/dirty_bench

install: $(TEST_BINS)
	@test -n "$(INSTALL_PATH)" || { echo "usage: make install INSTALL_PATH=dir" >&2; exit 1; }
	$(call VD_INSTALL_SUITE,$(INSTALL_PATH))

# For the kernel's kselftest Makefile: one "collection:test" line per test.
emit_tests:
	@for t in $(SCRIPT_TESTS) $(TESTS); do echo "$(or $(COLLECTION),vfio_dirty):$$t"; done

# The tree "make kselftest-install" of a kernel writes, with this suite as
# its one collection: run_kselftest.sh and kselftest/ from the harness's
# tree, kselftest-list.txt, and vfio_dirty/ (one entry per test, config,
# settings, and the suite in vfio_dirty/suite/).
KSFT_RUNNER_FILES := run_kselftest.sh kselftest/runner.sh kselftest/prefix.pl \
	kselftest/ktap_helpers.sh kselftest/module.sh
ifeq ($(KSFT_DIR)$(KSRC)$(wildcard $(TOP)/../kselftest_harness.h),)
KSFT_RUNNER_DIR = $(eval KSFT_RUNNER_DIR := \
	$(shell $(TOP)/fixtures/ksrc.sh runner))$(KSFT_RUNNER_DIR)
else
KSFT_RUNNER_DIR = $(KSFT_INC)
endif
kselftest-install: $(TEST_BINS) | harness
	@test -n "$(INSTALL_PATH)" || \
		{ echo "usage: make kselftest-install INSTALL_PATH=dir" >&2; exit 1; }
	@for f in $(KSFT_RUNNER_FILES); do test -f $(KSFT_RUNNER_DIR)/$$f || \
		{ echo "$(KSFT_RUNNER_DIR) has no $$f (KSFT_DIR= needs a selftests folder" \
		"with run_kselftest.sh)" >&2; \
		exit 1; }; done
	install -d $(INSTALL_PATH)/kselftest
	install -m 0744 $(KSFT_RUNNER_DIR)/run_kselftest.sh $(INSTALL_PATH)/
	install -m 0744 $(addprefix $(KSFT_RUNNER_DIR)/,$(filter kselftest/%,$(KSFT_RUNNER_FILES))) \
		$(INSTALL_PATH)/kselftest/
	$(call VD_INSTALL_WRAPPERS,$(INSTALL_PATH)/vfio_dirty)
	install -m 0644 $(TOP)/config $(TOP)/settings $(INSTALL_PATH)/vfio_dirty/
	rm -rf $(INSTALL_PATH)/vfio_dirty/suite
	$(call VD_INSTALL_SUITE,$(INSTALL_PATH)/vfio_dirty/suite)
	$(MAKE) -s --no-print-directory -C $(TOP) emit_tests COLLECTION=vfio_dirty \
		> $(INSTALL_PATH)/kselftest-list.txt

# As the kernel's gen_tar: the kselftest-install tree in one archive.
FORMAT ?= .gz
gen_tar: kselftest-install
	@mkdir -p $(INSTALL_PATH)/kselftest-packages
	tar caf $(abspath $(INSTALL_PATH)/kselftest-packages/kselftest.tar$(FORMAT)) \
		--exclude=kselftest-packages -C $(INSTALL_PATH) .

clean:
	rm -rf $(TOP)/build
endif

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done

checkpatch:
	@$(TOP)/fixtures/checkpatch.sh

# A small kernel for the VM lab from KSRC= (default: Debian's newest
# linux-source-N, KSOURCE=6.12 for linux-source-6.12), tinyconfig
# (KCONFIG_BASE=defconfig) + config + fixtures/kernel/lab.config,
# FLAVOUR=compat for iommufd's /dev/vfio/vfio.
# Cached in .cache/kernel/<hash>/: a second run is a no-op.
LAB_KERNEL_BUILD = KSRC="$(KSRC)" KSOURCE="$(KSOURCE)" KCONFIG_BASE="$(KCONFIG_BASE)" \
	FLAVOUR="$(FLAVOUR)" $(TOP)/fixtures/kernel/build.sh
lab-kernel:
	@$(TOP)/fixtures/deps.sh
	$(LAB_KERNEL_BUILD)

# make lab KERNEL=source: boot those kernels instead of Debian's, the type1
# one with the whole suite, the compat one without an IOMMU for the mock
# IOMMU and compat container tests (fixtures/kernel/lab-source.sh).
ifeq ($(KERNEL),source)
LAB_RUN = KSRC="$(KSRC)" KSOURCE="$(KSOURCE)" KCONFIG_BASE="$(KCONFIG_BASE)" \
	FLAVOUR="$(FLAVOUR)" $(TOP)/fixtures/kernel/lab-source.sh
else
LAB_RUN = $(TOP)/fixtures/lab/lab.sh
endif

# make lab SANITIZE=1: the suite built with ASan and UBSan, dynamically
# linked (the sanitizers cannot link statically; the initramfs takes the
# shared libraries the binaries need), in its own install folder.
ifeq ($(SANITIZE),1)
LAB_SUITE_DIR := $(TOP)/.cache/suite-sanitize
LAB_BUILD := SANITIZE=1
else
LAB_SUITE_DIR := $(TOP)/.cache/suite
LAB_BUILD := STATIC=1
endif

# make lab-fixes: the type1 source kernel with fixtures/kernel/patches/
# applied (fixtures/kernel/fixes.sh builds it incrementally from the type1
# tree), booted with the suite and compared with the type1 boot's results
# (fixtures/kernel/fixes-diff.sh). FLAVOUR="type1 fixes" boots the
# unpatched type1 kernel first, when the cache has no boot of it.
.PHONY: lab-fixes
lab-fixes:
	$(MAKE) -C $(TOP) lab KERNEL=source FLAVOUR="$(or $(FLAVOUR),fixes)"

lab:
	@$(TOP)/fixtures/deps.sh
	$(MAKE) -C $(TOP) KSELFTEST=0 $(LAB_BUILD) install INSTALL_PATH=$(LAB_SUITE_DIR)
	LAB_SUITE="$(SUITE)" $(LAB_RUN) --suite $(LAB_SUITE_DIR) $(KERNELS)

# make lab-migrate: dirty_qemu_migration_test alone in the VM lab, QEMU 10
# inside each guest (fixtures/lab/lab-migrate.sh), on KERNELS (default 6.12
# 6.1 7) and the source kernels in the cache (LAB_MIGRATE_SOURCE=auto|0|1);
# LAB_BROKEN=1: one boot (6.12) with a vfio_iommu_type1.ko that does not
# mark vfio_dma_rw() writes dirty, which must fail naming the lost pages.
.PHONY: lab-migrate
lab-migrate:
	@$(TOP)/fixtures/deps.sh
	$(MAKE) -C $(TOP) KSELFTEST=0 $(LAB_BUILD) install INSTALL_PATH=$(LAB_SUITE_DIR)
	LAB_BROKEN="$(LAB_BROKEN)" $(TOP)/fixtures/lab/lab-migrate.sh --suite $(LAB_SUITE_DIR) $(KERNELS)

# dirty_bench in the VM lab on KERNELS (default 6.12 6.1): build/bench/<uname-r>.csv
# and .log, then the headline figures; make bench-plot draws them with gnuplot
# (fixtures/bench/).
bench:
	@$(TOP)/fixtures/deps.sh
	$(TOP)/fixtures/bench/bench-in-lab.sh $(or $(KERNELS),6.12 6.1)

bench-plot:
	@command -v gnuplot > /dev/null || apt-get install -y gnuplot-nox
	$(TOP)/fixtures/bench/plot.sh $(BENCH_CSV)

check:
	@$(TOP)/fixtures/check.sh

-include $(wildcard $(B)/*.d $(B)/lib/*.d $(B)/lib/drivers/*.d $(B)/extra/*.d)
