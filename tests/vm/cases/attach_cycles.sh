#!/bin/bash
# 200 attach/detach cycles of a policy that decides at random while ksmd
# scans a workload whose merged pages keep being written (copy-on-write):
# no splat (vmtest.sh checks the console), all data intact, and once the
# churn stops, KSM merges everything it could.
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
ksm_prepare
ksm_set pages_to_scan 2000
ksm_set sleep_millisecs 1
ksm_set run 1
start_workload -p 3 -m 8 --seed 9 --volatile-shared -r 2000
"$BIN/policy-cycle" "$POLICIES/random.bpf.o" 200 || fail "policy-cycle failed"
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy left at $(ksm_get ext_policy)"
stop_workload
echo ok
