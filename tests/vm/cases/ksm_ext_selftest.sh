#!/bin/bash
# The series' own kernel selftest (tools/testing/selftests/ksm_ext): what
# the kernel refuses from a policy (sleepable or writing callbacks, no name,
# no link, init's bad return values, a second policy), the kill switch and
# relinking, who may enrol a process (not a CAP_BPF-only user), merge
# domains, and every NUMA node's unstable tree emptied each pass.
set -euo pipefail
. "$(dirname "$0")/../../lib/host.sh"
. "$(dirname "$0")/../../lib/vm.sh"
require_ksm_ext
T=$BUILD/selftests/ksm_ext/ksm_ext_test
[ -x "$T" ] || skip "ksm_ext selftest not built (make vm)"
# The objects must be readable by the unprivileged child of the test.
dir=$TMP/ksm_ext_selftest
mkdir -p "$dir"
cp "$BUILD"/selftests/ksm_ext/*.bpf.o "$dir"/
chmod -R a+rX "$TMP"
rc=0
out=$("$T" -d "$dir" 2>&1) || rc=$?
echo "$out"
grep -q '^not ok' <<<"$out" && fail "ksm_ext_test: $(grep '^not ok' <<<"$out" | head -n 3 | tr '\n' ' ')"
[ "$rc" -eq 0 ] || fail "ksm_ext_test exited $rc"
# The guest has all it needs (two NUMA nodes too): nothing may skip.
! grep -q '^ok.*# SKIP' <<<"$out" || fail "ksm_ext_test skipped: $(grep '# SKIP' <<<"$out" | head -n 3 | tr '\n' ' ')"
[ "$(grep -c '^ok' <<<"$out")" -eq 21 ] || fail "ksm_ext_test ran $(grep -c "^ok" <<<"$out") of 21 tests"
echo ok
