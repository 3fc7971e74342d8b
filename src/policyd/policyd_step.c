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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policyd.h"

#define NS_PER_MS 1000000ull

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
/* CPU time a cost sample needs: 5 jiffies at HZ=250 (see learn_cost()). */
#define POLICYD_COST_WINDOW_NS 20000000ull
/* A cost sample spans one regime: a rate this many times higher or lower
 * than the window's start restarts it. */
#define POLICYD_COST_REGIME 2.0
/* ksmd's duty cycle (CPU/wall) from which the time off the CPU is too
 * short to measure the effective cost by: CPU per page is used instead. */
#define POLICYD_DUTY_MAX 0.95
/* The budget is a maximum: aim a little under it.  Aimed at it, ksmd ran
 * at 98-106% of a 20% budget while converging (host test, measured). */
#define POLICYD_CAP_AIM 0.95
/* pages_to_scan from which the wakeup overhead is a small part of a batch. */
#define POLICYD_BATCH_LARGE 1000
/* Measured ksmd CPU over the budget by this factor (10%) is news, and
 * scales the rate down: the model of the cost lags. */
#define POLICYD_CPU_OVER 1.1
/* The least EWMA weight where lagging costs CPU: for falling yield and
 * for the measured CPU. */
#define POLICYD_FAST_WEIGHT 0.5
/* A foreign writer: each repeat doubles the hold, up to 2^6 = 64 times
 * holdoff_ms; the repeats are forgotten 10 holdoff_ms after a hold ends. */
#define POLICYD_HOLD_MAX_SHIFT 6
#define POLICYD_FOREIGN_FORGET 10

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

/* Guards: a budget of a whole CPU has no finite rate, nor has a cost of 0. */
static double rate_for_pct(double pct, double c)
{
	double b = pct / 100.0;

	if (b >= 0.99)
		b = 0.99;
	if (c < 1.0)
		c = 1.0;
	return b / (1.0 - b) * 1e9 / c;
}

/* The rate of @pages a wakeup after sleeps of @sleep_ms. */
static double knob_rate(uint64_t pages, uint64_t sleep_ms)
{
	return (double)pages * 1000.0 / (double)sleep_ms;
}

static double rate_min(const struct policyd_config *cfg)
{
	return knob_rate(cfg->pages_min, cfg->sleep_ms_max);
}

static double rate_max(const struct policyd_config *cfg)
{
	return knob_rate(cfg->pages_max, cfg->sleep_ms_min);
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
	memset(&st->cost_win, 0, sizeof(st->cost_win));
	st->cost_win.start_rate = st->rate;
}

/* Turn st->rate into the knobs; d->changed when they differ. */
static void emit(const struct policyd_config *cfg, struct policyd_state *st,
		 struct policyd_decision *d)
{
	double start = st->cost_win.start_rate;
	uint64_t p, s;

	/* A cost sample spans one regime: idle's small batches do not
	 * predict a boost's large ones. */
	if (st->rate > POLICYD_COST_REGIME * start ||
	    st->rate < start / POLICYD_COST_REGIME)
		cost_window_reset(st);
	policyd_rate_to_knobs(cfg, st->rate, &p, &s);
	d->changed = p != st->pages_to_scan || s != st->sleep_ms;
	if (d->changed)
		st->last_change_ns = st->now_ns;
	st->pages_to_scan = d->pages_to_scan = p;
	st->sleep_ms = d->sleep_ms = s;
}

__attribute__((format(printf, 2, 3)))
static void say(struct policyd_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
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
	say(d, "start: boost at the CPU budget (%.1f%%) for %llu full scans",
	    cfg->cpu_budget_pct, (unsigned long long)cfg->boost_scans);
}

static double ewma(double old, double sample, double w)
{
	return w * sample + (1.0 - w) * old;
}

/* Yield: merges per 1000 pages scanned. */
static double yield_of(uint64_t merges, uint64_t pages)
{
	return 1000.0 * (double)merges / (double)pages;
}

