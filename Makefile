# ksm-ext: one entry point.  `make demo` runs the main job, `make check` runs
# every test; both install what they need first (scripts/deps.sh).
#
#   make [all]   build the BPF objects, ksm-loader, ksm-top and ksm-policyd
#   make tests   build what the tests run: ksm-workload, merge-probe,
#                policy-cycle and the unit tests (needs Criterion)
#   make deps    install the Debian packages (idempotent, quiet if present)
#   make kernel  build (or reuse) the ksm_ext kernel: ./vmtest.sh -b
#   make vm      kernel + what the VM suite runs: the policies (built
#                against the kernel's BTF) and the kernel's KSM selftests
#   make check   deps + all + tests + the fuzzers + a sanitizer build
#                (build/san) + vm, then every test tier (tests/run.sh);
#                warnings as errors
#   make fuzz    run each libFuzzer target FUZZ_SECONDS (60)
#   make check-debug  the VM suite on the debug kernel (VM_DEBUG=1 tests/run.sh
#                vm: KASAN, UBSAN, KFENCE, kmemleak, lockdep, DEBUG_VM); run
#                it for every kernel change (docs/RELIABILITY.md)
#   make soak    ksm-policyd on the host's KSM for SOAK_SECONDS (1800) under
#                a workload that starts and stops processes (scripts/soak.sh)
#   make demo    deps + all + ksm-workload + the live demo on the host kernel (scripts/demo.sh),
#                then a policy at work on the ksm_ext kernel in the VM
#   make bench-hooks  ksmd CPU per page, no policy vs passthrough, in the VM
#   make bench-domains  tenants vs no policy: memory saved, ksmd CPU per page
#                with 1/16/256 merge domains, in the VM
#   make bench-policyd  ksm-policyd vs stock KSM settings on the host kernel
#   make bench-policies the scan policies vs stock KSM, in the VM (tables in
#                build/bench-policies/results.md, plot cpu-per-scan.png)
#                (docs/BENCHMARKS.md; ~15 min)
#   make install ksm-policyd (+ unit, settings, man page), ksm-loader, ksm-top
#                and the built policies (PREFIX/lib/ksm-ext/policies, for
#                ksm-loader policy) under PREFIX (/usr/local); DESTDIR for staging
#   make clean   remove build/ (the caches outside the repo stay)
#
# Each step prints one line ("  CC      build/obj/...", as kbuild does);
# V=1 prints the whole commands, make -s nothing but warnings and errors.

SHELL := /bin/bash
BUILD ?= build

# $(Q) hides a command that $(call say,WHAT,path) stands for (see the top);
# make -s (findstring in MAKEFLAGS' first word, as kbuild) silences both.
ifeq ($(V),1)
Q :=
say = @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
say = @true
else
Q := @
say = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif
CLANG ?= clang-19
# make's built-in default is cc; an explicit CC (command line, environment)
# wins.
ifeq ($(origin CC),default)
CC := gcc
endif
CFLAGS ?= -O2 -g
# Warnings fail the build in `make check` (CI) only: a newer compiler's new
# warning must not stop an operator's `make`.
WERROR ?=
WARN := -Wall -Wextra $(WERROR) -Wno-unused-parameter -Wno-missing-field-initializers
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
# Target architecture (uname -m or the kernel's spelling, as for kbuild);
# the BPF programs need the kernel's arch directory name for bpf_tracing.h's
# __TARGET_ARCH_* (x86_64 -> x86, aarch64 -> arm64, ...).
ARCH ?= $(shell uname -m)
BPF_ARCH := $(shell echo '$(ARCH)' | sed -e 's/x86_64/x86/' -e 's/i.86/x86/' \
	-e 's/aarch64.*/arm64/' -e 's/^armv.*/arm/' -e 's/ppc64.*/powerpc/' \
	-e 's/riscv64/riscv/' -e 's/s390x/s390/' -e 's/loongarch64/loongarch/')

