#!/bin/bash
# The default in-VM suite (./vmtest.sh with no command): the host tier run
# against the guest's 6.12 kernel, then the ksm_ext tests (tests/vm/cases).
# The repository is read-only in the guest, so logs go to $TMPDIR.
# Arguments name tests to run alone (tests/run.sh's NAME).
set -euo pipefail
cd "$(dirname "$0")/../.."
# guest-init.sh sets TMPDIR=/run/tmp, the guest's own tmpfs, unless the
# host's tests/run.sh gave a shared directory (TEST_LOGS); elsewhere
# tests/run.sh picks the place.
[ -z "${TMPDIR:-}" ] || export TEST_LOGS=${TEST_LOGS:-$TMPDIR/test-logs}
# 2 GiB and TCG: ksm-top's hostile table with 500 processes, not 5000.
export KSM_TOP_HOSTILE_PROCS=${KSM_TOP_HOSTILE_PROCS:-500}
echo "vm suite on $(uname -r)"

# The debug kernel (vmtest.sh --debug) has kmemleak, scanning only when
# told: forget what boot left, and after the suite any object the kernel
# lost track of fails the run.
kmemleak=/sys/kernel/debug/kmemleak
if [ ! -w "$kmemleak" ]; then
	exec tests/run.sh host guest "$@"
fi
echo scan >"$kmemleak"
echo clear >"$kmemleak"
# KASAN makes every syscall dearer: time bounds meant for the normal
# kernel are raised (the figures still go to the logs), and stress_ng's
# rounds are longer: a cycle (load, attach, detach) takes about 60 s
# there, and a round must see every attach/detach method at least once
# (150 s saw exactly 3).
export KSM_TOP_FRAME_LIMIT_MS=${KSM_TOP_FRAME_LIMIT_MS:-30000}
export KSM_EXT_STRESS_SECS=${KSM_EXT_STRESS_SECS:-240}
export HOST_TIMEOUT=${HOST_TIMEOUT:-2700}
rc=0
tests/run.sh host guest "$@" || rc=$?
# An object must be unreferenced for 5 s and in two scans to be reported.
sleep 6
echo scan >"$kmemleak"
echo scan >"$kmemleak"
leaks=$(grep -c '^unreferenced object' "$kmemleak" || true)
if [ "$leaks" -gt 0 ]; then
	echo "FAIL  kmemleak: $leaks unreferenced objects after the suite:"
	head -n 60 "$kmemleak"
	exit 1
fi
echo "PASS  kmemleak: no leaks after the suite"
exit "$rc"
