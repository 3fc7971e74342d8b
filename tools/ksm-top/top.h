/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm-top: what the dashboard's pieces share.
 *
 * One refresh is: read a sample of the system (sample.c, the only code that
 * touches /sys, /proc and the BPF maps), turn the previous and the current
 * sample into rates (rates.c), rows (table.c) and text or JSON (format.c,
 * json.c), kept in the application's state (app.c), and draw it (ui.c,
 * ncurses) or print it (batch mode, ksm_top.c).  Everything between the
 * sampler and the screen is pure, so the unit tests feed it hand-made
 * samples.
 */
#ifndef KSM_TOP_H
#define KSM_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cli.h"
#include "ksm_sysfs.h"
#include "policy.h"
#include "procfs.h"
#include "stats_read.h"

#define TOP_COMM_LEN	32
#define TOP_CGROUP_LEN	256
#define TOP_FILTER_LEN	64
#define TOP_HISTORY	512	/* samples kept for the sparklines */
#define TOP_JSON_HISTORY 60	/* of which a JSON frame carries the last */
#define TOP_SCANS	8	/* BPF ring entries the period is averaged on */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#define TOP_DELAY_MIN_S	0.1
#define TOP_DELAY_MAX_S	3600.0

/* ---- one row of a table: a process, a cgroup's processes added up, or a
 * merge domain */

struct top_row {
	pid_t pid;			/* 0 for a cgroup or domain row */
	unsigned int nprocs;		/* processes behind the row */
	char comm[TOP_COMM_LEN];
	char cgroup[TOP_CGROUP_LEN];	/* cgroup v2 path, "" unknown */
	/* Merge domain: an id, "none", "mixed" (a cgroup's processes are in
	 * several), "" unknown. */
	char domain[PROCFS_DOMAIN_LEN];
	uint64_t rmap_items;
	uint64_t merging_pages;
	uint64_t zero_pages;
	int64_t profit_bytes;
	bool mergeable;			/* has a VM_MERGEABLE area */
	bool merge_any;			/* prctl(PR_SET_MEMORY_MERGE) */
	bool mergeable_known;		/* ksm_stat says (Linux >= 6.8) */
	bool have_bpf;			/* a BPF per-process row was joined */
	uint64_t bpf_merges;		/* pages merged since the stats started */
	double merges_per_s;		/* NAN: unknown (no BPF, first sample) */
	/* Domain rows: ext_domains' figures (nprocs: its mms). */
	uint64_t pages_shared, pages_sharing;
	double saved_bytes;		/* pages_sharing * page size */
};

/* ---- one reading of everything ksm-top shows ---------------------------- */

#define TOP_POLICY_ITEMS 32	/* tunables, and statistics, shown at most */

/*
 * The attached policy beyond its name: who attached it and, when that was
 * ksm-loader (its pins at KSM_EXT_POLICY_PIN_DIR), what `ksm-loader policy
 * status` shows: its statistics summed over CPUs, tunables, list sizes.
 */
struct top_policy {
	bool attached;			/* ext_policy names one */
	enum policy_owner owner;
	int err;			/* reading its pins: 0, or -errno */
	struct pol_stat tun[TOP_POLICY_ITEMS];
	size_t ntun;
	struct pol_stat stats[TOP_POLICY_ITEMS];
	int nstats;			/* -1: it has no stats map */
	struct {
		char name[16];
		int n;
	} lists[POLICY_MAX_LISTS];
	size_t nlists;
};

struct top_sample {
	double t_s;			/* CLOCK_MONOTONIC */
	double wall_s;			/* CLOCK_REALTIME, for the output */
	long page_size;
	bool is_root;

	int ksm_err;			/* 0, or -errno: KSM unreadable */
	struct ksm_sysfs_stats ksm;
	int cow_err;			/* cow_ksm in /proc/vmstat */
	uint64_t cow_ksm;
	int ksmd_err;
	pid_t ksmd_pid;
	uint64_t ksmd_cpu_ns;
	int psi_err;
	struct psi_memory psi;

	int bpf_err;			/* 0: the stats maps were read */
	struct ksm_ext_counters bpf;
	struct ksm_ext_scan scans[TOP_SCANS];	/* newest passes, oldest first */
	size_t nscans;

