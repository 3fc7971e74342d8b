#!/bin/bash
# The second half of make demo, run inside the VM on the ksm_ext kernel:
# two workloads, a policy (skip_tgid) attached with bpftool that tells
# ksmd to leave workload A alone, and pages merging only where the policy
# allows; then the policy is detached and A merges too.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests' harness (tests/lib/): workloads, policies, skip/fail, and
# the KSM knobs restored at exit.
. tests/lib/host.sh
. tests/lib/vm.sh
require_ksm_ext
ksm_prepare
ksm_set run 0
ksm_set pages_to_scan 1000
ksm_set sleep_millisecs 20

echo "demo: $(uname -r), ext_policy=$(ksm_get ext_policy)"
start_workload -p 2 -m 16 --seed 101 -r 200
a_pids=$WL_PIDS a_pid=$WL_PID a_out=$WL_OUT a_expect=$WL_EXPECT
start_workload -p 2 -m 16 --seed 202 -r 200 --first-proc 2
b_pids=$WL_PIDS b_expect=$WL_EXPECT
echo "demo: workload A pids $a_pids, workload B pids $b_pids (each can save up to ~$a_expect pages)"
echo "demo: bpftool struct_ops register $POLICIES/skip_tgid.bpf.o $LINKDIR"
attach skip_tgid
skip_pids skip_tgids $a_pids
echo "demo: skip_tgid attached, told to skip A; ext_policy=$(ksm_get ext_policy)"
ksm_set run 1

show() {	# seconds
	local i
	printf '%6s %-14s %14s %14s %12s %16s\n' time ext_policy "A merging" "B merging" full_scans ext_mms_skipped
	for ((i = 1; i <= $1; i++)); do
		sleep 1
		printf '%5ds %-14s %14d %14d %12d %16d\n' "$((t++))" "$(ksm_get ext_policy)" \
			"$(merging_pages $a_pids)" "$(merging_pages $b_pids)" \
			"$(ksm_get full_scans)" "$(ksm_get ext_mms_skipped)"
	done
}
t=1
show 8
echo "demo: detaching: rm $LINKDIR/skip_tgid"
detach skip_tgid
show 8
echo "demo: A merged $(merging_pages $a_pids) pages only after the policy was detached; B merged $(merging_pages $b_pids) all along"
stop_workload >/dev/null
WL_OUT=$a_out WL_PID=$a_pid stop_workload >/dev/null
echo "demo: both workloads verified every page: 0 corrupted"
