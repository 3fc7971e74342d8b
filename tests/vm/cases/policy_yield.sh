#!/bin/bash
# yield: an area that stops merging is skipped after idle_scans full scans
# without a merge, and duplicates later written into it are merged within
# the bound its comment states (max_backoff + 2 full scans after the one in
# progress), by ground truth (merge-probe: pagemap + kpagecount).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
# smart_scan off: only the policy decides what is skipped.  One batch per
# full scan, 100 ms apart, so polling at 20 ms sees every full scan.
ksm_ext_setup settle smart_scan=0 pages_to_scan=1000 sleep_millisecs=100
K=2 M=8 N=256 HALF=128
"$BIN/ksm-loader" policy load yield --set idle_scans=$K --set max_backoff=$M ||
	fail "ksm-loader policy load yield failed"
at_exit _unload_yield
_unload_yield() { "$BIN/ksm-loader" policy unload >/dev/null 2>&1; }
fs() { local v; read -r v <$KSM/full_scans; echo "$v"; }

probe_start $N
probe_wait_merged $N
# Half the area becomes unique: nothing in the area merges any more.
probe cow $HALF >/dev/null
s0=$(fs) v0=$(ksm_get ext_vmas_skipped)
# Under TCG one poll (two forks) can outlast a full scan, so the full scans
# read when the skip is seen can be past the skip.  It came after the last
# poll that did not see it, which read \$before first: the skip's full scan
# is later than \$before, and the bound is checked on that.
before=$s0
for ((i = 0; i < 1500; i++)); do
	now=$(fs)
	[ "$(ksm_get ext_vmas_skipped)" -gt "$v0" ] && break
	before=$now
	sleep 0.02
done
[ "$(ksm_get ext_vmas_skipped)" -gt "$v0" ] || fail "yield never skipped the idle area ($(ksm_state))"
# K idle full scans after the one in progress, then the next odd one.
log "idle area first skipped $((before - s0)) to $((now - s0)) full scans after it stopped merging (K=$K)"
[ $((before - s0)) -le $((K + 3)) ] || fail "first skip $((before - s0)) full scans after the area went idle (K=$K)"

# Let the interval grow to M, then count: the unique half is compared in
# at most 2 of M full scans (probe + follow-up), the merged half always.
wait_scans $((2 * M + 4))
p0=$(ksm_get pages_scanned) k0=$(ksm_get ext_pages_skipped) s0=$(fs)
wait_scans $M
p1=$(ksm_get pages_scanned) k1=$(ksm_get ext_pages_skipped) s1=$(fs)
scans=$((s1 - s0)) skipped=$((k1 - k0)) scanned=$((p1 - p0))
log "over $scans full scans: $scanned pages compared, $skipped skipped; backoffs=$(policy_stat backoffs) vmas_skipped=$(policy_stat vmas_skipped)"
[ "$skipped" -ge $(((scans - 3) * HALF)) ] ||
	fail "only $skipped pages skipped in $scans full scans at interval $M"
[ "$(policy_stat backoffs)" -ge 3 ] || fail "interval raised only $(policy_stat backoffs) times"
[ "$(probe_shared)" -eq $((N - HALF)) ] || fail "merged half no longer merged: $(probe count)"

# Duplicates written into the backed-off area: merged within M+2 full
# scans after the one in progress (+1 for the scan that saw the write).
probe same $HALF >/dev/null
s0=$(fs)
before=$s0	# as above: merged in a full scan after \$before
for ((i = 0; i < 3000; i++)); do
	now=$(fs)
	[ "$(merging_pages "$PROBE_PID")" -ge $N ] && break
	before=$now
	sleep 0.02
done
[ "$(merging_pages "$PROBE_PID")" -ge $N ] || fail "duplicates in the backed-off area never merged ($(ksm_state))"
[ "$(probe_shared)" -eq $N ] || fail "ksm says merged, pagemap says $(probe count)"
log "duplicates written into the backed-off area merged after $((before - s0)) to $((now - s0)) full scans (bound $((M + 3)))"
[ $((before - s0)) -le $((M + 3)) ] || fail "took $((before - s0)) full scans, over the bound of $((M + 3))"
[ "$(policy_stat wakeups)" -ge 1 ] || fail "no wakeup counted"
probe_stop
echo ok
