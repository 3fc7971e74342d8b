// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top's output: units, sparklines, table lines, header, text and JSON
 * frames, and the command line.
 */
#define _GNU_SOURCE	/* open_memstream */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/ksm-top/top.h"

static const char *fmt(void (*f)(double, char *, size_t), double v)
{
	static char buf[64];

	f(v, buf, sizeof(buf));
	return buf;
}

Test(ksm_top_format, bytes)
{
	cr_assert_str_eq(fmt(top_fmt_bytes, 0), "0 B");
	cr_assert_str_eq(fmt(top_fmt_bytes, 1023), "1023 B");
	cr_assert_str_eq(fmt(top_fmt_bytes, 1024), "1.00 KiB");
	cr_assert_str_eq(fmt(top_fmt_bytes, 48.0 * 1024 * 1024), "48.0 MiB");
	cr_assert_str_eq(fmt(top_fmt_bytes, 512.0 * 1024 * 1024), "512 MiB");
	cr_assert_str_eq(fmt(top_fmt_bytes, 1023.999 * 1024), "1.00 MiB");
	cr_assert_str_eq(fmt(top_fmt_bytes, 1.5 * 1024 * 1024 * 1024), "1.50 GiB");
	cr_assert_str_eq(fmt(top_fmt_bytes, -12.5 * 1024), "-12.5 KiB");
	cr_assert_str_eq(fmt(top_fmt_bytes, NAN), "n/a");
}

Test(ksm_top_format, bytes_short)
{
	cr_assert_str_eq(fmt(top_fmt_bytes_short, 0), "0");
	cr_assert_str_eq(fmt(top_fmt_bytes_short, 512), "512");
	cr_assert_str_eq(fmt(top_fmt_bytes_short, 4718592), "4.5M");
	cr_assert_str_eq(fmt(top_fmt_bytes_short, 150.0 * 1024 * 1024), "150M");
	cr_assert_str_eq(fmt(top_fmt_bytes_short, -4096), "-4.0K");
	cr_assert_str_eq(fmt(top_fmt_bytes_short, NAN), "-");
}

Test(ksm_top_format, counts_and_rates)
{
	char buf[32];

	cr_assert_str_eq(fmt(top_fmt_count, 0), "0");
	cr_assert_str_eq(fmt(top_fmt_count, 0.5), "0.5");
	cr_assert_str_eq(fmt(top_fmt_count, 7), "7");
	cr_assert_str_eq(fmt(top_fmt_count, 53.4), "53");
	cr_assert_str_eq(fmt(top_fmt_count, 999), "999");
	cr_assert_str_eq(fmt(top_fmt_count, 1000), "1.0k");
	cr_assert_str_eq(fmt(top_fmt_count, 1234), "1.2k");
	cr_assert_str_eq(fmt(top_fmt_count, 312345), "312k");
	cr_assert_str_eq(fmt(top_fmt_count, 4.1e6), "4.1M");
	cr_assert_str_eq(fmt(top_fmt_count, -25), "-25");
	cr_assert_str_eq(fmt(top_fmt_count, NAN), "-");
	top_fmt_rate(228000, " pages/s", buf, sizeof(buf));
	cr_assert_str_eq(buf, "228k pages/s");
	top_fmt_rate(NAN, "/s", buf, sizeof(buf));
	cr_assert_str_eq(buf, "-");
}

Test(ksm_top_format, percent_and_duration)
{
	cr_assert_str_eq(fmt(top_fmt_pct, 0), "0.00%");
	cr_assert_str_eq(fmt(top_fmt_pct, 23.46), "23.5%");
	cr_assert_str_eq(fmt(top_fmt_pct, NAN), "-");
	cr_assert_str_eq(fmt(top_fmt_duration, 0.048), "48ms");
	cr_assert_str_eq(fmt(top_fmt_duration, 1), "1s");
	cr_assert_str_eq(fmt(top_fmt_duration, 1.5), "1.5s");
	cr_assert_str_eq(fmt(top_fmt_duration, 1.25), "1.25s");
	cr_assert_str_eq(fmt(top_fmt_duration, 12.34), "12.3s");
	cr_assert_str_eq(fmt(top_fmt_duration, 125), "2m05s");
	cr_assert_str_eq(fmt(top_fmt_duration, 7260), "2h01m");
	cr_assert_str_eq(fmt(top_fmt_duration, NAN), "-");
}

