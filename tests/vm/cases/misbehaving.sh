#!/bin/bash
# A policy that skips everything, or decides at random, leaves the system
# consistent: after it is detached, KSM merges normally again.
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
ksm_set run 1
wait_scans 5
got=$(($(ksm_get pages_sharing) - base))
log "skip_all: pages_sharing +$got, skipped mms=$(ksm_get ext_mms_skipped)"
[ "$got" -eq 0 ] || fail "pages merged under skip_all"
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
wait_scans 8
log "random: pages_sharing +$(($(ksm_get pages_sharing) - base)), skipped mms=$(ksm_get ext_mms_skipped) vmas=$(ksm_get ext_vmas_skipped) pages=$(ksm_get ext_pages_skipped)"
detach random
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "after random: only $got of $WL_EXPECT merged"
log "after random: $got of $WL_EXPECT merged"
stop_workload
echo ok
