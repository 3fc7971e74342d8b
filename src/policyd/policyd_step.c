// SPDX-License-Identifier: GPL-2.0
/*
 * The ksm-policyd controller: a pure step function.  docs/policyd.md has
 * the maths; the comments here say why each rule is the way it is.
 *
 * The controlled variable is a rate R in pages per second of sleep
 * (pages_to_scan * 1000 / sleep_millisecs).  ksmd's duty cycle at rate R
 * and cost c ns/page is u = R*c / (1e9 + R*c), so the budget B (a fraction
 * of one CPU) allows R_cap = B / (1 - B) * 1e9 / c.  c is learned from
 * ksmd's CPU time per page scanned, wakeup overhead included, so the cap
 * tracks the machine instead of a constant.
 */
#include <stdio.h>
#include <string.h>

#include "policyd.h"

/* Changes smaller than this are not worth a write (and a log line). */
#define POLICYD_DEADBAND 0.05
/* How far the idle rate may drift from its target before it is reset. */
#define POLICYD_IDLE_BAND 0.25
/* A sane cost before the first measurement (2 us a page), and the range
 * a hint from ksmd's history is trusted in. */
#define POLICYD_COST_INIT_NS 2000.0
#define POLICYD_COST_MIN_NS 100.0
#define POLICYD_COST_MAX_NS 1000000.0
/* How far timer slack can stretch a sleep of sleep_ms_min or more: a
 * 10 ms sleep lasts 12-13 ms at HZ=250, up to 20 ms at HZ=100. */
#define POLICYD_SLACK_MAX 2.0
/* CPU time a cost sample needs: 5 jiffies at HZ=250 (see the step). */
#define POLICYD_COST_WINDOW_NS 20000000ull
/* The budget is a maximum: aim a little under it.  Aimed at it, ksmd ran
 * at 98-106% of a 20% budget while converging (host test, measured). */
#define POLICYD_CAP_AIM 0.95
/* pages_to_scan from which the wakeup overhead is a small part of a batch. */
#define POLICYD_BATCH_LARGE 1000

const char *policyd_phase_name(enum policyd_phase p)
{
	switch (p) {
	case POLICYD_BOOST:
		return "boost";
	case POLICYD_TRACK:
		return "track";
	case POLICYD_IDLE:
		return "idle";
	case POLICYD_HOLD:
		return "hold";
	}
	return "?";
}

static double rate_for_pct(double pct, double c)
{
	double b = pct / 100.0;

	if (b >= 0.99)
		b = 0.99;
	if (c < 1.0)
		c = 1.0;
	return b / (1.0 - b) * 1e9 / c;
}

static double rate_min(const struct policyd_config *cfg)
{
	return (double)cfg->pages_min * 1000.0 / (double)cfg->sleep_ms_max;
}