Test(ksm_top_format, names_cannot_drive_the_terminal)
{
	char out[16];

	top_sanitize("a\x1b[2Jb\t\xc3\xa9", out, sizeof(out));
	cr_assert_str_eq(out, "a?[2Jb???");
	top_sanitize("truncated-name-here", out, 6);
	cr_assert_str_eq(out, "trunc");
}

Test(ksm_top_format, sparkline_scales_and_pads)
{
	const double ramp[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	const double some[] = { NAN, 2, 0 };
	const double zeros[] = { 0, 0 };
	char out[64];

	top_sparkline(ramp, 8, 8, false, out, sizeof(out));
	cr_assert_str_eq(out, "_.:-=+*#");
	/* Fewer values than cells: right-aligned, blanks on the left. */
	top_sparkline(some, 3, 5, false, out, sizeof(out));
	cr_assert_str_eq(out, "   #_");
	/* More values than cells: the newest, scaled to what is shown. */
	top_sparkline(ramp, 8, 2, false, out, sizeof(out));
	cr_assert_str_eq(out, "*#");
	top_sparkline(zeros, 2, 2, false, out, sizeof(out));
	cr_assert_str_eq(out, "__");
	top_sparkline(ramp, 8, 8, true, out, sizeof(out));
	cr_assert_eq(strlen(out), 24, "three bytes per glyph");
	cr_assert(!strncmp(out, "\u2581", 3));
	cr_assert(!strcmp(out + 21, "\u2588"));
	/* Never past the buffer. */
	top_sparkline(ramp, 8, 8, true, out, 10);
	cr_assert_eq(strlen(out), 9);
}

static struct top_row sample_row(void)
{
	struct top_row r = {
		.pid = 16375, .nprocs = 1, .rmap_items = 4096, .merging_pages = 1228,
		.zero_pages = 0, .profit_bytes = 4718592, .mergeable = true,
		.mergeable_known = true, .merges_per_s = NAN,
	};

	strcpy(r.comm, "ksm-workload");
	strcpy(r.cgroup, "/user.slice/user-0.slice/session-4.scope");
	return r;
}

Test(ksm_top_format, table_lines_have_the_screen_width)
{
	struct top_row r = sample_row();
	char line[256];

	top_format_table_head(top_proc_view, top_proc_view_len, 80, line, sizeof(line));
	cr_assert_eq(strlen(line), 80);
	cr_assert(!strncmp(line, "    PID COMM", 12), "got '%s'", line);
	top_format_row(&r, top_proc_view, top_proc_view_len, 80, line, sizeof(line));
	cr_assert_eq(strlen(line), 80);
	cr_assert(!strncmp(line, "  16375 ksm-workload       4096    1228      0    4.5M yes       - ",
			   66), "got '%s'", line);
	/* Unknown domain; a long cgroup keeps its end, where the leaf is. */
	cr_assert(strstr(line, "       - ..ope"), "got '%s'", line);
	top_format_row(&r, top_proc_view, top_proc_view_len, 100, line, sizeof(line));
	cr_assert(strstr(line, "       - ..0.slice/session-4.scope"), "got '%s'", line);
	strcpy(r.domain, "4242");
	top_format_row(&r, top_proc_view, top_proc_view_len, 80, line, sizeof(line));
	cr_assert(strstr(line, "       -    4242 ..ope"), "got '%s'", line);
	/* An id wider than its column keeps its end too. */
	strcpy(r.domain, "18446744073709551615");
	top_format_row(&r, top_proc_view, top_proc_view_len, 80, line, sizeof(line));
	cr_assert(strstr(line, " ..51615 "), "got '%s'", line);
	r.domain[0] = '\0';
	/* A kernel whose ksm_stat does not say (6.12) shows "-", not "no". */
	r.mergeable_known = false;
	top_format_row(&r, top_proc_view, top_proc_view_len, 80, line, sizeof(line));
	cr_assert(strstr(line, "4.5M -   "), "got '%s'", line);
	cr_assert_eq(line[79], 'e');
	r.mergeable_known = true;

	/* Numbers wider than their column switch to units. */
	r.rmap_items = 123456789;
	r.merges_per_s = 1234.0;
	r.merge_any = true;
	top_format_row(&r, top_proc_view, top_proc_view_len, 80, line, sizeof(line));
	cr_assert(strstr(line, "   123M "), "got '%s'", line);
	cr_assert(strstr(line, " any    1.2k "), "got '%s'", line);

	/* Narrow: clipped, never longer. */
	top_format_row(&r, top_proc_view, top_proc_view_len, 30, line, sizeof(line));
	cr_assert_eq(strlen(line), 30);
}

Test(ksm_top_format, domain_table_lines)
{
	struct top_row r = {
		.nprocs = 2, .pages_shared = 64, .pages_sharing = 640,
		.saved_bytes = 640.0 * 4096, .merges_per_s = NAN,
	};
	char line[256];

	strcpy(r.domain, "4250");
	strcpy(r.cgroup, "/tenant-b\x1b]2;pwned\a");
	top_format_table_head(top_domain_view, top_domain_view_len, 60, line, sizeof(line));
	cr_assert_str_eq(line, " DOMAIN PROCS  SHARED SHARING   SAVED CGROUP                ");
	top_format_row(&r, top_domain_view, top_domain_view_len, 60, line, sizeof(line));
	cr_assert_str_eq(line, "   4250     2      64     640    2.5M /tenant-b?]2;pwned?   ");
	r.cgroup[0] = '\0';
	strcpy(r.domain, "none");
	r.pages_sharing = 123456789;
	top_format_row(&r, top_domain_view, top_domain_view_len, 60, line, sizeof(line));
	cr_assert(strstr(line, "   none     2      64    123M    2.5M -"), "got '%s'", line);
}

Test(ksm_top_format, column_spans)
{
	int start, w;

	top_col_span(top_proc_view, top_proc_view_len, 0, 80, &start, &w);
	cr_assert_eq(start, 0);
	cr_assert_eq(w, 7);
	top_col_span(top_proc_view, top_proc_view_len, 1, 80, &start, &w);
	cr_assert_eq(start, 8);
	top_col_span(top_proc_view, top_proc_view_len, top_proc_view_len - 1, 80, &start, &w);
	cr_assert_eq(start + w, 80, "the last column takes the rest");
}

/* A frame as a second refresh would build it. */
struct fixture {
	struct top_sample s;
	struct top_view v;
	struct top_history h[TOP_HIST_NR];
	struct top_row procs[2];
	struct top_row domains[2];
	struct top_frame fr;
};

static void make_frame(struct fixture *x)
{
	memset(x, 0, sizeof(*x));
	x->s.t_s = 2;
	x->s.wall_s = 1700000000.5;
	x->s.page_size = 4096;
	x->s.is_root = true;
	x->s.ksm.run = 1;
	x->s.ksm.pages_to_scan = 5000;
	x->s.ksm.sleep_millisecs = 10;
	x->s.ksm.pages_sharing = 2657;
	x->s.ksm.general_profit = 9000000;
	x->s.ksm.missing = KSM_STAT_EXT_POLICY | KSM_STAT_EXT_SKIPPED;
	strcpy(x->s.ksm.advisor_mode, "none");
	x->s.bpf_err = -ENOENT;
	x->s.ksmd_pid = 37;
	x->procs[0] = sample_row();
	x->procs[1] = sample_row();
	x->procs[1].pid = 16376;
	strcpy(x->procs[1].comm, "we\"ird\\name\n");
	x->procs[1].merges_per_s = 2.5;
	strcpy(x->procs[1].domain, "4242");
	x->domains[0] = (struct top_row){ .nprocs = 2, .pages_shared = 64,
					  .pages_sharing = 64, .saved_bytes = 64.0 * 4096,
					  .merges_per_s = NAN };
	strcpy(x->domains[0].domain, "4242");
	strcpy(x->domains[0].cgroup, "/guest-\"a\"");
	x->domains[1] = (struct top_row){ .nprocs = 3, .merges_per_s = NAN };
	strcpy(x->domains[1].domain, "none");
	x->v = (struct top_view){ .sort = TOP_COL_MERGING, .interval_s = 1 };
	x->fr.s = &x->s;
	x->fr.r = (struct top_rates){
		.dt_s = 1, .scan_pages_per_s = 228000, .scan_src = TOP_SRC_SYSFS,
		.full_scan_period_s = 0.048, .period_src = TOP_SRC_SYSFS,
		.saved_bytes = 2657.0 * 4096, .profit_bytes = 9000000,
		.ksmd_cpu_pct = 22, .merges_per_s = NAN, .net_sharing_per_s = 0,
		.ext_skipped_per_s = { NAN, NAN, NAN },
		.cow_per_s = 95, .psi_some_avg10 = 0,
	};
	top_history_push(&x->h[TOP_HIST_SAVED], x->fr.r.saved_bytes);
	top_history_push(&x->h[TOP_HIST_SCAN], NAN);
	top_history_push(&x->h[TOP_HIST_SCAN], 228000);
	x->fr.procs = x->procs;
	x->fr.nprocs = 2;
	x->fr.cgroups = x->procs;	/* shape only */
	x->fr.ncgroups = 0;
	x->fr.domains = x->domains;
	x->fr.ndomains = 2;
	x->fr.hist = x->h;
	x->fr.view = &x->v;
	x->fr.pin_dir = KSM_EXT_STATS_DIR;
}

static const struct top_field *find_field(const struct top_field *f, size_t n,
					  const char *label)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(f[i].label, label))
			return &f[i];
	cr_assert_fail("no header field '%s'", label);
	return NULL;
}

