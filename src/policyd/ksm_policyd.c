// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd: tunes KSM's pages_to_scan and sleep_millisecs from what
 * scanning yields, within a CPU budget.  This file is the main loop: the
 * options, the signals, and the tick that feeds an observation (inputs.c)
 * to the pure controller (policyd_step.c) and writes its decision
 * (knobs.c).  docs/policyd.md describes the controller.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"

static volatile sig_atomic_t got_term, got_hup;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ksm-policyd [OPTION]...\n"
"Tune KSM's scan rate (pages_to_scan, sleep_millisecs) from what scanning\n"
"yields, within a ksmd CPU budget.  Runs until SIGTERM or SIGINT, then puts\n"
"back the values it found; SIGHUP reloads the configuration.\n"
"\n"
"  -c, --config FILE      settings (default " POLICYD_CONF_DEFAULT "; without\n"
"                         that file the built-in defaults apply)\n"
"  -s, --set KEY=VALUE    override one setting of the file (repeatable),\n"
"                         e.g. -s cpu_budget_pct=20\n"
"  -n, --dry-run          log the decisions, write nothing\n"
"      --once             one tick: observe for interval_ms, decide, write\n"
"                         (unless --dry-run), print the decision and exit;\n"
"                         the values written are left in place\n"
"      --take-over        run even if the kernel's advisor (advisor_mode)\n"
"                         is on: set it to none, restore it on exit\n"
"      --metrics-file F   write Prometheus metrics to F every tick\n"
"      --state-file F     where the original values are recorded\n"
"                         (default " POLICYD_STATE_DEFAULT ")\n"
"      --pin-dir DIR      BPF stats pinned by 'ksm-loader stats start', below\n"
"                         /sys/fs/bpf/ (default " KSM_EXT_STATS_DIR ")\n"
"      --no-bpf           do not load the BPF stats program when none is\n"
"                         pinned: use sysfs and /proc deltas\n"
"      --sysfs-dir DIR    KSM's sysfs directory (default " KSM_SYSFS_DIR ")\n"
"  -v, --verbose          log every tick, not only changes, and libbpf's\n"
"                         messages\n"
"  -h, --help             this help\n"
"\n"
"Exit status: 0 stopped by a signal (or --once done), 1 runtime error,\n"
"2 bad usage or configuration.  Settings: etc/ksm-policyd.conf; the\n"
"controller: docs/policyd.md.\n");
}

