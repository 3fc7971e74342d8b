// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top's pure parts: rate arithmetic (counter wrap and reset, the
 * full-scan period), per-process rows across two samples (a process exits,
 * a pid is reused), cgroup aggregation, merge domains, filtering, sorting,
 * /proc parsing.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../tools/ksm-top/top.h"
#include "procfs.h"

/* ---- counters and rates ---- */

Test(ksm_top_rates, counter_delta_forward)
{
	uint64_t d;

	cr_assert(top_counter_delta(100, 250, &d));
	cr_assert_eq(d, 150);
	cr_assert(top_counter_delta(7, 7, &d));
	cr_assert_eq(d, 0);
}

Test(ksm_top_rates, counter_wraps_through_zero)
{
	uint64_t d;

	/* 6 steps to UINT64_MAX's wrap, 10 after it. */
	cr_assert(top_counter_delta(UINT64_MAX - 5, 10, &d));
	cr_assert_eq(d, 16);
	cr_assert_float_eq(top_rate(UINT64_MAX - 5, 10, 2.0), 8.0, 1e-9);
}

Test(ksm_top_rates, counter_decrease_is_a_reset_not_a_huge_rate)
{
	uint64_t d = 42;

	cr_assert_not(top_counter_delta(1000, 10, &d));
	cr_assert_eq(d, 42, "a reset must leave the output alone");
	cr_assert(isnan(top_rate(1000, 10, 1.0)));
}

Test(ksm_top_rates, rate_needs_a_positive_interval)
{
	cr_assert(isnan(top_rate(1, 2, 0.0)));
	cr_assert(isnan(top_rate(1, 2, -1.0)));
	cr_assert(isnan(top_rate(1, 2, NAN)));
	cr_assert_float_eq(top_rate(1000, 3000, 2.0), 1000.0, 1e-9);
}

Test(ksm_top_rates, full_scan_period_between_observed_changes)
{
	struct top_period p = {};

	top_period_update(&p, 0.0, 10);
	cr_assert(isnan(p.period_s));
	top_period_update(&p, 1.0, 10);
	/* The first change ends a pass that began before we looked. */
	top_period_update(&p, 2.0, 11);
	cr_assert(isnan(p.period_s));
	top_period_update(&p, 5.0, 12);
	cr_assert_float_eq(p.period_s, 3.0, 1e-9);
	cr_assert_not(p.lower_bound);
	/* Four passes in one second. */
	top_period_update(&p, 6.0, 16);
	cr_assert_float_eq(p.period_s, 0.25, 1e-9);
	/* Then nothing for 4 s: the period is at least that. */
	top_period_update(&p, 10.0, 16);
	cr_assert_float_eq(p.period_s, 4.0, 1e-9);
	cr_assert(p.lower_bound);
	top_period_update(&p, 11.0, 17);
	cr_assert_float_eq(p.period_s, 5.0, 1e-9);
	cr_assert_not(p.lower_bound);
}

Test(ksm_top_rates, slow_pass_is_not_yet_a_lower_bound)
{
	struct top_period p = {};

	top_period_update(&p, 0.0, 1);
	top_period_update(&p, 1.0, 2);
	top_period_update(&p, 4.0, 3);
	cr_assert_float_eq(p.period_s, 3.0, 1e-9);
	/* 4 s into a pass: slower than usual, not stopped. */
	top_period_update(&p, 8.0, 3);
	cr_assert_float_eq(p.period_s, 3.0, 1e-9);
	cr_assert_not(p.lower_bound);
	/* 7 s: over twice the period. */
	top_period_update(&p, 11.0, 3);
	cr_assert_float_eq(p.period_s, 7.0, 1e-9);
	cr_assert(p.lower_bound);
}

Test(ksm_top_rates, full_scan_counter_going_back_starts_over)
{
	struct top_period p = {};

	top_period_update(&p, 0.0, 10);
	top_period_update(&p, 1.0, 11);
	top_period_update(&p, 2.0, 12);
	cr_assert_float_eq(p.period_s, 1.0, 1e-9);
	top_period_update(&p, 3.0, 2);
	cr_assert(isnan(p.period_s));
	top_period_update(&p, 4.0, 3);
	cr_assert(isnan(p.period_s));
	top_period_update(&p, 6.0, 4);
	cr_assert_float_eq(p.period_s, 2.0, 1e-9);
}