Test(ksm_top_format, header_fields_mark_what_is_missing)
{
	struct top_field f[TOP_MAX_FIELDS];
	struct fixture x;
	size_t n;

	make_frame(&x);
	n = top_header_fields(&x.fr, 0, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "KSM")->value, "running");
	cr_assert_str_eq(find_field(f, n, "policy")->value, "n/a");
	cr_assert(find_field(f, n, "policy")->na);
	cr_assert_str_eq(find_field(f, n, "pages_to_scan")->value, "5000");
	cr_assert_str_eq(find_field(f, n, "sleep")->value, "10ms");
	n = top_header_fields(&x.fr, 1, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "scan")->value, "228k pages/s");
	cr_assert_str_eq(find_field(f, n, "full scan")->value, "48ms");
	cr_assert_str_eq(find_field(f, n, "saved")->value, "10.4 MiB");
	cr_assert_str_eq(find_field(f, n, "skipped")->value, "n/a");
	n = top_header_fields(&x.fr, 2, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "ksmd cpu")->value, "22.0%");
	cr_assert_str_eq(find_field(f, n, "merges")->value, "n/a");
	cr_assert_str_eq(find_field(f, n, "cow breaks")->value, "95/s");

	/* A policy attached and an advisor at work both show. */
	x.s.ksm.missing = 0;
	strcpy(x.s.ksm.ext_policy, "skip_tgid");
	strcpy(x.s.ksm.advisor_mode, "scan-time");
	n = top_header_fields(&x.fr, 0, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "policy")->value, "skip_tgid");
	cr_assert_str_eq(find_field(f, n, "advisor")->value, "scan-time");
	/* ... and what it skips, once there are two samples. */
	n = top_header_fields(&x.fr, 1, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "skipped")->value, "-");
	x.fr.r.ext_skipped_per_s[TOP_SKIP_MMS] = 2;
	x.fr.r.ext_skipped_per_s[TOP_SKIP_VMAS] = 10;
	x.fr.r.ext_skipped_per_s[TOP_SKIP_PAGES] = 1500;
	n = top_header_fields(&x.fr, 1, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "skipped")->value,
			 "1.5k pages/s, 10 vmas/s, 2 mms/s");

	/* No KSM at all: everything n/a, nothing invented. */
	x.s.ksm_err = -ENOENT;
	n = top_header_fields(&x.fr, 0, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "KSM")->value, "n/a");
	cr_assert_str_eq(find_field(f, n, "pages_to_scan")->value, "n/a");
}

