// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's INI configuration: defaults, a pure parser (text in) and
 * the checks.  Every problem is one "FILE:LINE: problem" line; the daemon
 * prints it and exits 2.
 *
 * Format: "key = value" lines, '#' or ';' comments, blank lines, and an
 * optional "[policyd]" section header (the only section there is).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "policyd.h"

void policyd_config_defaults(struct policyd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	/*
	 * Half a core: what the fast static setting (5000 pages every 10 ms)
	 * costs while pages are merging (46% measured on the host; 35% once
	 * converged), so a boost converges as fast.  Spent only while
	 * scanning pays; idle_cpu_pct, under stock KSM's ~2%, once nothing
	 * merges.
	 */
	cfg->cpu_budget_pct = 50.0;
	cfg->idle_cpu_pct = 1.0;
	cfg->pages_min = 16;
	cfg->pages_max = 10000;
	cfg->sleep_ms_min = 10;
	cfg->sleep_ms_max = 1000;
	cfg->batch_pages = 100;
	cfg->ewma_weight = 0.3;
	cfg->yield_low = 1.0;
	cfg->yield_high = 5.0;
	cfg->psi_high = 10.0;
	cfg->psi_low = 5.0;
	cfg->mem_low_mib = 0;
	cfg->pressure_rate_pct = 50.0;
	cfg->backoff_factor = 0.25;
	cfg->probe_step = 0.25;
	cfg->cooldown_ms = 5000;
	cfg->boost_scans = 2;
	cfg->boost_min_pages = 1024;
	cfg->sample_pages = 2000;
	cfg->holdoff_ms = 60000;
	cfg->interval_ms = 1000;
	/* A new process is seen within 50 ms (BPF stats only): the reaction
	 * to it must not wait for the next tick. */
	cfg->watch_ms = 50;
	/* Above the idle rate every second at the budget counts: look
	 * 5 times as often, so the boost ends and the back-off starts
	 * within 200 ms (ticks are cheap: a few reads). */
	cfg->fast_interval_ms = 200;
	cfg->dry_run = false;
	cfg->take_over_advisor = false;
	cfg->manage_run = false;
	cfg->metrics_file[0] = '\0';
	snprintf(cfg->state_file, sizeof(cfg->state_file), "%s",
		 POLICYD_STATE_DEFAULT);
}

enum key_type { K_DOUBLE, K_U64, K_BOOL, K_PATH };

struct key_desc {
	const char *name;
	enum key_type type;
	size_t off;
	double lo, hi;		/* inclusive range for numbers */
};

#define OFF(f) offsetof(struct policyd_config, f)

static const struct key_desc keys[] = {
	{ "cpu_budget_pct", K_DOUBLE, OFF(cpu_budget_pct), 0.1, 95 },
	{ "idle_cpu_pct", K_DOUBLE, OFF(idle_cpu_pct), 0.01, 95 },
	{ "pages_to_scan_min", K_U64, OFF(pages_min), 1, 1e7 },
	{ "pages_to_scan_max", K_U64, OFF(pages_max), 1, 1e7 },
	{ "sleep_millisecs_min", K_U64, OFF(sleep_ms_min), 1, 600000 },
	{ "sleep_millisecs_max", K_U64, OFF(sleep_ms_max), 1, 600000 },
	{ "batch_pages", K_U64, OFF(batch_pages), 1, 1e7 },
	{ "ewma_weight", K_DOUBLE, OFF(ewma_weight), 0.01, 1 },
	{ "yield_low", K_DOUBLE, OFF(yield_low), 0, 1000 },
	{ "yield_high", K_DOUBLE, OFF(yield_high), 0, 1000 },
	{ "psi_high", K_DOUBLE, OFF(psi_high), 0, 100 },
	{ "psi_low", K_DOUBLE, OFF(psi_low), 0, 100 },
	{ "mem_low_mib", K_U64, OFF(mem_low_mib), 0, 1e9 },
	{ "pressure_rate_pct", K_DOUBLE, OFF(pressure_rate_pct), 0, 100 },
	{ "backoff_factor", K_DOUBLE, OFF(backoff_factor), 0.01, 0.99 },
	{ "probe_step", K_DOUBLE, OFF(probe_step), 0.01, 10 },
	{ "cooldown_ms", K_U64, OFF(cooldown_ms), 0, 3.6e6 },
	{ "boost_scans", K_U64, OFF(boost_scans), 0, 100 },
	{ "boost_min_pages", K_U64, OFF(boost_min_pages), 0, 1e12 },
	{ "sample_pages", K_U64, OFF(sample_pages), 1, 1e12 },
	{ "holdoff_ms", K_U64, OFF(holdoff_ms), 0, 8.64e7 },
	{ "interval_ms", K_U64, OFF(interval_ms), 10, 3.6e6 },
	{ "watch_ms", K_U64, OFF(watch_ms), 0, 3.6e6 },
	{ "fast_interval_ms", K_U64, OFF(fast_interval_ms), 10, 3.6e6 },
	{ "dry_run", K_BOOL, OFF(dry_run), 0, 0 },
	{ "take_over_advisor", K_BOOL, OFF(take_over_advisor), 0, 0 },
	{ "manage_run", K_BOOL, OFF(manage_run), 0, 0 },
	{ "metrics_file", K_PATH, OFF(metrics_file), 0, 0 },
	{ "state_file", K_PATH, OFF(state_file), 0, 0 },
};

