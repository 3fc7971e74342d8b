// SPDX-License-Identifier: GPL-2.0
/* ksm-top: the command line.  Pure: argv in, options or one error line out. */
#include "top.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char top_usage[] =
"Usage: ksm-top [OPTION]...\n"
"Live dashboard of Linux KSM (kernel samepage merging): what ksmd is told\n"
"to do, what it saves, what it costs, and which processes, cgroups and merge\n"
"domains save memory.  Reads /sys/kernel/mm/ksm, /proc and, when\n"
"`ksm-loader stats start` pinned them, the ksm-ext BPF stats maps.\n"
"\n"
"Options:\n"
"  -d, --delay SECS     refresh interval, 0.1 to 3600 (default 1)\n"
"  -n, --iterations N   stop after N refreshes (default: until q or a signal)\n"
"  -b, --batch          print plain-text frames to stdout instead of drawing\n"
"                       the screen; the first frame comes after one interval,\n"
"                       so every rate in it is measured\n"
"      --json           batch mode printing one JSON object per frame, one per\n"
"                       line, with every figure the screen shows (raw units;\n"
"                       null when unknown, \"missing\" says why)\n"
"  -s, --sort COLUMN    sort by pid, comm, procs, rmap, merging (default),\n"
"                       zero, profit, mergeable, merges, domain or cgroup;\n"
"                       the domain view also by shared, sharing or saved (its\n"
"                       default)\n"
"  -r, --reverse        reverse the sort order\n"
"  -f, --filter TEXT    only processes whose command or cgroup path contains\n"
"                       TEXT (case-insensitive)\n"
"  -c, --cgroups        start in the per-cgroup view\n"
"  -D, --domains        start in the merge-domain view; with -b, print the\n"
"                       domain table instead of the process table\n"
"  -a, --all            list every process, also those KSM has no pages of\n"
"      --pin-dir DIR    the BPF stats maps, below /sys/fs/bpf/ (default\n"
"                       " KSM_EXT_STATS_DIR ")\n"
"  -m, --mono           no colour (also when NO_COLOR is set)\n"
"  -h, --help           show this help and exit\n"
"\n"
"Header:\n"
"  KSM            run state: running, stopped, unmerging, offline\n"
"  policy         the ksm_ext scan policy (ext_policy; n/a on stock kernels)\n"
"  pages_to_scan, sleep   ksmd's batch size and pause between batches\n"
"  advisor        the scan-time advisor, when one is set (it tunes\n"
"                 pages_to_scan itself)\n"
"  scan           pages scanned per second (pages_scanned deltas; the BPF\n"
"                 scan history on kernels without pages_scanned)\n"
"  full scan      time one pass over all mergeable memory takes (the BPF\n"
"                 scan history, else full_scans deltas; \">\": no pass ended\n"
"                 for that long, over twice the usual period)\n"
"  saved          (pages_sharing + ksm_zero_pages) * page size\n"
"  profit         general_profit: saved memory minus KSM's own metadata\n"
"  skipped        pages, areas (vmas) and processes (mms) per second that\n"
"                 the ksm_ext policy had ksmd skip (ext_*_skipped; n/a on\n"
"                 stock kernels)\n"
"  ksmd cpu       ksmd's CPU time per second, % of one CPU\n"
"  merges         pages merged per second (BPF stats only)\n"
"  cow breaks     copy-on-write breaks of KSM pages per second (cow_ksm)\n"
"  psi some avg10 memory pressure: % of the last 10 s some task stalled\n"
"  attached by    with a policy attached: ksm-loader (then its tunables,\n"
"                 list sizes and statistics, as ksm-loader policy status)\n"
"                 or another program\n"
"  n/a: ...       what this system cannot show, and why\n"
"  Sparklines: saved bytes, scan rate and ksmd cpu over the last refreshes.\n"
"  \"-\" marks a rate that needs one more refresh.\n"
"\n"
"Table (from /proc/PID/ksm_stat; a process is listed once KSM knows it):\n"
"  PID COMM       the process\n"
"  PROCS          processes in the cgroup (cgroup view)\n"
"  RMAP           ksm_rmap_items: pages KSM tracks (scanned at least once)\n"
"  MERGING        ksm_merging_pages: pages backed by a KSM page\n"
"  ZERO           ksm_zero_pages: pages merged with the zero page\n"
"  PROFIT         ksm_process_profit in bytes (K, M, G: binary units)\n"
"  MRG            yes: has a madvise(MADV_MERGEABLE) area; any:\n"
"                 prctl(PR_SET_MEMORY_MERGE); no: neither\n"
"  MERGE/s        pages merged per second (BPF stats; - without them)\n"
"  DOMAIN         merge domain (ksm_merge_domain, ksm_ext kernels): pages\n"
"                 merge only within one; none: in no domain, nothing merges;\n"
"                 - unknown; cgroup view: its processes' domain, or mixed\n"
"  CGROUP         cgroup v2 path (the cgroup view adds its processes up)\n"
"\n"
"Domain view (D, -D; from /sys/kernel/mm/ksm/ext_domains, not filtered):\n"
"  DOMAIN         the domain id (the tenants policy: the cgroup id of the\n"
"                 top-level cgroup), none for the processes in no domain\n"
"  PROCS          processes ksmd knows in the domain (mms)\n"
"  SHARED SHARING pages_shared, pages_sharing within the domain\n"
"  SAVED          pages_sharing * page size\n"
"  CGROUP         the top-level cgroup every listed process of the domain\n"
"                 is in, - when they differ or none is listed\n"
"\n"
"Keys:\n"
"  q              quit\n"
"  h, ?           help screen (any key returns)\n"
"  < >, Left Right  sort by the previous / next column\n"
"  1..9           sort by the Nth column\n"
"  r              reverse the sort order\n"
"  /              filter: type text, Enter applies, Esc cancels, empty clears\n"
"  c              per-process / per-cgroup view\n"
"  D              per-process / merge-domain view\n"
"  p, Space       pause / resume sampling\n"
"  + -            refresh interval up / down (0.1 s to 1 h)\n"
"  d              type a refresh interval in seconds\n"
"  Up Down PgUp PgDn Home End   scroll the table\n"
"  Ctrl-L         redraw\n"
"\n"
"Without root only your own processes are listed and the BPF stats cannot\n"
"be read; without the BPF stats merges/s is n/a; a kernel without some file\n"
"shows n/a for what needs it.  ksm-top says which on the n/a line.\n"
"\n"
"Environment: NO_COLOR disables colour; COLUMNS sets the width of batch\n"
"text frames (default 100); KSM_TOP_SYSFS_DIR reads the KSM sysfs files from\n"
"another directory (for tests).\n"
"\n"
"Exit status: 0 ok (also after q, SIGINT, SIGTERM or SIGHUP; the terminal is\n"
"restored in every case), 1 runtime failure (not a terminal, unknown\n"
"terminal type, out of memory, output not writable), 2 bad usage.\n"
"The manual page ksm-top(1) says the same at more length.\n";

