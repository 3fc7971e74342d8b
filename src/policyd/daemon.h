/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm-policyd's daemon side: everything that does I/O around the pure
 * controller (policyd.h).  inputs.c makes the observations, knobs.c owns
 * the KSM knobs and the state file, notify.c talks to systemd, metrics.c
 * writes the Prometheus textfile, log_clock.c logs and tells the time,
 * ksm_policyd.c is the main loop.
 */
#ifndef KSM_POLICYD_DAEMON_H
#define KSM_POLICYD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ksm_sysfs.h"
#include "policyd.h"
#include "procfs.h"
#include "stats_load.h"
#include "stats_read.h"

/* --- log_clock.c: logging and the clock ----------------------------- */
/* One line to stderr; a timestamp unless journald adds one. */
__attribute__((format(printf, 1, 2))) void policyd_log(const char *fmt, ...);
extern bool policyd_verbose;		/* -v: every tick, libbpf's messages */
#define policyd_debug(...)						\
	do {								\
		if (policyd_verbose)					\
			policyd_log(__VA_ARGS__);			\
	} while (0)
/* CLOCK_MONOTONIC in ns: what the ticks are timed with. */
uint64_t policyd_mono_ns(void);

/* --- inputs.c: one observation a tick --------------------------------- */
struct policyd_inputs {
	const char *sysfs_dir;
	bool bpf;			/* BPF stats maps open */
	bool bpf_loaded;		/* ... loaded by us (not pinned) */
	struct stats_maps maps;
	struct stats_prog prog;		/* when bpf_loaded */
	pid_t ksmd;
	enum procfs_cpu_source cpu;	/* ksmd's CPU time; NONE: unknown */
	bool psi, meminfo;
	/* Previous readings, for the deltas. */
	bool primed;
	uint64_t prev_ns, prev_cpu_ns;
	struct ksm_sysfs_stats prev;
	uint64_t prev_merges, prev_enters, last_seq;
	/* Without the scan ring: this pass so far, and whether it started
	 * after us (a pass we saw only part of is not a sample). */
	uint64_t pass_pages, pass_merges;
	bool pass_whole;
	/* Totals since start, for the metrics. */
	uint64_t tot_pages, tot_merges, tot_scans, tot_cpu_ns;
};

/*
 * Open the inputs: the maps `ksm-loader stats start` pinned at @pin_dir,
 * else the stats program loaded by us (@may_load_bpf), else sysfs and
 * /proc deltas.  Describes what it found in @desc (logged once).
 */
int inputs_open(struct policyd_inputs *in, const char *sysfs_dir,
		const char *pin_dir, bool may_load_bpf, char *desc,
		size_t desc_len);
/* Deltas since the previous call (the first call primes: obs all zero). */
int inputs_sample(struct policyd_inputs *in, struct policyd_obs *obs,
		  struct ksm_sysfs_stats *now);
void inputs_close(struct policyd_inputs *in);
/* Cheap check between ticks: has an mm entered KSM since the last sample?
 * Always false without the BPF stats. */
bool inputs_new_mm(struct policyd_inputs *in);

/* --- knobs.c: the KSM knobs and the state file ------------------------ */
struct policyd_knob_io {
	const char *sysfs_dir;
	const char *state_path;
	int state_fd;			/* locked; -1 in dry-run */
	bool dry_run;
	struct policyd_state_file ks;
};

/*
 * Take the state file's lock (another ksm-policyd: -EBUSY), undo what a
 * killed predecessor left (its file), then record the knobs as they are.
 * Prints its own errors.  @state_path NULL: write without a state file
 * (--once leaves what it wrote in place).
 */
int knobs_open(struct policyd_knob_io *k, const char *sysfs_dir,
	       const char *state_path, bool dry_run, bool save_run,
	       bool save_advisor);
/* Write a knob (the state file first, so a crash between is harmless). */
int knobs_write(struct policyd_knob_io *k, enum policyd_knob which,
		const char *val);
int knobs_write_u64(struct policyd_knob_io *k, enum policyd_knob which,
		    uint64_t val);
/* Restore what we wrote and still own; remove the state file. */
int knobs_restore(struct policyd_knob_io *k);

/* --- notify.c: sd_notify(3) without libsystemd ------------------------ */
/* Send @msg when NOTIFY_SOCKET is set; a no-op otherwise. */
void notify_send(const char *msg);
/* WATCHDOG_USEC for this process, or 0. */
uint64_t notify_watchdog_usec(void);

/* --- metrics.c (I/O half) --------------------------------------------- */
int metrics_write(const char *path, const char *buf, size_t len);

#endif /* KSM_POLICYD_DAEMON_H */
