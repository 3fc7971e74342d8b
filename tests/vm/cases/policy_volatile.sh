#!/bin/bash
# volatile: pages rewritten between visits are skipped (exponentially
# longer), stable duplicates still merge, and the workload's integrity
# check (every page verified at exit) passes.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle smart_scan=0 pages_to_scan=5000 sleep_millisecs=50
base=$(ksm_get pages_sharing)
"$BIN/ksm-loader" policy load volatile || fail "ksm-loader policy load volatile failed"
_unload_volatile() { "$BIN/ksm-loader" policy unload >/dev/null 2>&1; }
at_exit _unload_volatile
# Half the pages rewritten all the time (2000/s over 256 pages per process).
start_workload -p 2 -m 2 --seed 9 --dup 0.4 --zero 0.1 --unique 0 --volatile 0.5 -r 2000
ksm_set run 1
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "only $got of $WL_EXPECT merged with volatile attached"
k0=$(ksm_get ext_pages_skipped)
wait_scans 12
skipped=$(($(ksm_get ext_pages_skipped) - k0))
log "12 full scans: $skipped pages skipped; stats: pages_skipped=$(policy_stat pages_skipped) backoffs=$(policy_stat backoffs) settled=$(policy_stat settled)"
[ "$skipped" -gt 0 ] || fail "no page skipped"
[ "$(policy_stat backoffs)" -gt 0 ] || fail "no changed page backed off"
[ "$(policy_stat pages_skipped)" -ge "$skipped" ] || fail "policy counted fewer skips than the kernel"
# Still merged: skipping rewritten pages never touches the stable ones.
[ $(($(ksm_get pages_sharing) - base)) -ge "$WL_EXPECT" ] || fail "merged pages lost ($(ksm_state))"
stop_workload
echo ok
