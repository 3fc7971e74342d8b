// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-policyd's command line, parsed without doing anything (pure but for
 * getopt's globals), so that main() only acts on it and the fuzzer can
 * drive it.  Options that are settings (-s, -n, --take-over,
 * --metrics-file, --state-file) become KEY=VALUE overrides, applied over
 * the configuration file in order.
 */
#include "policyd.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <ksm_ext/stats.h>

#include "cli.h"
#include "ksm_sysfs.h"

static int add_override(struct policyd_args *a, const char *kv, char *err, size_t len)
{
	if (a->n_overrides == POLICYD_MAX_OVERRIDES) {
		snprintf(err, len, "more than %d settings on the command line",
			 POLICYD_MAX_OVERRIDES);
		return EXIT_USAGE;
	}
	a->overrides[a->n_overrides++] = kv;
	return EXIT_OK;
}

int policyd_parse_args(int argc, char **argv, struct policyd_args *a, char *err,
		       size_t len)
{
	enum { O_ONCE = 256, O_TAKE_OVER, O_METRICS, O_STATE, O_PIN, O_NO_BPF,
	       O_SYSFS };
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "set", required_argument, NULL, 's' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "once", no_argument, NULL, O_ONCE },
		{ "take-over", no_argument, NULL, O_TAKE_OVER },
		{ "metrics-file", required_argument, NULL, O_METRICS },
		{ "state-file", required_argument, NULL, O_STATE },
		{ "pin-dir", required_argument, NULL, O_PIN },
		{ "no-bpf", no_argument, NULL, O_NO_BPF },
		{ "sysfs-dir", required_argument, NULL, O_SYSFS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *add;
	int c;

	memset(a, 0, sizeof(*a));
	a->config = POLICYD_CONF_DEFAULT;
	a->sysfs_dir = KSM_SYSFS_DIR;
	a->pin_dir = KSM_EXT_STATS_DIR;
	opterr = 0;
	optind = 0;	/* glibc: a full reset, so the fuzzer may call us again */
	while ((c = getopt_long(argc, argv, ":c:s:nvh", lo, NULL)) != -1) {
		add = NULL;
		switch (c) {
		case 'c':
			a->config = optarg;
			a->config_given = true;
			break;
		case 's':
			add = optarg;
			break;
		case 'n':
			add = "dry_run=yes";
			break;
		case O_ONCE:
			a->once = true;
			break;
		case O_TAKE_OVER:
			add = "take_over_advisor=yes";
			break;
		case O_METRICS:
			snprintf(a->metrics_kv, sizeof(a->metrics_kv), "metrics_file=%s", optarg);
			add = a->metrics_kv;
			break;
		case O_STATE:
			snprintf(a->state_kv, sizeof(a->state_kv), "state_file=%s", optarg);
			add = a->state_kv;
			break;
		case O_PIN:
			if (cli_check_pin_dir(optarg, err, len))
				return EXIT_USAGE;
			a->pin_dir = optarg;
			break;
		case O_NO_BPF:
			a->no_bpf = true;
			break;
		case O_SYSFS:
			a->sysfs_dir = optarg;
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'h':
			a->help = true;
			return EXIT_OK;
		default:
			return cli_getopt_error(c, argv, err, len);
		}
		if (add && add_override(a, add, err, len))
			return EXIT_USAGE;
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s' (see --help)", argv[optind]);
		cli_one_line(err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
