/* SPDX-License-Identifier: GPL-2.0 */
/* /sys/kernel/mm/ksm: read, parse and write KSM's knobs and counters. */
#ifndef KSM_EXT_SYSFS_H
#define KSM_EXT_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KSM_SYSFS_DIR "/sys/kernel/mm/ksm"

/* Parse one sysfs value ("123\n"); 0 or -EINVAL. */
int ksm_parse_u64(const char *text, uint64_t *out);
int ksm_parse_s64(const char *text, int64_t *out);
/* Parse a selector such as "[none] scan-time" into the bracketed word. */
int ksm_parse_selector(const char *text, char *out, size_t out_len);

/* Read/write a file under @dir (KSM_SYSFS_DIR in production, a fixture dir
 * in tests); 0 or -errno. */
int ksm_sysfs_read_str(const char *dir, const char *name, char *buf, size_t len);
int ksm_sysfs_read_u64(const char *dir, const char *name, uint64_t *out);
int ksm_sysfs_write_str(const char *dir, const char *name, const char *val);

/* The counters KSM exposes; a file the kernel lacks reads as missing. */
struct ksm_sysfs_stats {
	uint64_t run, pages_to_scan, sleep_millisecs;
	uint64_t pages_shared, pages_sharing, pages_unshared, pages_volatile;
	uint64_t pages_scanned, pages_skipped, full_scans, ksm_zero_pages;
	uint64_t stable_node_chains, stable_node_dups;
	int64_t general_profit;
	char advisor_mode[32];	/* "" when missing */
	char ext_policy[64];	/* ksm_ext policy name, "" when missing */
	/* What ksm_ext policies had ksmd skip since boot (ksm_ext kernels). */
	uint64_t ext_mms_skipped, ext_vmas_skipped, ext_pages_skipped;
	uint32_t missing;	/* bit per KSM_STAT_* not readable */
};

enum {
	KSM_STAT_PAGES_SCANNED = 1u << 0,	/* >= 6.7 */
	KSM_STAT_PAGES_SKIPPED = 1u << 1,	/* >= 6.7 */
	KSM_STAT_ZERO_PAGES = 1u << 2,		/* >= 6.1 */
	KSM_STAT_GENERAL_PROFIT = 1u << 3,	/* >= 6.1 */
	KSM_STAT_ADVISOR = 1u << 4,		/* >= 6.9 */
	KSM_STAT_EXT_POLICY = 1u << 5,		/* ksm_ext kernels */
	KSM_STAT_EXT_SKIPPED = 1u << 6,		/* ext_*_skipped, ksm_ext kernels */
};

/* 0, or -errno when KSM itself (run, pages_sharing) is unreadable. */
int ksm_sysfs_read_stats(const char *dir, struct ksm_sysfs_stats *st);

/*
 * One line of ext_domains (ksm_ext kernels): a merge domain, the mms ksmd
 * knows in it and its pages, counted as the global pages_shared and
 * pages_sharing are.  Pages merge only within a domain.
 */
struct ksm_domain {
	uint64_t id;
	bool none;		/* the mms in no domain: the table was full */
	uint64_t mms, pages_shared, pages_sharing;
};

/* The kernel's table holds 256 domains; the "none" line comes on top. */
#define KSM_DOMAINS_MAX 257

/*
 * Parse ext_domains text into at most @max rows, *@n of them.  0; -EINVAL
 * when line *@line (1: the header) is malformed; -E2BIG when line *@line
 * is one row more than @max.
 */
int ksm_parse_domains(const char *text, struct ksm_domain *out, size_t max,
		      size_t *n, size_t *line);
/* Read and parse @dir/ext_domains, whatever its size; as above, or -errno. */
int ksm_sysfs_read_domains(const char *dir, struct ksm_domain *out, size_t max,
			   size_t *n, size_t *line);

#endif /* KSM_EXT_SYSFS_H */
