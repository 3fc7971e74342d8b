/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the ksm_ext scan policies: includes, the struct_ops callback
 * macro, and helpers to find who owns an mm.  Policies are compiled against
 * the BTF of the ksm_ext kernel (kernel-patch/), which defines
 * struct ksm_ext_ops.
 */
#ifndef KSM_EXT_POLICY_BPF_H
#define KSM_EXT_POLICY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* One callback of struct ksm_ext_ops, as in sched_ext's BPF_STRUCT_OPS. */
#define KSM_EXT_OP(name, args...) SEC("struct_ops/" #name) BPF_PROG(name, ##args)

/*
 * The process that owns @mm (mm->owner, CONFIG_MEMCG), or 0.  Read through
 * CO-RE probes, so an mm going away under us reads as 0, not a fault.
 */
static __always_inline __u32 mm_tgid(struct mm_struct *mm)
{
	struct task_struct *owner = BPF_CORE_READ(mm, owner);

	return owner ? BPF_CORE_READ(owner, tgid) : 0;
}

#endif /* KSM_EXT_POLICY_BPF_H */