Test(ksm_top_format, missing_list_says_why)
{
	struct top_missing m[TOP_MAX_MISSING];
	struct fixture x;
	size_t n;

	make_frame(&x);
	n = top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, TOP_MAX_MISSING);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(m[0].what, "bpf");
	cr_assert(strstr(m[0].why, "ksm-loader stats start"));
	cr_assert_str_eq(m[1].what, "ext_policy");

	x.s.is_root = false;
	x.s.procs_denied = 100;
	x.s.bpf_err = -EPERM;
	x.s.psi_err = -EOPNOTSUPP;
	x.s.cow_err = -ENOENT;
	x.s.ksm.missing |= KSM_STAT_PAGES_SCANNED;
	n = top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, TOP_MAX_MISSING);
	cr_assert_eq(n, 6);
	cr_assert(strstr(m[0].why, "need root"));
	cr_assert_str_eq(m[1].what, "processes");
	cr_assert_str_eq(m[2].what, "pages_scanned");
	cr_assert_str_eq(m[3].what, "cow_ksm");
	cr_assert_str_eq(m[4].what, "psi");
	/* Never more than asked for. */
	cr_assert_eq(top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, 2), 2);
}

Test(ksm_top_format, missing_domains_say_why)
{
	struct top_missing m[TOP_MAX_MISSING];
	struct fixture x;
	size_t n;

	make_frame(&x);
	x.s.domains_err = -ENOENT;
	n = top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, TOP_MAX_MISSING);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(m[2].what, "domains");
	cr_assert_str_eq(m[2].why, "no /sys/kernel/mm/ksm/ext_domains (not a ksm_ext "
			 "kernel with merge domains)");
	x.s.domains_err = -EINVAL;
	x.s.domains_line = 7;
	top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, TOP_MAX_MISSING);
	cr_assert_str_eq(m[2].why, "ext_domains line 7 malformed: no domain view");
	x.s.domains_err = -E2BIG;
	top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, TOP_MAX_MISSING);
	cr_assert_str_eq(m[2].why, "ext_domains lists over 257 domains: no domain view");
	/* No KSM at all says so once. */
	x.s.ksm_err = -ENOENT;
	n = top_missing_list(&x.s, KSM_EXT_STATS_DIR, m, TOP_MAX_MISSING);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(m[0].what, "ksm");
}

