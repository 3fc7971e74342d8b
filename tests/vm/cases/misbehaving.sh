#!/bin/bash
# A policy that skips everything (while processes fork and exit), decides
# at random, or flips its answer on every call leaves the system
# consistent: after it is detached, KSM's counters agree with the
# processes' and KSM merges normally again.  The skip counters must move
# while each is attached: the random and flip phases would pass without
# their hooks ever running otherwise.  (hog, the slow policy, is
# misbehaving_hog.)
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle run=0 pages_to_scan=5000 sleep_millisecs=10
# detach_and_merge POLICY WHAT BASE: once POLICY is detached, the
# workload merges everything it can and KSM's counts agree with the
# processes'; the workload is stopped (and verifies every page).
detach_and_merge() {
	local got k p
	detach "$1"
	got=$(wait_sharing "$3" 120 "$WL_EXPECT") || fail "after $1: only $got of $WL_EXPECT merged"
	read -r k p <<<"$(ksm_counts_vs_procs)"
	log "after $2: $got of $WL_EXPECT merged; pages_shared+pages_sharing $k, processes' ksm_merging_pages $p"
	[ "$k" -eq "$p" ] || fail "after $1: KSM counts $k merged mappings, the processes $p"
	stop_workload
}

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
# Processes that fork and exit under it: mms come and go unscanned.
probe_start 64
for i in 1 2 3 4; do
	probe fork >/dev/null
	probe "same 64" >/dev/null
	wait_scans 1
done
probe_stop
detach_and_merge skip_all "skip_all and 4 forks and exits" "$base"

# Random decisions over a fresh workload, then detached.  smart_scan off:
# pages whose partners the policy kept skipping have failed to merge often,
# and smart_scan's age (which never resets) would then look at them only
# every ninth pass, possibly never in the same pass as their partner; that
# is smart_scan's behaviour, not damage, and would make this test flaky.
ksm_set run 2
ksm_set smart_scan 0
ksm_set run 1
# every_level_phase POLICY SEED: over a fresh workload, POLICY skips at
# every level in 8 full scans (so its hooks ran) and, once it is detached,
# everything merges and KSM's counts agree with the processes'.
every_level_phase() {
	local policy=$1 base m0 v0 p0 m1 v1 p1
	base=$(ksm_get pages_sharing)
	start_workload -p 3 -m 16 --seed "$2" -r 500
	attach "$policy"
	read -r m0 v0 p0 <<<"$(skip_counters)"
	wait_scans 8
	read -r m1 v1 p1 <<<"$(skip_counters)"
	log "$policy: pages_sharing +$(($(ksm_get pages_sharing) - base)), skipped mms +$((m1 - m0)) vmas +$((v1 - v0)) pages +$((p1 - p0))"
	[ "$m1" -gt "$m0" ] && [ "$v1" -gt "$v0" ] && [ "$p1" -gt "$p0" ] ||
		fail "$policy did not skip at every level (mms +$((m1 - m0)), vmas +$((v1 - v0)), pages +$((p1 - p0))): its hooks did not run"
	detach_and_merge "$policy" "$policy" "$base"
}

# random: a coin per mm, area and page, over 8 full scans of 3 processes:
# every level comes up "skip" (all heads: about 2^-24 for the mms, 2^-12
# for the areas, which only mms not skipped get to; one run saw +10 and
# +6).  flip: each callback alternates.
every_level_phase random 4
every_level_phase flip 5
echo ok
