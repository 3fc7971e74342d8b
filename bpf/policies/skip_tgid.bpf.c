// SPDX-License-Identifier: GPL-2.0
/*
 * skip_tgid: leave the listed processes alone.
 *
 * ksmd skips, in every full scan, the mm of each process whose PID (tgid)
 * is a key of the map "skip_tgids"; every other process is scanned as
 * usual.  Pages a skipped process already has merged stay merged.  Fill the
 * map after attaching, e.g.
 *
 *	bpftool map update name skip_tgids key 0xd2 0x04 0 0 value 1
 *
 * Used by the in-VM tests to show that a skipped process never merges
 * while another one does.
 */
#include "policy.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KSM_EXT_POLICY_DOC("test: skips the mms of the processes in skip_tgids (fill it with bpftool)");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} skip_tgids SEC(".maps");

int KSM_EXT_OP(skip_tgid_scan_mm, struct mm_struct *mm)
{
	__u32 tgid = bpf_ksm_mm_owner_tgid(mm);

	return bpf_map_lookup_elem(&skip_tgids, &tgid) ? KSM_EXT_SKIP : KSM_EXT_SCAN;
}

SEC(".struct_ops.link")
struct ksm_ext_ops skip_tgid = {
	.scan_mm = (void *)skip_tgid_scan_mm,
	.name = "skip_tgid",
};
