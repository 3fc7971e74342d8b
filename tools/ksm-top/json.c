// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top --json: one object per frame, on one line, with every figure the
 * screen shows, unformatted (bytes, pages, per-second rates).  A figure
 * that is unknown or missing is null; "missing" says why.
 */
#include "top.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json_out.h"

struct json {
	FILE *f;
	bool first;			/* no comma before the next member */
};

static void key(struct json *j, const char *k)
{
	fprintf(j->f, "%s\"%s\":", j->first ? "" : ",", k);
	j->first = false;
}

static void open_obj(struct json *j, const char *k)
{
	if (k)
		key(j, k);
	fputc('{', j->f);
	j->first = true;
}

static void open_arr(struct json *j, const char *k)
{
	key(j, k);
	fputc('[', j->f);
	j->first = true;
}

static void close_obj(struct json *j)
{
	fputc('}', j->f);
	j->first = false;
}

static void close_arr(struct json *j)
{
	fputc(']', j->f);
	j->first = false;
}

/* An array element that is an object. */
static void elem_obj(struct json *j)
{
	if (!j->first)
		fputc(',', j->f);
	fputc('{', j->f);
	j->first = true;
}

static void put_double(FILE *f, double v)
{
	/* JSON has no NaN or infinity: an unknown figure is null. */
	if (!isfinite(v))
		fputs("null", f);
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.15g", v);
}

static void num(struct json *j, const char *k, double v)
{
	key(j, k);
	put_double(j->f, v);
}

static void u64(struct json *j, const char *k, uint64_t v, bool known)
{
	key(j, k);
	if (known)
		fprintf(j->f, "%" PRIu64, v);
	else
		fputs("null", j->f);
}

static void s64(struct json *j, const char *k, int64_t v, bool known)
{
	key(j, k);
	if (known)
		fprintf(j->f, "%" PRId64, v);
	else
		fputs("null", j->f);
}

static void str(struct json *j, const char *k, const char *v)
{
	key(j, k);
	if (v)
		json_print_str(j->f, v);
	else
		fputs("null", j->f);
}

static void boolean(struct json *j, const char *k, bool v)
{
	key(j, k);
	fputs(v ? "true" : "false", j->f);
}

static const char *src_name(enum top_src s)
{
	return s == TOP_SRC_BPF ? "bpf" : s == TOP_SRC_SYSFS ? "sysfs" : NULL;
}

static void json_view(struct json *j, const struct top_frame *fr)
{
	const struct top_view *v = fr->view;

	open_obj(j, "view");
	str(j, "table", top_table_name(v->table));
	str(j, "sort", top_cols[top_view_sort_col(v, v->table)].name);
	boolean(j, "reverse", v->reverse);
	str(j, "filter", v->filter);
	num(j, "interval_s", v->interval_s);
	close_obj(j);
}

/* The raw sysfs values, for scripts that want more than the header. */
static void json_ksm(struct json *j, const struct top_sample *s)
{
	const struct ksm_sysfs_stats *k = &s->ksm;
	bool ok = !s->ksm_err;

	open_obj(j, "ksm");
	boolean(j, "available", ok);
	u64(j, "run", k->run, ok);
	str(j, "run_state", ok ? top_run_state(k->run) : NULL);
	str(j, "ext_policy", ok && !(k->missing & KSM_STAT_EXT_POLICY) ? k->ext_policy : NULL);
	str(j, "advisor_mode", ok && !(k->missing & KSM_STAT_ADVISOR) ? k->advisor_mode : NULL);
	u64(j, "pages_to_scan", k->pages_to_scan, ok);
	u64(j, "sleep_millisecs", k->sleep_millisecs, ok);
	u64(j, "pages_shared", k->pages_shared, ok);
	u64(j, "pages_sharing", k->pages_sharing, ok);
	u64(j, "pages_unshared", k->pages_unshared, ok);
	u64(j, "pages_volatile", k->pages_volatile, ok);
	u64(j, "pages_scanned", k->pages_scanned, ok && !(k->missing & KSM_STAT_PAGES_SCANNED));
	u64(j, "pages_skipped", k->pages_skipped, ok && !(k->missing & KSM_STAT_PAGES_SKIPPED));
	u64(j, "full_scans", k->full_scans, ok);
	u64(j, "ksm_zero_pages", k->ksm_zero_pages, ok && !(k->missing & KSM_STAT_ZERO_PAGES));
	s64(j, "general_profit", k->general_profit, ok && !(k->missing & KSM_STAT_GENERAL_PROFIT));
	u64(j, "stable_node_chains", k->stable_node_chains, ok);
	u64(j, "stable_node_dups", k->stable_node_dups, ok);
	ok = ok && !(k->missing & KSM_STAT_EXT_SKIPPED);
	u64(j, "ext_mms_skipped", k->ext_mms_skipped, ok);
	u64(j, "ext_vmas_skipped", k->ext_vmas_skipped, ok);
	u64(j, "ext_pages_skipped", k->ext_pages_skipped, ok);
	close_obj(j);
}

