// SPDX-License-Identifier: GPL-2.0
/*
 * skip_vma: leave the mergeable areas of the listed processes alone.
 *
 * Like skip_tgid, but decided per VMA: ksmd still enters the mm of a
 * process listed in "skip_tgids" and skips each of its VM_MERGEABLE areas.
 * The VMA path is the delicate one in the kernel: the rmap_items of a
 * skipped area must be stepped over, not freed, or its merged pages would
 * drop out of pages_sharing.  The in-VM test attaches this policy after the
 * workload merged, and checks that pages_sharing holds.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: skips the areas of the processes in skip_tgids (fill it with bpftool)");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} skip_tgids SEC(".maps");

int KSM_EXT_OP(skip_vma_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	__u32 tgid = bpf_ksm_mm_owner_tgid(mm);

	return bpf_map_lookup_elem(&skip_tgids, &tgid) ? KSM_EXT_SKIP : KSM_EXT_SCAN;
}

SEC(".struct_ops.link")
struct ksm_ext_ops skip_vma = {
	.scan_vma = (void *)skip_vma_scan_vma,
	.name = "skip_vma",
};
