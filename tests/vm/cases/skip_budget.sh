#!/bin/bash
# A policy's skips cost (almost) nothing, and one wake-up's work stays
# bounded.  With 512 MiB merged in one process (KSM_EXT_BUDGET_MIB=1024 for
# 1 GiB, which takes 2.5 minutes to merge under TCG) and skip_all attached,
# ksmd steps over the settled mm in one step a pass instead of walking its
# pages: its CPU falls to a fraction of the no-policy figure, full scans
# complete many times faster than pages_to_scan allows a page-by-page walk,
# and mprotect/mmap latency in the process stays at the no-policy figure.
# Before kernel v3 a skipped page cost a step, so skip_all used as much CPU
# as no policy (1.01x).  The soft-lockup detector and vmtest.sh's splat
# check watch the console.  (The guest clock ticks in 4 ms jiffies, so
# latencies are coarse; the pass count is exact.)
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
# settle leaves ksmd fast: 5000 pages every 10 ms.
ksm_ext_setup settle
pages=$((${KSM_EXT_BUDGET_MIB:-512} * 256))

probe_start $pages
probe_wait_merged $pages
# A rate ksmd can keep without saturating a CPU, so that extra work shows.
ksm_set pages_to_scan 1000
ksm_set sleep_millisecs 20

# Sets cpu (ksmd CPU in per mille of one CPU) over one latency run of the
# probe and 3 s more, p99 and max (us) of that run.
measure() {
	local c0 c1 t0 t1 lat
	c0=$(ksmd_cpu_ns)
	t0=$(date +%s%N)
	lat=$(probe "lat 1000")
	sleep 3
	c1=$(ksmd_cpu_ns)
	t1=$(date +%s%N)
	cpu=$(((c1 - c0) * 1000 / (t1 - t0)))
	p99=$(field p99 "$lat") max=$(field max "$lat")
}

sleep 1
measure
cpu0=$cpu p99_0=$p99 max0=$max
attach skip_all
# skip_all is asked about an mm once per pass: start a pass under it.
# The first passes settle the mm (its rmap_items checked once); from then
# on ksmd steps over it in one step a pass.
skipped0=$(ksm_get ext_mms_skipped)
wait_scans 3
skipped=$(($(ksm_get ext_mms_skipped) - skipped0))
measure
cpu1=$cpu p99_1=$p99 max1=$max
log "$pages pages merged; no policy: ksmd ${cpu0}‰ CPU, mprotect/mmap p99 ${p99_0} us, max ${max0} us"
log "skip_all:  ksmd ${cpu1}‰ CPU, mprotect/mmap p99 ${p99_1} us, max ${max1} us (mms skipped: $skipped)"

# walk_passes MS: the most full scans ksmd could finish in MS milliseconds
# if every page cost a step: pages/pages_to_scan wake-ups a pass, each
# followed by sleep_millisecs.
walk_passes() { echo $(($1 / (pages / 1000 * 20) + 1)); }
passes_in() {	# MS: full scans ksmd finishes in MS milliseconds
	local f0
	f0=$(ksm_get full_scans)
	sleep "$(awk -v ms="$1" 'BEGIN {print ms / 1000}')"
	echo $(($(ksm_get full_scans) - f0))
}
merged_passes=$(passes_in 3000)
# Now every page differs: none is a KSM page, skip_all skips them all.
probe "cow $pages" >/dev/null
pskip0=$(ksm_get ext_pages_skipped)
wait_scans 1
skipped_passes=$(passes_in 3000)
pskipped=$(($(ksm_get ext_pages_skipped) - pskip0))
log "skip_all: full scans in 3 s: $merged_passes merged, $skipped_passes unmerged ($pskipped pages stepped over); a page-by-page walk allows $(walk_passes 3000)"
[ "$merged_passes" -gt $((4 * $(walk_passes 3000))) ] ||
	fail "$merged_passes full scans in 3 s under skip_all (merged): skips still cost a step a page ($(walk_passes 3000))"
[ "$skipped_passes" -gt $((4 * $(walk_passes 3000))) ] ||
	fail "$skipped_passes full scans in 3 s under skip_all (unmerged): skips still cost a step a page ($(walk_passes 3000))"
[ "$pskipped" -gt 0 ] || fail "skip_all stepped over no page of the unmerged probe"
[ "$skipped" -gt 0 ] || fail "skip_all skipped no mm: the measurement did not cover a skip"
# The target is 0.05x (docs/BENCHMARKS.md); the shared TCG guest gets
# room for noise, not for a page-by-page walk (1.0x).
[ "$cpu1" -le $((cpu0 / 5 + 10)) ] ||
	fail "ksmd used ${cpu1}‰ CPU under skip_all, ${cpu0}‰ without a policy"
[ "$p99_1" -le $((p99_0 * 2 + 2000)) ] ||
	fail "mprotect/mmap p99 ${p99_1} us under skip_all, ${p99_0} us without a policy"
detach skip_all
probe_stop
# What is left under skip_all is ksmd's cost of a wake-up and a pass over
# one mm: the same as without a policy when one page is mergeable.
probe_start 1
sleep 1
measure
log "no policy, one mergeable page: ksmd ${cpu}‰ CPU (the cost of waking up for a pass)"
probe_stop
echo ok
