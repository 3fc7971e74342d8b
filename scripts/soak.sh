#!/bin/bash
# ksm-policyd soak on the host's KSM (make soak; not part of make check).
# For SOAK_SECONDS (1800) ksm-policyd tunes the real KSM (run=1) while
# ksm-workload processes start and stop all the time: a few small ones at
# once (1-2 processes of 2-8 MiB of mergeable content each), each living
# 3-60 s and then stopped with SIGTERM, so that mms keep entering and
# leaving KSM; now and then ksm-top -b looks on.  Every SOAK_SAMPLE (10) s
# ksm-policyd's VmRSS and open fds go to a CSV.  It passes when:
#   - ksm-policyd lives through the run and exits 0 on SIGTERM;
#   - its fd count is constant after the first minute;
#   - its RSS is flat: the largest sample of the last third of the run is
#     at most the largest of the first third + RSS_SLACK_KIB (256);
#   - pages_to_scan and sleep_millisecs are, once it has exited, exactly
#     what they were before it started (ksm-policyd gives them back), and
#     its state and metrics files are gone;
#   - every workload verified its memory intact (exit 0, corrupted=0);
#   - after the script gives back what it changed (run, advisor_mode),
#     every KSM knob is as found, and no process it started is left.
# The last line is the summary; exit 0 pass, 77 skip (the reason is the
# last line, as for tests/run.sh's host tests), 1 fail.  Knobs, processes
# and scratch files are cleaned up on failure and Ctrl-C too (tests/lib).
# Results: build/soak/<UTC time>/{samples.csv,policyd.log,workloads.log,
# summary.txt}.
# Environment: SOAK_SECONDS (1800; 120 for a quick run), SOAK_SAMPLE (10),
# SOAK_BUDGET (ksm-policyd's cpu_budget_pct, 20), SOAK_MAX_WORKLOADS (3
# at once), SOAK_SEED (the churn's random choices; default from the clock,
# printed), RSS_SLACK_KIB (256), BUILD, KSM_EXT_KEEP_TMP=1 keeps scratch.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib/host.sh

DUR=${SOAK_SECONDS:-1800}
SAMPLE=${SOAK_SAMPLE:-10}
BUDGET=${SOAK_BUDGET:-20}
MAXW=${SOAK_MAX_WORKLOADS:-3}
SLACK=${RSS_SLACK_KIB:-256}
SEED=${SOAK_SEED:-$(($(date +%s) % 32768))}
TOP_EVERY=300	# s between ksm-top -b looks (the first at 30 s)
SETTLE=60	# s after which the fd count must not move
for v in DUR SAMPLE BUDGET MAXW SLACK SEED; do
	[[ ${!v} =~ ^[0-9]+$ ]] || fail "$v must be a whole number, not '${!v}'"
done
[ "$DUR" -ge 30 ] || fail "SOAK_SECONDS must be at least 30"
{ [ "$SAMPLE" -ge 1 ] && [ "$MAXW" -ge 1 ]; } || fail "SOAK_SAMPLE and SOAK_MAX_WORKLOADS must be at least 1"

[ "$(id -u)" -eq 0 ] || skip "needs root (writes $KSM)"
[ -w $KSM/run ] || skip "no KSM on this kernel ($KSM/run missing)"
for b in ksm-policyd ksm-workload ksm-top; do
	[ -x "$BIN/$b" ] || fail "$BIN/$b not built (make all tests)"
done
# Another daemon would fight ours over the knobs (and fail the checks).
if other=$(pgrep -x ksm-policyd); then
	skip "another ksm-policyd runs (pid ${other//$'\n'/ }): the soak needs KSM's knobs to itself"
fi
ksmd=$(pgrep -x ksmd) || skip "no ksmd thread"

RANDOM=$SEED
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
ksmd_ns() { local a; read -r a _ </proc/"$ksmd"/schedstat; echo "$a"; }
problems=()
problem() { problems+=("$*"); log "FAIL: $*"; }

