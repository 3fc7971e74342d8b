// SPDX-License-Identifier: GPL-2.0
/* ksm-policyd's command line: what each option parses to, and its errors. */
#include <criterion/criterion.h>
#include <getopt.h>
#include <string.h>
#include <ksm_ext/stats.h>

#include "cli.h"
#include "ksm_sysfs.h"
#include "../../src/policyd/policyd.h"

static struct policyd_args a;
static char err[256];

static int parse(const char *const *args)
{
	char *argv[24] = { "ksm-policyd" };
	int argc = 1;

	while (*args)
		argv[argc++] = (char *)*args++;
	err[0] = '\0';
	return policyd_parse_args(argc, argv, &a, err, sizeof(err));
}

#define PARSE(...) parse((const char *const[]){ __VA_ARGS__, NULL })

Test(policyd_args, defaults)
{
	cr_assert_eq(parse((const char *const[]){ NULL }), EXIT_OK, "%s", err);
	cr_assert_str_eq(a.config, POLICYD_CONF_DEFAULT);
	cr_assert_not(a.config_given);
	cr_assert_str_eq(a.sysfs_dir, KSM_SYSFS_DIR);
	cr_assert_str_eq(a.pin_dir, KSM_EXT_STATS_DIR);
	cr_assert_eq(a.n_overrides, 0);
	cr_assert_not(a.once || a.no_bpf || a.verbose || a.help);
}

Test(policyd_args, settings_become_overrides_in_order)
{
	cr_assert_eq(PARSE("-c", "/x.conf", "-s", "cpu_budget_pct=20", "-n", "--take-over",
			   "--metrics-file", "/m", "--state-file", "/s", "--once", "--no-bpf",
			   "--sysfs-dir", "/tmp/k", "--pin-dir", "/sys/fs/bpf/p", "-v"),
		     EXIT_OK, "%s", err);
	cr_assert_str_eq(a.config, "/x.conf");
	cr_assert(a.config_given);
	cr_assert_eq(a.n_overrides, 5);
	cr_assert_str_eq(a.overrides[0], "cpu_budget_pct=20");
	cr_assert_str_eq(a.overrides[1], "dry_run=yes");
	cr_assert_str_eq(a.overrides[2], "take_over_advisor=yes");
	cr_assert_str_eq(a.overrides[3], "metrics_file=/m");
	cr_assert_str_eq(a.overrides[4], "state_file=/s");
	cr_assert(a.once && a.no_bpf && a.verbose);
	cr_assert_str_eq(a.sysfs_dir, "/tmp/k");
	cr_assert_str_eq(a.pin_dir, "/sys/fs/bpf/p");
	cr_assert_eq(PARSE("-n", "--help", "--bogus"), EXIT_OK);
	cr_assert(a.help);
}

Test(policyd_args, errors_are_one_line)
{
	cr_assert_eq(PARSE("--bogus"), EXIT_USAGE);
	cr_assert_str_eq(err, "unknown option '--bogus' (see --help)");
	cr_assert_eq(PARSE("-x"), EXIT_USAGE);
	cr_assert_str_eq(err, "unknown option '-x' (see --help)");
	cr_assert_eq(PARSE("--config"), EXIT_USAGE);
	cr_assert_str_eq(err, "option '--config' needs an argument (see --help)");
	cr_assert_eq(PARSE("extra"), EXIT_USAGE);
	cr_assert_str_eq(err, "unexpected argument 'extra' (see --help)");
	cr_assert_eq(PARSE("--pin-dir", "/tmp"), EXIT_USAGE);
	cr_assert(strstr(err, "--pin-dir must be below /sys/fs/bpf/"), "%s", err);
	cr_assert_eq(PARSE("x\n\033[2J"), EXIT_USAGE);
	cr_assert_str_eq(err, "unexpected argument 'x??[2J' (see --help)");
}

Test(policyd_args, too_many_settings)
{
	const char *args[2 * POLICYD_MAX_OVERRIDES + 3] = { "ksm-policyd" };
	int i;

	for (i = 0; i <= POLICYD_MAX_OVERRIDES; i++) {
		args[1 + 2 * i] = "-s";
		args[2 + 2 * i] = "interval_ms=1000";
	}
	err[0] = '\0';
	cr_assert_eq(policyd_parse_args(2 * POLICYD_MAX_OVERRIDES + 3, (char **)args, &a, err,
					sizeof(err)), EXIT_USAGE);
	cr_assert_str_eq(err, "more than 64 settings on the command line");
}

/* The three programs word getopt's complaints alike (cli.c). */
Test(policyd_args, getopt_wording_shared)
{
	char *argv[] = { "prog", "--frob", NULL };

	optind = 0;
	opterr = 0;
	cr_assert_eq(getopt_long(2, argv, ":a", (struct option[]){ {} }, NULL), '?');
	cr_assert_eq(cli_getopt_error('?', argv, err, sizeof(err)), EXIT_USAGE);
	cr_assert_str_eq(err, "unknown option '--frob' (see --help)");
}
