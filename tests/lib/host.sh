# Helpers for the host and VM test scripts, and the benchmarks (sourced
# after the script's set -euo pipefail).  A test runs on the real KSM of
# the running kernel; it skips (exit 77, reason on the last line) when it
# cannot, and restores every /sys/kernel/mm/ksm value it changed, even on
# failure.  The knob helpers (ksm_get, ksm_set, ksm_save, ksm_restore,
# ksm_settle, ksm_state) are scripts/lib/ksm-knobs.sh's.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/ksm-knobs.sh"
BUILD=${BUILD:-build}
BIN=$BUILD/bin
BPFTOOL=$BUILD/toolchain/sbin/bpftool
# Our own pin directory, so an operator's running stats are left alone.
PIN=/sys/fs/bpf/ksm_ext/test-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ksm-ext-test.XXXXXX")
_pids=()

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "[$(date +%T)] $*"; }

require_root_ksm() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -w $KSM/run ] || skip "no KSM on this kernel ($KSM/run missing)"
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF (/sys/kernel/btf/vmlinux)"
	ksm_tracepoints || skip "kernel has no KSM tracepoints (Linux >= 6.7 needed)"
}

# Whether the running kernel has KSM's tracepoints (the BPF stats need
# them).  grep -c, not -q: it reads to the end, so bpftool never dies of
# SIGPIPE, which pipefail would count as "no".
ksm_tracepoints() {
	[ -r /sys/kernel/btf/vmlinux ] &&
		"$BPFTOOL" btf dump file /sys/kernel/btf/vmlinux 2>/dev/null |
		grep -c "'btf_trace_ksm_start_scan'" >/dev/null
}

# Save every knob, then the settings the expected figures assume: zero
# pages merge like any other page (use_zero_pages=0), no advisor.
ksm_prepare() {
	ksm_save
	ksm_set use_zero_pages 0
	[ -w $KSM/advisor_mode ] && ksm_set advisor_mode none
	return 0
}

# Start a background process we own; remembered for cleanup.
spawn() {
	"$@" &
	_pids+=($!)
}

# Forget PID once it has been waited for, so cleanup signals neither it
# nor a later process that reuses the number.  Exactly that element: a
# pattern substitution over the array would also turn 1234 into 4 when
# removing 123.
forget_pid() {
	local p keep=()
	for p in ${_pids[@]+"${_pids[@]}"}; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	_pids=(${keep[@]+"${keep[@]}"})
}

# stop_pid PID [SIGNAL]: signal (default TERM) one of our processes, wait
# for it, forget it; returns its exit status.  Gone already is no error
# here: the status says why.
stop_pid() {
	local rc=0
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" || rc=$?
	forget_pid "$1"
	return "$rc"
}

# Functions to run at exit, after our processes are gone and before the
# KSM knobs are restored: at_exit FUNCTION.
_exit_hooks=()
at_exit() { _exit_hooks+=("$1"); }

# proc_state PID [COMM]: set PROC_STATE to PID's state letter (R, S, D,
# Z, ...) from /proc/PID/stat, with builtins only: no fork (a subshell
# per process is seconds under TCG) and nothing that waits on the
# process's mmap_lock, as reads of its cmdline do.  Fails if PID is gone
# or, given COMM, if its command name does not start with COMM.
proc_state() {
	local st
	PROC_STATE=
	{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
	# "PID (COMM) STATE ...": COMM may hold spaces and parentheses.
	[ -z "${2:-}" ] || [[ $st == *" ($2"* ]] || return 1
	st=${st##*) }
	PROC_STATE=${st%% *}
}

# Our processes that have not exited (a zombie has: state Z).
_running() {
	local p
	for p in "${_pids[@]}"; do
		proc_state "$p" && [ "$PROC_STATE" != Z ] && echo "$p"
	done | grep .
}

# Every step runs, whatever fails before it (errexit off): a process that
# already exited or a hook that fails must not keep the knobs from being
# restored.
_cleanup() {
	set +e
	local p
	for p in "${_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	# One that ignores SIGTERM for 10 s gets SIGKILL, so the waits below
	# cannot outlast the test.  Not yet waited for, none of these PIDs
	# can have been reused.
	local i
	for ((i = 0; i < 50; i++)); do
		_running || break
		sleep 0.2
	done
	for p in $(_running); do
		kill -KILL "$p" 2>/dev/null
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

# expect STATUS PATTERN CMD...: CMD exits STATUS and says PATTERN on
# stderr in at most EXPECT_LINES lines (1; 2 lets a usage hint follow).
expect() {
	local want=$1 pat=$2 rc=0 err max=${EXPECT_LINES:-1}
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want (stderr: $err)"
	grep -qE "$pat" <<<"$err" || fail "'$*' said '$err', want /$pat/"
	[ "$(wc -l <<<"$err")" -le "$max" ] || fail "'$*' printed more than $max line(s): $err"
	log "ok: $* -> $rc: $(head -1 <<<"$err")"
}

# tmux_server NAME: a tmux server of our own, which tm CMD... drives;
# killed at exit.
tmux_server() {
	TMUX_SOCK=$1
	at_exit _kill_tmux
}
tm() { tmux -L "$TMUX_SOCK" "$@"; }
_kill_tmux() {
	tm kill-server 2>/dev/null
	# kill-server leaves the socket file behind.
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TMUX_SOCK"
}

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
	local rc=0 result
	stop_pid "$WL_PID" || rc=$?
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
