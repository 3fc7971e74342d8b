// SPDX-License-Identifier: GPL-2.0
/* ksm-policyd's INI parser: good files, and one error line for bad ones. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../src/policyd/policyd.h"

static int parse(const char *text, struct policyd_config *cfg, char *err)
{
	policyd_config_defaults(cfg);
	return policyd_config_parse("t.conf", text, cfg, err, 256);
}

Test(policyd_config, defaults_are_consistent)
{
	struct policyd_config cfg;
	char err[256];

	policyd_config_defaults(&cfg);
	cr_assert_eq(policyd_config_check(&cfg, "defaults", err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_str_eq(cfg.state_file, POLICYD_STATE_DEFAULT);
	cr_assert_str_empty(cfg.metrics_file);
}

Test(policyd_config, full_file)
{
	static const char text[] =
		"# ksm-policyd\n"
		"[policyd]\n"
		"cpu_budget_pct = 25.5\n"
		"  idle_cpu_pct=0.5  \n"
		"; another comment\n"
		"pages_to_scan_min = 32\n"
		"pages_to_scan_max = 8000\n"
		"sleep_millisecs_min = 5\n"
		"sleep_millisecs_max = 500\n"
		"ewma_weight = 0.4\n"
		"yield_low = 0.5\n"
		"yield_high = 4\n"
		"psi_high = 20\n"
		"psi_low = 10\n"
		"mem_low_mib = 1024\n"
		"cooldown_ms = 2000\n"
		"interval_ms = 500\n"
		"dry_run = yes\n"
		"take_over_advisor = true\n"
		"metrics_file = /var/lib/node_exporter/ksm_policyd.prom\n"
		"state_file = /run/ksm-policyd/state\n";
	struct policyd_config cfg;
	char err[256];

	cr_assert_eq(parse(text, &cfg, err), 0, "%s", err);
	cr_assert_float_eq(cfg.cpu_budget_pct, 25.5, 1e-9);
	cr_assert_float_eq(cfg.idle_cpu_pct, 0.5, 1e-9);
	cr_assert_eq(cfg.pages_min, 32);
	cr_assert_eq(cfg.pages_max, 8000);
	cr_assert_eq(cfg.sleep_ms_min, 5);
	cr_assert_eq(cfg.sleep_ms_max, 500);
	cr_assert_float_eq(cfg.ewma_weight, 0.4, 1e-9);
	cr_assert_eq(cfg.mem_low_mib, 1024);
	cr_assert_eq(cfg.cooldown_ms, 2000);
	cr_assert_eq(cfg.interval_ms, 500);
	cr_assert(cfg.dry_run);
	cr_assert(cfg.take_over_advisor);
	cr_assert_str_eq(cfg.metrics_file, "/var/lib/node_exporter/ksm_policyd.prom");
	cr_assert_str_eq(cfg.state_file, "/run/ksm-policyd/state");
}

Test(policyd_config, empty_file_and_no_trailing_newline)
{
	struct policyd_config cfg;
	char err[256];

	cr_assert_eq(parse("", &cfg, err), 0);
	cr_assert_eq(parse("cooldown_ms = 7", &cfg, err), 0, "%s", err);
	cr_assert_eq(cfg.cooldown_ms, 7);
}

struct bad {
	const char *text;
	const char *err;
};

Test(policyd_config, malformed_files)
{
	static const struct bad cases[] = {
		{ "\n\nfrobnicate = 1\n", "t.conf:3: unknown key 'frobnicate'" },
		{ "cpu_budget_pct = lots\n",
		  "t.conf:1: cpu_budget_pct: 'lots' is not a number" },
		{ "cpu_budget_pct = 20%\n",
		  "t.conf:1: cpu_budget_pct: '20%' is not a number" },
		{ "cpu_budget_pct = 150\n",
		  "t.conf:1: cpu_budget_pct: out of range (0.1..95)" },
		{ "pages_to_scan_max = -5\n",
		  "t.conf:1: pages_to_scan_max: '-5' is not a non-negative integer" },
		{ "pages_to_scan_max = 12x\n",
		  "t.conf:1: pages_to_scan_max: '12x' is not a non-negative integer" },
		{ "interval_ms = 1\n",
		  "t.conf:1: interval_ms: out of range (10..3600000)" },
		{ "# ok\ndry_run = maybe\n",
		  "t.conf:2: dry_run: 'maybe' is not a boolean (yes/no)" },
		{ "metrics_file = relative.prom\n",
		  "t.conf:1: metrics_file: 'relative.prom' is not an absolute path" },
		{ "just some words\n",
		  "t.conf:1: expected 'key = value', got 'just some words'" },
		{ "= 5\n", "t.conf:1: missing key" },
		{ "yield_low =\n", "t.conf:1: yield_low: missing value" },
		{ "[ksmtuned]\n",
		  "t.conf:1: unknown section '[ksmtuned]' (only [policyd])" },
		{ "yield_low = 9\nyield_high = 3\n",
		  "t.conf: yield_low must be below yield_high" },
		{ "pages_to_scan_min = 900\npages_to_scan_max = 100\n",
		  "t.conf: pages_to_scan_min > pages_to_scan_max" },
		{ "manage_run = perhaps\n",
		  "t.conf:1: manage_run: 'perhaps' is not a boolean (yes/no)" },
	};
	struct policyd_config cfg;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";

		cr_assert_eq(parse(cases[i].text, &cfg, err), -EINVAL,
			     "case %zu accepted", i);
		cr_assert_str_eq(err, cases[i].err, "case %zu", i);
		cr_assert_null(strchr(err, '\n'), "one line");
	}
}

Test(policyd_config, cli_overrides_file)
{
	struct policyd_config cfg;
	char err[256];

	cr_assert_eq(parse("cpu_budget_pct = 10\ndry_run = no\n", &cfg, err), 0);
	cr_assert_eq(policyd_config_set(&cfg, "dry_run", "1", "option", 0,
					err, sizeof(err)), 0);
	cr_assert_eq(policyd_config_set(&cfg, "cpu_budget_pct", "30", "option",
					0, err, sizeof(err)), 0);
	cr_assert(cfg.dry_run);
	cr_assert_float_eq(cfg.cpu_budget_pct, 30, 1e-9);
	cr_assert_eq(policyd_config_set(&cfg, "nope", "1", "option", 0,
					err, sizeof(err)), -EINVAL);
	cr_assert_str_eq(err, "option: unknown key 'nope'");
}

Test(policyd_config, overlong_line)
{
	char text[1200];
	struct policyd_config cfg;
	char err[256];

	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	cr_assert_eq(parse(text, &cfg, err), -EINVAL);
	cr_assert_str_eq(err, "t.conf:1: line too long");
}

/* The shipped file documents the defaults: it must parse to exactly them. */
Test(policyd_config, shipped_file_is_the_defaults)
{
	struct policyd_config def, cfg;
	static char text[16384];
	char err[256] = "";
	FILE *f = fopen("etc/ksm-policyd.conf", "r");
	size_t n;

	cr_assert_not_null(f, "run from the repository root");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	policyd_config_defaults(&def);
	policyd_config_defaults(&cfg);
	cr_assert_eq(policyd_config_parse("etc/ksm-policyd.conf", text, &cfg, err,
					  sizeof(err)), 0, "%s", err);
	cr_assert_eq(memcmp(&def, &cfg, sizeof(cfg)), 0,
		     "etc/ksm-policyd.conf differs from policyd_config_defaults()");
}
