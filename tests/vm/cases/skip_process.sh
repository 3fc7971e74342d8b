#!/bin/bash
# A policy that skips one process: its pages never merge, while another
# process's pages do (skip_tgid, the per-mm hook).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup run=0 pages_to_scan=5000 sleep_millisecs=10

# Different seeds: A's pages can only merge within A, B's within B.
start_workload -p 2 -m 16 --seed 101 -r 0
a_out=$WL_OUT a_pid=$WL_PID a_pids=$WL_PIDS
start_workload -p 2 -m 16 --seed 202 -r 0 --first-proc 2
b_pids=$WL_PIDS b_expect=$WL_EXPECT

attach skip_tgid
skip_pids skip_tgids $a_pids
skipped0=$(ksm_get ext_mms_skipped)
ksm_set run 1
wait_scans 3
b=$(merging_pages $b_pids) a=$(merging_pages $a_pids)
log "after 3 full scans: skipped A ($a_pids) merging_pages=$a, B ($b_pids) merging_pages=$b"
[ "$a" -eq 0 ] || fail "the skipped process merged $a pages"
[ "$b" -gt 0 ] || fail "the other process merged nothing"
[ "$(ksm_get ext_mms_skipped)" -gt "$skipped0" ] || fail "ext_mms_skipped did not move"
log "ext_mms_skipped=$(ksm_get ext_mms_skipped)"

# Detached, A merges too.
detach skip_tgid
wait_scans 3
a=$(merging_pages $a_pids)
log "after detaching: A merging_pages=$a"
[ "$a" -gt 0 ] || fail "A did not merge once the policy was detached"
stop_workload
WL_OUT=$a_out WL_PID=$a_pid stop_workload
echo ok
