#!/bin/bash
# 200 attach/detach cycles of a policy that decides at random while ksmd
# scans a workload whose merged pages keep being written (copy-on-write):
# no splat (vmtest.sh checks the console), all data intact, and once the
# churn stops, KSM merges everything it could.  The skip counters must move
# over the cycles: the test would pass without the hooks ever running.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup pages_to_scan=2000 sleep_millisecs=1 run=1
start_workload -p 3 -m 8 --seed 9 --volatile-shared -r 2000
read -r m0 v0 p0 <<<"$(skip_counters)"
"$BIN/policy-cycle" "$POLICIES/random.bpf.o" 200 || fail "policy-cycle failed"
read -r m1 v1 p1 <<<"$(skip_counters)"
log "over the cycles: skipped mms +$((m1 - m0)), vmas +$((v1 - v0)), pages +$((p1 - p0))"
# Attached about 2 s in all, ksmd mid-batch nearly all the time: a coin
# per page comes up "skip" thousands of times; mm and area decisions are
# fewer (one per visit), so only their sum is required.
[ "$p1" -gt "$p0" ] || fail "random skipped no page in 200 attachments: its hooks did not run"
[ $((m1 - m0 + v1 - v0)) -gt 0 ] || fail "random skipped no mm and no area in 200 attachments"
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy left at $(ksm_get ext_policy)"
stop_workload
echo ok