static void base_sample(struct top_sample *s, double t)
{
	memset(s, 0, sizeof(*s));
	s->t_s = t;
	s->page_size = 4096;
	s->is_root = true;
	s->ksm.run = 1;
	s->ksm.missing = KSM_STAT_EXT_POLICY | KSM_STAT_EXT_SKIPPED;
	s->bpf_err = -ENOENT;
	s->ksmd_pid = 37;
}

Test(ksm_top_rates, figures_from_two_samples)
{
	struct top_sample a, b;
	struct top_period p = {};
	struct top_rates r;

	base_sample(&a, 10.0);
	base_sample(&b, 12.0);
	a.ksm.pages_scanned = 1000;
	b.ksm.pages_scanned = 3000;
	a.ksm.pages_sharing = 100;
	b.ksm.pages_sharing = 300;
	b.ksm.ksm_zero_pages = 12;
	b.ksm.general_profit = -4096;
	a.ksmd_cpu_ns = 1000000000;
	b.ksmd_cpu_ns = 1500000000;
	a.cow_ksm = 50;
	b.cow_ksm = 70;
	b.psi.some_avg10 = 1.25;

	top_compute_rates(NULL, &a, &p, &r);
	cr_assert(isnan(r.scan_pages_per_s), "one sample has no rate");
	cr_assert(isnan(r.ksmd_cpu_pct));
	cr_assert_float_eq(r.saved_bytes, 100.0 * 4096, 1e-6);

	top_compute_rates(&a, &b, &p, &r);
	cr_assert_float_eq(r.dt_s, 2.0, 1e-9);
	cr_assert_float_eq(r.scan_pages_per_s, 1000.0, 1e-9);
	cr_assert_eq(r.scan_src, TOP_SRC_SYSFS);
	cr_assert_float_eq(r.saved_bytes, 312.0 * 4096, 1e-6);
	cr_assert_float_eq(r.profit_bytes, -4096.0, 1e-9);
	cr_assert_float_eq(r.ksmd_cpu_pct, 25.0, 1e-9);
	cr_assert_float_eq(r.cow_per_s, 10.0, 1e-9);
	cr_assert_float_eq(r.psi_some_avg10, 1.25, 1e-9);
	cr_assert_float_eq(r.net_sharing_per_s, 106.0, 1e-9);
	cr_assert(isnan(r.merges_per_s), "no BPF, no merges/s");
	cr_assert(isnan(r.ext_skipped_per_s[TOP_SKIP_PAGES]), "a stock kernel skips nothing");
}

Test(ksm_top_rates, policy_skips_per_second)
{
	struct top_sample a, b;
	struct top_period p = {};
	struct top_rates r;

	base_sample(&a, 0.0);
	base_sample(&b, 2.0);
	a.ksm.missing = b.ksm.missing = 0;
	a.ksm.ext_mms_skipped = 1;
	b.ksm.ext_mms_skipped = 5;
	b.ksm.ext_vmas_skipped = 20;
	a.ksm.ext_pages_skipped = 1000;
	b.ksm.ext_pages_skipped = 3000;
	top_compute_rates(NULL, &b, &p, &r);
	cr_assert(isnan(r.ext_skipped_per_s[TOP_SKIP_PAGES]), "one sample has no rate");
	top_compute_rates(&a, &b, &p, &r);
	cr_assert_float_eq(r.ext_skipped_per_s[TOP_SKIP_MMS], 2.0, 1e-9);
	cr_assert_float_eq(r.ext_skipped_per_s[TOP_SKIP_VMAS], 10.0, 1e-9);
	cr_assert_float_eq(r.ext_skipped_per_s[TOP_SKIP_PAGES], 1000.0, 1e-9);
}

