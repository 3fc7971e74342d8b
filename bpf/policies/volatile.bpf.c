// SPDX-License-Identifier: GPL-2.0
/*
 * volatile: leave pages that keep changing alone for a while.
 *
 * How it decides.  KSM compares a page only once its checksum is the same
 * on two visits in a row; a page rewritten between every visit costs a
 * checksum of 4 KiB per full scan and never merges.  When page_done reports
 * a page as CHANGED on a visit that was not its first, the page is skipped
 * in the next full scan; each further change doubles the number of full
 * scans it is skipped, up to max_skip.  The first visit it is found
 * unchanged (whatever came of comparing it) forgets it, so it is scanned
 * in every full scan again.  KSM pages are never skipped: ksmd does not
 * ask about them.
 *
 * State: a direct-mapped table of 65536 changing pages (2.5 MiB), tagged
 * with (mm id, address, VMA start): a page that lost its slot to another is
 * simply scanned, so collisions cost comparing work, never correctness.
 *
 * Cost of being wrong: a page that settles right after a change is
 * compared at most 2 * max_skip full scans later than without the policy
 * (its last write can land after the visit that saw the previous one).
 * After `echo 2 > run` renumbers full scans from 0, state whose skip would
 * end further ahead than max_skip + 1 scans is taken as stale.
 *
 * Tunables: max_skip (full scans, 1..255, default 8).
 * Statistics (stats): pages_skipped, backoffs (a changed page given a
 * longer skip), settled (a backed-off page found unchanged and forgotten).
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("skip pages that changed since the last visit, exponentially longer, up to max_skip scans");

const volatile __u32 max_skip = 8;

struct volatile_stats {
	__u64 pages_skipped;
	__u64 backoffs;
	__u64 settled;
};
KSM_EXT_STATS(struct volatile_stats)

/*
 * A direct-mapped table of changing pages, indexed by a hash of (mm,
 * address): an array lookup is inlined by the verifier, so the visit of a
 * page that never changed costs a few instructions, not a hash-map lookup
 * (interleaved workloads ask about every page).  An entry is trusted only
 * if its tag is the page's own (mm id, address, vm_start); a page whose slot
 * another page took is simply scanned.
 */
#define TABLE_BITS 16

struct page_state {
	__u64 mm;
	__u64 address;
	__u64 vm_start;
	__u64 until;		/* skip while the full scan number is below this */
	__u32 skip;		/* scans to skip after the next change; 0: forgotten */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1 << TABLE_BITS);
	__type(key, __u32);
	__type(value, struct page_state);
} pages SEC(".maps");

static __u64 cur_pass;

/* The page's slot, or NULL; *mine: the slot holds this page's state. */
static __always_inline struct page_state *slot(__u64 mm,
					       const struct ksm_ext_page *page,
					       bool *mine)
{
	/* Fibonacci hashing: the top bits of the product mix all of it. */
	__u32 idx = ((mm * 0x9e3779b97f4a7c15ULL ^ page->address >> 12) *
		     0x9e3779b97f4a7c15ULL) >> (64 - TABLE_BITS);
	struct page_state *st = bpf_map_lookup_elem(&pages, &idx);

	*mine = st && st->mm == mm && st->address == page->address &&
		st->vm_start == page->vm_start;
	return st;
}

int KSM_EXT_OP(volatile_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
	       const struct ksm_ext_page *page)
{
	struct page_state *st;
	bool mine;

	/* A page never visited has no history here. */
	if (!page->visited)
		return KSM_EXT_SCAN;
	st = slot(mm_id(mm), page, &mine);
	if (!st || !mine || cur_pass >= st->until)
		return KSM_EXT_SCAN;
	/* Full scans were renumbered from 0 (run=2): the state is stale. */
	if (st->until > cur_pass + 1 + max_skip)
		return KSM_EXT_SCAN;
	STAT_ADD(pages_skipped, 1);
	return KSM_EXT_SKIP;
}

void KSM_EXT_OP(volatile_page_done, struct mm_struct *mm,
		const struct ksm_ext_page *page, enum ksm_ext_outcome outcome)
{
	struct page_state *st;
	bool mine;

	if (!page->visited || outcome == KSM_EXT_PAGE_SHARED)
		return;
	st = slot(mm_id(mm), page, &mine);
	if (!st)
		return;
	if (outcome != KSM_EXT_PAGE_CHANGED) {
		if (mine && st->skip) {
			st->skip = 0;
			st->until = 0;
			STAT_ADD(settled, 1);
		}
		return;
	}
	STAT_ADD(backoffs, 1);
	if (!mine || !st->skip || st->until > cur_pass + 1 + max_skip) {
		/* First change seen (or the slot's page is evicted). */
		st->mm = mm_id(mm);
		st->address = page->address;
		st->vm_start = page->vm_start;
		st->skip = 1;
	} else {
		st->skip = st->skip * 2 > max_skip ? max_skip : st->skip * 2;
	}
	st->until = cur_pass + 1 + st->skip;
}

void KSM_EXT_OP(volatile_scan_begin, __u64 seq)
{
	cur_pass = seq;
}

s32 KSM_EXT_OP(volatile_init)
{
	if (max_skip < 1 || max_skip > 255)
		return -22;	/* -EINVAL */
	return 0;
}

SEC(".struct_ops.link")
struct ksm_ext_ops volatile_policy = {
	.scan_page = (void *)volatile_scan_page,
	.page_done = (void *)volatile_page_done,
	.scan_begin = (void *)volatile_scan_begin,
	.init = (void *)volatile_init,
	.name = "volatile",
};