/* The header's figures, as the screen shows them (before formatting). */
static void json_system(struct json *j, const struct top_frame *fr)
{
	const struct top_sample *s = fr->s;
	const struct top_rates *r = &fr->r;

	open_obj(j, "system");
	num(j, "scan_pages_per_s", r->scan_pages_per_s);
	str(j, "scan_source", src_name(r->scan_src));
	num(j, "full_scan_period_s", r->full_scan_period_s);
	str(j, "full_scan_period_source", src_name(r->period_src));
	boolean(j, "full_scan_period_lower_bound", r->period_lower_bound);
	num(j, "saved_bytes", r->saved_bytes);
	num(j, "general_profit_bytes", r->profit_bytes);
	s64(j, "ksmd_pid", s->ksmd_pid, !s->ksmd_err);
	num(j, "ksmd_cpu_pct", r->ksmd_cpu_pct);
	num(j, "merges_per_s", r->merges_per_s);
	num(j, "net_saved_pages_per_s", r->net_sharing_per_s);
	u64(j, "cow_ksm", s->cow_ksm, !s->cow_err);
	num(j, "cow_breaks_per_s", r->cow_per_s);
	num(j, "psi_memory_some_avg10", r->psi_some_avg10);
	num(j, "ext_mms_skipped_per_s", r->ext_skipped_per_s[TOP_SKIP_MMS]);
	num(j, "ext_vmas_skipped_per_s", r->ext_skipped_per_s[TOP_SKIP_VMAS]);
	num(j, "ext_pages_skipped_per_s", r->ext_skipped_per_s[TOP_SKIP_PAGES]);
	num(j, "interval_measured_s", r->dt_s);
	close_obj(j);
}

static void json_bpf(struct json *j, const struct top_frame *fr)
{
	const struct top_sample *s = fr->s;
	const struct ksm_ext_scan *l = &s->scans[s->nscans ? s->nscans - 1 : 0];
	struct scan_rates sr;
	int i;

	open_obj(j, "bpf");
	boolean(j, "available", !s->bpf_err);
	str(j, "pin_dir", fr->pin_dir);
	if (!s->bpf_err) {
		open_obj(j, "counters");
		for (i = 0; i < KSM_EXT_NR_COUNTERS; i++)
			u64(j, stats_counter_name(i), s->bpf.v[i], true);
		close_obj(j);
	}
	if (s->nscans) {
		stats_scan_rates(l, &sr);
		open_obj(j, "last_scan");
		u64(j, "seq", l->seq, true);
		num(j, "duration_s", sr.duration_s);
		u64(j, "pages_visited", l->pages_visited, true);
		u64(j, "merges", l->merges, true);
		u64(j, "merge_fails", l->merge_fails, true);
		u64(j, "ksmd_cpu_ns", l->ksmd_cpu_ns, true);
		num(j, "ksmd_cpu_pct", sr.ksmd_cpu_pct);
		num(j, "merges_per_kpage", sr.merges_per_kpage);
		close_obj(j);
	}
	close_obj(j);
}