Test(ksm_top_rates, missing_sources_stay_unknown)
{
	struct top_sample a, b;
	struct top_period p = {};
	struct top_rates r;

	base_sample(&a, 0.0);
	base_sample(&b, 1.0);
	a.ksm.missing = b.ksm.missing = KSM_STAT_PAGES_SCANNED | KSM_STAT_ZERO_PAGES |
					KSM_STAT_GENERAL_PROFIT;
	b.ksm.pages_sharing = 10;
	b.ksm.ksm_zero_pages = 999;	/* stale: the file is missing */
	b.cow_err = a.cow_err = -ENOENT;
	b.psi_err = -EOPNOTSUPP;
	b.ksmd_err = -ESRCH;
	top_compute_rates(&a, &b, &p, &r);
	cr_assert(isnan(r.scan_pages_per_s));
	cr_assert_eq(r.scan_src, TOP_SRC_NONE);
	cr_assert_float_eq(r.saved_bytes, 10.0 * 4096, 1e-6);
	cr_assert(isnan(r.profit_bytes));
	cr_assert(isnan(r.cow_per_s));
	cr_assert(isnan(r.psi_some_avg10));
	cr_assert(isnan(r.ksmd_cpu_pct));

	b.ksm_err = -ENOENT;
	top_compute_rates(&a, &b, &p, &r);
	cr_assert(isnan(r.saved_bytes));
}

Test(ksm_top_rates, bpf_merges_and_scan_ring)
{
	struct top_sample a, b;
	struct top_period p = {};
	struct top_rates r;

	base_sample(&a, 0.0);
	base_sample(&b, 2.0);
	a.bpf_err = b.bpf_err = 0;
	a.bpf.v[KSM_EXT_MERGE_PAIR] = 10;
	b.bpf.v[KSM_EXT_MERGE_PAIR] = 20;
	b.bpf.v[KSM_EXT_MERGE_STABLE] = 30;
	b.bpf.v[KSM_EXT_MERGE_ZERO] = 2;
	b.ksm.missing |= KSM_STAT_PAGES_SCANNED;
	/* Passes 5..7, ending 0.5 s apart (each lasting 0.1 s). */
	b.nscans = 3;
	b.scans[0] = (struct ksm_ext_scan){ .seq = 5, .start_ns = 900000000,
					    .end_ns = 1000000000, .rmap_items_end = 99 };
	b.scans[1] = (struct ksm_ext_scan){ .seq = 6, .start_ns = 1400000000,
					    .end_ns = 1500000000, .rmap_items_end = 20000 };
	b.scans[2] = (struct ksm_ext_scan){ .seq = 7, .start_ns = 1900000000,
					    .end_ns = 2000000000, .rmap_items_end = 30000 };
	top_compute_rates(&a, &b, &p, &r);
	cr_assert_float_eq(r.merges_per_s, 21.0, 1e-9);
	cr_assert_eq(r.period_src, TOP_SRC_BPF);
	cr_assert_float_eq(r.full_scan_period_s, 0.5, 1e-9, "between ends, not a pass's length");
	cr_assert_not(r.period_lower_bound);
	/* No pages_scanned on this kernel: the ring's rmap_items give the rate. */
	cr_assert_eq(r.scan_src, TOP_SRC_BPF);
	cr_assert_float_eq(r.scan_pages_per_s, 50000.0, 1e-6);

	/* ksmd stopped: 3 s since the last pass ended. */
	b.t_s = 5.0;
	top_compute_rates(&a, &b, &p, &r);
	cr_assert_float_eq(r.full_scan_period_s, 3.0, 1e-9);
	cr_assert(r.period_lower_bound);

	/* With pages_scanned, sysfs gives the rate; one pass gives no period. */
	b.ksm.missing &= ~KSM_STAT_PAGES_SCANNED;
	b.ksm.pages_scanned = 400;
	b.nscans = 1;
	top_compute_rates(&a, &b, &p, &r);
	cr_assert_eq(r.scan_src, TOP_SRC_SYSFS);
	cr_assert_float_eq(r.scan_pages_per_s, 80.0, 1e-9);
	cr_assert_neq(r.period_src, TOP_SRC_BPF);

	/* Stats restarted between the samples: counters went back. */
	a.bpf.v[KSM_EXT_MERGE_PAIR] = 1000;
	top_compute_rates(&a, &b, &p, &r);
	cr_assert(isnan(r.merges_per_s));
}