	int ksm_stat_err;		/* -ENOENT: no /proc/PID/ksm_stat */
	unsigned int procs_denied;	/* ksm_stat unreadable (not ours) */
	struct top_row *procs;		/* sorted by pid */
	size_t nprocs;

	struct top_policy policy;

	int domains_err;		/* ext_domains: 0, or -errno */
	size_t domains_line;		/* -EINVAL, -E2BIG: the line at fault */
	struct ksm_domain domains[KSM_DOMAINS_MAX];
	size_t ndomains;
};

/* ---- rates: rates.c ------------------------------------------------------- */

enum top_src { TOP_SRC_NONE, TOP_SRC_SYSFS, TOP_SRC_BPF };

/* Full-scan period from full_scans as seen at each sample. */
struct top_period {
	bool started;
	uint64_t last_scans;
	bool have_mark;			/* a sample saw full_scans change */
	double mark_t;
	uint64_t mark_scans;
	double period_s;		/* NAN until two changes were seen */
	bool lower_bound;		/* no change for longer than period_s */
};

struct top_rates {
	double dt_s;			/* between the two samples, NAN: one */
	double scan_pages_per_s;
	enum top_src scan_src;
	double full_scan_period_s;
	enum top_src period_src;
	bool period_lower_bound;
	double saved_bytes;		/* (pages_sharing + ksm_zero_pages) * page */
	double profit_bytes;		/* general_profit */
	double ksmd_cpu_pct;		/* of one CPU */
	double merges_per_s;		/* BPF: pair + stable + zero merges */
	double net_sharing_per_s;	/* sysfs: d(pages_sharing + zero pages) */
	double cow_per_s;		/* copy-on-write breaks of KSM pages */
	double psi_some_avg10;		/* % of time, memory pressure */
	/* ext_{mms,vmas,pages}_skipped per second: what the policy skipped */
	double ext_skipped_per_s[3];
};

enum { TOP_SKIP_MMS, TOP_SKIP_VMAS, TOP_SKIP_PAGES };

bool top_counter_delta(uint64_t prev, uint64_t cur, uint64_t *delta);
double top_rate(uint64_t prev, uint64_t cur, double dt_s);
void top_period_update(struct top_period *p, double t_s, uint64_t full_scans);
bool top_scan_span(const struct ksm_ext_scan *scans, size_t n, double now_s,
		   double *period_s, bool *lower_bound, double *items_per_s);
void top_compute_rates(const struct top_sample *prev, const struct top_sample *cur,
		       struct top_period *period, struct top_rates *r);

struct top_history {
	double v[TOP_HISTORY];
	size_t head;			/* next slot to write */
	size_t len;
};

enum { TOP_HIST_SAVED, TOP_HIST_SCAN, TOP_HIST_CPU, TOP_HIST_NR };

void top_history_push(struct top_history *h, double v);
/* Copy the newest min(n, len) values, oldest first; returns the count. */
size_t top_history_last(const struct top_history *h, double *out, size_t n);

/* ---- rows and columns: table.c ------------------------------------------ */

enum top_col {
	TOP_COL_PID,
	TOP_COL_COMM,
	TOP_COL_PROCS,
	TOP_COL_RMAP,
	TOP_COL_MERGING,
	TOP_COL_ZERO,
	TOP_COL_PROFIT,
	TOP_COL_MERGEABLE,
	TOP_COL_MERGES,
	TOP_COL_DOMAIN,
	TOP_COL_SHARED,
	TOP_COL_SHARING,
	TOP_COL_SAVED,
	TOP_COL_CGROUP,
	TOP_NR_COLS
};

struct top_col_info {
	const char *name;		/* for --sort and JSON */
	const char *title;		/* table heading */
	int width;			/* 0: takes the rest of the line */
	bool left;			/* left-aligned text */
};

extern const struct top_col_info top_cols[TOP_NR_COLS];
/* The columns of each view; the last one stretches. */
extern const enum top_col top_proc_view[];
extern const size_t top_proc_view_len;
extern const enum top_col top_cgroup_view[];
extern const size_t top_cgroup_view_len;
extern const enum top_col top_domain_view[];
extern const size_t top_domain_view_len;

/* The table a view shows. */
enum top_table { TOP_TABLE_PROCS, TOP_TABLE_CGROUPS, TOP_TABLE_DOMAINS };