static char *capture(void (*print)(FILE *, const struct top_frame *, int),
		     const struct top_frame *fr, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	if (json)
		top_print_json(f, fr);
	else
		print(f, fr, 80);
	fclose(f);
	return buf;
}

Test(ksm_top_format, text_frame)
{
	struct fixture x;
	char *out;

	make_frame(&x);
	out = capture(top_print_text, &x.fr, false);
	cr_assert(strstr(out, "KSM running  policy n/a  pages_to_scan 5000  sleep 10ms\n"),
		  "got:\n%s", out);
	cr_assert(strstr(out, "n/a: no BPF stats pinned"), "got:\n%s", out);
	cr_assert(strstr(out, "  16375 ksm-workload "), "got:\n%s", out);
	cr_assert(strstr(out, " we\"ird\\name? "), "control characters replaced:\n%s", out);
	free(out);
}

Test(ksm_top_format, text_frame_of_domains)
{
	struct fixture x;
	char *out;

	make_frame(&x);
	x.v.table = TOP_TABLE_DOMAINS;
	out = capture(top_print_text, &x.fr, false);
	cr_assert(strstr(out, "  view domains  sort saved\n"), "got:\n%s", out);
	cr_assert(strstr(out, "\n DOMAIN PROCS  SHARED SHARING   SAVED CGROUP "), "got:\n%s", out);
	cr_assert(strstr(out, "\n   4242     2      64      64    256K /guest-\"a\" "),
		  "got:\n%s", out);
	cr_assert(strstr(out, "\n   none     3       0       0       0 - "), "got:\n%s", out);
	cr_assert_null(strstr(out, "ksm-workload"), "no process table:\n%s", out);
	free(out);

	x.s.domains_err = -ENOENT;
	x.fr.ndomains = 0;
	out = capture(top_print_text, &x.fr, false);
	cr_assert(strstr(out, "n/a: no /sys/kernel/mm/ksm/ext_domains "), "got:\n%s", out);
	cr_assert(strstr(out, "\n(no merge domains: see n/a above)\n"), "got:\n%s", out);
	free(out);
}

/* yield attached by ksm-loader, as sample_policy() reads its pins. */
static void attach_yield(struct fixture *x)
{
	struct top_policy *p = &x->s.policy;

	x->s.ksm.missing = 0;
	strcpy(x->s.ksm.ext_policy, "yield");
	*p = (struct top_policy){ .attached = true, .owner = POLICY_PINNED, .ntun = 2,
				  .nstats = 2, .nlists = 1 };
	p->tun[0] = (struct pol_stat){ .name = "idle_scans", .v = 2 };
	p->tun[1] = (struct pol_stat){ .name = "offset", .is_signed = true, .v = (__u64)-3 };
	p->stats[0] = (struct pol_stat){ .name = "vmas_skipped", .v = 12345 };
	p->stats[1] = (struct pol_stat){ .name = "backoffs", .v = 7 };
	strcpy(p->lists[0].name, "cgroup");
	p->lists[0].n = 3;
}

