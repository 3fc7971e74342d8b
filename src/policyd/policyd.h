/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm-policyd: the controller (pure), its configuration (pure parser) and
 * the types the daemon passes between them.  Nothing declared here does
 * I/O, so the unit tests drive it with a simulated KSM.  The maths is
 * written down in docs/policyd.md.
 */
#ifndef KSM_POLICYD_H
#define KSM_POLICYD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define POLICYD_CONF_DEFAULT "/etc/ksm-policyd.conf"
#define POLICYD_STATE_DEFAULT "/run/ksm-policyd.state"
#define POLICYD_PATH_MAX 256

struct policyd_config {
	/* Budget: the most of one CPU ksmd may use, and what it uses idle. */
	double cpu_budget_pct;
	double idle_cpu_pct;
	/* Clamps on both outputs. */
	uint64_t pages_min, pages_max;
	uint64_t sleep_ms_min, sleep_ms_max;
	/* Pages per wakeup the rate mapping aims for at low rates. */
	uint64_t batch_pages;
	/* Yield (merges per 1000 pages scanned): EWMA weight, hysteresis band. */
	double ewma_weight;
	double yield_low, yield_high;
	/* Memory pressure: PSI some avg10 (%) band and a MemAvailable floor. */
	double psi_high, psi_low;
	uint64_t mem_low_mib;
	double pressure_rate_pct;	/* floor under pressure, % of the cap */
	/* Steps: back off fast, probe slowly. */
	double backoff_factor;		/* multiply the rate by this (< 1) */
	double probe_step;		/* grow the rate by this fraction */
	uint64_t cooldown_ms;		/* between probes, and after a back-off */
	uint64_t boost_scans;		/* full scans a boost lasts at least */
	uint64_t boost_min_pages;	/* new mergeable pages that trigger one */
	uint64_t sample_pages;		/* pages needed for a yield sample */
	uint64_t holdoff_ms;		/* pause after a foreign write */
	/* Daemon. */
	uint64_t interval_ms;
	/* Both at most interval_ms (a smaller interval_ms wins). */
	uint64_t watch_ms;		/* poll for new mms between ticks; 0 = off */
	uint64_t fast_interval_ms;	/* tick while scanning above the idle rate */
	bool dry_run;
	bool take_over_advisor;
	bool manage_run;		/* run=1 under pressure, run=0 otherwise */
	char metrics_file[POLICYD_PATH_MAX];	/* "" = no metrics */
	char state_file[POLICYD_PATH_MAX];
};

void policyd_config_defaults(struct policyd_config *cfg);
/*
 * Pure: apply INI @text (from @file, used in messages) over @cfg.  On error
 * returns -EINVAL and writes one "FILE:LINE: problem" line to @err; @cfg
 * is then partly updated and the caller exits 2.
 */
int policyd_config_parse(const char *file, const char *text,
			 struct policyd_config *cfg, char *err, size_t err_len);
/* Apply one "key=value" (a CLI override); same errors, "FILE" is "option". */
int policyd_config_set(struct policyd_config *cfg, const char *key,
		       const char *value, const char *file, int line,
		       char *err, size_t err_len);
/* Cross-field checks (low < high, min <= max); 0 or -EINVAL with @err. */
int policyd_config_check(const struct policyd_config *cfg, const char *file,
			 char *err, size_t err_len);

/* The command line (policyd_args.c). */
#define POLICYD_MAX_OVERRIDES 64

struct policyd_args {
	const char *config;		/* POLICYD_CONF_DEFAULT unless -c */
	bool config_given;		/* then it must exist */
	/* KEY=VALUE settings over the file's, in order (-s, -n, ...). */
	const char *overrides[POLICYD_MAX_OVERRIDES];
	int n_overrides;
	const char *sysfs_dir, *pin_dir;
	bool once, no_bpf, verbose, help;
	/* What --metrics-file and --state-file become; the last one wins. */
	char metrics_kv[POLICYD_PATH_MAX + 32], state_kv[POLICYD_PATH_MAX + 32];
};

/*
 * Parse ksm-policyd's argv into @a, doing nothing else: EXIT_OK (also for
 * --help: a->help), or EXIT_USAGE with one line in @err.  @a points into
 * @argv and into itself, so it is not to be copied.
 */
int policyd_parse_args(int argc, char **argv, struct policyd_args *a, char *err,
		       size_t len);

/*
 * One observation: deltas since the previous one.  The daemon makes one a
 * tick; a field it cannot measure is 0 (and the *_valid flags say so).
 */
struct policyd_obs {
	uint64_t wall_ns;
	uint64_t pages_scanned;
	uint64_t merges;		/* merges, or growth of saved pages */
	uint64_t ksmd_cpu_ns;
	bool cpu_valid;
	/* The knobs in effect during the interval (0: unknown). */
	uint64_t knob_pages, knob_sleep_ms;
	/*
	 * Full scans completed in the interval, and the last one's figures:
	 * its pages are the scan ring's rmap_items_end (the pages KSM tracked
	 * at its end), or without the ring the pages_scanned and policy skips
	 * its ticks added up.
	 */
	uint64_t full_scans;
	uint64_t scan_pages, scan_merges;
	/* Memory pressure now. */
	double psi_some_avg10;
	uint64_t mem_available_bytes;
	bool mem_valid;
	/* New mergeable memory: mms that entered KSM, rmap_items growth. */
	uint64_t mm_enters;
	uint64_t new_mergeable_pages;
	/* pages_to_scan is not what we last wrote: someone else tunes KSM. */
	bool foreign_write;
};