OUT=$BUILD/soak/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
CSV=$TMP/samples.csv
PDLOG=$TMP/policyd.log
WLLOG=$TMP/workloads.log
STATE=$TMP/policyd.state
METRICS=$TMP/policyd.prom
: >"$WLLOG"
# Every workload runs with this in its environment, which its children
# inherit: what is left at the end is found by it, whatever its pid.
TAG=ksm_ext_soak=${TMP##*.}.$$

# Processes carrying TAG, but not this shell or its subshells.
tagged() {
	local e p
	for e in /proc/[0-9]*/environ; do
		p=${e#/proc/} p=${p%%/*}
		if [ "$p" = $$ ] || [ "$p" = "$BASHPID" ]; then
			continue
		fi
		grep -qzxsF -- "$TAG" "$e" && echo "$p"
	done
	return 0
}

# At exit (after tests/lib has stopped our processes, before it restores
# the knobs): kill, by pid, any of the workloads' processes still there,
# and keep the results under build/soak/ whatever happened.
leftovers_gone() {
	local p
	for p in $(tagged); do
		kill -KILL "$p" 2>/dev/null
	done
}
keep_results() {
	local f
	for f in "$CSV" "$PDLOG" "$WLLOG" "$TMP"/ksm-top.*.txt "$TMP/summary.txt"; do
		[ -e "$f" ] && cp "$f" "$OUT/"
	done
	return 0
}
at_exit leftovers_gone
at_exit keep_results

# --- KSM on, ksm-policyd started ---
ksm_save
case $(ksm_get advisor_mode 2>/dev/null || echo) in
"" | *"[none]"*) ;;
*) ksm_set advisor_mode none ;;	# ksm-policyd refuses the advisor; given back at exit
esac
run0=$(ksm_get run) pages0=$(ksm_get pages_to_scan) sleep0=$(ksm_get sleep_millisecs)
log "soak: ${DUR} s, seed $SEED, budget ${BUDGET}%, up to $MAXW workloads at once; KSM before: run=$run0 pages_to_scan=$pages0 sleep_millisecs=$sleep0"
ksm_set run 1
spawn "$BIN/ksm-policyd" -c etc/ksm-policyd.conf -s cpu_budget_pct="$BUDGET" \
	--state-file "$STATE" --metrics-file "$METRICS" 2>"$PDLOG"
pd=${_pids[-1]}
wait_line "$PDLOG" 30 'started' >/dev/null || fail "ksm-policyd did not start: $(cat "$PDLOG")"
inputs=$(sed -n 's/.*ksm-policyd: inputs: \([^;]*\);.*/\1/p' "$PDLOG" | head -1)
log "ksm-policyd pid $pd, inputs: ${inputs:-?}"

# --- the churn ---
declare -A wl_end=() wl_out=() wl_n=()	# by pid: when to stop it, its output, its number
started=0 procs_started=0 wl_ok=0
start_workload_soak() {
	local procs=$((1 + RANDOM % 2)) mib=$((2 + RANDOM % 7)) life=$((3 + RANDOM % 58))
	local out=$TMP/wl.$started.out pid
	# Same seed: dup pages merge across processes; distinct --first-proc:
	# unique pages stay unique.  A slow volatile rate keeps the CPU low.
	spawn env "$TAG" "$BIN/ksm-workload" -q -p "$procs" -m "$mib" --seed 7 \
		--first-proc $((started * 2)) --dup 0.5 --zero 0.1 --unique 0.3 \
		--volatile 0.1 -r 20 >"$out" 2>&1
	pid=${_pids[-1]}
	wl_end[$pid]=$(($(now_ms) + life * 1000)) wl_out[$pid]=$out wl_n[$pid]=$started
	echo "[$(date +%T)] start #$started pid $pid: $procs x $mib MiB for $life s" >>"$WLLOG"
	started=$((started + 1)) procs_started=$((procs_started + procs))
}
stop_workload_soak() {	# pid
	local pid=$1 rc=0 result
	stop_pid "$pid" || rc=$?
	result=$(grep -m1 '^RESULT' "${wl_out[$pid]}" || true)
	echo "[$(date +%T)] stop #${wl_n[$pid]} pid $pid: exit $rc ${result:-no RESULT}" >>"$WLLOG"
	if [ "$rc" -ne 0 ] || [ -z "$result" ] || [ "$(field corrupted "$result")" != 0 ]; then
		problem "workload #${wl_n[$pid]} (pid $pid) exited $rc: $(tr '\n' ' ' <"${wl_out[$pid]}")"
	else
		wl_ok=$((wl_ok + 1))
	fi
	rm -f "${wl_out[$pid]}"
	unset "wl_end[$pid]" "wl_out[$pid]" "wl_n[$pid]"
}

