# Helpers for the host and VM test scripts (sourced).  A test runs on the
# real KSM of the running kernel; it skips (exit 77, reason on the last
# line) when it cannot, and restores every /sys/kernel/mm/ksm value it
# changed, even on failure.
set -u
KSM=/sys/kernel/mm/ksm
BUILD=${BUILD:-build}
BIN=$BUILD/bin
BPFTOOL=$BUILD/toolchain/sbin/bpftool
# Our own pin directory, so an operator's running stats are left alone.
PIN=/sys/fs/bpf/ksm_ext/test-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-ext-test.XXXXXX")
_saved=$TMP/ksm-saved
_pids=()

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*"; }

require_root_ksm() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -w $KSM/run ] || skip "no KSM on this kernel ($KSM/run missing)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"
	"$BPFTOOL" btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
		grep -q "'btf_trace_ksm_start_scan'" ||
		skip "kernel has no KSM tracepoints (Linux >= 6.7 needed)"
}

# Knobs a test may change; run is restored last so ksmd resumes (or stays
# stopped) only once everything else is back.
_knobs="pages_to_scan sleep_millisecs smart_scan use_zero_pages max_page_sharing
	merge_across_nodes stable_node_chains_prune_millisecs advisor_mode
	advisor_max_cpu advisor_target_scan_time advisor_min_pages_to_scan
	advisor_max_pages_to_scan"

ksm_save() {
	local k v
	: >"$_saved"
	for k in $_knobs run; do
		[ -r $KSM/$k ] || continue
		v=$(cat $KSM/$k)
		# advisor_mode reads "[none] scan-time": save the selected word.
		case $v in *"["*) v=$(sed -n 's/.*\[\(.*\)\].*/\1/p' <<<"$v") ;; esac
		echo "$k $v" >>"$_saved"
	done
}

ksm_restore() {
	local k v now
	[ -s "$_saved" ] || return 0
	while read -r k v; do
		now=$(cat $KSM/$k)
		case $now in *"["*) now=$(sed -n 's/.*\[\(.*\)\].*/\1/p' <<<"$now") ;; esac
		# Only what changed: some knobs refuse writes while pages are merged.
		[ "$now" = "$v" ] && continue
		echo "$v" >$KSM/$k 2>/dev/null || echo "warning: could not restore $k=$v" >&2
	done <"$_saved"
}

# Save every knob, then the settings the expected figures assume: zero
# pages merge like any other page (use_zero_pages=0), no advisor.
ksm_prepare() {
	ksm_save
	ksm_set use_zero_pages 0
	[ -w $KSM/advisor_mode ] && ksm_set advisor_mode none
	return 0
}

ksm_set() {	# knob value
	echo "$2" >$KSM/$1 || fail "cannot set $1=$2"
}

ksm_get() { cat $KSM/$1; }

# Let ksmd drop what exited processes left behind.  KSM updates
# pages_shared/pages_sharing for an exited process only when ksmd next
# visits its mm, so a baseline taken over such leftovers (an earlier test's
# workload, with run=0 since) moves under the test's feet.  Leaves ksmd
# running fast; set the knobs you want afterwards.
ksm_settle() {
	local fs0 i
	ksm_set pages_to_scan 5000
	ksm_set sleep_millisecs 10
	ksm_set run 1
	fs0=$(ksm_get full_scans)
	for ((i = 0; i < 100; i++)); do
		# Two passes visit every mm; an empty list makes no passes.
		[ $(($(ksm_get full_scans) - fs0)) -ge 2 ] && return 0
		[ $(($(ksm_get pages_shared) + $(ksm_get pages_sharing) +
		     $(ksm_get pages_unshared))) -eq 0 ] && return 0
		sleep 0.1
	done
}

# One line of KSM's state, for failure messages.
ksm_state() {
	local k out=
	for k in run pages_to_scan sleep_millisecs full_scans pages_scanned \
		 pages_shared pages_sharing pages_unshared pages_volatile; do
		out="$out $k=$(cat $KSM/$k 2>/dev/null)"
	done
	echo "${out# }"
}

# Start a background process we own; remembered for cleanup.
spawn() {
	"$@" &
	_pids+=($!)
}

# Functions to run at exit, after our processes are gone and before the
# KSM knobs are restored: at_exit FUNCTION.
_exit_hooks=()
at_exit() { _exit_hooks+=("$1"); }

_cleanup() {
	local p
	for p in "${_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	for p in "${_exit_hooks[@]}"; do
		"$p"
	done
	[ -d "$PIN" ] && "$BIN/ksm-loader" --pin-dir "$PIN" stats stop >/dev/null 2>&1
	ksm_restore
	# KSM_EXT_KEEP_TMP=1 keeps the scratch files (daemon logs) to debug.
	[ -n "${KSM_EXT_KEEP_TMP:-}" ] || rm -rf "$TMP"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

# Wait (up to $2 s) for a line matching $3 in file $1; print the line.
wait_line() {
	local file=$1 timeout=$2 re=$3 i
	for ((i = 0; i < timeout * 10; i++)); do
		grep -m1 -E "$re" "$file" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# key=value field of a line: field "KEY" "LINE"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"; }

# Wait (up to $2 s) until pages_sharing - $1 >= $3; print the delta.
wait_sharing() {
	local base=$1 timeout=$2 want=$3 got i
	for ((i = 0; i < timeout * 5; i++)); do
		got=$(($(ksm_get pages_sharing) - base))
		[ "$got" -ge "$want" ] && { echo "$got"; return 0; }
		sleep 0.2
	done
	echo "$got"
	return 1
}

# Wait for N more completed full scans.
wait_scans() {
	local target=$(($(ksm_get full_scans) + $1)) i
	for ((i = 0; i < 600; i++)); do
		[ "$(ksm_get full_scans)" -ge "$target" ] && return 0
		sleep 0.1
	done
	fail "ksmd did not complete $1 full scans in 60 s"
}

# Start ksm-workload in the background; sets WL_OUT, WL_PID, WL_PIDS, WL_EXPECT.
# A command in the array WL_WRAP, if set, runs it (and must exec it).
start_workload() {
	WL_OUT=$TMP/workload.$RANDOM
	spawn ${WL_WRAP[@]+"${WL_WRAP[@]}"} "$BIN/ksm-workload" "$@" >"$WL_OUT" 2>&1
	WL_PID=${_pids[-1]}
	local layout ready
	layout=$(wait_line "$WL_OUT" 60 '^LAYOUT') || fail "no LAYOUT: $(cat "$WL_OUT")"
	ready=$(wait_line "$WL_OUT" 120 '^READY') || fail "workload not READY: $(cat "$WL_OUT")"
	WL_EXPECT=$(field expected_pages_sharing "$layout")
	WL_PIDS=$(field pids "$ready" | tr , ' ')
}

# Stop the workload started last; fail unless it verified every page.
stop_workload() {
	local rc result
	kill -TERM "$WL_PID"
	wait "$WL_PID"; rc=$?
	_pids=("${_pids[@]/#$WL_PID}")
	result=$(grep '^RESULT' "$WL_OUT") || fail "no RESULT: $(cat "$WL_OUT")"
	log "$result"
	[ "$(field corrupted "$result")" = 0 ] || fail "corrupted pages: $result"
	[ "$rc" -eq 0 ] || fail "workload exited $rc"
}

merging_pages() {	# sum of ksm_merging_pages over PIDs
	local p n=0
	for p in "$@"; do
		n=$((n + $(awk '/^ksm_merging_pages/ {print $2}' /proc/"$p"/ksm_stat)))
	done
	echo "$n"
}
