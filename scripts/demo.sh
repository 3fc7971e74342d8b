#!/bin/bash
# make demo: start the BPF stats and ksm-policyd, run ksm-workload on the
# host's KSM and show merging live while ksm-policyd tunes ksmd (it boosts
# while pages merge, then backs off), then a summary of pages saved against
# the workload's theoretical maximum and ksm-policyd's decisions.  Every KSM
# knob it changes is restored on exit (POLICYD=0: static knobs instead).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ksm-knobs.sh
BUILD=${BUILD:-build}
BIN=$BUILD/bin
PROCS=${PROCS:-4} MIB=${MIB:-64}
PAGES_TO_SCAN=${PAGES_TO_SCAN:-1000} SLEEP_MS=${SLEEP_MS:-20} POLICYD=${POLICYD:-1}

die() { echo "demo: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (it changes /sys/kernel/mm/ksm and loads BPF)"
[ -w $KSM/run ] || die "this kernel has no KSM ($KSM)"

out=$(mktemp) pdlog=$(mktemp) pdstate=$(mktemp -u)
ksm_save
wpid= own_stats= pdpid=
# Every step runs, whatever fails before it (errexit off): the knobs must
# come back.
cleanup() {
	set +e
	[ -n "$wpid" ] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	[ -n "$pdpid" ] && kill "$pdpid" 2>/dev/null && wait "$pdpid" 2>/dev/null
	[ -n "$own_stats" ] && "$BIN/ksm-loader" stats stop
	ksm_restore
	rm -f "$out" "$pdlog" "$pdstate"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stats=yes
if [ -d /sys/fs/bpf/ksm_ext/stats ]; then
	echo "demo: BPF stats already running; using them"
elif "$BIN/ksm-loader" stats start; then
	own_stats=1
else
	echo "demo: continuing with sysfs figures only"
	stats=
fi

[ -w $KSM/advisor_mode ] && ksm_set advisor_mode none
# So the baseline below does not move under the demo.
ksm_settle
if [ "$POLICYD" = 1 ]; then
	# Start from the stock defaults; ksm-policyd takes it from there.
	ksm_set pages_to_scan 100
	ksm_set sleep_millisecs 20
	"$BIN/ksm-policyd" -c etc/ksm-policyd.conf --state-file "$pdstate" 2>"$pdlog" &
	pdpid=$!
	for _ in $(seq 100); do grep -q started "$pdlog" && break; sleep 0.1; done
	grep -q started "$pdlog" || die "ksm-policyd did not start: $(cat "$pdlog")"
	sed 's/^[0-9:.]* //' "$pdlog" | grep -E 'inputs|started'
else
	ksm_set pages_to_scan "$PAGES_TO_SCAN"
	ksm_set sleep_millisecs "$SLEEP_MS"
fi
base_sharing=$(cat $KSM/pages_sharing)
ksmd=$(pgrep -x ksmd | head -1)
cpu_ticks() { awk '{print $14 + $15}' /proc/"$ksmd"/stat; }
hz=$(getconf CLK_TCK)

if [ -n "$pdpid" ]; then
	echo "demo: ksm-policyd tunes ksmd; starting ksm-workload -p $PROCS -m $MIB"
else
	echo "demo: ksmd at $PAGES_TO_SCAN pages every $SLEEP_MS ms; starting ksm-workload -p $PROCS -m $MIB"
fi
"$BIN/ksm-workload" -p "$PROCS" -m "$MIB" >"$out" 2>&1 &
wpid=$!
for _ in $(seq 300); do grep -q '^READY' "$out" && break; sleep 0.1; done
grep -q '^READY' "$out" || die "workload did not start: $(cat "$out")"
layout=$(grep '^LAYOUT' "$out") || die "no LAYOUT line: $(cat "$out")"
expect=$(sed -n 's/.* expected_pages_sharing=\([0-9]*\).*/\1/p' <<<"$layout")
echo "demo: $layout"
echo

printf '%5s %12s %7s %10s %10s %8s %12s %10s\n' time pages_sharing "% max" saved_MiB full_scans ksmd_cpu pages/sleep bpf_merges
t0=$(date +%s.%N) c0=$(cpu_ticks) prev_c=$c0 prev_t=$t0 peak=0 flat=0 after=-1
for i in $(seq 120); do
	sleep 1
	now=$(date +%s.%N) c=$(cpu_ticks)
	sharing=$(($(cat $KSM/pages_sharing) - base_sharing))
	merges=-
	# A failed reading shows as "-"; the demo goes on.
	[ -n "$stats" ] && { merges=$("$BIN/ksm-loader" --json stats show |
		jq '.counters.merge_pair + .counters.merge_stable + .counters.merge_zero') || merges=-; }
	awk -v t="$(echo "$now - $t0" | bc)" -v s="$sharing" -v e="$expect" \
	    -v fs="$(cat $KSM/full_scans)" -v dc=$((c - prev_c)) -v dt="$(echo "$now - $prev_t" | bc)" \
	    -v hz="$hz" -v m="$merges" -v k="$(cat $KSM/pages_to_scan)/$(cat $KSM/sleep_millisecs)ms" 'BEGIN {
		printf "%4.0fs %12d %6.1f%% %10.1f %10d %7.1f%% %12s %10s\n",
		       t, s, e ? 100 * s / e : 0, s * 4096 / 1048576, fs, 100 * dc / hz / dt, k, m }'
	prev_c=$c prev_t=$now
	# Done at the theoretical maximum, or once within 5% of it and flat
	# for 5 s (another KSM user on the machine can move the global count).
	if [ "$sharing" -gt "$peak" ]; then
		peak=$sharing flat=0
	else
		flat=$((flat + 1))
	fi
	[ "$i" -ge 3 ] || continue
	# With ksm-policyd, a few more seconds show it backing off.
	if [ "$after" -lt 0 ]; then
		if [ "$sharing" -ge "$expect" ] ||
		   { [ $((sharing * 100)) -ge $((expect * 95)) ] && [ "$flat" -ge 5 ]; }; then
			after=0
			elapsed=$(echo "$now - $t0" | bc)
			[ -z "$pdpid" ] && break
		fi
	else
		after=$((after + 1))
		[ "$after" -ge 6 ] && break
	fi
done

[ "$after" -ge 0 ] || elapsed=$(echo "$(date +%s.%N) - $t0" | bc)
c_end=$(cpu_ticks)
if [ -n "$pdpid" ]; then
	kill -TERM "$pdpid"
	wait "$pdpid" || die "ksm-policyd exited $? on SIGTERM: $(tail -n 3 "$pdlog")"
	pdpid=
	echo
	echo "== ksm-policyd's decisions (one line per change, with the reason) =="
	# The first 30; awk reads to the end, so nothing dies of SIGPIPE.
	sed 's/^[0-9:.]* ksm-policyd: //' "$pdlog" | awk '/->|stopped/ && ++n <= 30'
	echo "knobs now:     pages_to_scan=$(cat $KSM/pages_to_scan) sleep_millisecs=$(cat $KSM/sleep_millisecs) (as before ksm-policyd)"
fi
wrc=0
kill -TERM "$wpid"
wait "$wpid" || wrc=$?
wpid=
result=$(grep '^RESULT' "$out") || die "ksm-workload exited $wrc with no RESULT line: $(tail -n 3 "$out")"
echo
if [ -n "$stats" ]; then
	echo "== ksm-loader stats show (last 4 full scans) =="
	"$BIN/ksm-loader" -n 4 stats show
	echo
fi
echo "== summary =="
awk -v s="$peak" -v e="$expect" -v t="$elapsed" -v c=$((c_end - c0)) -v hz="$hz" 'BEGIN {
	printf "pages saved:   %d of a theoretical maximum of %d (%.1f%%), %.1f MiB\n", s, e, e ? 100 * s / e : 0, s * 4096 / 1048576
	printf "time:          %.1f s to there; ksmd CPU %.2f s over the whole run\n", t, c / hz }'
echo "integrity:     $result"
grep -q ' corrupted=0 ' <<<"$result " || die "the workload found corrupted pages"
[ "$wrc" -eq 0 ] || die "ksm-workload exited $wrc"