/* What one observation brought, for the rules after learning from it. */
struct news {
	bool resumed;		/* a hold on a foreign writer just ended */
	bool pass;		/* a full scan's yield replaced the estimate */
	bool sample;		/* a pooled yield sample updated it */
	bool first_look;	/* ... the first after a boost: like a pass */
	bool new_mem;		/* new mergeable memory */
	bool pressure_changed;
};

/* The rates this tick's rules move between. */
struct bounds {
	double cap;		/* R_cap: the CPU budget's rate */
	double floor;		/* R_floor: the idle rate, raised by pressure */
	double idle_top;	/* R_floor * (1 + POLICYD_IDLE_BAND): idle below */
};

/*
 * Someone else wrote pages_to_scan: do not fight.  Stay off the knobs for
 * holdoff_ms, twice as long each time it happens again.  True when the
 * step ends here; @n->resumed when a hold just ended.
 */
static bool hands_off(const struct policyd_config *cfg,
		      struct policyd_state *st, const struct policyd_obs *obs,
		      struct news *n, struct policyd_decision *d)
{
	if (obs->foreign_write) {
		unsigned int sh = st->foreign_count < POLICYD_HOLD_MAX_SHIFT ?
				  st->foreign_count : POLICYD_HOLD_MAX_SHIFT;
		uint64_t hold = cfg->holdoff_ms << sh;

		st->foreign_count++;
		st->phase = POLICYD_HOLD;
		st->hold_until_ns = st->now_ns + hold * NS_PER_MS;
		st->yield_win.pages = st->yield_win.merges = 0;
		say(d, "pages_to_scan was changed by someone else: hands off for %llu ms",
		    (unsigned long long)hold);
		return true;
	}
	if (st->phase == POLICYD_HOLD) {
		if (st->now_ns < st->hold_until_ns) {
			say(d, "hands off (foreign write)");
			return true;
		}
		/* Back on the knobs: rewrite them, and probe from the floor. */
		st->phase = POLICYD_TRACK;
		st->rate = 0;
		n->resumed = true;
	} else if (st->foreign_count &&
		   st->now_ns > st->hold_until_ns +
				POLICYD_FOREIGN_FORGET * cfg->holdoff_ms * NS_PER_MS) {
		st->foreign_count = 0;
	}
	return false;
}

/*
 * Pool one tick into the cost window: CPU, pages, wall time and the pages
 * the knobs allowed in the time off the CPU (u/(1-u) = R*c/1e9, summed).
 */
static void cost_window_add(struct policyd_cost_window *w,
			    const struct policyd_obs *obs)
{
	w->cpu_ns += obs->ksmd_cpu_ns;
	w->pages += obs->pages_scanned;
	w->wall_ns += obs->wall_ns;
	if (obs->knob_pages && obs->knob_sleep_ms)
		w->allowed_pages += knob_rate(obs->knob_pages, obs->knob_sleep_ms) *
				    (double)(obs->wall_ns - obs->ksmd_cpu_ns) /
				    1e9;
	else
		w->knobs_unknown = true;
}

/* The cost per page a full window measured. */
static double cost_window_sample(const struct policyd_cost_window *w)
{
	double c = (double)w->cpu_ns / (double)w->pages;
	double u = (double)w->cpu_ns / (double)w->wall_ns;

	/*
	 * Better: the cost that explains the duty cycle ksmd had at the
	 * rates it ran with: u/(1-u) = R*c/1e9 in each tick, so c = CPU /
	 * sum(R * time off the CPU).  It absorbs what CPU per page misses:
	 * a 10 ms sleep lasts ~12 ms at HZ=250, so with CPU per page the cap
	 * left ksmd at ~40% under a 50% budget (measured).  But a sleep
	 * stretched by more than timer slack is ksmd waiting for a CPU, and
	 * that goes when the load does: a busy guest let the cap climb 5x,
	 * and ksmd then ran at 60% under a 20% budget (measured).
	 */
	if (!w->knobs_unknown && w->allowed_pages > 0 && u < POLICYD_DUTY_MAX) {
		double ce = (double)w->cpu_ns / w->allowed_pages;

		c = ce > c / POLICYD_SLACK_MAX ? ce : c / POLICYD_SLACK_MAX;
	}
	return c;
}

