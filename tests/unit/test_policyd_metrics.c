// SPDX-License-Identifier: GPL-2.0
/* ksm-policyd's Prometheus text: names, base units, one phase set. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../src/policyd/policyd.h"

static double value(const char *text, const char *name)
{
	char key[128];
	const char *p;
	double v;

	snprintf(key, sizeof(key), "\n%s ", name);
	p = strstr(text, key);
	cr_assert(p, "no %s in:\n%s", name, text);
	cr_assert_eq(sscanf(p + strlen(key), "%lf", &v), 1);
	return v;
}

Test(policyd_metrics, base_units_and_phase)
{
	struct policyd_config cfg;
	struct policyd_state st = {
		.pages_to_scan = 2500, .sleep_ms = 10, .rate = 250000,
		.yield_ewma = 12.5, .cpu_pct = 30, .cost_ns_per_page = 1500,
		.phase = POLICYD_TRACK,
	};
	struct policyd_metrics m = {
		.cfg = &cfg, .st = &st, .ticks = 7, .changes = 3,
		.pages_scanned = 123456, .ksmd_cpu_ns = 2500000000ull, .bpf = true,
	};
	char buf[8192];
	const char *p;
	int n, lines = 0;

	policyd_config_defaults(&cfg);
	n = policyd_metrics_format(&m, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(value(buf, "ksm_policyd_sleep_seconds"), 0.01);
	cr_assert_eq(value(buf, "ksm_policyd_yield_ratio"), 0.0125);
	cr_assert_eq(value(buf, "ksm_policyd_ksmd_cpu_ratio"), 0.3);
	cr_assert_eq(value(buf, "ksm_policyd_cpu_budget_ratio"), cfg.cpu_budget_pct / 100);
	cr_assert_eq(value(buf, "ksm_policyd_cost_seconds_per_page"), 1.5e-6);
	cr_assert_eq(value(buf, "ksm_policyd_ksmd_cpu_seconds_total"), 2.5);
	cr_assert_eq(value(buf, "ksm_policyd_phase{phase=\"track\"}"), 1);
	cr_assert_eq(value(buf, "ksm_policyd_phase{phase=\"boost\"}"), 0);
	cr_assert_eq(value(buf, "ksm_policyd_changes_total"), 3);
	/* Every sample line is a ksm_policyd_* metric with HELP and TYPE. */
	for (p = buf; *p; p = strchr(p, '\n') + 1) {
		if (*p != '#') {
			cr_assert_eq(strncmp(p, "ksm_policyd_", 12), 0, "%.40s", p);
			lines++;
		}
	}
	cr_assert_gt(lines, 15);
	cr_assert_eq(policyd_metrics_format(&m, buf, 100), -ENOSPC);
}
