#!/bin/bash
# A policy that spends as long as a bounded loop allows in every scan_page
# (hog: bpf_loop of 8M iterations) slows ksmd down and nothing else: no
# soft lockup or RCU stall (vmtest.sh's splat check), the worst
# mmap/mprotect latency of the scanned process itself (its mmap_lock is
# held for reading across a call) stays within one call, the counters
# agree with the processes when it is detached, and everything merges
# again after.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle
L=$BIN/ksm-loader
_hog_cleanup() { "$L" policy unload >/dev/null 2>&1 || true; }
at_exit _hog_cleanup
pages=256

probe_start $pages
probe_wait_merged $pages
ksm_set pages_to_scan 100
ksm_set sleep_millisecs 20
lat=$(probe "lat 20")
p99_0=$(field p99 "$lat") max0=$(field max "$lat")

# Unmerged pages: the kernel asks scan_page only about pages that are not
# KSM pages yet.
probe "cow $pages" >/dev/null
"$L" policy load hog >/dev/null || fail "policy load hog"
# hog's stats, read at once: "CALLS TOTAL_NS MAX_NS LOOP_ERRORS".  Summed
# over CPUs by policy status, so MAX_NS is an upper bound of the longest.
hog_stats() {
	"$L" policy status --json |
		jq -r '.stats | "\(.calls) \(.total_ns) \(.max_ns) \(.loop_errors)"'
}
for ((i = 0; i < 600; i++)); do
	read -r calls _ <<<"$(hog_stats)"
	[ "$calls" -ge 3 ] && break
	sleep 0.1
done
[ "$calls" -ge 3 ] || fail "hog's scan_page ran $calls times in 60 s"
lat=$(probe "lat 10")
p99_1=$(field p99 "$lat") max1=$(field max "$lat")
read -r calls total_ns max_ns loop_errors <<<"$(hog_stats)"
call_max=$((max_ns / 1000)) call_avg=$((total_ns / calls / 1000))
[ "$loop_errors" -eq 0 ] || fail "bpf_loop refused hog's loop count"
log "no policy: mmap/mprotect p99 ${p99_0} us, max ${max0} us"
log "hog: $calls scan_page calls, ${call_avg} us each, longest ${call_max} us; mmap/mprotect of the scanned process p99 ${p99_1} us, max ${max1} us"
# A writer waits for at most the reader in front of it: one call, plus
# the rest of that page's work.  Shared TCG guest (1 CPU): generous slack.
[ "$max1" -le $((call_max * 2 + 200000)) ] ||
	fail "mmap/mprotect waited ${max1} us under hog, whose longest call took ${call_max} us"
"$L" policy unload >/dev/null || fail "policy unload hog"
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy is $(ksm_get ext_policy) after unload"

ksm_settle
probe "same $pages" >/dev/null
probe_wait_merged $pages
read -r k p <<<"$(ksm_counts_vs_procs)"
log "after hog: probe merged by pagemap; pages_shared+pages_sharing $k, processes' ksm_merging_pages $p"
[ "$k" -eq "$p" ] || fail "KSM counts $k merged mappings, the processes $p"
probe_stop
echo ok
