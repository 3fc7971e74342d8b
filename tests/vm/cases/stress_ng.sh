#!/bin/bash
# A peer's stress suite: stress-ng's verifying VM stressors (vm, mmap,
# mremap, fork with --verify; userfaultfd, vm-addr verify always;
# madvise, prctl) run KSM-enrolled while ksmd scans fast and
# policies are attached and detached in a loop, all three ways: bpftool
# struct_ops register + unpin, ksm-loader policy load/unload, and
# `echo none > ext_policy`.  Twice: use_zero_pages=0, then 1.  stress-ng
# must pass its own verification (KSM's copy-on-write must never hand a
# stressor someone else's data), every attach must show in ext_policy, and
# once stress-ng is gone and ksmd has settled, KSM's counters must be back
# at zero: pages_shared, pages_sharing, pages_unshared, pages_volatile,
# ksm_zero_pages, stable_node_chains, stable_node_dups, and the rmap_items
# (no sysfs file: general_profit is (pages_sharing + ksm_zero_pages) pages
# minus rmap_items * sizeof(struct ksm_rmap_item), so with the others zero
# it is zero exactly when no rmap_item is left).  No splat: vmtest.sh reads
# the console.  The figures (cycles per method, bogo ops, peaks) are logged
# for docs/RELIABILITY.md.  Not pagemove: 0.15.06's fails its run when the
# timeout interrupts an mremap (EINTR), whatever KSM does.  KSM_EXT_STRESS_SECS (60) is stress-ng's time
# per round: a cycle takes 12-16 s here, and 40 s rounds saw exactly the
# 3 cycles a round needs.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
command -v stress-ng >/dev/null || skip "stress-ng is not installed"
L=$BIN/ksm-loader
[ -x "$L" ] || skip "ksm-loader not built (make)"
PDIR=/sys/fs/bpf/ksm_ext/policy
SECS=${KSM_EXT_STRESS_SECS:-60}

_stress_cleanup() {
	"$L" policy unload >/dev/null 2>&1
	rm -rf "$PDIR"
}
at_exit _stress_cleanup

[ "$(ksm_get ext_policy)" = none ] || fail "a policy is attached already: $(ksm_get ext_policy)"
[ -e "$PDIR" ] && fail "ksm-loader's pins are there already: $(ls "$PDIR")"
policies=()
for p in passthrough random skip_all yield volatile skip_vma skip_tgid; do
	[ -f "$POLICIES/$p.bpf.o" ] && policies+=("$p")
