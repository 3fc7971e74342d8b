// SPDX-License-Identifier: GPL-2.0
/*
 * enroll: make a running process mergeable from outside it.
 *
 * A BPF_PROG_TYPE_SYSCALL program that `ksm-loader enroll PID` runs once
 * with BPF_PROG_RUN: it looks the task up and calls the ksm_ext kfunc
 * bpf_ksm_enroll_task(), which does what prctl(PR_SET_MEMORY_MERGE, 1) does
 * when the process calls it.  Needs a kernel with kernel-patch/.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <ksm_ext/enroll.h>

char LICENSE[] SEC("license") = "GPL";

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern int bpf_ksm_enroll_task(struct task_struct *task) __ksym;

SEC("syscall")
int enroll(struct ksm_ext_enroll_args *args)
{
	struct task_struct *task = bpf_task_from_pid(args->pid);

	if (!task) {
		args->ret = -3;	/* -ESRCH: no such process */
		return 0;
	}
	args->ret = bpf_ksm_enroll_task(task);
	bpf_task_release(task);
	return 0;
}
