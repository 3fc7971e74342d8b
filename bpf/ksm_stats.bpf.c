// SPDX-License-Identifier: GPL-2.0
/*
 * ksm_stats: what ksmd does, from KSM's tracepoints (Linux >= 6.7).
 *
 * Counts merges by kind (a new KSM page from a pair of pages, a page merged
 * into an existing KSM page, a page merged with the zero page) and their
 * failures, keeps a ring of the last KSM_EXT_SCAN_RING full scans (duration,
 * rmap_items at the end, merges, ksmd CPU time) and per-process and
 * per-cgroup rows.
 *
 * ksmd is the only task that scans and merges, so the pass-in-progress state
 * is a plain array slot; counters that other tasks also touch (enter/exit,
 * unmerges) are updated atomically.  Layouts: include/ksm_ext/stats.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <ksm_ext/stats.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksm_ext_counters);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksm_ext_scan_state);
} scan_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KSM_EXT_SCAN_RING);
	__type(key, __u32);
	__type(value, struct ksm_ext_scan);
} scans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSM_EXT_MAX_PROCS);
	__type(key, __u64);
	__type(value, struct ksm_ext_mm);
} mms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSM_EXT_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct ksm_ext_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KSM_EXT_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, struct ksm_ext_cgroup);
} cgroups SEC(".maps");

/* mm_struct::owner exists only with CONFIG_MEMCG; probed with CO-RE. */
struct mm_struct___owner {
	struct task_struct *owner;
} __attribute__((preserve_access_index));

static __always_inline void count(enum ksm_ext_counter idx)
{
	__u32 zero = 0;
	struct ksm_ext_counters *c = bpf_map_lookup_elem(&counters, &zero);

	/* The verifier needs the bound even though idx is a constant. */
	if (c && idx < KSM_EXT_NR_COUNTERS)
		__sync_fetch_and_add(&c->v[idx], 1);
}

static __always_inline struct ksm_ext_scan_state *state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scan_state, &zero);
}

/*
 * Who owns @mm: remembered at ksm_enter; for an mm enrolled before the
 * stats started (or by fork, where current is the parent), ask mm->owner.
 */
static struct ksm_ext_mm *mm_lookup(void *mm)
{
	__u64 key = (__u64)mm;
	struct ksm_ext_mm *m, row = {};
	struct task_struct *owner;

	m = bpf_map_lookup_elem(&mms, &key);
	if (m)
		return m;
	if (!bpf_core_field_exists(((struct mm_struct___owner *)0)->owner))
		return NULL;
	owner = BPF_CORE_READ((struct mm_struct___owner *)mm, owner);
	if (!owner)
		return NULL;
	row.tgid = BPF_CORE_READ(owner, tgid);
	row.cgroup_id = BPF_CORE_READ(owner, cgroups, dfl_cgrp, kn, id);
	BPF_CORE_READ_STR_INTO(&row.comm, owner, comm);
	bpf_map_update_elem(&mms, &key, &row, BPF_ANY);
	return bpf_map_lookup_elem(&mms, &key);
}

enum row_field { ROW_MERGE, ROW_UNMERGE, ROW_FAIL };

