#!/bin/bash
# The scan policies against stock KSM, side by side in one run on one
# kernel, in the VM (make bench-policies).  Two workloads of ksm-workload,
# PROCS x MIB (25% duplicate across processes, 5% zero, 50% unique, 20%
# volatile rewritten at RATE pages/s per process):
#   structured   each class in its own area (--structured)
#   interleaved  the classes mixed in one area
# and a real program we did not lay out:
#   cpython      PROCS copies of a CPython service
#                (tests/workload/cpython_workload.py: prctl merge-any, the
#                same modules and reference data, a request loop that keeps
#                part of the heap changing); its final merged count is not
#                known beforehand, so its t95 is against each configuration's
#                own plateau (the median pages_sharing of the last quarter of
#                PLATEAU_S seconds)
# and for each, at a fixed pages_to_scan (PAGES every SLEEP ms):
#   smart0 / smart1   no policy, smart_scan=0 / 1 (1 is the stock default)
#   yield, volatile   the policy at its defaults, smart_scan=1
#   yield-smart0      yield alone, smart_scan=0: what the policy does by itself
#   yield,max_backoff=32  yield with a tunable set (ksm-loader --set)
#   scope             scope with every workload process in scope (comm)
# Per configuration, from run=1 on a fresh workload:
#   t95, pages95  time and pages scanned until pages_sharing reaches 95% of
#                 what the layout allows (skipped pages are not "scanned")
#   cpu/scan      ksmd CPU per full scan in steady state: one merged workload,
#                 the configurations in turn, ROUNDS rounds (order reversed
#                 every other round), each SETTLE full scans to settle
#                 (policies that back off need them), STEADY_SCANS measured
#   merged        pages_sharing in the same window (mean of its ends)
#   cpu%          the same window's ksmd CPU as % of one CPU (system
#                 configurations set their own pace: STEADY_S seconds after
#                 SETTLE_S seconds)
#   react         a new process with the same duplicate content: READY until
#                 95% of its duplicate and zero pages merged; median of REACTS
# Then the whole system on the structured workload: defaults (100 pages /
# 20 ms) and fast (5000 / 10 ms) static, against ksm-policyd with yield.
# Prints markdown tables; the Makefile keeps them in build/bench-policies/.
# `scripts/bench-policies.sh --plot RESULTS.md PNG` draws ksmd CPU per full
# scan per configuration from the tables (on the host, with gnuplot).
set -euo pipefail
cd "$(dirname "$0")/.."

# CPU per full scan (ms) of each policy configuration, both workloads.
plot() {	# results.md png
	local csv
	command -v gnuplot >/dev/null || { echo "no gnuplot: no plot"; return 0; }
	csv=$(mktemp)
	awk -F'|' '/^Workload /{ n++ } n <= 2 && /^\| [a-z]/ && $2 !~ /configuration/ {
		gsub(/ /, "", $2); sub(/ ms/, "", $5); gsub(/ /, "", $5); v[$2, n] = $5
		if (!seen[$2]++) order[++k] = $2 }
		END { for (i = 1; i <= k; i++) print order[i], v[order[i], 1], v[order[i], 2] }' "$1" >"$csv"
	gnuplot <<GP
set terminal pngcairo size 900,420 font "sans,10" noenhanced
set output "$2"
set title "ksmd CPU per full scan in steady state (lower is better; make bench-policies)"
set ylabel "ms of ksmd CPU per full scan (qemu TCG)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -30
set key top right
plot "$csv" using 2:xtic(1) title "structured", "" using 3 title "interleaved"
GP
	rm -f "$csv"
	echo "plot: $2"
}
if [ "${1:-}" = --plot ]; then
	plot "$2" "$3"
	exit 0
fi

# The tests' harness (tests/lib/): workloads, policies, skip/fail, and
# the KSM knobs restored at exit.
. tests/lib/host.sh
. tests/lib/vm.sh
require_ksm_ext
. scripts/lib/bench.sh

