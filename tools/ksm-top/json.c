// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top --json: one object per frame, on one line, with every figure the
 * screen shows, unformatted (bytes, pages, per-second rates).  A figure
 * that is unknown or missing is null; "missing" says why.
 */
#include "top.h"

#include "json_out.h"

static const char *src_name(enum top_src s)
{
	return s == TOP_SRC_BPF ? "bpf" : s == TOP_SRC_SYSFS ? "sysfs" : NULL;
}

static void json_view(struct json_out *j, const struct top_frame *fr)
{
	const struct top_view *v = fr->view;

	json_obj(j, "view");
	json_str(j, "table", top_table_name(v->table));
	json_str(j, "sort", top_cols[top_view_sort_col(v, v->table)].name);
	json_bool(j, "reverse", v->reverse);
	json_str(j, "filter", v->filter);
	json_num(j, "interval_s", v->interval_s);
	json_obj_end(j);
}

/* The raw sysfs values, for scripts that want more than the header. */
static void json_ksm(struct json_out *j, const struct top_sample *s)
{
	const struct ksm_sysfs_stats *k = &s->ksm;
	bool ok = !s->ksm_err;

	json_obj(j, "ksm");
	json_bool(j, "available", ok);
	json_u64(j, "run", k->run, ok);
	json_str(j, "run_state", ok ? top_run_state(k->run) : NULL);
	json_str(j, "ext_policy", ok && !(k->missing & KSM_STAT_EXT_POLICY) ? k->ext_policy : NULL);
	json_str(j, "advisor_mode", ok && !(k->missing & KSM_STAT_ADVISOR) ? k->advisor_mode : NULL);
	json_u64(j, "pages_to_scan", k->pages_to_scan, ok);
	json_u64(j, "sleep_millisecs", k->sleep_millisecs, ok);
	json_u64(j, "pages_shared", k->pages_shared, ok);
	json_u64(j, "pages_sharing", k->pages_sharing, ok);
	json_u64(j, "pages_unshared", k->pages_unshared, ok);
	json_u64(j, "pages_volatile", k->pages_volatile, ok);
	json_u64(j, "pages_scanned", k->pages_scanned, ok && !(k->missing & KSM_STAT_PAGES_SCANNED));
	json_u64(j, "pages_skipped", k->pages_skipped, ok && !(k->missing & KSM_STAT_PAGES_SKIPPED));
	json_u64(j, "full_scans", k->full_scans, ok);
	json_u64(j, "ksm_zero_pages", k->ksm_zero_pages, ok && !(k->missing & KSM_STAT_ZERO_PAGES));
	json_s64(j, "general_profit", k->general_profit, ok && !(k->missing & KSM_STAT_GENERAL_PROFIT));
	json_u64(j, "stable_node_chains", k->stable_node_chains, ok);
	json_u64(j, "stable_node_dups", k->stable_node_dups, ok);
	ok = ok && !(k->missing & KSM_STAT_EXT_SKIPPED);
	json_u64(j, "ext_mms_skipped", k->ext_mms_skipped, ok);
	json_u64(j, "ext_vmas_skipped", k->ext_vmas_skipped, ok);
	json_u64(j, "ext_pages_skipped", k->ext_pages_skipped, ok);
	json_obj_end(j);
}

/* The header's figures, as the screen shows them (before formatting). */
static void json_system(struct json_out *j, const struct top_frame *fr)
{
	const struct top_sample *s = fr->s;
	const struct top_rates *r = &fr->r;

	json_obj(j, "system");
	json_num(j, "scan_pages_per_s", r->scan_pages_per_s);
	json_str(j, "scan_source", src_name(r->scan_src));
	json_num(j, "full_scan_period_s", r->full_scan_period_s);
	json_str(j, "full_scan_period_source", src_name(r->period_src));
	json_bool(j, "full_scan_period_lower_bound", r->period_lower_bound);
	json_num(j, "saved_bytes", r->saved_bytes);
	json_num(j, "general_profit_bytes", r->profit_bytes);
	json_s64(j, "ksmd_pid", s->ksmd_pid, !s->ksmd_err);
	json_num(j, "ksmd_cpu_pct", r->ksmd_cpu_pct);
	json_num(j, "merges_per_s", r->merges_per_s);
	json_num(j, "net_saved_pages_per_s", r->net_sharing_per_s);
	json_u64(j, "cow_ksm", s->cow_ksm, !s->cow_err);
	json_num(j, "cow_breaks_per_s", r->cow_per_s);
	json_num(j, "psi_memory_some_avg10", r->psi_some_avg10);
	json_num(j, "ext_mms_skipped_per_s", r->ext_skipped_per_s[TOP_SKIP_MMS]);
	json_num(j, "ext_vmas_skipped_per_s", r->ext_skipped_per_s[TOP_SKIP_VMAS]);
	json_num(j, "ext_pages_skipped_per_s", r->ext_skipped_per_s[TOP_SKIP_PAGES]);
	json_num(j, "interval_measured_s", r->dt_s);
	json_obj_end(j);
}

