// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-top: the tables' rows: joining, per-process rates, cgroups, merge
 * domains, filter, sort.
 */
#define _GNU_SOURCE	/* strcasestr, qsort_r */
#include "top.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct top_col_info top_cols[TOP_NR_COLS] = {
	[TOP_COL_PID] = { "pid", "PID", 7, false },
	[TOP_COL_COMM] = { "comm", "COMM", 15, true },
	[TOP_COL_PROCS] = { "procs", "PROCS", 5, false },
	[TOP_COL_RMAP] = { "rmap", "RMAP", 7, false },
	[TOP_COL_MERGING] = { "merging", "MERGING", 7, false },
	[TOP_COL_ZERO] = { "zero", "ZERO", 6, false },
	[TOP_COL_PROFIT] = { "profit", "PROFIT", 7, false },
	[TOP_COL_MERGEABLE] = { "mergeable", "MRG", 3, true },
	[TOP_COL_MERGES] = { "merges", "MERGE/s", 7, false },
	[TOP_COL_DOMAIN] = { "domain", "DOMAIN", 7, false },
	[TOP_COL_SHARED] = { "shared", "SHARED", 7, false },
	[TOP_COL_SHARING] = { "sharing", "SHARING", 7, false },
	[TOP_COL_SAVED] = { "saved", "SAVED", 7, false },
	[TOP_COL_CGROUP] = { "cgroup", "CGROUP", 0, true },
};

const enum top_col top_proc_view[] = {
	TOP_COL_PID, TOP_COL_COMM, TOP_COL_RMAP, TOP_COL_MERGING, TOP_COL_ZERO,
	TOP_COL_PROFIT, TOP_COL_MERGEABLE, TOP_COL_MERGES, TOP_COL_DOMAIN,
	TOP_COL_CGROUP,
};
const size_t top_proc_view_len = ARRAY_SIZE(top_proc_view);

const enum top_col top_cgroup_view[] = {
	TOP_COL_PROCS, TOP_COL_RMAP, TOP_COL_MERGING, TOP_COL_ZERO,
	TOP_COL_PROFIT, TOP_COL_MERGES, TOP_COL_DOMAIN, TOP_COL_CGROUP,
};
const size_t top_cgroup_view_len = ARRAY_SIZE(top_cgroup_view);

const enum top_col top_domain_view[] = {
	TOP_COL_DOMAIN, TOP_COL_PROCS, TOP_COL_SHARED, TOP_COL_SHARING,
	TOP_COL_SAVED, TOP_COL_CGROUP,
};
const size_t top_domain_view_len = ARRAY_SIZE(top_domain_view);