Test(ksm_top_rates, ksmd_restarted_gives_no_cpu)
{
	struct top_sample a, b;
	struct top_period p = {};
	struct top_rates r;

	base_sample(&a, 0.0);
	base_sample(&b, 1.0);
	b.ksmd_pid = 38;
	b.ksmd_cpu_ns = 5;
	top_compute_rates(&a, &b, &p, &r);
	cr_assert(isnan(r.ksmd_cpu_pct));
}

Test(ksm_top_rates, history_keeps_the_newest)
{
	struct top_history h = {};
	double v[4];
	size_t i, n;

	cr_assert_eq(top_history_last(&h, v, 4), 0);
	for (i = 0; i < TOP_HISTORY + 3; i++)
		top_history_push(&h, (double)i);
	n = top_history_last(&h, v, 4);
	cr_assert_eq(n, 4);
	for (i = 0; i < 4; i++)
		cr_assert_float_eq(v[i], (double)(TOP_HISTORY - 1 + i), 1e-9);
}

/* ---- rows ---- */

static struct top_row row(pid_t pid, const char *comm, const char *cg,
			  uint64_t merging, bool bpf, uint64_t merges)
{
	struct top_row r = { .pid = pid, .nprocs = 1, .merging_pages = merging,
			     .rmap_items = merging * 2, .profit_bytes = (int64_t)merging * 4096,
			     .mergeable = true, .mergeable_known = true,
			     .have_bpf = bpf, .bpf_merges = merges,
			     .merges_per_s = NAN };

	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	snprintf(r.cgroup, sizeof(r.cgroup), "%s", cg);
	return r;
}

Test(ksm_top_table, process_exiting_between_samples)
{
	struct top_row prev[] = {
		row(10, "a", "/x", 5, true, 100),
		row(20, "b", "/x", 5, true, 50),	/* exits */
		row(30, "c", "/y", 5, true, 10),
	};
	struct top_row cur[] = {
		row(10, "a", "/x", 5, true, 300),
		row(30, "c", "/y", 5, true, 10),
		row(40, "d", "/y", 5, true, 5),		/* new */
	};

	top_rows_rates(prev, 3, cur, 3, 2.0);
	cr_assert_float_eq(cur[0].merges_per_s, 100.0, 1e-9);
	cr_assert_float_eq(cur[1].merges_per_s, 0.0, 1e-9);
	cr_assert(isnan(cur[2].merges_per_s), "a new process has no rate yet");
}

Test(ksm_top_table, reused_pid_and_reset_counter_have_no_rate)
{
	struct top_row prev[] = {
		row(10, "a", "/", 5, true, 100),
		row(11, "b", "/", 5, true, 900),
		row(12, "c", "/", 5, false, 0),
	};
	struct top_row cur[] = {
		row(10, "zz", "/", 5, true, 150),	/* pid reused */
		row(11, "b", "/", 5, true, 3),		/* LRU row recreated */
		row(12, "c", "/", 5, true, 7),		/* stats just started */
	};

	top_rows_rates(prev, 3, cur, 3, 1.0);
	cr_assert(isnan(cur[0].merges_per_s));
	cr_assert(isnan(cur[1].merges_per_s));
	cr_assert(isnan(cur[2].merges_per_s));
	top_rows_rates(NULL, 0, cur, 3, 1.0);
	cr_assert(isnan(cur[0].merges_per_s));
}

