/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the ksm_ext scan policies: includes, the struct_ops callback
 * macro, and the kfuncs that tell who owns an mm.  Policies are compiled against
 * the BTF of the ksm_ext kernel (kernel-patch/), which defines
 * struct ksm_ext_ops.
 */
#ifndef KSM_EXT_POLICY_BPF_H
#define KSM_EXT_POLICY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* One callback of struct ksm_ext_ops, as in sched_ext's BPF_STRUCT_OPS. */
#define KSM_EXT_OP(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)

/*
 * Who owns an mm (mm->owner), from the ksm_ext kernel's kfuncs: the
 * thread-group id in the initial pid namespace and the cgroup v2 id, or 0
 * for an mm that is exiting.
 */
extern __u32 bpf_ksm_mm_owner_tgid(struct mm_struct *mm) __ksym;
extern __u64 bpf_ksm_mm_owner_cgroup_id(struct mm_struct *mm) __ksym;

#endif /* KSM_EXT_POLICY_BPF_H */
