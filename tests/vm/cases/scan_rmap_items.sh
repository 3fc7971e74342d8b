#!/bin/bash
# The scan ring's rmap_items_end is the kernel's own count of rmap_items as
# a pass ends, not the pages the pass compared: under scope, processes
# outside the scope keep the rmap_items they got before the policy came,
# and no pass looks at them.  With smart scan off (a pass compares every
# page it does not skip):
#  - with ksmd stopped after two passes that ended alike, the last pass's
#    rmap_items_end equals pages_shared + pages_sharing + pages_unshared +
#    pages_volatile and the processes' ksm_rmap_items added up;
#  - a pass compares (pages_scanned per full scan) about the items of the
#    processes in scope, rmap_items_end less the outside ones';
#  - with the policy unloaded, a pass compares about rmap_items_end again.
# Compared pages are averaged over 40 passes, whose two ends may each fall
# inside a pass: a pass's worth over 40 off at most, and the bound is a
# tenth.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
ksm_ext_setup settle smart_scan=0	# settle: ksmd scans 5000 pages every 10 ms
# The scope: one cgroup; the processes outside it stay in the test's own.
IN=/sys/fs/cgroup/ksm_rmap_in.$$
mkdir "$IN" || skip "cannot create a cgroup under /sys/fs/cgroup"
_rmap_cleanup() { "$BIN/ksm-loader" policy unload >/dev/null 2>&1; rmdir "$IN" 2>/dev/null; }
at_exit _rmap_cleanup
"$BIN/ksm-loader" --pin-dir "$PIN" stats start >/dev/null || fail "ksm-loader stats start"

# rmap_items FILE...: ksm_rmap_items of /proc/PID/ksm_stat files added up
# (a process gone meanwhile counts 0); pids_stat PID... names the files.
rmap_items() {
	{ cat "$@" 2>/dev/null || true; } |
		awk '$1 == "ksm_rmap_items" {n += $2} END {print n + 0}'
}
pids_stat() { printf '/proc/%s/ksm_stat\n' "$@"; }
ring() { "$BIN/ksm-loader" --pin-dir "$PIN" --json -n 2 stats show; }
sysfs_items() {
	echo $(($(ksm_get pages_shared) + $(ksm_get pages_sharing) +
		$(ksm_get pages_unshared) + $(ksm_get pages_volatile)))
}
# Wait until the last two passes ended with the same rmap_items.
settled() {
	local i j
	for ((i = 0; i < 300; i++)); do
		j=$(ring) || fail "ksm-loader stats show"
		[ "$(jq '(.scans | length) == 2 and
			.scans[0].rmap_items_end == .scans[1].rmap_items_end' <<<"$j")" = true ] &&
			return 0
		sleep 0.2
	done
	fail "rmap_items_end never settled: $(jq -c '.scans' <<<"$j")"
}
# Pages a full scan compares (and skips), averaged over 40 passes; ksmd
# is stopped while each end is read, so the counters agree with each other.
per_pass() {
	local s0 k0 f0 f1
	ksm_set run 0
	s0=$(ksm_get pages_scanned) k0=$(ksm_get ext_pages_skipped) f0=$(ksm_get full_scans)
	ksm_set run 1
	wait_scans 40
	ksm_set run 0
	f1=$(ksm_get full_scans)
	COMPARED=$((($(ksm_get pages_scanned) - s0) / (f1 - f0)))
	SKIPPED=$((($(ksm_get ext_pages_skipped) - k0) / (f1 - f0)))
	ksm_set run 1
}
near() {	# what want got: |got - want| <= want/10 + 64
	local d=$(($3 - $2))
	[ ${d#-} -le $(($2 / 10 + 64)) ] || fail "$1: want about $2, got $3"
}

# Outside the scope to come, madvised and scanned with no policy: its
# pages get rmap_items (and its duplicates merge).
start_workload -p 2 -m 4 --seed 5 -r 0
out_pids=$WL_PIDS out_wl=$WL_PID out_file=$WL_OUT
wait_scans 2

"$BIN/ksm-loader" policy load scope --set cgroup="$IN" >/dev/null ||
	fail "ksm-loader policy load scope failed"
WL_WRAP=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$IN")
start_workload -p 2 -m 4 --seed 6 -r 0 --first-proc 2
WL_WRAP=()
wait_scans 3
settled
ksm_set run 0
ring_items=$(ring | jq '.scans[-1].rmap_items_end')
kernel_items=$(sysfs_items) procs_items=$(rmap_items /proc/[0-9]*/ksm_stat)
out_items=$(rmap_items $(pids_stat $out_pids))
in_items=$((procs_items - out_items))	# the workload in scope and its parent
ksm_set run 1
log "scope: rmap_items_end $ring_items; sysfs $kernel_items; processes $procs_items" \
	"(outside $out_items, in scope $in_items)"
[ "$out_items" -gt 0 ] || fail "the processes outside the scope have no rmap_items"
[ "$ring_items" -eq "$kernel_items" ] ||
	fail "rmap_items_end $ring_items, the kernel's rmap_items $kernel_items"
[ "$ring_items" -eq "$procs_items" ] ||
	fail "rmap_items_end $ring_items, the processes' ksm_rmap_items $procs_items"
per_pass
log "scope: a pass compares $COMPARED pages and skips $SKIPPED; rmap_items_end $ring_items"
near "pages compared per pass under scope" "$in_items" "$COMPARED"
[ $((ring_items - COMPARED)) -gt $((ring_items / 4)) ] ||
	fail "rmap_items_end $ring_items is about the $COMPARED pages a pass compares"

# No policy: every process is compared again, and the two agree.
"$BIN/ksm-loader" policy unload >/dev/null || fail "ksm-loader policy unload"
wait_scans 3
settled
ring_items=$(ring | jq '.scans[-1].rmap_items_end')
per_pass
log "no policy: a pass compares $COMPARED pages; rmap_items_end $ring_items"
near "pages compared per pass without a policy" "$ring_items" "$COMPARED"
stop_workload
WL_PID=$out_wl WL_OUT=$out_file
stop_workload
echo ok