/* The file, then the command line's overrides, then the checks. */
static int load_config(const struct policyd_args *o, struct policyd_config *cfg,
		       char *err, size_t err_len)
{
	static char text[65536];
	FILE *f;
	size_t n;
	int i, ret;

	policyd_config_defaults(cfg);
	f = fopen(o->config, "r");
	if (!f) {
		if (errno == ENOENT && !o->config_given)
			goto overrides;
		snprintf(err, err_len, "%s: %s", o->config, strerror(errno));
		return -EINVAL;
	}
	n = fread(text, 1, sizeof(text) - 1, f);
	if (ferror(f) || !feof(f)) {
		snprintf(err, err_len, "%s: %s", o->config,
			 ferror(f) ? "read error" : "file too large (64 KiB at most)");
		fclose(f);
		return -EINVAL;
	}
	fclose(f);
	text[n] = '\0';
	if (memchr(text, '\0', n)) {
		snprintf(err, err_len, "%s: not a text file", o->config);
		return -EINVAL;
	}
	ret = policyd_config_parse(o->config, text, cfg, err, err_len);
	if (ret)
		return ret;
overrides:
	for (i = 0; i < o->n_overrides; i++) {
		char kv[POLICYD_PATH_MAX + 64], *eq;

		snprintf(kv, sizeof(kv), "%s", o->overrides[i]);
		eq = strchr(kv, '=');
		if (!eq) {
			snprintf(err, err_len, "option: '%s' is not KEY=VALUE",
				 o->overrides[i]);
			return -EINVAL;
		}
		*eq = '\0';
		ret = policyd_config_set(cfg, kv, eq + 1, "option", 0, err, err_len);
		if (ret)
			return ret;
	}
	return policyd_config_check(cfg, o->n_overrides ? "options" : o->config,
				    err, err_len);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static void set_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: the tick's sleep ends at once on a signal. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* SIGHUP: a bad file keeps the running settings; some need a restart. */
static void reload(const struct policyd_args *o, struct policyd_config *cfg)
{
	struct policyd_config n;
	char err[512];

	if (load_config(o, &n, err, sizeof(err))) {
		policyd_log("reload: %s: keeping the running settings", err);
		return;
	}
#define KEEP(field, name)						\
	do {								\
		if (memcmp(&n.field, &cfg->field, sizeof(n.field))) {	\
			policyd_log("reload: %s cannot change while running; restart ksm-policyd", name); \
			memcpy(&n.field, &cfg->field, sizeof(n.field));	\
		}							\
	} while (0)
	KEEP(state_file, "state_file");
	KEEP(manage_run, "manage_run");
	KEEP(take_over_advisor, "take_over_advisor");
	KEEP(dry_run, "dry_run");
#undef KEEP
	*cfg = n;
	policyd_log("reload: settings from %s applied (budget %.1f%% of a CPU, every %llu ms)",
		    access(o->config, R_OK) ? "defaults" : o->config,
		    cfg->cpu_budget_pct, (unsigned long long)cfg->interval_ms);
}

struct daemon {
	struct policyd_args o;
	struct policyd_config cfg;
	struct policyd_state st;
	struct policyd_inputs in;
	struct policyd_knob_io kn;
	uint64_t expect_pages, expect_sleep;	/* on the knobs, as we know */
	uint64_t ticks, changes, foreign;
	uint64_t watchdog_usec;
};

/* Write a decision: the knobs that differ; one log line saying why. */
static int apply(struct daemon *d, const struct policyd_decision *dec,
		 const struct ksm_sysfs_stats *now)
{
	bool dry = d->cfg.dry_run;
	int err = 0;

	if (dec->pages_to_scan != now->pages_to_scan ||
	    dec->sleep_ms != now->sleep_millisecs) {
		policyd_log("%spages_to_scan %llu -> %llu, sleep_millisecs %llu -> %llu: %s",
			    dry ? "(dry run) " : "",
			    (unsigned long long)now->pages_to_scan,
			    (unsigned long long)dec->pages_to_scan,
			    (unsigned long long)now->sleep_millisecs,
			    (unsigned long long)dec->sleep_ms, dec->reason);
		/* Lower the rate before raising it: never above both. */
		if (dec->sleep_ms > now->sleep_millisecs) {
			err = knobs_write_u64(&d->kn, POLICYD_KNOB_SLEEP, dec->sleep_ms);
			if (!err)
				err = knobs_write_u64(&d->kn, POLICYD_KNOB_PAGES,
						      dec->pages_to_scan);
		} else {
			err = knobs_write_u64(&d->kn, POLICYD_KNOB_PAGES,
					      dec->pages_to_scan);
			if (!err)
				err = knobs_write_u64(&d->kn, POLICYD_KNOB_SLEEP,
						      dec->sleep_ms);
		}
		if (err)
			return err;
		d->changes++;
		if (!dry) {
			d->expect_pages = dec->pages_to_scan;
			d->expect_sleep = dec->sleep_ms;
		}
	}
	if (dec->run >= 0 && (uint64_t)dec->run != now->run) {
		policyd_log("%srun %llu -> %d: %s", dry ? "(dry run) " : "",
			    (unsigned long long)now->run, dec->run,
			    dec->run ? "memory pressure: start KSM" :
				       "no memory pressure: stop KSM");
		err = knobs_write_u64(&d->kn, POLICYD_KNOB_RUN, (uint64_t)dec->run);
	}
	return err;
}

static void status(struct daemon *d)
{
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "STATUS=%s: %llu pages every %llu ms, yield %.2f/1000 pages, ksmd %.1f%% of a CPU (budget %.1f%%)",
		 policyd_phase_name(d->st.phase),
		 (unsigned long long)d->st.pages_to_scan,
		 (unsigned long long)d->st.sleep_ms, d->st.yield_ewma,
		 d->st.cpu_pct, d->cfg.cpu_budget_pct);
	notify_send(buf);
	if (d->watchdog_usec)
		notify_send("WATCHDOG=1");
}

static void write_metrics(struct daemon *d)
{
	struct policyd_metrics m = {
		.cfg = &d->cfg, .st = &d->st, .ticks = d->ticks,
		.changes = d->changes, .foreign_writes = d->foreign,
		.pages_scanned = d->in.tot_pages, .merges = d->in.tot_merges,
		.full_scans = d->in.tot_scans, .ksmd_cpu_ns = d->in.tot_cpu_ns,
		.bpf = d->in.bpf,
	};
	static char buf[8192];
	int n, err;

	if (!d->cfg.metrics_file[0])
		return;
	n = policyd_metrics_format(&m, buf, sizeof(buf));
	err = n < 0 ? n : metrics_write(d->cfg.metrics_file, buf, n);
	if (err)
		policyd_log("cannot write metrics to %s: %s",
			    d->cfg.metrics_file, strerror(-err));
}

/*
 * Sleep until @deadline (CLOCK_MONOTONIC ns), a signal, or - looking every
 * watch_ms - a new mm entering KSM, which is worth a tick at once.
 */
