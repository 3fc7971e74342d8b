/* SPDX-License-Identifier: GPL-2.0 */
/*
 * workload_layout.h - pure arithmetic behind ksm-workload
 *
 * Everything here is free of I/O and global state (apart from getopt's, which
 * wl_parse_args() resets on entry) so the unit tests can drive it directly:
 * page class counts, the expected KSM figures, the page-to-class permutation,
 * page content generation/verification and command line parsing.
 */
#ifndef KSM_EXT_WORKLOAD_LAYOUT_H
#define KSM_EXT_WORKLOAD_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WL_PROCS_MIN		1u
#define WL_PROCS_MAX		1024u
#define WL_MIB_MIN		1u
#define WL_MIB_MAX		65536u
#define WL_RATE_MAX		1000000u
#define WL_FIRST_PROC_MAX	(1u << 30)
#define WL_DURATION_MAX		(100.0 * 24 * 3600)
#define WL_MPS_MIN		2u
#define WL_MPS_MAX		(1u << 30)
#define WL_FRAC_EPSILON		1e-6

/* Defaults, also quoted by the --help text. */
#define WL_DEF_PROCS		4u
#define WL_DEF_MIB		64u
#define WL_DEF_DUP		0.25
#define WL_DEF_ZERO		0.05
#define WL_DEF_UNIQUE		0.50
#define WL_DEF_VOLATILE		0.20
#define WL_DEF_SEED		1u
#define WL_DEF_RATE		1000u
#define WL_DEF_MPS		256u

enum wl_class {
	WL_DUP,
	WL_ZERO,
	WL_UNIQUE,
	WL_VOLATILE,
	WL_NR_CLASSES,
};

struct wl_fractions {
	double dup;
	double zero;
	double unique;
	double volatil;		/* "volatile" is a keyword */
};

struct wl_layout {
	unsigned int procs;
	uint64_t pages_per_proc;
	uint64_t count[WL_NR_CLASSES];	/* pages of each class, per process */
	unsigned int max_page_sharing;
	uint64_t expected_pages_sharing;	/* over all processes */
	uint64_t expected_pages_shared;
};

/* Where a page sits in the layout: its class and its index inside the class. */
struct wl_slot {
	enum wl_class class;
	uint64_t index;
};

/*
 * Identity of one page's content.  Two pages have equal content iff their
 * identities are equal, because the identity is stored verbatim in the first
 * words of the page (see wl_page_fill()).
 */
struct wl_page_id {
	enum wl_class class;
	uint64_t seed;
	uint64_t proc;		/* global process index; 0 for dup pages */
	uint64_t page;		/* dup: index in dup class; else page index */
	uint64_t gen;		/* volatile generation; 0 otherwise */
};

#define WL_HDR_WORDS	5
#define WL_MAGIC	0x4b534d57ull	/* "KSMW" */

enum wl_mode {
	WL_MODE_MADVISE,
	WL_MODE_PRCTL,
	WL_MODE_NONE,		/* neither: enrolled from outside */
};

struct wl_options {
	unsigned int procs;
	uint64_t mib;
	struct wl_fractions frac;
	uint64_t seed;
	double duration;		/* seconds, 0 = until signalled */
	uint64_t volatile_rate;		/* rewrites per second per process */
	uint64_t first_proc;
	enum wl_mode mode;
	/* Volatile content depends on (slot, generation) only, so copies in
	 * step across processes merge, and the next rewrite breaks the COW. */
	bool volatile_shared;
	/* Each class in its own area (separate VMAs), in class order, as a
	 * heap, zeroed buffers, shared data and scratch would be. */
	bool structured;
	unsigned int max_page_sharing;	/* 0 = not given, ask the kernel */
	bool json;
	bool quiet;
	bool help;
};

enum wl_parse_result {
	WL_PARSE_OK = 0,
	WL_PARSE_HELP = 1,	/* --help given; print usage, exit 0 */
	WL_PARSE_USAGE = 2,	/* error text in err; exit 2 */
};

/* Number parsers: whole string must be consumed, no sign, no blanks. */
int wl_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int wl_parse_double(const char *s, double min, double max, double *out);

void wl_options_init(struct wl_options *o);
enum wl_parse_result wl_parse_args(struct wl_options *o, int argc,
				   char *const argv[], char *err,
				   size_t errlen);

double wl_fractions_sum(const struct wl_fractions *f);

/*
 * KSM pages needed (shared) and page table entries saved (sharing) when one
 * content is mapped n times and a KSM page may carry max_page_sharing maps.
 */
void wl_ksm_expect(uint64_t n, unsigned int max_page_sharing,
		   uint64_t *shared, uint64_t *sharing);

/* Returns 0, or -1 if the arguments are out of range or fractions invalid. */
int wl_layout_compute(struct wl_layout *l, unsigned int procs,
		      uint64_t pages_per_proc, const struct wl_fractions *f,
		      unsigned int max_page_sharing);

/* Bijection on [0, n) keyed by seed; page index -> rank in class order. */
uint64_t wl_permute(uint64_t i, uint64_t n, uint64_t seed);
struct wl_slot wl_classify(const struct wl_layout *l, uint64_t seed,
			   uint64_t page);
/* --structured: classes in order, dup pages first. */
struct wl_slot wl_classify_in_order(const struct wl_layout *l, uint64_t page);
const char *wl_class_name(enum wl_class c);

/* Page content; words = page size / 8. */
void wl_page_fill(uint64_t *page, size_t words, const struct wl_page_id *id);
/* Returns the index of the first mismatching word, or -1 if it matches. */
long wl_page_check(const uint64_t *page, size_t words,
		   const struct wl_page_id *id);
/* Decode a header read back from memory; false if it is not one of ours. */
bool wl_page_id_decode(const uint64_t hdr[WL_HDR_WORDS],
		       struct wl_page_id *id);

#endif /* KSM_EXT_WORKLOAD_LAYOUT_H */
