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
 * State: one entry per changing page, keyed by (mm, VMA start, address),
 * in an LRU map of 131072 entries: pages that do not change cost no
 * memory, and a forgotten page is simply scanned.
 *
 * Cost of being wrong: a page that settles right after a change is
 * compared at most max_skip + 1 full scans later than without the policy.
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

struct page_key {
	__u64 mm;
	__u64 vm_start;
	__u64 address;
};

struct page_state {
	__u64 until;		/* skip while the full scan number is below this */
	__u32 skip;		/* scans to skip after the next change */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct page_key);
	__type(value, struct page_state);
} pages SEC(".maps");

static __u64 cur_pass;

static __always_inline void page_key(struct page_key *k, struct mm_struct *mm,
				     const struct ksm_ext_page *page)
{
	k->mm = (__u64)mm;
	k->vm_start = page->vm_start;
	k->address = page->address;
}

int KSM_EXT_OP(volatile_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
	       const struct ksm_ext_page *page)
{
	struct page_state *st;
	struct page_key key;

	/* A page never visited has no history here. */
	if (!page->visited)
		return KSM_EXT_SCAN;
	page_key(&key, mm, page);
	st = bpf_map_lookup_elem(&pages, &key);
	if (!st || cur_pass >= st->until)
		return KSM_EXT_SCAN;
	STAT_ADD(pages_skipped, 1);
	return KSM_EXT_SKIP;
}

void KSM_EXT_OP(volatile_page_done, struct mm_struct *mm,
		const struct ksm_ext_page *page, enum ksm_ext_outcome outcome)
{
	struct page_state *st, fresh = {};
	struct page_key key;

	if (!page->visited || outcome == KSM_EXT_PAGE_SHARED)
		return;
	page_key(&key, mm, page);
	st = bpf_map_lookup_elem(&pages, &key);
	if (outcome != KSM_EXT_PAGE_CHANGED) {
		if (st) {
			bpf_map_delete_elem(&pages, &key);
			STAT_ADD(settled, 1);
		}
		return;
	}
	STAT_ADD(backoffs, 1);
	if (!st) {
		fresh.skip = 1;
		fresh.until = cur_pass + 2;
		bpf_map_update_elem(&pages, &key, &fresh, BPF_ANY);
		return;
	}
	st->skip = st->skip * 2 > max_skip ? max_skip : st->skip * 2;
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