Test(ksm_top_table, join_bpf_skips_rows_of_exited_namesakes)
{
	struct top_row rows[] = {
		row(10, "ksm-workload", "/", 5, false, 0),
		row(20, "bash", "/", 5, false, 0),
		row(30, "other", "/", 5, false, 0),
	};
	struct stats_proc_row bpf[3] = {};

	bpf[0].tgid = 30;
	bpf[0].v.merges = 9;
	bpf[1].tgid = 20;
	bpf[1].v.merges = 4;
	bpf[1].v.exited = 1;
	strcpy(bpf[1].v.comm, "ksm-workload");	/* pid 20 was reused */
	bpf[2].tgid = 10;
	bpf[2].v.merges = 7;
	bpf[2].v.exited = 1;
	strcpy(bpf[2].v.comm, "ksm-workload");	/* exec'ed, exiting: same */
	top_bpf_sort(bpf, 3);
	top_rows_join_bpf(rows, 3, bpf, 3);
	cr_assert(rows[0].have_bpf);
	cr_assert_eq(rows[0].bpf_merges, 7);
	cr_assert_not(rows[1].have_bpf);
	cr_assert(rows[2].have_bpf);
	cr_assert_eq(rows[2].bpf_merges, 9);
	cr_assert_null(top_bpf_find(bpf, 3, 99));
	cr_assert_null(top_bpf_find(NULL, 0, 10));
}

static void pids_are(const struct top_row *r, size_t n, const pid_t *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert_eq(r[i].pid, want[i], "row %zu: pid %d, want %d", i,
			     (int)r[i].pid, (int)want[i]);
}

Test(ksm_top_table, sort_by_columns_and_reverse)
{
	struct top_row r[] = {
		row(30, "bravo", "/b", 10, true, 0),
		row(10, "alpha", "/c", 30, true, 0),
		row(20, "charlie", "/a", 20, true, 0),
		row(40, "alpha", "/a", 20, false, 0),
	};
	const pid_t by_merging[] = { 10, 20, 40, 30 };
	const pid_t by_pid[] = { 10, 20, 30, 40 };
	const pid_t by_pid_rev[] = { 40, 30, 20, 10 };
	const pid_t by_comm[] = { 10, 40, 30, 20 };
	const pid_t by_cgroup[] = { 20, 40, 30, 10 };
	const pid_t by_merges[] = { 20, 10, 30, 40 };
	const pid_t by_merges_rev[] = { 30, 10, 20, 40 };

	top_rows_sort(r, 4, TOP_COL_MERGING, false);
	pids_are(r, 4, by_merging);	/* most first, ties by pid */
	top_rows_sort(r, 4, TOP_COL_PID, false);
	pids_are(r, 4, by_pid);
	top_rows_sort(r, 4, TOP_COL_PID, true);
	pids_are(r, 4, by_pid_rev);
	top_rows_sort(r, 4, TOP_COL_COMM, false);
	pids_are(r, 4, by_comm);
	top_rows_sort(r, 4, TOP_COL_CGROUP, false);
	pids_are(r, 4, by_cgroup);

	/* Unknown merges/s sort last whichever way round. */
	top_rows_sort(r, 4, TOP_COL_PID, false);
	r[0].merges_per_s = 5;
	r[1].merges_per_s = 9;
	r[2].merges_per_s = 1;
	top_rows_sort(r, 4, TOP_COL_MERGES, false);
	pids_are(r, 4, by_merges);
	top_rows_sort(r, 4, TOP_COL_MERGES, true);
	pids_are(r, 4, by_merges_rev);
}

Test(ksm_top_table, filter_matches_command_or_cgroup_ignoring_case)
{
	struct top_row r[] = {
		row(1, "KSM-workload", "/user.slice", 1, false, 0),
		row(2, "qemu", "/machine/vm1", 1, false, 0),
		row(3, "bash", "/user.slice/ksm-test", 1, false, 0),
	};

	cr_assert(top_row_matches(&r[0], ""));
	cr_assert(top_row_matches(&r[0], NULL));
	cr_assert(top_row_matches(&r[0], "workLOAD"));
	cr_assert_not(top_row_matches(&r[1], "ksm"));
	cr_assert_eq(top_rows_filter(r, 3, "ksm"), 2);
	cr_assert_eq(r[0].pid, 1);
	cr_assert_eq(r[1].pid, 3);
	cr_assert_eq(top_rows_filter(r, 2, "nothing"), 0);
}