Test(ksm_top_format, attached_policy_line)
{
	struct top_field f[TOP_MAX_FIELDS];
	struct top_missing m[TOP_MAX_MISSING];
	struct fixture x;
	size_t n, i;
	char *out;

	make_frame(&x);
	cr_assert_eq(top_header_fields(&x.fr, 3, f, TOP_MAX_FIELDS), 0, "no policy, no line");
	attach_yield(&x);
	n = top_header_fields(&x.fr, 3, f, TOP_MAX_FIELDS);
	cr_assert_str_eq(find_field(f, n, "attached by")->value, "ksm-loader");
	cr_assert_str_eq(find_field(f, n, "tunables")->value, "idle_scans=2 offset=-3");
	cr_assert_str_eq(find_field(f, n, "lists")->value, "cgroup:3");
	cr_assert_str_eq(find_field(f, n, "vmas_skipped")->value, "12k");
	cr_assert_str_eq(find_field(f, n, "backoffs")->value, "7");
	out = capture(top_print_text, &x.fr, false);
	/* Wrapped at the width, as the other lines. */
	cr_assert(strstr(out, "\nattached by ksm-loader  tunables idle_scans=2 offset=-3  "
			 "lists cgroup:3\nvmas_skipped 12k  backoffs 7\n"), "got:\n%s", out);
	free(out);

	/* bpftool attached it: who, but no figures, and why not. */
	x.s.policy.owner = POLICY_FOREIGN;
	n = top_header_fields(&x.fr, 3, f, TOP_MAX_FIELDS);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(f[0].value, "another program");
	n = top_missing_list(&x.s, x.fr.pin_dir, m, TOP_MAX_MISSING);
	for (i = 0; i < n && strcmp(m[i].what, "policy"); i++)
		;
	cr_assert_lt(i, n);
	cr_assert_str_eq(m[i].why, "policy not attached by ksm-loader: its statistics n/a");
	/* Not root: the pins cannot be read. */
	x.s.policy.owner = POLICY_UNREADABLE;
	n = top_header_fields(&x.fr, 3, f, TOP_MAX_FIELDS);
	cr_assert(f[0].na);
}

/* Enough of a JSON checker for our output: strings, nesting, one line. */
static void assert_json_shape(const char *s)
{
	int depth = 0, i;
	bool in_str = false;

	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (in_str) {
			cr_assert((unsigned char)c >= 0x20, "raw control character at %d", i);
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			cr_assert_geq(--depth, 0);
		else if (c == '\n')
			cr_assert_eq(s[i + 1], '\0', "one object per line");
	}
	cr_assert_not(in_str);
	cr_assert_eq(depth, 0);
	cr_assert_eq(s[i - 1], '\n');
	cr_assert_null(strstr(s, "nan"));
	cr_assert_null(strstr(s, "inf"));
}

Test(ksm_top_json, attached_policy)
{
	struct fixture x;
	char *out;

	make_frame(&x);
	attach_yield(&x);
	out = capture(NULL, &x.fr, true);
	assert_json_shape(out);
	cr_assert(strstr(out, "\"policy\":{\"name\":\"yield\",\"attached_by\":\"ksm-loader\","
			 "\"pin_dir\":\"/sys/fs/bpf/ksm_ext/policy\","
			 "\"tunables\":{\"idle_scans\":2,\"offset\":-3},"
			 "\"lists\":{\"cgroup\":3},"
			 "\"stats\":{\"vmas_skipped\":12345,\"backoffs\":7}}"), "got %s", out);
	free(out);
	x.s.policy.owner = POLICY_FOREIGN;
	out = capture(NULL, &x.fr, true);
	cr_assert(strstr(out, "\"policy\":{\"name\":\"yield\",\"attached_by\":\"other\","
			 "\"pin_dir\":null,\"tunables\":null,\"lists\":null,\"stats\":null}"),
		  "got %s", out);
	free(out);
}