static void json_bpf(struct json_out *j, const struct top_frame *fr)
{
	const struct top_sample *s = fr->s;
	const struct ksm_ext_scan *l = &s->scans[s->nscans ? s->nscans - 1 : 0];
	struct scan_rates sr;
	int i;

	json_obj(j, "bpf");
	json_bool(j, "available", !s->bpf_err);
	json_str(j, "pin_dir", fr->pin_dir);
	if (!s->bpf_err) {
		json_obj(j, "counters");
		for (i = 0; i < KSM_EXT_NR_COUNTERS; i++)
			json_u64(j, stats_counter_name(i), s->bpf.v[i], true);
		json_obj_end(j);
	}
	if (s->nscans) {
		stats_scan_rates(l, &sr);
		json_obj(j, "last_scan");
		json_u64(j, "seq", l->seq, true);
		json_num(j, "duration_s", sr.duration_s);
		json_u64(j, "rmap_items_end", l->rmap_items_end, true);
		json_u64(j, "merges", l->merges, true);
		json_u64(j, "merge_fails", l->merge_fails, true);
		json_u64(j, "ksmd_cpu_ns", l->ksmd_cpu_ns, true);
		json_num(j, "ksmd_cpu_pct", sr.ksmd_cpu_pct);
		json_num(j, "merges_per_kpage", sr.merges_per_kpage);
		json_obj_end(j);
	}
	json_obj_end(j);
}

/* The attached policy (null without one): who attached it, its figures. */
static void json_policy(struct json_out *j, const struct top_sample *s)
{
	const struct top_policy *p = &s->policy;
	bool ours = p->owner == POLICY_PINNED && !p->err;
	size_t i;

	if (!p->attached) {
		json_null(j, "policy");
		return;
	}
	json_obj(j, "policy");
	json_str(j, "name", s->ksm.ext_policy);
	json_str(j, "attached_by", p->owner == POLICY_PINNED ? "ksm-loader" :
		 p->owner == POLICY_FOREIGN ? "other" : NULL);
	json_str(j, "pin_dir", p->owner == POLICY_PINNED ? KSM_EXT_POLICY_PIN_DIR : NULL);
	if (!ours) {
		json_null(j, "tunables");
		json_null(j, "lists");
		json_null(j, "stats");
		json_obj_end(j);
		return;
	}
	json_obj(j, "tunables");
	for (i = 0; i < p->ntun; i++)
		if (p->tun[i].is_signed)
			json_s64(j, p->tun[i].name, (int64_t)p->tun[i].v, true);
		else
			json_u64(j, p->tun[i].name, p->tun[i].v, true);
	json_obj_end(j);
	/* Their sizes: the entries themselves are `ksm-loader policy status`'s. */
	json_obj(j, "lists");
	for (i = 0; i < p->nlists; i++)
		json_u64(j, p->lists[i].name, (uint64_t)p->lists[i].n, true);
	json_obj_end(j);
	if (p->nstats < 0) {
		json_null(j, "stats");
	} else {
		json_obj(j, "stats");
		for (i = 0; i < (size_t)p->nstats; i++)
			if (p->stats[i].is_signed)
				json_s64(j, p->stats[i].name, (int64_t)p->stats[i].v, true);
			else
				json_u64(j, p->stats[i].name, p->stats[i].v, true);
		json_obj_end(j);
	}
	json_obj_end(j);
}

