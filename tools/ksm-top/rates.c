// SPDX-License-Identifier: GPL-2.0
/* ksm-top: rates from two samples, the full-scan period, history rings. */
#include "top.h"

#include <math.h>
#include <string.h>

/*
 * The step of a monotonic counter between two samples.  Unsigned
 * subtraction already gives the right step across a wrap of a 64-bit
 * counter.  A counter that went backwards (the BPF stats were restarted, an
 * LRU row was evicted and recreated, a pid was reused) shows up as a step
 * above INT64_MAX, which no real counter makes between two samples: report
 * a reset, so the caller shows no rate for that interval rather than an
 * absurd one.
 */
bool top_counter_delta(uint64_t prev, uint64_t cur, uint64_t *delta)
{
	uint64_t d = cur - prev;

	if (d > (uint64_t)INT64_MAX)
		return false;
	*delta = d;
	return true;
}

/* Per-second rate of a counter; NAN when unknown. */
double top_rate(uint64_t prev, uint64_t cur, double dt_s)
{
	uint64_t d;

	if (!(dt_s > 0) || !top_counter_delta(prev, cur, &d))
		return NAN;
	return d / dt_s;
}

/*
 * Passes vary in length, so only a wait well past the usual period means
 * ksmd stopped or slowed down; then the time since the last pass ended is a
 * better, lower, bound than the old period.
 */
static bool overdue(double since_s, double period_s)
{
	return since_s > 2 * period_s && since_s > 1.0;
}

/*
 * full_scans only says that a pass ended somewhere between two samples, and
 * the first change we see ends a pass that started before we looked.  So
 * the period is measured between two observed changes: (time between them)
 * / (passes completed between them), accurate to one refresh interval.
 */
void top_period_update(struct top_period *p, double t_s, uint64_t full_scans)
{
	if (!p->started || full_scans < p->last_scans) {
		/* First sample, or the counter went back: start over. */
		memset(p, 0, sizeof(*p));
		p->started = true;
		p->last_scans = full_scans;
		p->period_s = NAN;
		return;
	}
	if (full_scans == p->last_scans) {
		if (p->have_mark && !isnan(p->period_s) &&
		    overdue(t_s - p->mark_t, p->period_s)) {
			p->period_s = t_s - p->mark_t;
			p->lower_bound = true;
		}
		return;
	}
	if (p->have_mark && t_s > p->mark_t) {
		p->period_s = (t_s - p->mark_t) / (double)(full_scans - p->mark_scans);
		p->lower_bound = false;
	}
	p->have_mark = true;
	p->mark_t = t_s;
	p->mark_scans = full_scans;
	p->last_scans = full_scans;
}

static uint64_t bpf_merges(const struct ksm_ext_counters *c)
{
	return c->v[KSM_EXT_MERGE_PAIR] + c->v[KSM_EXT_MERGE_STABLE] +
	       c->v[KSM_EXT_MERGE_ZERO];
}

/* pages_sharing + ksm_zero_pages: the pages KSM currently saves. */
static uint64_t saved_pages(const struct top_sample *s)
{
	uint64_t zero = s->ksm.missing & KSM_STAT_ZERO_PAGES ? 0 : s->ksm.ksm_zero_pages;

	return s->ksm.pages_sharing + zero;
}

static void rates_from_sysfs(const struct top_sample *prev,
			     const struct top_sample *cur, double dt,
			     struct top_rates *r)
{
	bool both = prev && !prev->ksm_err;

	if (both && !((prev->ksm.missing | cur->ksm.missing) & KSM_STAT_PAGES_SCANNED)) {
		r->scan_pages_per_s = top_rate(prev->ksm.pages_scanned,
					       cur->ksm.pages_scanned, dt);
		r->scan_src = TOP_SRC_SYSFS;
	}
	if (both && !((prev->ksm.missing | cur->ksm.missing) & KSM_STAT_EXT_SKIPPED)) {
		r->ext_skipped_per_s[TOP_SKIP_MMS] = top_rate(prev->ksm.ext_mms_skipped,
							      cur->ksm.ext_mms_skipped, dt);
		r->ext_skipped_per_s[TOP_SKIP_VMAS] = top_rate(prev->ksm.ext_vmas_skipped,
							       cur->ksm.ext_vmas_skipped, dt);
		r->ext_skipped_per_s[TOP_SKIP_PAGES] = top_rate(prev->ksm.ext_pages_skipped,
								cur->ksm.ext_pages_skipped, dt);
	}
	if (both && dt > 0)
		/* A gauge, not a counter: it may fall, so signed. */
		r->net_sharing_per_s = ((double)saved_pages(cur) -
					(double)saved_pages(prev)) / dt;
}

