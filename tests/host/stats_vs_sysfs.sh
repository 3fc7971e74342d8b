#!/bin/bash
# BPF stats against the kernel's own counters, on the host's real KSM.
#
# Runs ksm-workload with ksmd at a fast rate and checks that
#  - the BPF merge counts match the pages_shared/pages_sharing deltas:
#    a pair merge adds one to each, a merge into a KSM page one to
#    pages_sharing, so  d(pages_shared) = pairs  and
#    d(pages_sharing) = pairs + stable merges;
#  - the per-process rows name the workload's PIDs, and the per-cgroup row
#    of the cgroup it ran in (when cgroup v2 is mounted) adds them up;
#  - the full-scan history is plausible;
#  - the workload's integrity check finds 0 corrupted pages.
#
# Tolerance: both sides are read while ksmd is stopped (run=0), so they
# describe the same instant.  The workload never writes a merged page (dup
# and zero pages are written once; volatile pages are unique and never
# merge), so no unmerge can move pages_sharing behind the tracepoints' back.
# What remains is a pair whose stable-tree insertion fails after both halves
# merged (break_cow on both: counted by BPF, invisible in sysfs), which
# happens only when a stable_node allocation fails.  We allow 0.5% of the
# delta plus 2 pages for that; in practice the difference is 0.
set -euo pipefail
. "$(dirname "$0")/../lib/host.sh"
require_root_ksm
command -v jq >/dev/null || skip "jq not installed (make deps)"

ksm_prepare
ksm_settle
ksm_set run 0
ksm_set pages_to_scan 5000
ksm_set sleep_millisecs 10
"$BIN/ksm-loader" --pin-dir "$PIN" stats start || fail "stats start"

snap() {	# prefix: sets ${prefix}_shared _sharing _pair _stable
	local j
	j=$("$BIN/ksm-loader" --pin-dir "$PIN" --json stats show) || fail "stats show"
	eval "$1_shared=$(ksm_get pages_shared) $1_sharing=$(ksm_get pages_sharing)"
	eval "$1_pair=$(jq .counters.merge_pair <<<"$j") $1_stable=$(jq .counters.merge_stable <<<"$j")"
}
snap a

# Run the workload in a cgroup v2 of its own when we can make one.
cg2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
cg= cgid=
if [ -n "$cg2" ] && mkdir "$cg2/ksm-ext-test-$$" 2>/dev/null; then
	cg=$cg2/ksm-ext-test-$$
	cgid=$(stat -c %i "$cg")
	_rm_cgroup() { rmdir "$cg" 2>/dev/null; }
	at_exit _rm_cgroup
fi
in_cgroup() {
	if [ -n "$cg" ]; then
		echo "$BASHPID" >"$cg/cgroup.procs" || fail "cannot move into $cg"
	fi
	exec "$@"
}

out=$TMP/workload.out
spawn in_cgroup "$BIN/ksm-workload" -p 4 -m 32 --dup 0.25 --zero 0.05 --unique 0.5 \
	--volatile 0.2 --volatile-rate 2000 --seed 7 >"$out" 2>&1
wpid=${_pids[-1]}
layout=$(wait_line "$out" 30 '^LAYOUT') || fail "no LAYOUT line: $(cat "$out")"
ready=$(wait_line "$out" 60 '^READY') || fail "workload never got READY: $(cat "$out")"
expect=$(field expected_pages_sharing "$layout")
pids=$(field pids "$ready" | tr , ' ')
log "workload ready, pids $pids, expected pages_sharing $expect"
ksm_set run 1

# Wait until the workload's pages have merged (95% of the theoretical max)
# and two more full scans completed.
t0=$SECONDS
while :; do
	got=$(($(ksm_get pages_sharing) - a_sharing))
	[ "$got" -ge $((expect * 95 / 100)) ] && break
	[ $((SECONDS - t0)) -lt 120 ] || fail "only $got of $expect pages merged after 120 s ($(ksm_state))"
	sleep 0.5
