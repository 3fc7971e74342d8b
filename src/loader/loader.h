/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSM_LOADER_H
#define KSM_LOADER_H

#include <stdbool.h>

#include "cli.h"	/* EXIT_OK, EXIT_FAIL, EXIT_USAGE */

struct loader_opts {
	bool verbose;
	bool json;
	int scans;		/* full scans to show */
	const char *pin_dir;	/* KSM_EXT_STATS_DIR unless overridden */
	const char **sets;	/* policy load --set KEY=VALUE */
	int nsets;
};

int cmd_stats_start(const struct loader_opts *o);
int cmd_stats_stop(const struct loader_opts *o);
int cmd_stats_show(const struct loader_opts *o);
int cmd_enroll(const struct loader_opts *o, int pid);
/* policy_cmd.c */
int cmd_policy_list(const struct loader_opts *o);
int cmd_policy_load(const struct loader_opts *o, const char *policy);
int cmd_policy_status(const struct loader_opts *o);
int cmd_policy_unload(const struct loader_opts *o);

/* pin.c: bpffs and pin directory handling. */
int ensure_bpffs(const char *dir);
int remove_pin_dir(const char *dir);
bool path_exists(const char *path);

/* Prints its own one-line error; 0 when fine. */
int require_root(void);

#endif
