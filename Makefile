# SPDX-License-Identifier: GPL-2.0-only
#
# vfio-dirty-selftests: conformance tests for VFIO type1 dirty page tracking.
#
#   make                 build every test binary into $(OUTPUT)
#   make STATIC=1        the same, statically linked (the VM lab uses this)
#   make install INSTALL_PATH=dir   kselftest layout for run_kselftest.sh
#   make check           host unit tests, checkpatch, and the VM lab on 6.12, 6.1 and 7.x
#   make lab             the suite in the VM lab (KERNELS=, LAB_KERNEL=, ...)
#   make lab-kernel      a small lab kernel from source (KSRC=, KSOURCE=, KCONFIG_BASE=, FLAVOUR=)
#   make lab KERNEL=source   the suite in the VM lab on those kernels
#   make bench           dirty_bench in the VM lab; make bench-plot draws its CSVs
#
# The kselftest harness is taken, in this order, from KSFT_DIR=, from
# KSRC=<kernel tree>, from the enclosing kernel tree when this folder sits at
# tools/testing/selftests/vfio_dirty/, else from Debian's linux-source-6.12
# extracted into .cache/ (fixtures/ksrc.sh). It is never committed.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

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

ifeq ($(STATIC),1)
OUTPUT ?= $(TOP)/build/static
LDFLAGS += -static
else
OUTPUT ?= $(TOP)/build/dynamic
endif

CC ?= gcc
CFLAGS += -m64 -O2 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -fmacro-prefix-map=$(TOP)/=
CPPFLAGS += -I$(TOP)/selftests/lib/include -I$(TOP)/fixtures/kmod -isystem $(KSFT_INC) -MMD -MP
LDLIBS += -lpthread

TESTS := dirty_caps_test dirty_ioctl_test dirty_iommu_backed_test dirty_pinned_test dirty_dma_rw_test dirty_scope_test dirty_unmap_test dirty_limits_test dirty_pagesize_test dirty_device_dma_test \
	dirty_stress_test
UNIT_TESTS := lib_unit_test setup_unit_test dma_unit_test
TESTS += dirty_migration_test
TESTS += dirty_iommufd_test
# Last: its opt-in cases may leave the kernel damaged (VFIO_DIRTY_SPLAT=1).
TESTS += dirty_pin_unsafe_test

