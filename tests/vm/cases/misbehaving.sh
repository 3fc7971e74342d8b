#!/bin/bash
# A policy that skips everything, or decides at random, leaves the system
# consistent: after it is detached, KSM merges normally again.  The skip
# counters must move while each is attached: the random phase would pass
# without its hooks ever running otherwise.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
ksm_prepare
ksm_settle
ksm_set run 0
ksm_set pages_to_scan 5000
ksm_set sleep_millisecs 10
base=$(ksm_get pages_sharing)
start_workload -p 3 -m 16 --seed 3 -r 500

attach skip_all
read -r m0 _ _ <<<"$(skip_counters)"
ksm_set run 1
wait_scans 5
got=$(($(ksm_get pages_sharing) - base))
read -r m1 _ _ <<<"$(skip_counters)"
log "skip_all: pages_sharing +$got, skipped mms +$((m1 - m0))"
[ "$got" -eq 0 ] || fail "pages merged under skip_all"
[ "$m1" -gt "$m0" ] || fail "skip_all skipped no mm in 5 full scans"
detach skip_all
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "after skip_all: only $got of $WL_EXPECT merged"
log "after skip_all: $got of $WL_EXPECT merged"
stop_workload

# Random decisions over a fresh workload, then detached.  smart_scan off:
# pages whose partners the policy kept skipping have failed to merge often,
# and smart_scan's age (which never resets) would then look at them only
# every ninth pass, possibly never in the same pass as their partner; that
# is smart_scan's behaviour, not damage, and would make this test flaky.
ksm_set run 2
ksm_set smart_scan 0
ksm_set run 1
base=$(ksm_get pages_sharing)
start_workload -p 3 -m 16 --seed 4 -r 500
attach random
read -r m0 v0 p0 <<<"$(skip_counters)"
wait_scans 8
read -r m1 v1 p1 <<<"$(skip_counters)"
log "random: pages_sharing +$(($(ksm_get pages_sharing) - base)), skipped mms +$((m1 - m0)) vmas +$((v1 - v0)) pages +$((p1 - p0))"
# A coin per mm, area and page, over 8 full scans of 3 processes: every
# level comes up "skip" (all heads: about 2^-24 for the mms, 2^-12 for
# the areas, which only mms not skipped get to; one run saw +10 and +6).
[ "$m1" -gt "$m0" ] && [ "$v1" -gt "$v0" ] && [ "$p1" -gt "$p0" ] ||
	fail "random did not skip at every level (mms +$((m1 - m0)), vmas +$((v1 - v0)), pages +$((p1 - p0))): its hooks did not run"
detach random
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "after random: only $got of $WL_EXPECT merged"
log "after random: $got of $WL_EXPECT merged"
stop_workload
echo ok
