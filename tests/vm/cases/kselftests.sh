#!/bin/bash
# The kernel's own KSM selftests (tools/testing/selftests/mm, built from the
# same tree), with no policy attached, with the passthrough policy (every
# callback), with yield and volatile at their defaults, with tenants (the
# selftests in one tenant's cgroup, so in a merge domain of their own), and
# with skip_vma (skipping another process's areas) attached through bpftool:
# ksm_ext must not change what they see.  With two NUMA nodes (vmtest.sh
# boots numa=fake=2), `ksm_tests -N` with merge_across_nodes 0 and 1 runs
# with no policy, passthrough and tenants (in its cgroup).  "-N -m 1"
# waits exactly two full scans for a pair of areas madvised one after the
# other; yield's scanning (tenants' too) backs off an area idle for
# idle_scans passes, by design, so tenants runs -N with idle_scans=1000
# (2026-12-06, 6 runs each without retry beside another busy guest:
# failed with no policy 2, passthrough 3, yield at its defaults 4, tenants
# at idle_scans=1000 in its cgroup 1: the wait races ksmd's pass under
# load, hence one retry).
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
ST=$BUILD/selftests
[ -x "$ST/ksm_tests" ] && [ -x "$ST/ksm_functional_tests" ] || skip "selftests not built (make vm)"
ksm_save

# The invocations of run_vmtests.sh's "ksm" category; -P with a small size
# so it stays short under TCG.
suite() {
	local t
	while read -r t; do
		log "$1: $t"
		# shellcheck disable=SC2086
		"$ST"/$t && continue
		# -U waits for one full scan after writing; under TCG that scan
		# can end without revisiting the pages (1 of 15 runs failed with
		# no policy attached): one retry, and a second failure fails.
		[ "$t" = "ksm_tests -U" ] || fail "$1: '$t' failed"
		log "$1: '$t' failed once (upstream's one-scan race); again"
		# shellcheck disable=SC2086
		"$ST"/$t || fail "$1: '$t' failed twice"
	done <<'LIST'
ksm_tests -M -p 10
ksm_tests -U
ksm_tests -Z -p 10 -z 0
ksm_tests -Z -p 10 -z 1
ksm_tests -P -s 8
ksm_functional_tests
LIST
	[ "${2:-}" = numa ] || return 0
	numa_suite "$1"
}

# -N -m 1 sets sleep_millisecs=0 and waits two full_scans increments
# after madvising its second area; when that lands after ksmd's cursor
# passed the area in the pass about to end, the second increment comes
# after one look at the page, not two, and the pair is not merged yet.
# Under TCG beside a busy guest that is up to half the runs (header), so
# four tries: a real failure fails all four; -N -m 0 (nothing may merge)
# does not race.
numa_suite() {
	local t try
	[ "$NODES" -ge 2 ] || fail "$NODES NUMA node(s): the guest boots numa=fake=2 for ksm_tests -N"
	for t in "ksm_tests -N -m 1" "ksm_tests -N -m 0"; do
		for try in 1 2 3 4; do
			log "$1: $t (try $try)"
			# shellcheck disable=SC2086
			"$ST"/$t && continue 2
			[ "$t" = "ksm_tests -N -m 1" ] || break
		done
		fail "$1: '$t' failed ($try tries)"
	done
}
NODES=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
log "$NODES NUMA nodes"

suite "no policy" numa
attach passthrough
suite "passthrough" numa
[ "$(ksm_get ext_policy)" = passthrough ] || fail "passthrough was detached during the run"
detach passthrough
# The policies meant for production, at their defaults.
for p in yield volatile; do
	attach "$p"
	suite "$p"
	[ "$(ksm_get ext_policy)" = "$p" ] || fail "$p was detached during the run"
	detach "$p"
done
# tenants, with the selftests in a tenant of their own (a merge domain).
TCG=/sys/fs/cgroup/ksm-selftests-$$
mkdir "$TCG"
at_exit _rm_tenant
_rm_tenant() { rmdir "$TCG" 2>/dev/null || true; }
# with_tenants "LOAD ARGS" CMD...: tenants loaded (ksm-loader, with ARGS),
# CMD run in the tenant's cgroup, tenants unloaded.
with_tenants() {
	# shellcheck disable=SC2086
	"$BIN/ksm-loader" policy load tenants $1 >/dev/null ||
		fail "ksm-loader policy load tenants $1 failed"
	(
		echo "$BASHPID" >"$TCG/cgroup.procs"
		"${@:2}"
	) || fail "$2 failed with tenants $1"
	[ "$(ksm_get ext_policy)" = tenants ] || fail "tenants was detached during $2"
	"$BIN/ksm-loader" policy unload >/dev/null || fail "ksm-loader policy unload failed"
}
with_tenants "" suite "tenants"
with_tenants "--set idle_scans=1000" numa_suite "tenants, idle_scans=1000"
# skip_vma skipping a mergeable process of ours while the selftests run.
# Its pages are never merged (run=2 first, then listed before ksmd runs
# again), so the selftests' page counts do not see them.
ksm_set run 2
probe_start 1024
attach skip_vma
skip_pids skip_tgids "$PROBE_PID"
skipped0=$(ksm_get ext_vmas_skipped)
suite "skip_vma"
[ "$(ksm_get ext_policy)" = skip_vma ] || fail "skip_vma was detached during the run"
[ "$(ksm_get ext_vmas_skipped)" -gt "$skipped0" ] || fail "skip_vma skipped no area during the run"
detach skip_vma
probe_stop
echo ok
