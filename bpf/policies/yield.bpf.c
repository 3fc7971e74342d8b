// SPDX-License-Identifier: GPL-2.0
/*
 * yield: stop comparing areas that never merge, back off exponentially.
 *
 * How it decides.  Per VMA (keyed by mm id, vm_start, vm_end, as the kernel
 * documents for per-area state; mm_id() in policy.bpf.h), it notes in each full scan whether any
 * page of the area merged (page_done: MERGED, PAIRED or ZERO) or changed
 * (CHANGED: new content, or a page seen for the first time).  An area scanned in
 * idle_scans consecutive full scans without a merge is then compared only
 * in the full scans whose sequence number is a multiple of its interval:
 * 2 at first, doubling after every further full scan of it without a merge,
 * up to max_backoff.  Intervals are powers of two and probes fall on
 * multiples of them, so all backed-off areas are compared together at least
 * every max_backoff scans and can still pair with each other.  A probe that
 * finds changed pages but no merge gets one follow-up scan in the next full
 * scan (a changed page is compared only once it is seen unchanged).  Any
 * merge puts the area back to every scan.  A new area, or one that grew or
 * shrank (a new key), is scanned at once; so is every area of a new process,
 * and an area unmapped and mapped again at the same addresses: the kernel
 * write-locks a VMA when it creates or changes it, and a changed
 * vma->vm_lock_seq (CONFIG_PER_VMA_LOCK) makes its state start afresh.
 *
 * Bound: content written into a backed-off area that is identical to a
 * merged page is merged by the end of the (max_backoff + 2)-th full scan
 * that starts after the write: the probe sees it changed, the follow-up
 * merges it.  With the defaults, 10.  This holds with smart_scan=0; with
 * smart_scan=1 (the kernel's default) smart_scan's own skipping of pages it
 * found unchanged many times applies on top, on the visits yield allows,
 * and can stretch the wait up to about 9 times.  A PAIRED merge credits the
 * area of the page that was compared second only.
 *
 * What it saves.  A skipped area's non-KSM pages are not checksummed,
 * searched or inserted into the unstable tree.  ksmd still walks them
 * (they count against pages_to_scan) and still processes the area's KSM
 * pages, so merged pages stay merged and counted (see ksm_ext_ops).
 *
 * Tunables: idle_scans (K, default 2), max_backoff (M, power of two from 2
 * to 256, default 8).
 * Statistics (stats): vmas_scanned, vmas_skipped (per area and full scan),
 * vmas_new, backoffs (an interval raised), wakeups (a backed-off area
 * merged and went back to every scan), followups.
 *
 * The per-area bookkeeping and this rule are area_yield.bpf.h's helpers,
 * which tenants shares: it scans as yield does.
 */
#include "area_yield.bpf.h"

const volatile __u32 idle_scans = 2;
const volatile __u32 max_backoff = 8;

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("skip areas that stopped merging, exponentially longer, up to max_backoff scans");

struct yield_stats {
	AREA_YIELD_STATS
};
KSM_EXT_STATS(struct yield_stats)

/* Per area: what it yielded in the last full scan it was asked about. */
AREA_YIELD_MAP(vmas);

/* The current full scan's sequence number (scan_begin). */
static __u64 cur_pass;

/* Compare the area in this full scan, or skip it (the rule above). */
int KSM_EXT_OP(yield_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	return area_yield_scan_vma(&vmas, mm, vma, cur_pass, idle_scans, max_backoff,
				   (struct area_yield_stats *)stats_cpu());
}

/* A merge or a changed page in the area, for its next decision. */
void KSM_EXT_OP(yield_page_done, struct mm_struct *mm,
		const struct ksm_ext_page *page, enum ksm_ext_outcome outcome)
{
	area_yield_page_done(&vmas, mm, page, outcome, cur_pass);
}

void KSM_EXT_OP(yield_scan_begin, __u64 seq)
{
	cur_pass = seq;
}

s32 KSM_EXT_OP(yield_init)
{
	return area_yield_check_tunables(idle_scans, max_backoff);
}

SEC(".struct_ops.link")
struct ksm_ext_ops yield = {
	.scan_vma = (void *)yield_scan_vma,
	.page_done = (void *)yield_page_done,
	.scan_begin = (void *)yield_scan_begin,
	.init = (void *)yield_init,
	.name = "yield",
};