# libbpf 1.5 + bpftool 7.5 built from linux-source-6.12 into the cache
# (scripts/toolchain.sh); $(TC) is a symlink to it.
TC := $(BUILD)/toolchain
BPFTOOL := $(TC)/sbin/bpftool
LIBBPF := $(TC)/lib/libbpf.a
TC_STAMP := $(BUILD)/.toolchain

INCLUDES := -Iinclude -Isrc/lib -I$(BUILD) -I$(TC)/include
USER_CFLAGS := -std=gnu11 $(CFLAGS) $(WARN) $(INCLUDES) -MMD -MP
LDLIBS := $(LIBBPF) -lelf -lz

BPF_SRCS := bpf/ksm_stats.bpf.c bpf/enroll.bpf.c
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/lib/*.c))
LOADER_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/loader/*.c))
WORKLOAD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/workload/*.c))
UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %.bpf.c,$(wildcard tests/unit/*.c)))

TOP_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/ksm-top/*.c))
POLICYD_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/policyd/*.c))
# ksm-policyd's pure half (controller, config and command-line parsers,
# state file and metrics text), unit-tested; the rest does the daemon's I/O
# (src/policyd/daemon.h).
POLICYD_PURE_OBJS := $(patsubst %,$(BUILD)/obj/src/policyd/%.o,policyd_step policyd_config policyd_args state_file metrics)
# ksm-loader's command line.
LOADER_PURE_OBJS := $(BUILD)/obj/src/loader/args.o
# ksm-top's pure code (no main, no ncurses, no I/O) for the unit tests.
TOP_PURE_OBJS := $(filter-out %/ksm_top.o %/app.o %/ui.o %/sample.o,$(TOP_OBJS))

BINS := $(BUILD)/bin/ksm-loader $(BUILD)/bin/ksm-top $(BUILD)/bin/ksm-policyd
TEST_BINS := $(BUILD)/bin/ksm-workload $(BUILD)/bin/policy-cycle $(BUILD)/bin/merge-probe
UNIT := $(BUILD)/tests/unit

.PHONY: all tests deps check demo clean install toolchain kernel vm policies selftests \
	bench-hooks bench-policyd bench-policies bench-domains check-debug soak
.DELETE_ON_ERROR:

all: $(BINS) $(BPF_OBJS)

tests: $(TEST_BINS) $(UNIT)

deps:
	@scripts/deps.sh

check:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) WERROR=-Werror all tests fuzzers
	@$(MAKE) --no-print-directory -j$$(nproc) WERROR=-Werror BUILD=$(BUILD)/san \
		CFLAGS="$(SAN_CFLAGS)" all tests
	@$(MAKE) --no-print-directory vm
	@ln -sfn ../../bpf/policies $(BUILD)/san/bpf/policies
	@tests/run.sh

# The policies and selftests are built against the normal kernel's BTF;
# CO-RE relocates them on the debug kernel.
check-debug:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) WERROR=-Werror all tests
	@$(MAKE) --no-print-directory vm
	@VM_DEBUG=1 tests/run.sh vm

soak:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all tests
	@scripts/soak.sh

bench-hooks:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all tests
	@$(MAKE) --no-print-directory vm
	@./vmtest.sh -- scripts/bench-hooks.sh

bench-policies:
	@scripts/deps.sh gnuplot-nox
	@$(MAKE) --no-print-directory -j$$(nproc) all tests
	@$(MAKE) --no-print-directory vm
	@mkdir -p $(BUILD)/bench-policies
	@{ ./vmtest.sh -t 3600 -- scripts/bench-policies.sh; echo $$? >$(BUILD)/bench-policies/rc; } | \
		tee $(BUILD)/bench-policies/console.log
	@sed -n '/^BENCH-POLICIES RESULTS/,$$p' $(BUILD)/bench-policies/console.log | \
		grep -v '^guest-init\|^\[ *[0-9.]*\] ' >$(BUILD)/bench-policies/results.md
	@[ "$$(cat $(BUILD)/bench-policies/rc)" = 0 ] && scripts/bench-policies.sh --plot \
		$(BUILD)/bench-policies/results.md $(BUILD)/bench-policies/cpu-per-scan.png; \
		exit $$(cat $(BUILD)/bench-policies/rc)

bench-domains:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all tests
	@$(MAKE) --no-print-directory vm
	@mkdir -p $(BUILD)/bench-domains
	@set -o pipefail; ./vmtest.sh -t 3600 -- scripts/bench-domains.sh | tee $(BUILD)/bench-domains/console.log
	@sed -n '/^BENCH-DOMAINS RESULTS/,$$p' $(BUILD)/bench-domains/console.log | \
		grep -v '^guest-init\|^\[ *[0-9.]*\] ' >$(BUILD)/bench-domains/results.md

bench-policyd:
	@scripts/deps.sh gnuplot-nox
	@$(MAKE) --no-print-directory -j$$(nproc) all tests
	@scripts/bench-policyd.sh

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all $(BUILD)/bin/ksm-workload
	@scripts/demo.sh
	@$(MAKE) --no-print-directory vm
	@echo; echo "== the ksm_ext kernel in a VM: a policy decides what ksmd scans =="
	@./vmtest.sh -- scripts/demo-policy.sh

toolchain: $(TC_STAMP)

$(TC_STAMP): scripts/toolchain.sh scripts/kernel-src.sh
	@mkdir -p $(BUILD)
	@prefix=$$(scripts/toolchain.sh) && ln -sfn "$$prefix" $(TC)
	@touch $@

$(BUILD)/vmlinux.h: $(TC_STAMP) $(wildcard $(VMLINUX_BTF))
	@test -r $(VMLINUX_BTF) || { echo "make: no kernel BTF at $(VMLINUX_BTF) to generate vmlinux.h (set VMLINUX_BTF=)" >&2; exit 1; }
	$(call say,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# Every BPF object: CO-RE, compiled against the vmlinux.h in directory $(1)
# with extra flags $(2); `bpftool gen object` links it the way libbpf loads it.
define bpf_object
	@mkdir -p $(@D)
	$(call say,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -Wall $(2) \
		-I$(1) -Iinclude -Ibpf -I$(TC)/include -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o
	@rm -f $@.tmp.o
endef

# The stats and enrol programs run on any kernel with KSM tracepoints: the
# running kernel's BTF.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard include/ksm_ext/*.h bpf/*.h)
	$(call bpf_object,$(BUILD),$(WERROR))

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call say,GEN,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

$(BUILD)/obj/%.o: %.c $(TC_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# Objects that include a skeleton must wait for it.
$(LOADER_OBJS) $(BUILD)/obj/src/lib/stats_load.o: $(SKELS)

$(BUILD)/bin/ksm-policyd: $(POLICYD_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/ksm-loader: $(LOADER_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/ksm-top: $(TOP_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) -lncursesw

$(BUILD)/bin/policy-cycle: $(BUILD)/obj/tests/vm/policy_cycle.o
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/merge-probe: $(BUILD)/obj/tests/vm/merge_probe.o
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

$(BUILD)/bin/ksm-workload: $(WORKLOAD_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

# One Criterion binary for every pure module.  test_policy.c opens a policy
# object built for it and one that is no policy (enroll's).
UNIT_FIXTURES := $(BUILD)/tests/policy_fixture.bpf.o $(BUILD)/bpf/enroll.bpf.o
$(UNIT): $(UNIT_OBJS) $(LIB_OBJS) $(TOP_PURE_OBJS) $(POLICYD_PURE_OBJS) $(LOADER_PURE_OBJS) \
	$(filter-out %/ksm_workload.o,$(WORKLOAD_OBJS)) | $(UNIT_FIXTURES)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lcriterion $(LDLIBS)

$(BUILD)/obj/tests/unit/test_policy.o: USER_CFLAGS += -DUNIT_BUILD_DIR='"$(abspath $(BUILD))"'

$(BUILD)/tests/policy_fixture.bpf.o: tests/unit/policy_fixture.bpf.c $(BUILD)/vmlinux.h
	$(call bpf_object,$(BUILD),$(WERROR))

# The sanitizer build `make check` runs the unit and host tiers on again.
SAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined

# --- fuzzing (libFuzzer, clang-19) --------------------------------------------
# One target per parser of outside text (tests/fuzz/fuzz_*.c).  The code
# under test is built again with the sanitizers and coverage; `make fuzz`
# runs each target FUZZ_SECONDS, tests/fuzz/run.sh says how.
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(FUZZ_SAN) $(INCLUDES) -Wall -Wno-unused-parameter
FUZZ_CODE := $(filter-out src/lib/stats_load.c,$(wildcard src/lib/*.c)) \
	$(patsubst $(BUILD)/obj/%.o,%.c,$(POLICYD_PURE_OBJS) $(TOP_PURE_OBJS) $(LOADER_PURE_OBJS))
FUZZ_CODE_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_CODE))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

.PHONY: fuzzers fuzz
# Named, so make keeps the instrumented objects between targets.
fuzzers: $(FUZZ_CODE_OBJS) $(FUZZERS)

fuzz: fuzzers
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

$(BUILD)/fuzz/obj/%.o: %.c $(TC_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(FUZZ_CODE_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_CODE_OBJS) $(LDLIBS) -lm

# --- the ksm_ext kernel and what runs in its VM ------------------------------
# build/kernel -> the cache directory vmtest.sh builds into (bzImage, obj/,
# src/); the policies need its BTF, the selftests its source and headers.
KERNEL := $(BUILD)/kernel
POLICY_OBJS := $(patsubst bpf/policies/%.bpf.c,$(BUILD)/bpf/policies/%.bpf.o,$(wildcard bpf/policies/*.bpf.c))
KSELFTESTS := $(BUILD)/selftests/ksm_tests $(BUILD)/selftests/ksm_functional_tests
# The series' own selftests (tools/testing/selftests/ksm_ext in the patched
# tree), built with our toolchain against the built kernel's BTF.
KEXT_ST := $(KERNEL)/src/tools/testing/selftests/ksm_ext
KEXT_BPF := init_ret sleepable_page sleepable_exit write_vma write_mm no_name no_link enroll \
	enroll_exec enroll_wrong_hook enroll_task_lsm domain
KEXT_TESTS := $(BUILD)/selftests/ksm_ext/ksm_ext_test \
	$(patsubst %,$(BUILD)/selftests/ksm_ext/%.bpf.o,$(KEXT_BPF))

kernel:
	@mkdir -p $(BUILD)
	@kdir=$$(./vmtest.sh -b) && ln -sfn "$$kdir" $(KERNEL)

vm: kernel
	@$(MAKE) --no-print-directory -j$$(nproc) policies selftests

policies: $(POLICY_OBJS)
selftests: $(KSELFTESTS) $(KEXT_TESTS)

$(BUILD)/kernel-btf/vmlinux.h: $(KERNEL)/bzImage $(TC_STAMP)
	@mkdir -p $(@D)
	$(call say,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file $(KERNEL)/obj/vmlinux format c > $@

$(BUILD)/bpf/policies/%.bpf.o: bpf/policies/%.bpf.c $(wildcard bpf/policies/*.bpf.h) $(BUILD)/kernel-btf/vmlinux.h
	$(call bpf_object,$(BUILD)/kernel-btf,$(WERROR))

# The kernel's own KSM selftests, from the same tree and its UAPI headers.
KST := $(KERNEL)/src/tools/testing/selftests/mm
$(BUILD)/khdr/include/linux/userfaultfd.h: $(KERNEL)/bzImage
	$(call say,GEN,$(BUILD)/khdr)
	$(Q)$(MAKE) -s -C $(KERNEL)/src O=$(abspath $(KERNEL)/obj) headers_install INSTALL_HDR_PATH=$(abspath $(BUILD)/khdr)

$(BUILD)/selftests/%: $(KERNEL)/bzImage $(BUILD)/khdr/include/linux/userfaultfd.h
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -isystem $(BUILD)/khdr/include -I$(KERNEL)/src \
		-I$(KERNEL)/src/tools/testing/selftests -I$(KST) -o $@ \
		$(KST)/$*.c $(KST)/vm_util.c $(KST)/thp_settings.c -lnuma

# The kernel's code: its warnings are not ours to fail on.
$(BUILD)/selftests/ksm_ext/%.bpf.o: $(KEXT_ST)/%.bpf.c $(KERNEL)/bzImage $(BUILD)/kernel-btf/vmlinux.h $(TC_STAMP)
	$(call bpf_object,$(BUILD)/kernel-btf,)

$(BUILD)/selftests/ksm_ext/ksm_ext_test: $(KEXT_ST)/ksm_ext_test.c $(KERNEL)/bzImage $(TC_STAMP) \
		$(BUILD)/khdr/include/linux/userfaultfd.h
	@mkdir -p $(@D)
	$(call say,CC,$@)
	$(Q)$(CC) -O2 -g -Wall -isystem $(BUILD)/khdr/include -I$(TC)/include -o $@ $< $(LDLIBS)

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= $(SYSCONFDIR)/systemd/system

# The settings file is an operator's: never overwritten.
install: $(BINS)
	install -D -m 0755 $(BUILD)/bin/ksm-policyd $(DESTDIR)$(PREFIX)/sbin/ksm-policyd
	install -D -m 0755 $(BUILD)/bin/ksm-loader $(DESTDIR)$(PREFIX)/sbin/ksm-loader
	install -D -m 0755 $(BUILD)/bin/ksm-top $(DESTDIR)$(PREFIX)/bin/ksm-top
	install -D -m 0644 src/policyd/ksm-policyd.8 $(DESTDIR)$(PREFIX)/share/man/man8/ksm-policyd.8
	install -D -m 0644 tools/ksm-top/ksm-top.1 $(DESTDIR)$(PREFIX)/share/man/man1/ksm-top.1
	@# The policies need the ksm_ext kernel's BTF (make vm): only if built.
	@if ls $(BUILD)/bpf/policies/*.bpf.o >/dev/null 2>&1; then \
		echo install -m 0644 $(BUILD)/bpf/policies/*.bpf.o $(DESTDIR)$(PREFIX)/lib/ksm-ext/policies/; \
		install -d $(DESTDIR)$(PREFIX)/lib/ksm-ext/policies && \
		install -m 0644 $(BUILD)/bpf/policies/*.bpf.o $(DESTDIR)$(PREFIX)/lib/ksm-ext/policies/; \
	else \
		echo "make install: no policies in $(BUILD)/bpf/policies (make vm builds them); skipped"; \
	fi
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|' etc/ksm-policyd.service \
		> $(DESTDIR)$(UNITDIR)/ksm-policyd.service
	test -e $(DESTDIR)$(SYSCONFDIR)/ksm-policyd.conf || \
		install -D -m 0644 etc/ksm-policyd.conf $(DESTDIR)$(SYSCONFDIR)/ksm-policyd.conf

clean:
	rm -rf $(BUILD)

ALL_OBJS := $(LIB_OBJS) $(LOADER_OBJS) $(TOP_OBJS) $(POLICYD_OBJS) $(WORKLOAD_OBJS) \
	$(UNIT_OBJS) $(BUILD)/obj/tests/vm/policy_cycle.o $(BUILD)/obj/tests/vm/merge_probe.o \
	$(FUZZ_CODE_OBJS)
-include $(ALL_OBJS:.o=.d)
