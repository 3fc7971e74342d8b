// SPDX-License-Identifier: GPL-2.0
/* ksm-top: figures as text: units, header fields, sparklines, table lines. */
#include "top.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Small stand-ins for libm, which ksm-top does not otherwise need. */
static double abs_d(double v)
{
	return v < 0 ? -v : v;
}

static long round_l(double v)
{
	return (long)(v < 0 ? v - 0.5 : v + 0.5);
}

const char *top_run_state(uint64_t run)
{
	switch (run) {
	case 0: return "stopped";
	case 1: return "running";
	case 2: return "unmerging";
	case 4: return "offline";
	default:
		return "unknown";
	}
}

/* Three significant digits at most: 4.00, 48.0, 512. */
static const char *prec_fmt(double v)
{
	return v < 9.995 ? "%s%.2f%s" : v < 99.95 ? "%s%.1f%s" : "%s%.0f%s";
}

void top_fmt_bytes(double bytes, char *buf, size_t len)
{
	static const char *const unit[] = { " KiB", " MiB", " GiB", " TiB", " PiB" };
	const char *sign = bytes < 0 ? "-" : "";
	double v = abs_d(bytes);
	int i = -1;

	if (isnan(bytes)) {
		snprintf(buf, len, "n/a");
		return;
	}
	if (v < 1024) {
		snprintf(buf, len, "%s%.0f B", sign, v);
		return;
	}
	while (v >= 1023.995 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, prec_fmt(v), sign, v, unit[i]);
}

/* For the table: "512K", "-12.3M", "1.21G" (binary units). */
void top_fmt_bytes_short(double bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "K", "M", "G", "T", "P" };
	const char *sign = bytes < 0 ? "-" : "";
	double v = abs_d(bytes);
	int i = -1;

	if (isnan(bytes)) {
		snprintf(buf, len, "-");
		return;
	}
	if (v < 1024) {
		snprintf(buf, len, "%s%.0f", sign, v);
		return;
	}
	while (v >= 1023.95 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, v < 99.95 ? "%s%.1f%s" : "%s%.0f%s", sign, v, unit[i]);
}