int top_col_parse(const char *name, enum top_col *out)
{
	int i;

	for (i = 0; i < TOP_NR_COLS; i++) {
		if (!strcasecmp(name, top_cols[i].name)) {
			*out = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *top_table_name(enum top_table t)
{
	return t == TOP_TABLE_DOMAINS ? "domains" :
	       t == TOP_TABLE_CGROUPS ? "cgroups" : "processes";
}

void top_table_cols(enum top_table t, const enum top_col **cols, size_t *n)
{
	switch (t) {
	case TOP_TABLE_CGROUPS:
		*cols = top_cgroup_view;
		*n = top_cgroup_view_len;
		break;
	case TOP_TABLE_DOMAINS:
		*cols = top_domain_view;
		*n = top_domain_view_len;
		break;
	default:
		*cols = top_proc_view;
		*n = top_proc_view_len;
	}
}

bool top_view_has_col(enum top_table t, enum top_col col)
{
	const enum top_col *cols;
	size_t i, n;

	top_table_cols(t, &cols, &n);
	for (i = 0; i < n; i++)
		if (cols[i] == col)
			return true;
	return false;
}

enum top_col top_view_sort_col(const struct top_view *v, enum top_table t)
{
	if (top_view_has_col(t, v->sort))
		return v->sort;
	return t == TOP_TABLE_DOMAINS ? TOP_COL_SAVED : TOP_COL_MERGING;
}

void top_frame_rows(const struct top_frame *fr, const struct top_row **rows,
		    size_t *n)
{
	switch (fr->view->table) {
	case TOP_TABLE_CGROUPS:
		*rows = fr->cgroups;
		*n = fr->ncgroups;
		break;
	case TOP_TABLE_DOMAINS:
		*rows = fr->domains;
		*n = fr->ndomains;
		break;
	default:
		*rows = fr->procs;
		*n = fr->nprocs;
	}
}

static int pid_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

void top_rows_sort_by_pid(struct top_row *rows, size_t n)
{
	if (n)
		qsort(rows, n, sizeof(*rows), pid_cmp);
}

const struct top_row *top_rows_find_pid(const struct top_row *rows, size_t n,
					pid_t pid)
{
	struct top_row key = { .pid = pid };

	return n ? bsearch(&key, rows, n, sizeof(*rows), pid_cmp) : NULL;
}

static int bpf_tgid_cmp(const void *a, const void *b)
{
	const struct stats_proc_row *x = a, *y = b;

	return x->tgid < y->tgid ? -1 : x->tgid > y->tgid;
}

void top_bpf_sort(struct stats_proc_row *bpf, size_t n)
{
	if (n)
		qsort(bpf, n, sizeof(*bpf), bpf_tgid_cmp);
}

const struct stats_proc_row *top_bpf_find(const struct stats_proc_row *bpf,
					  size_t n, pid_t pid)
{
	struct stats_proc_row key = { .tgid = (uint32_t)pid };

	return n ? bsearch(&key, bpf, n, sizeof(*bpf), bpf_tgid_cmp) : NULL;
}

/*
 * Give each process its BPF row (@bpf sorted by top_bpf_sort()).  The BPF
 * rows outlive their processes (marked exited), so a row whose process
 * exited joins a live process of the same pid only if it has the same comm:
 * otherwise the pid was reused and the old merges are not this process's.
 */
void top_rows_join_bpf(struct top_row *rows, size_t n,
		       const struct stats_proc_row *bpf, size_t nbpf)
{
	const struct stats_proc_row *b;
	size_t i;

	for (i = 0; i < n; i++) {
		b = top_bpf_find(bpf, nbpf, rows[i].pid);
		if (!b)
			continue;
		if (b->v.exited && strncmp(b->v.comm, rows[i].comm, KSM_EXT_COMM_LEN - 1))
			continue;
		rows[i].have_bpf = true;
		rows[i].bpf_merges = b->v.merges;
	}
}

/*
 * merges/s of each process in @cur from its BPF merges in @prev (sorted by
 * pid).  A process new in @cur has no rate yet; one that exited between the
 * samples is simply not in @cur.  A pid that now names another program is a
 * new process, whatever its counter says.
 */
void top_rows_rates(const struct top_row *prev, size_t nprev,
		    struct top_row *cur, size_t n, double dt_s)
{
	const struct top_row *p;
	size_t i;

	for (i = 0; i < n; i++) {
		cur[i].merges_per_s = NAN;
		if (!cur[i].have_bpf)
			continue;
		p = top_rows_find_pid(prev, nprev, cur[i].pid);
		if (!p || !p->have_bpf || strcmp(p->comm, cur[i].comm))
			continue;
		cur[i].merges_per_s = top_rate(p->bpf_merges, cur[i].bpf_merges, dt_s);
	}
}

/* A process is shown when its command or its cgroup path holds @filter. */
bool top_row_matches(const struct top_row *r, const char *filter)
{
	if (!filter || !*filter)
		return true;
	return strcasestr(r->comm, filter) || strcasestr(r->cgroup, filter);
}

size_t top_rows_filter(struct top_row *rows, size_t n, const char *filter)
{
	size_t i, kept = 0;

	for (i = 0; i < n; i++)
		if (top_row_matches(&rows[i], filter))
			rows[kept++] = rows[i];
	return kept;
}

static int cgroup_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	return strcmp(x->cgroup, y->cgroup);
}

static void add_row(struct top_row *sum, const struct top_row *r)
{
	sum->nprocs += r->nprocs;
	sum->rmap_items += r->rmap_items;
	sum->merging_pages += r->merging_pages;
	sum->zero_pages += r->zero_pages;
	sum->profit_bytes += r->profit_bytes;
	sum->mergeable |= r->mergeable;
	sum->merge_any |= r->merge_any;
	sum->mergeable_known |= r->mergeable_known;
	sum->have_bpf |= r->have_bpf;
	sum->bpf_merges += r->bpf_merges;
	/* The domain its processes share; one ksmd does not know (no
	 * ksm_merge_domain line) does not make it mixed. */
	if (r->domain[0] && !sum->domain[0])
		memcpy(sum->domain, r->domain, sizeof(r->domain));
	else if (r->domain[0] && strcmp(sum->domain, r->domain))
		snprintf(sum->domain, sizeof(sum->domain), "mixed");
	/* Unknown rates (new processes) add nothing; all unknown stays NAN. */
	if (!isnan(r->merges_per_s))
		sum->merges_per_s = isnan(sum->merges_per_s) ? r->merges_per_s :
				    sum->merges_per_s + r->merges_per_s;
}

/*
 * One row per cgroup, adding up its processes.  @out has room for @n rows.
 * Processes whose cgroup is unknown (no cgroup v2) share the row "".
 */
size_t top_rows_by_cgroup(const struct top_row *in, size_t n, struct top_row *out)
{
	size_t i, ng = 0;

	if (!n)
		return 0;
	memcpy(out, in, n * sizeof(*in));
	qsort(out, n, sizeof(*out), cgroup_cmp);
	for (i = 0; i < n; i++) {
		struct top_row r = out[i];

		if (ng && !strcmp(out[ng - 1].cgroup, r.cgroup)) {
			add_row(&out[ng - 1], &r);
			continue;
		}
		out[ng] = (struct top_row){ .merges_per_s = NAN };
		memcpy(out[ng].cgroup, r.cgroup, sizeof(r.cgroup));
		add_row(&out[ng], &r);
		ng++;
	}
	return ng;
}

static int mergeable_rank(const struct top_row *r)
{
	return r->merge_any ? 2 : r->mergeable;
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

/* Ids (canonical decimals: the shorter is the smaller), mixed, none, unknown. */
static int domain_rank(const char *d)
{
	return !*d ? 3 : !strcmp(d, "none") ? 2 : !strcmp(d, "mixed") ? 1 : 0;
}

static int domain_cmp(const char *a, const char *b)
{
	int c = CMP(domain_rank(a), domain_rank(b));

	if (!c && !domain_rank(a))
		c = CMP(strlen(a), strlen(b));
	return c ? c : strcmp(a, b);
}

/* Natural order of a column: ascending for text and pid, else descending. */
static int col_cmp(const struct top_row *x, const struct top_row *y,
		   enum top_col col)
{
	switch (col) {
	case TOP_COL_PID:	return CMP(x->pid, y->pid);
	case TOP_COL_COMM:	return strcmp(x->comm, y->comm);
	case TOP_COL_CGROUP:	return strcmp(x->cgroup, y->cgroup);
	case TOP_COL_PROCS:	return -CMP(x->nprocs, y->nprocs);
	case TOP_COL_RMAP:	return -CMP(x->rmap_items, y->rmap_items);
	case TOP_COL_MERGING:	return -CMP(x->merging_pages, y->merging_pages);
	case TOP_COL_ZERO:	return -CMP(x->zero_pages, y->zero_pages);
	case TOP_COL_PROFIT:	return -CMP(x->profit_bytes, y->profit_bytes);
	case TOP_COL_MERGEABLE:	return -CMP(mergeable_rank(x), mergeable_rank(y));
	case TOP_COL_MERGES:	return -CMP(x->merges_per_s, y->merges_per_s);
	case TOP_COL_DOMAIN:	return domain_cmp(x->domain, y->domain);
	case TOP_COL_SHARED:	return -CMP(x->pages_shared, y->pages_shared);
	case TOP_COL_SHARING:	return -CMP(x->pages_sharing, y->pages_sharing);
	case TOP_COL_SAVED:	return -CMP(x->saved_bytes, y->saved_bytes);
	default:		return 0;
	}
}

struct sort_key {
	enum top_col col;
	bool reverse;
};

static int row_cmp(const void *a, const void *b, void *arg)
{
	const struct top_row *x = a, *y = b;
	const struct sort_key *k = arg;
	int c;

	/* Unknown merges/s and domains sort last whichever way round. */
	if (k->col == TOP_COL_MERGES && isnan(x->merges_per_s) != isnan(y->merges_per_s))
		return isnan(x->merges_per_s) ? 1 : -1;
	if (k->col == TOP_COL_DOMAIN && !x->domain[0] != !y->domain[0])
		return !x->domain[0] ? 1 : -1;
	c = col_cmp(x, y, k->col);
	if (k->reverse)
		c = -c;
	if (c)
		return c;
	/* Ties keep a stable, predictable order. */
	c = CMP(x->pid, y->pid);
	if (!c)
		c = strcmp(x->cgroup, y->cgroup);
	return c ? c : domain_cmp(x->domain, y->domain);
}

void top_rows_sort(struct top_row *rows, size_t n, enum top_col col, bool reverse)
{
	struct sort_key k = { col, reverse };

	if (n)
		qsort_r(rows, n, sizeof(*rows), row_cmp, &k);
}

int top_build_rows(const struct top_sample *prev, const struct top_sample *cur,
		   const struct top_view *v, struct top_row **procs, size_t *nprocs,
		   struct top_row **cgroups, size_t *ncgroups)
{
	size_t n = cur->nprocs, alloc = n ? n : 1;
	struct top_row *p, *g;

	p = malloc(alloc * sizeof(*p));
	g = malloc(alloc * sizeof(*g));
	if (!p || !g) {
		free(p);
		free(g);
		return -ENOMEM;
	}
	if (n)
		memcpy(p, cur->procs, n * sizeof(*p));
	top_rows_rates(prev ? prev->procs : NULL, prev ? prev->nprocs : 0, p, n,
		       prev ? cur->t_s - prev->t_s : NAN);
	/* The filter picks processes; the cgroup view adds up those. */
	n = top_rows_filter(p, n, v->filter);
	*ncgroups = top_rows_by_cgroup(p, n, g);
	top_rows_sort(g, *ncgroups, top_view_sort_col(v, TOP_TABLE_CGROUPS), v->reverse);
	top_rows_sort(p, n, top_view_sort_col(v, TOP_TABLE_PROCS), v->reverse);
	*nprocs = n;
	*procs = p;
	*cgroups = g;
	return 0;
}

static int domain_row_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	return domain_cmp(x->domain, y->domain);
}

/* "/tenant-a" of "/tenant-a/app.service": the cgroup at depth 1. */
static void cgroup_top(const char *path, char *out, size_t len)
{
	size_t n = *path == '/' ? 1 + strcspn(path + 1, "/") : 0;

	snprintf(out, len, "%.*s", (int)n, path);
}

/*
 * Each domain row's cgroup from @s's processes (@rows sorted by domain):
 * the top cgroup its processes share, "" when they differ.  "none" is no
 * one domain: it keeps "".
 */
static void domain_cgroups(const struct top_sample *s, struct top_row *rows, size_t n)
{
	bool differ[KSM_DOMAINS_MAX] = { false };
	char top[TOP_CGROUP_LEN];
	struct top_row *d;
	size_t i, k;

	for (i = 0; i < s->nprocs; i++) {
		const struct top_row *p = &s->procs[i];

		if (!p->cgroup[0] || domain_rank(p->domain))
			continue;
		d = bsearch(p, rows, n, sizeof(*rows), domain_row_cmp);
		if (!d)
			continue;
		k = d - rows;
		cgroup_top(p->cgroup, top, sizeof(top));
		if (!d->cgroup[0])
			memcpy(d->cgroup, top, sizeof(top));
		else if (strcmp(d->cgroup, top))
			differ[k] = true;
	}
	for (k = 0; k < n; k++)
		if (differ[k])
			rows[k].cgroup[0] = '\0';
}

int top_build_domain_rows(const struct top_sample *s, const struct top_view *v,
			  struct top_row **rows, size_t *n)
{
	size_t i, nd = s->domains_err ? 0 : s->ndomains;
	struct top_row *r;

	r = malloc((nd ? nd : 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < nd; i++) {
		const struct ksm_domain *d = &s->domains[i];

		r[i] = (struct top_row){
			/* No kernel has that many mms: clamp, not wrap. */
			.nprocs = d->mms > UINT_MAX ? UINT_MAX : (unsigned int)d->mms,
			.pages_shared = d->pages_shared,
			.pages_sharing = d->pages_sharing,
			.saved_bytes = (double)d->pages_sharing * s->page_size,
			.merges_per_s = NAN,
		};
		if (d->none)
			snprintf(r[i].domain, sizeof(r[i].domain), "none");
		else
			snprintf(r[i].domain, sizeof(r[i].domain), "%" PRIu64, d->id);
	}
	if (nd) {
		qsort(r, nd, sizeof(*r), domain_row_cmp);
		domain_cgroups(s, r, nd);
	}
	top_rows_sort(r, nd, top_view_sort_col(v, TOP_TABLE_DOMAINS), v->reverse);
	*rows = r;
	*n = nd;
	return 0;
}