# --- the samples ---
echo "t_s,rss_kib,fds,workloads,started,pages_to_scan,sleep_millisecs,pages_sharing,full_scans,ksmd_cpu_s,policyd_cpu_s" >"$CSV"
alive=1
sample() {	# t_ms
	local st rss fds cpu
	# A zombie keeps its pid and status but has no VmRSS.
	st=$(awk '/^State:/ { s = $2 } /^VmRSS:/ { r = $2 } END { print s, r }' \
		/proc/"$pd"/status 2>/dev/null || true)
	rss=${st#* } st=${st%% *}
	if [ -z "$rss" ] || [ "$st" = Z ] || [ "$st" = X ]; then
		alive=0
		return
	fi
	fds=$(ls /proc/"$pd"/fd | wc -l)
	read -r cpu _ </proc/"$pd"/schedstat
	echo "$(($1 / 1000)),$rss,$fds,${#wl_end[@]},$started,$(ksm_get pages_to_scan),$(ksm_get sleep_millisecs),$(ksm_get pages_sharing),$(ksm_get full_scans),$(awk -v n=$(($(ksmd_ns) - ksmd0)) 'BEGIN { printf "%.3f", n / 1e9 }'),$(awk -v n="$cpu" 'BEGIN { printf "%.3f", n / 1e9 }')" >>"$CSV"
	[ $(($1 / 1000 / SAMPLE % 6)) -eq 0 ] && log "t=$(($1 / 1000)) s: ksm-policyd rss ${rss} KiB, $fds fds; workloads running ${#wl_end[@]}, started $started; pages_to_scan=$(ksm_get pages_to_scan) sleep_millisecs=$(ksm_get sleep_millisecs)"
	return 0
}

t0=$(now_ms) ksmd0=$(ksmd_ns)
next_sample=0 next_top=30000 tops=0
while :; do
	t=$(($(now_ms) - t0))
	[ "$t" -ge $((DUR * 1000)) ] && break
	if [ "$t" -ge "$next_sample" ]; then
		sample "$t"
		if [ "$alive" -eq 0 ]; then
			problem "ksm-policyd died at t=$((t / 1000)) s: $(tail -3 "$PDLOG" | tr '\n' ' ')"
			break
		fi
		next_sample=$((next_sample + SAMPLE * 1000))
	fi
	for p in "${!wl_end[@]}"; do
		if [ "$(now_ms)" -ge "${wl_end[$p]}" ]; then
			stop_workload_soak "$p"
		fi
	done
	# On average a new workload every ~6 s while fewer than MAXW run,
	# and never none.
	if [ "${#wl_end[@]}" -eq 0 ] || { [ "${#wl_end[@]}" -lt "$MAXW" ] && [ $((RANDOM % 6)) -eq 0 ]; }; then
		start_workload_soak
	fi
	if [ "$t" -ge "$next_top" ]; then
		rc=0
		timeout -k 5 20 "$BIN/ksm-top" -b -n 2 -d 1 >"$TMP/ksm-top.$tops.txt" 2>&1 || rc=$?
		[ "$rc" -eq 0 ] || problem "ksm-top -b exited $rc: $(tail -3 "$TMP/ksm-top.$tops.txt" | tr '\n' ' ')"
		tops=$((tops + 1)) next_top=$((next_top + TOP_EVERY * 1000))
	fi
	sleep 1
done
# One last sample: ksm-policyd is still there just before it is stopped.
if [ "$alive" -eq 1 ]; then
	t=$(($(now_ms) - t0))
	sample "$t"
	[ "$alive" -eq 1 ] || problem "ksm-policyd died at t=$((t / 1000)) s: $(tail -3 "$PDLOG" | tr '\n' ' ')"
fi
elapsed=$((t / 1000))
ksmd_pct=$(awk -v n=$(($(ksmd_ns) - ksmd0)) -v t=$((elapsed * 1000)) 'BEGIN { printf "%.1f", n / (t * 1e4) }')

# --- the end: workloads, ksm-policyd, knobs, leftovers ---
for p in "${!wl_end[@]}"; do
	stop_workload_soak "$p"
done
metric() { awk -v k="ksm_policyd_$1" '$1 == k { printf "%d", $2 }' "$METRICS" 2>/dev/null || true; }
ticks=$(metric ticks_total) changes=$(metric changes_total) foreign=$(metric foreign_writes_total)
rc=0
if [ "$alive" -eq 1 ]; then
	stop_pid "$pd" || rc=$?
	[ "$rc" -eq 0 ] || problem "ksm-policyd exited $rc on SIGTERM: $(tail -3 "$PDLOG" | tr '\n' ' ')"
else
	wait "$pd" || rc=$?
	forget_pid "$pd"
fi
pages1=$(ksm_get pages_to_scan) sleep1=$(ksm_get sleep_millisecs)
[ "$pages1 $sleep1" = "$pages0 $sleep0" ] ||
	problem "ksm-policyd left pages_to_scan=$pages1 sleep_millisecs=$sleep1, found $pages0 and $sleep0"
[ ! -e "$STATE" ] || problem "state file $STATE left after ksm-policyd exited"
[ ! -e "$METRICS" ] || problem "metrics file $METRICS left after ksm-policyd exited"
decisions=$(grep -c 'ksm-policyd: pages_to_scan [0-9]* -> ' "$PDLOG" || true)
ksm_restore
changed=$(ksm_changed)
[ -z "$changed" ] || problem "KSM knobs not as found: ${changed//$'\n'/; }"
run1=$(ksm_get run)
left=$(tagged)
if [ -n "$left" ]; then
	problem "workload processes left: ${left//$'\n'/ }"
	leftovers_gone
fi

# --- judging the samples ---
# fds: one value from SETTLE s on.  RSS: the last third's largest sample
# at most the first third's largest + SLACK KiB.
read -r n rss_first rss_last rss_max first_max last_max fd_min fd_max <<<"$(awk -F, \
	-v dur="$elapsed" -v settle=$SETTLE 'NR > 1 {
		n++; if (n == 1) first = $2; last = $2; if ($2 > max) max = $2
		if ($1 < dur / 3 && $2 > fmax) fmax = $2
		if ($1 >= dur * 2 / 3 && $2 > lmax) lmax = $2
		if ($1 >= settle) { if (fdmin == "" || $3 < fdmin) fdmin = $3; if ($3 > fdmax) fdmax = $3 }
	} END { printf "%d %d %d %d %d %d %s %s\n", n, first, last, max, fmax, lmax,
		fdmin == "" ? "-" : fdmin, fdmax == "" ? "-" : fdmax }' "$CSV")"