static void json_row(struct json *j, const struct top_row *r, bool cgroup)
{
	elem_obj(j);
	if (!cgroup) {
		s64(j, "pid", r->pid, true);
		str(j, "comm", r->comm);
	} else {
		u64(j, "procs", r->nprocs, true);
	}
	str(j, "cgroup", r->cgroup[0] ? r->cgroup : NULL);
	str(j, "domain", r->domain[0] ? r->domain : NULL);
	u64(j, "rmap_items", r->rmap_items, true);
	u64(j, "merging_pages", r->merging_pages, true);
	u64(j, "zero_pages", r->zero_pages, true);
	s64(j, "profit_bytes", r->profit_bytes, true);
	if (!cgroup && r->mergeable_known) {
		boolean(j, "mergeable", r->mergeable);
		boolean(j, "merge_any", r->merge_any);
	} else if (!cgroup) {
		/* Older kernels' ksm_stat does not say. */
		str(j, "mergeable", NULL);
		str(j, "merge_any", NULL);
	}
	u64(j, "bpf_merges", r->bpf_merges, r->have_bpf);
	num(j, "merges_per_s", r->merges_per_s);
	close_obj(j);
}

static void json_rows(struct json *j, const char *k, const struct top_row *rows,
		      size_t n, bool cgroup)
{
	size_t i;

	open_arr(j, k);
	for (i = 0; i < n; i++)
		json_row(j, &rows[i], cgroup);
	close_arr(j);
}

/* ext_domains, or null without it ("missing" says why). */
static void json_domains(struct json *j, const struct top_frame *fr)
{
	const struct top_row *r;
	size_t i;

	if (fr->s->domains_err) {
		str(j, "domains", NULL);
		return;
	}
	open_arr(j, "domains");
	for (i = 0; i < fr->ndomains; i++) {
		r = &fr->domains[i];
		elem_obj(j);
		str(j, "id", r->domain);
		u64(j, "mms", r->nprocs, true);
		u64(j, "pages_shared", r->pages_shared, true);
		u64(j, "pages_sharing", r->pages_sharing, true);
		num(j, "saved_bytes", r->saved_bytes);
		str(j, "cgroup", r->cgroup[0] ? r->cgroup : NULL);
		close_obj(j);
	}
	close_arr(j);
}

static void json_history(struct json *j, const struct top_frame *fr)
{
	static const char *const names[TOP_HIST_NR] = {
		[TOP_HIST_SAVED] = "saved_bytes",
		[TOP_HIST_SCAN] = "scan_pages_per_s",
		[TOP_HIST_CPU] = "ksmd_cpu_pct",
	};
	double v[TOP_JSON_HISTORY];
	size_t i, k, n;

	open_obj(j, "history");
	for (k = 0; k < TOP_HIST_NR; k++) {
		n = top_history_last(&fr->hist[k], v, TOP_JSON_HISTORY);
		open_arr(j, names[k]);
		for (i = 0; i < n; i++) {
			if (i)
				fputc(',', j->f);
			put_double(j->f, v[i]);
		}
		close_arr(j);
	}
	close_obj(j);
}

static void json_missing(struct json *j, const struct top_frame *fr)
{
	struct top_missing m[TOP_MAX_MISSING];
	size_t i, n = top_missing_list(fr->s, fr->pin_dir, m, TOP_MAX_MISSING);

	open_arr(j, "missing");
	for (i = 0; i < n; i++) {
		elem_obj(j);
		str(j, "what", m[i].what);
		str(j, "why", m[i].why);
		close_obj(j);
	}
	close_arr(j);
}

void top_print_json(FILE *f, const struct top_frame *fr)
{
	struct json j = { .f = f, .first = true };

	open_obj(&j, NULL);
	num(&j, "time", fr->s->wall_s);
	json_view(&j, fr);
	json_ksm(&j, fr->s);
	json_system(&j, fr);
	json_bpf(&j, fr);
	json_rows(&j, "processes", fr->procs, fr->nprocs, false);
	json_rows(&j, "cgroups", fr->cgroups, fr->ncgroups, true);
	json_domains(&j, fr);
	json_history(&j, fr);
	json_missing(&j, fr);
	close_obj(&j);
	fputc('\n', f);
}
