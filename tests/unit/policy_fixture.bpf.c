// SPDX-License-Identifier: GPL-2.0
/*
 * A policy object for test_policy.c, which only opens it (libbpf reads the
 * struct_ops map from the object's own BTF; the kernel's struct ksm_ext_ops
 * is needed at load only), so it builds against any kernel's vmlinux.h.
 * Its tunables are small enough to overflow and its list holds two.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const char policy_doc[] SEC(".rodata") = "a fixture for the unit tests";
const volatile __u8 small = 3;
const volatile __s32 big = -7;
const volatile bool flag = true;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, char[16]);
	__type(value, __u8);
} comm SEC(".maps");

/* Not the kernel's name: a ksm_ext kernel's vmlinux.h has that one. */
struct fixture_ops {
	int (*scan_mm)(void *mm);
	char name[16];
};

SEC("struct_ops/fixture_scan_mm")
int fixture_scan_mm(unsigned long long *ctx)
{
	return small + big + flag;
}

SEC(".struct_ops.link")
struct fixture_ops fixture = {
	.scan_mm = (void *)fixture_scan_mm,
	.name = "fixture",
};