WORKLOADS=${WORKLOADS:-"structured interleaved"}
CONFIGS=${CONFIGS-"smart0 smart1 yield yield,max_backoff=32 yield-smart0 volatile scope"}
SYSTEM=${SYSTEM-"defaults fast policyd-yield"}
PROCS=${PROCS:-4} MIB=${MIB:-4} RATE=${RATE:-100}
PAGES=${PAGES:-1000} SLEEP=${SLEEP:-20}
SETTLE=${SETTLE:-16} STEADY_SCANS=${STEADY_SCANS:-16} ROUNDS=${ROUNDS:-2} REACTS=${REACTS:-3}
TIMEOUT=${TIMEOUT:-300} SETTLE_S=${SETTLE_S:-10} STEADY_S=${STEADY_S:-20}
PY_RECORDS=${PY_RECORDS:-20000} PY_RATE=${PY_RATE:-200} PLATEAU_S=${PLATEAU_S:-60}

# start_wl WORKLOAD: the workload's processes (WL_PIDS) and its expected
# pages_sharing (WL_EXPECT; 0 when only a plateau tells); REACT_WL says how
# react_once starts one more of its processes.
start_wl() {
	local args=(--seed 7 -r "$RATE") i out
	case $1 in
	structured | interleaved)
		[ "$1" = structured ] && args+=(--structured)
		REACT_ARGS=("${args[@]}") REACT_WL=ksm-workload
		start_workload -p "$PROCS" -m "$MIB" "${args[@]}"
		return ;;
	cpython) ;;
	*) fail "unknown workload $1" ;;
	esac
	command -v python3 >/dev/null || skip "no python3 for the cpython workload"
	REACT_WL=cpython WL_EXPECT=0 WL_PIDS= WL_PY=()
	# A fixed hash seed: the same dict layouts in every copy and every run,
	# as a deployment that pins PYTHONHASHSEED has.
	for ((i = 0; i < PROCS; i++)); do
		out=$TMP/cpython.$i
		spawn env PYTHONHASHSEED=0 python3 tests/workload/cpython_workload.py \
			"$PY_RECORDS" "$PY_RATE" >"$out" 2>&1
		WL_PY+=("${_pids[-1]}")
	done
	for ((i = 0; i < PROCS; i++)); do
		wait_line "$TMP/cpython.$i" 180 '^READY' >/dev/null ||
			fail "cpython workload $i not READY: $(cat "$TMP/cpython.$i")"
		WL_PIDS+=" ${WL_PY[i]}"
	done
}

stop_wl() {
	local p
	[ "$REACT_WL" = cpython ] || { stop_workload; return; }
	for p in "${WL_PY[@]}"; do
		kill -0 "$p" 2>/dev/null || fail "a cpython workload process died: $(cat "$TMP"/cpython.*)"
		stop_pid "$p" || true	# SIGTERM's status
	done
}

# A configuration: smart0/smart1 (no policy), a policy name (smart_scan=1)
# or NAME-smart0, optionally with tunables: "yield,max_backoff=32".  The
# policies load as an operator would: ksm-loader policy load.
POLICY=
configure() {	# config
	local name=${1%%,*} sets=() kv
	IFS=, read -r -a kv <<<"${1#"$name"}"
	for kv in "${kv[@]}"; do [ -n "$kv" ] && sets+=(--set "$kv"); done
	case $name in
	*smart0) ksm_set smart_scan 0 ;;
	*) ksm_set smart_scan 1 ;;
	esac
	case $name in
	defaults) return 0 ;;
	fast) ksm_set pages_to_scan 5000; ksm_set sleep_millisecs 10; return 0 ;;
	policyd-yield)
		load_policy yield
		spawn "$BIN/ksm-policyd" -c etc/ksm-policyd.conf \
			--state-file "$TMP/policyd.state" >"$TMP/policyd.log" 2>&1
		PD_PID=${_pids[-1]}
		wait_line "$TMP/policyd.log" 30 'started' >/dev/null ||
			fail "ksm-policyd did not start: $(cat "$TMP/policyd.log")"
		sleep 0.2
		return 0 ;;
	esac
	ksm_set pages_to_scan "$PAGES"
	ksm_set sleep_millisecs "$SLEEP"
	case ${name%-smart0} in
	smart0 | smart1) ;;
	yield | volatile) load_policy "${name%-smart0}" "${sets[@]}" ;;
	scope) load_policy scope --set comm=ksm-workload "${sets[@]}" ;;
	*) fail "unknown configuration $1" ;;
	esac
}

