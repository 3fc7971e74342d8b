# Helpers for the in-VM tests (sourced after tests/lib/host.sh): they need
# the ksm_ext kernel, and attach policies with bpftool as an operator would.
POLICIES=$BUILD/bpf/policies
LINKDIR=/sys/fs/bpf/ksm_ext_test-$$

require_ksm_ext() {
	require_root_ksm
	[ -e $KSM/ext_policy ] || skip "not a ksm_ext kernel (no $KSM/ext_policy)"
	[ -f "$POLICIES/passthrough.bpf.o" ] || skip "policies not built (make vm)"
}

# attach NAME: bpftool struct_ops register, link pinned under $LINKDIR.
attach() {
	"$BPFTOOL" struct_ops register "$POLICIES/$1.bpf.o" "$LINKDIR" >/dev/null ||
		fail "bpftool struct_ops register $1.bpf.o failed"
	[ "$(ksm_get ext_policy)" = "$1" ] ||
		fail "ext_policy says '$(ksm_get ext_policy)' after attaching $1"
}

# detach NAME: remove the pinned link; the kernel detaches the policy.
detach() {
	rm -f "$LINKDIR/$1"
	# The link is released asynchronously; give it a moment.
	for _ in $(seq 50); do
		[ "$(ksm_get ext_policy)" = none ] && return 0
		sleep 0.1
	done
	fail "ext_policy still says '$(ksm_get ext_policy)' after unpinning $1"
}

# Newest map called $1 (several policies may have had one of that name).
map_id() {
	"$BPFTOOL" -j map show | jq -r --arg n "$1" '[.[] | select(.name == $n) | .id] | max // empty'
}

# skip_pid MAP PID...: put PIDs into a policy's tgid map.
skip_pids() {
	local id p
	id=$(map_id "$1")
	[ -n "$id" ] || fail "no map $1"
	for p in "${@:2}"; do
		"$BPFTOOL" map update id "$id" key $((p & 255)) $((p >> 8 & 255)) \
			$((p >> 16 & 255)) $((p >> 24 & 255)) value 1 || fail "map update $1 $p"
	done
}

_vm_cleanup() {
	[ -e $KSM/ext_policy ] && echo none >$KSM/ext_policy 2>/dev/null
	rm -rf "$LINKDIR"
}
at_exit _vm_cleanup

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
start_workload() {
	WL_OUT=$TMP/workload.$RANDOM
	spawn "$BIN/ksm-workload" "$@" >"$WL_OUT" 2>&1
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