/*
 * Period and rate of rmap_items passed over from the newest passes of the
 * BPF ring.  The period is between pass ends, not a pass's own duration: a
 * pass that fits in one batch of pages_to_scan lasts a few milliseconds,
 * but the next one starts only after sleep_millisecs.
 */
bool top_scan_span(const struct ksm_ext_scan *scans, size_t n, double now_s,
		   double *period_s, bool *lower_bound, double *items_per_s)
{
	const struct ksm_ext_scan *first = &scans[0], *last = &scans[n - 1];
	uint64_t items = 0;
	double span_s, since_s;
	size_t i;

	if (n < 2 || last->seq <= first->seq || last->end_ns <= first->end_ns)
		return false;
	for (i = 1; i < n; i++)
		items += scans[i].rmap_items_end;
	span_s = (last->end_ns - first->end_ns) / 1e9;
	*period_s = span_s / (double)(last->seq - first->seq);
	*items_per_s = items / span_s;
	since_s = now_s - last->end_ns / 1e9;
	*lower_bound = overdue(since_s, *period_s);
	if (*lower_bound)
		*period_s = since_s;
	return true;
}

static void rates_from_bpf(const struct top_sample *prev,
			   const struct top_sample *cur, double dt,
			   struct top_rates *r)
{
	double period, items_per_s;
	bool lower;

	if (cur->bpf_err)
		return;
	if (prev && !prev->bpf_err)
		r->merges_per_s = top_rate(bpf_merges(&prev->bpf),
					   bpf_merges(&cur->bpf), dt);
	if (!top_scan_span(cur->scans, cur->nscans, cur->t_s, &period, &lower,
			   &items_per_s))
		return;
	/*
	 * The ring times passes to the nanosecond; full_scans deltas only to
	 * a refresh interval.
	 */
	r->full_scan_period_s = period;
	r->period_src = TOP_SRC_BPF;
	r->period_lower_bound = lower;
	/*
	 * pages_scanned (>= 6.7) counts what ksmd looked at; the ring's pages
	 * are rmap_items, so it is only the fallback.
	 */
	if (cur->ksm_err || (cur->ksm.missing & KSM_STAT_PAGES_SCANNED)) {
		r->scan_pages_per_s = items_per_s;
		r->scan_src = TOP_SRC_BPF;
	}
}

void top_compute_rates(const struct top_sample *prev, const struct top_sample *cur,
		       struct top_period *period, struct top_rates *r)
{
	double dt = prev ? cur->t_s - prev->t_s : NAN;

	*r = (struct top_rates){
		.dt_s = dt,
		.scan_pages_per_s = NAN, .full_scan_period_s = NAN,
		.saved_bytes = NAN, .profit_bytes = NAN, .ksmd_cpu_pct = NAN,
		.merges_per_s = NAN, .net_sharing_per_s = NAN, .cow_per_s = NAN,
		.psi_some_avg10 = NAN,
		.ext_skipped_per_s = { NAN, NAN, NAN },
	};
	if (!cur->ksm_err) {
		r->saved_bytes = (double)saved_pages(cur) * cur->page_size;
		if (!(cur->ksm.missing & KSM_STAT_GENERAL_PROFIT))
			r->profit_bytes = (double)cur->ksm.general_profit;
		top_period_update(period, cur->t_s, cur->ksm.full_scans);
		if (!isnan(period->period_s)) {
			r->full_scan_period_s = period->period_s;
			r->period_src = TOP_SRC_SYSFS;
			r->period_lower_bound = period->lower_bound;
		}
		rates_from_sysfs(prev, cur, dt, r);
	}
	rates_from_bpf(prev, cur, dt, r);
	if (prev && !prev->ksmd_err && !cur->ksmd_err &&
	    prev->ksmd_pid == cur->ksmd_pid)
		r->ksmd_cpu_pct = 100.0 * top_rate(prev->ksmd_cpu_ns,
						   cur->ksmd_cpu_ns, dt) / 1e9;
	if (prev && !prev->cow_err && !cur->cow_err)
		r->cow_per_s = top_rate(prev->cow_ksm, cur->cow_ksm, dt);
	if (!cur->psi_err)
		r->psi_some_avg10 = cur->psi.some_avg10;
}

void top_history_push(struct top_history *h, double v)
{
	h->v[h->head] = v;
	h->head = (h->head + 1) % TOP_HISTORY;
	if (h->len < TOP_HISTORY)
		h->len++;
}

size_t top_history_last(const struct top_history *h, double *out, size_t n)
{
	size_t i, start;

	if (n > h->len)
		n = h->len;
	start = (h->head + TOP_HISTORY - n) % TOP_HISTORY;
	for (i = 0; i < n; i++)
		out[i] = h->v[(start + i) % TOP_HISTORY];
	return n;
}
