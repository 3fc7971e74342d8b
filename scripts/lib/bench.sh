# Helpers shared by the benchmarks (scripts/bench-*.sh), sourced after
# tests/lib/host.sh: the benchmarks drive workloads and policies with the
# test harness.  Readings are shell builtins, no forks: the sampler must
# not compete with ksmd for the CPU it measures.
ksmd=$(pgrep -x ksmd) || skip "no ksmd thread"

cpu_ns() { local a; read -r a _ </proc/"$ksmd"/schedstat; echo "$a"; }
rd() { local v; read -r v <$KSM/$1; echo "$v"; }
now() { echo "${EPOCHREALTIME/./}"; }	# microseconds

# Wait until full_scans reaches $1 (bounded by the caller's TIMEOUT).
until_scans() {
	local i
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		[ "$(rd full_scans)" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "full_scans did not reach $1 within $TIMEOUT s ($(ksm_state))"
}

# ksm_clean [SMART_SCAN]: unmerge everything and forget every mm, so each
# configuration starts from the same empty state; leaves KSM stopped at
# the stock defaults, smart_scan SMART_SCAN (1).
ksm_clean() {
	ksm_set run 2
	local i
	for ((i = 0; i < 600; i++)); do
		[ $(($(rd pages_shared) + $(rd pages_sharing) + $(rd pages_unshared))) -eq 0 ] && break
		sleep 0.1
	done
	ksm_set run 0
	[ -w $KSM/advisor_mode ] && ksm_set advisor_mode none
	ksm_set pages_to_scan 100
	ksm_set sleep_millisecs 20
	ksm_set smart_scan "${1:-1}"
}

# react_once NAME: one new process with the benchmark's duplicate content
# (ksm-workload -p 1 -m $MIB "${REACT_ARGS[@]}" --first-proc $PROCS);
# REACT_T = microseconds from its READY until 95% of its duplicate and zero
# pages are merged (its ksm_merging_pages), or TIMEOUT*1e6 if never.
react_once() {
	[ "${REACT_WL:-}" = cpython ] && { react_once_cpython "$1"; return; }
	local out=$TMP/react.${1////_}.$RANDOM line target rpid t
	spawn "$BIN/ksm-workload" -p 1 -m "$MIB" "${REACT_ARGS[@]}" --first-proc "$PROCS" >"$out" 2>&1
	rpid=${_pids[-1]}
	line=$(wait_line "$out" 60 '^LAYOUT') || fail "no LAYOUT: $(cat "$out")"
	target=$((($(field dup "$line") + $(field zero "$line")) * 95 / 100))
	line=$(wait_line "$out" 120 '^READY') || fail "not READY: $(cat "$out")"
	t=$(time_to_merging "$(field pids "$line")" "$target")
	stop_pid "$rpid" || true	# its RESULT line, checked below, says how it went
	grep -q 'corrupted=0' "$out" || fail "$1: reaction workload: $(grep RESULT "$out")"
	REACT_T=$t
}

# The same for one more copy of the cpython workload (WL_PIDS are the
# running ones): until it has 95% of the median ksm_merging_pages of the
# time_to_merging PID TARGET: microseconds until PID's ksm_merging_pages
# reaches TARGET, or TIMEOUT's worth if it never does (a process that
# is gone counts as not merged).
time_to_merging() {
	local r0 i merged
	r0=$(now)
	for ((i = 0; i < TIMEOUT * 10; i++)); do
		merged=$(awk '/^ksm_merging_pages/ {print $2}' /proc/"$1"/ksm_stat 2>/dev/null) || merged=0
		if [ "${merged:-0}" -ge "$2" ]; then
			echo $(($(now) - r0))
			return
		fi
		sleep 0.1
	done
	echo $((TIMEOUT * 1000000))
}

# copies that run already.
react_once_cpython() {
	local out=$TMP/react.${1////_}.$RANDOM p n=() target rpid t
	for p in $WL_PIDS; do
		n+=("$(awk '/^ksm_merging_pages/ {print $2}' /proc/"$p"/ksm_stat)")
	done
	target=$(($(median "${n[@]}") * 95 / 100))
	spawn env PYTHONHASHSEED=0 python3 tests/workload/cpython_workload.py \
		"$PY_RECORDS" "$PY_RATE" >"$out" 2>&1
	rpid=${_pids[-1]}
	wait_line "$out" 180 '^READY' >/dev/null || fail "$1: reaction cpython not READY: $(cat "$out")"
	t=$(time_to_merging "$rpid" "$target")
	kill -0 "$rpid" 2>/dev/null || fail "$1: reaction cpython died: $(cat "$out")"
	stop_pid "$rpid" || true	# SIGTERM's status
	REACT_T=$t
}

# react_series KEY PAUSE: REACTS reactions (react_once), PAUSE seconds
# apart so each meets the steady state; sets R[KEY,react] to the median
# and R[KEY,reacts] to each one in ms ("812.3/790.1/...").  Where ksmd's
# cursor is when the new mm enters is luck, hence the median.
react_series() {
	local i times=()
	for ((i = 0; i < REACTS; i++)); do
		((i)) && sleep "$2"
		react_once "$1"
		times+=("$REACT_T")
	done
	R[$1,react]=$(median "${times[@]}")
	R[$1,reacts]=$(printf '%s\n' "${times[@]}" | awk '{ printf "%s%.1f", (NR > 1 ? "/" : ""), $1 / 1e6 }')
}

# The ksm-policyd a configuration started (PD_PID), stopped at its end
# and at exit.
PD_PID=
stop_policyd() {
	[ -n "$PD_PID" ] || return 0
	stop_pid "$PD_PID" || echo "warning: ksm-policyd exited $? on SIGTERM" >&2
	PD_PID=
}
at_exit stop_policyd

# median V...: the middle value (the lower middle for an even count).
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