Test(ksm_top_json, frame_carries_every_figure)
{
	struct fixture x;
	char *out;

	make_frame(&x);
	out = capture(NULL, &x.fr, true);
	assert_json_shape(out);
	cr_assert(strstr(out, "\"time\":1700000000.5"), "got %s", out);
	cr_assert(strstr(out, "\"run_state\":\"running\""));
	cr_assert(strstr(out, "\"ext_policy\":null"));
	cr_assert(strstr(out, "\"policy\":null,"), "got %s", out);
	cr_assert(strstr(out, "\"ext_pages_skipped\":null"), "got %s", out);
	cr_assert(strstr(out, "\"ext_pages_skipped_per_s\":null"), "got %s", out);
	cr_assert(strstr(out, "\"pages_to_scan\":5000"));
	cr_assert(strstr(out, "\"scan_pages_per_s\":228000"));
	cr_assert(strstr(out, "\"full_scan_period_s\":0.048"));
	cr_assert(strstr(out, "\"saved_bytes\":10883072"));
	cr_assert(strstr(out, "\"general_profit_bytes\":9000000"));
	cr_assert(strstr(out, "\"ksmd_cpu_pct\":22"));
	cr_assert(strstr(out, "\"merges_per_s\":null"), "NaN is null: %s", out);
	cr_assert(strstr(out, "\"cow_breaks_per_s\":95"));
	cr_assert(strstr(out, "\"psi_memory_some_avg10\":0"));
	cr_assert(strstr(out, "{\"pid\":16375,\"comm\":\"ksm-workload\""), "got %s", out);
	cr_assert(strstr(out, "\"merging_pages\":1228"));
	cr_assert(strstr(out, "\"comm\":\"we\\\"ird\\\\name\\u000a\""), "got %s", out);
	cr_assert(strstr(out, "\"merges_per_s\":2.5"));
	cr_assert(strstr(out, "\"cgroups\":[]"));
	cr_assert(strstr(out, "\"scan_pages_per_s\":[null,228000]"), "got %s", out);
	cr_assert(strstr(out, "{\"what\":\"bpf\",\"why\":"));
	free(out);
}

Test(ksm_top_json, merge_domains)
{
	struct fixture x;
	char *out;

	make_frame(&x);
	x.v.table = TOP_TABLE_DOMAINS;
	out = capture(NULL, &x.fr, true);
	assert_json_shape(out);
	cr_assert(strstr(out, "\"view\":{\"table\":\"domains\",\"sort\":\"saved\""),
		  "got %s", out);
	cr_assert(strstr(out, "\"cgroup\":\"/user.slice/user-0.slice/session-4.scope\","
			 "\"domain\":null,"), "got %s", out);
	cr_assert(strstr(out, "\"domain\":\"4242\","), "got %s", out);
	cr_assert(strstr(out, "\"domains\":[{\"id\":\"4242\",\"mms\":2,\"pages_shared\":64,"
			 "\"pages_sharing\":64,\"saved_bytes\":262144,"
			 "\"cgroup\":\"/guest-\\\"a\\\"\"},{\"id\":\"none\",\"mms\":3,"
			 "\"pages_shared\":0,\"pages_sharing\":0,\"saved_bytes\":0,"
			 "\"cgroup\":null}]"), "got %s", out);
	free(out);

	x.s.domains_err = -ENOENT;
	x.fr.ndomains = 0;
	out = capture(NULL, &x.fr, true);
	assert_json_shape(out);
	cr_assert(strstr(out, "\"domains\":null,"), "got %s", out);
	cr_assert(strstr(out, "{\"what\":\"domains\",\"why\":\"no /sys/kernel/mm/ksm/"
			 "ext_domains (not a ksm_ext kernel with merge domains)\"}"), "got %s", out);
	free(out);
}

Test(ksm_top_json, no_ksm_and_bpf_present)
{
	struct fixture x;
	char *out;

	make_frame(&x);
	x.s.ksm_err = -ENOENT;
	x.s.bpf_err = 0;
	x.s.bpf.v[KSM_EXT_MERGE_PAIR] = 12;
	x.s.nscans = 1;
	x.s.scans[0] = (struct ksm_ext_scan){ .seq = 3, .start_ns = 0, .end_ns = 2000000000,
					      .rmap_items_end = 100, .merges = 4 };
	x.fr.r.saved_bytes = NAN;
	out = capture(NULL, &x.fr, true);
	assert_json_shape(out);
	cr_assert(strstr(out, "\"ksm\":{\"available\":false,\"run\":null"), "got %s", out);
	cr_assert(strstr(out, "\"saved_bytes\":null"));
	cr_assert(strstr(out, "\"counters\":{\"merge_pair\":12"));
	cr_assert(strstr(out, "\"last_scan\":{\"seq\":3,\"duration_s\":2,\"rmap_items_end\":100,"),
		  "got %s", out);
	cr_assert(strstr(out, "{\"what\":\"ksm\""));
	free(out);
}