load_policy() {	# name [--set k=v]...
	"$BIN/ksm-loader" policy load "$@" >/dev/null || fail "ksm-loader policy load $* failed"
	POLICY=$1
}

unconfigure() {
	stop_policyd
	[ -n "$POLICY" ] && { "$BIN/ksm-loader" policy unload >/dev/null || fail "policy unload failed"; }
	POLICY=
}

# t95_plateau KEY T0 S0: for a workload with no layout to say what merges,
# sample pages_sharing for PLATEAU_S seconds from T0 (pages_scanned S0
# then); its final value is the median of the last quarter's samples, and
# R[KEY,t95] / R[KEY,pages95] are when and after how many pages scanned it
# first reached 95% of that.
t95_plateau() {
	local key=$1 ts=() sh=() sc=() i n fin last
	for ((i = 0; i < PLATEAU_S * 5; i++)); do
		sleep 0.2
		ts+=("$(now)") sh+=("$(rd pages_sharing)") sc+=("$(rd pages_scanned)")
	done
	n=${#sh[@]}
	fin=$(median "${sh[@]:n*3/4}")
	[ "$fin" -gt 0 ] || fail "$key: nothing merged in $PLATEAU_S s ($(ksm_state))"
	last=$(median "${sh[@]:n/2:n/4}")
	[ $((last * 100)) -ge $((fin * 90)) ] ||
		log "$key: warning: still merging at the end ($last then $fin pages_sharing)"
	for ((i = 0; i < n; i++)); do
		[ $((sh[i] * 100)) -ge $((fin * 95)) ] && break
	done
	R[$key,t95]=$((ts[i] - $2)) R[$key,pages95]=$((sc[i] - $3)) R[$key,final]=$fin
}

declare -A R
run_config() {	# workload config
	local wl=$1 cfg=$2 key="$1/$2" want t0 c0 s0 k0 t c s sh i t95=
	ksm_clean
	start_wl "$wl"
	want=$((WL_EXPECT * 95 / 100))
	configure "$cfg"
	t0=$(now) c0=$(cpu_ns) s0=$(rd pages_scanned) k0=$(rd ext_pages_skipped)
	ksm_set run 1
	[ "$WL_EXPECT" -gt 0 ] || { t95_plateau "$key" "$t0" "$s0"; t95=${R[$key,t95]}; }
	for ((i = 0; i < TIMEOUT * 10 && !t95; i++)); do
		sleep 0.1
		sh=$(rd pages_sharing)
		if [ "$sh" -ge "$want" ]; then
			t=$(now) s=$(rd pages_scanned)
			t95=$((t - t0)) R[$key,pages95]=$((s - s0))
			break
		fi
	done
	[ -n "$t95" ] || fail "$key: no 95% within $TIMEOUT s ($(ksm_state))"
	R[$key,t95]=$t95
	log "$key: 95% in $((t95 / 1000)) ms; settling"
	# A system configuration sets its own pace: its steady state is
	# STEADY_S seconds after SETTLE_S seconds.  Policy configurations are
	# measured side by side by steady_rounds instead.
	if [[ " $SYSTEM " == *" $cfg "* ]]; then
		local f0 nscans
		sleep "$SETTLE_S"
		f0=$(rd full_scans) c=$(cpu_ns) t=$(now) k0=$(rd ext_pages_skipped)
		sleep "$STEADY_S"
		c=$(($(cpu_ns) - c)) t=$(($(now) - t)) nscans=$(($(rd full_scans) - f0))
		R[$key,cpu]=$c R[$key,time]=$t R[$key,scans]=$nscans
		R[$key,skipped]=$(($(rd ext_pages_skipped) - k0))
	fi
	react_series "$key" 2
	unconfigure
	stop_wl
	log "$key: t95 $((t95 / 1000)) ms, reaction ${R[$key,react]} us"
}

# Steady-state cost, side by side: one workload merged, then ROUNDS rounds
# over the configurations (order reversed every other round, so drift hits
# all alike); each settles SETTLE full scans, then STEADY_SCANS are measured.
steady_rounds() {	# workload
	local wl=$1 r cfg order f0 c t k0 m0 key
	ksm_clean
	start_wl "$wl"
	ksm_set pages_to_scan "$PAGES"
	ksm_set sleep_millisecs "$SLEEP"
	ksm_set run 1
	if [ "$WL_EXPECT" -gt 0 ]; then
		wait_sharing 0 "$TIMEOUT" $((WL_EXPECT * 95 / 100)) >/dev/null || fail "$wl: did not merge"
	else
		sleep "$PLATEAU_S"
	fi
	for ((r = 0; r < ROUNDS; r++)); do
		order=$CONFIGS
		((r % 2)) && order=$(tr ' ' '\n' <<<"$CONFIGS" | tac | tr '\n' ' ')
		for cfg in $order; do
			key=$wl/$cfg
			configure "$cfg"
			f0=$(rd full_scans)
			until_scans $((f0 + SETTLE))
			f0=$(rd full_scans) c=$(cpu_ns) t=$(now) k0=$(rd ext_pages_skipped) m0=$(rd pages_sharing)
			until_scans $((f0 + STEADY_SCANS))
			R[$key,merged]=$((${R[$key,merged]:-0} + (m0 + $(rd pages_sharing)) / 2))
			R[$key,cpu]=$((${R[$key,cpu]:-0} + $(cpu_ns) - c))
			R[$key,time]=$((${R[$key,time]:-0} + $(now) - t))
			R[$key,scans]=$((${R[$key,scans]:-0} + $(rd full_scans) - f0))
			R[$key,skipped]=$((${R[$key,skipped]:-0} + $(rd ext_pages_skipped) - k0))
			unconfigure
		done
		log "$wl: steady round $((r + 1)) of $ROUNDS done"
	done
	ksm_set run 0
	stop_wl
	for cfg in $CONFIGS; do
		key=$wl/$cfg
		R[$key,merged]=$((R[$key,merged] / ROUNDS))
		R[$key,cpu_scan]=$((R[$key,cpu] / R[$key,scans]))
		R[$key,cpu_pct]=$(awk -v c="${R[$key,cpu]}" -v t="${R[$key,time]}" 'BEGIN { printf "%.1f", 100 * c / (t * 1000) }')
	done
}

sec() { awk -v v="$1" 'BEGIN { printf "%.2f s", v / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

table() {	# workload configs...
	local wl=$1 cfg k b=$1/smart1
	shift
	echo
	if [ "$wl" = cpython ]; then
		echo "Workload cpython: $PROCS CPython services (tests/workload/cpython_workload.py $PY_RECORDS records, $PY_RATE requests/s); pages_to_scan=$PAGES, sleep_millisecs=$SLEEP."
	else
		echo "Workload $wl: $PROCS x $MIB MiB, volatile pages rewritten at $RATE/s/process; pages_to_scan=$PAGES, sleep_millisecs=$SLEEP (system rows: their own)."
	fi
	echo
	echo "| configuration | time to 95% | pages scanned to 95% | ksmd CPU per full scan | ksmd CPU, steady | pages skipped per full scan | merged (pages_sharing), steady | reaction, median (each, s) | CPU/scan vs smart1 | merged vs smart1 | t95 vs smart1 | reaction vs smart1 |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	for cfg; do
		k=$wl/$cfg
		[ -n "${R[$k,t95]:-}" ] || continue
		printf '| %s | %s | %d | %.1f ms | %s%% | %d | %s | %s (%s) | %s | %s | %s | %s |\n' "$cfg" \
			"$(sec "${R[$k,t95]}")" "${R[$k,pages95]}" \
			"$(awk -v v="${R[$k,cpu_scan]}" 'BEGIN { print v / 1e6 }')" "${R[$k,cpu_pct]}" \
			$((R[$k,skipped] / (R[$k,scans] ? R[$k,scans] : 1))) "${R[$k,merged]:-n/a}" \
			"$(sec "${R[$k,react]}")" "${R[$k,reacts]}" \
			"$(ratio "${R[$k,cpu_scan]}" "${R[$b,cpu_scan]:-0}")" \
			"$(ratio "${R[$k,merged]:-0}" "${R[$b,merged]:-0}")" \
			"$(ratio "${R[$k,t95]}" "${R[$b,t95]:-0}")" \
			"$(ratio "${R[$k,react]}" "${R[$b,react]:-0}")"
	done
}

ksm_prepare
ksm_settle
for wl in $WORKLOADS; do
	for cfg in $CONFIGS; do
		run_config "$wl" "$cfg"
	done
done
for wl in $WORKLOADS; do
	steady_rounds "$wl"
done
for cfg in $SYSTEM; do
	run_config structured "$cfg"
	k=structured/$cfg
	R[$k,cpu_scan]=$((R[$k,cpu] / (R[$k,scans] ? R[$k,scans] : 1)))
	R[$k,cpu_pct]=$(awk -v c="${R[$k,cpu]}" -v t="${R[$k,time]}" 'BEGIN { printf "%.1f", 100 * c / (t * 1000) }')
done
ksm_clean

echo "BENCH-POLICIES RESULTS ($(uname -r), $(date -u +%F))"
for wl in $WORKLOADS; do
	table "$wl" $CONFIGS
done
[ -n "$SYSTEM" ] && table structured $SYSTEM
s=structured i=interleaved
echo
echo "Targets (ratios from this run):"
for w in structured cpython; do
	[[ " $WORKLOADS " == *" $w "* ]] || continue
	echo "- $w, yield vs smart1: CPU per full scan $(ratio "${R[$w/yield,cpu_scan]:-0}" "${R[$w/smart1,cpu_scan]:-0}") (<= 0.3), merged $(ratio "${R[$w/yield,merged]:-0}" "${R[$w/smart1,merged]:-0}") (>= 0.95), time to 95% $(ratio "${R[$w/yield,t95]:-0}" "${R[$w/smart1,t95]:-0}") (<= 1.0), reaction $(ratio "${R[$w/yield,react]:-0}" "${R[$w/smart1,react]:-0}") (<= 1.2)"
done
[[ " $WORKLOADS " == *" interleaved "* ]] && for cfg in $CONFIGS; do
	case $cfg in smart*) continue ;; esac
	echo "- interleaved, $cfg vs smart1: CPU per full scan $(ratio "${R[$i/$cfg,cpu_scan]:-0}" "${R[$i/smart1,cpu_scan]:-0}") (<= 1.05)"
done
[ -z "$SYSTEM" ] || echo "- policyd-yield vs fast: time to 95% $(ratio "${R[$s/policyd-yield,t95]:-0}" "${R[$s/fast,t95]:-0}") (<= 1.2), reaction $(ratio "${R[$s/policyd-yield,react]:-0}" "${R[$s/fast,react]:-0}") (<= 1.5); steady CPU vs defaults $(ratio "${R[$s/policyd-yield,cpu_pct]:-0}" "${R[$s/defaults,cpu_pct]:-0}") (<= 0.5)"