Test(ksm_top_table, cgroup_rows_add_up_their_processes)
{
	struct top_row in[] = {
		row(1, "a", "/x", 10, true, 0),
		row(2, "b", "/y", 5, false, 0),
		row(3, "c", "/x", 20, true, 0),
		row(4, "d", "", 1, false, 0),
	};
	struct top_row out[4];
	size_t n;

	in[0].merges_per_s = 2.5;	/* c's rate is still unknown */
	in[1].merge_any = true;
	n = top_rows_by_cgroup(in, 4, out);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(out[0].cgroup, "");
	cr_assert_str_eq(out[1].cgroup, "/x");
	cr_assert_eq(out[1].nprocs, 2);
	cr_assert_eq(out[1].merging_pages, 30);
	cr_assert_eq(out[1].rmap_items, 60);
	cr_assert_eq(out[1].profit_bytes, 30 * 4096);
	cr_assert_eq(out[1].pid, 0);
	cr_assert_float_eq(out[1].merges_per_s, 2.5, 1e-9);
	cr_assert(out[1].have_bpf);
	cr_assert_str_eq(out[2].cgroup, "/y");
	cr_assert(isnan(out[2].merges_per_s));
	cr_assert(out[2].merge_any);
}

Test(ksm_top_table, cgroup_rows_share_their_processes_domain)
{
	struct top_row in[] = {
		row(1, "a", "/x", 1, false, 0),
		row(2, "b", "/x", 1, false, 0),
		row(3, "c", "/x", 1, false, 0),	/* ksmd does not know it */
		row(4, "d", "/y", 1, false, 0),
		row(5, "e", "/y", 1, false, 0),
		row(6, "f", "/z", 1, false, 0),
	};
	struct top_row out[6];
	size_t n;

	strcpy(in[0].domain, "4242");
	strcpy(in[1].domain, "4242");
	strcpy(in[3].domain, "4242");
	strcpy(in[4].domain, "none");
	n = top_rows_by_cgroup(in, 6, out);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(out[0].domain, "4242", "an unknown one does not mix");
	cr_assert_str_eq(out[1].domain, "mixed");
	cr_assert_str_eq(out[2].domain, "");
}

Test(ksm_top_table, sort_by_domain)
{
	struct top_row r[] = {
		row(1, "a", "/", 1, false, 0),
		row(2, "b", "/", 1, false, 0),
		row(3, "c", "/", 1, false, 0),
		row(4, "d", "/", 1, false, 0),
		row(5, "e", "/", 1, false, 0),
		row(6, "f", "/", 1, false, 0),
	};
	const pid_t asc[] = { 5, 4, 6, 2, 1, 3 };
	const pid_t desc[] = { 1, 2, 6, 4, 5, 3 };

	strcpy(r[0].domain, "none");
	strcpy(r[1].domain, "mixed");
	strcpy(r[3].domain, "4242");
	strcpy(r[4].domain, "0");
	strcpy(r[5].domain, "10000");	/* by value, not as text */
	top_rows_sort(r, 6, TOP_COL_DOMAIN, false);
	pids_are(r, 6, asc);
	/* Unknown last whichever way round. */
	top_rows_sort(r, 6, TOP_COL_DOMAIN, true);
	pids_are(r, 6, desc);
}

/* ext_domains as the kernel would list it, and the processes in them. */
static void domain_sample(struct top_sample *s, struct top_row *procs)
{
	static const struct ksm_domain d[] = {
		{ .id = 0, .mms = 12, .pages_shared = 30, .pages_sharing = 45 },
		{ .id = 4242, .mms = 2, .pages_shared = 64, .pages_sharing = 64 },
		{ .id = 4250, .mms = 2, .pages_shared = 64, .pages_sharing = 640 },
		{ .none = true, .mms = 3 },
	};

	memset(s, 0, sizeof(*s));
	s->page_size = 4096;
	memcpy(s->domains, d, sizeof(d));
	s->ndomains = ARRAY_SIZE(d);
	procs[0] = row(10, "a", "/tenant-a/web.service", 1, false, 0);
	procs[1] = row(11, "b", "/tenant-a/db.service", 1, false, 0);
	procs[2] = row(12, "c", "/tenant-b", 1, false, 0);
	procs[3] = row(13, "d", "/user.slice/x.scope", 1, false, 0);
	procs[4] = row(14, "e", "/system.slice/y.service", 1, false, 0);
	procs[5] = row(15, "f", "/tenant-c/z", 1, false, 0);
	procs[6] = row(16, "g", "", 1, false, 0);	/* no cgroup v2 */
	strcpy(procs[0].domain, "4242");
	strcpy(procs[1].domain, "4242");
	strcpy(procs[2].domain, "4250");
	strcpy(procs[3].domain, "0");
	strcpy(procs[4].domain, "0");
	strcpy(procs[5].domain, "none");
	strcpy(procs[6].domain, "4250");
	s->procs = procs;
	s->nprocs = 7;
}

