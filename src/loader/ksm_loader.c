// SPDX-License-Identifier: GPL-2.0
/*
 * ksm-loader: load, pin and inspect the ksm-ext BPF objects.
 */
#include "loader.h"

#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <ksm_ext/stats.h>

#include "policy.h"

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
"                its lists under " KSM_EXT_POLICY_PIN_DIR "; it stays attached\n"
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
"      --pin-dir DIR  the stats' pin directory on bpffs (default\n"
"                     " KSM_EXT_STATS_DIR "); a policy is always pinned at\n"
"                     " KSM_EXT_POLICY_PIN_DIR ", where the other tools find it\n"
"  -v, --verbose      print libbpf's messages (verifier log on load errors)\n"
"  -h, --help         this text\n"
"\n"
"Exit status: 0 ok, 1 failure, 2 bad usage.\n";

int require_root(void)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr, "ksm-loader: must run as root (loading and pinning BPF programs needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)\n");
	return -1;
}

int main(int argc, char **argv)
{
	struct loader_args a;
	char err[PATH_MAX + 64];
	int ret;

	ret = loader_parse_args(argc, argv, &a, err, sizeof(err));
	if (ret != EXIT_OK) {
		fprintf(stderr, "ksm-loader: %s\n", err);
		return ret;
	}
	cli_libbpf_print(a.o.verbose);
	switch (a.cmd) {
	case LOADER_HELP:
		fputs(usage, stdout);
		return EXIT_OK;
	case LOADER_STATS_START:
		return cmd_stats_start(&a.o);
	case LOADER_STATS_STOP:
		return cmd_stats_stop(&a.o);
	case LOADER_STATS_SHOW:
		return cmd_stats_show(&a.o);
	case LOADER_ENROLL:
		return cmd_enroll(&a.o, a.pid);
	case LOADER_POLICY_LIST:
		return cmd_policy_list(&a.o);
	case LOADER_POLICY_LOAD:
		return cmd_policy_load(&a.o, a.policy);
	case LOADER_POLICY_STATUS:
		return cmd_policy_status(&a.o);
	case LOADER_POLICY_UNLOAD:
		return cmd_policy_unload(&a.o);
	}
	return EXIT_FAIL;
}
