#!/bin/bash
# ksm-loader policy load/status/unload on the ksm_ext kernel: the policy
# stays attached after the loader exits (pinned link), a second load and a
# load over a bpftool-attached policy fail naming it, status reads the
# policy's tunables and stats through BTF, unload detaches and cleans up,
# and what unload cannot detach it says how to.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
L=$BIN/ksm-loader
PDIR=/sys/fs/bpf/ksm_ext/policy

_policy_cleanup() {
	"$L" policy unload >/dev/null 2>&1
	rm -rf "$PDIR"
}
at_exit _policy_cleanup


json_ok() {	# exactly one JSON object on stdout
	jq -e 'type == "object"' <<<"$1" >/dev/null || fail "not one JSON object: $1"
	[ "$(jq -s length <<<"$1")" -eq 1 ] || fail "more than one JSON value: $1"
}

# load passthrough: attached, pinned, and the loader has exited.
out=$("$L" policy load passthrough) || fail "policy load passthrough"
log "$out"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "ext_policy says $(ksm_get ext_policy)"
[ -e "$PDIR/link" ] || fail "no pinned link at $PDIR/link: $(ls "$PDIR")"
pgrep -x ksm-loader >/dev/null && fail "ksm-loader is still running"
log "pinned: $(ls "$PDIR" | tr "\n" " ")"

expect 1 "'passthrough' is already attached" "$L" policy load skip_all
expect 1 "'passthrough' is already attached" "$L" policy load "$POLICIES/skip_all.bpf.o"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "the failed load displaced passthrough"

st=$("$L" policy status) || fail "policy status"
log "status: $(tr '\n' '|' <<<"$st")"
grep -q "^ext_policy  *passthrough$" <<<"$st" || fail "status: no ext_policy line: $st"
grep -qE "^ext_pages_skipped  *[0-9]+$" <<<"$st" || fail "status: no ext_pages_skipped: $st"
grep -q "^loaded by  *ksm-loader" <<<"$st" || fail "status: not loaded by ksm-loader: $st"
js=$("$L" policy status --json) || fail "policy status --json"
json_ok "$js"
jq -e '.ext_policy == "passthrough" and .attached and .loaded_by_ksm_loader and
	(.ext_mms_skipped | type == "number")' <<<"$js" >/dev/null ||
	fail "status --json: $js"

out=$("$L" policy unload) || fail "policy unload"
log "$out"
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy says $(ksm_get ext_policy) after unload"
[ -e "$PDIR" ] && fail "unload left $PDIR: $(ls "$PDIR")"
expect 1 "no policy is attached" "$L" policy unload
st=$("$L" policy status) || fail "policy status with nothing attached"
grep -q "no policy is attached" <<<"$st" || fail "status: $st"
json_ok "$("$L" policy status --json)"

# --set: unknown keys and bad values are usage errors, nothing attached.
expect 2 "no tunable or list 'frob'" "$L" policy load passthrough --set frob=1
expect 2 "wants KEY=VALUE" "$L" policy load passthrough --set frob
[ "$(ksm_get ext_policy)" = none ] || fail "a refused load attached $(ksm_get ext_policy)"
[ -e "$PDIR" ] && fail "a refused load left $PDIR"

# A policy attached by someone else: load refuses, status shows the sysfs
# part only, unload says how to detach it (exit 1).
attach skip_all
expect 1 "'skip_all' is already attached" "$L" policy load passthrough
st=$("$L" policy status) || fail "policy status (bpftool's policy)"
grep -q "^ext_policy  *skip_all$" <<<"$st" || fail "status: $st"
grep -q "statistics are not available" <<<"$st" || fail "status: $st"
js=$("$L" policy status --json) || fail "policy status --json (bpftool's policy)"
json_ok "$js"
jq -e '.loaded_by_ksm_loader == false and .stats == null' <<<"$js" >/dev/null ||
	fail "status --json: $js"
js=$("$BIN/ksm-top" -b --json -n 1 -d 0.2) || fail "ksm-top --json (bpftool's policy)"
jq -e '.policy.name == "skip_all" and .policy.attached_by == "other" and
	.policy.stats == null' <<<"$js" >/dev/null || fail "ksm-top --json policy: $(jq -c .policy <<<"$js")"
expect 1 "echo none > /sys/kernel/mm/ksm/ext_policy" "$L" policy unload
[ "$(ksm_get ext_policy)" = skip_all ] || fail "unload detached bpftool's policy"
detach skip_all

# Pins of a policy detached behind our back (echo none): status says so,
# the next load replaces them.
"$L" policy load passthrough >/dev/null || fail "policy load passthrough (again)"
echo none >$KSM/ext_policy
st=$("$L" policy status) || fail "policy status (detached)"
grep -q "was detached" <<<"$st" || fail "status after echo none: $st"
"$L" policy load passthrough >/dev/null || fail "load over stale pins"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "ext_policy says $(ksm_get ext_policy)"
"$L" policy unload >/dev/null || fail "unload"

