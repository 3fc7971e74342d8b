/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the maps that `ksm-loader stats start` pinned, and the pure
 * arithmetic on them (per-CPU sums, ordering the scan ring, per-pass rates)
 * that ksm-loader, ksm-policyd and ksm-top share.
 */
#ifndef KSM_EXT_STATS_READ_H
#define KSM_EXT_STATS_READ_H

#include <stddef.h>
#include <stdint.h>
#include <ksm_ext/stats.h>

/* The maps the readers use (scan_state and mms are the program's own). */
struct stats_maps {
	int counters, scans, procs, cgroups;
};

/* Name of a counter for text and JSON output ("merge_pair", ...). */
const char *stats_counter_name(enum ksm_ext_counter idx);

/*
 * Open the pinned maps under @dir; 0 or -errno: -ENOENT not running,
 * -EPROTO a map whose key or value size is not this build's (pinned by
 * another version of ksm-loader: 'ksm-loader stats stop', then start).
 */
int stats_open(const char *dir, struct stats_maps *m);
void stats_close(struct stats_maps *m);
/* Why stats_open() failed, in words (strerror, but -EPROTO says what to do). */
const char *stats_open_strerror(int err);

/* Pure: add up @ncpus per-CPU copies of the counters. */
void stats_sum_percpu(const struct ksm_ext_counters *percpu, int ncpus,
		      struct ksm_ext_counters *out);
int stats_read_counters(const struct stats_maps *m, struct ksm_ext_counters *out);

/*
 * Pure: keep the ring slots that hold a completed pass (seq != 0 and in the
 * slot seq selects), sorted oldest first.  Returns how many were kept.
 */
size_t stats_order_scans(struct ksm_ext_scan *slots, size_t n);
/* Read the ring; fills @out (KSM_EXT_SCAN_RING slots), returns the count
 * of completed passes, oldest first, or -errno. */
int stats_read_scans(const struct stats_maps *m, struct ksm_ext_scan *out);

/* Per-pass figures derived from one ring entry. */
struct scan_rates {
	double duration_s;
	double ksmd_cpu_pct;		/* of one CPU, during the pass */
	double merges_per_kpage;	/* merges per 1000 rmap_items_end */
};
void stats_scan_rates(const struct ksm_ext_scan *s, struct scan_rates *out);

struct stats_proc_row {
	uint32_t tgid;
	struct ksm_ext_proc v;
};
struct stats_cgroup_row {
	uint64_t id;
	struct ksm_ext_cgroup v;
};
/* Read every row; *rows is malloc'ed (caller frees).  Count or -errno. */
int stats_read_procs(const struct stats_maps *m, struct stats_proc_row **rows);
int stats_read_cgroups(const struct stats_maps *m, struct stats_cgroup_row **rows);
/* Pure: sort rows by merges, most first (ties: lower tgid first). */
void stats_sort_procs(struct stats_proc_row *rows, size_t n);

#endif /* KSM_EXT_STATS_READ_H */
