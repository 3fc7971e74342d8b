#!/bin/bash
# Cost of the ksm_ext hooks: ksmd CPU time per scanned page with no policy
# and with the passthrough policy, on the same kernel, in one run.  Runs in
# the VM (make bench-hooks).  smart_scan is off so every pass does the same
# work on a workload that has fully merged and no longer changes; the two
# modes alternate (A B B A ...) so drift hits both alike.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests' harness (tests/lib/): workloads, policies, skip/fail, and
# the KSM knobs restored at exit.
. tests/lib/host.sh
. tests/lib/vm.sh
require_ksm_ext
ROUNDS=${ROUNDS:-6} SCANS=${SCANS:-3} MIB=${MIB:-8}
ksm_prepare
ksm_settle
ksm_set smart_scan 0
ksm_set pages_to_scan 4000
ksm_set sleep_millisecs 10
ksm_set run 1
base=$(ksm_get pages_sharing)
start_workload -p 4 -m "$MIB" --seed 1 -r 0
wait_sharing "$base" 300 "$WL_EXPECT" >/dev/null || fail "workload did not merge"
wait_scans 2
ksmd=$(pgrep -x ksmd)
cpu_ns() { awk '{print $1}' /proc/"$ksmd"/schedstat; }

declare -A cpu pages
cpu[none]=0 cpu[passthrough]=0 pages[none]=0 pages[passthrough]=0
measure() {	# mode
	local c0 p0
	[ "$1" = passthrough ] && attach passthrough
	wait_scans 1
	c0=$(cpu_ns) p0=$(ksm_get pages_scanned)
	wait_scans "$SCANS"
	cpu[$1]=$((cpu[$1] + $(cpu_ns) - c0))
	pages[$1]=$((pages[$1] + $(ksm_get pages_scanned) - p0))
	[ "$1" = passthrough ] && detach passthrough
	return 0
}
for ((r = 0; r < ROUNDS; r++)); do
	if ((r % 2)); then measure passthrough; measure none
	else measure none; measure passthrough; fi
done
stop_workload >/dev/null
awk -v cn="${cpu[none]}" -v pn="${pages[none]}" -v cp="${cpu[passthrough]}" \
    -v pp="${pages[passthrough]}" -v r="$ROUNDS" -v s="$SCANS" 'BEGIN {
	n = cn / pn; p = cp / pp
	printf "bench-hooks: %d rounds x %d full scans per mode, smart_scan=0\n", r, s
	printf "bench-hooks: no policy:   %.1f ns of ksmd CPU per scanned page (%d pages)\n", n, pn
	printf "bench-hooks: passthrough: %.1f ns of ksmd CPU per scanned page (%d pages)\n", p, pp
	printf "bench-hooks: passthrough/none = %.3f (%+.1f%%)\n", p / n, 100 * (p / n - 1)
}'
