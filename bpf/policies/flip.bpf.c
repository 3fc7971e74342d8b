// SPDX-License-Identifier: GPL-2.0
/*
 * flip: a policy that contradicts itself on every call.
 *
 * Each callback answers the opposite of its previous answer: every other
 * mm, every other area and every other page is skipped, in a phase that
 * moves from pass to pass.  (One counter for all three would not do: its
 * parity at scan_mm can come out the same for every mm.)  The
 * tests attach it as a misbehaving policy: nothing may break, and once it
 * is detached KSM must merge everything it could.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: answers scan and skip alternately, on every call");

/* Calls so far, by callback: mm, vma, page. */
__u64 calls[3];

static __always_inline int answer(int hook)
{
	return __sync_fetch_and_add(&calls[hook], 1) & 1 ? KSM_EXT_SKIP : KSM_EXT_SCAN;
}

int KSM_EXT_OP(flip_scan_mm, struct mm_struct *mm)
{
	return answer(0);
}

int KSM_EXT_OP(flip_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	return answer(1);
}

int KSM_EXT_OP(flip_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
		const struct ksm_ext_page *page)
{
	return answer(2);
}

SEC(".struct_ops.link")
struct ksm_ext_ops flip = {
	.scan_mm = (void *)flip_scan_mm,
	.scan_vma = (void *)flip_scan_vma,
	.scan_page = (void *)flip_scan_page,
	.name = "flip",
};
