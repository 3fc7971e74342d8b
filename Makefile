# ksm-ext: one entry point.  `make demo` runs the main job, `make check` runs
# every test; both install what they need first (scripts/deps.sh).
#
#   make [all]   build the BPF objects, ksm-loader, ksm-workload, unit tests
#   make deps    install the Debian packages (idempotent, quiet if present)
#   make check   deps + all + every test tier (tests/run.sh)
#   make demo    deps + all + the live demo on the host kernel (scripts/demo.sh)
#   make clean   remove build/ (the toolchain cache outside the repo stays)

SHELL := /bin/bash
BUILD ?= build
CLANG ?= clang-19
CC := gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux

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
UNIT_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/*.c))

BINS := $(BUILD)/bin/ksm-loader $(BUILD)/bin/ksm-workload
UNIT := $(BUILD)/tests/unit

.PHONY: all deps check demo clean toolchain
.DELETE_ON_ERROR:

all: $(BINS) $(UNIT) $(BPF_OBJS)

deps:
	@scripts/deps.sh

check:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@tests/run.sh

demo:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory -j$$(nproc) all
	@scripts/demo.sh

toolchain: $(TC_STAMP)

$(TC_STAMP): scripts/toolchain.sh scripts/kernel-src.sh
	@mkdir -p $(BUILD)
	@prefix=$$(scripts/toolchain.sh) && ln -sfn "$$prefix" $(TC)
	@touch $@

$(BUILD)/vmlinux.h: $(TC_STAMP) $(wildcard $(VMLINUX_BTF))
	@test -r $(VMLINUX_BTF) || { echo "make: no kernel BTF at $(VMLINUX_BTF) to generate vmlinux.h (set VMLINUX_BTF=)" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

# CO-RE objects; `bpftool gen object` links them the way libbpf loads them.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard include/ksm_ext/*.h bpf/*.h)
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror \
		-I$(BUILD) -Iinclude -Ibpf -I$(TC)/include -c $< -o $@.tmp.o
	$(BPFTOOL) gen object $@ $@.tmp.o
	@rm -f $@.tmp.o

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

$(BUILD)/obj/%.o: %.c $(TC_STAMP)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

# Objects that include a skeleton must wait for it.
$(LOADER_OBJS): $(SKELS)

$(BUILD)/bin/ksm-loader: $(LOADER_OBJS) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/ksm-workload: $(WORKLOAD_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^

# One Criterion binary for every pure module.
$(UNIT): $(UNIT_OBJS) $(LIB_OBJS) $(filter-out %/ksm_workload.o,$(WORKLOAD_OBJS))
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ -lcriterion $(LDLIBS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
