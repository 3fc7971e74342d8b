/* SPDX-License-Identifier: GPL-2.0 */
/*
 * yield's scanning, shared by the policies that scan as yield does (yield,
 * tenants): yield.bpf.c says how it decides.  The includer may define
 * YIELD_EXTRA_STATS (more __u64 fields for the stats) before including it,
 * and puts YIELD_OPS in its struct_ops.
 */
#ifndef KSM_EXT_YIELD_BPF_H
#define KSM_EXT_YIELD_BPF_H

#include "policy.bpf.h"

const volatile __u32 idle_scans = 2;
const volatile __u32 max_backoff = 8;

#ifndef YIELD_EXTRA_STATS
#define YIELD_EXTRA_STATS
#endif

struct yield_stats {
	__u64 vmas_scanned;
	__u64 vmas_skipped;
	__u64 vmas_new;
	__u64 backoffs;
	__u64 wakeups;
	__u64 followups;
	YIELD_EXTRA_STATS
};
KSM_EXT_STATS(struct yield_stats)

/* yield's callbacks, for a struct ksm_ext_ops initialiser (init is the
 * includer's: it calls yield_check_tunables()). */
#define YIELD_OPS						\
	.scan_vma = (void *)yield_scan_vma,			\
	.page_done = (void *)yield_page_done,			\
	.scan_begin = (void *)yield_scan_begin

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

/* For the includer's init: 0, or -EINVAL for tunables out of range. */
static __always_inline s32 yield_check_tunables(void)
{
	/* Intervals are powers of two: probes line up across areas. */
	if (max_backoff < 2 || max_backoff > 256 || (max_backoff & (max_backoff - 1)))
		return -22;	/* -EINVAL */
	if (idle_scans < 1 || idle_scans > 1000)
		return -22;
	return 0;
}

#endif /* KSM_EXT_YIELD_BPF_H */
