#!/bin/bash
# What an unprivileged user can do to ksm_ext: nothing.  As nobody,
# loading a policy, enrolling a process, starting or stopping stats and
# unloading each fail with one line naming the missing privilege, and
# writing ext_policy is refused by the kernel; a pin directory parent that
# someone else made or may write to is refused; what root pins under
# /sys/fs/bpf/ksm_ext is rwx for root only, so the user nobody can neither
# list nor open it, and reading it says it needs root.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
L=$BIN/ksm-loader
BPFD=/sys/fs/bpf/ksm_ext
PDIR=$BPFD/policy
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

made_bpfd=
_priv_cleanup() {
	"$L" policy unload >/dev/null 2>&1
	rm -rf "$PDIR"
	[ -n "$made_bpfd" ] && rm -rf "$BPFD"
}
at_exit _priv_cleanup


# As nobody, ext_policy refuses the write and keeps WANT.
nobody_writes_ext_policy() {	# value want
	local err rc=0
	err=$("${nobody[@]}" sh -c "echo $1 >$KSM/ext_policy" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "nobody wrote '$1' to ext_policy"
	grep -q "Permission denied" <<<"$err" || fail "echo $1 > ext_policy as nobody: $err"
	[ "$(ksm_get ext_policy)" = "$2" ] ||
		fail "ext_policy says '$(ksm_get ext_policy)' after nobody wrote '$1', want '$2'"
	log "ok: nobody: echo $1 > ext_policy: $err"
}

[ "$(ksm_get ext_policy)" = none ] || fail "a policy is attached already: $(ksm_get ext_policy)"
root_msg="must run as root \(.*CAP_BPF.*\)"
spawn sleep 600
victim=${_pids[-1]}
expect 1 "$root_msg" "${nobody[@]}" "$L" policy load passthrough
expect 1 "$root_msg" "${nobody[@]}" "$L" policy load "$POLICIES/passthrough.bpf.o"
expect 1 "$root_msg" "${nobody[@]}" "$L" enroll "$victim"
expect 1 "$root_msg" "${nobody[@]}" "$L" --pin-dir "$PIN" stats start
[ -e "$PIN" ] && fail "nobody's stats start left $PIN"
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy says $(ksm_get ext_policy)"
nobody_writes_ext_policy passthrough none

# A parent of the pin directory that is not root's alone: nobody made it
# (the guest's bpffs has no mode=, so it is 1777), or it is group- or
# world-writable.  Whoever may write there could swap the pins.
if [ -e "$BPFD" ]; then
	log "$BPFD exists already: the foreign-parent checks are not exercised"
else
	made_bpfd=1
	if "${nobody[@]}" mkdir "$BPFD" 2>/dev/null; then
		expect 1 "$BPFD is not a directory of ours \(uid 65534" "$L" policy load passthrough
		expect 1 "$BPFD is not a directory of ours" "$L" --pin-dir "$PIN" stats start
		[ "$(ksm_get ext_policy)" = none ] || fail "a refused load attached $(ksm_get ext_policy)"
		[ -e "$PDIR" ] && fail "a refused load pinned at $PDIR"
		rmdir "$BPFD"
	else
		log "nobody cannot create $BPFD (bpffs mounted with a mode): fine"
	fi
	mkdir -m 0777 "$BPFD"
	chmod 0777 "$BPFD"	# past the umask
	expect 1 "$BPFD is not a directory of ours \(uid 0, mode 0777\)" "$L" policy load passthrough
	rmdir "$BPFD"
	made_bpfd=
fi

# Root loads and starts stats under umask 000: the pins are still root's alone.
(umask 000 && "$L" policy load passthrough >/dev/null) || fail "policy load passthrough"
(umask 000 && "$L" --pin-dir "$PIN" stats start >/dev/null) || fail "stats start"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "ext_policy says $(ksm_get ext_policy)"
modes=
while IFS= read -r f; do
	m=$(stat -c %a "$f") u=$(stat -c %u "$f")
	modes+=" ${f#"$BPFD"}=$m"
	[ $((8#$m & 8#077)) -eq 0 ] || fail "$f has mode $m: group or others may use it"
	[ "$u" -eq 0 ] || fail "$f is owned by uid $u"
done < <(find "$BPFD")
log "modes:$modes"
[ -e "$PDIR/link" ] && [ -e "$PIN/counters" ] || fail "pins missing:$modes"
lock=/run/ksm-loader-policy.lock
[ "$(stat -c %a "$lock")" = 600 ] || fail "$lock has mode $(stat -c %a "$lock")"

# nobody can neither list nor open the pins, nor detach or stop them.
"${nobody[@]}" ls "$BPFD" >/dev/null 2>&1 && fail "nobody can list $BPFD"
"${nobody[@]}" cat "$PDIR/link" >/dev/null 2>&1 && fail "nobody can open $PDIR/link"
"${nobody[@]}" "$BPFTOOL" map show pinned "$PIN/counters" >/dev/null 2>&1 &&
	fail "nobody can open $PIN/counters with bpftool"
nobody_writes_ext_policy none passthrough
expect 1 "$root_msg" "${nobody[@]}" "$L" policy unload
expect 1 "$root_msg" "${nobody[@]}" "$L" --pin-dir "$PIN" stats stop
expect 1 "$root_msg" "${nobody[@]}" "$L" policy load passthrough
expect 1 "reading the stats pinned at $PIN needs root" "${nobody[@]}" "$L" --pin-dir "$PIN" stats show
st=$("${nobody[@]}" "$L" policy status 2>&1) || fail "policy status as nobody: $st"
grep -q "^ext_policy  *passthrough$" <<<"$st" || fail "status as nobody: $st"
grep -q "reading the pinned policy needs root" <<<"$st" || fail "status as nobody: $st"
log "ok: nobody: policy status: $(tr '\n' '|' <<<"$st")"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "nobody displaced passthrough"
[ -e "$PIN/counters" ] || fail "nobody stopped the stats"

"$L" policy unload >/dev/null || fail "policy unload"
"$L" --pin-dir "$PIN" stats stop || fail "stats stop"
[ "$(ksm_get ext_policy)" = none ] || fail "ext_policy left at $(ksm_get ext_policy)"
echo ok