static double rate_max(const struct policyd_config *cfg)
{
	return (double)cfg->pages_max * 1000.0 / (double)cfg->sleep_ms_min;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double policyd_cap_rate(const struct policyd_config *cfg, double c)
{
	return clampd(rate_for_pct(cfg->cpu_budget_pct * POLICYD_CAP_AIM, c),
		      rate_min(cfg),
		      rate_max(cfg));
}

static double idle_rate(const struct policyd_config *cfg, double c)
{
	return clampd(rate_for_pct(cfg->idle_cpu_pct, c), rate_min(cfg),
		      rate_max(cfg));
}

/*
 * Long sleeps with batch_pages a wakeup at low rates (each wakeup costs
 * ksmd a fixed overhead, so fewer, larger batches are cheaper), and the
 * shortest sleep with more pages a wakeup at high rates.
 */
void policyd_rate_to_knobs(const struct policyd_config *cfg, double rate,
			   uint64_t *pages, uint64_t *sleep_ms)
{
	double s, p;

	rate = clampd(rate, rate_min(cfg), rate_max(cfg));
	s = clampd((double)cfg->batch_pages * 1000.0 / rate,
		   (double)cfg->sleep_ms_min, (double)cfg->sleep_ms_max);
	*sleep_ms = (uint64_t)(s + 0.5);
	if (*sleep_ms < cfg->sleep_ms_min)
		*sleep_ms = cfg->sleep_ms_min;
	if (*sleep_ms > cfg->sleep_ms_max)
		*sleep_ms = cfg->sleep_ms_max;
	p = clampd(rate * (double)*sleep_ms / 1000.0 + 0.5,
		   (double)cfg->pages_min, (double)cfg->pages_max);
	*pages = (uint64_t)p;
}

static void cost_window_reset(struct policyd_state *st)
{
	st->win_cpu_ns = st->win_pages = st->win_wall_ns = 0;
	st->win_nominal = 0;
	st->win_blind = false;
	st->win_rate = st->rate;
}

static void emit(const struct policyd_config *cfg, struct policyd_state *st,
		 struct policyd_decision *d)
{
	uint64_t p, s;

	/* A cost sample spans one regime: idle's small batches do not
	 * predict a boost's large ones. */
	if (st->rate > 2.0 * st->win_rate || st->rate < 0.5 * st->win_rate)
		cost_window_reset(st);
	policyd_rate_to_knobs(cfg, st->rate, &p, &s);
	d->changed = p != st->pages_to_scan || s != st->sleep_ms;
	if (d->changed)
		st->last_change_ns = st->now_ns;
	st->pages_to_scan = d->pages_to_scan = p;
	st->sleep_ms = d->sleep_ms = s;
}

void policyd_init(const struct policyd_config *cfg, struct policyd_state *st,
		  struct policyd_decision *d, double cost_hint_ns)
{
	double c = cost_hint_ns > 0 ?
		   clampd(cost_hint_ns, POLICYD_COST_MIN_NS, POLICYD_COST_MAX_NS) :
		   POLICYD_COST_INIT_NS;

	memset(st, 0, sizeof(*st));
	memset(d, 0, sizeof(*d));
	d->run = -1;	/* unknown pressure: the first step decides */
	/* A wrong guess costs the first tick: a 40x slower machine (qemu
	 * TCG) would spend it far over budget. */
	st->cost_ns_per_page = c;
	st->cost_batch_ns_per_page = c;
	/*
	 * Nothing is known at start, and whatever is mergeable has not been
	 * merged yet: scan at the cap for boost_scans full scans (KSM needs
	 * two visits of a page before it merges it).
	 */
	st->phase = POLICYD_BOOST;
	st->boost_scans_left = cfg->boost_scans;
	st->rate = policyd_cap_rate(cfg, st->cost_batch_ns_per_page);
	emit(cfg, st, d);
	d->changed = true;
	snprintf(d->reason, sizeof(d->reason),
		 "start: boost at the CPU budget (%.1f%%) for %llu full scans",
		 cfg->cpu_budget_pct, (unsigned long long)cfg->boost_scans);
}

static double ewma(double old, double sample, double w)
{
	return w * sample + (1.0 - w) * old;
}

/* Enter pressure at psi_high or below mem_low; leave only well clear. */
static bool pressure_now(const struct policyd_config *cfg,
			 const struct policyd_state *st,
			 const struct policyd_obs *obs)
{
	uint64_t low = cfg->mem_low_mib << 20;
	bool mem_enter = obs->mem_valid && low && obs->mem_available_bytes < low;
	bool mem_leave = !obs->mem_valid || !low ||
			 obs->mem_available_bytes >= low + low / 4;

	if (!st->pressure)
		return obs->psi_some_avg10 >= cfg->psi_high || mem_enter;
	return !(obs->psi_some_avg10 < cfg->psi_low && mem_leave);
}

void policyd_step(const struct policyd_config *cfg, struct policyd_state *st,
		  const struct policyd_obs *obs, struct policyd_decision *d)
{
	double w = cfg->ewma_weight, cap, floor_rate, rate, pass_yield = 0;
	bool have_sample = false, have_pass = false, new_mem, pressure;
	bool pressure_changed, resumed = false, force = false, have_fresh = false;
	bool over;
	char *why = d->reason;
	size_t wl = sizeof(d->reason);

	memset(d, 0, sizeof(*d));
	d->run = -1;
	d->pages_to_scan = st->pages_to_scan;
	d->sleep_ms = st->sleep_ms;
	st->now_ns += obs->wall_ns;

	/*
	 * Someone else wrote pages_to_scan: do not fight.  Stay off the knobs
	 * for holdoff_ms, twice as long each time it happens again.
	 */
	if (obs->foreign_write) {
		unsigned int sh = st->foreign_count < 6 ? st->foreign_count : 6;
		uint64_t hold = cfg->holdoff_ms << sh;

		st->foreign_count++;
		st->phase = POLICYD_HOLD;
		st->hold_until_ns = st->now_ns + hold * 1000000ull;
		st->acc_pages = st->acc_merges = 0;
		snprintf(why, wl,
			 "pages_to_scan was changed by someone else: hands off for %llu ms",
			 (unsigned long long)hold);
		return;
	}
	if (st->phase == POLICYD_HOLD) {
		if (st->now_ns < st->hold_until_ns) {
			snprintf(why, wl, "hands off (foreign write)");
			return;
		}
		/* Back on the knobs: rewrite them, and probe from the floor. */
		st->phase = POLICYD_TRACK;
		st->rate = 0;
		resumed = force = true;
	} else if (st->foreign_count &&
		   st->now_ns > st->hold_until_ns + 10 * cfg->holdoff_ms * 1000000ull) {
		st->foreign_count = 0;
	}

	/*
	 * Learn the cost per page and the CPU actually used.  Each wakeup
	 * costs ksmd a fixed overhead, so a page costs more in small batches
	 * than in large ones: the cap (large batches) uses the cost measured
	 * in large batches, the idle rate (small ones) the overall one.
	 *
	 * A sample pools ticks until ksmd used POLICYD_COST_WINDOW_NS of
	 * CPU: CPU time can be counted in whole jiffies (a guest whose TSC
	 * is unstable), and a tick of 100 pages then reads 0 ns or 4 ms,
	 * which sent the cap to its maximum, or nearly to its minimum.
	 */
	if (obs->cpu_valid && obs->pages_scanned > 0 &&
	    obs->wall_ns > obs->ksmd_cpu_ns) {
		st->win_cpu_ns += obs->ksmd_cpu_ns;
		st->win_pages += obs->pages_scanned;
		st->win_wall_ns += obs->wall_ns;
		if (obs->knob_pages && obs->knob_sleep_ms)
			st->win_nominal += (double)obs->knob_pages * 1000.0 /
					   (double)obs->knob_sleep_ms *
					   (double)(obs->wall_ns - obs->ksmd_cpu_ns) /
					   1e9;
		else
			st->win_blind = true;
	}
	if (st->win_cpu_ns >= POLICYD_COST_WINDOW_NS) {
		double c = (double)st->win_cpu_ns / (double)st->win_pages;
		double u = (double)st->win_cpu_ns / (double)st->win_wall_ns;

		/*
		 * Better: the cost that explains the duty cycle ksmd had at
		 * the rates it ran with: u/(1-u) = R*c/1e9 in each tick, so
		 * c = CPU / sum(R * time off the CPU).  It absorbs what CPU
		 * per page misses: a 10 ms sleep lasts ~12 ms at HZ=250, so
		 * with CPU per page the cap left ksmd at ~40% under a 50%
		 * budget (measured).  But a sleep stretched by more than
		 * timer slack is ksmd waiting for a CPU, and that goes when
		 * the load does: a busy guest let the cap climb 5x, and ksmd
		 * then ran at 60% under a 20% budget (measured).
		 */
		if (!st->win_blind && st->win_nominal > 0 && u < 0.95) {
			double ce = (double)st->win_cpu_ns / st->win_nominal;

			c = ce > c / POLICYD_SLACK_MAX ? ce : c / POLICYD_SLACK_MAX;
		}
		cost_window_reset(st);
		st->cost_ns_per_page = ewma(st->cost_ns_per_page, c, w);
		/*
		 * The large-batch cost sets the cap.  It jumps when merging
		 * starts (a merge costs far more than a checksum), so a rise
		 * is taken at once: the budget holds.  While boosting (at
		 * the cap, whatever the batch size) a fall is too: the cost
		 * left from the last boost's merging held the first reaction
		 * to a new process at ~30% of a CPU under a 50% budget.
		 */
		if (st->phase == POLICYD_BOOST)
			st->cost_batch_ns_per_page = c;
		else if (st->pages_to_scan >= POLICYD_BATCH_LARGE)
			st->cost_batch_ns_per_page =
				c > st->cost_batch_ns_per_page ? c :
				ewma(st->cost_batch_ns_per_page, c, w);
	}
	if (obs->cpu_valid && obs->wall_ns > 0) {
		double pct = 100.0 * (double)obs->ksmd_cpu_ns /
			     (double)obs->wall_ns;

		st->cpu_pct = st->cpu_seeded ?
			      ewma(st->cpu_pct, pct, w > 0.5 ? w : 0.5) : pct;
		st->cpu_seeded = true;
	}

	pressure = pressure_now(cfg, st, obs);
	pressure_changed = pressure != st->pressure;
	st->pressure = pressure;
	/* ksmtuned's rule: KSM runs only while memory is short. */
	if (cfg->manage_run)
		d->run = pressure;

	/*
	 * Yield.  A completed full scan has seen every page, so its yield is
	 * the marginal yield at the current rate and replaces the estimate;
	 * between full scans, samples of at least sample_pages feed the EWMA.
	 */
	st->acc_pages += obs->pages_scanned;
	st->acc_merges += obs->merges;
	if (obs->full_scans > 0 && obs->scan_pages > 0) {
		pass_yield = 1000.0 * (double)obs->scan_merges /
			     (double)obs->scan_pages;
		st->yield_ewma = pass_yield;
		have_pass = true;
		st->fresh = false;
		st->yield_seeded = true;
		st->acc_pages = st->acc_merges = 0;
	} else if (st->acc_pages >= cfg->sample_pages ||
		   (obs->full_scans > 0 && st->acc_pages > 0)) {
		double y = 1000.0 * (double)st->acc_merges /
			   (double)st->acc_pages;

		/*
		 * Falling yield counts at least half: staying fast on stale
		 * yield burns CPU, while a wrong back-off is undone by the
		 * boost on reappearing yield.
		 */
		st->yield_ewma = !st->yield_seeded || st->fresh ? y :
				 ewma(st->yield_ewma, y,
				      y < st->yield_ewma && w < 0.5 ? 0.5 : w);
		have_fresh = st->fresh;
		st->fresh = false;
		have_sample = true;
		st->yield_seeded = true;
		st->acc_pages = st->acc_merges = 0;
	}
	new_mem = obs->mm_enters > 0 ||
		  (cfg->boost_min_pages &&
		   obs->new_mergeable_pages >= cfg->boost_min_pages);

	cap = policyd_cap_rate(cfg, st->cost_batch_ns_per_page);
	floor_rate = idle_rate(cfg, st->cost_ns_per_page);
	if (pressure) {
		double pr = cap * cfg->pressure_rate_pct / 100.0;

		floor_rate = pr > floor_rate ? pr : floor_rate;
	}
	if (floor_rate > cap)
		floor_rate = cap;

	/* Over budget is news too: merging costs several times a checksum. */
	over = st->rate > cap * (1.0 + POLICYD_DEADBAND) ||
	       (obs->cpu_valid && st->cpu_pct > cfg->cpu_budget_pct * 1.1);
	if (!have_sample && !have_pass && !new_mem && !pressure_changed &&
	    !resumed && !over && obs->full_scans == 0) {
		snprintf(why, wl, "no new information");
		return;
	}

	rate = st->rate;
	if (new_mem) {
		uint64_t n = obs->full_scans, need = cfg->boost_scans;
		uint64_t left = st->phase == POLICYD_BOOST ?
				st->boost_scans_left : 0;

		/*
		 * Pages need boost_scans more visits from their first.  A new
		 * mm is visited at the end of the current pass; rmap_items
		 * growth is first visits already made, so a pass that ended in
		 * the same interval was one of them (re-arming in full made the
		 * start's boost one pass longer than needed, 3 s at the budget
		 * on the benchmark).
		 */
		left -= n < left ? n : left;
		if (!obs->mm_enters && n && need)
			need--;
		st->phase = POLICYD_BOOST;
		st->boost_scans_left = left > need ? left : need;
		rate = cap;
		force = true;
		snprintf(why, wl,
			 "new mergeable memory (%llu mm enters, %llu pages): boost",
			 (unsigned long long)obs->mm_enters,
			 (unsigned long long)obs->new_mergeable_pages);
	} else if (st->phase == POLICYD_BOOST) {
		uint64_t n = obs->full_scans;

		st->boost_scans_left -= n < st->boost_scans_left ?
					n : st->boost_scans_left;
		if (st->boost_scans_left) {
			rate = cap;
			snprintf(why, wl, "boost: %llu more full scans",
				 (unsigned long long)st->boost_scans_left);
		} else {
			/*
			 * The boost's passes measured the boost, not what is
			 * left: the next sample, all after it, replaces the
			 * yield and is trusted like a pass.  Waiting for a
			 * third pass at the cap cost 2 s at the budget after
			 * convergence on the benchmark.
			 */
			st->phase = POLICYD_TRACK;
			st->fresh = true;
			st->acc_pages = st->acc_merges = 0;
		}
	} else if (st->phase == POLICYD_IDLE && (have_sample || have_pass) &&
		   st->yield_ewma >= cfg->yield_high) {
		/* Merges again after convergence: something new to merge. */
		st->phase = POLICYD_BOOST;
		st->boost_scans_left = cfg->boost_scans;
		rate = cap;
		force = true;
		snprintf(why, wl, "yield reappeared (%.2f/1000 pages): boost",
			 st->yield_ewma);
	}

	if (st->phase == POLICYD_TRACK || st->phase == POLICYD_IDLE) {
		double y = st->yield_ewma;
		bool cooled = st->now_ns - st->last_change_ns >=
			      cfg->cooldown_ms * 1000000ull &&
			      st->now_ns - st->last_backoff_ns >=
			      cfg->cooldown_ms * 1000000ull;

		if ((have_pass || have_fresh) && y < cfg->yield_low &&
		    rate > floor_rate * (1.0 + POLICYD_IDLE_BAND)) {
			/*
			 * A whole pass at this rate (or the first look after
			 * a boost, which has just seen every page twice) found
			 * (almost) nothing to merge: scanning faster buys
			 * nothing.  Straight to the floor; new memory and
			 * reappearing yield boost again.
			 */
			rate = floor_rate;
			st->last_backoff_ns = st->now_ns;
			snprintf(why, wl,
				 "%s yielded %.2f/1000 pages, below %.2f: drop to the idle rate",
				 have_pass ? "a full scan" : "the first look after the boost",
				 y, cfg->yield_low);
		} else if (have_sample && y < cfg->yield_low &&
			   rate > floor_rate * (1.0 + POLICYD_IDLE_BAND)) {
			/* Back off fast: the scanning is not paying. */
			rate *= cfg->backoff_factor;
			st->last_backoff_ns = st->now_ns;
			snprintf(why, wl,
				 "yield %.2f/1000 pages below %.2f: back off",
				 y, cfg->yield_low);
		} else if ((have_sample || have_pass) && y >= cfg->yield_high &&
			   rate < cap && cooled) {
			/* Probe slowly: more scanning may merge more. */
			rate *= 1.0 + cfg->probe_step;
			st->phase = POLICYD_TRACK;
			snprintf(why, wl,
				 "yield %.2f/1000 pages above %.2f: probe up",
				 y, cfg->yield_high);
		} else if (st->phase == POLICYD_IDLE) {
			snprintf(why, wl, "yield %.2f/1000 pages: idle", y);
		} else {
			snprintf(why, wl, "yield %.2f/1000 pages: hold", y);
		}
	}

	/*
	 * The floor moves with the measured cost, which is noisy: follow it
	 * only when it moved by more than POLICYD_IDLE_BAND, except for
	 * pressure, which must take effect.
	 */
	if ((rate < floor_rate && pressure) ||
	    rate < floor_rate * (1.0 - POLICYD_IDLE_BAND)) {
		rate = floor_rate;
		if (pressure)
			snprintf(why, wl,
				 "memory pressure (psi some %.1f%%): scan at least %.0f%% of the budget",
				 obs->psi_some_avg10, cfg->pressure_rate_pct);
		else if (resumed)
			snprintf(why, wl, "foreign writer gone: resume at the idle rate");
	}
	if (rate > cap) {
		rate = cap;
		snprintf(why, wl, "CPU budget %.1f%% at %.0f ns/page caps the rate",
			 cfg->cpu_budget_pct, st->cost_batch_ns_per_page);
	}
	/* The model of c lags: trust the measured CPU when it is over. */
	if (obs->cpu_valid && st->cpu_pct > cfg->cpu_budget_pct * 1.1) {
		double r = rate * cfg->cpu_budget_pct / st->cpu_pct;

		if (r < rate) {
			rate = r;
			snprintf(why, wl, "ksmd CPU %.1f%% over budget %.1f%%: back off",
				 st->cpu_pct, cfg->cpu_budget_pct);
		}
	}
	if (st->phase == POLICYD_TRACK && !pressure &&
	    rate <= floor_rate * (1.0 + POLICYD_IDLE_BAND))
		st->phase = POLICYD_IDLE;
	else if (st->phase == POLICYD_IDLE &&
		 rate > floor_rate * (1.0 + POLICYD_IDLE_BAND))
		st->phase = POLICYD_TRACK;

	/* Hysteresis on the output: ignore wiggles of the cap and the cost. */
	if (!force && st->rate > 0 && rate > st->rate * (1.0 - POLICYD_DEADBAND) &&
	    rate < st->rate * (1.0 + POLICYD_DEADBAND))
		rate = st->rate;
	st->rate = rate;
	emit(cfg, st, d);
	if (force)
		d->changed = true;
}
