// SPDX-License-Identifier: GPL-2.0
#include <criterion/criterion.h>
#include <string.h>

#include "stats_read.h"

Test(stats, sums_percpu_counters)
{
	struct ksm_ext_counters percpu[3] = {}, sum;

	percpu[0].v[KSM_EXT_MERGE_PAIR] = 5;
	percpu[2].v[KSM_EXT_MERGE_PAIR] = 7;
	percpu[1].v[KSM_EXT_SCAN_END] = UINT64_C(1) << 40;
	stats_sum_percpu(percpu, 3, &sum);
	cr_assert_eq(sum.v[KSM_EXT_MERGE_PAIR], 12);
	cr_assert_eq(sum.v[KSM_EXT_SCAN_END], UINT64_C(1) << 40);
	cr_assert_eq(sum.v[KSM_EXT_MERGE_STABLE], 0);
}

Test(stats, counter_names_are_complete)
{
	int i;

	for (i = 0; i < KSM_EXT_NR_COUNTERS; i++) {
		cr_assert_not_null(stats_counter_name(i));
		cr_assert_str_neq(stats_counter_name(i), "?");
	}
	cr_assert_str_eq(stats_counter_name(KSM_EXT_NR_COUNTERS), "?");
}

static void put_scan(struct ksm_ext_scan *ring, uint64_t seq, uint64_t start)
{
	struct ksm_ext_scan *s = &ring[seq % KSM_EXT_SCAN_RING];

	s->seq = seq;
	s->start_ns = start;
	s->end_ns = start + 1000;
}

Test(stats, orders_a_wrapped_ring_and_drops_bad_slots)
{
	struct ksm_ext_scan ring[KSM_EXT_SCAN_RING] = {};
	size_t n, i;

	/* Passes 1..70: the ring wrapped, 7..70 remain. */
	for (i = 1; i <= 70; i++)
		put_scan(ring, i, i * 10000);
	/* A slot mid-rewrite (seq 0) and a slot holding a seq that does not
	 * belong there are dropped. */
	ring[5].seq = 0;
	ring[9].seq = 3;
	n = stats_order_scans(ring, KSM_EXT_SCAN_RING);
	cr_assert_eq(n, KSM_EXT_SCAN_RING - 2);
	for (i = 1; i < n; i++)
		cr_assert_lt(ring[i - 1].seq, ring[i].seq);
	cr_assert_eq(ring[0].seq, 7);
	cr_assert_eq(ring[n - 1].seq, 70);
}

Test(stats, empty_ring)
{
	struct ksm_ext_scan ring[KSM_EXT_SCAN_RING] = {};

	cr_assert_eq(stats_order_scans(ring, KSM_EXT_SCAN_RING), 0);
}

Test(stats, scan_rates)
{
	struct ksm_ext_scan s = {
		.seq = 1, .start_ns = 1000000000, .end_ns = 3000000000,
		.rmap_items_end = 40000, .merges = 400, .ksmd_cpu_ns = 500000000,
	};
	struct scan_rates r;

	stats_scan_rates(&s, &r);
	cr_assert_float_eq(r.duration_s, 2.0, 1e-9);
	cr_assert_float_eq(r.ksmd_cpu_pct, 25.0, 1e-9);
	cr_assert_float_eq(r.merges_per_kpage, 10.0, 1e-9);
}

Test(stats, scan_rates_of_an_empty_pass_are_zero)
{
	struct ksm_ext_scan s = { .seq = 1, .start_ns = 5, .end_ns = 5 };
	struct scan_rates r;

	stats_scan_rates(&s, &r);
	cr_assert_eq(r.duration_s, 0);
	cr_assert_eq(r.merges_per_kpage, 0);
	cr_assert_eq(r.ksmd_cpu_pct, 0);
}

Test(stats, sorts_procs_by_merges)
{
	struct stats_proc_row rows[3] = {
		{ .tgid = 30, .v.merges = 5 },
		{ .tgid = 10, .v.merges = 9 },
		{ .tgid = 20, .v.merges = 9 },
	};

	stats_sort_procs(rows, 3);
	cr_assert_eq(rows[0].tgid, 10);
	cr_assert_eq(rows[1].tgid, 20);
	cr_assert_eq(rows[2].tgid, 30);
}