__attribute__((format(printf, 5, 6)))
static int fail(char *err, size_t len, const char *file, int line,
		const char *fmt, ...)
{
	va_list ap;
	int n;

	n = line > 0 ? snprintf(err, len, "%s:%d: ", file, line) :
		       snprintf(err, len, "%s: ", file);
	if (n < 0 || (size_t)n >= len)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	cli_one_line(err);
	return -EINVAL;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int policyd_config_set(struct policyd_config *cfg, const char *key,
		       const char *value, const char *file, int line,
		       char *err, size_t err_len)
{
	const struct key_desc *k = NULL;
	char *base = (char *)cfg, *end;
	char range[64];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].name, key))
			k = &keys[i];
	if (!k)
		return fail(err, err_len, file, line, "unknown key '%s'", key);
	if (!*value)
		return fail(err, err_len, file, line, "%s: missing value", key);

	switch (k->type) {
	case K_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(value, &end);
		if (errno || end == value || *end || v != v)
			return fail(err, err_len, file, line,
				    "%s: '%s' is not a number", key, value);
		if (v < k->lo || v > k->hi) {
			snprintf(range, sizeof(range), "%g..%g", k->lo, k->hi);
			return fail(err, err_len, file, line,
				    "%s: out of range (%s)", key, range);
		}
		*(double *)(base + k->off) = v;
		break;
	}
	case K_U64: {
		unsigned long long v;

		errno = 0;
		if (!isdigit((unsigned char)*value))
			return fail(err, err_len, file, line,
				    "%s: '%s' is not a non-negative integer",
				    key, value);
		v = strtoull(value, &end, 10);
		if (errno || *end)
			return fail(err, err_len, file, line,
				    "%s: '%s' is not a non-negative integer",
				    key, value);
		if ((double)v < k->lo || (double)v > k->hi) {
			snprintf(range, sizeof(range), "%.0f..%.0f", k->lo, k->hi);
			return fail(err, err_len, file, line,
				    "%s: out of range (%s)", key, range);
		}
		*(uint64_t *)(base + k->off) = v;
		break;
	}
	case K_BOOL:
		if (parse_bool(value, (bool *)(base + k->off)))
			return fail(err, err_len, file, line,
				    "%s: '%s' is not a boolean (yes/no)", key, value);
		break;
	case K_PATH:
		if (strlen(value) >= POLICYD_PATH_MAX)
			return fail(err, err_len, file, line, "%s: path too long", key);
		if (value[0] != '/')
			return fail(err, err_len, file, line,
				    "%s: '%s' is not an absolute path", key, value);
		strcpy(base + k->off, value);
		break;
	}
	return 0;
}

int policyd_config_check(const struct policyd_config *cfg, const char *file,
			 char *err, size_t err_len)
{
	if (cfg->pages_min > cfg->pages_max)
		return fail(err, err_len, file, 0, "%s > %s", "pages_to_scan_min",
			    "pages_to_scan_max");
	if (cfg->sleep_ms_min > cfg->sleep_ms_max)
		return fail(err, err_len, file, 0, "%s > %s",
			    "sleep_millisecs_min", "sleep_millisecs_max");
	if (cfg->yield_low >= cfg->yield_high)
		return fail(err, err_len, file, 0, "%s must be below %s",
			    "yield_low", "yield_high");
	if (cfg->psi_low > cfg->psi_high)
		return fail(err, err_len, file, 0, "%s > %s", "psi_low", "psi_high");
	if (cfg->idle_cpu_pct > cfg->cpu_budget_pct)
		return fail(err, err_len, file, 0, "%s > %s", "idle_cpu_pct",
			    "cpu_budget_pct");
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int policyd_config_parse(const char *file, const char *text,
			 struct policyd_config *cfg, char *err, size_t err_len)
{
	const char *p = text;
	char buf[512];
	int line = 0, ret;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *s, *eq, *key, *val;

		line++;
		if (n >= sizeof(buf))
			return fail(err, err_len, file, line, "line too long");
		memcpy(buf, p, n);
		buf[n] = '\0';
		p += n + (nl ? 1 : 0);

		s = trim(buf);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			if (strcmp(s, "[policyd]"))
				return fail(err, err_len, file, line,
					    "unknown section '%s' (only [policyd])", s);
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			return fail(err, err_len, file, line,
				    "expected 'key = value', got '%s'", s);
		*eq = '\0';
		key = trim(s);
		val = trim(eq + 1);
		if (!*key)
			return fail(err, err_len, file, line, "missing key");
		ret = policyd_config_set(cfg, key, val, file, line, err, err_len);
		if (ret)
			return ret;
	}
	return policyd_config_check(cfg, file, err, err_len);
}