done
scans=$(ksm_get full_scans)
while [ "$(ksm_get full_scans)" -lt $((scans + 2)) ]; do sleep 0.2; done
log "merged $got of $expect in $((SECONDS - t0)) s"

ksm_set run 0
snap b
d_shared=$((b_shared - a_shared)) d_sharing=$((b_sharing - a_sharing))
pairs=$((b_pair - a_pair)) stable=$((b_stable - a_stable))
log "sysfs: d(pages_shared)=$d_shared d(pages_sharing)=$d_sharing"
log "bpf:   pairs=$pairs stable=$stable -> shared $pairs, sharing $((pairs + stable))"
within() {	# what expected actual
	local diff=$(($3 - $2)) tol=$(($2 / 200 + 2))
	[ ${diff#-} -le $tol ] || fail "$1: BPF says $2, sysfs moved by $3 (tolerance $tol)"
}
within pages_shared "$pairs" "$d_shared"
within pages_sharing "$((pairs + stable))" "$d_sharing"
[ "$pairs" -gt 0 ] || fail "no pair merges counted"

# Per-process rows: every workload PID merged pages.
j=$("$BIN/ksm-loader" --pin-dir "$PIN" --json -n 64 stats show) || fail "stats show -n 64"
for p in $pids; do
	m=$(jq "[.procs[] | select(.pid == $p) | .merges] | add // 0" <<<"$j")
	comm=$(jq -r "[.procs[] | select(.pid == $p) | .comm][0] // \"\"" <<<"$j")
	[ "$m" -gt 0 ] || fail "no BPF row with merges for workload pid $p"
	[ "$comm" = ksm-workload ] || fail "pid $p row has comm '$comm'"
done
log "per-process rows: $(jq -c '[.procs[] | {pid, merges}]' <<<"$j")"
if [ -n "$cgid" ]; then
	want=$(jq "[.procs[] | select(.cgroup_id == $cgid) | .merges] | add // 0" <<<"$j")
	have=$(jq "[.cgroups[] | select(.cgroup_id == $cgid) | .merges] | add // 0" <<<"$j")
	[ "$have" -gt 0 ] && [ "$have" -eq "$want" ] ||
		fail "cgroup $cgid row has $have merges, its processes $want"
	log "cgroup $cg (id $cgid): $have merges"
else
	log "no cgroup v2 mount: per-cgroup row not checked"
fi

# Scan history: consecutive passes, sane durations and CPU times.
n=$(jq '.scans | length' <<<"$j")
[ "$n" -ge 2 ] || fail "only $n full scans recorded"
bad=$(jq '[.scans[] | select(.end_ns <= .start_ns or .duration_s > 120
	or .rmap_items_end == 0 or .ksmd_cpu_ns > (.end_ns - .start_ns) * 1.05 + 4000000)] | length' <<<"$j")
[ "$bad" -eq 0 ] || fail "implausible scans: $(jq -c .scans <<<"$j")"
gaps=$(jq '[.scans as $s | range(1; $s | length) | select($s[.].seq != $s[. - 1].seq + 1)] | length' <<<"$j")
[ "$gaps" -eq 0 ] || fail "scan history has gaps: $(jq -c '[.scans[].seq]' <<<"$j")"
log "scans: $(jq -c '[.scans[-3:][] | {seq, duration_s, rmap_items_end, merges, ksmd_cpu_pct}]' <<<"$j")"

# Integrity: stop the workload, it verifies every page.
rc=0
stop_pid "$wpid" || rc=$?
result=$(grep '^RESULT' "$out") || fail "no RESULT line: $(cat "$out")"
log "$result"
[ "$(field corrupted "$result")" = 0 ] || fail "corrupted pages: $result"
[ "$rc" -eq 0 ] || fail "workload exited $rc"
echo "ok"