Test(ksm_top_table, domain_rows_save_and_name_their_tenant)
{
	struct top_view v = { .sort = TOP_COL_MERGING };
	struct top_row procs[7], *r;
	struct top_sample s;
	size_t n;

	domain_sample(&s, procs);
	/* Merging is no column of the domain view: by saved, most first. */
	cr_assert_eq(top_build_domain_rows(&s, &v, &r, &n), 0);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(r[0].domain, "4250");
	cr_assert_float_eq(r[0].saved_bytes, 640.0 * 4096, 1e-6);
	cr_assert_eq(r[0].pages_shared, 64);
	cr_assert_eq(r[0].nprocs, 2);
	cr_assert_str_eq(r[0].cgroup, "/tenant-b");
	cr_assert_str_eq(r[1].domain, "4242");
	cr_assert_str_eq(r[1].cgroup, "/tenant-a", "both processes are below it");
	cr_assert_str_eq(r[2].domain, "0");
	cr_assert_str_eq(r[2].cgroup, "", "the shared domain spans cgroups");
	cr_assert_eq(r[2].nprocs, 12);
	cr_assert_str_eq(r[3].domain, "none");
	cr_assert_str_eq(r[3].cgroup, "", "none is no one domain");
	cr_assert_eq(r[3].pid, 0);
	free(r);

	v.sort = TOP_COL_DOMAIN;
	cr_assert_eq(top_build_domain_rows(&s, &v, &r, &n), 0);
	cr_assert_str_eq(r[0].domain, "0");
	cr_assert_str_eq(r[2].domain, "4250");
	cr_assert_str_eq(r[3].domain, "none");
	free(r);

	/* Without ext_domains: no rows. */
	s.domains_err = -ENOENT;
	cr_assert_eq(top_build_domain_rows(&s, &v, &r, &n), 0);
	cr_assert_eq(n, 0);
	free(r);
}

Test(ksm_top_table, build_rows_filters_then_groups_and_sorts)
{
	struct top_row prev_rows[] = {
		row(10, "ksm-workload", "/t", 100, true, 0),
		row(11, "ksm-workload", "/t", 100, true, 0),
		row(12, "qemu", "/vm", 50, true, 0),
	};
	struct top_row cur_rows[] = {
		row(10, "ksm-workload", "/t", 100, true, 10),
		row(11, "ksm-workload", "/t", 200, true, 30),
		row(12, "qemu", "/vm", 500, true, 0),
	};
	struct top_sample prev = { .t_s = 1, .procs = prev_rows, .nprocs = 3 };
	struct top_sample cur = { .t_s = 2, .procs = cur_rows, .nprocs = 3 };
	struct top_view v = { .sort = TOP_COL_PID, .reverse = true };
	struct top_row *p, *g;
	size_t np, ng;

	strcpy(v.filter, "workload");
	cr_assert_eq(top_build_rows(&prev, &cur, &v, &p, &np, &g, &ng), 0);
	cr_assert_eq(np, 2);
	cr_assert_eq(p[0].pid, 11);
	cr_assert_float_eq(p[0].merges_per_s, 30.0, 1e-9);
	cr_assert_eq(ng, 1);
	cr_assert_str_eq(g[0].cgroup, "/t");
	cr_assert_float_eq(g[0].merges_per_s, 40.0, 1e-9);
	/* The sample itself is untouched: rows are copies. */
	cr_assert(isnan(cur_rows[0].merges_per_s));
	free(p);
	free(g);

	v.filter[0] = '\0';
	cr_assert_eq(top_build_rows(NULL, &cur, &v, &p, &np, &g, &ng), 0);
	cr_assert_eq(np, 3);
	cr_assert(isnan(p[0].merges_per_s));
	free(p);
	free(g);
}

