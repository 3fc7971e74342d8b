#!/bin/bash
# Every policy loads with plain bpftool 7.5 (struct_ops register OBJ
# LINKDIR); the form without LINKDIR attaches and, since the link is not
# pinned, detaches as bpftool exits; a second attach gets EBUSY; ext_policy
# shows the name and "none" detaches (root only).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext

for o in "$POLICIES"/*.bpf.o; do
	name=$(basename "$o" .bpf.o)
	attach "$name"
	detach "$name"
	log "bpftool struct_ops register $name.bpf.o $LINKDIR: attached and detached"
done

"$BPFTOOL" struct_ops register "$POLICIES/passthrough.bpf.o" >/dev/null ||
	fail "bpftool struct_ops register without LINKDIR failed"
[ "$(ksm_get ext_policy)" = none ] || detach passthrough
log "without LINKDIR: attached, detached when bpftool exited"

attach passthrough
err=$("$BPFTOOL" struct_ops register "$POLICIES/skip_all.bpf.o" "$LINKDIR" 2>&1) &&
	fail "a second policy attached: $err"
grep -q "busy" <<<"$err" || fail "second attach failed, but not with EBUSY: $err"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "the second attach displaced the first"
log "second attach: $err"

setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo none > $KSM/ext_policy" 2>/dev/null &&
	fail "a non-root user detached the policy"
echo bogus >$KSM/ext_policy 2>/dev/null && fail "ext_policy accepted 'bogus'"
[ "$(ksm_get ext_policy)" = passthrough ] || fail "bad writes detached the policy"
echo none >$KSM/ext_policy || fail "writing none failed"
[ "$(ksm_get ext_policy)" = none ] || fail "writing none did not detach"
# The detached policy's link still exists, yet another policy may attach.
[ -e "$LINKDIR/passthrough" ] || fail "the link pin disappeared"
attach skip_all
detach skip_all
rm -f "$LINKDIR/passthrough"
echo ok