static void account(void *mm, enum row_field field)
{
	struct ksm_ext_cgroup *cg, new_cg = {};
	struct ksm_ext_proc *p, new_p = {};
	struct ksm_ext_mm *m = mm_lookup(mm);
	__u32 tgid;

	if (!m)
		return;
	tgid = m->tgid;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p) {
		new_p.cgroup_id = m->cgroup_id;
		__builtin_memcpy(new_p.comm, m->comm, sizeof(new_p.comm));
		bpf_map_update_elem(&procs, &tgid, &new_p, BPF_NOEXIST);
		p = bpf_map_lookup_elem(&procs, &tgid);
	}
	if (p) {
		if (field == ROW_MERGE)
			__sync_fetch_and_add(&p->merges, 1);
		else if (field == ROW_UNMERGE)
			__sync_fetch_and_add(&p->unmerges, 1);
		else
			__sync_fetch_and_add(&p->merge_fails, 1);
	}

	cg = bpf_map_lookup_elem(&cgroups, &m->cgroup_id);
	if (!cg) {
		bpf_map_update_elem(&cgroups, &m->cgroup_id, &new_cg, BPF_NOEXIST);
		cg = bpf_map_lookup_elem(&cgroups, &m->cgroup_id);
	}
	if (cg) {
		if (field == ROW_MERGE)
			__sync_fetch_and_add(&cg->merges, 1);
		else if (field == ROW_UNMERGE)
			__sync_fetch_and_add(&cg->unmerges, 1);
		else
			__sync_fetch_and_add(&cg->merge_fails, 1);
	}
}

static __always_inline void pass_merge(bool ok)
{
	struct ksm_ext_scan_state *st = state();

	if (!st)
		return;
	if (ok)
		st->merges++;
	else
		st->merge_fails++;
}

SEC("tp_btf/ksm_start_scan")
int BPF_PROG(ksm_start_scan, int seq, __u32 rmap_entries)
{
	struct task_struct *ksmd = bpf_get_current_task_btf();
	struct ksm_ext_scan_state *st = state();

	count(KSM_EXT_SCAN_START);
	if (!st)
		return 0;
	st->seq = (__u64)(__u32)seq + 1;
	st->start_ns = bpf_ktime_get_ns();
	st->start_cpu_ns = ksmd->se.sum_exec_runtime;
	st->merges = 0;
	st->merge_fails = 0;
	return 0;
}

SEC("tp_btf/ksm_stop_scan")
int BPF_PROG(ksm_stop_scan, int seq, __u32 rmap_entries)
{
	struct task_struct *ksmd = bpf_get_current_task_btf();
	struct ksm_ext_scan_state *st = state();
	struct ksm_ext_scan *slot;
	__u64 pass_seq = (__u64)(__u32)seq + 1;
	__u32 idx = pass_seq % KSM_EXT_SCAN_RING;

	count(KSM_EXT_SCAN_END);
	/* A pass that began before the stats were loaded has no start. */
	if (!st || st->seq != pass_seq)
		return 0;
	slot = bpf_map_lookup_elem(&scans, &idx);
	if (!slot)
		return 0;
	/*
	 * A seqlock with one writer (ksmd, in this program) and readers in
	 * userspace (stats_read_scans()): seq 0 while the slot is rewritten,
	 * the pass's seq once it is whole.  BPF has no fence instruction, but
	 * its atomic exchange is fully ordered on every JIT (x86's xchg,
	 * arm64's swpal or ldaxr/stlxr + dmb), so the payload's stores come
	 * after the first and before the second: right on arm64 too, not only
	 * under x86's store order.
	 */
	__sync_lock_test_and_set(&slot->seq, 0);
	slot->start_ns = st->start_ns;
	slot->end_ns = bpf_ktime_get_ns();
	slot->ksmd_cpu_ns = ksmd->se.sum_exec_runtime - st->start_cpu_ns;
	slot->rmap_items_end = rmap_entries;
	slot->merges = st->merges;
	slot->merge_fails = st->merge_fails;
	__sync_lock_test_and_set(&slot->seq, pass_seq);
	st->seq = 0;
	return 0;
}

SEC("tp_btf/ksm_enter")
int BPF_PROG(ksm_enter, void *mm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 key = (__u64)mm;
	struct ksm_ext_mm row = {};

	count(KSM_EXT_MM_ENTER);
	/* From fork, current is the parent: leave it to mm_lookup(). */
	if ((void *)task->mm != mm) {
		bpf_map_delete_elem(&mms, &key);
		return 0;
	}
	row.tgid = task->tgid;
	row.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(row.comm, sizeof(row.comm));
	bpf_map_update_elem(&mms, &key, &row, BPF_ANY);
	return 0;
}

