// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader: load, pin and inspect the ksm-ext BPF objects.
 */
#include "loader.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <ksm_ext/stats.h>

static const char usage[] =
"Usage: ksm-loader [OPTIONS] stats start|stop|show\n"
"       ksm-loader [OPTIONS] enroll PID\n"
"\n"
"  stats start   load the KSM statistics program (bpf/ksm_stats.bpf.c) on\n"
"                KSM's tracepoints and pin its links and maps under\n"
"                " KSM_EXT_STATS_DIR "; it keeps running after ksm-loader exits\n"
"  stats stop    unpin them, which detaches the programs\n"
"  stats show    print the counters, the last full scans and the\n"
"                per-process and per-cgroup rows\n"
"  enroll PID    make process PID mergeable, as if it had called\n"
"                prctl(PR_SET_MEMORY_MERGE, 1) (needs the ksm_ext kernel)\n"
"\n"
"Options:\n"
"  -j, --json         machine-readable output for 'stats show'\n"
"  -n, --scans N      full scans to show (1..64, default 8)\n"
"      --pin-dir DIR  pin directory on bpffs (default " KSM_EXT_STATS_DIR ")\n"
"  -v, --verbose      print libbpf's messages (verifier log on load errors)\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 ok, 1 failure, 2 bad usage.\n";

static bool verbose;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* Without -v our own one-line errors say what failed. */
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "ksm-loader: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'ksm-loader --help'.\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "scans", required_argument, NULL, 'n' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct loader_opts o = { .scans = 8, .pin_dir = KSM_EXT_STATS_DIR };
	const char *group, *cmd;
	char *end;
	long v;
	int c;

	/* GNU getopt permutes: options may also follow the command words. */
	while ((c = getopt_long(argc, argv, "jn:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'n':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 || v > KSM_EXT_SCAN_RING)
				return bad_usage("--scans wants a number from 1 to 64, not '%s'", optarg);
			o.scans = (int)v;
			break;
		case 'P':
			if (strncmp(optarg, "/sys/fs/bpf/", 12) || strstr(optarg, ".."))
				return bad_usage("--pin-dir must be below /sys/fs/bpf/, not '%s'", optarg);
			o.pin_dir = optarg;
			break;
		case 'v':
			o.verbose = verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'ksm-loader --help'.\n");
			return EXIT_USAGE;
		}
	}
	libbpf_set_print(print_libbpf);

	if (optind >= argc)
		return bad_usage("%s", "missing command (see --help)");
	group = argv[optind];
	if (!strcmp(group, "enroll")) {
		if (argc - optind != 2)
			return bad_usage("%s", "enroll wants one PID");
		errno = 0;
		v = strtol(argv[optind + 1], &end, 10);
		if (errno || *end || end == argv[optind + 1] || v < 1 || v > INT_MAX)
			return bad_usage("'%s' is not a PID", argv[optind + 1]);
		return cmd_enroll(&o, (int)v);
	}
	if (strcmp(group, "stats"))
		return bad_usage("unknown command '%s'", group);
	if (argc - optind != 2)
		return bad_usage("%s", argc - optind < 2 ? "missing stats command (start, stop or show)"
					: "too many arguments");
	cmd = argv[optind + 1];
	if (!strcmp(cmd, "start"))
		return cmd_stats_start(&o);
	if (!strcmp(cmd, "stop"))
		return cmd_stats_stop(&o);
	if (!strcmp(cmd, "show"))
		return cmd_stats_show(&o);
	return bad_usage("unknown stats command '%s' (start, stop or show)", cmd);
}
