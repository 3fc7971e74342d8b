// SPDX-License-Identifier: GPL-2.0
/*
 * scope: merge only the processes an operator names.
 *
 * How it decides.  A process is in scope if its cgroup (v2), or any
 * ancestor of it, is a key of the map "cgroup", or its command name (the
 * thread-group leader's comm) is a key of the map "comm".  ksmd skips every
 * mm whose owner is out of scope (scan_mm), so their pages never reach the
 * merge logic; pages they already had merged stay merged.  With both maps
 * empty nothing is in scope.
 *
 * Enrolment.  While the policy is attached, the sleepable LSM program on bprm_committed_creds makes every
 * process that execs in scope mergeable (bpf_ksm_enroll_current(), as
 * prctl(PR_SET_MEMORY_MERGE) would), so "merge everything in cgroup X"
 * needs no madvise and no change to the application.  Processes already
 * running are enrolled with `ksm-loader enroll PID`.  `ksm-loader policy
 * load scope` attaches the LSM program with the policy (it needs "bpf" in
 * the kernel's active LSMs, /sys/kernel/security/lsm); `bpftool struct_ops
 * register` attaches only the policy (no enrolment at exec).  A process
 * enrolled stays mergeable after the policy is detached, as after prctl.
 * Command names are chosen by the process itself: for isolation between
 * tenants, scope by cgroup.
 *
 * Lists (set before attach with ksm-loader, or later with bpftool map
 * update): cgroup (u64 cgroup id; ksm-loader takes a path), comm (char[16]).
 * Tunables: enroll_at_exec (1: enrol processes that exec in scope; 0: only
 * decide what is scanned).
 * Statistics (stats): mms_scanned, mms_skipped (per mm and full scan),
 * enrolled, enroll_failed (at exec).
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("scan only processes in the listed cgroups or with the listed command names; enrol them at exec");

const volatile __u8 enroll_at_exec = 1;

struct scope_stats {
	__u64 mms_scanned;
	__u64 mms_skipped;
	__u64 enrolled;
	__u64 enroll_failed;
};
KSM_EXT_STATS(struct scope_stats)

/* Set while the policy is attached: enrol only then. */
static bool attached;

#define COMM_LEN 16
/* cgroup levels looked at above a process's own cgroup (deeper: missed) */
#define MAX_DEPTH 16

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, char[COMM_LEN]);
	__type(value, __u8);
} comm SEC(".maps");

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;
extern int bpf_ksm_enroll_current(void) __ksym;

/* Is cgroup @cgid, or one of its ancestors, listed? */
static bool cgroup_in_scope(__u64 cgid)
{
	struct cgroup *cg, *anc;
	bool hit = false;
	__u64 id;
	int i, lvl;

	if (!cgid)
		return false;
	if (bpf_map_lookup_elem(&cgroup, &cgid))
		return true;
	cg = bpf_cgroup_from_id(cgid);
	if (!cg)
		return false;
	lvl = cg->level;
	for (i = 1; i <= MAX_DEPTH && !hit; i++) {
		if (lvl - i < 0)
			break;
		anc = bpf_cgroup_ancestor(cg, lvl - i);
		if (!anc)
			break;
		id = anc->kn->id;
		bpf_cgroup_release(anc);
		hit = bpf_map_lookup_elem(&cgroup, &id);
	}
	bpf_cgroup_release(cg);
	return hit;
}

int KSM_EXT_OP(scope_scan_mm, struct mm_struct *mm)
{
	char name[COMM_LEN] = {};
	struct task_struct *task;
	bool in = cgroup_in_scope(bpf_ksm_mm_owner_cgroup_id(mm));

	if (!in) {
		task = bpf_task_from_pid(bpf_ksm_mm_owner_tgid(mm));
		if (task) {
			bpf_probe_read_kernel(name, sizeof(name), task->comm);
			bpf_task_release(task);
			in = bpf_map_lookup_elem(&comm, name);
		}
	}
	if (in) {
		STAT_ADD(mms_scanned, 1);
		return KSM_EXT_SCAN;
	}
	STAT_ADD(mms_skipped, 1);
	return KSM_EXT_SKIP;
}

SEC("lsm.s/bprm_committed_creds")
int BPF_PROG(scope_enroll, struct linux_binprm *bprm)
{
	char name[COMM_LEN] = {};

	/* The LSM link can outlive the policy (echo none > ext_policy). */
	if (!enroll_at_exec || !attached)
		return 0;
	/* comm is the new program's name by now (begin_new_exec). */
	bpf_get_current_comm(name, sizeof(name));
	if (!cgroup_in_scope(bpf_get_current_cgroup_id()) &&
	    !bpf_map_lookup_elem(&comm, name))
		return 0;
	if (bpf_ksm_enroll_current())
		STAT_ADD_ATOMIC(enroll_failed, 1);
	else
		STAT_ADD_ATOMIC(enrolled, 1);
	return 0;
}

s32 KSM_EXT_OP(scope_init)
{
	attached = true;
	return 0;
}

void KSM_EXT_OP(scope_exit, const struct ksm_ext_exit_info *ei)
{
	attached = false;
}

SEC(".struct_ops.link")
struct ksm_ext_ops scope = {
	.scan_mm = (void *)scope_scan_mm,
	.init = (void *)scope_init,
	.exit = (void *)scope_exit,
	.name = "scope",
};