/*
 * Learn the cost per page.  Each wakeup costs ksmd a fixed overhead, so a
 * page costs more in small batches than in large ones: the cap (large
 * batches) uses the cost measured in large batches, the idle rate (small
 * ones) the overall one.
 *
 * A sample pools ticks until ksmd used POLICYD_COST_WINDOW_NS of CPU: CPU
 * time can be counted in whole jiffies (a guest whose TSC is unstable),
 * and a tick of 100 pages then reads 0 ns or 4 ms, which sent the cap to
 * its maximum, or nearly to its minimum.
 */
static void learn_cost(const struct policyd_config *cfg,
		       struct policyd_state *st, const struct policyd_obs *obs)
{
	double w = cfg->ewma_weight, c;

	if (obs->cpu_valid && obs->pages_scanned > 0 &&
	    obs->wall_ns > obs->ksmd_cpu_ns)
		cost_window_add(&st->cost_win, obs);
	if (st->cost_win.cpu_ns < POLICYD_COST_WINDOW_NS)
		return;
	c = cost_window_sample(&st->cost_win);
	cost_window_reset(st);
	st->cost_ns_per_page = ewma(st->cost_ns_per_page, c, w);
	/*
	 * The large-batch cost sets the cap.  It jumps when merging starts
	 * (a merge costs far more than a checksum), so a rise is taken at
	 * once: the budget holds.  While boosting (at the cap, whatever the
	 * batch size) a fall is too: the cost left from the last boost's
	 * merging held the first reaction to a new process at ~30% of a CPU
	 * under a 50% budget.
	 *
	 * Under pressure the floor is a share of the cap, so the cap needs
	 * the cost of the batches the floor runs in, however small: learned
	 * in large batches only, the estimate froze under TCG (whose floor
	 * is a few hundred pages), and the floor then ran at 1.9x its share
	 * of the budget or at a fraction of it (unit test, VM).  There, a
	 * rise is not taken at once: a guest's vCPU descheduled by its host
	 * while ksmd runs charges ksmd for the wait, 10x in one tick beside
	 * a loaded host, and the floor stayed at half its rate or less for
	 * three ticks after each such spike (pressure_rides_out_cpu_spikes);
	 * taken as it is, each sample swung it 30x (VM).  A real rise (merging
	 * starts) is followed in a few ticks, the safety net limiting them.
	 */
	if (st->phase == POLICYD_BOOST)
		st->cost_batch_ns_per_page = c;
	else if (st->pressure)
		st->cost_batch_ns_per_page = ewma(st->cost_batch_ns_per_page,
						  c, w);
	else if (st->pages_to_scan >= POLICYD_BATCH_LARGE)
		st->cost_batch_ns_per_page =
			c > st->cost_batch_ns_per_page ? c :
			ewma(st->cost_batch_ns_per_page, c, w);
}

/* The CPU ksmd actually used, for the safety net in clamp_rate(). */
static void learn_cpu(const struct policyd_config *cfg,
		      struct policyd_state *st, const struct policyd_obs *obs)
{
	double w = cfg->ewma_weight, pct;

	if (!obs->cpu_valid || obs->wall_ns == 0)
		return;
	pct = 100.0 * (double)obs->ksmd_cpu_ns / (double)obs->wall_ns;
	st->cpu_pct = st->cpu_seeded ?
		      ewma(st->cpu_pct, pct,
			   w > POLICYD_FAST_WEIGHT ? w : POLICYD_FAST_WEIGHT) :
		      pct;
	st->cpu_seeded = true;
}

/* The rate ksmd ran at in @obs's interval (its knobs, read at the end of
 * it, when KSM ran at both ends), else @otherwise. */
static double rate_in_effect(const struct policyd_obs *obs, double otherwise)
{
	if (obs->knob_pages && obs->knob_sleep_ms)
		return knob_rate(obs->knob_pages, obs->knob_sleep_ms);
	return otherwise;
}

