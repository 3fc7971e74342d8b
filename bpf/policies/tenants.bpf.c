// SPDX-License-Identifier: GPL-2.0
/*
 * tenants: each tenant's pages merge only with the same tenant's pages.
 *
 * A tenant is a cgroup v2 subtree: the domain of an mm is the id of its
 * owner's cgroup ancestor at level `depth` (default 1: /sys/fs/cgroup/A
 * and everything below it is one tenant).  Processes in a cgroup above
 * that level (the root cgroup, for depth 1) are the host's: domain 0.  The
 * kernel keeps one stable and one unstable tree per domain, so identical
 * pages of two tenants never share a frame, and a copy-on-write fault
 * cannot tell one tenant what another holds.  Moving a process to another
 * tenant unmerges its pages the next time ksmd reaches it.
 *
 * Isolation does not cost efficiency: tenants scans as yield does (see
 * yield.bpf.c), with the same tunables, so an operator need not choose.
 *
 * Tunables: depth (1 to 16, default 1), idle_scans, max_backoff (yield's).
 * Statistics (stats): yield's, and mms_tenant (an mm put in a tenant's
 * domain), mms_host (in domain 0), no_cgroup (owner or cgroup gone: domain
 * 0 for now, asked again next pass).
 */
#include "area_yield.bpf.h"

/* yield's tunables (yield.bpf.c), then tenants' own. */
const volatile __u32 idle_scans = 2;
const volatile __u32 max_backoff = 8;

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("merge within each cgroup subtree at level depth only; scan as yield");

const volatile __u32 depth = 1;

struct tenants_stats {
	AREA_YIELD_STATS
	__u64 mms_tenant;
	__u64 mms_host;
	__u64 no_cgroup;
};
KSM_EXT_STATS(struct tenants_stats)

/* yield's per-area state and full scan number, for scanning as it does. */
AREA_YIELD_MAP(vmas);
static __u64 cur_pass;

extern struct cgroup *bpf_cgroup_from_id(__u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

__u64 KSM_EXT_OP(tenants_merge_domain, struct mm_struct *mm)
{
	struct cgroup *cg, *anc;
	__u64 id = bpf_ksm_mm_owner_cgroup_id(mm), dom = 0;

	cg = id ? bpf_cgroup_from_id(id) : NULL;
	if (!cg) {
		STAT_ADD(no_cgroup, 1);
		return 0;
	}
	if (cg->level >= (int)depth) {
		anc = bpf_cgroup_ancestor(cg, depth);
		if (anc) {
			dom = anc->kn->id;
			bpf_cgroup_release(anc);
		}
	}
	bpf_cgroup_release(cg);
	if (dom)
		STAT_ADD(mms_tenant, 1);
	else
		STAT_ADD(mms_host, 1);
	return dom;
}

/* Which areas to compare: yield's answers (yield.bpf.c). */
int KSM_EXT_OP(tenants_scan_vma, struct mm_struct *mm, struct vm_area_struct *vma)
{
	return area_yield_scan_vma(&vmas, mm, vma, cur_pass, idle_scans, max_backoff,
				   (struct area_yield_stats *)stats_cpu());
}

void KSM_EXT_OP(tenants_page_done, struct mm_struct *mm,
		const struct ksm_ext_page *page, enum ksm_ext_outcome outcome)
{
	area_yield_page_done(&vmas, mm, page, outcome, cur_pass);
}

void KSM_EXT_OP(tenants_scan_begin, __u64 seq)
{
	cur_pass = seq;
}

s32 KSM_EXT_OP(tenants_init)
{
	if (depth < 1 || depth > 16)
		return -22;	/* -EINVAL */
	return area_yield_check_tunables(idle_scans, max_backoff);
}

SEC(".struct_ops.link")
struct ksm_ext_ops tenants = {
	.scan_vma = (void *)tenants_scan_vma,
	.page_done = (void *)tenants_page_done,
	.scan_begin = (void *)tenants_scan_begin,
	.init = (void *)tenants_init,
	.merge_domain = (void *)tenants_merge_domain,
	.name = "tenants",
};