if [ -f "$POLICIES/yield.bpf.o" ]; then
	expect 2 "out of range for idle_scans" "$L" policy load yield --set idle_scans=-1
	expect 2 "not a number for max_backoff" "$L" policy load yield --set max_backoff=lots
	"$L" policy load yield --set idle_scans=3 --set max_backoff=0x10 >/dev/null ||
		fail "policy load yield --set idle_scans=3"
	[ -e "$PDIR/stats" ] || fail "yield's stats map is not pinned: $(ls "$PDIR")"
	st=$("$L" policy status) || fail "policy status (yield)"
	log "status: $(tr '\n' '|' <<<"$st")"
	grep -qE "^tunables .* idle_scans=3( |$)" <<<"$st" || fail "status: no idle_scans=3: $st"
	grep -qE "max_backoff=16( |$)" <<<"$st" || fail "status: no max_backoff=16: $st"
	grep -q "^stats" <<<"$st" || fail "status: no stats: $st"
	js=$("$L" policy status --json) || fail "policy status --json (yield)"
	json_ok "$js"
	jq -e '.tunables.idle_scans == 3 and .tunables.max_backoff == 16 and
		(.stats | type == "object") and (.stats | length > 0) and
		([.stats[] | type == "number"] | all)' <<<"$js" >/dev/null ||
		fail "status --json (yield): $js"
	# ksm-top shows the policy and its skip counters.
	js=$("$BIN/ksm-top" -b --json -n 1 -d 0.2) || fail "ksm-top --json"
	jq -e '.ksm.ext_policy == "yield" and (.ksm.ext_pages_skipped | type == "number") and
		(.ksm.ext_mms_skipped | type == "number")' <<<"$js" >/dev/null ||
		fail "ksm-top --json: $(jq -c .ksm <<<"$js")"
	# ... who attached it, and what its pins hold: the tunables set above
	# and the same statistics names as policy status (values move).
	jq -e --argjson st "$("$L" policy status --json)" '.policy.name == "yield" and
		.policy.attached_by == "ksm-loader" and .policy.tunables.idle_scans == 3 and
		.policy.tunables.max_backoff == 16 and
		(.policy.stats | keys) == ($st.stats | keys)' <<<"$js" >/dev/null ||
		fail "ksm-top --json policy: $(jq -c .policy <<<"$js")"
	# Not piped into head: ksm-top's SIGPIPE would fail it (pipefail).
	top=$("$BIN/ksm-top" -b -n 1 -d 0.2) || fail "ksm-top -b"
	top=$(head -n 6 <<<"$top")
	grep -q "policy yield " <<<"$top" && grep -qE "skipped [0-9.k]+ pages/s, " <<<"$top" &&
		grep -q "^attached by ksm-loader  tunables .*idle_scans=3" <<<"$top" ||
		fail "ksm-top's header: $top"
	"$L" policy unload >/dev/null || fail "unload yield"
else
	log "no yield policy built: its tunable checks are not exercised"
fi

if [ -f "$POLICIES/scope.bpf.o" ]; then
	expect 2 "1 to 15 bytes" "$L" policy load scope --set comm=abcdefghijklmnopq
	expect 2 "no such cgroup" "$L" policy load scope --set cgroup=/no/such/cgroup
	mkdir -p /sys/fs/cgroup/ksm-ext-test-$$
	cgid=$(stat -c %i /sys/fs/cgroup/ksm-ext-test-$$)
	nlinks() { "$BPFTOOL" -j link show | jq length; }
	n0=$(nlinks)
	"$L" policy load scope --set comm=foo --set comm=bar \
		--set cgroup=ksm-ext-test-$$ >/dev/null || fail "policy load scope --set comm=foo"
	ls "$PDIR"/link_* >/dev/null 2>&1 || fail "scope's LSM link is not pinned: $(ls "$PDIR")"
	[ "$(nlinks)" -eq $((n0 + 2)) ] || fail "want the struct_ops and the LSM link: $("$BPFTOOL" link show)"
	js=$("$L" policy status --json) || fail "policy status --json (scope)"
	json_ok "$js"
	jq -e --argjson id "$cgid" '(.lists.comm | sort) == ["bar", "foo"] and
		.lists.cgroup == [$id]' <<<"$js" >/dev/null || fail "status --json (scope): $js"
	"$L" policy unload >/dev/null || fail "unload scope"
	for _ in $(seq 50); do [ "$(nlinks)" -eq "$n0" ] && break; sleep 0.1; done
	[ "$(nlinks)" -eq "$n0" ] || fail "links survived unload: $("$BPFTOOL" link show)"
	rmdir /sys/fs/cgroup/ksm-ext-test-$$
else
	log "no scope policy built: its list and LSM checks are not exercised"
fi
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy left at $(ksm_get ext_policy)"
echo ok
