// SPDX-License-Identifier: GPL-2.0
/*
 * passthrough: the policy that changes nothing.
 *
 * Every decision callback says "scan", so ksmd does exactly what it does
 * with no policy attached, except that it calls into BPF for every mm, VMA
 * and page.  It is the baseline for the cost of the hooks (make bench-hooks)
 * and runs the kernel's own KSM selftests with a policy attached.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

bool KSM_EXT_OP(passthrough_scan_mm, struct mm_struct *mm)
{
	return true;
}

bool KSM_EXT_OP(passthrough_scan_vma, struct vm_area_struct *vma)
{
	return true;
}

bool KSM_EXT_OP(passthrough_scan_page, struct vm_area_struct *vma,
		const struct ksm_ext_page *page)
{
	return true;
}

SEC(".struct_ops.link")
struct ksm_ext_ops passthrough = {
	.scan_mm = (void *)passthrough_scan_mm,
	.scan_vma = (void *)passthrough_scan_vma,
	.scan_page = (void *)passthrough_scan_page,
	.name = "passthrough",
};
