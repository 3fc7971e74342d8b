#!/bin/bash
# A process that never called madvise or prctl merges after a syscall BPF
# program enrols it through bpf_ksm_enroll_task() (ksm-loader enroll).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle pages_to_scan=5000 sleep_millisecs=10 run=1
base=$(ksm_get pages_sharing)
start_workload -p 2 -m 16 --seed 5 -r 0 --mode none
# Nothing is registered with KSM yet, so there are no full scans to wait
# for: give ksmd a moment, then check nothing merged.
sleep 2
[ "$(merging_pages $WL_PIDS)" -eq 0 ] || fail "pages merged before enrolment"
# 6.12's ksm_stat has no ksm_merge_any line: look for VM_MERGEABLE ("mg")
# areas in smaps instead.
mergeable() { grep -q '^VmFlags:.* mg' /proc/"$1"/smaps; }
for p in $WL_PIDS; do
	mergeable "$p" && fail "pid $p has mergeable areas before enrolment"
	"$BIN/ksm-loader" enroll "$p" || fail "ksm-loader enroll $p"
	mergeable "$p" || fail "pid $p has no mergeable area after enrolment"
done
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "only $got of $WL_EXPECT merged after enrolment"
log "enrolled $WL_PIDS: $got pages merged (expected $WL_EXPECT)"
"$BIN/ksm-loader" enroll 999999 2>/dev/null && fail "enrolling a missing pid succeeded"
stop_workload
echo ok