/* Decimal units for counts and rates: "7", "0.5", "1.2k", "312k", "4.1M". */
void top_fmt_count(double v, char *buf, size_t len)
{
	static const char *const unit[] = { "k", "M", "G", "T" };
	const char *sign = v < 0 ? "-" : "";
	double a = abs_d(v);
	int i = -1;

	if (isnan(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (a < 999.5) {
		/* Slow rates keep a decimal: 0.5 merges/s is not 0. */
		if (a < 9.95 && a != (double)(long long)a)
			snprintf(buf, len, "%s%.1f", sign, a);
		else
			snprintf(buf, len, "%s%.0f", sign, a);
		return;
	}
	while (a >= 999.5 && i < 3) {
		a /= 1000;
		i++;
	}
	snprintf(buf, len, a < 9.95 ? "%s%.1f%s" : "%s%.0f%s", sign, a, unit[i]);
}

void top_fmt_rate(double per_s, const char *unit, char *buf, size_t len)
{
	char n[24];

	if (isnan(per_s)) {
		snprintf(buf, len, "-");
		return;
	}
	top_fmt_count(per_s, n, sizeof(n));
	snprintf(buf, len, "%s%s", n, unit);
}

void top_fmt_pct(double pct, char *buf, size_t len)
{
	if (isnan(pct))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, pct < 9.995 ? "%.2f%%" : "%.1f%%", pct);
}

/* "1s", "1.5s", "1.25s": no trailing zeros. */
static void fmt_trimmed(double s, char *buf, size_t len)
{
	char tmp[32], *p;

	snprintf(tmp, sizeof(tmp), "%.2f", s);
	p = tmp + strlen(tmp) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
	snprintf(buf, len, "%ss", tmp);
}

void top_fmt_duration(double s, char *buf, size_t len)
{
	long whole;

	if (isnan(s) || s < 0) {
		snprintf(buf, len, "-");
		return;
	}
	whole = round_l(s);
	if (s < 0.9995)
		snprintf(buf, len, "%.0fms", s * 1000);
	else if (s < 9.995)
		fmt_trimmed(s, buf, len);
	else if (s < 59.95)
		snprintf(buf, len, "%.1fs", s);
	else if (whole < 3600)
		snprintf(buf, len, "%ldm%02lds", whole / 60, whole % 60);
	else
		snprintf(buf, len, "%ldh%02ldm", whole / 3600, whole / 60 % 60);
}

/* Names come from processes: anything may be in them. */
void top_sanitize(const char *s, char *out, size_t len)
{
	size_t i;

	if (!len)
		return;
	for (i = 0; s[i] && i < len - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	out[i] = '\0';
}

void top_sparkline(const double *v, size_t n, size_t width, bool utf8,
		   char *out, size_t len)
{
	static const char *const blocks[8] = {
		"\u2581", "\u2582", "\u2583", "\u2584",
		"\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char ascii[8] = { '_', '.', ':', '-', '=', '+', '*', '#' };
	size_t i, first = n > width ? n - width : 0, pad, used = 0;
	size_t cell = utf8 ? 3 : 1;
	double max = 0;

	if (!len)
		return;
	for (i = first; i < n; i++)
		if (!isnan(v[i]) && v[i] > max)
			max = v[i];
	pad = width - (n - first);
	for (i = 0; i < width && used + cell < len; i++) {
		double x = i < pad ? NAN : v[first + i - pad];
		int level;

		if (isnan(x)) {
			out[used++] = ' ';
			continue;
		}
		level = max > 0 && x > 0 ? (int)round_l(x / max * 7) : 0;
		if (level > 7)
			level = 7;
		if (utf8) {
			memcpy(out + used, blocks[level], 3);
			used += 3;
		} else {
			out[used++] = ascii[level];
		}
	}
	out[used] = '\0';
}

/* ---- what is missing ---- */

static void __attribute__((format(printf, 5, 6)))	/* no __printf in userspace */
add_missing(struct top_missing *m, size_t max, size_t *n, const char *what,
	    const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	m[*n].what = what;
	va_start(ap, fmt);
	vsnprintf(m[*n].why, sizeof(m[*n].why), fmt, ap);
	va_end(ap);
	(*n)++;
}

static void missing_ksm(const struct top_sample *s, struct top_missing *m,
			size_t max, size_t *n)
{
	uint32_t miss = s->ksm.missing;

	if (s->ksm_err) {
		add_missing(m, max, n, "ksm", s->ksm_err == -ENOENT ?
			    "no KSM (%s missing: kernel without CONFIG_KSM)" :
			    "KSM sysfs unreadable: %s",
			    s->ksm_err == -ENOENT ? KSM_SYSFS_DIR : strerror(-s->ksm_err));
		return;
	}
	if (miss & KSM_STAT_PAGES_SCANNED)
		add_missing(m, max, n, "pages_scanned",
			    "no pages_scanned (Linux < 6.7)%s",
			    s->bpf_err ? "" : ": scan rate from BPF");
	if (miss & KSM_STAT_ZERO_PAGES)
		add_missing(m, max, n, "ksm_zero_pages",
			    "no ksm_zero_pages: saved counts pages_sharing only");
	if (miss & KSM_STAT_GENERAL_PROFIT)
		add_missing(m, max, n, "general_profit", "no general_profit (Linux < 6.1)");
}

static void missing_bpf(const struct top_sample *s, const char *pin_dir,
			struct top_missing *m, size_t max, size_t *n)
{
	if (!s->bpf_err)
		return;
	if (s->bpf_err == -ENOENT)
		add_missing(m, max, n, "bpf",
			    "no BPF stats pinned (ksm-loader stats start): merges/s n/a");
	else if (s->bpf_err == -EACCES || s->bpf_err == -EPERM)
		add_missing(m, max, n, "bpf", "BPF stats need root: merges/s n/a");
	else
		add_missing(m, max, n, "bpf", "BPF stats at %s unreadable: %s", pin_dir,
			    stats_open_strerror(s->bpf_err));
}

static void missing_policy(const struct top_sample *s, struct top_missing *m,
			   size_t max, size_t *n)
{
	const struct top_policy *p = &s->policy;

	if (!p->attached)
		return;
	if (p->owner == POLICY_UNREADABLE)
		add_missing(m, max, n, "policy", "the policy's statistics need root");
	else if (p->owner == POLICY_FOREIGN)
		add_missing(m, max, n, "policy",
			    "policy not attached by ksm-loader: its statistics n/a");
	else if (p->err)
		add_missing(m, max, n, "policy", "the policy pinned at %s unreadable: %s",
			    KSM_EXT_POLICY_PIN_DIR, strerror(-p->err));
}

static void missing_domains(const struct top_sample *s, struct top_missing *m,
			    size_t max, size_t *n)
{
	switch (s->domains_err) {
	case 0:
		break;
	case -ENOENT:
		add_missing(m, max, n, "domains", "no %s/ext_domains (not a ksm_ext kernel "
			    "with merge domains)", KSM_SYSFS_DIR);
		break;
	case -EINVAL:
		add_missing(m, max, n, "domains", "ext_domains line %zu malformed: "
			    "no domain view", s->domains_line);
		break;
	case -E2BIG:
		add_missing(m, max, n, "domains", "ext_domains lists over %d domains: "
			    "no domain view", KSM_DOMAINS_MAX);
		break;
	default:
		add_missing(m, max, n, "domains", "ext_domains unreadable: %s",
			    strerror(-s->domains_err));
	}
}

/* Most important first: the header line shows as many as fit. */
size_t top_missing_list(const struct top_sample *s, const char *pin_dir,
			struct top_missing *m, size_t max)
{
	size_t n = 0;

	if (s->ksm_err)
		missing_ksm(s, m, max, &n);
	missing_bpf(s, pin_dir, m, max, &n);
	if (!s->is_root && s->procs_denied)
		add_missing(m, max, &n, "processes",
			    "not root: only your own processes are listed");
	if (s->ksm_stat_err)
		add_missing(m, max, &n, "ksm_stat", s->ksm_stat_err == -ENOENT ?
			    "no /proc/PID/ksm_stat (Linux < 6.1): no process rows%s" :
			    "/proc/PID/ksm_stat: %s",
			    s->ksm_stat_err == -ENOENT ? "" : strerror(-s->ksm_stat_err));
	if (s->ksmd_err)
		add_missing(m, max, &n, "ksmd", "ksmd not found: ksmd cpu n/a");
	if (!s->ksm_err)
		missing_ksm(s, m, max, &n);
	if (s->cow_err)
		add_missing(m, max, &n, "cow_ksm", s->cow_err == -ENOENT ?
			    "no cow_ksm in /proc/vmstat: no COW breaks%s" :
			    "/proc/vmstat: %s",
			    s->cow_err == -ENOENT ? "" : strerror(-s->cow_err));
	if (s->psi_err)
		add_missing(m, max, &n, "psi", "no memory PSI (/proc/pressure/memory: %s)",
			    strerror(-s->psi_err));
	if (!s->ksm_err && (s->ksm.missing & KSM_STAT_EXT_POLICY))
		add_missing(m, max, &n, "ext_policy", "no ext_policy (not a ksm_ext kernel)");
	missing_policy(s, m, max, &n);
	if (!s->ksm_err)
		missing_domains(s, m, max, &n);
	return n;
}

/* ---- header ---- */

static void field(struct top_field *f, size_t max, size_t *n, const char *label,
		  const char *value, bool na)
{
	if (*n >= max)
		return;
	f[*n].label = label;
	snprintf(f[*n].value, sizeof(f[*n].value), "%s", na ? "n/a" : value);
	f[*n].na = na;
	(*n)++;
}

static void header_knobs(const struct top_frame *fr, struct top_field *f,
			 size_t max, size_t *n)
{
	const struct top_sample *s = fr->s;
	bool ksm = !s->ksm_err;
	char v[40];

	field(f, max, n, "KSM", ksm ? top_run_state(s->ksm.run) : "", !ksm);
	field(f, max, n, "policy", s->ksm.ext_policy,
	      !ksm || (s->ksm.missing & KSM_STAT_EXT_POLICY));
	snprintf(v, sizeof(v), "%" PRIu64, s->ksm.pages_to_scan);
	field(f, max, n, "pages_to_scan", v, !ksm);
	snprintf(v, sizeof(v), "%" PRIu64 "ms", s->ksm.sleep_millisecs);
	field(f, max, n, "sleep", v, !ksm);
	/* The scan-time advisor rewrites pages_to_scan itself: say so. */
	if (ksm && !(s->ksm.missing & KSM_STAT_ADVISOR) &&
	    strcmp(s->ksm.advisor_mode, "none"))
		field(f, max, n, "advisor", s->ksm.advisor_mode, false);
}

/* What the ksm_ext policy had ksmd skip (ext_*_skipped), per second. */
static void header_skipped(const struct top_frame *fr, struct top_field *f,
			   size_t max, size_t *n)
{
	const double *sk = fr->r.ext_skipped_per_s;
	char v[72], p[40], a[40], m[40];

	top_fmt_rate(sk[TOP_SKIP_PAGES], " pages/s", p, sizeof(p));
	top_fmt_rate(sk[TOP_SKIP_VMAS], " vmas/s", a, sizeof(a));
	top_fmt_rate(sk[TOP_SKIP_MMS], " mms/s", m, sizeof(m));
	if (isnan(sk[TOP_SKIP_PAGES]))
		snprintf(v, sizeof(v), "-");
	else
		snprintf(v, sizeof(v), "%.22s, %.21s, %.21s", p, a, m);
	field(f, max, n, "skipped", v, fr->s->ksm_err ||
	      (fr->s->ksm.missing & KSM_STAT_EXT_SKIPPED));
}

static void header_work(const struct top_frame *fr, struct top_field *f,
			size_t max, size_t *n)
{
	const struct top_sample *s = fr->s;
	const struct top_rates *r = &fr->r;
	bool ksm = !s->ksm_err;
	char v[40], d[24];

	top_fmt_rate(r->scan_pages_per_s, " pages/s", v, sizeof(v));
	field(f, max, n, "scan", v, !ksm || ((s->ksm.missing & KSM_STAT_PAGES_SCANNED) &&
					     s->nscans < 2));
	top_fmt_duration(r->full_scan_period_s, d, sizeof(d));
	snprintf(v, sizeof(v), "%s%s", r->period_lower_bound ? ">" : "", d);
	field(f, max, n, "full scan", v, !ksm && r->period_src == TOP_SRC_NONE);
	top_fmt_bytes(r->saved_bytes, v, sizeof(v));
	field(f, max, n, "saved", v, isnan(r->saved_bytes));
	top_fmt_bytes(r->profit_bytes, v, sizeof(v));
	field(f, max, n, "profit", v, isnan(r->profit_bytes));
	header_skipped(fr, f, max, n);
}

static void header_cost(const struct top_frame *fr, struct top_field *f,
			size_t max, size_t *n)
{
	const struct top_sample *s = fr->s;
	const struct top_rates *r = &fr->r;
	char v[40];

	top_fmt_pct(r->ksmd_cpu_pct, v, sizeof(v));
	field(f, max, n, "ksmd cpu", v, s->ksmd_err != 0);
	top_fmt_rate(r->merges_per_s, "/s", v, sizeof(v));
	field(f, max, n, "merges", v, s->bpf_err != 0);
	top_fmt_rate(r->cow_per_s, "/s", v, sizeof(v));
	field(f, max, n, "cow breaks", v, s->cow_err != 0);
	top_fmt_pct(r->psi_some_avg10, v, sizeof(v));
	field(f, max, n, "psi some avg10", v, s->psi_err != 0);
}

/* Who attached the policy, its tunables and list sizes, its statistics. */
static void header_policy(const struct top_frame *fr, struct top_field *f,
			  size_t max, size_t *n)
{
	const struct top_policy *p = &fr->s->policy;
	char v[72], t[40];
	size_t i, used;

	if (!p->attached)
		return;
	field(f, max, n, "attached by", p->owner == POLICY_PINNED ? "ksm-loader" :
	      "another program", p->owner == POLICY_UNREADABLE);
	if (p->owner != POLICY_PINNED || p->err)
		return;
	v[0] = '\0';
	for (i = 0, used = 0; i < p->ntun && used < sizeof(v); i++) {
		if (p->tun[i].is_signed)
			snprintf(t, sizeof(t), "%" PRId64, (int64_t)p->tun[i].v);
		else
			snprintf(t, sizeof(t), "%" PRIu64, (uint64_t)p->tun[i].v);
		used += snprintf(v + used, sizeof(v) - used, "%s%s=%s", i ? " " : "",
				 p->tun[i].name, t);
	}
	if (p->ntun)
		field(f, max, n, "tunables", v, false);
	for (i = 0, used = 0; i < p->nlists && used < sizeof(v); i++)
		used += snprintf(v + used, sizeof(v) - used, "%s%s:%d", i ? " " : "",
				 p->lists[i].name, p->lists[i].n);
	if (p->nlists)
		field(f, max, n, "lists", v, false);
	for (i = 0; i < (size_t)(p->nstats > 0 ? p->nstats : 0); i++) {
		top_fmt_count(p->stats[i].is_signed ? (double)(int64_t)p->stats[i].v :
			      (double)p->stats[i].v, v, sizeof(v));
		field(f, max, n, p->stats[i].name, v, false);
	}
}

/*
 * Line 0: what KSM is told to do; line 1: what it achieves; line 2: what it
 * costs; line 3: the attached policy's own figures (none without one).  A
 * figure the system cannot give reads "n/a"; one that needs a second sample
 * reads "-" until then.
 */
size_t top_header_fields(const struct top_frame *fr, int line,
			 struct top_field *f, size_t max)
{
	size_t n = 0;

	if (line == 0)
		header_knobs(fr, f, max, &n);
	else if (line == 1)
		header_work(fr, f, max, &n);
	else if (line == 2)
		header_cost(fr, f, max, &n);
	else if (line == 3)
		header_policy(fr, f, max, &n);
	return n;
}

/* ---- table ---- */

void top_col_span(const enum top_col *cols, size_t ncols, size_t idx, int width,
		  int *start, int *w)
{
	int pos = 0;
	size_t i;

	for (i = 0; i < idx; i++)
		pos += top_cols[cols[i]].width + 1;
	*start = pos;
	*w = top_cols[cols[idx]].width;
	if (idx == ncols - 1 || !*w)
		*w = width - pos;
	if (*w < 0)
		*w = 0;
}

/* An integer exactly when it fits, else in decimal units. */
static void fmt_pages(uint64_t v, int w, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%" PRIu64, v);

	if (n > w)
		top_fmt_count((double)v, buf, len);
}

/* Keep the end of a long cgroup path: the leaf names the workload. */
static void fmt_tail(const char *s, int w, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (!*s)
		snprintf(buf, len, "-");
	else if (w >= 3 && n > (size_t)w)
		snprintf(buf, len, "..%s", s + n - (w - 2));
	else
		snprintf(buf, len, "%s", s);
}

static void format_cell(const struct top_row *r, enum top_col col, int w,
			char *buf, size_t len)
{
	char clean[TOP_CGROUP_LEN];

	switch (col) {
	case TOP_COL_PID:
		snprintf(buf, len, "%d", (int)r->pid);
		break;
	case TOP_COL_COMM:
		top_sanitize(r->comm, buf, len);
		break;
	case TOP_COL_PROCS:
		snprintf(buf, len, "%u", r->nprocs);
		break;
	case TOP_COL_RMAP:
		fmt_pages(r->rmap_items, w, buf, len);
		break;
	case TOP_COL_MERGING:
		fmt_pages(r->merging_pages, w, buf, len);
		break;
	case TOP_COL_ZERO:
		fmt_pages(r->zero_pages, w, buf, len);
		break;
	case TOP_COL_PROFIT:
		top_fmt_bytes_short((double)r->profit_bytes, buf, len);
		break;
	case TOP_COL_MERGEABLE:
		/* "-": this kernel's ksm_stat does not say (< 6.8). */
		snprintf(buf, len, "%s", !r->mergeable_known ? "-" :
			 r->merge_any ? "any" : r->mergeable ? "yes" : "no");
		break;
	case TOP_COL_MERGES:
		top_fmt_count(r->merges_per_s, buf, len);
		break;
	case TOP_COL_DOMAIN:
		/* A long id keeps its end, as a path does. */
		top_sanitize(r->domain, clean, sizeof(clean));
		fmt_tail(clean, w, buf, len);
		break;
	case TOP_COL_SHARED:
		fmt_pages(r->pages_shared, w, buf, len);
		break;
	case TOP_COL_SHARING:
		fmt_pages(r->pages_sharing, w, buf, len);
		break;
	case TOP_COL_SAVED:
		top_fmt_bytes_short(r->saved_bytes, buf, len);
		break;
	case TOP_COL_CGROUP:
		top_sanitize(r->cgroup, clean, sizeof(clean));
		fmt_tail(clean, w, buf, len);
		break;
	default:
		buf[0] = '\0';
	}
}

/* Lay out cells into a line of exactly @width characters. */
static void put_cells(const enum top_col *cols, size_t ncols, int width,
		      char cells[][TOP_CGROUP_LEN], char *out, size_t len)
{
	int start, w;
	size_t i;

	if (!len)
		return;
	if ((size_t)width > len - 1)
		width = (int)len - 1;
	memset(out, ' ', width);
	out[width] = '\0';
	for (i = 0; i < ncols; i++) {
		int n, off;

		top_col_span(cols, ncols, i, width, &start, &w);
		if (start >= width)
			break;
		if (start + w > width)
			w = width - start;
		n = (int)strlen(cells[i]);
		if (n > w)
			n = w;
		off = top_cols[cols[i]].left ? 0 : w - n;
		memcpy(out + start + off, cells[i], n);
	}
}

void top_format_table_head(const enum top_col *cols, size_t ncols, int width,
			   char *out, size_t len)
{
	char cells[TOP_NR_COLS][TOP_CGROUP_LEN];
	size_t i;

	for (i = 0; i < ncols && i < TOP_NR_COLS; i++)
		snprintf(cells[i], sizeof(cells[i]), "%s", top_cols[cols[i]].title);
	put_cells(cols, ncols, width, cells, out, len);
}

void top_format_row(const struct top_row *r, const enum top_col *cols,
		    size_t ncols, int width, char *out, size_t len)
{
	char cells[TOP_NR_COLS][TOP_CGROUP_LEN];
	int start, w;
	size_t i;

	for (i = 0; i < ncols && i < TOP_NR_COLS; i++) {
		top_col_span(cols, ncols, i, width, &start, &w);
		format_cell(r, cols[i], w, cells[i], sizeof(cells[i]));
	}
	put_cells(cols, ncols, width, cells, out, len);
}

/* ---- batch text ---- */

static void print_fields(FILE *f, const struct top_field *fl, size_t n, int width)
{
	int col = 0, w;
	size_t i;

	for (i = 0; i < n; i++) {
		w = (int)(strlen(fl[i].label) + 1 + strlen(fl[i].value));
		if (col && col + 2 + w > width) {
			fputc('\n', f);
			col = 0;
		}
		fprintf(f, "%s%s %s", col ? "  " : "", fl[i].label, fl[i].value);
		col += (col ? 2 : 0) + w;
	}
	fputc('\n', f);
}

static void print_spark(FILE *f, const struct top_frame *fr, int idx,
			const char *label, const char *value, int width)
{
	double v[TOP_HISTORY];
	char spark[TOP_HISTORY * 3 + 1];
	size_t n = top_history_last(&fr->hist[idx], v, TOP_HISTORY);
	int sw = width - 12 - 13;

	if (sw < 4)
		sw = 4;
	top_sparkline(v, n, (size_t)sw, false, spark, sizeof(spark));
	fprintf(f, "%-11s %s %12s\n", label, spark, value);
}

static void print_table(FILE *f, const struct top_frame *fr, int width)
{
	enum top_table t = fr->view->table;
	const struct top_row *rows;
	const enum top_col *cols;
	size_t i, n, ncols;
	char line[1024];

	top_table_cols(t, &cols, &ncols);
	top_frame_rows(fr, &rows, &n);
	top_format_table_head(cols, ncols, width, line, sizeof(line));
	fprintf(f, "%s\n", line);
	for (i = 0; i < n; i++) {
		top_format_row(&rows[i], cols, ncols, width, line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (!n && t == TOP_TABLE_DOMAINS)
		fprintf(f, "(no merge domains%s)\n",
			fr->s->domains_err ? ": see n/a above" : "");
	else if (!n)
		fprintf(f, "(no %s%s)\n", top_table_name(t),
			fr->view->filter[0] ? " match the filter" : " with KSM pages");
}

void top_print_text(FILE *f, const struct top_frame *fr, int width)
{
	struct top_missing m[TOP_MAX_MISSING];
	struct top_field fl[TOP_MAX_FIELDS];
	const struct top_rates *r = &fr->r;
	char when[32], v[40];
	time_t t = (time_t)fr->s->wall_s;
	size_t i, n;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	top_fmt_duration(fr->view->interval_s, v, sizeof(v));
	fprintf(f, "ksm-top %s  interval %s  view %s  sort %s%s", when, v,
		top_table_name(fr->view->table),
		top_cols[top_view_sort_col(fr->view, fr->view->table)].name,
		fr->view->reverse ? " (reversed)" : "");
	if (fr->view->filter[0])
		fprintf(f, "  filter \"%s\"", fr->view->filter);
	fputc('\n', f);
	for (i = 0; i < TOP_HEADER_LINES; i++) {
		n = top_header_fields(fr, (int)i, fl, TOP_MAX_FIELDS);
		if (n)
			print_fields(f, fl, n, width);
	}
	n = top_missing_list(fr->s, fr->pin_dir, m, TOP_MAX_MISSING);
	for (i = 0; i < n; i++)
		fprintf(f, "n/a: %s\n", m[i].why);
	top_fmt_bytes(r->saved_bytes, v, sizeof(v));
	print_spark(f, fr, TOP_HIST_SAVED, "saved", v, width);
	top_fmt_rate(r->scan_pages_per_s, " pages/s", v, sizeof(v));
	print_spark(f, fr, TOP_HIST_SCAN, "scan rate", v, width);
	top_fmt_pct(r->ksmd_cpu_pct, v, sizeof(v));
	print_spark(f, fr, TOP_HIST_CPU, "ksmd cpu", v, width);
	fputc('\n', f);
	print_table(f, fr, width);
	fputc('\n', f);
}