static void sleep_until(struct daemon *d, uint64_t deadline)
{
	uint64_t step = d->cfg.watch_ms * 1000000ull, t;
	struct timespec ts;

	while (!got_term && !got_hup) {
		t = policyd_mono_ns();
		if (t >= deadline)
			return;
		t = step && d->in.bpf && t + step < deadline ? t + step : deadline;
		ts.tv_sec = t / 1000000000ull;
		ts.tv_nsec = t % 1000000000ull;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (t < deadline && inputs_new_mm(&d->in)) {
			policyd_debug("a process entered KSM: tick now");
			return;
		}
	}
}

/* Fast ticks while ksmd scans above its idle rate: CPU is being spent. */
static uint64_t tick_ms(const struct daemon *d)
{
	if (d->o.once)
		return d->cfg.interval_ms;
	if ((d->st.phase == POLICYD_BOOST || d->st.phase == POLICYD_TRACK) &&
	    d->cfg.fast_interval_ms < d->cfg.interval_ms)
		return d->cfg.fast_interval_ms;
	return d->cfg.interval_ms;
}

static int tick(struct daemon *d)
{
	struct ksm_sysfs_stats now;
	struct policyd_decision dec;
	struct policyd_obs obs;
	int err;

	err = inputs_sample(&d->in, &obs, &now);
	if (err) {
		policyd_log("reading KSM's state: %s", strerror(-err));
		return err;
	}
	d->ticks++;
	/* Not what we wrote: someone else tunes KSM.  Each foreign value is
	 * reported once; the controller then keeps its hands off. */
	if (!d->cfg.dry_run && !d->o.once &&
	    (now.pages_to_scan != d->expect_pages ||
	     now.sleep_millisecs != d->expect_sleep)) {
		obs.foreign_write = true;
		d->foreign++;
		d->expect_pages = now.pages_to_scan;
		d->expect_sleep = now.sleep_millisecs;
	}
	policyd_step(&d->cfg, &d->st, &obs, &dec);
	if (obs.foreign_write)
		policyd_log("pages_to_scan=%llu sleep_millisecs=%llu were set by someone else: %s",
			    (unsigned long long)now.pages_to_scan,
			    (unsigned long long)now.sleep_millisecs, dec.reason);
	policyd_debug("tick: %s; scanned %llu, merges %llu, full scans %llu, ksmd %.1f%%, knobs %llu/%llu ms, cost %.0f/%.0f ns, yield %.2f/1000, rate %.0f pages/s, psi %.1f",
		      dec.reason, (unsigned long long)obs.pages_scanned,
		      (unsigned long long)obs.merges,
		      (unsigned long long)obs.full_scans,
		      obs.wall_ns ? 100.0 * obs.ksmd_cpu_ns / obs.wall_ns : 0.0,
		      (unsigned long long)obs.knob_pages,
		      (unsigned long long)obs.knob_sleep_ms,
		      d->st.cost_ns_per_page, d->st.cost_batch_ns_per_page,
		      d->st.yield_ewma, d->st.rate, obs.psi_some_avg10);
	if (d->st.phase != POLICYD_HOLD) {
		err = apply(d, &dec, &now);
		if (err)
			return err;
	}
	if (d->o.once)
		printf("pages_to_scan=%llu sleep_millisecs=%llu phase=%s reason=\"%s\"\n",
		       (unsigned long long)dec.pages_to_scan,
		       (unsigned long long)dec.sleep_ms,
		       policyd_phase_name(d->st.phase), dec.reason);
	write_metrics(d);
	status(d);
	return 0;
}

/*
 * ksmd's CPU per page over its life so far: a measured start for the cost
 * model (0 = too little history).  Includes small batches' wakeups, so it
 * errs high, which errs on the budget's side.
 */
static double cost_hint(const struct daemon *d, const struct ksm_sysfs_stats *s)
{
	double c;

	if (d->in.cpu == PROCFS_CPU_NONE ||
	    (s->missing & KSM_STAT_PAGES_SCANNED) || s->pages_scanned < 10000)
		return 0;
	c = (double)d->in.prev_cpu_ns / (double)s->pages_scanned;
	policyd_log("ksmd's history: %.0f ns of CPU a page over %llu pages", c,
		    (unsigned long long)s->pages_scanned);
	return c;
}

