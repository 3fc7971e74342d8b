#!/bin/bash
# Skipping an area or an mm that already holds merged pages must not lose
# them: pages_sharing holds while ksmd keeps scanning, the mm stays known
# to KSM, and no page is corrupted.  Exercises the VMA path (skip_vma) and
# the mm path (skip_tgid) of the kernel's rmap_item cursor.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle pages_to_scan=5000 sleep_millisecs=10
base=$(ksm_get pages_sharing)
ksm_set run 1
start_workload -p 3 -m 16 --seed 7 -r 500
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "only $got of $WL_EXPECT merged"
wait_scans 2
merged=$(ksm_get pages_sharing)
log "merged: pages_sharing=$merged (workload expects $WL_EXPECT)"

for policy in skip_vma skip_tgid; do
	attach $policy
	skip_pids skip_tgids $WL_PIDS
	wait_scans 4
	now=$(ksm_get pages_sharing)
	log "$policy: pages_sharing $merged -> $now, ext_vmas_skipped=$(ksm_get ext_vmas_skipped) ext_mms_skipped=$(ksm_get ext_mms_skipped)"
	[ "$now" -ge "$merged" ] || fail "$policy: pages_sharing dropped from $merged to $now"
	detach $policy
	wait_scans 2
	now=$(ksm_get pages_sharing)
	[ "$now" -ge "$merged" ] || fail "after $policy: pages_sharing dropped from $merged to $now"
done
[ "$(ksm_get ext_vmas_skipped)" -gt 0 ] || fail "skip_vma skipped no VMA"
[ "$(ksm_get ext_mms_skipped)" -gt 0 ] || fail "skip_tgid skipped no mm"
stop_workload
echo ok
