/* SPDX-License-Identifier: GPL-2.0 */
/* Context of bpf/enroll.bpf.c, passed in and out with BPF_PROG_RUN. */
#ifndef KSM_EXT_ENROLL_H
#define KSM_EXT_ENROLL_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct ksm_ext_enroll_args {
	__s32 pid;	/* in: process to enrol */
	__s32 ret;	/* out: 0 or -errno from bpf_ksm_enroll_task() */
};

#endif /* KSM_EXT_ENROLL_H */