done
[ ${#policies[@]} -ge 3 ] || skip "fewer than 3 policies built in $POLICIES"
ksm_prepare

# Everything that must be zero once nothing is merged or tracked, after
# run=2.
ZERO="pages_shared pages_sharing pages_unshared pages_volatile ksm_zero_pages
	general_profit stable_node_chains stable_node_dups"
# With run=1 once every process is gone: all that but stable_node_chains.
# As upstream, a chain whose last dup went away stays in the stable tree
# until a tree search meets it (chain_prune()) or run=2 removes it, and
# with no mm left to scan no search comes: on the debug kernel a round
# left one (chains 1, dups 0, no rmap_item; seen with gdb), and the test
# waited for it forever.  A chain still holding a dup fails on the dups.
ZERO_RUN1=${ZERO/stable_node_chains /}
counters() {
	local k out=
	for k in $ZERO; do out="$out $k=$(ksm_get "$k")"; done
	echo "${out# }"
}
all_zero() {	# [KEYS]: each is 0 (default $ZERO)
	local k
	for k in ${1:-$ZERO}; do [ "$(ksm_get "$k")" -eq 0 ] || return 1; done
}
# wait_zero SECS [KEYS]: wait up to SECS (by the clock, not a count of
# tries: under KASAN each try forks seconds of cat) with ksmd scanning
# fast until all_zero KEYS.
wait_zero() {
	local t0=$SECONDS
	beat "wait_zero: ksm_settle"
	ksm_settle
	while ((SECONDS - t0 < $1)); do
		beat "wait_zero"
		all_zero "${2:-}" && return 0
		sleep 0.2
	done
	return 1
}

# stress-ng's processes still alive (zombies left to init do not count),
# from /proc/PID/stat with builtins: no fork per process (seconds under
# TCG) and nothing that can block on a stuck process's mmap_lock, as
# ps's reads of cmdline can.
stress_procs() {
	local d n=0
	for d in /proc/[0-9]*; do
		proc_state "${d#/proc/}" stress-ng || continue
		[ "$PROC_STATE" = Z ] || n=$((n + 1))
	done
	echo "$n"
}

# What stress-ng's processes are doing: state, wait channel, kernel stack,
# and the kernel's list of blocked tasks (sysrq w, on the console).
stuck() {
	local p
	# Bounded: reading a process's cmdline waits for its mmap_lock.
	{ timeout 20 ps -eo pid=,ppid=,stat=,wchan:32=,comm= | awk '$5 ~ /^stress-ng/ || $3 ~ /^D/'; } || true
	for p in $( { timeout 20 ps -eo pid=,comm= || true; } | awk '$2 ~ /^stress-ng/ { print $1 }'); do
		echo "pid $p: $( { timeout 5 cat /proc/"$p"/cmdline || true; } 2>/dev/null | tr '\0' ' ')"
		# lock_trace() waits killably on the task's exec_update_lock.
		{ timeout 5 cat /proc/"$p"/stack 2>/dev/null || true; } | sed 's/^/    /'
	done
	echo "ksmd: $(cat /proc/"$(pgrep -x ksmd)"/stack 2>/dev/null | tr '\n' ' ') $(ksm_state)"
	echo w >/proc/sysrq-trigger 2>/dev/null || true
}

# A watchdog for the hang that stuck() cannot show because the test
# itself stops: the test beats (beat STEP) at least every minute; after
# WATCHDOG_SECS without a beat the watchdog puts the kernel's view on the
# console (sysrq l: what each CPU runs; w: blocked tasks; t: every task's
# state and stack) and ends the test.  Builtins only, so that whatever
# stopped the test does not stop the watchdog (a read on a FIFO nobody
# writes is its sleep).
WATCHDOG_SECS=${KSM_EXT_STRESS_WATCHDOG:-240}
beat() { echo "$SECONDS $*" >"$TMP/beat"; }
watchdog() {
	local fd last step now_s junk msg test_pid=$1
	mkfifo "$TMP/watchdog.fifo"
	exec {fd}<>"$TMP/watchdog.fifo"
	while :; do
		read -r -t 10 -u "$fd" junk || true
		{ read -r last step <"$TMP/beat"; } 2>/dev/null || continue
		now_s=$SECONDS
		((now_s - last < WATCHDOG_SECS)) && continue
		msg="stress_ng watchdog: no progress for $((now_s - last)) s after '$step'; sysrq l, w, t follow"
		echo "$msg"
		echo "$msg" >/dev/kmsg
		echo l >/proc/sysrq-trigger
		echo w >/proc/sysrq-trigger
		echo t >/proc/sysrq-trigger
		echo "FAIL: stuck for $((now_s - last)) s after '$step' (the tasks' stacks are on the console)" >&2
		kill -TERM "$test_pid"
		read -r -t 10 -u "$fd" junk || true
		kill -KILL "$test_pid"
		return
	done
}
beat start
spawn watchdog $$

# The pages KSM tracks: one rmap_item each.
tracked() {
	echo $(($(ksm_get pages_shared) + $(ksm_get pages_sharing) +
		$(ksm_get pages_unshared) + $(ksm_get pages_volatile)))
}

wait_policy() {	# NAME: ext_policy says NAME within 5 s
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(ksm_get ext_policy)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "ext_policy says '$(ksm_get ext_policy)', want '$1'"
}

# One attach/detach cycle: METHOD (bpftool, loader, none) and POLICY.
# "none" attaches with bpftool or the loader in turn and detaches with
# echo none, then drops the stale pins.
n_bpftool=0 n_loader=0 n_none=0 n_none_bpftool=0 n_none_loader=0
cycle() {
	local method=$1 p=$2 out
	case $method in
	bpftool)
		attach "$p"
		n_bpftool=$((n_bpftool + 1))
		sleep 0.3
		detach "$p"
		;;
	loader)
		out=$("$L" policy load "$p") || fail "ksm-loader policy load $p"
		wait_policy "$p"
		n_loader=$((n_loader + 1))
		sleep 0.3
		out=$("$L" policy unload) || fail "ksm-loader policy unload ($p)"
		grep -q "policy $p detached" <<<"$out" || fail "policy unload said: $out"
		wait_policy none
		;;
	none)
		if ((n_none % 2 == 0)); then
			attach "$p"
			n_none_bpftool=$((n_none_bpftool + 1))
		else
			"$L" policy load "$p" >/dev/null || fail "ksm-loader policy load $p (echo none)"
			wait_policy "$p"
			n_none_loader=$((n_none_loader + 1))
		fi
		n_none=$((n_none + 1))
		sleep 0.3
		echo none >"$KSM/ext_policy" || fail "echo none > ext_policy (detaching $p)"
		wait_policy none
		if ((n_none % 2 == 1)); then
			rm -f "$LINKDIR/$p" "$LINKDIR/${p}_policy"
		else
			out=$("$L" policy unload) || fail "ksm-loader policy unload (stale $p)"
			grep -q "removed the pins of a detached one" <<<"$out" ||
				fail "policy unload of a detached $p said: $out"
		fi
		;;
	esac
}