enum policyd_phase {
	POLICYD_BOOST,		/* scanning at the cap until boost_scans pass */
	POLICYD_TRACK,		/* following yield */
	POLICYD_IDLE,		/* backed off to the idle rate */
	POLICYD_HOLD,		/* someone else writes the knobs */
};

/*
 * A cost sample being pooled until ksmd used POLICYD_COST_WINDOW_NS of CPU
 * (docs/policyd.md, "Cost and the CPU budget").
 */
struct policyd_cost_window {
	uint64_t cpu_ns, pages, wall_ns;	/* ksmd's CPU, pages, wall time */
	/* Sum of knob rate * time off the CPU: the pages the knobs allowed
	 * while ksmd slept.  Short when knobs_unknown. */
	double allowed_pages;
	bool knobs_unknown;		/* a tick did not know the knobs */
	double start_rate;		/* the rate when the window opened */
};

/* A yield sample being pooled until sample_pages or a full scan. */
struct policyd_yield_window {
	uint64_t pages, merges;
};

struct policyd_state {
	double rate;			/* commanded pages per second of sleep */
	double yield_ewma;		/* merges per 1000 pages */
	double cost_ns_per_page;	/* ksmd CPU per page, EWMA */
	double cost_batch_ns_per_page;	/* the same, in large batches only */
	double cpu_pct;			/* measured ksmd CPU, EWMA */
	enum policyd_phase phase;
	bool pressure;
	bool yield_seeded, cpu_seeded;	/* EWMAs start at the first sample */
	/* A boost just ended: the next yield sample replaces the estimate
	 * and counts like a full scan ("the first look after the boost"). */
	bool first_look_pending;
	uint64_t now_ns;		/* sum of observed wall time */
	uint64_t last_change_ns;
	uint64_t last_backoff_ns;
	uint64_t boost_scans_left;
	uint64_t hold_until_ns;
	unsigned int foreign_count;	/* foreign writes, each doubles the hold */
	struct policyd_cost_window cost_win;
	struct policyd_yield_window yield_win;
	uint64_t pages_to_scan, sleep_ms;	/* last output */
};

struct policyd_decision {
	uint64_t pages_to_scan, sleep_ms;
	bool changed;		/* outputs differ from the previous ones */
	int run;		/* manage_run: 0 or 1 for KSM's run; else -1 */
	char reason[160];
};

/*
 * Initial state and first decision: a boost, since nothing is known yet.
 * @cost_hint_ns: ksmd's CPU per page so far (its lifetime CPU time over
 * pages_scanned), or 0 when unknown; the first boost's rate depends on it.
 */
void policyd_init(const struct policyd_config *cfg, struct policyd_state *st,
		  struct policyd_decision *d, double cost_hint_ns);
/* The pure step function: one observation in, the outputs and why out. */
void policyd_step(const struct policyd_config *cfg, struct policyd_state *st,
		  const struct policyd_obs *obs, struct policyd_decision *d);
/* Pure: the highest rate the CPU budget allows at cost @c ns/page. */
double policyd_cap_rate(const struct policyd_config *cfg, double c);
/* Pure: map a rate to clamped (pages_to_scan, sleep_millisecs). */
void policyd_rate_to_knobs(const struct policyd_config *cfg, double rate,
			   uint64_t *pages, uint64_t *sleep_ms);
const char *policyd_phase_name(enum policyd_phase p);

/*
 * The knobs ksm-policyd may write, in the order they are restored (the
 * advisor first: leaving scan-time mode resets pages_to_scan).  The state
 * file under /run records, per knob, the value found at start and the last
 * two values written, so a later start can undo a killed daemon's writes
 * (it may die between recording a write and making it).
 */
enum policyd_knob {
	POLICYD_KNOB_ADVISOR,
	POLICYD_KNOB_RUN,
	POLICYD_KNOB_SLEEP,
	POLICYD_KNOB_PAGES,
	POLICYD_NR_KNOBS
};
#define POLICYD_KNOB_VAL 32

/* The state file's content (state_file.c formats and parses it). */
struct policyd_state_file {
	int pid;
	struct {
		bool saved;
		char orig[POLICYD_KNOB_VAL];	/* as found at start */
		char last[POLICYD_KNOB_VAL];	/* last written; "" = never */
		char prev[POLICYD_KNOB_VAL];	/* written before it, or "" */
	} k[POLICYD_NR_KNOBS];
};

extern const char *const policyd_knob_names[POLICYD_NR_KNOBS];

/* Pure: the state file's text; length or -ENOSPC. */
int policyd_state_file_format(const struct policyd_state_file *ks, char *buf,
			      size_t len);
/* Pure: parse it back; 0 or -EINVAL (an incomplete file is -EINVAL). */
int policyd_state_file_parse(const char *text, struct policyd_state_file *ks);

enum policyd_restore {
	POLICYD_RESTORE_NOTHING,	/* already the original value */
	POLICYD_RESTORE_WRITE,		/* ours: write the original back */
	POLICYD_RESTORE_FOREIGN,	/* someone else's value: leave it */
};
/* Pure: what restoring a knob means, given its value now. */
enum policyd_restore policyd_restore_action(const char *orig, const char *last,
					    const char *prev, const char *now);

/* Pure: the Prometheus text exposition of one tick; length or -ENOSPC. */
struct policyd_metrics {
	const struct policyd_config *cfg;
	const struct policyd_state *st;
	uint64_t ticks, changes, foreign_writes;
	uint64_t pages_scanned, merges, full_scans;	/* totals */
	uint64_t ksmd_cpu_ns;				/* total */
	bool bpf;
};
int policyd_metrics_format(const struct policyd_metrics *m, char *buf,
			   size_t len);

#endif /* KSM_POLICYD_H */