[ "$n" -ge 3 ] || problem "only $n samples"
[ "$last_max" -le $((first_max + SLACK)) ] ||
	problem "RSS grew: last third's max $last_max KiB > first third's max $first_max KiB + $SLACK"
[ "$fd_min" = "$fd_max" ] || problem "fd count moved after ${SETTLE} s: $fd_min..$fd_max"

verdict=PASS
[ ${#problems[@]} -eq 0 ] || verdict=FAIL
summary="soak $verdict: ${elapsed} s (seed $SEED), $started workloads started ($procs_started processes, $wl_ok verified), ksm-policyd rss first/last/max $rss_first/$rss_last/$rss_max KiB (last third max $last_max <= first third max $first_max + $SLACK), fds $fd_min..$fd_max after ${SETTLE} s, $n samples; knobs before run=$run0 pages_to_scan=$pages0 sleep_millisecs=$sleep0, after ksm-policyd $pages1/$sleep1, at the end run=$run1; $decisions decisions logged (changes_total ${changes:-?}, ticks ${ticks:-?}, foreign writes ${foreign:-?}), inputs ${inputs:-?}, ksmd ${ksmd_pct}% CPU, $tops ksm-top looks; csv $OUT/samples.csv"
for p in ${problems[@]+"${problems[@]}"}; do
	echo "FAIL: $p"
done | tee "$TMP/summary.txt"
echo "$summary" | tee -a "$TMP/summary.txt"
[ "$verdict" = PASS ]