static bool cpu_over_budget(const struct policyd_config *cfg,
			    const struct policyd_state *st,
			    const struct policyd_obs *obs)
{
	return obs->cpu_valid &&
	       st->cpu_pct > cfg->cpu_budget_pct * POLICYD_CPU_OVER;
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

/*
 * Update the yield.  A completed full scan has seen every page, so its
 * yield is the marginal yield at the current rate and replaces the
 * estimate; between full scans, samples of at least sample_pages feed the
 * EWMA.
 */
static void update_yield(const struct policyd_config *cfg,
			 struct policyd_state *st,
			 const struct policyd_obs *obs, struct news *n)
{
	struct policyd_yield_window *win = &st->yield_win;
	double w = cfg->ewma_weight;

	win->pages += obs->pages_scanned;
	win->merges += obs->merges;
	if (obs->full_scans > 0 && obs->scan_pages > 0) {
		st->yield_ewma = yield_of(obs->scan_merges, obs->scan_pages);
		n->pass = true;
		st->first_look_pending = false;
	} else if (win->pages >= cfg->sample_pages ||
		   (obs->full_scans > 0 && win->pages > 0)) {
		double y = yield_of(win->merges, win->pages);

		/*
		 * Falling yield counts at least half: staying fast on stale
		 * yield burns CPU, while a wrong back-off is undone by the
		 * boost on reappearing yield.
		 */
		st->yield_ewma = !st->yield_seeded || st->first_look_pending ? y :
				 ewma(st->yield_ewma, y,
				      y < st->yield_ewma && w < POLICYD_FAST_WEIGHT ?
				      POLICYD_FAST_WEIGHT : w);
		n->first_look = st->first_look_pending;
		st->first_look_pending = false;
		n->sample = true;
	} else {
		return;
	}
	st->yield_seeded = true;
	win->pages = win->merges = 0;
}

/* The idle rate, raised under pressure, and never above the cap. */
static void set_bounds(const struct policyd_config *cfg,
		       const struct policyd_state *st, struct bounds *b)
{
	b->cap = policyd_cap_rate(cfg, st->cost_batch_ns_per_page);
	b->floor = idle_rate(cfg, st->cost_ns_per_page);
	if (st->pressure) {
		double pr = b->cap * cfg->pressure_rate_pct / 100.0;

		b->floor = pr > b->floor ? pr : b->floor;
	}
	if (b->floor > b->cap)
		b->floor = b->cap;
	b->idle_top = b->floor * (1.0 + POLICYD_IDLE_BAND);
}

static bool is_news(const struct policyd_config *cfg,
		    const struct policyd_state *st,
		    const struct policyd_obs *obs, const struct news *n,
		    const struct bounds *b)
{
	/* Over budget is news too: merging costs several times a checksum. */
	bool over = st->rate > b->cap * (1.0 + POLICYD_DEADBAND) ||
		    cpu_over_budget(cfg, st, obs);

	return n->sample || n->pass || n->new_mem || n->pressure_changed ||
	       n->resumed || over || obs->full_scans > 0;
}

/*
 * Choose the phase: boost on new memory or reappearing yield, count a
 * boost's full scans down, and end it.  Returns the rate to start from;
 * *@boosted when a boost started (its write is not subject to the
 * deadband).
 */
static double choose_phase(const struct policyd_config *cfg,
			   struct policyd_state *st,
			   const struct policyd_obs *obs, const struct news *n,
			   const struct bounds *b, bool *boosted,
			   struct policyd_decision *d)
{
	uint64_t done = obs->full_scans;

	*boosted = false;
	if (n->new_mem) {
		uint64_t need = cfg->boost_scans;
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
		left -= done < left ? done : left;
		if (!obs->mm_enters && done && need)
			need--;
		st->phase = POLICYD_BOOST;
		st->boost_scans_left = left > need ? left : need;
		*boosted = true;
		say(d, "new mergeable memory (%llu mm enters, %llu pages): boost",
		    (unsigned long long)obs->mm_enters,
		    (unsigned long long)obs->new_mergeable_pages);
		return b->cap;
	}
	if (st->phase == POLICYD_BOOST) {
		st->boost_scans_left -= done < st->boost_scans_left ?
					done : st->boost_scans_left;
		if (st->boost_scans_left) {
			say(d, "boost: %llu more full scans",
			    (unsigned long long)st->boost_scans_left);
			return b->cap;
		}
		/*
		 * The boost's passes measured the boost, not what is left:
		 * the next sample, all after it, replaces the yield and is
		 * trusted like a pass.  Waiting for a third pass at the cap
		 * cost 2 s at the budget after convergence on the benchmark.
		 */
		st->phase = POLICYD_TRACK;
		st->first_look_pending = true;
		st->yield_win.pages = st->yield_win.merges = 0;
	} else if (st->phase == POLICYD_IDLE && (n->sample || n->pass) &&
		   st->yield_ewma >= cfg->yield_high) {
		/* Merges again after convergence: something new to merge. */
		st->phase = POLICYD_BOOST;
		st->boost_scans_left = cfg->boost_scans;
		*boosted = true;
		say(d, "yield reappeared (%.2f/1000 pages): boost",
		    st->yield_ewma);
		return b->cap;
	}
	return st->rate;
}

/* Track and idle: follow the yield from @rate. */
static double follow_yield(const struct policyd_config *cfg,
			   struct policyd_state *st, const struct news *n,
			   const struct bounds *b, double rate,
			   struct policyd_decision *d)
{
	double y = st->yield_ewma;
	bool cooled = st->now_ns - st->last_change_ns >=
		      cfg->cooldown_ms * NS_PER_MS &&
		      st->now_ns - st->last_backoff_ns >=
		      cfg->cooldown_ms * NS_PER_MS;

	if ((n->pass || n->first_look) && y < cfg->yield_low &&
	    rate > b->idle_top) {
		/*
		 * A whole pass at this rate (or the first look after a boost,
		 * which has just seen every page twice) found (almost)
		 * nothing to merge: scanning faster buys nothing.  Straight
		 * to the floor; new memory and reappearing yield boost again.
		 */
		st->last_backoff_ns = st->now_ns;
		say(d, "%s yielded %.2f/1000 pages, below %.2f: drop to the idle rate",
		    n->pass ? "a full scan" : "the first look after the boost",
		    y, cfg->yield_low);
		return b->floor;
	}
	if (n->sample && y < cfg->yield_low && rate > b->idle_top) {
		/* Back off fast: the scanning is not paying. */
		st->last_backoff_ns = st->now_ns;
		say(d, "yield %.2f/1000 pages below %.2f: back off",
		    y, cfg->yield_low);
		return rate * cfg->backoff_factor;
	}
	if ((n->sample || n->pass) && y >= cfg->yield_high &&
	    rate < b->cap && cooled) {
		/* Probe slowly: more scanning may merge more. */
		st->phase = POLICYD_TRACK;
		say(d, "yield %.2f/1000 pages above %.2f: probe up",
		    y, cfg->yield_high);
		return rate * (1.0 + cfg->probe_step);
	}
	if (st->phase == POLICYD_IDLE)
		say(d, "yield %.2f/1000 pages: idle", y);
	else
		say(d, "yield %.2f/1000 pages: hold", y);
	return rate;
}

/* Keep @rate between the floor and the cap, and within the measured CPU. */
static double clamp_rate(const struct policyd_config *cfg,
			 const struct policyd_state *st,
			 const struct policyd_obs *obs, const struct news *n,
			 const struct bounds *b, double rate,
			 struct policyd_decision *d)
{
	/*
	 * The floor moves with the measured cost, which is noisy: follow it
	 * only when it moved by more than POLICYD_IDLE_BAND, except for
	 * pressure, which must take effect.
	 */
	if ((rate < b->floor && st->pressure) ||
	    rate < b->floor * (1.0 - POLICYD_IDLE_BAND)) {
		rate = b->floor;
		if (st->pressure)
			say(d, "memory pressure (psi some %.1f%%): scan at least %.0f%% of the budget",
			    obs->psi_some_avg10, cfg->pressure_rate_pct);
		else if (n->resumed)
			say(d, "foreign writer gone: resume at the idle rate");
	}
	if (rate > b->cap) {
		rate = b->cap;
		say(d, "CPU budget %.1f%% at %.0f ns/page caps the rate",
		    cfg->cpu_budget_pct, st->cost_batch_ns_per_page);
	}
	/*
	 * The model of c lags: trust the measured CPU when it is over.  It
	 * was measured at the rate ksmd ran at, so that is the rate to
	 * scale; scaling @rate, which the cap may have cut for the same
	 * spike already, cut twice (VM: 877 to 128 pages a wakeup).  With
	 * the knobs unknown (KSM stopped), @rate: after a hold st->rate is 0.
	 */
	if (cpu_over_budget(cfg, st, obs)) {
		double r = rate_in_effect(obs, rate) * cfg->cpu_budget_pct /
			   st->cpu_pct;

		if (r < rate) {
			rate = r;
			say(d, "ksmd CPU %.1f%% over budget %.1f%%: back off",
			    st->cpu_pct, cfg->cpu_budget_pct);
		}
	}
	return rate;
}

/* Track and idle by where the rate ended: idle within the idle band. */
static void idle_or_track(struct policyd_state *st, const struct bounds *b,
			  double rate)
{
	if (st->phase == POLICYD_TRACK && !st->pressure && rate <= b->idle_top)
		st->phase = POLICYD_IDLE;
	else if (st->phase == POLICYD_IDLE && rate > b->idle_top)
		st->phase = POLICYD_TRACK;
}

/*
 * Learn from @obs, then decide: the rules in the order docs/policyd.md
 * lists them ("Phases and rules, in order").
 */
void policyd_step(const struct policyd_config *cfg, struct policyd_state *st,
		  const struct policyd_obs *obs, struct policyd_decision *d)
{
	struct news n = { 0 };
	struct bounds b;
	bool pressure, boosted, force;
	double rate;

	memset(d, 0, sizeof(*d));
	d->run = -1;
	d->pages_to_scan = st->pages_to_scan;
	d->sleep_ms = st->sleep_ms;
	st->now_ns += obs->wall_ns;

	if (hands_off(cfg, st, obs, &n, d))
		return;
	learn_cost(cfg, st, obs);
	learn_cpu(cfg, st, obs);
	pressure = pressure_now(cfg, st, obs);
	n.pressure_changed = pressure != st->pressure;
	st->pressure = pressure;
	/* ksmtuned's rule: KSM runs only while memory is short. */
	if (cfg->manage_run)
		d->run = st->pressure;
	update_yield(cfg, st, obs, &n);
	n.new_mem = obs->mm_enters > 0 ||
		    (cfg->boost_min_pages &&
		     obs->new_mergeable_pages >= cfg->boost_min_pages);
	set_bounds(cfg, st, &b);
	if (!is_news(cfg, st, obs, &n, &b)) {
		say(d, "no new information");
		return;
	}

	rate = choose_phase(cfg, st, obs, &n, &b, &boosted, d);
	if (st->phase == POLICYD_TRACK || st->phase == POLICYD_IDLE)
		rate = follow_yield(cfg, st, &n, &b, rate, d);
	rate = clamp_rate(cfg, st, obs, &n, &b, rate, d);
	idle_or_track(st, &b, rate);

	/* Hysteresis on the output: ignore wiggles of the cap and the cost. */
	force = boosted || n.resumed;
	if (!force && st->rate > 0 && rate > st->rate * (1.0 - POLICYD_DEADBAND) &&
	    rate < st->rate * (1.0 + POLICYD_DEADBAND))
		rate = st->rate;
	st->rate = rate;
	emit(cfg, st, d);
	if (force)
		d->changed = true;
}
