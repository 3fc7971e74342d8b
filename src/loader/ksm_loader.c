// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader: load, pin and inspect the ksm-ext BPF objects.
 */
#include "loader.h"

#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ksm_ext/stats.h>

static const char usage[] =
"Usage: ksm-loader [OPTIONS] stats start|stop|show\n"
"       ksm-loader [OPTIONS] enroll PID\n"
"       ksm-loader [OPTIONS] policy list|load NAME|FILE.bpf.o [--set KEY=VALUE]...\n"
"       ksm-loader [OPTIONS] policy status|unload\n"
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
"  policy list   the built-in policies (NAME.bpf.o in the policy directory:\n"
"                $KSM_EXT_POLICY_DIR, else <exe>/../lib/ksm-ext/policies,\n"
"                <exe>/../bpf/policies, /usr/local/lib/ksm-ext/policies,\n"
"                /usr/lib/ksm-ext/policies): description, tunables with\n"
"                their defaults, lists\n"
"  policy load NAME|FILE.bpf.o [--set KEY=VALUE]...\n"
"                attach a ksm_ext scan policy and pin its link (and any other\n"
"                program's, e.g. an LSM one), its stats and .rodata maps and\n"
"                its lists under " KSM_EXT_PIN_ROOT "/policy; it stays attached\n"
"                after ksm-loader exits.  KEY is a tunable (a const volatile\n"
"                integer: decimal, 0x hex, true/false for a flag) or a list\n"
"                (a cgroup v2 path or id, or a command name; repeat to add\n"
"                several).  Fails if any policy is attached\n"
"  policy status ext_policy and the ext_*_skipped counters; for a policy\n"
"                ksm-loader loaded, also its stats (summed over CPUs),\n"
"                tunables and lists (--json: one JSON object)\n"
"  policy unload unpin it, which detaches it; exit 1 if a policy attached by\n"
"                something else remains, or if nothing was attached\n"
"\n"
"Options:\n"
"  -j, --json         machine-readable output for 'stats show', 'policy status'\n"
"  -s, --set KEY=VALUE  a tunable or list entry for 'policy load'\n"
"  -n, --scans N      full scans to show (1..64, default 8)\n"
"      --pin-dir DIR  pin directory on bpffs (default " KSM_EXT_STATS_DIR ")\n"
"  -v, --verbose      print libbpf's messages (verifier log on load errors)\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 ok, 1 failure, 2 bad usage.\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "ksm-loader: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'ksm-loader --help'.\n");
	return EXIT_USAGE;
}

static int policy_command(const struct loader_opts *o, int argc, char **argv)
{
	const char *cmd = argc ? argv[0] : "";

	if (!argc)
		return bad_usage("%s", "missing policy command (list, load, status or unload)");
	if (!strcmp(cmd, "load")) {
		if (argc != 2)
			return bad_usage("%s", argc < 2 ? "policy load wants a policy NAME or FILE.bpf.o"
						: "too many arguments");
		return cmd_policy_load(o, argv[1]);
	}
	if (strcmp(cmd, "list") && strcmp(cmd, "status") && strcmp(cmd, "unload"))
		return bad_usage("unknown policy command '%s' (list, load, status or unload)", cmd);
	if (argc != 1)
		return bad_usage("%s", "too many arguments");
	if (!strcmp(cmd, "list"))
		return cmd_policy_list(o);
	if (!strcmp(cmd, "status"))
		return cmd_policy_status(o);
	return cmd_policy_unload(o);
}

int main(int argc, char **argv)
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
	struct loader_opts o = { .scans = 8, .pin_dir = KSM_EXT_STATS_DIR };
	const char *group, *cmd;
	char *end, err[PATH_MAX + 64];
	long v;
	int c;

	/* GNU getopt permutes: options may also follow the command words. */
	o.sets = calloc(argc, sizeof(*o.sets));
	if (!o.sets)
		return EXIT_FAIL;
	while ((c = getopt_long(argc, argv, "jn:vhs:", longopts, NULL)) != -1) {
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
			if (cli_check_pin_dir(optarg, err, sizeof(err)))
				return bad_usage("%s", err);
			o.pin_dir = optarg;
			break;
		case 's':
			o.sets[o.nsets++] = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'ksm-loader --help'.\n");
			return EXIT_USAGE;
		}
	}
	cli_libbpf_print(o.verbose);

	if (optind >= argc)
		return bad_usage("%s", "missing command (see --help)");
	group = argv[optind];
	if (o.nsets && (strcmp(group, "policy") || argc - optind < 2 ||
			strcmp(argv[optind + 1], "load")))
		return bad_usage("%s", "--set goes with 'policy load'");
	if (!strcmp(group, "policy"))
		return policy_command(&o, argc - optind - 1, argv + optind + 1);
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
