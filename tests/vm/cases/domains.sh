#!/bin/bash
# Merge domains (tenants): two cgroups, two merge-probes in each, every
# probe holding the same content.  Pages merge within a cgroup and never
# across, by ground truth: the page frames /proc/PID/pagemap shows.  Then a
# probe moves to the other cgroup while merged, the policy is detached and
# attached again while merged; after each step the frames, every probe's
# content (verify) and KSM's counters against the processes are checked.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
N=64
tenants_setup tenant 1000
"$BIN/ksm-loader" policy load tenants >/dev/null || fail "ksm-loader policy load tenants failed"

# Wait until every probe named has all N pages in frames shared with the
# others named (KSM merged them), up to $1 seconds.
wait_merged_with() {
	local t=$1 i p ok
	shift
	for ((i = 0; i < t * 2; i++)); do
		ok=1
		for p in "$@"; do
			[ "$(field shared "$(mp "$p" count)")" -eq $N ] || ok=0
		done
		# Page i of each holds the same content: N frames in all.
		[ $ok = 1 ] && [ "$(frames "$@" | wc -l)" -eq $N ] && return 0
		sleep 0.5
	done
	return 1
}

# check_isolated LABEL "A's probes" "B's probes"
check_isolated() {
	local x
	x=$(common "$2" "$3")
	[ "$x" -eq 0 ] || fail "$1: $x frames shared across tenants"
	for p in a1 a2 b1 b2; do
		[ "$(field bad "$(mp $p verify)")" -eq 0 ] || fail "$1: $p holds wrong data"
	done
}

counters_consistent() {
	local c
	c=$(ksm_counts_vs_procs)
	[ "${c% *}" -eq "${c#* }" ] ||
		fail "$1: pages_shared+pages_sharing ${c% *}, processes' ksm_merging_pages ${c#* }"
	log "$1: KSM counts $c (pages_shared+pages_sharing, processes) agree"
}

mp_start a1 "$A" $N
mp_start a2 "$A" $N
mp_start b1 "$B" $N
mp_start b2 "$B" $N
for p in a1 a2 b1 b2; do mp $p fill 7 >/dev/null; done
wait_merged_with 300 a1 a2 || fail "tenant A's probes never merged ($(ksm_state))"
wait_merged_with 300 b1 b2 || fail "tenant B's probes never merged ($(ksm_state))"
check_isolated "two tenants" "a1 a2" "b1 b2"
[ "$(domain_of a1)" = "$(cg_id "$A")" ] || fail "a1 in domain $(domain_of a1), not A's $(cg_id "$A")"
[ "$(domain_of b2)" = "$(cg_id "$B")" ] || fail "b2 in domain $(domain_of b2), not B's $(cg_id "$B")"
# The kernel's per-domain counters against the frames: N KSM pages, each
# mapped by two probes, in each domain.
doms=$(cat $KSM/ext_domains)
log "ext_domains: $(tr '\n' ';' <<<"$doms")"
for d in "$A" "$B"; do
	row=$(awk -v id="$(cg_id "$d")" '$1 == id' <<<"$doms")
	[ "$row" = "$(cg_id "$d") 2 $N $N" ] || fail "ext_domains row for $d: '$row', want 2 mms, $N shared, $N sharing"
done
counters_consistent "two tenants"
log "two tenants: $N frames each, none in common"

# b1 moves to A while merged: its pages leave B's frames and merge with
# A's.  No frame of b1 is ever in both A's and b2's frames.
echo "${MP_PID[b1]}" >"$A/cgroup.procs"
for ((i = 0; i < 600; i++)); do
	[ "$(common "a1 a2" b2)" -eq 0 ] || fail "A's and b2's frames meet during the move"
	fa=$(common "a1 a2" b1) fb=$(common b1 b2)
	[ "$fa" -gt 0 ] && [ "$fb" -gt 0 ] && fail "b1 shares frames with A ($fa) and with b2 ($fb) at once"
	wait_merged_with 1 a1 a2 b1 && break
done
wait_merged_with 1 a1 a2 b1 || fail "b1 never merged with tenant A ($(ksm_state))"
[ "$(common b1 b2)" -eq 0 ] || fail "b1 still shares frames with b2"
[ "$(domain_of b1)" = "$(cg_id "$A")" ] || fail "b1 in domain $(domain_of b1) after the move"
check_isolated "after the move" "a1 a2 b1" b2
counters_consistent "after the move"
log "b1 moved to A: merged with A's $N frames, none shared with b2"

# Detached while merged: one domain, everything merges together.
echo none >$KSM/ext_policy
wait_merged_with 300 a1 a2 b1 b2 || fail "probes never merged in one domain after detach"
[ "$(domain_of b2)" = 0 ] || fail "b2 in domain $(domain_of b2) with no policy"
for p in a1 a2 b1 b2; do
	[ "$(field bad "$(mp $p verify)")" -eq 0 ] || fail "after detach: $p holds wrong data"
done
counters_consistent "detached"

# Attached again while merged: the tenants split again.
"$BIN/ksm-loader" policy unload >/dev/null || fail "unloading tenants failed"
"$BIN/ksm-loader" policy load tenants >/dev/null || fail "reloading tenants failed"
echo "${MP_PID[b1]}" >"$B/cgroup.procs"
wait_merged_with 300 a1 a2 || fail "A never merged again after re-attach"
wait_merged_with 300 b1 b2 || fail "B never merged again after re-attach"
check_isolated "re-attached" "a1 a2" "b1 b2"
counters_consistent "re-attached"
for p in a1 a2 b1 b2; do mp_stop $p; done
echo ok