/* Refuse to fight the kernel's own tuner unless told to take over. */
static int check_advisor(const struct daemon *d, const struct ksm_sysfs_stats *s,
			 bool *take)
{
	*take = false;
	if (!s->advisor_mode[0] || !strcmp(s->advisor_mode, "none"))
		return 0;
	if (!d->cfg.take_over_advisor) {
		fprintf(stderr, "ksm-policyd: the kernel's advisor tunes KSM (advisor_mode=%s): set %s/advisor_mode to none, or run with --take-over\n",
			s->advisor_mode, d->o.sysfs_dir);
		return -EBUSY;
	}
	*take = !d->cfg.dry_run;
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon dd;
	struct daemon *d = &dd;
	struct policyd_decision dec;
	struct ksm_sysfs_stats now;
	struct policyd_obs obs;
	char err[512], desc[256];
	uint64_t deadline;
	bool take;
	int ret = EXIT_FAIL;

	if (policyd_parse_args(argc, argv, &d->o, err, sizeof(err))) {
		fprintf(stderr, "ksm-policyd: %s\n", err);
		return EXIT_USAGE;
	}
	if (d->o.help) {
		usage(stdout);
		return EXIT_OK;
	}
	policyd_verbose = d->o.verbose;
	cli_libbpf_print(policyd_verbose);
	if (load_config(&d->o, &d->cfg, err, sizeof(err))) {
		fprintf(stderr, "ksm-policyd: %s\n", err);
		return EXIT_USAGE;
	}
	if (!d->cfg.dry_run && geteuid() != 0 &&
	    !strcmp(d->o.sysfs_dir, KSM_SYSFS_DIR)) {
		fprintf(stderr, "ksm-policyd: must run as root to write %s (or use --dry-run)\n",
			KSM_SYSFS_DIR);
		return EXIT_FAIL;
	}
	if (ksm_sysfs_read_stats(d->o.sysfs_dir, &now)) {
		fprintf(stderr, "ksm-policyd: no KSM at %s (a kernel built with CONFIG_KSM is needed)\n",
			d->o.sysfs_dir);
		return EXIT_FAIL;
	}
	if (check_advisor(d, &now, &take))
		return EXIT_FAIL;
	set_signals();

	if (knobs_open(&d->kn, d->o.sysfs_dir,
		       d->o.once ? NULL : d->cfg.state_file, d->cfg.dry_run,
		       d->cfg.manage_run, take))
		return EXIT_FAIL;
	if (take) {
		policyd_log("taking over from the kernel's advisor (advisor_mode %s -> none; restored on exit)",
			    now.advisor_mode);
		if (knobs_write(&d->kn, POLICYD_KNOB_ADVISOR, "none"))
			goto out;
	}
	inputs_open(&d->in, d->o.sysfs_dir, d->o.pin_dir, !d->o.no_bpf, desc,
		    sizeof(desc));
	policyd_log("%s", desc);
	if (inputs_sample(&d->in, &obs, &now)) {
		policyd_log("reading KSM's state: %s", strerror(errno));
		goto out;
	}
	if (!now.run && !d->cfg.manage_run)
		policyd_log("KSM is stopped (run=0): the knobs are tuned but nothing is scanned until run=1 (or set manage_run=yes)");
	d->expect_pages = now.pages_to_scan;
	d->expect_sleep = now.sleep_millisecs;
	d->watchdog_usec = notify_watchdog_usec();

	policyd_init(&d->cfg, &d->st, &dec, cost_hint(d, &now));
	policyd_log("started: budget %.1f%% of a CPU, every %llu ms%s",
		    d->cfg.cpu_budget_pct, (unsigned long long)d->cfg.interval_ms,
		    d->cfg.dry_run ? ", dry run (nothing is written)" : "");
	if (!d->o.once && apply(d, &dec, &now))
		goto out;
	notify_send("READY=1");
	status(d);

	deadline = policyd_mono_ns();
	for (;;) {
		deadline += tick_ms(d) * 1000000ull;
		sleep_until(d, deadline);
		if (got_term)
			break;
		if (got_hup) {
			got_hup = 0;
			notify_send("RELOADING=1");
			reload(&d->o, &d->cfg);
			notify_send("READY=1");
			deadline = policyd_mono_ns();
			continue;
		}
		/* Woken early (new mm), or fell behind (suspend, a stopped
		 * process): the next tick is one interval from now. */
		if (policyd_mono_ns() < deadline ||
		    policyd_mono_ns() > deadline + tick_ms(d) * 1000000ull)
			deadline = policyd_mono_ns();
		if (tick(d))
			goto out;
		if (d->o.once) {
			ret = EXIT_OK;
			goto out;
		}
	}
	ret = EXIT_OK;
out:
	notify_send("STOPPING=1");
	if (!d->o.once && knobs_restore(&d->kn))
		ret = EXIT_FAIL;
	if (d->cfg.metrics_file[0])
		unlink(d->cfg.metrics_file);
	inputs_close(&d->in);
	if (ret == EXIT_OK && !d->o.once)
		policyd_log("stopped");
	return ret;
}
