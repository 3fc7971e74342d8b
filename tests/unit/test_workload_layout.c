// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for ksm-workload's pure layout arithmetic, page content and
 * command line parsing (tests/workload/workload_layout.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../workload/workload_layout.h"

#define PAGE_WORDS	512	/* 4 KiB pages */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char err[256];

/* argv must be NULL-terminated; getopt may permute the pointer array. */
static enum wl_parse_result parse_argv(struct wl_options *o, char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return wl_parse_args(o, argc, argv, err, sizeof(err));
}

#define PARSE(o, ...) \
	parse_argv(o, (char *[]){ "ksm-workload", __VA_ARGS__, NULL })

static struct wl_fractions frac(double dup, double zero, double unique,
				double volatil)
{
	return (struct wl_fractions){ dup, zero, unique, volatil };
}

static const struct wl_fractions def_frac = {
	WL_DEF_DUP, WL_DEF_ZERO, WL_DEF_UNIQUE, WL_DEF_VOLATILE
};

/* ------------------------------------------------------------------------ */
/* Expected KSM figures                                                     */

static void expect(uint64_t n, unsigned int mps, uint64_t shared,
		   uint64_t sharing)
{
	uint64_t got_shared = 99, got_sharing = 99;

	wl_ksm_expect(n, mps, &got_shared, &got_sharing);
	cr_expect_eq(got_shared, shared, "n=%llu mps=%u: shared %llu != %llu",
		     (unsigned long long)n, mps,
		     (unsigned long long)got_shared,
		     (unsigned long long)shared);
	cr_expect_eq(got_sharing, sharing,
		     "n=%llu mps=%u: sharing %llu != %llu",
		     (unsigned long long)n, mps,
		     (unsigned long long)got_sharing,
		     (unsigned long long)sharing);
}

Test(workload_expect, nothing_to_merge_below_two_mappings)
{
	expect(0, 256, 0, 0);
	expect(1, 256, 0, 0);
}

Test(workload_expect, one_ksm_page_up_to_max_page_sharing)
{
	expect(2, 256, 1, 1);
	expect(4, 256, 1, 3);
	expect(256, 256, 1, 255);
}

Test(workload_expect, chains_beyond_max_page_sharing)
{
	expect(258, 256, 2, 256);
	expect(512, 256, 2, 510);
	expect(1000, 256, 4, 996);
	expect(10, 2, 5, 5);
}

/* A single leftover mapping is not merged; sharing still n - ceil(n/mps). */
Test(workload_expect, lone_leftover_is_not_a_ksm_page)
{
	expect(257, 256, 1, 255);
	expect(513, 256, 2, 510);
	expect(3, 2, 1, 1);
	expect(11, 2, 5, 5);
}

Test(workload_expect, sharing_matches_naive_formula)
{
	uint64_t n, shared, sharing;
	unsigned int mps;

	for (mps = 2; mps < 40; mps++) {
		for (n = 2; n < 200; n++) {
			wl_ksm_expect(n, mps, &shared, &sharing);
			cr_assert_eq(sharing, n - (n + mps - 1) / mps);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Layout                                                                   */

static struct wl_layout layout(unsigned int procs, uint64_t pages,
			       struct wl_fractions f, unsigned int mps)
{
	struct wl_layout l;

	cr_assert_eq(wl_layout_compute(&l, procs, pages, &f, mps), 0);
	cr_assert_eq(l.count[WL_DUP] + l.count[WL_ZERO] + l.count[WL_UNIQUE] +
		     l.count[WL_VOLATILE], pages);
	return l;
}

Test(workload_layout, defaults_64mib_4_procs)
{
	struct wl_layout l = layout(4, 16384, def_frac, 256);

	cr_expect_eq(l.count[WL_DUP], 4096);
	cr_expect_eq(l.count[WL_ZERO], 819);		/* floor(819.2) */
	cr_expect_eq(l.count[WL_VOLATILE], 3276);	/* floor(3276.8) */
	cr_expect_eq(l.count[WL_UNIQUE], 8193);		/* remainder */
	/* dup: 4096 * (4 - 1); zero: 3276 maps = 12 full chains + 204 */
	cr_expect_eq(l.expected_pages_sharing, 4096 * 3 + 3276 - 13);
	cr_expect_eq(l.expected_pages_shared, 4096 + 13);
}

Test(workload_layout, one_process_only_zero_pages_merge)
{
	struct wl_layout l = layout(1, 16384, def_frac, 256);

	/* 819 zero pages within one mm: 3 full chains + 51 -> 4 KSM pages */
	cr_expect_eq(l.expected_pages_shared, 4);
	cr_expect_eq(l.expected_pages_sharing, 819 - 4);
}

Test(workload_layout, one_process_all_dup_merges_nothing)
{
	struct wl_layout l = layout(1, 256, frac(1, 0, 0, 0), 256);

	cr_expect_eq(l.count[WL_DUP], 256);
	cr_expect_eq(l.expected_pages_sharing, 0);
	cr_expect_eq(l.expected_pages_shared, 0);
}

Test(workload_layout, many_processes_hit_max_page_sharing)
{
	struct wl_layout l = layout(1000, 256, frac(1, 0, 0, 0), 256);

	/* each dup content: 1000 maps = 3 full chains + 232 -> 4 KSM pages */
	cr_expect_eq(l.expected_pages_shared, 256 * 4);
	cr_expect_eq(l.expected_pages_sharing, 256 * 996);
}

Test(workload_layout, max_page_sharing_override)
{
	struct wl_layout l = layout(4, 256, frac(0, 1, 0, 0), 2);

	cr_expect_eq(l.count[WL_ZERO], 256);
	cr_expect_eq(l.expected_pages_shared, 512);
	cr_expect_eq(l.expected_pages_sharing, 512);
}

Test(workload_layout, empty_classes)
{
	struct wl_layout l = layout(4, 256, frac(0, 0, 1, 0), 256);

	cr_expect_eq(l.count[WL_UNIQUE], 256);
	cr_expect_eq(l.count[WL_DUP] + l.count[WL_ZERO] +
		     l.count[WL_VOLATILE], 0);
	cr_expect_eq(l.expected_pages_sharing, 0);
	cr_expect_eq(l.expected_pages_shared, 0);

	/* Fractions too small for a single page round down to none. */
	l = layout(4, 256, frac(0.001, 0.001, 0.997, 0.001), 256);
	cr_expect_eq(l.count[WL_DUP], 0);
	cr_expect_eq(l.count[WL_ZERO], 0);
	cr_expect_eq(l.count[WL_VOLATILE], 0);
	cr_expect_eq(l.count[WL_UNIQUE], 256);
	cr_expect_eq(l.expected_pages_sharing, 0);
}

Test(workload_layout, floors_and_unique_takes_the_remainder)
{
	struct wl_layout l = layout(2, 10, frac(0.25, 0.05, 0.5, 0.2), 256);

	cr_expect_eq(l.count[WL_DUP], 2);	/* 2.5 */
	cr_expect_eq(l.count[WL_ZERO], 0);	/* 0.5 */
	cr_expect_eq(l.count[WL_VOLATILE], 2);	/* exactly 2 */
	cr_expect_eq(l.count[WL_UNIQUE], 6);	/* not 5: takes the rest */
}

/* 0.3 * 10 == 2.9999999999999996 in doubles; it must count as 3. */
Test(workload_layout, binary_rounding_forgiven)
{
	struct wl_layout l = layout(2, 10, frac(0.3, 0.1, 0.3, 0.3), 256);

	cr_expect_eq(l.count[WL_DUP], 3);
	cr_expect_eq(l.count[WL_ZERO], 1);
	cr_expect_eq(l.count[WL_VOLATILE], 3);
	cr_expect_eq(l.count[WL_UNIQUE], 3);
}

/* Sum within tolerance but above 1: the floors must not overrun N. */
Test(workload_layout, sum_slightly_above_one_is_clamped)
{
	struct wl_layout l = layout(2, 1u << 24,
				    frac(0.5000005, 0, 0, 0.5), 256);

	cr_expect_eq(l.count[WL_DUP], 8388616);
	cr_expect_eq(l.count[WL_VOLATILE], (1u << 24) - 8388616);
	cr_expect_eq(l.count[WL_UNIQUE], 0);
}

Test(workload_layout, counts_always_sum_to_n)
{
	uint64_t n;
	double d, z, v;

	for (n = 1; n < 300; n += 7)
		for (d = 0; d <= 1.0; d += 0.125)
			for (z = 0; d + z <= 1.0; z += 0.25)
				for (v = 0; d + z + v <= 1.0; v += 0.3)
					layout(3, n, frac(d, z, 1 - d - z - v,
							  v), 256);
}

Test(workload_layout, rejects_bad_input)
{
	struct wl_fractions f = def_frac;
	struct wl_layout l;

	cr_expect_neq(wl_layout_compute(&l, 0, 256, &f, 256), 0);
	cr_expect_neq(wl_layout_compute(&l, 1, 0, &f, 256), 0);
	cr_expect_neq(wl_layout_compute(&l, 1, 256, &f, 1), 0);
	f.dup = 0.3;
	cr_expect_neq(wl_layout_compute(&l, 1, 256, &f, 256), 0);
	f = frac(-0.1, 0.1, 0.5, 0.5);
	cr_expect_neq(wl_layout_compute(&l, 1, 256, &f, 256), 0);
}

/* ------------------------------------------------------------------------ */
/* Placement                                                                */

static void check_bijection(uint64_t n, uint64_t seed)
{
	unsigned char *seen = calloc(n, 1);
	uint64_t i, r;

	cr_assert_not_null(seen);
	for (i = 0; i < n; i++) {
		r = wl_permute(i, n, seed);
		cr_assert_lt(r, n, "n=%llu: %llu out of range",
			     (unsigned long long)n, (unsigned long long)r);
		cr_assert_eq(seen[r], 0, "n=%llu: %llu hit twice",
			     (unsigned long long)n, (unsigned long long)r);
		seen[r] = 1;
	}
	free(seen);
}

Test(workload_placement, permutation_is_a_bijection)
{
	static const uint64_t sizes[] = { 1, 2, 3, 4, 5, 7, 16, 17, 255, 256,
					  1000, 4097, 65536, 100003 };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		check_bijection(sizes[k], 1);
		check_bijection(sizes[k], 0xdeadbeefcafeull);
	}
}

Test(workload_placement, permutation_depends_on_seed)
{
	uint64_t i, same = 0;

	for (i = 0; i < 4096; i++)
		same += wl_permute(i, 4096, 1) == wl_permute(i, 4096, 2);
	cr_expect_lt(same, 64);
}

/* Rank of the first page of class c in class order (dup, zero, ...). */
static uint64_t class_base(const struct wl_layout *l, enum wl_class c)
{
	uint64_t base = 0;
	int k;

	for (k = 0; k < (int)c; k++)
		base += l->count[k];
	return base;
}

Test(workload_placement, exact_counts_and_interleaved)
{
	struct wl_layout l = layout(4, 16384, def_frac, 256);
	uint64_t count[WL_NR_CLASSES] = { 0 };
	uint64_t first_block[WL_NR_CLASSES] = { 0 };
	unsigned char *seen = calloc(16384, 1);
	struct wl_slot s;
	uint64_t p;
	int c;

	cr_assert_not_null(seen);
	for (p = 0; p < 16384; p++) {
		s = wl_classify(&l, 1, p);
		cr_assert_lt(s.index, l.count[s.class]);
		/* (class, index) pairs are unique: mark via the global rank. */
		cr_assert_eq(seen[class_base(&l, s.class) + s.index], 0);
		seen[class_base(&l, s.class) + s.index] = 1;
		count[s.class]++;
		if (p < 1024)
			first_block[s.class]++;
	}
	for (c = 0; c < WL_NR_CLASSES; c++) {
		cr_expect_eq(count[c], l.count[c], "class %s",
			     wl_class_name(c));
		/* Every class shows up in the first 1/16 of the area. */
		cr_expect_gt(first_block[c], l.count[c] / 32, "class %s",
			     wl_class_name(c));
	}
	free(seen);
}

Test(workload_placement, in_order_is_contiguous)
{
	struct wl_layout l = layout(4, 16384, def_frac, 256);
	struct wl_slot s;
	uint64_t p;

	/* --structured: page p is rank p, so each class is one range. */
	for (p = 0; p < 16384; p++) {
		s = wl_classify_in_order(&l, p);
		cr_assert_eq(class_base(&l, s.class) + s.index, p);
		cr_assert_lt(s.index, l.count[s.class]);
	}
}

Test(workload_placement, class_names)
{
	cr_expect_str_eq(wl_class_name(WL_DUP), "dup");
	cr_expect_str_eq(wl_class_name(WL_VOLATILE), "volatile");
}

/* ------------------------------------------------------------------------ */
/* Page content                                                             */

static uint64_t pg_a[PAGE_WORDS], pg_b[PAGE_WORDS];

static struct wl_page_id id_of(enum wl_class c, uint64_t proc, uint64_t page,
			       uint64_t gen)
{
	return (struct wl_page_id){ .class = c, .seed = 1, .proc = proc,
				    .page = page, .gen = gen };
}

static bool fill_equal(struct wl_page_id a, struct wl_page_id b)
{
	wl_page_fill(pg_a, PAGE_WORDS, &a);
	wl_page_fill(pg_b, PAGE_WORDS, &b);
	return !memcmp(pg_a, pg_b, sizeof(pg_a));
}

static bool all_zero(const uint64_t *p)
{
	int w;

	for (w = 0; w < PAGE_WORDS; w++)
		if (p[w])
			return false;
	return true;
}

Test(workload_content, dup_same_everywhere_distinct_within)
{
	cr_expect(fill_equal(id_of(WL_DUP, 0, 7, 0), id_of(WL_DUP, 0, 7, 0)));
	cr_expect(!fill_equal(id_of(WL_DUP, 0, 7, 0), id_of(WL_DUP, 0, 8, 0)));
	cr_expect(!all_zero(pg_a) && !all_zero(pg_b));
}

Test(workload_content, unique_and_volatile_distinct)
{
	cr_expect(!fill_equal(id_of(WL_UNIQUE, 0, 5, 0),
			      id_of(WL_UNIQUE, 1, 5, 0)));
	cr_expect(!fill_equal(id_of(WL_UNIQUE, 0, 5, 0),
			      id_of(WL_UNIQUE, 0, 6, 0)));
	cr_expect(!fill_equal(id_of(WL_VOLATILE, 0, 5, 0),
			      id_of(WL_VOLATILE, 0, 5, 1)));
	/* Same numbers, different class: still different content. */
	cr_expect(!fill_equal(id_of(WL_UNIQUE, 0, 5, 0),
			      id_of(WL_VOLATILE, 0, 5, 0)));
	cr_expect(!fill_equal(id_of(WL_DUP, 0, 5, 0),
			      id_of(WL_UNIQUE, 0, 5, 0)));
}

Test(workload_content, seed_changes_content)
{
	struct wl_page_id a = id_of(WL_DUP, 0, 3, 0), b = a;

	b.seed = 2;
	cr_expect(!fill_equal(a, b));
}

Test(workload_content, zero_pages_are_zero)
{
	struct wl_page_id z = id_of(WL_ZERO, 0, 0, 0);

	memset(pg_a, 0xff, sizeof(pg_a));
	wl_page_fill(pg_a, PAGE_WORDS, &z);
	cr_expect(all_zero(pg_a));
	cr_expect_eq(wl_page_check(pg_a, PAGE_WORDS, &z), -1);
	pg_a[300] = 1;
	cr_expect_eq(wl_page_check(pg_a, PAGE_WORDS, &z), 300);
}

Test(workload_content, check_finds_first_bad_word)
{
	struct wl_page_id v = id_of(WL_VOLATILE, 3, 99, 17);

	wl_page_fill(pg_a, PAGE_WORDS, &v);
	cr_expect_eq(wl_page_check(pg_a, PAGE_WORDS, &v), -1);
	pg_a[511] ^= 1ull << 63;
	cr_expect_eq(wl_page_check(pg_a, PAGE_WORDS, &v), 511);
	pg_a[2] ^= 4;
	cr_expect_eq(wl_page_check(pg_a, PAGE_WORDS, &v), 2);
	v.gen = 16;
	wl_page_fill(pg_a, PAGE_WORDS, &v);
	v.gen = 17;
	cr_expect_eq(wl_page_check(pg_a, PAGE_WORDS, &v), 4);
}

Test(workload_content, header_decodes)
{
	struct wl_page_id v = id_of(WL_VOLATILE, 3, 99, 17), got;
	uint64_t junk[WL_HDR_WORDS] = { 0x1234, 0, 0, 0, 0 };

	wl_page_fill(pg_a, PAGE_WORDS, &v);
	cr_assert(wl_page_id_decode(pg_a, &got));
	cr_expect_eq(got.class, WL_VOLATILE);
	cr_expect_eq(got.seed, 1);
	cr_expect_eq(got.proc, 3);
	cr_expect_eq(got.page, 99);
	cr_expect_eq(got.gen, 17);

	memset(pg_a, 0, sizeof(pg_a));
	cr_assert(wl_page_id_decode(pg_a, &got));
	cr_expect_eq(got.class, WL_ZERO);
	cr_expect(!wl_page_id_decode(junk, &got));
}

/* ------------------------------------------------------------------------ */
/* Number parsing                                                           */

Test(workload_numbers, u64)
{
	uint64_t v = 0;

	cr_expect_eq(wl_parse_u64("0", 0, 10, &v), 0);
	cr_expect_eq(v, 0);
	cr_expect_eq(wl_parse_u64("10", 0, 10, &v), 0);
	cr_expect_eq(v, 10);
	cr_expect_eq(wl_parse_u64("18446744073709551615", 0, UINT64_MAX, &v),
		     0);
	cr_expect_eq(v, UINT64_MAX);
	cr_expect_neq(wl_parse_u64("18446744073709551616", 0, UINT64_MAX, &v),
		      0);
	cr_expect_neq(wl_parse_u64("11", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("1", 2, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("-1", 0, UINT64_MAX, &v), 0);
	cr_expect_neq(wl_parse_u64("+1", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64(" 1", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("1 ", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("1x", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("0x1", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64("1.5", 0, 10, &v), 0);
	cr_expect_neq(wl_parse_u64(NULL, 0, 10, &v), 0);
}

Test(workload_numbers, fractions)
{
	double d = -1;

	cr_expect_eq(wl_parse_double("0.25", 0, 1, &d), 0);
	cr_expect_float_eq(d, 0.25, 1e-12);
	cr_expect_eq(wl_parse_double(".5", 0, 1, &d), 0);
	cr_expect_float_eq(d, 0.5, 1e-12);
	cr_expect_eq(wl_parse_double("1", 0, 1, &d), 0);
	cr_expect_eq(wl_parse_double("0", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double("1.0001", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double("-0.1", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double("nan", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double("inf", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double("0.5x", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double("", 0, 1, &d), 0);
	cr_expect_neq(wl_parse_double(".", 0, 1, &d), 0);
}

/* ------------------------------------------------------------------------ */
/* Command line                                                             */

Test(workload_args, defaults)
{
	struct wl_options o;

	cr_assert_eq(parse_argv(&o, (char *[]){ "ksm-workload", NULL }),
		     WL_PARSE_OK);
	cr_expect_eq(o.procs, 4);
	cr_expect_eq(o.mib, 64);
	cr_expect_float_eq(o.frac.dup, 0.25, 1e-12);
	cr_expect_float_eq(o.frac.zero, 0.05, 1e-12);
	cr_expect_float_eq(o.frac.unique, 0.50, 1e-12);
	cr_expect_float_eq(o.frac.volatil, 0.20, 1e-12);
	cr_expect_eq(o.seed, 1);
	cr_expect_float_eq(o.duration, 0, 1e-12);
	cr_expect_eq(o.volatile_rate, 1000);
	cr_expect_eq(o.first_proc, 0);
	cr_expect_eq(o.mode, WL_MODE_MADVISE);
	cr_expect_eq(o.max_page_sharing, 0);
	cr_expect(!o.json && !o.quiet && !o.help);
}

Test(workload_args, short_options)
{
	struct wl_options o;

	cr_assert_eq(PARSE(&o, "-p", "8", "-m", "32", "-s", "42", "-d", "2.5",
			   "-r", "0", "-q"), WL_PARSE_OK, "%s", err);
	cr_expect_eq(o.procs, 8);
	cr_expect_eq(o.mib, 32);
	cr_expect_eq(o.seed, 42);
	cr_expect_float_eq(o.duration, 2.5, 1e-12);
	cr_expect_eq(o.volatile_rate, 0);
	cr_expect(o.quiet);
	cr_assert_eq(PARSE(&o, "-p16", "-qm1"), WL_PARSE_OK, "%s", err);
	cr_expect_eq(o.procs, 16);
	cr_expect_eq(o.mib, 1);
}

Test(workload_args, long_options)
{
	struct wl_options o;

	cr_assert_eq(PARSE(&o, "--procs", "1024", "--mib=65536",
			   "--dup", "0.5", "--zero", "0", "--unique=0.25",
			   "--volatile", "0.25", "--seed", "7",
			   "--duration", "10", "--volatile-rate", "1000000",
			   "--first-proc", "4", "--mode", "prctl",
			   "--max-page-sharing", "2", "--json", "--quiet",
			   "--volatile-shared", "--structured"),
		     WL_PARSE_OK, "%s", err);
	cr_expect_eq(o.procs, 1024);
	cr_expect_eq(o.mib, 65536);
	cr_expect_float_eq(o.frac.dup, 0.5, 1e-12);
	cr_expect_float_eq(o.frac.zero, 0, 1e-12);
	cr_expect_float_eq(o.frac.unique, 0.25, 1e-12);
	cr_expect_float_eq(o.frac.volatil, 0.25, 1e-12);
	cr_expect_eq(o.seed, 7);
	cr_expect_float_eq(o.duration, 10, 1e-12);
	cr_expect_eq(o.volatile_rate, 1000000);
	cr_expect_eq(o.first_proc, 4);
	cr_expect_eq(o.mode, WL_MODE_PRCTL);
	cr_expect_eq(o.max_page_sharing, 2);
	cr_expect(o.json && o.quiet && o.volatile_shared && o.structured);
	cr_assert_eq(PARSE(&o, "--mode", "madvise"), WL_PARSE_OK);
	cr_expect_eq(o.mode, WL_MODE_MADVISE);
	cr_assert_eq(PARSE(&o, "--mode", "none"), WL_PARSE_OK);
	cr_expect_eq(o.mode, WL_MODE_NONE);
	cr_expect_not(o.volatile_shared);
	cr_expect_not(o.structured);
}

Test(workload_args, help)
{
	struct wl_options o;

	cr_expect_eq(PARSE(&o, "-h"), WL_PARSE_HELP);
	cr_expect_eq(PARSE(&o, "--help"), WL_PARSE_HELP);
	/* Help wins over a bad fraction sum but not over bad syntax. */
	cr_expect_eq(PARSE(&o, "--dup", "0.9", "--help"), WL_PARSE_HELP);
	cr_expect_eq(PARSE(&o, "--help", "-p", "0"), WL_PARSE_USAGE);
}

static void expect_usage(const char *needle, struct wl_options *o,
			 enum wl_parse_result r)
{
	cr_expect_eq(r, WL_PARSE_USAGE, "expected a usage error for '%s'",
		     needle);
	cr_expect_not_null(strstr(err, needle), "'%s' not in \"%s\"", needle,
			   err);
	cr_expect_null(strchr(err, '\n'), "multi-line error \"%s\"", err);
	(void)o;
}

Test(workload_args, bad_numbers)
{
	struct wl_options o;

	expect_usage("--procs value '0'", &o, PARSE(&o, "-p", "0"));
	expect_usage("--procs value '1025'", &o, PARSE(&o, "-p", "1025"));
	expect_usage("--procs value '-1'", &o, PARSE(&o, "--procs", "-1"));
	expect_usage("--procs value 'four'", &o, PARSE(&o, "-p", "four"));
	expect_usage("--procs value '4x'", &o, PARSE(&o, "-p", "4x"));
	expect_usage("--procs value ''", &o, PARSE(&o, "--procs="));
	expect_usage("--mib value '0'", &o, PARSE(&o, "-m", "0"));
	expect_usage("--mib value '65537'", &o, PARSE(&o, "-m", "65537"));
	expect_usage("--dup value '1.5'", &o, PARSE(&o, "--dup", "1.5"));
	expect_usage("--zero value '-0'", &o, PARSE(&o, "--zero", "-0"));
	expect_usage("--seed value '-5'", &o, PARSE(&o, "-s", "-5"));
	expect_usage("--duration value '-1'", &o, PARSE(&o, "-d", "-1"));
	expect_usage("--duration value '1s'", &o, PARSE(&o, "-d", "1s"));
	expect_usage("--volatile-rate value '1000001'", &o,
		     PARSE(&o, "-r", "1000001"));
	expect_usage("--first-proc value 'x'", &o,
		     PARSE(&o, "--first-proc", "x"));
	expect_usage("--max-page-sharing value '1'", &o,
		     PARSE(&o, "--max-page-sharing", "1"));
	expect_usage("--mode value 'both'", &o, PARSE(&o, "--mode", "both"));
}

Test(workload_args, fraction_sum_names_the_sum)
{
	struct wl_options o;

	expect_usage("= 1.05", &o, PARSE(&o, "--dup", "0.3"));
	expect_usage("= 0.75", &o, PARSE(&o, "--unique", "0.25"));
	/* Within 1e-6 is fine. */
	cr_expect_eq(PARSE(&o, "--dup", "0.2500005"), WL_PARSE_OK, "%s", err);
	expect_usage("fractions must sum to 1", &o,
		     PARSE(&o, "--dup", "0.250002"));
}

Test(workload_args, unknown_and_malformed)
{
	struct wl_options o;

	expect_usage("unrecognized or ambiguous option '--bogus'", &o,
		     PARSE(&o, "--bogus"));
	expect_usage("invalid option -- 'x'", &o, PARSE(&o, "-x"));
	expect_usage("unexpected argument 'extra'", &o,
		     PARSE(&o, "-p", "2", "extra"));
	expect_usage("option requires an argument -- 'p'", &o,
		     PARSE(&o, "-p"));
	expect_usage("option '--mib' requires an argument", &o,
		     PARSE(&o, "--mib"));
	expect_usage("option '--json' doesn't allow an argument", &o,
		     PARSE(&o, "--json=yes"));
}

Test(workload_args, reparse_is_independent)
{
	struct wl_options o;

	cr_assert_eq(PARSE(&o, "-p", "2", "--json"), WL_PARSE_OK);
	cr_assert_eq(parse_argv(&o, (char *[]){ "ksm-workload", NULL }),
		     WL_PARSE_OK);
	cr_expect_eq(o.procs, 4);
	cr_expect(!o.json);
}
