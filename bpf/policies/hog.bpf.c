// SPDX-License-Identifier: GPL-2.0
/*
 * hog: a policy whose scan_page spends as long as one bounded loop allows.
 *
 * Every scan_page runs bpf_loop() for `loops` iterations (default and
 * most: BPF_MAX_LOOPS, 8M) and then says "scan".  The tests attach it as
 * a misbehaving policy: the call holds ksmd and the scanned mm's
 * mmap_lock (read) for its whole length, so it is what a slow policy costs
 * other tasks.  Each call is timed; `ksm-loader policy status` shows the
 * longest.  A policy can nest such loops and run longer still: the kernel
 * bounds a call only by the soft-lockup and RCU-stall detectors
 * (docs/RELIABILITY.md).
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: every scan_page spins a bpf_loop of `loops` iterations, then scans");

/* bpf_loop() refuses more than BPF_MAX_LOOPS (8M): it then does nothing. */
const volatile __u32 loops = 8 * 1024 * 1024;

struct hog_stats {
	__u64 calls;
	__u64 total_ns;
	__u64 max_ns;
	__u64 loop_errors;
};
KSM_EXT_STATS(struct hog_stats)

/* Work the JIT cannot drop: a running xorshift over the index. */
static long spin(__u64 i, void *ctx)
{
	__u64 *x = ctx;

	*x ^= *x << 13 ^ i;
	*x ^= *x >> 7;
	return 0;
}

int KSM_EXT_OP(hog_scan_page, struct mm_struct *mm, struct vm_area_struct *vma,
		const struct ksm_ext_page *page)
{
	struct hog_stats *s = stats_cpu();
	__u64 t0 = bpf_ktime_get_ns(), x = t0 | 1, dt;

	if (bpf_loop(loops, spin, &x, 0) < 0 && s)
		s->loop_errors++;
	dt = bpf_ktime_get_ns() - t0;
	if (s) {
		s->calls++;
		s->total_ns += dt;
		if (dt > s->max_ns)
			s->max_ns = dt;
	}
	return KSM_EXT_SCAN;
}

SEC(".struct_ops.link")
struct ksm_ext_ops hog = {
	.scan_page = (void *)hog_scan_page,
	.name = "hog",
};
