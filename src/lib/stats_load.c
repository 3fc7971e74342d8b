// SPDX-License-Identifier: GPL-2.0
#include "stats_load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "ksm_stats.skel.h"

static bool has_tracepoint(const struct btf *vmlinux, const char *name)
{
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
}

/* Does this kernel have what the program attaches to? */
static int probe(struct stats_prog *p, char *why, size_t why_len)
{
	struct btf *vmlinux;
	bool scan;
	int err;

	if (geteuid() != 0) {
		snprintf(why, why_len, "not root");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, why_len, "no kernel BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF)");
		return -EOPNOTSUPP;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		snprintf(why, why_len, "cannot read kernel BTF: %s", BPF_STRERROR(err));
		return err;
	}
	scan = has_tracepoint(vmlinux, "btf_trace_ksm_start_scan");
	p->has_advisor = has_tracepoint(vmlinux, "btf_trace_ksm_advisor");
	btf__free(vmlinux);
	if (!scan) {
		snprintf(why, why_len, "no KSM tracepoints (Linux >= 6.7 needed)");
		return -EOPNOTSUPP;
	}
	return 0;
}

int stats_prog_load(struct stats_prog *p, char *why, size_t why_len)
{
	struct ksm_stats *skel;
	int err;

	memset(p, 0, sizeof(*p));
	err = probe(p, why, why_len);
	if (err)
		return err;
	skel = ksm_stats__open();
	if (!skel) {
		err = -errno;
		snprintf(why, why_len, "opening the stats BPF object: %s",
			 BPF_STRERROR(err));
		return err;
	}
	if (!p->has_advisor)
		bpf_program__set_autoload(skel->progs.ksm_advisor, false);
	err = ksm_stats__load(skel);
	if (err) {
		snprintf(why, why_len, "loading the stats BPF programs: %s",
			 BPF_STRERROR(err));
		goto fail;
	}
	err = ksm_stats__attach(skel);
	if (err) {
		snprintf(why, why_len, "attaching the stats BPF programs: %s",
			 BPF_STRERROR(err));
		goto fail;
	}
	p->skel = skel;
	p->maps = (struct stats_maps){
		.counters = bpf_map__fd(skel->maps.counters),
		.scans = bpf_map__fd(skel->maps.scans),
		.procs = bpf_map__fd(skel->maps.procs),
		.cgroups = bpf_map__fd(skel->maps.cgroups),
	};
	return 0;
fail:
	ksm_stats__destroy(skel);
	return err;
}

void stats_prog_destroy(struct stats_prog *p)
{
	ksm_stats__destroy(p->skel);	/* closes the map fds too */
	p->skel = NULL;
}
