#!/bin/bash
# ksm-policyd against stock KSM's settings, side by side in one run on the
# host kernel (make bench-policyd).  For each configuration: a fresh
# workload (4 x 256 MiB; per process 25% duplicate across processes, 5%
# zero, 50% unique, 20% volatile), KSM started at t=0, then
#   t95      time until pages_sharing reaches 95% of what the layout allows
#   cpu95    ksmd CPU-seconds spent until then (/proc/PID/schedstat, ns)
#   pages95  pages scanned until then (pages_scanned)
#   steady   ksmd CPU (% of one CPU) during the 30 s after t95
#   react    after those 30 s, one more process with the same duplicate
#            content: time from its READY until 95% of its duplicate and
#            zero pages are merged (its ksm_merging_pages); median of
#            REACTS (3) such processes, one at a time
# Output: build/bench-policyd/{results.md,series.csv,saved.png};
# `scripts/bench-policyd.sh --plot` redraws the plot from series.csv.
# Environment: CONFIGS (default all five), MIB (256), PROCS (4),
# TIMEOUT (s per phase, 400), STEADY (s, 30), REACTS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BUILD:-build}/bench-policyd
SERIES=$OUT/series.csv

# Saved pages and ksmd CPU-seconds over time, one line per configuration.
plot() {
	command -v gnuplot >/dev/null || { echo "no gnuplot: no plot (make bench-policyd installs it)"; return 0; }
	local configs
	configs=$(tail -n +2 "$SERIES" | cut -d, -f1 | uniq | tr '\n' ' ')
	gnuplot <<GP
set terminal pngcairo size 1000,420 font "sans,10" noenhanced
set output "$OUT/saved.png"
set datafile separator ","
set multiplot layout 1,2 title "KSM from run=1: ksm-workload 4 x 256 MiB (25% dup, 5% zero, 50% unique, 20% volatile)"
set xlabel "seconds since run=1 (log scale)"
set logscale x
set xrange [0.1:*]
set key top left
set ylabel "pages_sharing (saved pages)"
plot for [c in "$configs"] "< grep '^".c.",' $SERIES" using 2:3 with lines lw 2 title c
set ylabel "ksmd CPU-seconds since run=1"
plot for [c in "$configs"] "< grep '^".c.",' $SERIES" using 2:4 with lines lw 2 title c
unset multiplot
GP
	echo "plot: $OUT/saved.png"
}
if [ "${1:-}" = --plot ]; then
	plot
	exit 0
fi

# The tests' harness (tests/lib/): workloads, policies, skip/fail, and
# the KSM knobs restored at exit.
. tests/lib/host.sh
require_root_ksm
[ -w $KSM/advisor_mode ] || skip "no KSM advisor (Linux >= 6.9 needed for the advisor configuration)"

CONFIGS=${CONFIGS:-"defaults fast advisor ksmtuned policyd"}
MIB=${MIB:-256} PROCS=${PROCS:-4} TIMEOUT=${TIMEOUT:-400} STEADY=${STEADY:-30}
REACTS=${REACTS:-3}
mkdir -p "$OUT"
echo "config,t_s,pages_sharing,ksmd_cpu_s,pages_scanned" >"$SERIES"
. scripts/lib/bench.sh
REACT_ARGS=(--seed 7 -r 1000)

configure() {	# name
	case $1 in
	defaults) ;;	# 100 pages every 20 ms
	fast) ksm_set pages_to_scan 5000; ksm_set sleep_millisecs 10 ;;
	ksmtuned) ksm_set pages_to_scan 1250; ksm_set sleep_millisecs 10 ;;
	advisor)
		ksm_set advisor_target_scan_time 20
		ksm_set advisor_mode scan-time ;;
	policyd)
		spawn "$BIN/ksm-policyd" -c etc/ksm-policyd.conf \
			--state-file "$TMP/policyd.state" >"$OUT/policyd.log" 2>&1
		PD_PID=${_pids[-1]}
		wait_line "$OUT/policyd.log" 30 'started' >/dev/null ||
			fail "ksm-policyd did not start: $(cat "$OUT/policyd.log")"
		# Its first decision is written right after "started".
		sleep 0.2 ;;
	*) fail "unknown configuration $1" ;;
	esac
}