round() {	# use_zero_pages
	local zp=$1 out=$TMP/stress-ng.$1 spid rc=0 i=0 t0 peak_sharing=0 peak_zero=0
	local peak_tracked=0 v m s0 s1 bogo b0 l0 n0 nb0 nl0
	# Earlier tests' stale stable nodes (a chain and its dups whose pages
	# are gone) are pruned only by a tree search that meets them, or by
	# run=2, as upstream: start from nothing.
	beat "round $zp: run=2"
	ksm_set run 2
	ksm_set run 1
	wait_zero 60 || fail "KSM not clean before the round: $(counters)"
	[ "$(stress_procs)" -eq 0 ] || fail "stress-ng processes are running already"
	ksm_set use_zero_pages "$zp"
	ksm_set pages_to_scan 2000
	ksm_set sleep_millisecs 1
	ksm_set run 1
	s0=$(ksm_get ext_pages_skipped)
	b0=$n_bpftool l0=$n_loader n0=$n_none nb0=$n_none_bpftool nl0=$n_none_loader
	# Enrolled (prctl(PR_SET_MEMORY_MERGE) through ksm-loader enroll)
	# before the exec, so the flag passes to stress-ng and its stressors;
	# --vm-madvise mergeable on top for the vm stressor's buffer.
	spawn sh -c 'cd "$0" && "$1" enroll $$ >/dev/null && shift && exec "$@"' \
		"$TMP" "$(realpath "$L")" stress-ng --temp-path "$TMP" --timeout "${SECS}s" \
		--verify --metrics-brief \
		--vm 1 --vm-bytes 16M --vm-keep --vm-madvise mergeable \
		--mmap 1 --mmap-bytes 8M --mremap 1 --mremap-bytes 4M \
		--fork 1 --madvise 1 --prctl 1 \
		--userfaultfd 1 --vm-addr 1 >"$out" 2>&1
	spid=${_pids[-1]}
	t0=$SECONDS
	# Cycle until stress-ng says it is done (or exits): 3 minutes past its
	# timeout is a hang.
	while kill -0 "$spid" 2>/dev/null && ! grep -q "run completed" "$out"; do
		((SECONDS - t0 < SECS + 180)) || fail "stress-ng still running after $((SECONDS - t0)) s"
		beat "cycle $i"
		case $((i % 3)) in
		0) m=bpftool ;; 1) m=loader ;; *) m=none ;;
		esac
		cycle "$m" "${policies[i % ${#policies[@]}]}"
		i=$((i + 1))
		v=$(ksm_get pages_sharing); ((v > peak_sharing)) && peak_sharing=$v
		v=$(ksm_get ksm_zero_pages); ((v > peak_zero)) && peak_zero=$v
		v=$(tracked); ((v > peak_tracked)) && peak_tracked=$v
	done
	[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy left at $(ksm_get ext_policy)"
	# Its run is over: it exits within a minute, or what its processes
	# wait on is shown and the test fails (not a silent 10-minute hang).
	for ((v = 0; v < 300; v++)); do
		beat "waiting for stress-ng to exit"
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$spid" 2>/dev/null; then
		sed 's/^/    | /' "$out"
		stuck
		fail "stress-ng did not exit within 60 s of its run's end (use_zero_pages=$zp)"
	fi
	wait "$spid" || rc=$?
	forget_pid "$spid"
	s1=$(ksm_get ext_pages_skipped)
	sed 's/^/    | /' "$out"
	[ "$rc" -eq 0 ] || fail "stress-ng exited $rc (use_zero_pages=$zp)"
	grep -q "successful run completed" "$out" || fail "stress-ng: no 'successful run completed'"
	! grep -qiE " fail: |unsuccessful|verif[a-z]* (error|fail)|[0-9]+ (bit )?errors? (detected|found)|detected [0-9]+ .*error|corrupt" "$out" ||
		fail "stress-ng reported a failure (use_zero_pages=$zp): $(grep -iE "fail|error|corrupt" "$out" | head -5)"
	bogo=$(awk '$2 == "metrc:" && $5 ~ /^[0-9]+$/ && $4 != "stressor" { printf "%s=%s ", $4, $5 }' "$out")
	[ -n "$bogo" ] || fail "no bogo ops in stress-ng's output"
	((i >= 3)) || fail "only $i attach/detach cycles during stress-ng's $SECS s"
	log "use_zero_pages=$zp: $i cycles in $((SECONDS - t0)) s: bpftool $((n_bpftool - b0)), ksm-loader $((n_loader - l0)), echo none $((n_none - n0)) (attached by bpftool $((n_none_bpftool - nb0)), ksm-loader $((n_none_loader - nl0)))"
	log "use_zero_pages=$zp: stress-ng bogo ops: ${bogo% }"
	log "use_zero_pages=$zp: peaks pages_sharing=$peak_sharing ksm_zero_pages=$peak_zero rmap_items=$peak_tracked; policies skipped $((s1 - s0)) pages"
	# The stressors' memory reached KSM: something was tracked, and merged
	# (zero-filled pages merge into the zero page with use_zero_pages=1).
	((peak_tracked > 0)) || fail "KSM tracked no page of stress-ng's (use_zero_pages=$zp): not enrolled?"
	((peak_sharing + peak_zero > 0)) || fail "KSM merged no page of stress-ng's (use_zero_pages=$zp)"
	# All of stress-ng's processes are gone; then ksmd drops what they left.
	for ((v = 0; v < 60; v++)); do
		beat "counting stress-ng's processes"
		[ "$(stress_procs)" -eq 0 ] && break
		sleep 0.5
	done
	if [ "$(stress_procs)" -ne 0 ]; then
		stuck
		fail "stress-ng processes left 30 s after it exited (use_zero_pages=$zp)"
	fi
	if ! wait_zero 120 "$ZERO_RUN1"; then
		stuck
		fail "KSM counters not back to zero 120 s after stress-ng exited (use_zero_pages=$zp, run=1): $(counters); $(ksm_state)"
	fi
	log "use_zero_pages=$zp: back to zero with run=1: $(counters)"
	# And unmerging everything (run=2) leaves nothing either.
	beat "run=2"
	ksm_set run 2
	all_zero || fail "KSM counters not zero after run=2 (use_zero_pages=$zp): $(counters)"
	ksm_set run 1
}

round 0
round 1
log "in all: bpftool $n_bpftool, ksm-loader $n_loader, echo none $n_none (bpftool $n_none_bpftool, ksm-loader $n_none_loader) attach/detach cycles"
echo ok
