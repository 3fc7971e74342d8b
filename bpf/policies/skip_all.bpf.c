// SPDX-License-Identifier: GPL-2.0
/*
 * skip_all: a policy that refuses everything.
 *
 * Says "skip" to every mm, VMA and page.  KSM merges nothing while it is
 * attached, and must merge normally again once it is detached: the tests
 * use it as a misbehaving policy.  It also counts its calls, so a test can
 * see that ksmd asked it.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: skips every mm, area and page");

__u64 calls;

int KSM_EXT_OP(skip_all_scan_mm, struct mm_struct *mm)
{
	__sync_fetch_and_add(&calls, 1);
	return KSM_EXT_SKIP;
}

int KSM_EXT_OP(skip_all_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	__sync_fetch_and_add(&calls, 1);
	return KSM_EXT_SKIP;
}

int KSM_EXT_OP(skip_all_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
		const struct ksm_ext_page *page)
{
	__sync_fetch_and_add(&calls, 1);
	return KSM_EXT_SKIP;
}

SEC(".struct_ops.link")
struct ksm_ext_ops skip_all = {
	.scan_mm = (void *)skip_all_scan_mm,
	.scan_vma = (void *)skip_all_scan_vma,
	.scan_page = (void *)skip_all_scan_page,
	.name = "skip_all",
};
