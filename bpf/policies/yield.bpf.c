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
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("skip areas that stopped merging, exponentially longer, up to max_backoff scans");

const volatile __u32 idle_scans = 2;
const volatile __u32 max_backoff = 8;

struct yield_stats {
	__u64 vmas_scanned;
	__u64 vmas_skipped;
	__u64 vmas_new;
	__u64 backoffs;
	__u64 wakeups;
	__u64 followups;
};
KSM_EXT_STATS(struct yield_stats)

struct vma_key {
	__u64 mm;
	__u64 start;
	__u64 end;
};

struct vma_state {
	__u64 pass;		/* the full scan the flags below are for */
	__u32 lock_seq;		/* vma->vm_lock_seq when the state was made */
	__u32 idle;		/* scanned full scans in a row without a merge */
	__u32 interval;		/* compare when pass % interval == 0 (1: always) */
	__u8 scanned;		/* compared in full scan @pass */
	__u8 merged;		/* a page merged in it */
	__u8 changed;		/* a page seen before had changed in it */
	__u8 followup;		/* compare in the next full scan regardless */
};

/* Areas forgotten least-recently-used first: a forgotten area is new again. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vma_key);
	__type(value, struct vma_state);
} vmas SEC(".maps");

/* The current full scan's sequence number (scan_begin). */
static __u64 cur_pass;

/* What full scan @st->pass taught about the area: adjust its interval. */
static void close_pass(struct vma_state *st)
{
	__u32 next;

	if (!st->scanned)
		return;
	if (st->merged) {
		if (st->interval > 1)
			STAT_ADD(wakeups, 1);
		st->idle = 0;
		st->interval = 1;
		st->followup = 0;
		return;
	}
	if (st->changed && !st->followup && st->interval > 1) {
		st->followup = 1;
		STAT_ADD(followups, 1);
		return;
	}
	st->followup = 0;
	if (++st->idle < idle_scans)
		return;
	next = st->interval < 2 ? 2 : st->interval * 2;
	if (next > max_backoff)
		next = max_backoff;
	if (next != st->interval)
		STAT_ADD(backoffs, 1);
	st->interval = next;
}

int KSM_EXT_OP(yield_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vma_key key = {
		.mm = mm_id(mm), .start = vma->vm_start, .end = vma->vm_end,
	};
	struct vma_state *st, fresh = { .pass = cur_pass, .interval = 1, .scanned = 1 };
	bool scan;

	if (bpf_core_field_exists(vma->vm_lock_seq))
		fresh.lock_seq = vma->vm_lock_seq;
	st = bpf_map_lookup_elem(&vmas, &key);
	/*
	 * Same addresses, but created or changed since: a new area.  A pass
	 * number behind ours: full scans were renumbered (run=2): start over.
	 */
	if (st && (st->lock_seq != fresh.lock_seq || st->pass > cur_pass))
		st = NULL;
	if (!st) {
		bpf_map_update_elem(&vmas, &key, &fresh, BPF_ANY);
		STAT_ADD(vmas_new, 1);
		STAT_ADD(vmas_scanned, 1);
		return KSM_EXT_SCAN;
	}
	/* Asked again in the same full scan (the area was re-found). */
	if (st->pass == cur_pass)
		return st->scanned ? KSM_EXT_SCAN : KSM_EXT_SKIP;

	close_pass(st);
	scan = st->interval <= 1 || st->followup || !(cur_pass & (st->interval - 1));
	st->pass = cur_pass;
	st->scanned = scan;
	st->merged = 0;
	st->changed = 0;
	if (scan) {
		STAT_ADD(vmas_scanned, 1);
		return KSM_EXT_SCAN;
	}
	STAT_ADD(vmas_skipped, 1);
	return KSM_EXT_SKIP;
}

void KSM_EXT_OP(yield_page_done, struct mm_struct *mm,
		const struct ksm_ext_page *page, enum ksm_ext_outcome outcome)
{
	struct vma_key key;
	struct vma_state *st;
	bool merged;

	/* Most pages change nothing here: no map lookup for them. */
	merged = outcome == KSM_EXT_PAGE_MERGED || outcome == KSM_EXT_PAGE_PAIRED ||
		 outcome == KSM_EXT_PAGE_ZERO;
	/* A first visit is "changed" too: new content to compare next time. */
	if (!merged && outcome != KSM_EXT_PAGE_CHANGED)
		return;
	key.mm = mm_id(mm);
	key.start = page->vm_start;
	key.end = page->vm_end;
	st = bpf_map_lookup_elem(&vmas, &key);
	if (!st || st->pass != cur_pass)
		return;
	if (merged)
		st->merged = 1;
	else
		st->changed = 1;
}

void KSM_EXT_OP(yield_scan_begin, __u64 seq)
{
	cur_pass = seq;
}

s32 KSM_EXT_OP(yield_init)
{
	/* Intervals are powers of two: probes line up across areas. */
	if (max_backoff < 2 || max_backoff > 256 || (max_backoff & (max_backoff - 1)))
		return -22;	/* -EINVAL */
	if (idle_scans < 1 || idle_scans > 1000)
		return -22;
	return 0;
}

SEC(".struct_ops.link")
struct ksm_ext_ops yield = {
	.scan_vma = (void *)yield_scan_vma,
	.page_done = (void *)yield_page_done,
	.scan_begin = (void *)yield_scan_begin,
	.init = (void *)yield_init,
	.name = "yield",
};