# dirty_iommufd_test and the library (lib/iommufd.c, and the IOAS of the
# native iommufd mode) need the iommufd uAPI and the mock
# IOMMU's iommufd_test.h from a kernel tree (Debian 12's libc headers are
# 6.1): the same tree as the harness, else Debian's linux-source-6.12
# (fixtures/kernel/headers.sh). Resolved on first use only.
ifneq ($(KSRC),)
IOMMUFD_TREE := $(KSRC)
else ifneq ($(wildcard $(TOP)/../kselftest_harness.h),)
IOMMUFD_TREE := $(abspath $(TOP)/../../../..)
endif
IOMMUFD_INC = $(eval IOMMUFD_INC := $(shell $(TOP)/fixtures/kernel/headers.sh $(IOMMUFD_TREE)))$(IOMMUFD_INC)
# Only the mock IOMMU's object needs iommufd_test.h, and only
# dirty_iommufd_test links it.
MOCK_OBJ := $(OUTPUT)/lib/iommufd_mock.o
IOMMUFD_OBJS = $(LIB_OBJS) $(MOCK_OBJ) $(OUTPUT)/dirty_iommufd_test.o $(OUTPUT)/dirty_bench.o
LIB_SRCS := $(filter-out %/iommufd_mock.c %/dma_uring.c,\
	$(wildcard $(TOP)/selftests/lib/*.c $(TOP)/selftests/lib/drivers/*.c))
LIB_OBJS := $(patsubst $(TOP)/selftests/lib/%.c,$(OUTPUT)/lib/%.o,$(LIB_SRCS))
# The io_uring start of a prepared transfer: only dirty_stress_test links liburing.
URING_OBJ := $(OUTPUT)/lib/dma_uring.o
# DMA drivers kept out of this tree (a vendor's own device): every .c of
# EXTRA_DRIVERS=dir is built into the suite; each registers itself with
# DMA_DRIVER_REGISTER() (selftests/lib/include/dma_driver.h).
EXTRA_DRIVERS ?=
ifneq ($(EXTRA_DRIVERS),)
EXTRA_SRCS := $(wildcard $(abspath $(EXTRA_DRIVERS))/*.c)
ifeq ($(EXTRA_SRCS),)
$(error EXTRA_DRIVERS=$(EXTRA_DRIVERS): no .c file there)
endif
EXTRA_OBJS := $(patsubst %.c,$(OUTPUT)/extra/%.o,$(notdir $(EXTRA_SRCS)))
LIB_OBJS += $(EXTRA_OBJS)
vpath %.c $(abspath $(EXTRA_DRIVERS))
endif

TEST_BINS := $(addprefix $(OUTPUT)/,$(TESTS))
UNIT_BINS := $(addprefix $(OUTPUT)/,$(UNIT_TESTS))

.PHONY: all install check unit checkpatch lab clean harness emit_tests
all: $(TEST_BINS) $(OUTPUT)/dirty_bench

harness:
	@test -f $(KSFT_INC)/kselftest_harness.h || \
		{ echo "no kselftest_harness.h in $(KSFT_INC)" >&2; exit 1; }

.PHONY: iommufd-headers lab-kernel
$(IOMMUFD_OBJS): CPPFLAGS += -isystem $(IOMMUFD_INC)
$(IOMMUFD_OBJS): | iommufd-headers
iommufd-headers:
	@test -f "$(IOMMUFD_INC)/iommufd_test.h" || \
		{ echo "no iommufd_test.h (fixtures/kernel/headers.sh failed)" >&2; exit 1; }

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

$(OUTPUT)/lib/%.o: $(TOP)/selftests/lib/%.c | harness
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUTPUT)/extra/%.o: %.c | harness
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUTPUT)/%.o: $(TOP)/selftests/%.c | harness
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(OUTPUT)/dirty_stress_test: LDLIBS += -luring
$(OUTPUT)/dirty_stress_test: $(OUTPUT)/dirty_stress_test.o $(LIB_OBJS) $(URING_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/dirty_iommufd_test: $(OUTPUT)/dirty_iommufd_test.o $(LIB_OBJS) $(MOCK_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/%_test: $(OUTPUT)/%_test.o $(LIB_OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# dirty_bench: a tool, not a test (not installed with the suite, not in
# tests.list); make bench runs it in the VM lab (fixtures/bench/).
$(OUTPUT)/dirty_bench: $(OUTPUT)/dirty_bench.o $(LIB_OBJS) $(MOCK_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/%_unit_test.o: $(TOP)/selftests/unit/%_unit_test.c | harness
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -DCAPABILITIES_FILE='"$(TOP)/selftests/capabilities"' \
		-c -o $@ $<

install: $(TEST_BINS)
	@test -n "$(INSTALL_PATH)" || { echo "usage: make install INSTALL_PATH=dir" >&2; exit 1; }
	install -d $(INSTALL_PATH)
	install -m 0755 $(TEST_BINS) $(INSTALL_PATH)/
	install -m 0755 $(TOP)/runner.sh $(TOP)/fixtures/kmod/mdev_fixture_test.sh $(INSTALL_PATH)/
	install -d $(INSTALL_PATH)/runner
	install -m 0644 $(wildcard $(TOP)/runner/*) $(INSTALL_PATH)/runner/
	install -m 0644 $(TOP)/config $(TOP)/settings $(TOP)/selftests/xfail \
		$(wildcard $(TOP)/selftests/requirements $(TOP)/selftests/capabilities \
		$(TOP)/selftests/splats) $(INSTALL_PATH)/
	printf '%s\n' mdev_fixture_test.sh $(TESTS) > $(INSTALL_PATH)/tests.list
	git -C $(TOP) describe --always --dirty > $(INSTALL_PATH)/version 2> /dev/null || \
		echo unknown > $(INSTALL_PATH)/version

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do $$t; done

checkpatch:
	@$(TOP)/fixtures/checkpatch.sh

lab:
	@$(TOP)/fixtures/deps.sh
	$(MAKE) -C $(TOP) STATIC=1 install INSTALL_PATH=$(TOP)/.cache/suite
	LAB_SUITE="$(SUITE)" $(LAB_RUN) --suite $(TOP)/.cache/suite $(KERNELS)

# dirty_bench in the VM lab on KERNELS (default 6.12 6.1): build/bench/<uname-r>.csv
# and .log, then the headline figures; make bench-plot draws them with gnuplot
# (fixtures/bench/).
.PHONY: bench bench-plot
bench:
	@$(TOP)/fixtures/deps.sh
	$(TOP)/fixtures/bench/bench-in-lab.sh $(or $(KERNELS),6.12 6.1)

bench-plot:
	@command -v gnuplot > /dev/null || apt-get install -y gnuplot-nox
	$(TOP)/fixtures/bench/plot.sh $(BENCH_CSV)

# For the kernel's kselftest Makefile: one "collection:test" line per binary.
emit_tests:
	@for t in $(TESTS); do echo "$(COLLECTION):$$t"; done

check:
	@$(TOP)/fixtures/check.sh

clean:
	rm -rf $(TOP)/build

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/lib/*.d $(OUTPUT)/lib/drivers/*.d)
