// SPDX-License-Identifier: GPL-2.0
/*
 * random: a policy that decides by coin toss.
 *
 * Each mm, VMA and page is scanned with probability 1/2, so ksmd's cursor
 * skips mms, areas and pages in every combination, pass after pass, with
 * the workload's pages in every state (unmerged, in the unstable tree,
 * merged).  The tests attach it as a misbehaving policy: nothing may break,
 * and once it is detached KSM must merge everything it could.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: scans each mm, area and page with probability 1/2");

static __always_inline int coin(void)
{
	return bpf_get_prandom_u32() & 1 ? KSM_EXT_SCAN : KSM_EXT_SKIP;
}

int KSM_EXT_OP(random_scan_mm, struct mm_struct *mm)
{
	return coin();
}

int KSM_EXT_OP(random_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	return coin();
}

int KSM_EXT_OP(random_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
		const struct ksm_ext_page *page)
{
	return coin();
}

SEC(".struct_ops.link")
struct ksm_ext_ops random = {
	.scan_mm = (void *)random_scan_mm,
	.scan_vma = (void *)random_scan_vma,
	.scan_page = (void *)random_scan_page,
	.name = "random",
};
