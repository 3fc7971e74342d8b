/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Running the KSM statistics program (bpf/ksm_stats.bpf.c): check that the
 * kernel can (root, BTF, KSM tracepoints), then open, load and attach it.
 * ksm-loader pins what this returns; ksm-policyd keeps it while it runs.
 */
#ifndef KSM_EXT_STATS_LOAD_H
#define KSM_EXT_STATS_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "stats_read.h"

struct ksm_stats;

struct stats_prog {
	struct ksm_stats *skel;		/* destroying it detaches the links */
	struct stats_maps maps;		/* the skeleton's own fds */
	bool has_advisor;		/* the ksm_advisor tracepoint exists */
};

/*
 * 0, or -errno and a one-line reason in @why: -EPERM not root, -EOPNOTSUPP
 * a kernel without BTF or KSM tracepoints, anything else a failure to
 * open, load or attach.  On error @p holds nothing to destroy.
 */
int stats_prog_load(struct stats_prog *p, char *why, size_t why_len);
void stats_prog_destroy(struct stats_prog *p);

#endif /* KSM_EXT_STATS_LOAD_H */
