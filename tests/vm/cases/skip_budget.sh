#!/bin/bash
# Skipping is charged to the scan budget.  With 512 MiB merged in one
# process (KSM_EXT_BUDGET_MIB=1024 for 1 GiB, which takes 2.5 minutes to
# merge under TCG) and skip_all attached, ksmd's CPU time and the latency
# of mprotect/mmap in that process stay at the no-policy figures; and with
# the pages merged or all unmerged (skipped), a full scan takes at least
# the wake-ups pages_to_scan allows: skipping cannot make ksmd walk a pass
# per wake-up.  The first series did that under skip_all, under the mm's
# mmap_lock.  The soft-lockup detector and vmtest.sh's splat check watch
# the console.  (The guest clock ticks in 4 ms jiffies, so latencies are
# coarse; the pass count is exact.)
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
ksm_prepare
# ksm_settle leaves ksmd fast: 5000 pages every 10 ms.
ksm_settle
pages=$((${KSM_EXT_BUDGET_MIB:-512} * 256))

probe_start $pages
probe_wait_merged $pages
# A rate ksmd can keep without saturating a CPU, so that extra work shows.
ksm_set pages_to_scan 1000
ksm_set sleep_millisecs 20

# Sets cpu (ksmd CPU in per mille of one CPU), p99 and max (us) over one
# latency run of the probe.
measure() {
	local c0 c1 t0 t1 lat
	c0=$(ksmd_cpu_ns)
	t0=$(date +%s%N)
	lat=$(probe "lat 1000")
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
skipped0=$(ksm_get ext_mms_skipped)
wait_scans 1
skipped=$(($(ksm_get ext_mms_skipped) - skipped0))
measure
cpu1=$cpu p99_1=$p99 max1=$max
log "$pages pages merged; no policy: ksmd ${cpu0}‰ CPU, mprotect/mmap p99 ${p99_0} us, max ${max0} us"
log "skip_all:  ksmd ${cpu1}‰ CPU, mprotect/mmap p99 ${p99_1} us, max ${max1} us (mms skipped: $skipped)"

# max_passes MS: the most full scans ksmd can finish in MS milliseconds if
# every page costs a step: pages/pages_to_scan wake-ups a pass, each
# followed by sleep_millisecs.
max_passes() { echo $(($1 / (pages / 1000 * 20) + 1)); }
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
log "skip_all: full scans in 3 s: $merged_passes merged, $skipped_passes unmerged ($pskipped pages skipped); at most $(max_passes 3000) if every page costs a step"
[ "$merged_passes" -le "$(max_passes 3000)" ] ||
	fail "$merged_passes full scans in 3 s under skip_all (merged): pages_to_scan allows $(max_passes 3000)"
[ "$skipped_passes" -le "$(max_passes 3000)" ] ||
	fail "$skipped_passes full scans in 3 s under skip_all (unmerged): pages_to_scan allows $(max_passes 3000)"
[ "$pskipped" -gt 0 ] || fail "skip_all skipped no page of the unmerged probe"
[ "$skipped" -gt 0 ] || fail "skip_all skipped no mm: the measurement did not cover a skip"
# Shared TCG guest (1 CPU): allow noise, not a different regime.
[ "$cpu1" -le $((cpu0 * 5 / 4 + 20)) ] ||
	fail "ksmd used ${cpu1}‰ CPU under skip_all, ${cpu0}‰ without a policy"
[ "$p99_1" -le $((p99_0 * 2 + 2000)) ] ||
	fail "mprotect/mmap p99 ${p99_1} us under skip_all, ${p99_0} us without a policy"
detach skip_all
probe_stop
echo ok