static int bad(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	cli_one_line(err);
	return EXIT_USAGE;
}

int top_parse_delay(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) ||
	    v < TOP_DELAY_MIN_S || v > TOP_DELAY_MAX_S)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_count(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 100000000)
		return -EINVAL;
	*out = v;
	return 0;
}

enum { OPT_JSON = 256, OPT_PIN_DIR };

int top_parse_args(int argc, char **argv, struct top_opts *o, char *err,
		   size_t errlen)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "batch", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "filter", required_argument, NULL, 'f' },
		{ "cgroups", no_argument, NULL, 'c' },
		{ "domains", no_argument, NULL, 'D' },
		{ "all", no_argument, NULL, 'a' },
		{ "pin-dir", required_argument, NULL, OPT_PIN_DIR },
		{ "mono", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	*o = (struct top_opts){ .delay_s = 1.0, .sort = TOP_COL_MERGING,
				.pin_dir = KSM_EXT_STATS_DIR };
	opterr = 0;
	optind = 0;	/* glibc: a full reset, so tests may call us again */
	while ((c = getopt_long(argc, argv, ":d:n:bs:rf:cDamh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (top_parse_delay(optarg, &o->delay_s))
				return bad(err, errlen, "invalid delay '%s' (seconds, %g to %g)",
					   optarg, TOP_DELAY_MIN_S, TOP_DELAY_MAX_S);
			break;
		case 'n':
			if (parse_count(optarg, &o->iterations))
				return bad(err, errlen, "invalid iterations '%s' (1 or more)", optarg);
			break;
		case 'b':
			o->batch = true;
			break;
		case OPT_JSON:
			o->batch = o->json = true;
			break;
		case 's':
			if (top_col_parse(optarg, &o->sort))
				return bad(err, errlen, "unknown sort column '%s' (see --help)", optarg);
			break;
		case 'r':
			o->reverse = true;
			break;
		case 'f':
			if (strlen(optarg) >= sizeof(o->filter))
				return bad(err, errlen, "filter too long (at most %zu characters)",
					   sizeof(o->filter) - 1);
			memcpy(o->filter, optarg, strlen(optarg) + 1);
			break;
		case 'c':
			o->cgroups = true;
			break;
		case 'D':
			o->domains = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'm':
			o->mono = true;
			break;
		case OPT_PIN_DIR:
			if (cli_check_pin_dir(optarg, err, errlen))
				return EXIT_USAGE;
			o->pin_dir = optarg;
			break;
		case 'h':
			o->help = true;
			return EXIT_OK;
		default:
			return cli_getopt_error(c, argv, err, errlen);
		}
	}
	if (optind < argc)
		return bad(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
	return EXIT_OK;
}