/* What the user chose to see. */
struct top_view {
	enum top_table table;
	enum top_col sort;
	bool reverse;
	char filter[TOP_FILTER_LEN];
	double interval_s;
	bool paused;
};

int top_col_parse(const char *name, enum top_col *out);
const char *top_table_name(enum top_table t);	/* "processes", ... */
void top_table_cols(enum top_table t, const enum top_col **cols, size_t *n);
bool top_view_has_col(enum top_table t, enum top_col col);
/*
 * The column table @t sorts by: v->sort, or where @t has no such column,
 * merging (saved for the domains).
 */
enum top_col top_view_sort_col(const struct top_view *v, enum top_table t);

void top_rows_sort_by_pid(struct top_row *rows, size_t n);
const struct top_row *top_rows_find_pid(const struct top_row *rows, size_t n,
					pid_t pid);
void top_bpf_sort(struct stats_proc_row *bpf, size_t n);
const struct stats_proc_row *top_bpf_find(const struct stats_proc_row *bpf,
					  size_t n, pid_t pid);
void top_rows_join_bpf(struct top_row *rows, size_t n,
		       const struct stats_proc_row *bpf, size_t nbpf);
void top_rows_rates(const struct top_row *prev, size_t nprev,
		    struct top_row *cur, size_t n, double dt_s);
bool top_row_matches(const struct top_row *r, const char *filter);
size_t top_rows_filter(struct top_row *rows, size_t n, const char *filter);
size_t top_rows_by_cgroup(const struct top_row *in, size_t n, struct top_row *out);
void top_rows_sort(struct top_row *rows, size_t n, enum top_col col, bool reverse);

/*
 * The process and cgroup rows of a frame: the current sample's processes
 * with merges/s against @prev (NULL: none), filtered and sorted as @v says.
 * *procs and *cgroups are malloc'ed (caller frees); 0 or -ENOMEM.
 */
int top_build_rows(const struct top_sample *prev, const struct top_sample *cur,
		   const struct top_view *v, struct top_row **procs, size_t *nprocs,
		   struct top_row **cgroups, size_t *ncgroups);
/*
 * One row per line of ext_domains in @s, sorted as @v says (the filter
 * picks processes: not these).  A domain's cgroup is the first component
 * of the cgroup paths of its processes in @s when they all agree, which
 * with the tenants policy names the tenant; else "".  *rows is malloc'ed
 * (caller frees); 0 or -ENOMEM.
 */
int top_build_domain_rows(const struct top_sample *s, const struct top_view *v,
			  struct top_row **rows, size_t *n);

/* ---- a frame and its text: format.c, json.c ------------------------------ */

struct top_frame {
	const struct top_sample *s;
	struct top_rates r;
	const struct top_row *procs;	/* filtered and sorted */
	size_t nprocs;
	const struct top_row *cgroups;
	size_t ncgroups;
	const struct top_row *domains;	/* sorted; none when s->domains_err */
	size_t ndomains;
	const struct top_history *hist;	/* [TOP_HIST_NR] */
	const struct top_view *view;
	const char *pin_dir;
};

/* The rows of the table the frame's view shows. */
void top_frame_rows(const struct top_frame *fr, const struct top_row **rows,
		    size_t *n);

/* Something the frame cannot show, and why. */
struct top_missing {
	const char *what;		/* "bpf", "psi", ... (JSON key) */
	char why[112];
};

#define TOP_MAX_MISSING 12
size_t top_missing_list(const struct top_sample *s, const char *pin_dir,
			struct top_missing *m, size_t max);

/* One "label value" pair of the header. */
struct top_field {
	const char *label;
	char value[72];
	bool na;			/* value is "n/a" or unknown */
};

/* Line 3, the attached policy's, has fields only when one is attached. */
#define TOP_HEADER_LINES 4
#define TOP_MAX_FIELDS	(3 + TOP_POLICY_ITEMS)
/* Fields of header line @line (0..TOP_HEADER_LINES-1); returns the count. */
size_t top_header_fields(const struct top_frame *fr, int line,
			 struct top_field *f, size_t max);

