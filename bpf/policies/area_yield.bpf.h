/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Area-yield bookkeeping, for the policies that back off the areas that
 * stop merging (yield, and tenants, which scans as yield does): for each
 * VMA, what it yielded in the full scan it was last asked about (compared?
 * a page merged? a page changed?), and the interval at which it is
 * compared that follows from it.  The rule and its bound are explained
 * in yield.bpf.c.
 *
 * Helpers and layouts only.  The policy declares its tunables
 * (idle_scans, max_backoff), its map of areas (AREA_YIELD_MAP), its
 * statistics with AREA_YIELD_STATS first and the current full scan's
 * number; its callbacks pass them to area_yield_scan_vma(),
 * area_yield_page_done() and area_yield_check_tunables().
 */
#ifndef KSM_EXT_AREA_YIELD_BPF_H
#define KSM_EXT_AREA_YIELD_BPF_H

#include "policy.bpf.h"

/* The counters the helpers keep: first in the policy's stats struct. */
#define AREA_YIELD_STATS						\
	__u64 vmas_scanned;	/* per area and full scan */		\
	__u64 vmas_skipped;						\
	__u64 vmas_new;							\
	__u64 backoffs;		/* an interval raised */		\
	__u64 wakeups;		/* a backed-off area merged */		\
	__u64 followups;

struct area_yield_stats {
	AREA_YIELD_STATS
};

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

/* The policy's areas, forgotten least-recently-used first: a forgotten
 * area is new again. */
#define AREA_YIELD_MAP(name)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_LRU_HASH);			\
		__uint(max_entries, 65536);				\
		__type(key, struct vma_key);				\
		__type(value, struct vma_state);			\
	} name SEC(".maps")

/* Add to one counter of @s, this CPU's stats (NULL: none). */
#define AREA_YIELD_ADD(s, field)					\
	do {								\
		if (s)							\
			(s)->field += 1;				\
	} while (0)

/* What full scan @st->pass taught about the area: adjust its interval. */
static __always_inline void area_yield_close_pass(struct vma_state *st, __u32 idle_scans,
						  __u32 max_backoff,
						  struct area_yield_stats *s)
{
	__u32 next;

	if (!st->scanned)
		return;
	if (st->merged) {
		if (st->interval > 1)
			AREA_YIELD_ADD(s, wakeups);
		st->idle = 0;
		st->interval = 1;
		st->followup = 0;
		return;
	}
	if (st->changed && !st->followup && st->interval > 1) {
		st->followup = 1;
		AREA_YIELD_ADD(s, followups);
		return;
	}
	st->followup = 0;
	if (++st->idle < idle_scans)
		return;
	next = st->interval < 2 ? 2 : st->interval * 2;
	if (next > max_backoff)
		next = max_backoff;
	if (next != st->interval)
		AREA_YIELD_ADD(s, backoffs);
	st->interval = next;
}

/*
 * scan_vma's answer for @vma in full scan @pass, from the area's state in
 * @areas (an AREA_YIELD_MAP), which it makes or updates.
 */
static __always_inline int area_yield_scan_vma(void *areas, struct mm_struct *mm,
					       struct vm_area_struct *vma, __u64 pass,
					       __u32 idle_scans, __u32 max_backoff,
					       struct area_yield_stats *s)
{
	struct vma_key key = {
		.mm = mm_id(mm), .start = vma->vm_start, .end = vma->vm_end,
	};
	struct vma_state *st, fresh = { .pass = pass, .interval = 1, .scanned = 1 };
	bool scan;

	if (bpf_core_field_exists(vma->vm_lock_seq))
		fresh.lock_seq = vma->vm_lock_seq;
	st = bpf_map_lookup_elem(areas, &key);
	/*
	 * Same addresses, but created or changed since: a new area.  A pass
	 * number behind ours: full scans were renumbered (run=2): start over.
	 */
	if (st && (st->lock_seq != fresh.lock_seq || st->pass > pass))
		st = NULL;
	if (!st) {
		bpf_map_update_elem(areas, &key, &fresh, BPF_ANY);
		AREA_YIELD_ADD(s, vmas_new);
		AREA_YIELD_ADD(s, vmas_scanned);
		return KSM_EXT_SCAN;
	}
	/* Asked again in the same full scan (the area was re-found). */
	if (st->pass == pass)
		return st->scanned ? KSM_EXT_SCAN : KSM_EXT_SKIP;

	area_yield_close_pass(st, idle_scans, max_backoff, s);
	scan = st->interval <= 1 || st->followup || !(pass & (st->interval - 1));
	st->pass = pass;
	st->scanned = scan;
	st->merged = 0;
	st->changed = 0;
	if (scan) {
		AREA_YIELD_ADD(s, vmas_scanned);
		return KSM_EXT_SCAN;
	}
	AREA_YIELD_ADD(s, vmas_skipped);
	return KSM_EXT_SKIP;
}

/* page_done: note in the page's area (in @areas) that it merged or changed
 * in full scan @pass. */
static __always_inline void area_yield_page_done(void *areas, struct mm_struct *mm,
						 const struct ksm_ext_page *page,
						 enum ksm_ext_outcome outcome, __u64 pass)
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
	st = bpf_map_lookup_elem(areas, &key);
	if (!st || st->pass != pass)
		return;
	if (merged)
		st->merged = 1;
	else
		st->changed = 1;
}

/* For the policy's init: 0, or -EINVAL for tunables out of range. */
static __always_inline s32 area_yield_check_tunables(__u32 idle_scans, __u32 max_backoff)
{
	/* Intervals are powers of two: probes line up across areas. */
	if (max_backoff < 2 || max_backoff > 256 || (max_backoff & (max_backoff - 1)))
		return -22;	/* -EINVAL */
	if (idle_scans < 1 || idle_scans > 1000)
		return -22;
	return 0;
}

#endif /* KSM_EXT_AREA_YIELD_BPF_H */
