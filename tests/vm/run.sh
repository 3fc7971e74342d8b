#!/bin/bash
# The default in-VM suite (./vmtest.sh with no command): the host tier run
# against the guest's 6.12 kernel, then the ksm_ext tests (tests/vm/cases).
# The repository is read-only in the guest, so logs go to $TMPDIR.
# Arguments name tests to run alone (tests/run.sh's NAME).
set -euo pipefail
cd "$(dirname "$0")/../.."
# guest-init.sh sets TMPDIR=/run/tmp, the guest's own tmpfs; elsewhere
# tests/run.sh picks the place.
[ -z "${TMPDIR:-}" ] || export TEST_LOGS=$TMPDIR/test-logs
# 2 GiB and TCG: ksm-top's hostile table with 500 processes, not 5000.
export KSM_TOP_HOSTILE_PROCS=${KSM_TOP_HOSTILE_PROCS:-500}
echo "vm suite on $(uname -r)"
exec tests/run.sh host guest "$@"
