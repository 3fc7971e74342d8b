/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSM_LOADER_H
#define KSM_LOADER_H

#include <stdbool.h>

#include "cli.h"	/* EXIT_OK, EXIT_FAIL, EXIT_USAGE */

/* More --set than any policy has tunables and list entries to fill. */
#define LOADER_MAX_SETS 256

struct loader_opts {
	bool verbose;
	bool json;
	int scans;		/* full scans to show */
	const char *pin_dir;	/* the stats': KSM_EXT_STATS_DIR unless overridden */
	const char *sets[LOADER_MAX_SETS];	/* policy load --set KEY=VALUE */
	int nsets;
};

enum loader_cmd {
	LOADER_HELP,
	LOADER_STATS_START, LOADER_STATS_STOP, LOADER_STATS_SHOW,
	LOADER_ENROLL,
	LOADER_POLICY_LIST, LOADER_POLICY_LOAD, LOADER_POLICY_STATUS,
	LOADER_POLICY_UNLOAD,
};

/* The command line, parsed (args.c). */
struct loader_args {
	struct loader_opts o;
	enum loader_cmd cmd;
	int pid;		/* enroll */
	const char *policy;	/* policy load */
};

/*
 * Parse ksm-loader's argv into @a, doing nothing else: EXIT_OK, or
 * EXIT_USAGE with one line in @err.  @a points into @argv.
 */
int loader_parse_args(int argc, char **argv, struct loader_args *a, char *err,
		      size_t len);

int cmd_stats_start(const struct loader_opts *o);
int cmd_stats_stop(const struct loader_opts *o);
int cmd_stats_show(const struct loader_opts *o);
int cmd_enroll(const struct loader_opts *o, int pid);
/* policy_cmd.c */
int cmd_policy_list(const struct loader_opts *o);
int cmd_policy_load(const struct loader_opts *o, const char *policy);
int cmd_policy_status(const struct loader_opts *o);
int cmd_policy_unload(const struct loader_opts *o);

/* Prints its own one-line error; 0 when fine (ksm_loader.c). */
int require_root(void);

#endif
