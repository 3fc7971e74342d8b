#!/bin/bash
# ksm-loader policy on any kernel: list reads the built policies without
# loading them (unprivileged, no ksm_ext needed), bad usage exits 2 with
# one line (--pin-dir too: a policy is pinned in one place), and
# load/status/unload on a kernel without ksm_ext say so in one line and
# exit 1.  (On the ksm_ext kernel tests/vm/cases/loader_policy.sh loads them.)
set -euo pipefail
. "$(dirname "$0")/../lib/host.sh"

L=$BIN/ksm-loader

expect 2 "missing policy command" "$L" policy
expect 2 "unknown policy command 'frob'" "$L" policy frob
expect 2 "wants a policy NAME" "$L" policy load
expect 2 "too many arguments" "$L" policy load a b
expect 2 "too many arguments" "$L" policy status extra
expect 2 "goes with 'policy load'" "$L" --set a=1 policy status
expect 2 "goes with 'policy load'" "$L" stats show --set a=1
# One place for a policy's pins: --pin-dir is the stats' alone.
expect 2 "pin-dir goes with the stats commands .a policy is always pinned at /sys/fs/bpf/ksm_ext/policy" \
	"$L" --pin-dir /sys/fs/bpf/x policy status
expect 2 "No such file" "$L" policy load /nonexistent/x.bpf.o
# libbpf's own error codes in words, not "Unknown error 4001".
echo "not an object" >"$TMP/junk"
expect 1 "cannot open $TMP/junk as a BPF object: BPF object format invalid$" \
	"$L" policy load "$TMP/junk"
expect 2 "no policy directory|has no policies" env KSM_EXT_POLICY_DIR=$TMP "$L" policy load passthrough

POL=$BUILD/bpf/policies
[ -f "$POL/passthrough.bpf.o" ] || skip "the usage checks passed; no policies built in $POL (make vm)"

out=$("$L" policy list) || fail "policy list exited $?"
log "policy list: $(tr '\n' '|' <<<"$out")"
grep -q "^passthrough " <<<"$out" || fail "policy list does not show passthrough: $out"
grep -q "(no description)" <<<"$out" && fail "a policy without its description line: $out"
for o in "$POL"/*.bpf.o; do
	grep -q "^$(basename "$o" .bpf.o) " <<<"$out" || fail "policy list misses $o"
done
# KSM_EXT_POLICY_DIR wins; an empty one lists nothing.
out=$(KSM_EXT_POLICY_DIR=$TMP "$L" policy list) || fail "policy list of an empty directory"
grep -q "(none)" <<<"$out" || fail "policy list of an empty directory: $out"
if [ -f "$POL/yield.bpf.o" ]; then
	out=$("$L" policy list)
	grep -A3 "^yield " <<<"$out" | grep -qE "tunables:.* idle_scans=[0-9]+" ||
		fail "policy list shows no yield tunables: $out"
fi

expect 2 "no policy 'nosuch'; there are: .*passthrough" "$L" policy load nosuch
expect 2 "wants KEY=VALUE" "$L" policy load passthrough --set novalue
expect 2 "wants KEY=VALUE" "$L" policy load passthrough --set =1
expect 2 "no tunable or list 'frob'" "$L" policy load passthrough --set frob=1
if [ -f "$POL/yield.bpf.o" ]; then
	expect 2 "not a number for idle_scans" "$L" policy load yield --set idle_scans=x
	expect 2 "out of range for idle_scans" "$L" policy load yield --set idle_scans=0x100000000
fi
if [ -f "$POL/scope.bpf.o" ]; then
	expect 2 "1 to 15 bytes" "$L" policy load scope --set comm=
	expect 2 "no such cgroup" "$L" policy load scope --set cgroup=no/such/cgroup
fi

# Unprivileged: list works, load refuses.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if [ "$(id -u)" -eq 0 ] && "${nobody[@]}" true 2>/dev/null; then
	cp "$POL"/passthrough.bpf.o "$TMP"/ && chmod -R a+rX "$TMP"
	out=$("${nobody[@]}" env KSM_EXT_POLICY_DIR="$TMP" "$L" policy list) &&
		grep -q "^passthrough " <<<"$out" || fail "policy list as nobody"
	expect 1 "must run as root" "${nobody[@]}" "$L" policy load "$TMP/passthrough.bpf.o"
	expect 1 "must run as root" "${nobody[@]}" "$L" policy unload
else
	log "not root or no setpriv: the unprivileged checks are not exercised"
fi

[ "$(id -u)" -eq 0 ] || skip "the usage checks passed; the runtime checks need root"
if [ -e $KSM/ext_policy ]; then
	log "a ksm_ext kernel: tests/vm/cases/loader_policy.sh loads policies here"
else
	msg="^ksm-loader: this kernel has no ksm_ext support; stats and tuning still work$"
	expect 1 "$msg" "$L" policy load passthrough
	expect 1 "$msg" "$L" policy status
	expect 1 "$msg" "$L" policy unload
	[ -e /sys/fs/bpf/ksm_ext/policy ] && fail "a refused load left /sys/fs/bpf/ksm_ext/policy"
fi
echo ok