/* ---- the command line ---- */

static int parse(struct top_opts *o, char *err, size_t len, const char *first, ...)
{
	char *argv[32] = { "ksm-top" };
	int argc = 1;
	va_list ap;
	const char *a;

	va_start(ap, first);
	for (a = first; a && argc < 31; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return top_parse_args(argc, argv, o, err, len);
}

Test(ksm_top_options, defaults_and_values)
{
	struct top_opts o;
	char err[160];

	cr_assert_eq(parse(&o, err, sizeof(err), NULL), 0);
	cr_assert_float_eq(o.delay_s, 1.0, 1e-9);
	cr_assert_eq(o.sort, TOP_COL_MERGING);
	cr_assert_not(o.batch);
	cr_assert_eq(o.iterations, 0);
	cr_assert_str_eq(o.pin_dir, KSM_EXT_STATS_DIR);

	cr_assert_eq(parse(&o, err, sizeof(err), "-b", "-n", "3", "-d", "0.5", "-s", "pid",
			   "-r", "-f", "ksm", "-c", "-a", "-m", "--pin-dir", "/sys/fs/bpf/x",
			   NULL), 0);
	cr_assert(o.batch && o.reverse && o.cgroups && o.all && o.mono);
	cr_assert_eq(o.iterations, 3);
	cr_assert_float_eq(o.delay_s, 0.5, 1e-9);
	cr_assert_eq(o.sort, TOP_COL_PID);
	cr_assert_str_eq(o.filter, "ksm");
	cr_assert_str_eq(o.pin_dir, "/sys/fs/bpf/x");

	cr_assert_not(o.domains);
	cr_assert_eq(parse(&o, err, sizeof(err), "-D", "-s", "domain", NULL), 0);
	cr_assert(o.domains);
	cr_assert_eq(o.sort, TOP_COL_DOMAIN);
	cr_assert_eq(parse(&o, err, sizeof(err), "--domains", "--sort=saved", NULL), 0);
	cr_assert(o.domains);
	cr_assert_eq(o.sort, TOP_COL_SAVED);

	cr_assert_eq(parse(&o, err, sizeof(err), "--json", "--delay=2", NULL), 0);
	cr_assert(o.json && o.batch, "--json implies batch");
	cr_assert_not(o.help);
	cr_assert_eq(parse(&o, err, sizeof(err), "-h", NULL), 0);
	cr_assert(o.help);
}

Test(ksm_top_options, bad_usage_is_one_line)
{
	static const char *const cases[][3] = {
		{ "-d", "0", "invalid delay '0'" },
		{ "-d", "abc", "invalid delay 'abc'" },
		{ "-d", "nan", "invalid delay" },
		{ "-d", "1e9", "invalid delay" },
		{ "-n", "0", "invalid iterations '0'" },
		{ "-n", "3x", "invalid iterations" },
		{ "-s", "bogus", "unknown sort column 'bogus'" },
		{ "--frob", NULL, "unknown option '--frob'" },
		{ "-x", NULL, "unknown option '-x'" },
		{ "extra", NULL, "unexpected argument 'extra'" },
		{ "-d", NULL, "option '-d' needs an argument" },
		{ "--pin-dir", "", "--pin-dir must be below /sys/fs/bpf/" },
		{ "--pin-dir", "/tmp/x", "not '/tmp/x'" },
	};
	struct top_opts o;
	char err[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		cr_assert_eq(parse(&o, err, sizeof(err), cases[i][0], cases[i][1], NULL), 2,
			     "%s %s", cases[i][0], cases[i][1] ? cases[i][1] : "");
		cr_assert(strstr(err, cases[i][2]), "%s: said '%s'", cases[i][0], err);
		cr_assert_null(strchr(err, '\n'));
	}
}

Test(ksm_top_options, delay_bounds)
{
	double d;

	cr_assert_eq(top_parse_delay("0.1", &d), 0);
	cr_assert_eq(top_parse_delay("3600", &d), 0);
	cr_assert_eq(top_parse_delay("0.09", &d), -EINVAL);
	cr_assert_eq(top_parse_delay("3601", &d), -EINVAL);
	cr_assert_eq(top_parse_delay("", &d), -EINVAL);
	cr_assert_eq(top_parse_delay("1s", &d), -EINVAL);
}