SEC("tp_btf/ksm_exit")
int BPF_PROG(ksm_exit, void *mm)
{
	__u64 key = (__u64)mm;
	struct ksm_ext_proc *p;
	struct ksm_ext_mm *m;

	count(KSM_EXT_MM_EXIT);
	m = bpf_map_lookup_elem(&mms, &key);
	if (!m)
		return 0;
	p = bpf_map_lookup_elem(&procs, &m->tgid);
	if (p)
		p->exited = 1;
	return 0;
}

/*
 * try_to_merge_two_pages() first turns the page into a KSM page (ksm_page
 * NULL), then merges the tree page into it (ksm_page = that page, same pfn).
 * Only the pair as a whole changes pages_shared/pages_sharing, so hold the
 * first half until the second arrives.
 */
SEC("tp_btf/ksm_merge_with_ksm_page")
int BPF_PROG(ksm_merge_with_ksm_page, void *ksm_page, unsigned long pfn,
	     void *rmap_item, void *mm, int err)
{
	struct ksm_ext_scan_state *st = state();

	if (!st)
		return 0;
	if (!ksm_page) {
		if (err) {
			count(KSM_EXT_MERGE_FAIL_PAIR);
			pass_merge(false);
			account(mm, ROW_FAIL);
		} else {
			st->pending_pair_pfn = pfn + 1;
			st->pending_pair_mm = (__u64)mm;
		}
		return 0;
	}
	if (st->pending_pair_pfn == pfn + 1) {
		st->pending_pair_pfn = 0;
		if (err) {
			count(KSM_EXT_MERGE_FAIL_PAIR);
			pass_merge(false);
			account(mm, ROW_FAIL);
		} else {
			count(KSM_EXT_MERGE_PAIR);
			pass_merge(true);
			account((void *)st->pending_pair_mm, ROW_MERGE);
			account(mm, ROW_MERGE);
		}
		return 0;
	}
	if (err) {
		count(KSM_EXT_MERGE_FAIL_STABLE);
		pass_merge(false);
		account(mm, ROW_FAIL);
	} else {
		count(KSM_EXT_MERGE_STABLE);
		pass_merge(true);
		account(mm, ROW_MERGE);
	}
	return 0;
}

/* Only fired for merges with the zero page (use_zero_pages=1). */
SEC("tp_btf/ksm_merge_one_page")
int BPF_PROG(ksm_merge_one_page, unsigned long pfn, void *rmap_item, void *mm,
	     int err)
{
	count(err ? KSM_EXT_MERGE_FAIL_ZERO : KSM_EXT_MERGE_ZERO);
	pass_merge(!err);
	account(mm, err ? ROW_FAIL : ROW_MERGE);
	return 0;
}

SEC("tp_btf/ksm_remove_rmap_item")
int BPF_PROG(ksm_remove_rmap_item, unsigned long pfn, void *rmap_item, void *mm)
{
	count(KSM_EXT_UNMERGE_RMAP);
	account(mm, ROW_UNMERGE);
	return 0;
}

SEC("tp_btf/ksm_remove_ksm_page")
int BPF_PROG(ksm_remove_ksm_page, unsigned long pfn)
{
	count(KSM_EXT_KSM_PAGE_REMOVED);
	return 0;
}

/*
 * Linux >= 6.9; the loader disables it where the tracepoint is missing.
 * What the advisor decided needs no copy here: it writes pages_to_scan
 * (sysfs), and the scan time and CPU share it decided from are the ring's
 * duration and ksmd CPU time.
 */
SEC("tp_btf/ksm_advisor")
int BPF_PROG(ksm_advisor, __s64 scan_time, unsigned long pages_to_scan,
	     unsigned int cpu_percent)
{
	count(KSM_EXT_ADVISOR);
	return 0;
}
