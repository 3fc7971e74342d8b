// SPDX-License-Identifier: GPL-2.0
/* ksm-loader's command line: what each form parses to, and its errors. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../src/loader/loader.h"

static int parse(struct loader_args *a, char *err, const char *const *args)
{
	char *argv[16] = { "ksm-loader" };
	int argc = 1;

	while (*args)
		argv[argc++] = (char *)*args++;
	err[0] = '\0';
	return loader_parse_args(argc, argv, a, err, 256);
}

#define PARSE(a, err, ...) parse(a, err, (const char *const[]){ __VA_ARGS__, NULL })

Test(loader_args, commands)
{
	struct loader_args a;
	char err[256];

	cr_assert_eq(PARSE(&a, err, "stats", "show", "-n", "12", "--json"), EXIT_OK, "%s", err);
	cr_assert_eq(a.cmd, LOADER_STATS_SHOW);
	cr_assert_eq(a.o.scans, 12);
	cr_assert(a.o.json);
	cr_assert_eq(PARSE(&a, err, "enroll", "4242"), EXIT_OK, "%s", err);
	cr_assert_eq(a.cmd, LOADER_ENROLL);
	cr_assert_eq(a.pid, 4242);
	cr_assert_eq(PARSE(&a, err, "policy", "load", "yield", "--set", "max_backoff=16",
			   "-s", "comm=x"), EXIT_OK, "%s", err);
	cr_assert_eq(a.cmd, LOADER_POLICY_LOAD);
	cr_assert_str_eq(a.policy, "yield");
	cr_assert_eq(a.o.nsets, 2);
	cr_assert_str_eq(a.o.sets[1], "comm=x");
	cr_assert_eq(PARSE(&a, err, "--pin-dir", "/sys/fs/bpf/t", "stats", "stop"), EXIT_OK);
	cr_assert_str_eq(a.o.pin_dir, "/sys/fs/bpf/t");
	cr_assert_eq(PARSE(&a, err, "policy", "status", "-h"), EXIT_OK);
	cr_assert_eq(a.cmd, LOADER_HELP);
}

Test(loader_args, errors_are_one_line)
{
	struct loader_args a;
	char err[256];

	cr_assert_eq(PARSE(&a, err, "stats"), EXIT_USAGE);
	cr_assert(strstr(err, "missing stats command"), "%s", err);
	cr_assert_eq(PARSE(&a, err, "stats", "go"), EXIT_USAGE);
	cr_assert(strstr(err, "unknown stats command 'go'"), "%s", err);
	cr_assert_eq(PARSE(&a, err, "enroll", "12x"), EXIT_USAGE);
	cr_assert_eq(PARSE(&a, err, "enroll", "0"), EXIT_USAGE);
	cr_assert_eq(PARSE(&a, err, "-n", "65", "stats", "show"), EXIT_USAGE);
	cr_assert(strstr(err, "1 to 64"), "%s", err);
	cr_assert_eq(PARSE(&a, err, "--set", "a=1", "policy", "status"), EXIT_USAGE);
	cr_assert(strstr(err, "--set goes with 'policy load'"), "%s", err);
	/* A policy's pins are in one place, whatever --pin-dir says. */
	cr_assert_eq(PARSE(&a, err, "--pin-dir", "/sys/fs/bpf/t", "policy", "load", "yield"),
		     EXIT_USAGE);
	cr_assert(strstr(err, "--pin-dir goes with the stats commands (a policy is always pinned at /sys/fs/bpf/ksm_ext/policy)"),
		  "%s", err);
	cr_assert_eq(PARSE(&a, err, "policy", "status", "--pin-dir", "/sys/fs/bpf/t"), EXIT_USAGE);
	cr_assert_eq(PARSE(&a, err, "--pin-dir", "/sys/fs/bpf/t", "enroll", "1"), EXIT_USAGE);
	cr_assert_eq(PARSE(&a, err, "stats", "show", "-n"), EXIT_USAGE);
	cr_assert(strstr(err, "needs an argument"), "%s", err);
	cr_assert_eq(PARSE(&a, err, "--frob", "stats", "show"), EXIT_USAGE);
	cr_assert_str_eq(err, "unknown option '--frob' (see --help)");
	/* The user's text is quoted, but never as a second line or an
	 * escape sequence. */
	cr_assert_eq(PARSE(&a, err, "policy", "x\n\033[2J"), EXIT_USAGE);
	cr_assert_str_eq(err, "unknown policy command 'x??[2J' (list, load, status or unload)");
}
