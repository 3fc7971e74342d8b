#!/bin/bash
# Merged pages that are then written must come apart with the right data.
#
# ksm-workload --volatile-shared gives volatile pages content that depends on
# (slot, generation) only, so copies that are in step across processes merge
# and the next rewrite breaks the copy-on-write.  With ksmd fast, this runs
# for a while; the test checks that copy-on-write breaks of KSM pages really
# happened (cow_ksm in /proc/vmstat) and that the workload's integrity check
# finds every page holding what its process last wrote.
set -euo pipefail
. "$(dirname "$0")/../lib/host.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root"
[ -w $KSM/run ] || skip "no KSM on this kernel ($KSM/run missing)"
grep -q '^cow_ksm ' /proc/vmstat || skip "no cow_ksm in /proc/vmstat (Linux >= 6.4 needed to count COW breaks)"

ksm_prepare
ksm_set pages_to_scan 5000
ksm_set sleep_millisecs 10
ksm_set run 1
cow0=$(awk '$1 == "cow_ksm" {print $2}' /proc/vmstat)

# A slow kernel gets up to four runs to show the path; each run must pass
# its integrity check.  A volatile page merges only if it stays unchanged
# for two of ksmd's visits, so each run after the first is smaller and
# rewrites slower: on the KASAN kernel under TCG, at 16 MiB a process and
# each volatile page rewritten every second, ksmd merged none in four
# runs of 12 s.  Each run: MiB a process, rewrites a second a process, s.
runs=("16 2000 12" "4 200 15" "4 50 20" "2 20 30")
cow=0
for run in 1 2 3 4; do
	out=$TMP/workload.$run.out
	rc=0
	read -r mib wps secs <<<"${runs[run - 1]}"
	"$BIN/ksm-workload" -p 4 -m "$mib" --dup 0.2 --zero 0.05 --unique 0.25 \
		--volatile 0.5 --volatile-shared --volatile-rate "$wps" -d "$secs" --seed 11 >"$out" 2>&1 || rc=$?
	cow=$(($(awk '$1 == "cow_ksm" {print $2}' /proc/vmstat) - cow0))
	result=$(grep '^RESULT' "$out") || fail "no RESULT line (exit $rc): $(cat "$out")"
	log "run $run ($mib MiB a process, $wps rewrites/s, $secs s): $result"
	log "copy-on-write breaks of KSM pages so far: $cow"
	[ "$(field corrupted "$result")" = 0 ] || fail "corrupted pages: $result"
	[ "$rc" -eq 0 ] || fail "workload exited $rc: $(cat "$out")"
	# The host sees tens of thousands; a qemu TCG guest, where ksmd merges
	# a page in ~150 us, about a hundred (92 once): twenty show the path ran.
	[ "$cow" -lt 20 ] || break
done
[ "$cow" -ge 20 ] || fail "only $cow KSM copy-on-write breaks in $run runs: the test did not exercise them"
echo ok