declare -A R
run_config() {	# name
	local name=$1 expect t0 c0 s0 t c s sh want i t95=
	ksm_clean
	start_workload -p "$PROCS" -m "$MIB" --seed 7 -r 1000
	expect=$WL_EXPECT
	want=$((expect * 95 / 100))
	configure "$name"
	t0=$(now) c0=$(cpu_ns) s0=$(rd pages_scanned)
	ksm_set run 1
	# Convergence, sampled every 0.1 s.
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		sleep 0.1
		t=$(now) c=$(cpu_ns) s=$(rd pages_scanned) sh=$(rd pages_sharing)
		echo "$name,$(((t - t0) / 1000)),$sh,$(((c - c0) / 1000000)),$((s - s0))" |
			awk -F, -v OFS=, '{ $2 = $2 / 1000; $4 = $4 / 1000; print }' >>"$SERIES"
		if [ "$sh" -ge "$want" ]; then
			t95=$((t - t0)) R[$name,cpu95]=$((c - c0)) R[$name,pages95]=$((s - s0))
			break
		fi
	done
	if [ -z "$t95" ]; then
		log "$name: no 95% within ${TIMEOUT} s (pages_sharing $sh of $expect)"
		R[$name,t95]=">$TIMEOUT" R[$name,cpu95]=$((c - c0)) R[$name,pages95]=$((s - s0))
	else
		R[$name,t95]=$t95
	fi
	# Steady state: the 30 s after convergence (the series goes on at 1 s).
	local ct=$(cpu_ns) tt=$(now)
	for ((i = 0; i < STEADY; i++)); do
		sleep 1
		t=$(now) c=$(cpu_ns) s=$(rd pages_scanned) sh=$(rd pages_sharing)
		echo "$name,$(((t - t0) / 1000)),$sh,$(((c - c0) / 1000000)),$((s - s0))" |
			awk -F, -v OFS=, '{ $2 = $2 / 1000; $4 = $4 / 1000; print }' >>"$SERIES"
	done
	R[$name,steady]=$(awk -v c=$(($(cpu_ns) - ct)) -v t=$(($(now) - tt)) \
		'BEGIN { printf "%.1f", 100 * c / (t * 1000) }')
	# Reaction: one more process with the same duplicate content, REACTS
	# times, 10 s apart.
	react_series "$name" 10
	if [ -n "$PD_PID" ]; then
		R[$name,pdcpu]=$(awk '{ printf "%.2f", $1 / 1e9 }' /proc/"$PD_PID"/schedstat)
	fi
	stop_policyd
	stop_workload
	log "$name: t95=${R[$name,t95]} us, steady ${R[$name,steady]}%, reaction ${R[$name,react]} us"
}

ksm_prepare
ksm_settle
for cfg in $CONFIGS; do
	run_config "$cfg"
done
ksm_clean

# The table, in seconds; then the plot.
us() { case $1 in ">"*) echo "$1 s" ;; *) awk -v v="$1" 'BEGIN { printf "%.1f s", v / 1e6 }' ;; esac; }
{
	echo "| configuration | time to 95% | ksmd CPU-s to 95% | pages scanned to 95% | steady ksmd CPU (30 s) | reaction, median (each, s) |"
	echo "|---|---|---|---|---|---|"
	for cfg in $CONFIGS; do
		printf '| %s | %s | %s | %s | %s%% | %s (%s) |\n' "$cfg" "$(us "${R[$cfg,t95]}")" \
			"$(awk -v v="${R[$cfg,cpu95]}" 'BEGIN { printf "%.2f", v / 1e9 }')" \
			"$(awk -v v="${R[$cfg,pages95]}" 'BEGIN { printf "%.2f M", v / 1e6 }')" \
			"${R[$cfg,steady]}" "$(us "${R[$cfg,react]}")" "${R[$cfg,reacts]}"
	done
	echo
	echo "Workload: $PROCS x $MIB MiB (25% duplicate, 5% zero, 50% unique, 20% volatile at 1000 writes/s/process); kernel $(uname -r); $(date -u +%F)."
	[ -n "${R[policyd,pdcpu]:-}" ] && echo "ksm-policyd's own CPU over its run: ${R[policyd,pdcpu]} s."
	# The targets from issue 5, as ratios measured in this run.
	if [[ $CONFIGS == *policyd* && $CONFIGS == *fast* && $CONFIGS == *defaults* ]]; then
		awk -v pt="${R[policyd,t95]}" -v ft="${R[fast,t95]}" \
		    -v ps="${R[policyd,steady]}" -v ds="${R[defaults,steady]}" \
		    -v pr="${R[policyd,react]}" -v fr="${R[fast,react]}" 'BEGIN {
			printf "\nTargets: time to 95%% policyd/fast = %.2f (<= 1.5); steady CPU policyd %s%% vs defaults %s%% (<=); reaction policyd/fast = %.2f (<= 2)\n",
			       pt / ft, ps, ds, pr / fr }'
	fi
} | tee "$OUT/results.md"

plot
