/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map layouts of bpf/ksm_stats.bpf.c, shared by the BPF program and every
 * userspace reader (ksm-loader, ksm-policyd, ksm-top).  Defined once here.
 */
#ifndef KSM_EXT_STATS_H
#define KSM_EXT_STATS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Where `ksm-loader stats start` pins the stats maps and links. */
#define KSM_EXT_PIN_ROOT	"/sys/fs/bpf/ksm_ext"
#define KSM_EXT_STATS_DIR	KSM_EXT_PIN_ROOT "/stats"

#define KSM_EXT_SCAN_RING	64	/* full scans kept in the history */
#define KSM_EXT_MAX_PROCS	8192	/* per-process rows (LRU) */
#define KSM_EXT_MAX_CGROUPS	1024	/* per-cgroup rows (LRU) */
#define KSM_EXT_COMM_LEN	16

/*
 * Global counters, one per-CPU slot each (map "counters", key 0).
 *
 * ksmd merges a page either into an existing KSM page ("stable") or, when
 * two identical unmerged pages meet in the unstable tree, by turning the
 * first into a new KSM page and merging the second into it ("pair").  So a
 * pair adds one to pages_shared and one to pages_sharing; a stable merge
 * adds one to pages_sharing.  The tracepoint sees the two halves of a pair
 * as two ksm_merge_with_ksm_page events; the program folds them into one.
 */
enum ksm_ext_counter {
	KSM_EXT_MERGE_PAIR,		/* new KSM page from two pages */
	KSM_EXT_MERGE_STABLE,		/* page merged into a KSM page */
	KSM_EXT_MERGE_ZERO,		/* page merged with the zero page */
	KSM_EXT_MERGE_FAIL_PAIR,	/* pair attempt failed */
	KSM_EXT_MERGE_FAIL_STABLE,	/* stable merge attempt failed */
	KSM_EXT_MERGE_FAIL_ZERO,	/* zero-page merge attempt failed */
	KSM_EXT_UNMERGE_RMAP,		/* sharer dropped with its KSM page */
	KSM_EXT_KSM_PAGE_REMOVED,	/* KSM page left the stable tree */
	KSM_EXT_MM_ENTER,		/* mm registered with KSM */
	KSM_EXT_MM_EXIT,		/* mm left KSM */
	KSM_EXT_SCAN_START,		/* full scans started */
	KSM_EXT_SCAN_END,		/* full scans completed */
	KSM_EXT_ADVISOR,		/* scan-time advisor decisions */
	KSM_EXT_NR_COUNTERS
};

struct ksm_ext_counters {
	__u64 v[KSM_EXT_NR_COUNTERS];
};

/*
 * One completed full scan (map "scans", index seq % KSM_EXT_SCAN_RING).
 * A seqlock: the writer sets @seq to 0, fills every field, then sets @seq,
 * with fully ordered exchanges; readers read @seq before and after the
 * rest (src/lib/stats_read.c), skip slots whose seq changed or does not
 * match the slot, and order the rest by seq.
 */
struct ksm_ext_scan {
	__u64 seq;		/* ksm_scan.seqnr of the pass, +1 (0 = empty) */
	__u64 start_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 end_ns;
	__u64 ksmd_cpu_ns;	/* ksmd's sum_exec_runtime during the pass */
	/*
	 * KSM's rmap_items when the pass ended (ksm_stop_scan's argument,
	 * the kernel's ksm_rmap_items: pages_shared + pages_sharing +
	 * pages_unshared + pages_volatile), one per page KSM tracks.  Not
	 * the pages the pass compared (the pass's share of pages_scanned):
	 * pages smart scan steps over keep their items, and so do the pages
	 * of areas and mms a scan policy skips, which the pass does not look
	 * at, while a page skipped on its first visit gets none.  With
	 * neither, and no process starting or exiting, the two agree (the
	 * cursor frees the items of pages that went away).
	 */
	__u64 rmap_items_end;
	__u64 merges;		/* pairs + stable + zero merges in the pass */
	__u64 merge_fails;
};

/* State of the pass in progress (map "scan_state", key 0). */
struct ksm_ext_scan_state {
	__u64 seq;		/* seq of the pass in progress, +1 */
	__u64 start_ns;
	__u64 start_cpu_ns;
	__u64 merges;		/* so far in this pass */
	__u64 merge_fails;
	__u64 pending_pair_pfn;	/* first half of a pair in flight, +1 */
	__u64 pending_pair_mm;	/* and the mm it belongs to */
};

/* Per-process row (map "procs", key: tgid). */
struct ksm_ext_proc {
	__u64 merges;		/* pages of this process merged */
	__u64 unmerges;		/* sharers dropped (traced paths only) */
	__u64 merge_fails;
	__u64 cgroup_id;	/* cgroup v2 id of the process */
	__u32 exited;		/* ksm_exit seen for its mm */
	char comm[KSM_EXT_COMM_LEN];
};

/* Per-cgroup row (map "cgroups", key: cgroup v2 id). */
struct ksm_ext_cgroup {
	__u64 merges;
	__u64 unmerges;
	__u64 merge_fails;
};

/* Which process an mm belongs to (map "mms", key: mm address). */
struct ksm_ext_mm {
	__u32 tgid;
	__u32 pad;
	__u64 cgroup_id;
	char comm[KSM_EXT_COMM_LEN];
};

#endif /* KSM_EXT_STATS_H */