const char *top_run_state(uint64_t run);
void top_fmt_bytes(double bytes, char *buf, size_t len);	/* "48.0 MiB" */
void top_fmt_bytes_short(double bytes, char *buf, size_t len);	/* "48.0M" */
void top_fmt_count(double v, char *buf, size_t len);		/* "12.3k" */
void top_fmt_rate(double per_s, const char *unit, char *buf, size_t len);
void top_fmt_pct(double pct, char *buf, size_t len);
void top_fmt_duration(double s, char *buf, size_t len);	/* "1.25s" */
/* Copy @s replacing bytes a terminal would interpret with '?'. */
void top_sanitize(const char *s, char *out, size_t len);

/*
 * Sparkline of the newest values of @v (n of them, oldest first) in exactly
 * @width cells, newest at the right, scaled to the largest value shown;
 * NAN draws a blank.  UTF-8 block glyphs, or ASCII when !utf8.
 */
void top_sparkline(const double *v, size_t n, size_t width, bool utf8,
		   char *out, size_t len);

/* A table line of exactly @width characters (or as few as fit in len-1). */
void top_format_table_head(const enum top_col *cols, size_t ncols, int width,
			   char *out, size_t len);
void top_format_row(const struct top_row *r, const enum top_col *cols,
		    size_t ncols, int width, char *out, size_t len);
/* Where column @idx of a view starts on a line @width wide, and its width. */
void top_col_span(const enum top_col *cols, size_t ncols, size_t idx, int width,
		  int *start, int *w);

/* Batch mode: one plain-text frame, @width columns. */
void top_print_text(FILE *f, const struct top_frame *fr, int width);
/* --json: one JSON object on one line. */
void top_print_json(FILE *f, const struct top_frame *fr);

/* ---- sampling: sample.c --------------------------------------------------- */

struct top_sampler {
	const char *sysfs_dir;		/* KSM_SYSFS_DIR, or a test's */
	const char *pin_dir;		/* the BPF stats maps */
	const char *policy_pin_dir;	/* KSM_EXT_POLICY_PIN_DIR */
	bool all_procs;			/* also processes KSM never saw */
	pid_t ksmd_pid;			/* cached, 0: look it up */
	int ksm_stat_err;		/* probed once: -ENOENT on old kernels */
};

void top_sampler_init(struct top_sampler *sp, const char *sysfs_dir,
		      const char *pin_dir, bool all_procs);
/* 0, or -ENOMEM; any other failure is recorded in the sample. */
int top_sample_read(struct top_sampler *sp, struct top_sample *s);
void top_sample_free(struct top_sample *s);

/* ---- the command line: options.c ----------------------------------------- */

struct top_opts {
	bool help, batch, json, cgroups, domains, reverse, all, mono;
	long iterations;		/* 0: no limit */
	double delay_s;
	enum top_col sort;
	char filter[TOP_FILTER_LEN];
	const char *pin_dir;
};

extern const char top_usage[];
int top_parse_delay(const char *s, double *out);
/*
 * EXIT_OK: run, or print top_usage when o->help; EXIT_USAGE: @err holds
 * the one line to print.
 */
int top_parse_args(int argc, char **argv, struct top_opts *o, char *err,
		   size_t errlen);

/* ---- the application: app.c (ui.c and ksm_top.c print it) --------------- */

struct top_app {
	struct top_view view;
	struct top_sampler sampler;
	struct top_sample samples[2];
	int cur;			/* samples[cur] is the newest */
	unsigned long nsamples;
	struct top_period period;
	struct top_history hist[TOP_HIST_NR];
	struct top_row *procs, *cgroups, *domains;
	size_t nprocs, ncgroups, ndomains;
	struct top_frame frame;
	long iterations;		/* frames to show, 0: no limit */
	bool mono;
};

/* From the options: nothing sampled yet.  top_app_free() frees it all. */
void top_app_init(struct top_app *a, const struct top_opts *o);
void top_app_free(struct top_app *a);
/* Take a sample and rebuild the frame; 0 or -ENOMEM. */
int top_app_tick(struct top_app *a);
/* Rebuild the rows after a sort, filter or view change; 0 or -ENOMEM. */
int top_app_rebuild(struct top_app *a);
double top_now_s(void);

/*
 * Set by SIGINT/SIGTERM/SIGHUP; every loop checks it and leaves through
 * its one exit path.
 */
extern volatile sig_atomic_t top_quit;

/* The interactive screen (ui.c); returns the exit status. */
int top_ui_run(struct top_app *a);

#endif /* KSM_TOP_H */