Test(ksm_top_table, columns_by_name_and_view)
{
	struct top_view v = { .sort = TOP_COL_PID };
	const enum top_col *cols;
	enum top_col c;
	size_t n;
	int i;

	for (i = 0; i < TOP_NR_COLS; i++) {
		cr_assert_eq(top_col_parse(top_cols[i].name, &c), 0);
		cr_assert_eq((int)c, i);
	}
	cr_assert_eq(top_col_parse("MERGING", &c), 0);
	cr_assert_eq(c, TOP_COL_MERGING);
	cr_assert_eq(top_col_parse("bogus", &c), -EINVAL);
	cr_assert(top_view_has_col(TOP_TABLE_PROCS, TOP_COL_PID));
	cr_assert_not(top_view_has_col(TOP_TABLE_CGROUPS, TOP_COL_PID));
	cr_assert(top_view_has_col(TOP_TABLE_PROCS, TOP_COL_DOMAIN));
	cr_assert(top_view_has_col(TOP_TABLE_CGROUPS, TOP_COL_DOMAIN));
	cr_assert_not(top_view_has_col(TOP_TABLE_PROCS, TOP_COL_SAVED));
	cr_assert_eq(top_view_sort_col(&v, TOP_TABLE_PROCS), TOP_COL_PID);
	cr_assert_eq(top_view_sort_col(&v, TOP_TABLE_CGROUPS), TOP_COL_MERGING);
	cr_assert_eq(top_view_sort_col(&v, TOP_TABLE_DOMAINS), TOP_COL_SAVED);
	v.sort = TOP_COL_PROCS;
	cr_assert_eq(top_view_sort_col(&v, TOP_TABLE_DOMAINS), TOP_COL_PROCS);
	cr_assert_str_eq(top_table_name(TOP_TABLE_DOMAINS), "domains");
	/* The stretching column is the last of each view. */
	for (i = TOP_TABLE_PROCS; i <= TOP_TABLE_DOMAINS; i++) {
		top_table_cols(i, &cols, &n);
		cr_assert_eq(top_cols[cols[n - 1]].width, 0, "table %d", i);
	}
}

/* ---- /proc text ---- */

Test(ksm_top_parse, vmstat_counter)
{
	static const char text[] =
		"nr_free_pages 1000\n"
		"cow_ksm_extra 5\n"
		"cow_ksm 156296\n"
		"ksm_swpin_copy 0\n";
	uint64_t v;

	cr_assert_eq(parse_vmstat_u64(text, "cow_ksm", &v), 0);
	cr_assert_eq(v, 156296);
	cr_assert_eq(parse_vmstat_u64(text, "ksm_swpin_copy", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse_vmstat_u64("nr_free_pages 1\n", "cow_ksm", &v), -ENOENT);
	cr_assert_eq(parse_vmstat_u64("cow_ksm x\n", "cow_ksm", &v), -EINVAL);
	cr_assert_eq(parse_vmstat_u64("cow_ksm 12abc\n", "cow_ksm", &v), -EINVAL);
}

Test(ksm_top_parse, cgroup_v2_path)
{
	char out[64];

	cr_assert_eq(parse_cgroup_v2_path("0::/user.slice/a.scope\n", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/user.slice/a.scope");
	/* Hybrid hierarchy: v1 lines first, the unified line last. */
	cr_assert_eq(parse_cgroup_v2_path("4:memory:/x\n1:cpu:/\n0::/\n", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "/");
	cr_assert_eq(parse_cgroup_v2_path("4:memory:/x\n1:cpu:/\n", out, sizeof(out)), -ENOENT);
	cr_assert_eq(parse_cgroup_v2_path("0::\n", out, sizeof(out)), -EINVAL);
	cr_assert_eq(parse_cgroup_v2_path("0::/a/very/long/path/indeed\n", out, 8),
		     -ENAMETOOLONG);
}
