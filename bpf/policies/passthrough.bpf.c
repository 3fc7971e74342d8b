// SPDX-License-Identifier: GPL-2.0
/*
 * passthrough: the policy that changes nothing.
 *
 * Every decision callback says "scan", so ksmd does exactly what it does
 * with no policy attached, except that it calls into BPF for every mm, VMA
 * and page, and reports every page's outcome.  It implements every callback
 * of struct ksm_ext_ops: it is the baseline for the cost of the hooks (make
 * bench-hooks) and runs the kernel's own KSM selftests with a policy
 * attached.
 *
 * Statistics (global variables, read with bpftool map dump of its .bss):
 * outcomes[] counts page_done calls by enum ksm_ext_outcome, passes the
 * scan_begin/scan_end pairs it saw, unpaired the scan_end calls without a
 * scan_begin (the kernel promises none), domains_asked the merge_domain
 * calls (it answers domain 0, the one every mm is in without a policy).
 * merge_domain, asked once per mm and pass, also checks bpf_ksm_mm_id():
 * mm_ids maps each owner tgid to the first id seen for it; ids_zero counts
 * ids of 0, ids_changed an id that differs from the one first seen.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: scans everything, as with no policy; implements every callback, counts page_done outcomes");

__u64 outcomes[8];
__u64 passes;
__u64 unpaired;
__u64 domains_asked;
__u64 ids_zero, ids_changed;
static bool in_pass;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} mm_ids SEC(".maps");

int KSM_EXT_OP(passthrough_scan_mm, struct mm_struct *mm)
{
	return KSM_EXT_SCAN;
}

int KSM_EXT_OP(passthrough_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	return KSM_EXT_SCAN;
}

int KSM_EXT_OP(passthrough_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
	       const struct ksm_ext_page *page)
{
	return KSM_EXT_SCAN;
}

void KSM_EXT_OP(passthrough_page_done, struct mm_struct *mm,
		const struct ksm_ext_page *page, enum ksm_ext_outcome outcome)
{
	__u32 i = outcome;

	if (i < 8)
		outcomes[i]++;
}

__u64 KSM_EXT_OP(passthrough_merge_domain, struct mm_struct *mm)
{
	__u32 tgid = bpf_ksm_mm_owner_tgid(mm);
	__u64 id = bpf_ksm_mm_id(mm), *seen;

	domains_asked++;
	if (!id) {
		ids_zero++;
	} else if (tgid) {
		seen = bpf_map_lookup_elem(&mm_ids, &tgid);
		if (!seen)
			bpf_map_update_elem(&mm_ids, &tgid, &id, BPF_NOEXIST);
		else if (*seen != id)
			ids_changed++;
	}
	return 0;
}

void KSM_EXT_OP(passthrough_scan_begin, __u64 seq)
{
	in_pass = true;
}

void KSM_EXT_OP(passthrough_scan_end, __u64 seq)
{
	if (in_pass)
		passes++;
	else
		unpaired++;
	in_pass = false;
}

s32 KSM_EXT_OP(passthrough_init)
{
	return 0;
}

void KSM_EXT_OP(passthrough_exit, const struct ksm_ext_exit_info *ei)
{
}

SEC(".struct_ops.link")
struct ksm_ext_ops passthrough = {
	.scan_mm = (void *)passthrough_scan_mm,
	.scan_vma = (void *)passthrough_scan_vma,
	.scan_page = (void *)passthrough_scan_page,
	.page_done = (void *)passthrough_page_done,
	.merge_domain = (void *)passthrough_merge_domain,
	.scan_begin = (void *)passthrough_scan_begin,
	.scan_end = (void *)passthrough_scan_end,
	.init = (void *)passthrough_init,
	.exit = (void *)passthrough_exit,
	.name = "passthrough",
};
