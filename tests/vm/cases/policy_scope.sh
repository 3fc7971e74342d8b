#!/bin/bash
# scope: a process started in a listed cgroup merges without madvise or
# prctl (enrolled at exec), a madvising process outside the scope never
# reaches the merge logic (no rmap_items, nothing merged, its mm skipped).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle pages_to_scan=5000 sleep_millisecs=10
CG=/sys/fs/cgroup
IN=$CG/ksm_scope_in.$$ OUT=$CG/ksm_scope_out.$$
mkdir "$IN" "$OUT" || skip "cannot create cgroups under $CG"
_scope_cleanup() {
	"$BIN/ksm-loader" policy unload >/dev/null 2>&1
	rmdir "$IN" "$OUT" 2>/dev/null
}
at_exit _scope_cleanup
"$BIN/ksm-loader" policy load scope --set cgroup="$IN" || fail "ksm-loader policy load scope failed"

base=$(ksm_get pages_sharing)
# WL_WRAP: start_workload execs ksm-workload from a shell moved into $OUT.
WL_WRAP=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$OUT")
start_workload -p 2 -m 4 --seed 3 -r 0 --mode madvise
out_pids=$WL_PIDS out_wl=$WL_PID out_file=$WL_OUT
m0=$(ksm_get ext_mms_skipped)
wait_scans 3
for p in $out_pids; do
	rmap=$(awk '/^ksm_rmap_items/ {print $2}' /proc/"$p"/ksm_stat)
	[ "$rmap" -eq 0 ] || fail "pid $p outside the scope has $rmap rmap_items"
	grep -q '^VmFlags:.* mg' /proc/"$p"/smaps || fail "pid $p has no mergeable area"
done
[ "$(merging_pages $out_pids)" -eq 0 ] || fail "processes outside the scope merged"
[ "$(ksm_get ext_mms_skipped)" -gt "$m0" ] || fail "ext_mms_skipped did not move"
log "outside the scope: no rmap_items, nothing merged, $(($(ksm_get ext_mms_skipped) - m0)) mm skips"

# The same content started in the listed cgroup, no madvise: enrolled at
# exec, and it merges (with itself: the out-of-scope copies never pair).
WL_WRAP=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$IN")
e0=$(policy_stat enrolled)
start_workload -p 2 -m 4 --seed 3 -r 0 --mode none
WL_WRAP=()
[ "$(policy_stat enrolled)" -gt "$e0" ] || fail "nothing enrolled at exec"
got=$(wait_sharing "$base" 120 "$WL_EXPECT") || fail "only $got of $WL_EXPECT merged in scope"
[ "$(merging_pages $WL_PIDS)" -gt 0 ] || fail "the in-scope processes have no merged pages"
[ "$(merging_pages $out_pids)" -eq 0 ] || fail "processes outside the scope merged"
log "in scope without madvise: $got pages merged (expected $WL_EXPECT); enrolled=$(policy_stat enrolled)"
stop_workload
WL_PID=$out_wl WL_OUT=$out_file
stop_workload
echo ok