static void json_row(struct json_out *j, const struct top_row *r, bool cgroup)
{
	json_obj(j, NULL);
	if (!cgroup) {
		json_s64(j, "pid", r->pid, true);
		json_str(j, "comm", r->comm);
	} else {
		json_u64(j, "procs", r->nprocs, true);
	}
	json_str(j, "cgroup", r->cgroup[0] ? r->cgroup : NULL);
	json_str(j, "domain", r->domain[0] ? r->domain : NULL);
	json_u64(j, "rmap_items", r->rmap_items, true);
	json_u64(j, "merging_pages", r->merging_pages, true);
	json_u64(j, "zero_pages", r->zero_pages, true);
	json_s64(j, "profit_bytes", r->profit_bytes, true);
	if (!cgroup && r->mergeable_known) {
		json_bool(j, "mergeable", r->mergeable);
		json_bool(j, "merge_any", r->merge_any);
	} else if (!cgroup) {
		/* Older kernels' ksm_stat does not say. */
		json_str(j, "mergeable", NULL);
		json_str(j, "merge_any", NULL);
	}
	json_u64(j, "bpf_merges", r->bpf_merges, r->have_bpf);
	json_num(j, "merges_per_s", r->merges_per_s);
	json_obj_end(j);
}

static void json_rows(struct json_out *j, const char *k, const struct top_row *rows,
		      size_t n, bool cgroup)
{
	size_t i;

	json_arr(j, k);
	for (i = 0; i < n; i++)
		json_row(j, &rows[i], cgroup);
	json_arr_end(j);
}

/* ext_domains, or null without it ("missing" says why). */
static void json_domains(struct json_out *j, const struct top_frame *fr)
{
	const struct top_row *r;
	size_t i;

	if (fr->s->domains_err) {
		json_str(j, "domains", NULL);
		return;
	}
	json_arr(j, "domains");
	for (i = 0; i < fr->ndomains; i++) {
		r = &fr->domains[i];
		json_obj(j, NULL);
		json_str(j, "id", r->domain);
		json_u64(j, "mms", r->nprocs, true);
		json_u64(j, "pages_shared", r->pages_shared, true);
		json_u64(j, "pages_sharing", r->pages_sharing, true);
		json_num(j, "saved_bytes", r->saved_bytes);
		json_str(j, "cgroup", r->cgroup[0] ? r->cgroup : NULL);
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_history(struct json_out *j, const struct top_frame *fr)
{
	static const char *const names[TOP_HIST_NR] = {
		[TOP_HIST_SAVED] = "saved_bytes",
		[TOP_HIST_SCAN] = "scan_pages_per_s",
		[TOP_HIST_CPU] = "ksmd_cpu_pct",
	};
	double v[TOP_JSON_HISTORY];
	size_t i, k, n;

	json_obj(j, "history");
	for (k = 0; k < TOP_HIST_NR; k++) {
		n = top_history_last(&fr->hist[k], v, TOP_JSON_HISTORY);
		json_arr(j, names[k]);
		for (i = 0; i < n; i++)
			json_num(j, NULL, v[i]);
		json_arr_end(j);
	}
	json_obj_end(j);
}

static void json_missing(struct json_out *j, const struct top_frame *fr)
{
	struct top_missing m[TOP_MAX_MISSING];
	size_t i, n = top_missing_list(fr->s, fr->pin_dir, m, TOP_MAX_MISSING);

	json_arr(j, "missing");
	for (i = 0; i < n; i++) {
		json_obj(j, NULL);
		json_str(j, "what", m[i].what);
		json_str(j, "why", m[i].why);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void top_print_json(FILE *f, const struct top_frame *fr)
{
	struct json_out j;

	json_start(&j, f);
	json_obj(&j, NULL);
	json_num(&j, "time", fr->s->wall_s);
	json_view(&j, fr);
	json_ksm(&j, fr->s);
	json_system(&j, fr);
	json_bpf(&j, fr);
	json_policy(&j, fr->s);
	json_rows(&j, "processes", fr->procs, fr->nprocs, false);
	json_rows(&j, "cgroups", fr->cgroups, fr->ncgroups, true);
	json_domains(&j, fr);
	json_history(&j, fr);
	json_missing(&j, fr);
	json_obj_end(&j);
	fputc('\n', f);
}
