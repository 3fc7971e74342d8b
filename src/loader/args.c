// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader's command line, parsed without doing anything (pure but for
 * getopt's globals), so that main() only dispatches and the fuzzer can
 * drive the grammar.
 */
#include "loader.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ksm_ext/stats.h>

#include "policy.h"

static int bad(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	cli_one_line(err);
	return EXIT_USAGE;
}

static int parse_policy(int argc, char **argv, struct loader_args *a,
			char *err, size_t len)
{
	const char *cmd = argc ? argv[0] : "";

	if (!argc)
		return bad(err, len, "missing policy command (list, load, status or unload)");
	if (!strcmp(cmd, "load")) {
		if (argc != 2)
			return bad(err, len, "%s", argc < 2 ?
				   "policy load wants a policy NAME or FILE.bpf.o" :
				   "too many arguments");
		a->cmd = LOADER_POLICY_LOAD;
		a->policy = argv[1];
		return EXIT_OK;
	}
	if (!strcmp(cmd, "list"))
		a->cmd = LOADER_POLICY_LIST;
	else if (!strcmp(cmd, "status"))
		a->cmd = LOADER_POLICY_STATUS;
	else if (!strcmp(cmd, "unload"))
		a->cmd = LOADER_POLICY_UNLOAD;
	else
		return bad(err, len, "unknown policy command '%s' (list, load, status or unload)",
			   cmd);
	if (argc != 1)
		return bad(err, len, "too many arguments");
	return EXIT_OK;
}

static int parse_stats(int argc, char **argv, struct loader_args *a,
		       char *err, size_t len)
{
	if (argc != 1)
		return bad(err, len, "%s", argc < 1 ?
			   "missing stats command (start, stop or show)" :
			   "too many arguments");
	if (!strcmp(argv[0], "start"))
		a->cmd = LOADER_STATS_START;
	else if (!strcmp(argv[0], "stop"))
		a->cmd = LOADER_STATS_STOP;
	else if (!strcmp(argv[0], "show"))
		a->cmd = LOADER_STATS_SHOW;
	else
		return bad(err, len, "unknown stats command '%s' (start, stop or show)",
			   argv[0]);
	return EXIT_OK;
}

int loader_parse_args(int argc, char **argv, struct loader_args *a, char *err,
		      size_t len)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "scans", required_argument, NULL, 'n' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct loader_opts *o = &a->o;
	bool pin_dir_given = false;
	const char *group;
	char *end;
	long v;
	int c;

	*a = (struct loader_args){ .o = { .scans = 8, .pin_dir = KSM_EXT_STATS_DIR } };
	opterr = 0;
	optind = 0;	/* glibc: a full reset, so the fuzzer may call us again */
	/* GNU getopt permutes: options may also follow the command words. */
	while ((c = getopt_long(argc, argv, ":jn:vhs:", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > KSM_EXT_SCAN_RING)
				return bad(err, len, "--scans wants a number from 1 to %d, not '%s'",
					   KSM_EXT_SCAN_RING, optarg);
			o->scans = (int)v;
			break;
		case 'P':
			if (cli_check_pin_dir(optarg, err, len))
				return EXIT_USAGE;
			o->pin_dir = optarg;
			pin_dir_given = true;
			break;
		case 's':
			if (o->nsets == LOADER_MAX_SETS)
				return bad(err, len, "more than %d --set", LOADER_MAX_SETS);
			o->sets[o->nsets++] = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			a->cmd = LOADER_HELP;
			return EXIT_OK;
		default:
			return cli_getopt_error(c, argv, err, len);
		}
	}

	if (optind >= argc)
		return bad(err, len, "missing command (see --help)");
	group = argv[optind];
	if (o->nsets && (strcmp(group, "policy") || argc - optind < 2 ||
			 strcmp(argv[optind + 1], "load")))
		return bad(err, len, "--set goes with 'policy load'");
	/* One place for a policy's pins, so that status, unload, ksm-top and
	 * ksm-policyd find it without being told. */
	if (pin_dir_given && strcmp(group, "stats"))
		return bad(err, len, "--pin-dir goes with the stats commands (a policy is always pinned at %s)",
			   KSM_EXT_POLICY_PIN_DIR);
	if (!strcmp(group, "policy"))
		return parse_policy(argc - optind - 1, argv + optind + 1, a, err, len);
	if (!strcmp(group, "stats"))
		return parse_stats(argc - optind - 1, argv + optind + 1, a, err, len);
	if (strcmp(group, "enroll"))
		return bad(err, len, "unknown command '%s'", group);
	if (argc - optind != 2)
		return bad(err, len, "enroll wants one PID");
	errno = 0;
	v = strtol(argv[optind + 1], &end, 10);
	if (errno || *end || end == argv[optind + 1] || v < 1 || v > INT_MAX)
		return bad(err, len, "'%s' is not a PID", argv[optind + 1]);
	a->cmd = LOADER_ENROLL;
	a->pid = (int)v;
	return EXIT_OK;
}
