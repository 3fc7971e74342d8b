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
