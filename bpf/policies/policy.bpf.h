/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the ksm_ext scan policies: includes, the struct_ops callback
 * macro, the kfuncs that tell who owns an mm, and the conventions
 * `ksm-loader policy` reads from a policy object.  Policies are compiled
 * against the BTF of the ksm_ext kernel (kernel-patch/), which defines
 * struct ksm_ext_ops.
 *
 * What ksm-loader finds in a policy object (all optional, all by BTF, so
 * any object that follows them works, not only ours):
 *
 *  - KSM_EXT_POLICY_DOC("one line"): `policy list` prints it.
 *  - Tunables: `const volatile` integer globals (.rodata).  `policy load
 *    --set NAME=VALUE` sets one before the object is loaded; `policy list`
 *    and `policy status` print them with their values.
 *  - Lists: a BPF_MAP_TYPE_HASH map with __u8 values; `--set MAP=VALUE`
 *    adds a key before attach.  A __u64 key takes a cgroup v2 path or id,
 *    a char[16] key a command name.
 *  - KSM_EXT_STATS(struct x): a one-entry per-CPU array named "stats" whose
 *    value is a struct of __u64 counters; `policy status` sums it over CPUs
 *    and prints each field by name.
 */
#ifndef KSM_EXT_POLICY_BPF_H
#define KSM_EXT_POLICY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* One callback of struct ksm_ext_ops, as in sched_ext's BPF_STRUCT_OPS. */
#define KSM_EXT_OP(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)

/* The one-line description `ksm-loader policy list` shows. */
#define KSM_EXT_POLICY_DOC(text) const char policy_doc[] SEC(".rodata") = text

/* The policy's counters, and a pointer to this CPU's copy (never NULL). */
#define KSM_EXT_STATS(stats_type)						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, stats_type);				\
	} stats SEC(".maps");						\
	static __always_inline stats_type *stats_cpu(void)		\
	{								\
		__u32 zero = 0;						\
		return bpf_map_lookup_elem(&stats, &zero);		\
	}

/*
 * Add to one counter of this CPU's stats.  The struct_ops callbacks all run
 * in ksmd, one thread, so a plain add is enough there; programs that run in
 * other tasks (scope's LSM program, which can be preempted) use
 * STAT_ADD_ATOMIC.
 */
#define STAT_ADD(field, n)						\
	do {								\
		typeof(stats_cpu()) __s = stats_cpu();			\
		if (__s)						\
			__s->field += (n);				\
	} while (0)

#define STAT_ADD_ATOMIC(field, n)					\
	do {								\
		typeof(stats_cpu()) __s = stats_cpu();			\
		if (__s)						\
			__sync_fetch_and_add(&__s->field, (n));		\
	} while (0)

/*
 * Who owns an mm (mm->owner), from the ksm_ext kernel's kfuncs: the
 * thread-group id in the initial pid namespace and the cgroup v2 id, or 0
 * for an mm that is exiting.
 */
extern __u32 bpf_ksm_mm_owner_tgid(struct mm_struct *mm) __ksym;
extern __u64 bpf_ksm_mm_owner_cgroup_id(struct mm_struct *mm) __ksym;
/* The id ksmd gave the mm: never reused, on every architecture. */
extern __u64 bpf_ksm_mm_id(struct mm_struct *mm) __ksym;

/*
 * Which mm, as a number for per-mm state.  Not the mm's address (a new
 * process may get a freed mm_struct's; the verifier allows no arithmetic
 * on the pointer anyway), not x86's context id (one architecture's
 * internals), not the owner's tgid (reused, and 0 while the mm exits).
 */
static __always_inline __u64 mm_id(struct mm_struct *mm)
{
	return bpf_ksm_mm_id(mm);
}

#endif /* KSM_EXT_POLICY_BPF_H */
